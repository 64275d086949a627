// The key-rights policy over the shipped policy (config/key-policy.toml): one row per
// template x relationship case, plus the intersection's edge cases.
#include <gtest/gtest.h>

#include "keys/policy.hpp"
#include "keys/policy_file.hpp"

namespace paddock::keys {
namespace {

ActionSet actions(std::initializer_list<Action> list) {
  ActionSet s;
  for (Action a : list) s.add(a);
  return s;
}

using A = Action;
using R = Relationship;

const KeyPolicy& shipped() {
  static const KeyPolicy policy = [] {
    auto p = default_key_policy();
    EXPECT_TRUE(p.ok()) << p.error().detail;
    return p.ok() ? p.value() : KeyPolicy{};
  }();
  return policy;
}

struct Row {
  const char* name;
  Task task;
  Relationship relationship;
  Rights sharer;
  KeyRequest request;
  ActionSet granted;
  std::optional<int> max_uses;
  std::optional<std::int64_t> max_duration_minutes;
  std::optional<int> max_speed_kmh;
  std::vector<Refusal> refused;
};

Rights sharer_without(std::initializer_list<Action> missing) {
  Rights r = Rights::unlimited();
  ActionSet keep;
  for (Action a : kActions) {
    bool drop = false;
    for (Action m : missing) drop = drop || m == a;
    if (!drop) keep.add(a);
  }
  r.actions = keep;
  return r;
}

TEST(KeyPolicy, EffectiveRightsPerTaskAndRelationship) {
  const Rights owner = Rights::unlimited();
  const std::vector<Row> rows = {
      {"courier, no relationship: open_trunk and lock, one use, 2 h", Task::delivery, R::none,
       owner, {}, actions({A::lock, A::open_trunk}), 1, 120, std::nullopt, {}},
      {"courier asked to drive: refused by the template", Task::delivery, R::none, owner,
       {.actions = actions({A::open_trunk, A::drive})}, actions({A::open_trunk}), 1, 120,
       std::nullopt, {{"drive", "drive is not in the delivery template"}}},
      {"courier asked for 3 uses and 5 h: capped", Task::delivery, R::none, owner,
       {.duration_minutes = 300, .max_uses = 3}, actions({A::lock, A::open_trunk}), 1, 120,
       std::nullopt,
       {{"duration", "duration capped at 2 h by the delivery template"},
        {"max_uses", "max_uses capped at 1 by the delivery template"}}},
      {"delivery for family: still the template's rights", Task::delivery, R::family, owner, {},
       actions({A::lock, A::open_trunk}), 1, 120, std::nullopt, {}},
      {"family borrowing gets drive", Task::borrow, R::family, owner, {},
       actions({A::unlock, A::lock, A::open_trunk, A::start, A::drive}), std::nullopt, 10080,
       std::nullopt, {}},
      {"family may not reshare", Task::borrow, R::family, owner,
       {.actions = actions({A::drive, A::reshare})}, actions({A::drive}), std::nullopt, 10080,
       std::nullopt, {{"reshare", "reshare is not in the borrow template"}}},
      {"custom task: family still may not reshare", Task::custom, R::family, owner,
       {.actions = actions({A::unlock, A::reshare})}, actions({A::unlock}), std::nullopt,
       std::nullopt, std::nullopt, {{"reshare", "family may not reshare"}}},
      {"friend borrowing: 3 days at most", Task::borrow, R::friend_, owner,
       {.duration_minutes = 10080},
       actions({A::unlock, A::lock, A::open_trunk, A::start, A::drive}), std::nullopt, 4320,
       std::nullopt, {{"duration", "duration capped at 72 h by friend"}}},
      {"colleague borrowing: one day", Task::borrow, R::colleague, owner, {},
       actions({A::unlock, A::lock, A::open_trunk, A::start, A::drive}), std::nullopt, 1440,
       std::nullopt, {}},
      {"a stranger may not borrow to drive", Task::borrow, R::none, owner, {},
       actions({A::unlock, A::lock, A::open_trunk}), std::nullopt, 1440, std::nullopt,
       {{"start", "a recipient with no relationship may not start"},
        {"drive", "a recipient with no relationship may not drive"}}},
      {"valet by a service provider: 50 km/h, 8 h", Task::valet, R::service_provider, owner, {},
       actions({A::unlock, A::lock, A::start, A::drive}), std::nullopt, 480, 50, {}},
      {"valet asked for 120 km/h: capped by the template", Task::valet, R::family, owner,
       {.max_speed_kmh = 120}, actions({A::unlock, A::lock, A::start, A::drive}), std::nullopt,
       480, 50, {{"max_speed_kmh", "max_speed_kmh capped at 50 km/h by the valet template"}}},
      {"service by a service provider: 80 km/h, 3 days", Task::service, R::service_provider,
       owner, {}, actions({A::unlock, A::lock, A::open_trunk, A::start, A::drive}), std::nullopt,
       4320, 80, {}},
      {"a slower request stays as asked", Task::service, R::service_provider, owner,
       {.max_speed_kmh = 30, .max_uses = 2},
       actions({A::unlock, A::lock, A::open_trunk, A::start, A::drive}), 2, 4320, 30, {}},
      {"the sharer lacks drive", Task::borrow, R::family, sharer_without({A::drive}),
       {.actions = actions({A::unlock, A::drive})}, actions({A::unlock}), std::nullopt, 10080,
       std::nullopt, {{"drive", "the sharer lacks it"}}},
      {"the sharer's own limits bind", Task::borrow, R::family,
       Rights{ActionSet::all(), 60, 90, 4, std::nullopt, std::nullopt},
       {.max_uses = 10}, actions({A::unlock, A::lock, A::open_trunk, A::start, A::drive}), 4, 90,
       60, {{"max_uses", "max_uses capped at 4 by the sharer's own rights"}}},
      {"custom with reshare for a friend: refused by the relationship", Task::custom, R::friend_,
       owner, {}, actions({A::unlock, A::lock, A::open_trunk, A::start, A::drive}), std::nullopt,
       4320, std::nullopt, {{"reshare", "friend may not reshare"}}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto d = decide(shipped(), row.task, row.relationship, row.sharer, row.request);
    EXPECT_EQ(action_names(d.effective.actions), action_names(row.granted));
    EXPECT_EQ(d.effective.max_uses, row.max_uses);
    EXPECT_EQ(d.effective.max_duration_minutes, row.max_duration_minutes);
    EXPECT_EQ(d.effective.max_speed_kmh, row.max_speed_kmh);
    ASSERT_EQ(d.refused.size(), row.refused.size());
    for (std::size_t i = 0; i < row.refused.size(); ++i) {
      EXPECT_EQ(d.refused[i].right, row.refused[i].right);
      EXPECT_EQ(d.refused[i].reason, row.refused[i].reason);
    }
  }
}

TEST(KeyPolicy, NeverWiderThanAnyLayer) {
  // Every task x relationship with an unlimited sharer and an everything request: the result is
  // inside the template and the relationship row, and reshare needs both.
  KeyRequest everything{.actions = ActionSet::all(), .max_speed_kmh = 1000,
                        .duration_minutes = 1000000, .max_uses = 1000000};
  for (Task t : kTasks) {
    for (Relationship r : kRelationships) {
      SCOPED_TRACE(std::string(name_of(t)) + " x " + std::string(name_of(r)));
      auto d = decide(shipped(), t, r, Rights::unlimited(), everything);
      const Rights& tmpl = shipped().task(t).rights;
      const Rights& rel = shipped().relationship(r);
      EXPECT_EQ(d.effective.actions, tmpl.actions & rel.actions);
      for (auto* layer : {&tmpl, &rel}) {
        if (layer->max_uses) {
          EXPECT_LE(*d.effective.max_uses, *layer->max_uses);
        }
        if (layer->max_speed_kmh) {
          EXPECT_LE(*d.effective.max_speed_kmh, *layer->max_speed_kmh);
        }
        if (layer->max_duration_minutes) {
          EXPECT_LE(*d.effective.max_duration_minutes, *layer->max_duration_minutes);
        }
      }
      EXPECT_FALSE(d.effective.actions.has(Action::reshare) &&
                   !(tmpl.actions.has(Action::reshare) && rel.actions.has(Action::reshare)));
    }
  }
}

TEST(KeyPolicy, VerificationStepsComeFromTheTemplate) {
  struct Case {
    Task task;
    std::vector<std::string> required;
  };
  const Case cases[] = {
      {Task::borrow, {"device_signature"}},
      {Task::delivery, {"device_signature"}},
      {Task::valet, {"device_signature", "code"}},
      {Task::service, {"device_signature", "code"}},
      {Task::custom, {"device_signature"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(name_of(c.task)));
    auto d = decide(shipped(), c.task, Relationship::family, Rights::unlimited(), {});
    EXPECT_EQ(d.verification_required, c.required);
  }
}

TEST(KeyPolicy, Geofence) {
  const Geofence home{48.8566, 2.3522, 500};
  const Geofence wide{48.8566, 2.3522, 10000};
  const Geofence far{51.5074, -0.1278, 100};
  Rights fenced = Rights::unlimited();
  fenced.geofence = Geofence{48.8566, 2.3522, 2000};
  struct Case {
    const char* name;
    Task task;
    Rights sharer;
    std::optional<Geofence> requested;
    std::optional<Geofence> expected;
    std::vector<std::string> refused;
  };
  const Case cases[] = {
      {"none asked, none held", Task::borrow, Rights::unlimited(), std::nullopt, std::nullopt, {}},
      {"asked: kept", Task::borrow, Rights::unlimited(), home, home, {}},
      {"valet caps the radius", Task::valet, Rights::unlimited(), wide,
       Geofence{48.8566, 2.3522, 3000}, {"geofence"}},
      {"the sharer's geofence is inherited", Task::borrow, fenced, std::nullopt, fenced.geofence,
       {}},
      {"inside the sharer's: kept", Task::borrow, fenced, home, home, {}},
      {"outside the sharer's: the sharer's stands", Task::borrow, fenced, far, fenced.geofence,
       {"geofence"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto d = decide(shipped(), c.task, Relationship::family, c.sharer, {.geofence = c.requested});
    EXPECT_EQ(d.effective.geofence, c.expected);
    std::vector<std::string> refused;
    for (const auto& r : d.refused) refused.push_back(r.right);
    EXPECT_EQ(refused, c.refused);
  }
}

TEST(KeyPolicy, DistanceIsGreatCircle) {
  // Paris to London is about 343.5 km.
  EXPECT_NEAR(distance_m(48.8566, 2.3522, 51.5074, -0.1278), 343500, 1000);
  EXPECT_DOUBLE_EQ(distance_m(10, 20, 10, 20), 0);
}

}  // namespace
}  // namespace paddock::keys
