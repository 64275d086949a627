"""Device registration, listing, primary flag, deletion and Ed25519 proof of possession."""

import base64
import datetime
import os
import secrets
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import b64url, make_keypair, sign, utcnow  # noqa: E402

PREFIX = "paddock-device-proof:v1:"


class DevicesTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        self.a = harness.new_user(self.server, "da")
        self.b = harness.new_user(self.server, "db")

    def list_devices(self, user):
        r = self.server.get("/v1/devices", token=user.token)
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.body, dict)
        self.assertIsInstance(r.body.get("devices"), list, r.body)
        for d in r.body["devices"]:
            self.assertDeviceShape(d)
        return r.body["devices"]

    def challenge(self, user, dev_id):
        r = self.server.post("/v1/devices/%s/challenge" % dev_id, {}, token=user.token)
        self.assertEqual(r.status, 201, r)
        return r.body

    def verify(self, user, dev_id, nonce, signature):
        return self.server.post("/v1/devices/%s/verify" % dev_id,
                                {"nonce": nonce, "signature": signature}, token=user.token)

    # -- registration --------------------------------------------------------
    def test_register_shape(self):
        priv, pub = make_keypair()
        r = self.server.post("/v1/devices", {"name": "Kitchen kiosk", "kind": "kiosk",
                                             "public_key": pub, "primary": False},
                             token=self.a.token)
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))
        d = r.body
        self.assertDeviceShape(d)
        self.assertEqual(d["name"], "Kitchen kiosk")
        self.assertEqual(d["kind"], "kiosk")
        self.assertEqual(d["public_key"], pub)
        self.assertIs(d["primary"], False)
        self.assertIs(d["verified"], False)
        self.assertIsNone(d["verified_at"])
        self.assertTime(d["created_at"], near=utcnow(), tolerance=300)

    def test_register_all_kinds_and_default_primary(self):
        for kind in ("phone", "pc", "car_screen", "kiosk"):
            with self.subTest(kind=kind):
                d, _ = harness.register_device(self.server, self.a.token, name="d-" + kind, kind=kind)
                self.assertEqual(d["kind"], kind)
                self.assertIs(d["primary"], False)

    def test_name_limits(self):
        d, _ = harness.register_device(self.server, self.a.token, name="x")
        self.assertEqual(d["name"], "x")
        d, _ = harness.register_device(self.server, self.a.token, name="n" * 64)
        self.assertEqual(d["name"], "n" * 64)
        d, _ = harness.register_device(self.server, self.a.token, name="Ünïcødé 🚗")
        self.assertEqual(d["name"], "Ünïcødé 🚗")

    def test_list_only_own_oldest_first(self):
        a1, _ = harness.register_device(self.server, self.a.token, name="a1")
        b1, _ = harness.register_device(self.server, self.b.token, name="b1")
        a2, _ = harness.register_device(self.server, self.a.token, name="a2", kind="pc")
        a_list = self.list_devices(self.a)
        self.assertEqual([d["id"] for d in a_list], [a1["id"], a2["id"]])
        self.assertEqual(a_list[0], a1)
        self.assertEqual(a_list[1], a2)
        self.assertEqual([d["id"] for d in self.list_devices(self.b)], [b1["id"]])
        fresh = harness.new_user(self.server, "dc")
        self.assertEqual(self.list_devices(fresh), [])

    def test_primary_uniqueness(self):
        d1, _ = harness.register_device(self.server, self.a.token, name="p1", primary=True)
        self.assertIs(d1["primary"], True)
        b1, _ = harness.register_device(self.server, self.b.token, name="bp", primary=True)
        d2, _ = harness.register_device(self.server, self.a.token, name="p2", primary=False)
        devs = {d["id"]: d for d in self.list_devices(self.a)}
        self.assertIs(devs[d1["id"]]["primary"], True)
        self.assertIs(devs[d2["id"]]["primary"], False)
        d3, _ = harness.register_device(self.server, self.a.token, name="p3", primary=True)
        self.assertIs(d3["primary"], True)
        devs = {d["id"]: d for d in self.list_devices(self.a)}
        self.assertIs(devs[d1["id"]]["primary"], False)
        self.assertIs(devs[d2["id"]]["primary"], False)
        self.assertIs(devs[d3["id"]]["primary"], True)
        self.assertEqual(sum(1 for d in devs.values() if d["primary"]), 1)
        # Another user's primary is untouched.
        self.assertIs(self.list_devices(self.b)[0]["primary"], True)
        self.assertEqual(self.list_devices(self.b)[0]["id"], b1["id"])

    def test_delete(self):
        d1, _ = harness.register_device(self.server, self.a.token, name="keep")
        d2, _ = harness.register_device(self.server, self.a.token, name="drop")
        r = self.server.delete("/v1/devices/" + d2["id"], token=self.a.token)
        self.assertEqual(r.status, 204, r)
        self.assertIn(r.body, ("", None))
        self.assertEqual([d["id"] for d in self.list_devices(self.a)], [d1["id"]])
        self.assertProblem(self.server.delete("/v1/devices/" + d2["id"], token=self.a.token), 404, "not_found")
        # Another user's device: 404 and it survives.
        self.assertProblem(self.server.delete("/v1/devices/" + d1["id"], token=self.b.token), 404, "not_found")
        self.assertEqual([d["id"] for d in self.list_devices(self.a)], [d1["id"]])
        self.assertProblem(self.server.delete("/v1/devices/dev_unknown", token=self.a.token), 404, "not_found")

    # -- validation ----------------------------------------------------------
    def test_invalid_fields(self):
        _, pub = make_keypair()
        raw = base64.urlsafe_b64decode(pub + "=")
        good = {"name": "n", "kind": "phone", "public_key": pub}
        std_b64 = base64.b64encode(b"\xfb\xff" * 16).decode().rstrip("=")  # contains + and /
        cases = [
            ("kind", {"kind": "tablet"}),
            ("kind", {"kind": "Phone"}),
            ("kind", {"kind": ""}),
            ("kind", {"kind": 3}),
            ("public_key", {"public_key": b64url(raw[:31])}),          # 31 bytes, 42 chars
            ("public_key", {"public_key": b64url(raw + b"\x00")}),     # 33 bytes, 44 chars
            ("public_key", {"public_key": ""}),
            ("public_key", {"public_key": pub + "="}),                 # padding not allowed
            ("public_key", {"public_key": "!" * 43}),                  # not base64url
            ("public_key", {"public_key": std_b64}),                   # standard alphabet
            ("public_key", {"public_key": pub[:-1] + " "}),
            ("public_key", {"public_key": 12345}),
            ("name", {"name": ""}),
            ("name", {"name": "n" * 65}),
            ("name", {"name": None}),
            ("name", {"name": ["a"]}),
            ("primary", {"primary": "yes"}),
            ("primary", {"primary": 1}),
        ]
        for field, change in cases:
            body = dict(good, **change)
            with self.subTest(body=body):
                r = self.server.post("/v1/devices", body, token=self.a.token)
                self.assertProblem(r, 422, "invalid_field", field=field)
        for missing in ("name", "kind", "public_key"):
            body = {k: v for k, v in good.items() if k != missing}
            with self.subTest(missing=missing):
                r = self.server.post("/v1/devices", body, token=self.a.token)
                self.assertProblem(r, 422, "invalid_field", field=missing)
        self.assertEqual(self.list_devices(self.a), [], "a rejected registration left a device")

    # -- challenge / verify ----------------------------------------------------
    def test_challenge_shape(self):
        d, _ = harness.register_device(self.server, self.a.token)
        r = self.server.post("/v1/devices/%s/challenge" % d["id"], {}, token=self.a.token)
        self.assertEqual(r.status, 201, r)
        ch = r.body
        self.assertEqual(set(ch) >= {"nonce", "signing_input", "expires_at"}, True, ch)
        self.assertEqual(len(ch["nonce"]), 43, ch)
        self.assertEqual(len(harness.b64url_decode(ch["nonce"])), 32)
        self.assertEqual(ch["signing_input"], PREFIX + d["id"] + ":" + ch["nonce"])
        self.assertTime(ch["expires_at"], near=utcnow() + datetime.timedelta(seconds=120), tolerance=30)
        ch2 = self.challenge(self.a, d["id"])
        self.assertNotEqual(ch["nonce"], ch2["nonce"])

    def test_verify_success_and_replay(self):
        d, priv = harness.register_device(self.server, self.a.token, name="v")
        ch = self.challenge(self.a, d["id"])
        sig = sign(priv, ch["signing_input"])
        self.assertEqual(len(harness.b64url_decode(sig)), 64)
        before = utcnow()
        r = self.verify(self.a, d["id"], ch["nonce"], sig)
        self.assertEqual(r.status, 200, r)
        self.assertDeviceShape(r.body)
        self.assertEqual(r.body["id"], d["id"])
        self.assertIs(r.body["verified"], True)
        self.assertTime(r.body["verified_at"], near=before, tolerance=60)
        listed = [x for x in self.list_devices(self.a) if x["id"] == d["id"]][0]
        self.assertIs(listed["verified"], True)
        self.assertEqual(listed["verified_at"], r.body["verified_at"])
        # Replay of the same nonce + signature.
        self.assertProblem(self.verify(self.a, d["id"], ch["nonce"], sig), 422, "challenge_invalid")
        # A fresh challenge can be answered again.
        ch2 = self.challenge(self.a, d["id"])
        r = self.verify(self.a, d["id"], ch2["nonce"], sign(priv, ch2["signing_input"]))
        self.assertEqual(r.status, 200, r)

    def test_bad_signature_consumes_nonce(self):
        d, priv = harness.register_device(self.server, self.a.token)
        ch = self.challenge(self.a, d["id"])
        good = harness.b64url_decode(sign(priv, ch["signing_input"]))
        bad = b64url(bytes([good[0] ^ 0x01]) + good[1:])
        self.assertProblem(self.verify(self.a, d["id"], ch["nonce"], bad), 422, "signature_invalid")
        self.assertProblem(self.verify(self.a, d["id"], ch["nonce"], b64url(good)), 422, "challenge_invalid")
        listed = [x for x in self.list_devices(self.a) if x["id"] == d["id"]][0]
        self.assertIs(listed["verified"], False)
        self.assertIsNone(listed["verified_at"])

    def test_signature_of_wrong_message(self):
        d, priv = harness.register_device(self.server, self.a.token)
        ch = self.challenge(self.a, d["id"])
        # Signing only the nonce (not the full signing_input) must fail.
        r = self.verify(self.a, d["id"], ch["nonce"], sign(priv, ch["nonce"]))
        self.assertProblem(r, 422, "signature_invalid")

    def test_signature_by_another_key(self):
        d, _ = harness.register_device(self.server, self.a.token)
        other_priv, _ = make_keypair()
        ch = self.challenge(self.a, d["id"])
        r = self.verify(self.a, d["id"], ch["nonce"], sign(other_priv, ch["signing_input"]))
        self.assertProblem(r, 422, "signature_invalid")
        self.assertIs([x for x in self.list_devices(self.a) if x["id"] == d["id"]][0]["verified"], False)

    def test_unknown_nonce(self):
        d, priv = harness.register_device(self.server, self.a.token)
        nonce = b64url(secrets.token_bytes(32))
        r = self.verify(self.a, d["id"], nonce, sign(priv, PREFIX + d["id"] + ":" + nonce))
        self.assertProblem(r, 422, "challenge_invalid")

    def test_nonce_bound_to_device(self):
        d1, p1 = harness.register_device(self.server, self.a.token, name="one")
        d2, p2 = harness.register_device(self.server, self.a.token, name="two")
        ch = self.challenge(self.a, d1["id"])
        # Use device 1's nonce on device 2 (signed with device 2's key, over either text).
        for text in (ch["signing_input"], PREFIX + d2["id"] + ":" + ch["nonce"]):
            r = self.verify(self.a, d2["id"], ch["nonce"], sign(p2, text))
            self.assertEqual(r.status, 422, r)
            self.assertIn(r.body.get("code"), ("challenge_invalid", "signature_invalid"), r.body)
        self.assertIs([x for x in self.list_devices(self.a) if x["id"] == d2["id"]][0]["verified"], False)

    def test_malformed_verify_bodies(self):
        d, priv = harness.register_device(self.server, self.a.token)
        ch = self.challenge(self.a, d["id"])
        sig = sign(priv, ch["signing_input"])
        for body, field in (({"signature": sig}, "nonce"), ({"nonce": ch["nonce"]}, "signature"),
                            ({"nonce": 5, "signature": sig}, "nonce"),
                            ({"nonce": ch["nonce"], "signature": 5}, "signature")):
            with self.subTest(body=body):
                r = self.server.post("/v1/devices/%s/verify" % d["id"], body, token=self.a.token)
                self.assertProblem(r, 422, "invalid_field", field=field)
        for bad_sig in ("!!!!", sig[:-4], sig + "AAAA", ""):
            ch = self.challenge(self.a, d["id"])
            with self.subTest(signature=bad_sig):
                r = self.verify(self.a, d["id"], ch["nonce"], bad_sig)
                self.assertEqual(r.status, 422, r)
                self.assertIn(r.body.get("code"), ("invalid_field", "signature_invalid"), r.body)
        self.assertIs([x for x in self.list_devices(self.a) if x["id"] == d["id"]][0]["verified"], False)

    def test_other_user_cannot_touch_device(self):
        d, priv = harness.register_device(self.server, self.a.token)
        ch = self.challenge(self.a, d["id"])
        sig = sign(priv, ch["signing_input"])
        self.assertProblem(self.server.post("/v1/devices/%s/challenge" % d["id"], {}, token=self.b.token),
                           404, "not_found")
        self.assertProblem(self.verify(self.b, d["id"], ch["nonce"], sig), 404, "not_found")
        self.assertProblem(self.server.delete("/v1/devices/" + d["id"], token=self.b.token), 404, "not_found")
        self.assertNotIn(d["id"], [x["id"] for x in self.list_devices(self.b)])
        # B's attempts neither deleted the device nor burned A's challenge.
        r = self.verify(self.a, d["id"], ch["nonce"], sig)
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.body["verified"], True)

    def test_challenge_unknown_device(self):
        self.assertProblem(self.server.post("/v1/devices/dev_nope/challenge", {}, token=self.a.token),
                           404, "not_found")
        r = self.verify(self.a, "dev_nope", b64url(b"\x00" * 32), b64url(b"\x00" * 64))
        self.assertProblem(r, 404, "not_found")

    def test_deleted_device_challenge_gone(self):
        d, priv = harness.register_device(self.server, self.a.token)
        ch = self.challenge(self.a, d["id"])
        self.assertEqual(self.server.delete("/v1/devices/" + d["id"], token=self.a.token).status, 204)
        self.assertProblem(self.verify(self.a, d["id"], ch["nonce"], sign(priv, ch["signing_input"])),
                           404, "not_found")
        self.assertProblem(self.server.post("/v1/devices/%s/challenge" % d["id"], {}, token=self.a.token),
                           404, "not_found")


if __name__ == "__main__":
    unittest.main()
