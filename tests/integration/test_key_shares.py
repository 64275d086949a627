"""Key shares (issue 8 items 2, 3, 5, 6 issuance and 8 list/revoke/audit): the owner shares a
key for a task, the recipient's device proves its key on a single-use challenge (plus a
one-time code where the task asks for one) and receives a credential that the real
``paddock-vehicle`` verifies against GET /v1/issuer-keys; decline, return, revoke, the owner's
key list and audit log, and every refusal the issue lists that the server makes.

Runs alone: ``python3 -m unittest -v tests/integration/test_key_shares.py``.
"""

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import nacl.signing

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sharing_helpers import check, create_vehicle, follow  # noqa: E402

VEHICLE_BIN = os.path.abspath(
    os.environ.get("PADDOCK_VEHICLE_BIN")
    or os.path.join(os.path.dirname(harness.PADDOCK_BIN), "paddock-vehicle"))
ACCEPT_DOMAIN = "paddock-key-accept:v1:"


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


class Device:
    """A registered, verified device whose Ed25519 key the test holds (PyNaCl)."""

    def __init__(self, server, user, name="phone", primary=False):
        self.key = nacl.signing.SigningKey.generate()
        body, _ = harness.register_device(server, user.token, name=name, primary=primary,
                                          pub=harness.b64url(bytes(self.key.verify_key)))
        self.id = body["id"]
        r = check(server.post("/v1/devices/%s/challenge" % self.id, {}, token=user.token), 201)
        check(server.post("/v1/devices/%s/verify" % self.id,
                          {"nonce": r["nonce"], "signature": self.sign(r["signing_input"])},
                          token=user.token), 200, "verify device")

    def sign(self, text):
        return harness.b64url(self.key.sign(text.encode()).signature)


class KeySharesBase(harness.PaddockTestCase):

    def share(self, owner, vehicle_id, recipient, status=201, **body):
        body.setdefault("task", "delivery")
        body["recipient"] = {"username": recipient.username}
        r = self.server.post("/v1/vehicles/%s/key-shares" % vehicle_id, body, token=owner.token)
        self.assertEqual(r.status, status, r.body)
        return r.body

    def challenge(self, user, share_id, device_id):
        return self.server.post("/v1/key-shares/%s/challenge" % share_id,
                                {"device_id": device_id}, token=user.token)

    def accept(self, user, share_id, device, code=None, nonce=None, sign_with=None):
        """Asks for a challenge (unless `nonce` is given) and answers it."""
        if nonce is None:
            nonce = check(self.challenge(user, share_id, device.id), 201, "challenge")["nonce"]
        text = "%s%s:%s:%s" % (ACCEPT_DOMAIN, share_id, device.id, nonce)
        body = {"device_id": device.id, "signature": (sign_with or device).sign(text)}
        if code is not None:
            body["code"] = code
        return self.server.post("/v1/key-shares/%s/accept" % share_id, body, token=user.token)

    def post(self, user, share_id, step):
        return self.server.post("/v1/key-shares/%s/%s" % (share_id, step), None, token=user.token)

    def feed(self, user, device_id=None):
        """Every event of the user's feed (plus the device's when given)."""
        events, cursor = [], None
        for _ in range(100):
            params = ["limit=100"]
            if device_id:
                params.append("device_id=" + device_id)
            if cursor is not None:
                params.append("cursor=%s" % cursor)
            page = check(self.server.get("/v1/feed?" + "&".join(params), token=user.token), 200)
            if not page["events"]:
                return events
            events += page["events"]
            cursor = page["next_cursor"]
        self.fail("feed did not end")

    def key_events(self, user, share_id, device_id=None):
        return [(e["type"], e["key_share"]) for e in self.feed(user, device_id)
                if e["type"].startswith("key.") and e["key_share"]["id"] == share_id]


