"""Vehicle sharing over HTTP: user lookup, vehicles, messages, follow requests and follows,
approval/blocking, authorized users, transfer, and route-by-route authorization."""

import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sharing_helpers import (DEFAULT_VISIBILITY, TYPES, create_vehicle, follow,  # noqa: E402
                             follow_request, full_width, list_messages, patch_message,
                             post_message, public_view, random_plate_number, random_vin,
                             vin_check_digit, wrong_check_digit)

VEHICLE_KEYS = {"id", "owner_id", "vin", "plate", "nickname", "visibility", "requires_approval",
                "follower_count", "authorized_users", "role", "created_at"}
LIMITED_KEYS = {"id", "nickname", "visible_types", "follower_count", "requires_approval", "role"}
MESSAGE_KEYS = {"id", "vehicle_id", "seq", "type", "text", "attributes", "author_id",
                "created_at", "updated_at"}
FOLLOW_KEYS = {"id", "vehicle_id", "nickname", "follower_id", "status", "approved", "muted",
               "types", "created_at"}


class SharingTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    # -- helpers -----------------------------------------------------------------
    def user(self, prefix="u"):
        return harness.new_user(self.server, prefix)

    def patch(self, path, body, user):
        return self.server.request("PATCH", path, body=body, token=user.token)

    def put(self, path, user):
        return self.server.request("PUT", path, token=user.token)

    def assertVehicle(self, v, owner=None, role="owner"):
        self.assertIsInstance(v, dict, v)
        self.assertEqual(set(v), VEHICLE_KEYS, v)
        self.assertTrue(v["id"])
        self.assertEqual(v["role"], role)
        if owner is not None:
            self.assertEqual(v["owner_id"], owner.id)
        self.assertEqual(set(v["visibility"]), set(TYPES), v)
        for aud in v["visibility"].values():
            self.assertIn(aud, ("public", "followers", "approved", "private"))
        self.assertIs(type(v["requires_approval"]), bool)
        self.assertIs(type(v["follower_count"]), int)
        self.assertIsInstance(v["authorized_users"], list)
        self.assertTrue(v["vin"] is not None or v["plate"] is not None, v)
        self.assertTime(v["created_at"])

    def assertMessage(self, m):
        self.assertEqual(set(m), MESSAGE_KEYS, m)
        self.assertIs(type(m["seq"]), int)
        self.assertIn(m["type"], TYPES)
        self.assertIsInstance(m["attributes"], dict)
        self.assertTime(m["created_at"])
        if m["updated_at"] is not None:
            self.assertTime(m["updated_at"])

    def assertFollow(self, f):
        self.assertTrue(FOLLOW_KEYS <= set(f), f)
        self.assertIn(f["status"], ("active", "pending", "blocked", "removed"))
        self.assertIs(type(f["approved"]), bool)
        self.assertIs(type(f["muted"]), bool)
        self.assertTime(f["created_at"])

    # -- users -------------------------------------------------------------------
    def test_user_lookup(self):
        s = self.server
        a, b = self.user("la"), self.user("lb")
        r = s.get("/v1/users?username=" + b.username, token=a.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["id"], b.id)
        self.assertEqual(r.body["username"], b.username)
        self.assertEqual(r.body["display_name"], b.info["display_name"])
        for secret in ("password", "password_hash", "hash"):
            self.assertNotIn(secret, r.body)
        self.assertProblem(s.get("/v1/users?username=nobody_" + secrets.token_hex(4),
                                 token=a.token), 404, "not_found")
        self.assertProblem(s.get("/v1/users?username=" + b.username), 401, "unauthorized")

    # -- vehicles ----------------------------------------------------------------
    def test_create_vehicle_shapes(self):
        s = self.server
        o = self.user("vo")
        plate = random_plate_number()
        v = create_vehicle(s, o, plate={"number": plate, "region": "CN"}, nickname="Daily")
        self.assertVehicle(v, o)
        self.assertIsNone(v["vin"])
        self.assertEqual(v["plate"]["region"], "CN")
        self.assertEqual(v["nickname"], "Daily")
        self.assertEqual(v["visibility"], DEFAULT_VISIBILITY)
        self.assertIs(v["requires_approval"], False)
        self.assertEqual(v["follower_count"], 0)
        self.assertEqual(v["authorized_users"], [])
        self.assertTime(v["created_at"], near=harness.utcnow())
        r = s.get("/v1/vehicles/" + v["id"], token=o.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, v)

        vin = random_vin()
        v2 = create_vehicle(s, o, vin=vin.lower(), requires_approval=True,
                            visibility={"trip": "approved", "social": "private"})
        self.assertVehicle(v2, o)
        self.assertEqual(v2["vin"], vin)
        self.assertIsNone(v2["plate"])
        self.assertIs(v2["requires_approval"], True)
        self.assertEqual(v2["visibility"], dict(DEFAULT_VISIBILITY, trip="approved",
                                                social="private"))
        # Non-North-American VINs: no check digit rule.
        v3 = create_vehicle(s, o, vin=random_vin(north_american=False),
                            plate={"number": "M-AB " + str(secrets.randbelow(9000) + 1000),
                                   "region": "DE"})
        self.assertVehicle(v3, o)
        self.assertEqual(v3["plate"]["region"], "DE")
        v4 = create_vehicle(s, o, plate={"number": "7ABC" + str(secrets.randbelow(900) + 100),
                                         "region": "US-CA"})
        self.assertEqual(v4["plate"]["region"], "US-CA")

        r = s.get("/v1/vehicles", token=o.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual({x["id"] for x in r.body["vehicles"]},
                         {v["id"], v2["id"], v3["id"], v4["id"]})
        for x in r.body["vehicles"]:
            self.assertVehicle(x, o)
        self.assertEqual(s.get("/v1/vehicles", token=self.user("vn").token).body,
                         {"vehicles": []})

    def test_vehicle_validation(self):
        s = self.server
        o = self.user("vv")
        good_na = random_vin()
        cases = [
            ("vin", {"vin": wrong_check_digit(good_na)}),
            ("vin", {"vin": "1M8GDM9A1KP042788"}),
            ("vin", {"vin": "1M8GDM9AXKP04278"}),           # 16 characters
            ("vin", {"vin": "1M8GDM9AXKP0427880"}),         # 18 characters
            ("vin", {"vin": "WVWZZZ1JZXW00000I"}),
            ("vin", {"vin": "WVWZZZ1JZXW00000O"}),
            ("vin", {"vin": "WVWZZZ1JZXW00000Q"}),
            ("vin", {"vin": "WVWZZZ1JZXW0000!1"}),
            ("vin", {"vin": 12345678901234567}),
            ("plate", {"plate": {"number": "AB!12", "region": "DE"}}),
            ("plate", {"plate": {"number": "", "region": "DE"}}),
            ("plate", {"plate": {"number": "AB12", "region": "china"}}),
            ("plate", {"plate": {"number": "AB12"}}),
            ("plate", {"plate": "AB12"}),
            ("visibility", {"plate": {"number": "AB12", "region": "DE"},
                            "visibility": {"status": "secret"}}),
            ("visibility", {"plate": {"number": "AB12", "region": "DE"},
                            "visibility": {"gossip": "public"}}),
            ("requires_approval", {"plate": {"number": "AB12", "region": "DE"},
                                   "requires_approval": "yes"}),
        ]
        for field, body in cases:
            with self.subTest(body=body):
                r = s.post("/v1/vehicles", body, token=o.token)
                self.assertProblem(r, 422, "invalid_field")
                self.assertTrue(r.body["field"] == field or r.body["field"].startswith(field + "."),
                                r.body)
        for body in ({}, {"nickname": "nothing to identify"}):
            with self.subTest(body=body):
                self.assertProblem(s.post("/v1/vehicles", body, token=o.token), 422, "invalid_field")
        # Nothing was created by the failures.
        self.assertEqual(s.get("/v1/vehicles", token=o.token).body, {"vehicles": []})
        # The documented valid examples.
        for vin in ("1M8GDM9AXKP042788", "1HGCM82633A004352", "WVWZZZ1JZXW000001"):
            r = s.post("/v1/vehicles", {"vin": vin}, token=o.token)
            self.assertIn(r.status, (201, 409), r)  # 409: another run on this server took it
            if r.status == 409:
                self.assertProblem(r, 409, "identification_taken")

    def test_identification_taken(self):
        s = self.server
        o, other = self.user("it"), self.user("io")
        letter = secrets.choice("ABCDEFGH")
        digits = "".join(secrets.choice("0123456789") for _ in range(7))  # fresh: 8 x 10^7
        create_vehicle(s, o, plate={"number": "粤%s·%s" % (letter, digits), "region": "CN"})
        variants = ["粤%s %s" % (letter.lower(), digits), "粤%s%s" % (letter, digits),
                    "粤" + full_width(letter + digits), "粤%s-%s" % (letter, digits),
                    " 粤%s.%s " % (letter.lower(), digits)]
        for number in variants:
            for who in (o, other):
                with self.subTest(number=number, who=who.username):
                    r = s.post("/v1/vehicles", {"plate": {"number": number, "region": "CN"}},
                               token=who.token)
                    self.assertProblem(r, 409, "identification_taken")
        # Same number in another region is another plate.
        v = create_vehicle(s, o, plate={"number": letter + digits, "region": "HK"})
        self.assertEqual(v["plate"]["region"], "HK")
        vin = random_vin()
        create_vehicle(s, o, vin=vin)
        self.assertProblem(s.post("/v1/vehicles", {"vin": vin.lower()}, token=other.token),
                           409, "identification_taken")
        # A VIN+plate claim where only the plate is taken.
        r = s.post("/v1/vehicles", {"vin": random_vin(),
                                    "plate": {"number": "粤%s%s" % (letter, digits),
                                              "region": "CN"}}, token=other.token)
        self.assertProblem(r, 409, "identification_taken")
        self.assertEqual(s.get("/v1/vehicles", token=other.token).body, {"vehicles": []})

    def test_patch_vehicle(self):
        s = self.server
        o = self.user("po")
        v = create_vehicle(s, o, vin=random_vin())
        path = "/v1/vehicles/" + v["id"]
        r = self.patch(path, {"nickname": "Renamed", "visibility": {"alert": "approved"},
                              "requires_approval": True}, o)
        self.assertEqual(r.status, 200, r)
        self.assertVehicle(r.body, o)
        self.assertEqual(r.body["nickname"], "Renamed")
        self.assertEqual(r.body["visibility"], dict(DEFAULT_VISIBILITY, alert="approved"))
        self.assertIs(r.body["requires_approval"], True)
        self.assertEqual(r.body["vin"], v["vin"])
        r = self.patch(path, {"visibility": {"maintenance": "followers"}}, o)
        self.assertEqual(r.body["visibility"], dict(DEFAULT_VISIBILITY, alert="approved",
                                                    maintenance="followers"))
        self.assertEqual(s.get(path, token=o.token).body, r.body)
        for body in ({"vin": random_vin()},
                     {"plate": {"number": random_plate_number(), "region": "CN"}},
                     {"visibility": {"trip": "everyone"}},
                     {"requires_approval": 1}):
            with self.subTest(body=body):
                self.assertProblem(self.patch(path, body, o), 422, "invalid_field")
        self.assertEqual(s.get(path, token=o.token).body, r.body)
        self.assertProblem(self.patch("/v1/vehicles/veh_unknown", {"nickname": "x"}, o),
                           404, "not_found")

    # -- messages ----------------------------------------------------------------
    def test_messages_crud(self):
        s = self.server
        o = self.user("mo")
        v = create_vehicle(s, o)
        vid = v["id"]
        base = "/v1/vehicles/%s/messages" % vid
        m1 = post_message(s, o, vid, "status", "Parked", {"lat": 22.5, "tags": ["a"]})
        self.assertMessage(m1)
        self.assertEqual((m1["vehicle_id"], m1["seq"], m1["type"], m1["text"], m1["author_id"]),
                         (vid, 1, "status", "Parked", o.id))
        self.assertEqual(m1["attributes"], {"lat": 22.5, "tags": ["a"]})
        self.assertIsNone(m1["updated_at"])
        self.assertTime(m1["created_at"], near=harness.utcnow())
        m2 = post_message(s, o, vid, "trip")
        m3 = post_message(s, o, vid, "maintenance", "粤" * 4000)   # 4000 characters, not bytes
        self.assertEqual([m2["seq"], m3["seq"]], [2, 3])
        self.assertEqual(m2["attributes"], {})
        big = post_message(s, o, vid, "alert", "ok", {"k": "v" * 16000})
        self.assertEqual(big["attributes"]["k"], "v" * 16000)

        up = patch_message(s, o, vid, m1["id"], text="Moved", attributes={"lat": 1})
        self.assertMessage(up)
        self.assertEqual((up["id"], up["seq"], up["type"], up["text"], up["attributes"]),
                         (m1["id"], 1, "status", "Moved", {"lat": 1}))
        self.assertEqual(up["created_at"], m1["created_at"])
        self.assertTime(up["updated_at"], near=harness.utcnow())
        self.assertProblem(self.patch(base + "/" + m1["id"], {"type": "trip"}, o),
                           422, "invalid_field", field="type")
        self.assertProblem(self.patch(base + "/" + m1["id"], {"text": "x" * 4001}, o),
                           422, "invalid_field", field="text")

        self.assertEqual(s.delete(base + "/" + m2["id"], token=o.token).status, 204)
        self.assertProblem(s.delete(base + "/" + m2["id"], token=o.token), 404, "not_found")
        self.assertProblem(self.patch(base + "/" + m2["id"], {"text": "x"}, o), 404, "not_found")
        m5 = post_message(s, o, vid, "sale")
        self.assertEqual(m5["seq"], 5)  # seqs are not reused

        msgs = list_messages(s, o, vid)
        self.assertEqual([m["id"] for m in msgs], [m1["id"], m3["id"], big["id"], m5["id"]])
        self.assertEqual(msgs[0], up)
        r = s.get(base + "?after=1&limit=2", token=o.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([m["seq"] for m in r.body["messages"]], [3, 4])
        self.assertEqual(r.body["next_after"], 4)
        r = s.get(base + "?after=4&limit=2", token=o.token)
        self.assertEqual([m["seq"] for m in r.body["messages"]], [5])
        self.assertEqual([m["type"] for m in list_messages(s, o, vid, "?types=status,sale")],
                         ["status", "sale"])
        self.assertProblem(s.get(base + "?types=gossip", token=o.token), 422, "invalid_field")
        self.assertProblem(s.get(base + "?limit=0", token=o.token), 422, "invalid_field")

    def test_message_validation(self):
        s = self.server
        o = self.user("mv")
        vid = create_vehicle(s, o)["id"]
        base = "/v1/vehicles/%s/messages" % vid
        cases = [
            ("type", {"type": "gossip", "text": "x"}),
            ("type", {"type": "Status", "text": "x"}),
            ("type", {"type": 1, "text": "x"}),
            ("type", {"text": "x"}),
            ("text", {"type": "status", "text": "x" * 4001}),
            ("text", {"type": "status", "text": "粤" * 4001}),
            ("text", {"type": "status", "text": 5}),
            ("attributes", {"type": "status", "text": "x", "attributes": {"k": "v" * 16400}}),
            ("attributes", {"type": "status", "text": "x",
                            "attributes": {"k%d" % i: "v" * 100 for i in range(200)}}),
            ("attributes", {"type": "status", "text": "x", "attributes": [1, 2]}),
            ("attributes", {"type": "status", "text": "x", "attributes": "{}"}),
        ]
        for field, body in cases:
            with self.subTest(body=str(body)[:80]):
                self.assertProblem(s.post(base, body, token=o.token), 422, "invalid_field",
                                   field=field)
        self.assertEqual(list_messages(s, o, vid), [])

    def test_message_visibility_by_role(self):
        s = self.server
        o = self.user("ro")
        v = create_vehicle(s, o, visibility={"alert": "approved"})
        vid = v["id"]
        by_type = {t: post_message(s, o, vid, t) for t in TYPES}
        stranger, fan, approved = self.user("rs"), self.user("rf"), self.user("ra")
        follow(s, fan, v)
        fol = follow(s, approved, v)
        r = self.patch("/v1/vehicles/%s/followers/%s" % (vid, fol["id"]),
                       {"status": "approved"}, o)
        self.assertEqual(r.status, 200, r)

        def types_seen(user):
            return [m["type"] for m in list_messages(s, user, vid)]

        self.assertEqual(types_seen(o), TYPES)
        self.assertEqual(types_seen(stranger), ["status", "sale", "social"])
        self.assertEqual(types_seen(fan), ["status", "trip", "sale", "social"])
        self.assertEqual(types_seen(approved), ["status", "trip", "alert", "sale", "social"])
        self.assertEqual(list_messages(s, approved, vid, "?types=alert,maintenance"),
                         [public_view(by_type["alert"])])
        self.assertEqual(list_messages(s, stranger, vid, "?types=trip"), [])
        r = s.get("/v1/vehicles/" + vid, token=approved.token)
        self.assertEqual(set(r.body), LIMITED_KEYS, r.body)
        self.assertEqual(set(r.body["visible_types"]),
                         {"status", "trip", "alert", "sale", "social"})
        r = s.get("/v1/vehicles/" + vid, token=fan.token)
        self.assertEqual(set(r.body["visible_types"]), {"status", "trip", "sale", "social"})
        self.assertEqual(r.body["follower_count"], 2)

    # -- following ---------------------------------------------------------------
    def test_follow_requests_and_confirmation_errors(self):
        s = self.server
        o, fan, other = self.user("fo"), self.user("ff"), self.user("fx")
        vin = random_vin()
        v = create_vehicle(s, o, vin=vin, nickname="Vee")
        # Unknown identifications.
        self.assertProblem(follow_request(s, fan, {"plate": {"number": random_plate_number(),
                                                             "region": "CN"}}), 404, "not_found")
        self.assertProblem(follow_request(s, fan, {"vin": random_vin()}), 404, "not_found")
        for body in ({}, {"identification": {}}, {"identification": {"vin": 5}}):
            with self.subTest(body=body):
                r = s.post("/v1/follow-requests", body, token=fan.token)
                self.assertProblem(r, 422, "invalid_field")
        self.assertProblem(follow_request(s, fan, {"vin": vin}, ["status", "gossip"]),
                           422, "invalid_field", field="types")
        # Own vehicle.
        self.assertProblem(follow_request(s, o, {"vin": vin}), 409, "cannot_follow_own_vehicle")
        # By VIN, typed in lower case.
        r = follow_request(s, fan, {"vin": vin.lower()}, ["status"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["prompt"]["vehicle_id"], v["id"])
        self.assertEqual(r.body["prompt"]["nickname"], "Vee")
        token = r.body["confirmation_token"]
        # Someone else's token, garbage tokens.
        for who, tok in ((other, token), (fan, "garbage"), (fan, token + "x"), (fan, "")):
            with self.subTest(token=tok[:12], who=who.username):
                self.assertProblem(s.post("/v1/follows", {"confirmation_token": tok},
                                          token=who.token), 422, "confirmation_invalid")
        self.assertEqual(s.get("/v1/follows", token=other.token).body, {"follows": []})
        r = s.post("/v1/follows", {"confirmation_token": token}, token=fan.token)
        self.assertEqual(r.status, 201, r)
        self.assertFollow(r.body)
        self.assertEqual(r.body["types"], ["status"])
        # Reused token.
        self.assertProblem(s.post("/v1/follows", {"confirmation_token": token}, token=fan.token),
                           422, "confirmation_invalid")
        # Following twice.
        self.assertProblem(follow_request(s, fan, {"vin": vin}), 409, "already_following")
        # Two outstanding tokens: the second confirmation answers already_following or
        # confirmation_invalid, never a second follow.
        t1 = follow_request(s, other, {"vin": vin}).body["confirmation_token"]
        t2 = follow_request(s, other, {"vin": vin}).body["confirmation_token"]
        self.assertEqual(s.post("/v1/follows", {"confirmation_token": t1},
                                token=other.token).status, 201)
        r = s.post("/v1/follows", {"confirmation_token": t2}, token=other.token)
        self.assertIn(r.status, (409, 422), r)
        self.assertEqual(len(s.get("/v1/follows", token=other.token).body["follows"]), 1)
        self.assertEqual(s.get("/v1/vehicles/" + v["id"], token=o.token).body["follower_count"], 2)

    def test_follows_list_patch_delete(self):
        s = self.server
        o, fan, other = self.user("lo"), self.user("lf"), self.user("lx")
        v1 = create_vehicle(s, o)
        v2 = create_vehicle(s, o, requires_approval=True)
        f1 = follow(s, fan, v1)
        f2 = follow(s, fan, v2, ["trip", "alert"])
        self.assertEqual(f1["status"], "active")
        self.assertEqual(set(f1["types"]), set(TYPES))  # no types = all
        self.assertEqual(f2["status"], "pending")
        r = s.get("/v1/follows", token=fan.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["follows"], [f1, f2])
        r = self.patch("/v1/follows/" + f1["id"], {"types": ["sale"], "muted": True}, fan)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.body["types"], r.body["muted"]), (["sale"], True))
        self.assertEqual(s.get("/v1/follows", token=fan.token).body["follows"][0], r.body)
        self.assertProblem(self.patch("/v1/follows/" + f1["id"], {"types": ["gossip"]}, fan),
                           422, "invalid_field", field="types")
        self.assertProblem(self.patch("/v1/follows/" + f1["id"], {"muted": "yes"}, fan),
                           422, "invalid_field", field="muted")
        # Other users' follow ids.
        self.assertProblem(self.patch("/v1/follows/" + f1["id"], {"muted": False}, other),
                           404, "not_found")
        self.assertProblem(s.delete("/v1/follows/" + f1["id"], token=other.token),
                           404, "not_found")
        self.assertProblem(s.delete("/v1/follows/fol_unknown", token=fan.token),
                           404, "not_found")
        # Unfollow.
        self.assertEqual(s.delete("/v1/follows/" + f1["id"], token=fan.token).status, 204)
        self.assertEqual(s.get("/v1/follows", token=fan.token).body["follows"], [f2])
        self.assertEqual(s.get("/v1/vehicles/" + v1["id"], token=o.token).body["follower_count"], 0)
        self.assertProblem(s.get("/v1/vehicles/" + v1["id"], token=fan.token), 404, "not_found")
        again = follow(s, fan, v1)
        self.assertNotEqual(again["id"], f1["id"])

    def test_followers_management(self):
        s = self.server
        o, a, b = self.user("mo"), self.user("ma"), self.user("mb")
        v = create_vehicle(s, o, requires_approval=True)
        vid = v["id"]
        fa, fb = follow(s, a, v), follow(s, b, v)
        r = s.get("/v1/vehicles/%s/followers" % vid, token=o.token)
        self.assertEqual(r.status, 200, r)
        listed = r.body["followers"]
        self.assertEqual({f["id"] for f in listed}, {fa["id"], fb["id"]})
        for f in listed:
            self.assertFollow(f)
            self.assertEqual(f["status"], "pending")
            user = a if f["id"] == fa["id"] else b
            self.assertEqual((f["username"], f["display_name"], f["follower_id"]),
                             (user.username, user.info["display_name"], user.id))
        base = "/v1/vehicles/%s/followers/" % vid
        for body in ({"status": "active"}, {"status": "pending"}, {}, {"status": 1}):
            with self.subTest(body=body):
                self.assertProblem(self.patch(base + fa["id"], body, o), 422, "invalid_field")
        r = self.patch(base + fa["id"], {"status": "approved"}, o)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.body["status"], r.body["approved"]), ("active", True))
        r = self.patch(base + fb["id"], {"status": "rejected"}, o)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["status"], "removed")
        self.assertEqual(s.get("/v1/follows", token=b.token).body, {"follows": []})
        self.assertEqual([f["id"] for f in s.get("/v1/vehicles/%s/followers" % vid,
                                                 token=o.token).body["followers"]], [fa["id"]])
        # A rejected user may ask again.
        self.assertEqual(follow(s, b, v)["status"], "pending")
        self.assertProblem(self.patch(base + "fol_unknown", {"status": "approved"}, o),
                           404, "not_found")
        self.assertProblem(s.delete(base + "fol_unknown", token=o.token), 404, "not_found")
        # A follow of another vehicle cannot be managed through this one.
        v2 = create_vehicle(s, o)
        self.assertProblem(self.patch("/v1/vehicles/%s/followers/%s" % (v2["id"], fa["id"]),
                                      {"status": "blocked"}, o), 404, "not_found")

    def test_blocking(self):
        s = self.server
        o, fan = self.user("bo"), self.user("bf")
        vin = random_vin()
        v = create_vehicle(s, o, vin=vin, plate={"number": random_plate_number(), "region": "CN"})
        vid = v["id"]
        fol = follow(s, fan, v)
        r = self.patch("/v1/vehicles/%s/followers/%s" % (vid, fol["id"]), {"status": "blocked"}, o)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["status"], "blocked")
        listed = s.get("/v1/vehicles/%s/followers" % vid, token=o.token).body["followers"]
        self.assertEqual([(f["id"], f["status"]) for f in listed], [(fol["id"], "blocked")])
        self.assertEqual(s.get("/v1/follows", token=fan.token).body, {"follows": []})
        self.assertProblem(s.get("/v1/vehicles/" + vid, token=fan.token), 404, "not_found")
        self.assertEqual(s.get("/v1/vehicles/" + vid, token=o.token).body["follower_count"], 0)

        # The blocked user cannot tell the vehicle from an unknown one.
        unknown = follow_request(s, fan, {"plate": {"number": random_plate_number(),
                                                    "region": "CN"}})
        self.assertProblem(unknown, 404, "not_found")
        for ident in ({"plate": v["plate"]}, {"vin": vin}, {"vin": vin.lower()}):
            with self.subTest(identification=ident):
                r = follow_request(s, fan, ident)
                self.assertProblem(r, 404, "not_found")
                for k in ("type", "title", "status", "detail", "code"):
                    self.assertEqual(r.body[k], unknown.body[k], k)
                self.assertEqual(set(r.body), set(unknown.body))
        # Others still can.
        self.assertEqual(follow_request(s, self.user("bx"), {"vin": vin}).status, 200)

        # Deleting the blocked follow unblocks.
        self.assertEqual(s.delete("/v1/vehicles/%s/followers/%s" % (vid, fol["id"]),
                                  token=o.token).status, 204)
        self.assertEqual(s.get("/v1/vehicles/%s/followers" % vid, token=o.token).body,
                         {"followers": []})
        again = follow(s, fan, v)
        self.assertEqual(again["status"], "active")

    # -- authorized users ----------------------------------------------------------
    def test_authorized_users(self):
        s = self.server
        o, helper, fan = self.user("ao"), self.user("ah"), self.user("af")
        v = create_vehicle(s, o)
        vid = v["id"]
        fol = follow(s, fan, v)
        secret = post_message(s, o, vid, "maintenance", "owner's private note")
        r = self.put("/v1/vehicles/%s/authorized-users/%s" % (vid, helper.id), o)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([u["user_id"] for u in r.body["authorized_users"]], [helper.id])
        self.assertTime(r.body["authorized_users"][0]["added_at"], near=harness.utcnow())
        self.assertProblem(self.put("/v1/vehicles/%s/authorized-users/usr_unknown" % vid, o),
                           404, "not_found")
        full = s.get("/v1/vehicles/" + vid, token=o.token).body
        self.assertEqual(full["authorized_users"], r.body["authorized_users"])

        # The authorized user: full view, posts and edits, sees private types.
        r = s.get("/v1/vehicles/" + vid, token=helper.token)
        self.assertEqual(r.status, 200, r)
        self.assertVehicle(r.body, o, role="authorized_user")
        self.assertEqual([x["id"] for x in s.get("/v1/vehicles", token=helper.token)
                          .body["vehicles"]], [vid])
        m = post_message(s, helper, vid, "maintenance", "tyres rotated")
        self.assertEqual(m["author_id"], helper.id)
        edited = patch_message(s, helper, vid, secret["id"], text="edited by helper")
        self.assertEqual(edited["author_id"], o.id)
        self.assertEqual([x["id"] for x in list_messages(s, helper, vid)],
                         [secret["id"], m["id"]])
        st = post_message(s, helper, vid, "status", "will be deleted")
        self.assertEqual(s.delete("/v1/vehicles/%s/messages/%s" % (vid, st["id"]),
                                  token=helper.token).status, 204)
        self.assertProblem(follow_request(s, helper, {"plate": v["plate"]}),
                           409, "cannot_follow_own_vehicle")
        # ... but no owner-only actions.
        owner_only = [
            ("GET", "/v1/vehicles/%s/followers" % vid, None),
            ("PATCH", "/v1/vehicles/%s/followers/%s" % (vid, fol["id"]), {"status": "approved"}),
            ("DELETE", "/v1/vehicles/%s/followers/%s" % (vid, fol["id"]), None),
            ("PATCH", "/v1/vehicles/" + vid, {"nickname": "mine now"}),
            ("DELETE", "/v1/vehicles/" + vid, None),
            ("POST", "/v1/vehicles/%s/transfer" % vid, {"new_owner_id": helper.id}),
            ("PUT", "/v1/vehicles/%s/authorized-users/%s" % (vid, fan.id), None),
            ("DELETE", "/v1/vehicles/%s/authorized-users/%s" % (vid, helper.id), None),
        ]
        for method, path, body in owner_only:
            with self.subTest(method=method, path=path):
                self.assertProblem(s.request(method, path, body=body, token=helper.token),
                                   403, "forbidden")
        after = s.get("/v1/vehicles/" + vid, token=o.token).body
        self.assertEqual((after["nickname"], after["owner_id"]), (full["nickname"], o.id))
        self.assertEqual(s.get("/v1/follows", token=fan.token).body["follows"][0]["status"],
                         "active")

        # Removal: the helper loses access.
        self.assertEqual(s.delete("/v1/vehicles/%s/authorized-users/%s" % (vid, helper.id),
                                  token=o.token).status, 204)
        self.assertProblem(s.get("/v1/vehicles/" + vid, token=helper.token), 404, "not_found")
        self.assertProblem(s.post("/v1/vehicles/%s/messages" % vid,
                                  {"type": "status", "text": "x"}, token=helper.token),
                           404, "not_found")
        self.assertEqual(s.get("/v1/vehicles", token=helper.token).body, {"vehicles": []})
        self.assertEqual(s.get("/v1/vehicles/" + vid, token=o.token).body["authorized_users"], [])
        self.assertEqual([x["type"] for x in list_messages(s, helper, vid)], [])

    # -- authorization, route by route -------------------------------------------
    def test_stranger_and_follower_authorization(self):
        s = self.server
        o, fan, stranger = self.user("zo"), self.user("zf"), self.user("zs")
        v = create_vehicle(s, o)
        vid = v["id"]
        fol = follow(s, fan, v)
        public = post_message(s, o, vid, "status", "public")
        post_message(s, o, vid, "trip", "followers")
        post_message(s, o, vid, "maintenance", "private")
        mid = public["id"]
        routes = [
            ("GET", "/v1/vehicles/" + vid, None),
            ("PATCH", "/v1/vehicles/" + vid, {"nickname": "x"}),
            ("DELETE", "/v1/vehicles/" + vid, None),
            ("POST", "/v1/vehicles/%s/transfer" % vid, {"new_owner_id": stranger.id}),
            ("POST", "/v1/vehicles/%s/messages" % vid, {"type": "status", "text": "x"}),
            ("PATCH", "/v1/vehicles/%s/messages/%s" % (vid, mid), {"text": "x"}),
            ("DELETE", "/v1/vehicles/%s/messages/%s" % (vid, mid), None),
            ("GET", "/v1/vehicles/%s/followers" % vid, None),
            ("PATCH", "/v1/vehicles/%s/followers/%s" % (vid, fol["id"]), {"status": "approved"}),
            ("DELETE", "/v1/vehicles/%s/followers/%s" % (vid, fol["id"]), None),
            ("PUT", "/v1/vehicles/%s/authorized-users/%s" % (vid, stranger.id), None),
            ("DELETE", "/v1/vehicles/%s/authorized-users/%s" % (vid, o.id), None),
        ]
        for method, path, body in routes:
            with self.subTest(who="stranger", method=method, path=path):
                self.assertProblem(s.request(method, path, body=body, token=stranger.token),
                                   404, "not_found")
            if method == "GET" and path == "/v1/vehicles/" + vid:
                continue  # followers get the limited view
            with self.subTest(who="follower", method=method, path=path):
                self.assertProblem(s.request(method, path, body=body, token=fan.token),
                                   403, "forbidden")
        # Unknown vehicles look the same to everybody.
        for u in (o, fan, stranger):
            self.assertProblem(s.get("/v1/vehicles/veh_doesnotexist", token=u.token),
                               404, "not_found")
        # Readable: public types for the stranger, + followers types for the follower.
        self.assertEqual([m["type"] for m in list_messages(s, stranger, vid)], ["status"])
        self.assertEqual([m["type"] for m in list_messages(s, fan, vid)], ["status", "trip"])
        # Nothing changed.
        after = s.get("/v1/vehicles/" + vid, token=o.token).body
        self.assertEqual(after, dict(v, follower_count=1))
        self.assertEqual(len(list_messages(s, o, vid)), 3)
        self.assertEqual(list_messages(s, o, vid)[0], public)
        # Without a token.
        for method, path, body in routes + [("GET", "/v1/vehicles", None),
                                            ("POST", "/v1/vehicles", {"vin": random_vin()}),
                                            ("GET", "/v1/vehicles/%s/messages" % vid, None),
                                            ("GET", "/v1/follows", None),
                                            ("POST", "/v1/follow-requests",
                                             {"identification": {"plate": v["plate"]}}),
                                            ("POST", "/v1/follows", {"confirmation_token": "x"}),
                                            ("PATCH", "/v1/follows/" + fol["id"], {"muted": True}),
                                            ("DELETE", "/v1/follows/" + fol["id"], None)]:
            with self.subTest(who="anonymous", method=method, path=path):
                self.assertProblem(s.request(method, path, body=body), 401, "unauthorized")

    def test_nothing_leaks_to_strangers(self):
        """A stranger's 404 for an existing vehicle is the same document as for none."""
        s = self.server
        o, stranger = self.user("nl"), self.user("ns")
        v = create_vehicle(s, o)
        m = post_message(s, o, v["id"], "status")
        pairs = [
            ("GET", "/v1/vehicles/%s", None),
            ("PATCH", "/v1/vehicles/%s", {"nickname": "x"}),
            ("POST", "/v1/vehicles/%s/messages", {"type": "status", "text": "x"}),
            ("PATCH", "/v1/vehicles/%s/messages/" + m["id"], {"text": "x"}),
            ("GET", "/v1/vehicles/%s/followers", None),
        ]
        for method, template, body in pairs:
            with self.subTest(method=method, path=template):
                real = s.request(method, template % v["id"], body=body, token=stranger.token)
                fake = s.request(method, template % "veh_doesnotexist", body=body,
                                 token=stranger.token)
                self.assertProblem(real, 404, "not_found")
                self.assertProblem(fake, 404, "not_found")
                for k in ("type", "title", "status", "detail", "code"):
                    self.assertEqual(real.body[k], fake.body[k], k)

    def test_messages_are_scoped_to_their_vehicle(self):
        s = self.server
        o, helper = self.user("xo"), self.user("xh")
        va, vb = create_vehicle(s, o), create_vehicle(s, o)
        ma = post_message(s, o, va["id"], "status", "belongs to A")
        self.assertEqual(self.put("/v1/vehicles/%s/authorized-users/%s" % (vb["id"], helper.id),
                                  o).status, 200)
        for who in (o, helper):
            with self.subTest(who=who.username):
                self.assertProblem(self.patch("/v1/vehicles/%s/messages/%s" % (vb["id"], ma["id"]),
                                              {"text": "hijacked"}, who), 404, "not_found")
                self.assertProblem(s.delete("/v1/vehicles/%s/messages/%s" % (vb["id"], ma["id"]),
                                            token=who.token), 404, "not_found")
        self.assertEqual(list_messages(s, o, va["id"]), [ma])
        self.assertEqual(list_messages(s, o, vb["id"]), [])

    def test_vin_rules_and_attribute_limit_boundaries(self):
        s = self.server
        o = self.user("vb")
        # The check digit is only enforced for North American VINs (first char 1-5).
        five = "5" + random_vin()[1:]
        five = five[:8] + vin_check_digit(five) + five[9:]
        self.assertProblem(s.post("/v1/vehicles", {"vin": wrong_check_digit(five)}, token=o.token),
                           422, "invalid_field", field="vin")
        self.assertEqual(create_vehicle(s, o, vin=five)["vin"], five)
        six = "6" + random_vin(north_american=False)[1:]
        six = wrong_check_digit(six)
        r = s.post("/v1/vehicles", {"vin": six}, token=o.token)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["vin"], six)
        # I/O/Q are refused after upper-casing too.
        self.assertProblem(s.post("/v1/vehicles", {"vin": "wvwzzz1jzxw00000i"}, token=o.token),
                           422, "invalid_field", field="vin")
        vid = create_vehicle(s, o)["id"]
        path = "/v1/vehicles/%s/messages" % vid
        # 16 KiB = 16384 bytes of compact JSON: {"k":"vvv..."} is 8 + n bytes.
        ok = s.post(path, raw_body='{"type":"alert","text":"x","attributes":{"k":"%s"}}'
                    % ("v" * 16376), token=o.token)
        self.assertEqual(ok.status, 201, ok.status)
        too_big = s.post(path, raw_body='{"type":"alert","text":"x","attributes":{"k":"%s"}}'
                         % ("v" * 16377), token=o.token)
        self.assertProblem(too_big, 422, "invalid_field", field="attributes")
        # Text counts characters: 4000 four-byte characters are fine.
        self.assertEqual(post_message(s, o, vid, "status", "\U0001F697" * 4000)["text"],
                         "\U0001F697" * 4000)

    def test_method_not_allowed_on_new_routes(self):
        s = self.server
        o, fan = self.user("na"), self.user("nf")
        v = create_vehicle(s, o)
        vid = v["id"]
        fol = follow(s, fan, v)
        m = post_message(s, o, vid, "status")
        table = [
            ("PUT", "/v1/vehicles", {"GET", "POST"}),
            ("POST", "/v1/vehicles/" + vid, {"GET", "PATCH", "DELETE"}),
            ("GET", "/v1/vehicles/%s/transfer" % vid, {"POST"}),
            ("PUT", "/v1/vehicles/%s/messages" % vid, {"GET", "POST"}),
            ("GET", "/v1/vehicles/%s/messages/%s" % (vid, m["id"]), {"PATCH", "DELETE"}),
            ("POST", "/v1/vehicles/%s/followers" % vid, {"GET"}),
            ("GET", "/v1/vehicles/%s/followers/%s" % (vid, fol["id"]), {"PATCH", "DELETE"}),
            ("GET", "/v1/vehicles/%s/authorized-users/%s" % (vid, fan.id), {"PUT", "DELETE"}),
            ("GET", "/v1/follow-requests", {"POST"}),
            ("PUT", "/v1/follows", {"GET", "POST"}),
            ("GET", "/v1/follows/" + fol["id"], {"PATCH", "DELETE"}),
            ("POST", "/v1/feed", {"GET"}),
            ("POST", "/v1/stream", {"GET"}),
            ("POST", "/v1/events", {"GET"}),
        ]
        for method, path, allowed in table:
            with self.subTest(method=method, path=path):
                r = s.request(method, path, token=o.token)
                self.assertProblem(r, 405, "method_not_allowed")
                self.assertRegex(r.headers.get("allow", ""), r"^[A-Z]+(, [A-Z]+)*$")
                self.assertEqual(set(r.headers["allow"].split(", ")), allowed)
        self.assertEqual(len(list_messages(s, o, vid)), 1)

    # -- transfer and deletion ---------------------------------------------------
    def test_transfer_ownership(self):
        s = self.server
        o, new, fan = self.user("to"), self.user("tn"), self.user("tf")
        v = create_vehicle(s, o, nickname="Handed over")
        vid = v["id"]
        fol = follow(s, fan, v)
        m = post_message(s, o, vid, "maintenance", "service history")
        r = s.post("/v1/vehicles/%s/transfer" % vid, {"new_owner_id": new.id}, token=o.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, {"id": vid, "owner_id": new.id})
        # The old owner is a stranger now.
        self.assertProblem(s.get("/v1/vehicles/" + vid, token=o.token), 404, "not_found")
        self.assertProblem(s.post("/v1/vehicles/%s/messages" % vid,
                                  {"type": "status", "text": "x"}, token=o.token),
                           404, "not_found")
        self.assertProblem(s.post("/v1/vehicles/%s/transfer" % vid, {"new_owner_id": o.id},
                                  token=o.token), 404, "not_found")
        self.assertEqual(s.get("/v1/vehicles", token=o.token).body, {"vehicles": []})
        # The new owner manages it; messages and followers stay.
        r = s.get("/v1/vehicles/" + vid, token=new.token)
        self.assertEqual(r.status, 200, r)
        self.assertVehicle(r.body, new)
        self.assertEqual(r.body["nickname"], "Handed over")
        self.assertEqual(r.body["follower_count"], 1)
        self.assertEqual(list_messages(s, new, vid), [m])
        followers = s.get("/v1/vehicles/%s/followers" % vid, token=new.token)
        self.assertEqual([f["id"] for f in followers.body["followers"]], [fol["id"]])
        self.assertEqual(self.patch("/v1/vehicles/" + vid, {"nickname": "New"}, new).status, 200)
        self.assertProblem(follow_request(s, new, {"plate": v["plate"]}),
                           409, "cannot_follow_own_vehicle")
        # The old owner may now follow like anybody else.
        self.assertEqual(follow(s, o, v)["status"], "active")
        self.assertEqual(s.get("/v1/vehicles/" + vid, token=fan.token).body["role"], "follower")
        # Transfer to nobody.
        r = s.post("/v1/vehicles/%s/transfer" % vid, {"new_owner_id": "usr_unknown"},
                   token=new.token)
        self.assertIn(r.status, (404, 422), r)
        self.assertProblem(r, r.status, "not_found" if r.status == 404 else "invalid_field")
        self.assertEqual(s.get("/v1/vehicles/" + vid, token=new.token).body["owner_id"], new.id)
        # Handing over to an authorized user: they become the owner (no longer listed as
        # authorized) and the previous owner loses access.
        helper = self.user("th")
        self.assertEqual(self.put("/v1/vehicles/%s/authorized-users/%s" % (vid, helper.id),
                                  new).status, 200)
        r = s.post("/v1/vehicles/%s/transfer" % vid, {"new_owner_id": helper.id},
                   token=new.token)
        self.assertEqual(r.status, 200, r)
        r = s.get("/v1/vehicles/" + vid, token=helper.token)
        self.assertEqual((r.body["role"], r.body["owner_id"], r.body["authorized_users"]),
                         ("owner", helper.id, []))
        self.assertProblem(s.get("/v1/vehicles/" + vid, token=new.token), 404, "not_found")

    def test_delete_vehicle(self):
        s = self.server
        o, fan = self.user("do"), self.user("df")
        plate = {"number": random_plate_number(), "region": "CN"}
        v = create_vehicle(s, o, plate=plate)
        vid = v["id"]
        follow(s, fan, v)
        m = post_message(s, o, vid, "status")
        self.assertEqual(s.delete("/v1/vehicles/" + vid, token=o.token).status, 204)
        self.assertProblem(s.get("/v1/vehicles/" + vid, token=o.token), 404, "not_found")
        self.assertProblem(s.delete("/v1/vehicles/" + vid, token=o.token), 404, "not_found")
        self.assertProblem(self.patch("/v1/vehicles/%s/messages/%s" % (vid, m["id"]),
                                      {"text": "x"}, o), 404, "not_found")
        self.assertProblem(s.get("/v1/vehicles/%s/messages" % vid, token=fan.token),
                           404, "not_found")
        self.assertEqual(s.get("/v1/follows", token=fan.token).body, {"follows": []})
        self.assertProblem(follow_request(s, fan, {"plate": plate}), 404, "not_found")
        self.assertEqual(create_vehicle(s, fan, plate=plate)["owner_id"], fan.id)


if __name__ == "__main__":
    import unittest
    unittest.main()
