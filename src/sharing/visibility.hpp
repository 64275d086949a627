#pragma once
// sharing/visibility: the message types of a vehicle's library, who may see each type, and the
// viewer roles that decide it. Pure rules, no I/O; depends on core only.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace paddock::sharing {

enum class MessageType { status, trip, maintenance, alert, sale, social };
inline constexpr int kMessageTypeCount = 6;
using TypeSet = unsigned;  // bit i set <=> MessageType(i) included
inline constexpr TypeSet kAllTypes = (1u << kMessageTypeCount) - 1;

inline TypeSet bit(MessageType t) { return 1u << static_cast<unsigned>(t); }
std::string_view type_name(MessageType t);
// "status, trip, maintenance, alert, sale or social": the names for error details, from the
// one table of names.
const std::string& type_names_text();
std::optional<MessageType> parse_type(std::string_view name);

// Who may see a type. Ordered from widest to narrowest audience.
enum class Audience { everyone, followers, approved, members };
std::string_view audience_name(Audience a);  // "public", "followers", "approved", "private"
std::optional<Audience> parse_audience(std::string_view name);

// What the viewer is to the vehicle (sharing/access.hpp role_of decides it).
enum class Role {
  stranger,           // no relation (also a pending follower)
  follower,           // active follower
  approved_follower,  // active follower the owner approved
  member,             // owner or authorized user
};

class VisibilityPolicy {
 public:
  // status, sale, social public; trip, alert followers; maintenance private.
  static VisibilityPolicy defaults();
  // Reads the storage form; unknown or damaged text yields the defaults.
  static VisibilityPolicy decode(std::string_view text);
  std::string encode() const;

  Audience audience(MessageType t) const { return audience_[static_cast<std::size_t>(t)]; }
  void set(MessageType t, Audience a) { audience_[static_cast<std::size_t>(t)] = a; }

  // The types `role` may read.
  TypeSet visible_to(Role role) const;

 private:
  std::array<Audience, kMessageTypeCount> audience_{};
};

// Parses a list of type names into a set. Errors: invalid_field on `field` naming the unknown
// type.
Result<TypeSet> parse_type_list(const std::vector<std::string>& names, std::string_view field);
std::vector<std::string> type_names(TypeSet types);

}  // namespace paddock::sharing
