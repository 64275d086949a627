#pragma once
// vehicle/state_store: the car's CarState in a directory (file "car-state", a line-based text
// format documented in docs/credentials.md), written atomically (temp file, fsync, rename) with
// mode 0600 (a directory it creates is 0700).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "vehicle/decision.hpp"

namespace paddock::vehicle {

inline constexpr std::size_t kMaxStateBytes = 1024 * 1024;
inline constexpr const char* kStateFileName = "car-state";

// A missing file is an empty state; nullopt (with `error` set) iff the file is unreadable or
// malformed: the car then refuses to decide rather than forget counters and uses.
std::optional<CarState> load_state(const std::filesystem::path& dir, std::string& error);
bool save_state(const std::filesystem::path& dir, const CarState& state, std::string& error);

// Writes `text` to dir/name atomically (temp file, fsync, rename), mode 0600, creating `dir`
// (0700) when missing. False with `error` set on any failure; the old file is then intact.
bool write_file_atomically(const std::filesystem::path& dir, std::string_view name,
                           const std::string& text, std::string& error);

}  // namespace paddock::vehicle