class KeySharesTest(KeySharesBase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        s = self.server
        self.owner = harness.new_user(s, "own")
        self.vehicle = create_vehicle(s, self.owner)
        self.vid = self.vehicle["id"]
        self.courier = harness.new_user(s, "cou")
        self.phone = Device(s, self.courier, "phone", primary=True)
        self.tablet = Device(s, self.courier, "tablet")
        self.stranger = harness.new_user(s, "str")
        self.stranger_device = Device(s, self.stranger, "phone", primary=True)

    # -- the happy path -----------------------------------------------------------------
    def test_delivery_share_accept_verify_on_the_car_and_revoke(self):
        s = self.server
        before = harness.utcnow()
        shared = self.share(self.owner, self.vid, self.courier, task="delivery",
                            rights=["open_trunk", "lock", "drive"], max_uses=3, note="parcel")
        sid = shared["id"]
        self.assertEqual(shared["vehicle_id"], self.vid)
        self.assertEqual(shared["task"], "delivery")
        self.assertEqual(shared["recipient_id"], self.courier.id)
        self.assertEqual(shared["device_id"], self.phone.id)  # the primary verified device
        self.assertEqual(shared["status"], "offered")
        self.assertEqual(shared["rights"], ["lock", "open_trunk"])
        self.assertEqual(shared["max_uses"], 1)
        self.assertEqual(shared["verification"]["required"], ["device_signature"])
        refused = {r["right"]: r["reason"] for r in shared["refused"]}
        self.assertIn("drive", refused)
        self.assertIn("max_uses", refused)
        self.assertNotIn("code", shared)
        self.assertNotIn("credential", shared)
        nb = self.assertTime(shared["not_before"], near=before, tolerance=60)
        na = self.assertTime(shared["not_after"])
        self.assertEqual(na - nb, datetime.timedelta(hours=2))  # the delivery template's cap

        # The recipient hears of it at once; the owner too.
        offered = self.key_events(self.courier, sid)
        self.assertEqual([t for t, _ in offered], ["key.offered"])
        self.assertNotIn("credential", offered[0][1])

        # Before verification the recipient sees the share but no credential.
        got = check(s.get("/v1/key-shares/" + sid, token=self.courier.token), 200)
        self.assertNotIn("credential", got)

        r = self.accept(self.courier, sid, self.phone)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["status"], "issued")
        credential = r.body["credential"]
        self.assertEqual(r.body["device_id"], self.phone.id)
        self.assertTrue(r.body["credential_id"])
        self.assertTime(r.body["expires_at"])

        # key.issued with the credential reaches the holder's device only.
        on_phone = self.key_events(self.courier, sid, self.phone.id)
        issued = [k for t, k in on_phone if t == "key.issued"]
        self.assertEqual(len(issued), 1)
        self.assertEqual(issued[0]["credential"], credential)
        self.assertEqual([t for t, _ in self.key_events(self.courier, sid, self.tablet.id)],
                         ["key.offered"])
        self.assertEqual([t for t, _ in self.key_events(self.courier, sid)], ["key.offered"])

        # GET returns it to its holder, not to the owner.
        self.assertEqual(check(s.get("/v1/key-shares/" + sid, token=self.courier.token),
                               200)["credential"], credential)
        as_owner = check(s.get("/v1/key-shares/" + sid, token=self.owner.token), 200)
        self.assertEqual(as_owner["status"], "issued")
        self.assertNotIn("credential", as_owner)
        self.assertProblem(s.get("/v1/key-shares/" + sid, token=self.stranger.token), 404,
                           "not_found")

        # The car (paddock-vehicle) allows open_trunk, denies drive, and refuses a replay.
        tmp = tempfile.mkdtemp(prefix="paddock-shares-")
        self.addCleanup(shutil.rmtree, tmp, True)

        def write(name, data):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(data)
            return path

        keys_file = write("issuer-keys.json", json.dumps(check(s.get("/v1/issuer-keys"), 200)))
        cred_file = write("credential", credential + "\n")
        seed_file = write("device.key", harness.b64url(bytes(self.phone.key)) + "\n")
        state = os.path.join(tmp, "car")

        def run(*args):
            p = subprocess.run([VEHICLE_BIN, *args], capture_output=True, text=True, timeout=30)
            return p.returncode, p.stdout, p.stderr

        def prove(action):
            code, out, err = run("challenge", "--state", state)
            self.assertEqual(code, 0, err)
            code, out, err = run("prove", "--device-key", seed_file, "--credential", cred_file,
                                 "--action", action, "--challenge", out.strip())
            self.assertEqual(code, 0, err)
            return write("proof-" + action, out)

        def verify(action, proof):
            code, out, err = run("verify", "--issuer-keys", keys_file, "--vehicle", self.vid,
                                 "--credential", cred_file, "--proof", proof, "--action", action,
                                 "--state", state)
            decision = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
            return code, decision.get("decision"), decision.get("reason"), err

        trunk = prove("open_trunk")
        self.assertEqual(verify("open_trunk", trunk)[:3], (0, "allow", "allowed"))
        self.assertEqual(verify("drive", prove("drive"))[:3], (1, "deny", "action_not_allowed"))
        self.assertEqual(verify("open_trunk", trunk)[:3], (1, "deny", "replayed_proof"))

        # The owner lists and revokes it; the holder is told; it cannot be revoked twice.
        keys = check(s.get("/v1/vehicles/%s/keys" % self.vid, token=self.owner.token), 200)["keys"]
        self.assertEqual([(k["id"], k["status"]) for k in keys], [(sid, "issued")])
        self.assertNotIn("credential", keys[0])
        revoked = check(self.post(self.owner, sid, "revoke"), 200, "revoke")
        self.assertEqual(revoked["status"], "revoked")
        self.assertIn("key.revoked", [t for t, _ in self.key_events(self.courier, sid)])
        self.assertProblem(self.post(self.owner, sid, "revoke"), 409, "key_share_state")
        self.assertProblem(self.post(self.courier, sid, "return"), 409, "key_share_state")

        # The owner's stream and the audit log show every step.
        self.assertEqual([t for t, _ in self.key_events(self.owner, sid)],
                         ["key.offered", "key.verified", "key.issued", "key.revoked"])
        audit = check(s.get("/v1/vehicles/%s/key-audit" % self.vid, token=self.owner.token), 200)
        actions = [(a["action"], a["actor"]["id"]) for a in audit["audit"] if a["share_id"] == sid]
        self.assertEqual(actions, [("shared", self.owner.id), ("verified", self.courier.id),
                                   ("issued", self.courier.id), ("revoked", self.owner.id)])
        self.assertIsNone(audit["next"])
        revoked_line = audit["audit"][-1]
        self.assertEqual(revoked_line["credential_id"], r.body["credential_id"])
        self.assertIn("revocation list version 1", revoked_line["detail"])
        self.assertTime(revoked_line["at"], near=harness.utcnow())
        # Paging: one line at a time, by cursor.
        page = check(s.get("/v1/vehicles/%s/key-audit?limit=1" % self.vid,
                           token=self.owner.token), 200)
        self.assertEqual(len(page["audit"]), 1)
        nxt = check(s.get("/v1/vehicles/%s/key-audit?limit=1&after=%d" % (self.vid, page["next"]),
                          token=self.owner.token), 200)
        self.assertEqual(nxt["audit"][0]["action"], "verified")

    def test_a_code_is_shown_once_and_needed_to_accept(self):
        s = self.server
        shared = self.share(self.owner, self.vid, self.courier, task="service")
        self.assertEqual(shared["verification"]["required"], ["device_signature", "code"])
        code = shared["code"]
        self.assertRegex(code, r"^\d{8}$")
        self.assertNotIn("code", check(s.get("/v1/key-shares/" + shared["id"],
                                             token=self.owner.token), 200))
        self.assertNotIn("code", self.key_events(self.courier, shared["id"])[0][1])
        self.assertProblem(self.accept(self.courier, shared["id"], self.phone), 422,
                           "code_invalid", "code")
        wrong = "0" * 8 if code != "0" * 8 else "1" * 8
        self.assertProblem(self.accept(self.courier, shared["id"], self.phone, code=wrong), 422,
                           "code_invalid", "code")
        r = self.accept(self.courier, shared["id"], self.phone, code=code)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["status"], "issued")
        self.assertEqual(r.body["verification"]["failed_attempts"], 2)

    def test_too_many_wrong_codes_void_the_share_and_tell_the_sharer(self):
        shared = self.share(self.owner, self.vid, self.courier, task="valet")
        sid, code = shared["id"], shared["code"]
        wrong = "0" * 8 if code != "0" * 8 else "1" * 8
        for attempt in range(1, 5):
            self.assertProblem(self.accept(self.courier, sid, self.phone, code=wrong), 422,
                               "code_invalid", "code")
        self.assertProblem(self.accept(self.courier, sid, self.phone, code=wrong), 409,
                           "key_share_failed")
        # Dead: no new challenge, no accept even with the right code, and nothing was issued.
        self.assertProblem(self.challenge(self.courier, sid, self.phone.id), 409,
                           "key_share_state")
        r = self.server.post("/v1/key-shares/%s/accept" % sid,
                             {"device_id": self.phone.id, "signature": self.phone.sign("x"),
                              "code": code}, token=self.courier.token)
        self.assertProblem(r, 409, "key_share_failed")
        got = check(self.server.get("/v1/key-shares/" + sid, token=self.courier.token), 200)
        self.assertEqual(got["status"], "failed")
        self.assertNotIn("credential", got)
        self.assertIn("key.failed", [t for t, _ in self.key_events(self.owner, sid)])

    def test_wrong_and_reused_challenges(self):
        shared = self.share(self.owner, self.vid, self.courier)
        sid = shared["id"]
        # No challenge asked for: nothing to answer.
        self.assertProblem(self.accept(self.courier, sid, self.phone, nonce="bm9ub25jZQ"), 422,
                           "challenge_invalid")
        # A signature by another key counts and burns the challenge...
        nonce = check(self.challenge(self.courier, sid, self.phone.id), 201)["nonce"]
        self.assertProblem(self.accept(self.courier, sid, self.phone, nonce=nonce,
                                       sign_with=self.tablet), 422, "signature_invalid",
                           "signature")
        # ...so the right signature over the same nonce is a reused challenge.
        self.assertProblem(self.accept(self.courier, sid, self.phone, nonce=nonce), 422,
                           "challenge_invalid")
        # A new challenge replaces the previous one: a signature over the old nonce does not
        # verify (the request carries no nonce; the server checks against the live one), and
        # that attempt consumes the live challenge too.
        first = check(self.challenge(self.courier, sid, self.phone.id), 201)["nonce"]
        second = check(self.challenge(self.courier, sid, self.phone.id), 201)
        self.assertTime(second["expires_at"])
        self.assertEqual(second["signing_input"],
                         "%s%s:%s:%s" % (ACCEPT_DOMAIN, sid, self.phone.id, second["nonce"]))
        self.assertProblem(self.accept(self.courier, sid, self.phone, nonce=first), 422,
                           "signature_invalid", "signature")
        self.assertProblem(self.accept(self.courier, sid, self.phone, nonce=second["nonce"]), 422,
                           "challenge_invalid")
        r = self.accept(self.courier, sid, self.phone)
        self.assertEqual(r.status, 200, r.body)
        # An issued share cannot be accepted again.
        self.assertProblem(self.challenge(self.courier, sid, self.phone.id), 409,
                           "key_share_state")

    def test_accepting_someone_elses_share_and_the_bound_device(self):
        sid = self.share(self.owner, self.vid, self.courier)["id"]
        s = self.server
        self.assertProblem(self.challenge(self.stranger, sid, self.stranger_device.id), 404,
                           "not_found")
        r = s.post("/v1/key-shares/%s/accept" % sid,
                   {"device_id": self.stranger_device.id,
                    "signature": self.stranger_device.sign("x")}, token=self.stranger.token)
        self.assertProblem(r, 404, "not_found")
        self.assertProblem(self.challenge(self.owner, sid, self.phone.id), 404, "not_found")
        # Bound to the phone: the tablet cannot take it.
        self.assertProblem(self.challenge(self.courier, sid, self.tablet.id), 422,
                           "invalid_field", "device_id")
        # Nor can the recipient answer with a device that is not theirs.
        self.assertProblem(self.challenge(self.courier, sid, self.stranger_device.id), 422,
                           "invalid_field", "device_id")
        for path in ("/v1/key-shares/ksh_nosuch", "/v1/key-shares/..%2F"):
            self.assertProblem(s.get(path, token=self.courier.token), 404, "not_found")
        self.assertProblem(s.get("/v1/key-shares/" + sid), 401, "unauthorized")
        self.assertProblem(s.post("/v1/key-shares/%s/accept" % sid, {"device_id": self.phone.id,
                                                                     "signature": "AA"},
                                  token=self.courier.token), 422, "invalid_field", "signature")

    def test_a_recipient_without_a_device_chooses_one_at_accept(self):
        s = self.server
        newcomer = harness.new_user(s, "new")
        shared = self.share(self.owner, self.vid, newcomer)
        self.assertIsNone(shared["device_id"])
        device = Device(s, newcomer, "laptop")
        r = self.accept(newcomer, shared["id"], device)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["device_id"], device.id)
        # A named device must be one of the recipient's verified devices.
        self.share(self.owner, self.vid, newcomer, status=422, device_id=self.phone.id)
        named = self.share(self.owner, self.vid, self.courier, device_id=self.tablet.id)
        self.assertEqual(named["device_id"], self.tablet.id)

    def test_decline_and_return(self):
        sid = self.share(self.owner, self.vid, self.courier)["id"]
        self.assertProblem(self.post(self.owner, sid, "decline"), 404, "not_found")
        declined = check(self.post(self.courier, sid, "decline"), 200)
        self.assertEqual(declined["status"], "declined")
        self.assertProblem(self.challenge(self.courier, sid, self.phone.id), 409, "key_share_state")
        self.assertProblem(self.post(self.courier, sid, "decline"), 409, "key_share_state")
        self.assertProblem(self.post(self.owner, sid, "revoke"), 409, "key_share_state")
        self.assertIn("key.declined", [t for t, _ in self.key_events(self.owner, sid)])

        sid = self.share(self.owner, self.vid, self.courier)["id"]
        self.assertProblem(self.post(self.courier, sid, "return"), 409, "key_share_state")
        self.assertEqual(self.accept(self.courier, sid, self.phone).status, 200)
        self.assertProblem(self.post(self.courier, sid, "decline"), 409, "key_share_state")
        self.assertProblem(self.post(self.stranger, sid, "return"), 404, "not_found")
        returned = check(self.post(self.courier, sid, "return"), 200)
        self.assertEqual(returned["status"], "returned")
        self.assertIn("key.returned", [t for t, _ in self.key_events(self.owner, sid)])
        audit = check(self.server.get("/v1/vehicles/%s/key-audit" % self.vid,
                                      token=self.owner.token), 200)["audit"]
        self.assertEqual(audit[-1]["action"], "returned")
        self.assertIn("revocation list version", audit[-1]["detail"])

    def test_a_revoked_share_cannot_be_accepted(self):
        sid = self.share(self.owner, self.vid, self.courier)["id"]
        nonce = check(self.challenge(self.courier, sid, self.phone.id), 201)["nonce"]
        self.assertEqual(check(self.post(self.owner, sid, "revoke"), 200)["status"], "revoked")
        self.assertProblem(self.accept(self.courier, sid, self.phone, nonce=nonce), 409,
                           "key_share_state")
        self.assertProblem(self.post(self.stranger, sid, "revoke"), 404, "not_found")

    def test_who_may_share_and_who_sees_keys(self):
        s = self.server
        fan = harness.new_user(s, "fan")
        follow(s, fan, self.vehicle)
        member = harness.new_user(s, "mem")
        check(s.request("PUT", "/v1/vehicles/%s/authorized-users/%s" % (self.vid, member.id),
                        token=self.owner.token), 200, "authorize")
        for user, status, code in ((fan, 403, "forbidden"), (member, 403, "forbidden"),
                                   (self.stranger, 404, "not_found")):
            with self.subTest(user=user.username):
                r = s.post("/v1/vehicles/%s/key-shares" % self.vid,
                           {"task": "delivery", "recipient": {"username": self.courier.username}},
                           token=user.token)
                self.assertProblem(r, status, code)
                self.assertProblem(s.get("/v1/vehicles/%s/keys" % self.vid, token=user.token),
                                   status, code)
                self.assertProblem(s.get("/v1/vehicles/%s/key-audit" % self.vid,
                                         token=user.token), status, code)
        # A holder whose key does not allow resharing may not share it on.
        sid = self.share(self.owner, self.vid, self.courier)["id"]
        self.assertEqual(self.accept(self.courier, sid, self.phone).status, 200)
        r = s.post("/v1/vehicles/%s/key-shares" % self.vid,
                   {"task": "delivery", "recipient": {"username": self.stranger.username}},
                   token=self.courier.token)
        self.assertProblem(r, 403, "forbidden")
        self.assertProblem(s.get("/v1/vehicles/%s/keys" % self.vid, token=self.courier.token),
                           403, "forbidden")
        self.assertProblem(s.post("/v1/vehicles/veh_nosuch/key-shares",
                                  {"task": "delivery",
                                   "recipient": {"username": self.courier.username}},
                                  token=self.owner.token), 404, "not_found")
        self.assertProblem(s.post("/v1/vehicles/%s/key-shares" % self.vid, {"task": "delivery"}),
                           401, "unauthorized")

    def test_bad_requests_name_the_field(self):
        s = self.server
        soon = harness.utcnow() + datetime.timedelta(hours=1)
        cases = [
            ("unknown task", {"task": "heist"}, 422, "invalid_field", "task"),
            ("no recipient", {"task": "delivery", "recipient": None}, 422, "invalid_field",
             "recipient"),
            ("bad right", {"rights": ["fly"]}, 422, "invalid_field", "rights"),
            ("rights not a list", {"rights": "unlock"}, 422, "invalid_field", "rights"),
            ("latitude", {"place": {"lat": 91, "lon": 0, "radius_m": 10}}, 422, "invalid_field",
             "place.lat"),
            ("longitude", {"place": {"lat": 0, "lon": -181, "radius_m": 10}}, 422,
             "invalid_field", "place.lon"),
            ("radius", {"place": {"lat": 0, "lon": 0, "radius_m": 0}}, 422, "invalid_field",
             "place.radius_m"),
            ("place text", {"place": "home"}, 422, "invalid_field", "place"),
            ("max_uses zero", {"max_uses": 0}, 422, "invalid_field", "max_uses"),
            ("max_uses text", {"max_uses": "1"}, 422, "invalid_field", "max_uses"),
            ("note too long", {"note": "x" * 1001}, 422, "invalid_field", "note"),
            ("not a time", {"not_before": "tomorrow"}, 422, "invalid_field", "not_before"),
            ("window backwards", {"not_before": rfc3339(soon),
                                  "not_after": rfc3339(soon - datetime.timedelta(minutes=5))},
             422, "invalid_field", "not_after"),
            ("window over", {"not_after": rfc3339(harness.utcnow()
                                                  - datetime.timedelta(hours=1))},
             422, "invalid_field", "not_after"),
            ("unknown device", {"device_id": "dev_nosuch"}, 422, "invalid_field", "device_id"),
            ("another user's device", {"device_id": self.stranger_device.id}, 422,
             "invalid_field", "device_id"),
        ]
        for name, extra, status, code, field in cases:
            with self.subTest(name):
                body = {"task": "delivery", "recipient": {"username": self.courier.username}}
                body.update(extra)
                if body.get("recipient") is None:
                    del body["recipient"]
                r = s.post("/v1/vehicles/%s/key-shares" % self.vid, body, token=self.owner.token)
                self.assertProblem(r, status, code, field)
        r = s.post("/v1/vehicles/%s/key-shares" % self.vid,
                   {"task": "delivery", "recipient": {"username": "nobody_here_at_all"}},
                   token=self.owner.token)
        self.assertProblem(r, 404, "not_found")
        r = s.post("/v1/vehicles/%s/key-shares" % self.vid,
                   {"task": "delivery", "recipient": {"username": self.owner.username}},
                   token=self.owner.token)
        self.assertProblem(r, 422, "invalid_field", "recipient")
        r = s.request("POST", "/v1/vehicles/%s/key-shares" % self.vid, raw_body=b"{",
                      headers={"Content-Type": "application/json"}, token=self.owner.token)
        self.assertProblem(r, 400, "invalid_json")
        # Only the right the policy leaves: a courier may never drive.
        r = s.post("/v1/vehicles/%s/key-shares" % self.vid,
                   {"task": "delivery", "recipient": {"username": self.courier.username},
                    "rights": ["drive"]}, token=self.owner.token)
        self.assertProblem(r, 422, "no_rights_granted")
        self.assertIn("drive", r.body["detail"])
        for query in ("?limit=0", "?limit=201", "?after=-1", "?after=x"):
            with self.subTest(query=query):
                self.assertProblem(s.get("/v1/vehicles/%s/key-audit%s" % (self.vid, query),
                                         token=self.owner.token), 422, "invalid_field")

    def test_the_window_is_capped_by_the_policy(self):
        start = harness.utcnow() + datetime.timedelta(days=1)
        shared = self.share(self.owner, self.vid, self.courier, task="borrow",
                            not_before=rfc3339(start),
                            not_after=rfc3339(start + datetime.timedelta(days=30)))
        nb = self.assertTime(shared["not_before"])
        na = self.assertTime(shared["not_after"])
        # No contact: a stranger's day at most, and no driving.
        self.assertEqual(na - nb, datetime.timedelta(days=1))
        self.assertEqual(shared["rights"], ["unlock", "lock", "open_trunk"])
        self.assertIn("duration", [r["right"] for r in shared["refused"]])


