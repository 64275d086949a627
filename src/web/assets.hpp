#pragma once
// web/assets: the big screen's static files (web/screen.html, .js, .css), embedded in the
// binary at build time by cmake/embed_web.cmake, so the server needs no installed directory and
// the page always matches the API it was built with. Depends on nothing.
#include <span>
#include <string_view>

namespace paddock::web {

struct WebAsset {
  std::string_view name;          // the file name under web/, e.g. "screen.js"
  std::string_view content_type;  // from its extension
  std::string_view body;
};

// Every embedded file (generated).
std::span<const WebAsset> web_assets();
// The file called `name`, or nullptr.
const WebAsset* find_web_asset(std::string_view name);

}  // namespace paddock::web
