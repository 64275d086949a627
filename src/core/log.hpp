#pragma once
// core/log: structured log events over spdlog. Each event is a message plus key/value fields;
// rendered as "message key=value ..." for people (text) or one JSON object per line (json).
// All Paddock logging goes through event() so that the JSON output is always well-formed.
#include <initializer_list>
#include <string>
#include <string_view>

namespace paddock::log {

enum class Level { debug, info, warn, error };
enum class Format { text, json };

// Sends output to stderr in `format` at `min_level` and above. Call once at start-up.
void configure(Format format, Level min_level);
bool parse_level(std::string_view text, Level& out);

struct Field {
  std::string_view key;
  std::string_view value;
};

void event(Level level, std::string_view message, std::initializer_list<Field> fields = {});
bool enabled(Level level);

}  // namespace paddock::log