class ResharingTest(KeySharesBase):
    """With an operator policy that lets family reshare a custom key."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="paddock-reshare-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        with open(os.path.join(harness.REPO_ROOT, "config", "key-policy.toml")) as f:
            policy = f.read()
        policy = policy.replace(
            '[relationships.family]\nrights = ["unlock", "lock", "open_trunk", "start", "drive"]',
            '[relationships.family]\nrights = ["unlock", "lock", "open_trunk", "start", "drive", '
            '"reshare"]')
        assert '"reshare"]' in policy.split("[relationships.family]")[1].split("[")[1]
        path = os.path.join(cls.tmp, "policy.toml")
        with open(path, "w") as f:
            f.write(policy)
        cls.server = cls.start_class_server(args=["--key-policy", path])

    def test_a_holder_may_reshare_no_more_than_they_hold(self):
        s = self.server
        owner = harness.new_user(s, "own")
        vid = create_vehicle(s, owner)["id"]
        sister = harness.new_user(s, "sis")
        sister_phone = Device(s, sister, primary=True)
        friend = harness.new_user(s, "fri")
        check(s.request("PUT", "/v1/contacts/" + sister.id, {"relationship": "family"},
                        token=owner.token), 201)
        check(s.request("PUT", "/v1/contacts/" + friend.id, {"relationship": "family"},
                        token=sister.token), 201)
        shared = self.share(owner, vid, sister, task="custom",
                            rights=["unlock", "lock", "reshare"])
        self.assertEqual(shared["rights"], ["unlock", "lock", "reshare"])
        self.assertEqual(self.accept(sister, shared["id"], sister_phone).status, 200)

        # The sister passes on what she holds; asking for more is cut, with the reason.
        onward = self.share(sister, vid, friend, task="custom", rights=["unlock", "drive"])
        self.assertEqual(onward["rights"], ["unlock"])
        self.assertEqual(onward["sharer_id"], sister.id)
        refused = {r["right"]: r["reason"] for r in onward["refused"]}
        self.assertIn("sharer", refused["drive"])
        na = self.assertTime(onward["not_after"])
        self.assertLessEqual(na, self.assertTime(shared["not_after"]))
        # The owner sees it and hears of it; the sharer may revoke it; the owner lists it.
        self.assertIn("key.offered", [t for t, _ in self.key_events(owner, onward["id"])])
        keys = check(s.get("/v1/vehicles/%s/keys" % vid, token=owner.token), 200)["keys"]
        self.assertEqual([k["id"] for k in keys], [shared["id"], onward["id"]])
        self.assertEqual(check(self.post(sister, onward["id"], "revoke"), 200)["status"],
                         "revoked")
        # Without reshare the friend could not pass anything on even if she held a key.
        self.assertProblem(s.post("/v1/vehicles/%s/key-shares" % vid,
                                  {"task": "custom", "recipient": {"username": owner.username}},
                                  token=friend.token), 404, "not_found")


if __name__ == "__main__":
    unittest.main()
