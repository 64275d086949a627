"""The car's side of the server (issue 8, item 8): head units an owner registers, the
PaddockHeadUnit request signature, the signed revocation list for the owner or the vehicle's own
head unit, and signed use/deny reports. Every route is tried by everyone who must be refused:
a stranger, a follower, another vehicle's head unit, a removed head unit, a bad signature, a
stale `created`, a replayed report. Reports and signatures are built here from
docs/credentials.md alone (cbor2, cryptography)."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import sharing_helpers as sh  # noqa: E402
import car_helpers as car  # noqa: E402

NOW = int(time.time())
CTI = bytes(range(16))


class HeadUnitsTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        srv = self.server
        self.owner = harness.new_user(srv, "own")
        self.stranger = harness.new_user(srv, "str")
        self.follower = harness.new_user(srv, "fol")
        self.vehicle = sh.create_vehicle(srv, self.owner)
        sh.follow(srv, self.follower, self.vehicle)
        self.other_owner = harness.new_user(srv, "oth")
        self.other_vehicle = sh.create_vehicle(srv, self.other_owner)

    def path(self, suffix="", vehicle=None):
        return "/v1/vehicles/%s/head-units%s" % ((vehicle or self.vehicle)["id"], suffix)

    # -- registration --------------------------------------------------------
    def test_register_list_and_remove_shape(self):
        srv = self.server
        priv, pub = harness.make_keypair()
        r = srv.post(self.path(), {"name": "Dashboard", "public_key": pub}, token=self.owner.token)
        self.assertEqual(r.status, 201, r)
        hu = r.body
        self.assertEqual(set(hu), {"id", "vehicle_id", "name", "public_key", "last_report_counter",
                                   "created_at"})
        self.assertTrue(hu["id"].startswith("hu_"))
        self.assertEqual((hu["vehicle_id"], hu["name"], hu["public_key"], hu["last_report_counter"]),
                         (self.vehicle["id"], "Dashboard", pub, 0))
        self.assertTime(hu["created_at"], near=harness.utcnow())
        second, _ = car.add_head_unit(srv, self.owner, self.vehicle["id"], "Rear screen")
        listed = sh.check(srv.get(self.path(), token=self.owner.token), 200)["head_units"]
        self.assertEqual([h["id"] for h in listed], [hu["id"], second["id"]])
        r = srv.delete(self.path("/" + hu["id"]), token=self.owner.token)
        self.assertEqual(r.status, 204, r)
        listed = sh.check(srv.get(self.path(), token=self.owner.token), 200)["head_units"]
        self.assertEqual([h["id"] for h in listed], [second["id"]])
        self.assertProblem(srv.delete(self.path("/" + hu["id"]), token=self.owner.token), 404,
                           "not_found")

    def test_only_the_owner_manages_head_units(self):
        srv = self.server
        hu, _ = car.add_head_unit(srv, self.owner, self.vehicle["id"])
        _, pub = harness.make_keypair()
        body = {"name": "Mine now", "public_key": pub}
        for who, status, code in ((self.stranger, 404, "not_found"),
                                  (self.follower, 403, "forbidden"),
                                  (self.other_owner, 404, "not_found")):
            self.assertProblem(srv.post(self.path(), body, token=who.token), status, code)
            self.assertProblem(srv.get(self.path(), token=who.token), status, code)
            self.assertProblem(srv.delete(self.path("/" + hu["id"]), token=who.token), status, code)
        # The owner of another vehicle cannot remove this head unit through their own vehicle.
        self.assertProblem(srv.delete(self.path("/" + hu["id"], self.other_vehicle),
                                      token=self.other_owner.token), 404, "not_found")
        for method, path, payload in (("POST", self.path(), body), ("GET", self.path(), None),
                                      ("DELETE", self.path("/" + hu["id"]), None)):
            self.assertProblem(srv.request(method, path, body=payload), 401, "unauthorized")
            self.assertProblem(srv.request(method, path, body=payload, token="garbage"), 401,
                               "unauthorized")
        listed = sh.check(srv.get(self.path(), token=self.owner.token), 200)["head_units"]
        self.assertEqual([h["id"] for h in listed], [hu["id"]])

    def test_registration_refuses_bad_input(self):
        srv = self.server
        _, pub = harness.make_keypair()
        t = self.owner.token
        self.assertProblem(srv.post(self.path(), {"name": "x"}, token=t), 422, "invalid_field",
                           "public_key")
        self.assertProblem(srv.post(self.path(), {"public_key": pub}, token=t), 422,
                           "invalid_field", "name")
        self.assertProblem(srv.post(self.path(), {"name": "x", "public_key": "AAAA"}, token=t),
                           422, "invalid_field", "public_key")
        self.assertProblem(srv.post(self.path(), {"name": "x" * 65, "public_key": pub}, token=t),
                           422, "invalid_field", "name")
        self.assertProblem(srv.post(self.path(), {"name": "\u202edash", "public_key": pub},
                                    token=t), 422, "invalid_field", "name")
        self.assertProblem(srv.post(self.path(), raw_body="{", token=t), 400, "invalid_json")
        self.assertProblem(srv.post(self.path(), raw_body="name=x", token=t,
                                    headers={"Content-Type": "text/plain"}), 415,
                           "unsupported_media_type")
        for _ in range(8):
            car.add_head_unit(srv, self.owner, self.vehicle["id"])
        self.assertProblem(srv.post(self.path(), {"name": "ninth", "public_key": pub}, token=t),
                           409, "head_unit_limit")

    # -- the revocation list -------------------------------------------------
    def test_the_list_is_issuer_signed_for_the_owner_and_the_vehicles_head_unit(self):
        srv = self.server
        hu, priv = car.add_head_unit(srv, self.owner, self.vehicle["id"])
        for status, headers, data in (
                car.get_revocations(srv, self.vehicle["id"], token=self.owner.token),
                car.get_revocations(srv, self.vehicle["id"], head_unit=hu["id"], priv=priv)):
            self.assertEqual(status, 200, data)
            self.assertEqual(headers["content-type"], 'application/cose; cose-type="cose-sign1"')
            self.assertEqual(headers["paddock-revocation-version"], "0")
            self.assertEqual(headers["cache-control"], "no-store")
            protected, payload, parts = car.decode_sign1(data)
            self.assertEqual(protected[1], -8)
            self.assertEqual(protected[3], car.LIST_CONTENT_TYPE)
            self.assertEqual(payload[1], 0)
            self.assertEqual(payload[2], self.vehicle["id"])
            self.assertEqual(payload[3], [])
            self.assertLessEqual(abs(payload[4] - int(time.time())), 60)
            car.check_issuer_signature(srv, parts, protected[4])

    def test_nobody_else_reads_the_list(self):
        srv = self.server
        vid = self.vehicle["id"]
        hu, priv = car.add_head_unit(srv, self.owner, vid)
        other_hu, other_priv = car.add_head_unit(srv, self.other_owner, self.other_vehicle["id"])
        _, stray = harness.make_keypair()
        stray_priv, _ = harness.make_keypair()
        cases = [
            ("stranger", dict(token=self.stranger.token), 404, "not_found"),
            ("follower", dict(token=self.follower.token), 403, "forbidden"),
            ("no authentication", dict(), 401, "unauthorized"),
            ("another vehicle's head unit", dict(head_unit=other_hu["id"], priv=other_priv), 403,
             "forbidden"),
            ("a signature by another key", dict(head_unit=hu["id"], priv=stray_priv), 401,
             "head_unit_auth_invalid"),
            ("stale created", dict(head_unit=hu["id"], priv=priv, created=int(time.time()) - 301),
             401, "head_unit_auth_invalid"),
            # Well past the 300 s window: at 301 s a second of load between int(time.time())
            # (which truncates) and the server's check brought it back inside.
            ("created in the future", dict(head_unit=hu["id"], priv=priv,
                                           created=int(time.time()) + 360),
             401, "head_unit_auth_invalid"),
            ("signed for another path", dict(head_unit=hu["id"], priv=priv,
                                             sign_path="/v1/vehicles/%s/revocations" %
                                             self.other_vehicle["id"]),
             401, "head_unit_auth_invalid"),
            ("unknown head unit", dict(head_unit="hu_AAAAAAAAAAAAAAAA", priv=priv), 401,
             "head_unit_auth_invalid"),
        ]
        for name, kw, status, code in cases:
            with self.subTest(name):
                self.assertProblem(car.problem_of(*car.get_revocations(srv, vid, **kw)), status,
                                   code)
        for header in ('PaddockHeadUnit id="%s"' % hu["id"], "PaddockHeadUnit garbage",
                       'PaddockHeadUnit id="x", created=1, signature="s", created=2',
                       "PaddockHeadUnit " + "x" * 600):
            with self.subTest(header[:40]):
                self.assertProblem(car.problem_of(*car.raw_request(
                    srv, "GET", "/v1/vehicles/%s/revocations" % vid,
                    headers={"Authorization": header})), 401, "head_unit_auth_invalid")
        # A removed head unit's signature no longer opens anything.
        sh.check(srv.delete(self.path("/" + hu["id"]), token=self.owner.token), 204)
        self.assertProblem(car.problem_of(*car.get_revocations(srv, vid, head_unit=hu["id"],
                                                               priv=priv)),
                           401, "head_unit_auth_invalid")

    def test_a_head_unit_signature_opens_no_owner_route(self):
        srv = self.server
        hu, priv = car.add_head_unit(srv, self.owner, self.vehicle["id"])
        path = self.path()
        auth = car.head_unit_authorization(hu["id"], priv, "GET", path)
        self.assertProblem(srv.get(path, headers={"Authorization": auth}), 401, "unauthorized")

    # -- reports ---------------------------------------------------------------
    def report(self, hu, priv, counter, vehicle=None, entries=None):
        entries = entries or [(CTI, "open_trunk", "allowed", NOW),
                              (CTI, "drive", "action_not_allowed", NOW + 1)]
        return car.make_report((vehicle or self.vehicle)["id"], hu["id"], counter, entries, priv)

    def test_a_report_reaches_the_owners_feed_once(self):
        srv = self.server
        vid = self.vehicle["id"]
        hu, priv = car.add_head_unit(srv, self.owner, vid)
        r = car.post_report(srv, vid, self.report(hu, priv, 1))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, {"head_unit_id": hu["id"], "counter": 1, "used": 1, "denied": 1})
        events, _ = sh.feed_all(srv, self.owner, limit=50)
        keyed = [e for e in events if e["type"].startswith("key.")]
        self.assertEqual([e["type"] for e in keyed], ["key.used", "key.denied"])
        denied = keyed[1]["key_event"]
        self.assertEqual(denied["vehicle_id"], vid)
        self.assertEqual(denied["head_unit_id"], hu["id"])
        self.assertEqual(denied["credential_id"], harness.b64url(CTI))
        self.assertIsNone(denied["share_id"])  # no share holds this credential
        self.assertEqual((denied["action"], denied["decision"], denied["reason"]),
                         ("drive", "deny", "action_not_allowed"))
        self.assertTime(denied["at"])
        for who in (self.follower, self.stranger):
            theirs, _ = sh.feed_all(srv, who, limit=50)
            self.assertEqual([e for e in theirs if e["type"].startswith("key.")], [])
        listed = sh.check(srv.get(self.path(), token=self.owner.token), 200)["head_units"]
        self.assertEqual(listed[0]["last_report_counter"], 1)
        # The same report again, or an older counter: refused, nothing added.
        self.assertProblem(car.post_report(srv, vid, self.report(hu, priv, 1)), 409,
                           "report_replayed")
        r = car.post_report(srv, vid, self.report(hu, priv, 5))
        self.assertEqual(r.status, 200, r)
        self.assertProblem(car.post_report(srv, vid, self.report(hu, priv, 4)), 409,
                           "report_replayed")
        events, _ = sh.feed_all(srv, self.owner, limit=50)
        self.assertEqual(len([e for e in events if e["type"].startswith("key.")]), 4)

    def test_reports_from_anyone_but_a_registered_head_unit_are_refused(self):
        srv = self.server
        vid = self.vehicle["id"]
        hu, priv = car.add_head_unit(srv, self.owner, vid)
        other_hu, other_priv = car.add_head_unit(srv, self.other_owner, self.other_vehicle["id"])
        stray_priv, _ = harness.make_keypair()
        self.assertProblem(car.post_report(srv, vid, self.report(other_hu, other_priv, 1)), 401,
                           "report_signature_invalid")
        self.assertProblem(car.post_report(srv, vid, self.report(hu, stray_priv, 1)), 401,
                           "report_signature_invalid")
        # A report for the other vehicle, posted to this one.
        self.assertProblem(car.post_report(srv, vid, self.report(hu, priv, 1, self.other_vehicle)),
                           422, "report_wrong_vehicle")
        self.assertProblem(car.post_report(srv, vid, b"\xd2\x84\x40\xa0\x40\x40"), 422,
                           "report_invalid")
        self.assertProblem(car.post_report(srv, vid, self.report(hu, priv, 1,
                                                                 entries=[(CTI, "fly", "allowed",
                                                                           NOW)])),
                           422, "report_invalid")
        self.assertProblem(car.post_report(srv, vid, self.report(hu, priv, 1),
                                           content_type="application/json"),
                           415, "unsupported_media_type")
        self.assertProblem(car.post_report(srv, vid, b"\xd2" + b"\x00" * 70000), 413,
                           "payload_too_large")
        sh.check(srv.delete(self.path("/" + hu["id"]), token=self.owner.token), 204)
        self.assertProblem(car.post_report(srv, vid, self.report(hu, priv, 1)), 401,
                           "report_signature_invalid")
        events, _ = sh.feed_all(srv, self.owner, limit=50)
        self.assertEqual([e for e in events if e["type"].startswith("key.")], [])


if __name__ == "__main__":
    unittest.main()
