// Unit tests: the embedded screen files are the ones in web/, with their content types.
#include "web/assets.hpp"

#include <gtest/gtest.h>

namespace paddock::web {
namespace {

TEST(WebAssets, TheScreenFilesAreEmbeddedWithTheirTypes) {
  struct Row {
    const char* name;
    const char* type;
    const char* contains;
  };
  for (const Row& row : {Row{"screen.html", "text/html; charset=utf-8", "role=\"status\""},
                         Row{"screen.js", "text/javascript; charset=utf-8", "EventSource"},
                         Row{"screen.css", "text/css; charset=utf-8", "@media"}}) {
    const WebAsset* asset = find_web_asset(row.name);
    ASSERT_NE(asset, nullptr) << row.name;
    EXPECT_EQ(asset->content_type, row.type);
    EXPECT_NE(asset->body.find(row.contains), std::string_view::npos) << row.name;
    EXPECT_EQ(asset->body.find('\0'), std::string_view::npos) << "no terminator in the body";
  }
  EXPECT_EQ(find_web_asset("../CMakeLists.txt"), nullptr);
  EXPECT_EQ(find_web_asset(""), nullptr);
}

}  // namespace
}  // namespace paddock::web
