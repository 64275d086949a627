#include "sharing/visibility.hpp"

namespace paddock::sharing {
namespace {

constexpr std::array<std::string_view, kMessageTypeCount> kTypeNames = {
    "status", "trip", "maintenance", "alert", "sale", "social"};
constexpr std::array<std::string_view, 4> kAudienceNames = {"public", "followers", "approved",
                                                            "private"};
// One character per audience in the stored form, in MessageType order: "uffpuu" etc.
constexpr std::string_view kAudienceCodes = "ufap";

}  // namespace

std::string_view type_name(MessageType t) { return kTypeNames[static_cast<std::size_t>(t)]; }

const std::string& type_names_text() {
  static const std::string text = [] {
    std::string out;
    for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
      if (i) out += i + 1 == kTypeNames.size() ? " or " : ", ";
      out += kTypeNames[i];
    }
    return out;
  }();
  return text;
}

std::optional<MessageType> parse_type(std::string_view name) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<MessageType>(i);
  }
  return std::nullopt;
}

std::string_view audience_name(Audience a) { return kAudienceNames[static_cast<std::size_t>(a)]; }

std::optional<Audience> parse_audience(std::string_view name) {
  for (std::size_t i = 0; i < kAudienceNames.size(); ++i) {
    if (kAudienceNames[i] == name) return static_cast<Audience>(i);
  }
  return std::nullopt;
}

VisibilityPolicy VisibilityPolicy::defaults() {
  VisibilityPolicy p;
  p.set(MessageType::status, Audience::everyone);
  p.set(MessageType::trip, Audience::followers);
  p.set(MessageType::maintenance, Audience::members);
  p.set(MessageType::alert, Audience::followers);
  p.set(MessageType::sale, Audience::everyone);
  p.set(MessageType::social, Audience::everyone);
  return p;
}

VisibilityPolicy VisibilityPolicy::decode(std::string_view text) {
  VisibilityPolicy p = defaults();
  if (text.size() != kMessageTypeCount) return p;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto code = kAudienceCodes.find(text[i]);
    if (code == std::string_view::npos) return defaults();
    p.audience_[i] = static_cast<Audience>(code);
  }
  return p;
}

std::string VisibilityPolicy::encode() const {
  std::string out;
  for (Audience a : audience_) out += kAudienceCodes[static_cast<std::size_t>(a)];
  return out;
}

TypeSet VisibilityPolicy::visible_to(Role role) const {
  TypeSet visible = 0;
  for (std::size_t i = 0; i < audience_.size(); ++i) {
    bool sees = false;
    switch (audience_[i]) {
      case Audience::everyone: sees = true; break;
      case Audience::followers: sees = role != Role::stranger; break;
      case Audience::approved: sees = role == Role::approved_follower || role == Role::member; break;
      case Audience::members: sees = role == Role::member; break;
    }
    if (sees) visible |= 1u << i;
  }
  return visible;
}

Result<TypeSet> parse_type_list(const std::vector<std::string>& names, std::string_view field) {
  TypeSet set = 0;
  for (const auto& name : names) {
    auto t = parse_type(name);
    if (!t) {
      return make_error(Errc::invalid_field,
                        "unknown message type '" + name + "'; use " + type_names_text(),
                        std::string(field));
    }
    set |= bit(*t);
  }
  return set;
}

std::vector<std::string> type_names(TypeSet types) {
  std::vector<std::string> out;
  for (int i = 0; i < kMessageTypeCount; ++i) {
    if (types & (1u << i)) out.emplace_back(kTypeNames[static_cast<std::size_t>(i)]);
  }
  return out;
}

}  // namespace paddock::sharing
