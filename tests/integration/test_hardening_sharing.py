"""Issue 14 item 10 (the sharing and identity findings): names nobody can see, a blocked user
reading a vehicle's public messages, and member user ids shown to strangers."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sharing_helpers import (create_vehicle, feed_all, follow, list_messages,  # noqa: E402
                             post_message, random_plate_number)

# Names made only of characters nobody sees, or carrying bidi controls that reorder the text
# around them (a list of followers showing "evil\u202Eexe.txt").
UNFIT_NAMES = {
    "zero-width space": "\u200b",
    "zero-width joiners": "\u200c\u200d",
    "word joiner and byte-order mark": "\u2060\ufeff",
    "no-break and ideographic spaces": "\u00a0\u3000",
    "hangul filler": "\u3164",
    "right-to-left override alone": "\u202e",
    "right-to-left override inside": "alice\u202eecila",
    "first-strong isolate": "\u2068bob",
    "c1 control": "bob\u0085",
}
FIT_NAMES = ["Alice", "车主", "سيارة", "José", "👩\u200d🔧 mechanic"]


class NamesTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def test_display_names(self):
        s = self.server
        for label, name in UNFIT_NAMES.items():
            with self.subTest(name=label):
                r = s.post("/v1/users", {"username": harness.unique_username("nm"),
                                         "password": harness.DEFAULT_PASSWORD,
                                         "display_name": name})
                self.assertProblem(r, 422, "invalid_field")
                self.assertEqual(r.body.get("field"), "display_name", r.body)
        for name in FIT_NAMES:
            with self.subTest(name=name):
                info = harness.signup(s, display_name=name)
                self.assertEqual(info["display_name"], name)

    def test_device_names(self):
        s = self.server
        u = harness.new_user(s, "dn")
        for label, name in UNFIT_NAMES.items():
            with self.subTest(name=label):
                _, pub = harness.make_keypair()
                r = s.post("/v1/devices", {"name": name, "kind": "phone", "public_key": pub},
                           token=u.token)
                self.assertProblem(r, 422, "invalid_field")
                self.assertEqual(r.body.get("field"), "name", r.body)
        device, _ = harness.register_device(s, u.token, name=FIT_NAMES[-1])
        self.assertEqual(device["name"], FIT_NAMES[-1])

    def test_vehicle_nicknames(self):
        s = self.server
        o = harness.new_user(s, "vn")
        v = create_vehicle(s, o)
        for label, name in UNFIT_NAMES.items():
            with self.subTest(name=label):
                r = s.post("/v1/vehicles", {"plate": {"number": random_plate_number(),
                                                      "region": "CN"}, "nickname": name},
                           token=o.token)
                self.assertProblem(r, 422, "invalid_field")
                self.assertEqual(r.body.get("field"), "nickname", r.body)
                r = s.request("PATCH", "/v1/vehicles/" + v["id"], body={"nickname": name},
                              token=o.token)
                self.assertProblem(r, 422, "invalid_field")
        # Nothing was half-written: the vehicle keeps its nickname, and no vehicle was added.
        after = s.get("/v1/vehicles/" + v["id"], token=o.token).body
        self.assertEqual(after["nickname"], v["nickname"])
        self.assertEqual([x["id"] for x in s.get("/v1/vehicles", token=o.token).body["vehicles"]],
                         [v["id"]])


class MessagePrivacyTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def test_a_blocked_user_reads_no_messages(self):
        s = self.server
        o, fan = harness.new_user(s, "bo"), harness.new_user(s, "bf")
        v = create_vehicle(s, o)
        post_message(s, o, v["id"], "status")
        fol = follow(s, fan, v)
        self.assertEqual(len(list_messages(s, fan, v["id"])), 1)
        r = s.request("PATCH", "/v1/vehicles/%s/followers/%s" % (v["id"], fol["id"]),
                      body={"status": "blocked"}, token=o.token)
        self.assertEqual(r.status, 200, r)
        # Exactly what an unknown vehicle answers (docs: every vehicle-scoped route is 404).
        blocked = s.get("/v1/vehicles/%s/messages" % v["id"], token=fan.token)
        self.assertProblem(blocked, 404, "not_found")
        unknown = s.get("/v1/vehicles/veh_unknown0000000000/messages", token=fan.token)
        self.assertProblem(unknown, 404, "not_found")
        self.assertEqual(blocked.body["detail"], unknown.body["detail"])
        # A stranger who was never blocked still reads the public library.
        self.assertEqual(len(list_messages(s, harness.new_user(s, "bs"), v["id"])), 1)

    def test_only_members_see_author_ids(self):
        s = self.server
        o, co, fan, stranger = (harness.new_user(s, p) for p in ("ao", "ac", "af", "as"))
        v = create_vehicle(s, o)
        vid = v["id"]
        r = s.request("PUT", "/v1/vehicles/%s/authorized-users/%s" % (vid, co.id), token=o.token)
        self.assertEqual(r.status, 200, r)
        follow(s, fan, v)
        by_owner = post_message(s, o, vid, "status")
        by_co = post_message(s, co, vid, "status")
        self.assertEqual(by_owner["author_id"], o.id)  # the author's own answer names them

        for member in (o, co):
            listed = list_messages(s, member, vid)
            self.assertEqual([m["author_id"] for m in listed], [o.id, co.id])
            self.assertNotIn("author_role", listed[0])
        for reader in (fan, stranger):
            r = s.get("/v1/vehicles/%s/messages" % vid, token=reader.token)
            self.assertEqual(r.status, 200, r)
            self.assertEqual([m.get("author_role") for m in r.body["messages"]],
                             ["owner", "authorized_user"])
            for m in r.body["messages"]:
                self.assertNotIn("author_id", m)
            body = json.dumps(r.body)
            for member in (o, co):
                self.assertNotIn(member.id, body)
        # The live feed is one frame for every receiver, so it carries the public view too.
        events, _ = feed_all(s, fan)
        messages = [e["message"] for e in events if e["type"] == "message.created"]
        self.assertEqual([m["id"] for m in messages], [by_owner["id"], by_co["id"]])
        self.assertEqual([m["author_role"] for m in messages], ["owner", "authorized_user"])
        for m in messages:
            self.assertNotIn("author_id", m)


if __name__ == "__main__":
    import unittest
    unittest.main()
