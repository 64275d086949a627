"""Digital keys end to end (issue 8, "How it will be judged"), against the real server and the
real car-side CLI (build/release/paddock-vehicle):

the owner shares a delivery key with a courier -> the courier's phone verifies (challenge,
accept) -> the credential arrives on that phone's stream and not on the courier's other
device's -> the car allows open_trunk and denies drive -> a replayed proof is denied -> the
owner revokes -> after the car syncs the list (GET revocations with its head-unit signature ->
file -> verify --revocations), open_trunk is denied too, and an older list is refused -> the car
reports its decisions (paddock-vehicle report -> POST key-events) -> the audit log and the
owner's stream show every step.

Every wait is bounded: streams are read message by message with a total timeout.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from cryptography.hazmat.primitives import serialization

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import sharing_helpers as sh  # noqa: E402
import wsclient  # noqa: E402
import car_helpers as car  # noqa: E402

VEHICLE_BIN = os.path.abspath(
    os.environ.get("PADDOCK_VEHICLE_BIN")
    or os.path.join(os.path.dirname(harness.PADDOCK_BIN), "paddock-vehicle"))
STREAM_TIMEOUT = 10.0
MAX_FRAMES = 50


def seed_of(priv):
    """The raw 32-byte Ed25519 seed, base64url: what paddock-vehicle reads as a key file."""
    return harness.b64url(priv.private_bytes(serialization.Encoding.Raw,
                                             serialization.PrivateFormat.Raw,
                                             serialization.NoEncryption()))


def next_events(ws, until_type, timeout=STREAM_TIMEOUT):
    """Events from `ws` up to and including the first of type `until_type` (bounded in count
    and time)."""
    got = []
    deadline = time.monotonic() + timeout
    for _ in range(MAX_FRAMES):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        event = ws.recv_json(remaining)
        got.append(event)
        if event.get("type") == until_type:
            return got
    raise AssertionError("no %s within %ss; got %r" % (until_type, timeout,
                                                       [e.get("type") for e in got]))


class KeyEndToEnd(harness.PaddockTestCase):

    def setUp(self):
        if not os.path.exists(VEHICLE_BIN):
            self.fail(f"{VEHICLE_BIN} is missing: run make build")
        self.tmp = tempfile.mkdtemp(prefix="paddock-e2e-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.state = os.path.join(self.tmp, "car-state")

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return path

    def vehicle_cli(self, *args):
        return subprocess.run([VEHICLE_BIN] + list(args), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=30)

    def car_decides(self, action, proof=None):
        """The car issues a challenge, the phone proves `action` (unless a proof is given), the
        car decides with its synced revocation list. Returns (exit code, decision, proof file)."""
        if proof is None:
            challenge = self.vehicle_cli("challenge", "--state", self.state)
            self.assertEqual(challenge.returncode, 0, challenge)
            proved = self.vehicle_cli("prove", "--device-key", self.phone_key, "--credential",
                                      self.credential, "--action", action, "--challenge",
                                      challenge.stdout.strip())
            self.assertEqual(proved.returncode, 0, proved)
            proof = self.write("proof-%s-%d" % (action, len(os.listdir(self.tmp))), proved.stdout)
        decided = self.vehicle_cli("verify", "--issuer-keys", self.issuer_keys, "--vehicle",
                                   self.vehicle["id"], "--credential", self.credential,
                                   "--proof", proof, "--action", action, "--revocations",
                                   self.revocations, "--state", self.state)
        line = json.loads(decided.stdout.strip().splitlines()[-1])
        return decided.returncode, line, proof

    def sync_revocations(self, name):
        """The car fetches its list with its head-unit signature and keeps it as a file."""
        status, headers, data = car.get_revocations(self.server, self.vehicle["id"],
                                                    head_unit=self.head_unit["id"],
                                                    priv=self.head_unit_priv)
        self.assertEqual(status, 200, data)
        self.revocations = self.write(name, data)
        return int(headers["paddock-revocation-version"])

    def test_share_verify_use_revoke_sync_report_audit(self):
        srv = self.server = self.start_server()
        owner = harness.new_user(srv, "own")
        courier = harness.new_user(srv, "cou")
        self.vehicle = sh.create_vehicle(srv, owner)
        vid = self.vehicle["id"]
        self.head_unit, self.head_unit_priv = car.add_head_unit(srv, owner, vid)
        phone, phone_priv = harness.register_device(srv, courier.token, name="courier phone",
                                                    primary=True)
        tablet, tablet_priv = harness.register_device(srv, courier.token, name="courier tablet",
                                                      kind="pc", primary=False)
        harness.verify_device(srv, courier.token, phone["id"], phone_priv)
        harness.verify_device(srv, courier.token, tablet["id"], tablet_priv)
        self.phone_key = self.write("phone.key", seed_of(phone_priv))
        self.issuer_keys = self.write("issuer-keys.json", json.dumps(
            sh.check(srv.get("/v1/issuer-keys"), 200)))

        def stream(user, device=None):
            path = "/v1/stream" + ("?device_id=" + device["id"] if device else "")
            ws = wsclient.WebSocket.connect(srv.port, path, token=user.token,
                                            timeout=STREAM_TIMEOUT)
            self.addCleanup(ws.abort)
            self.assertEqual(ws.recv_json(STREAM_TIMEOUT).get("type"), "ready")
            return ws

        owner_ws = stream(owner)
        phone_ws = stream(courier, phone)
        tablet_ws = stream(courier, tablet)

        # The owner shares a delivery key; the courier is nobody to them: open_trunk and lock,
        # one use, bound to the courier's primary phone.
        share = sh.check(srv.post("/v1/vehicles/%s/key-shares" % vid,
                                  {"task": "delivery", "recipient": {"username": courier.username},
                                   "note": "parcel"}, token=owner.token), 201, "share")
        self.assertEqual(share["status"], "offered")
        self.assertEqual(share["device_id"], phone["id"])
        self.assertEqual(sorted(share["rights"]), ["lock", "open_trunk"])
        self.assertEqual(share["max_uses"], 1)

        # The courier's phone verifies: it signs the server's nonce with its registered key.
        challenge = sh.check(srv.post("/v1/key-shares/%s/challenge" % share["id"],
                                      {"device_id": phone["id"]}, token=courier.token), 201)
        accepted = sh.check(srv.post("/v1/key-shares/%s/accept" % share["id"],
                                     {"device_id": phone["id"],
                                      "signature": harness.sign(phone_priv,
                                                                challenge["signing_input"])},
                                     token=courier.token), 200, "accept")
        self.assertEqual(accepted["status"], "issued")
        cti = accepted["credential_id"]

        # The credential arrives on the phone's stream ...
        issued = next_events(phone_ws, "key.issued")[-1]
        self.assertEqual(issued["key_share"]["id"], share["id"])
        self.assertEqual(issued["key_share"]["credential"], accepted["credential"])
        self.credential = self.write("credential", accepted["credential"])

        # The car syncs its (still empty) list, then decides.
        self.assertEqual(self.sync_revocations("revocations-v0"), 0)
        old_list = self.revocations
        code, line, trunk_proof = self.car_decides("open_trunk")
        self.assertEqual((code, line["decision"], line["reason"]), (0, "allow", "allowed"), line)
        self.assertEqual(line["credential_id"], cti)
        code, line, _ = self.car_decides("drive")
        self.assertEqual((code, line["decision"], line["reason"]),
                         (1, "deny", "action_not_allowed"), line)
        code, line, _ = self.car_decides("open_trunk", proof=trunk_proof)
        self.assertEqual((code, line["reason"]), (1, "replayed_proof"), line)

        # The owner revokes; the car syncs the new list and denies open_trunk.
        revoked = sh.check(srv.post("/v1/key-shares/%s/revoke" % share["id"], {},
                                    token=owner.token), 200, "revoke")
        self.assertEqual(revoked["status"], "revoked")
        self.assertEqual(self.sync_revocations("revocations-v1"), 1)
        with open(self.revocations, "rb") as f:
            _, payload, _ = car.decode_sign1(f.read())
        self.assertEqual(payload[3], [harness.b64url_decode(cti)])
        code, line, _ = self.car_decides("open_trunk")
        self.assertEqual((code, line["decision"], line["reason"]), (1, "deny", "revoked"), line)
        # A car handed the older list keeps the newer one it has.
        self.revocations = old_list
        code, line, _ = self.car_decides("open_trunk")
        self.assertEqual((code, line["reason"]), (1, "revoked"), line)

        # ... and never on the courier's other device: its stream hears of the revocation (sent
        # to the courier, not to a device) with no key.issued before it.
        tablet_events = next_events(tablet_ws, "key.revoked")
        self.assertNotIn("key.issued", [e["type"] for e in tablet_events])
        tablet_feed = sh.check(srv.get("/v1/feed?device_id=%s&limit=100" % tablet["id"],
                                       token=courier.token), 200)["events"]
        self.assertNotIn("key.issued", [e["type"] for e in tablet_feed])
        phone_feed = sh.check(srv.get("/v1/feed?device_id=%s&limit=100" % phone["id"],
                                      token=courier.token), 200)["events"]
        self.assertIn("key.issued", [e["type"] for e in phone_feed])

        # The car reports its decisions, signed with its head-unit key.
        hu_key = self.write("head-unit.key", seed_of(self.head_unit_priv))
        report_file = os.path.join(self.tmp, "report.cose")
        reported = self.vehicle_cli("report", "--head-unit-key", hu_key, "--head-unit-id",
                                    self.head_unit["id"], "--vehicle", vid, "--state", self.state,
                                    "--out", report_file)
        self.assertEqual(reported.returncode, 0, reported)
        with open(report_file, "rb") as f:
            report = f.read()
        r = car.post_report(srv, vid, report)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.body["used"], r.body["denied"]), (1, 4))
        self.assertProblem(car.post_report(srv, vid, report), 409, "report_replayed")
        nothing = self.vehicle_cli("report", "--head-unit-key", hu_key, "--head-unit-id",
                                   self.head_unit["id"], "--vehicle", vid, "--state", self.state,
                                   "--out", report_file)
        self.assertEqual(nothing.returncode, 1, nothing)  # everything was reported

        # The audit log shows every step, who and when.
        audit = sh.check(srv.get("/v1/vehicles/%s/key-audit?limit=100" % vid, token=owner.token),
                         200)["audit"]
        steps = [(a["action"], a["actor"]["kind"], a["detail"] if a["actor"]["kind"] == "head_unit"
                  else None) for a in audit]
        self.assertEqual(steps, [
            ("shared", "user", None),
            ("verified", "user", None),
            ("issued", "user", None),
            ("revoked", "user", None),
            ("used", "head_unit", "open_trunk"),
            ("denied", "head_unit", "drive:action_not_allowed"),
            ("denied", "head_unit", "open_trunk:replayed_proof"),
            ("denied", "head_unit", "open_trunk:revoked"),
            ("denied", "head_unit", "open_trunk:revoked"),
        ])
        self.assertEqual({a["share_id"] for a in audit}, {share["id"]})
        self.assertEqual({a["actor"]["id"] for a in audit if a["actor"]["kind"] == "user"},
                         {owner.id, courier.id})
        for a in audit:
            self.assertTime(a["at"], near=harness.utcnow(), tolerance=600)

        # So does the owner's stream.
        owner_events = next_events(owner_ws, "key.denied")
        owner_events += [owner_ws.recv_json(STREAM_TIMEOUT) for _ in range(3)]
        self.assertEqual([e["type"] for e in owner_events],
                         ["key.offered", "key.verified", "key.issued", "key.revoked", "key.used",
                          "key.denied", "key.denied", "key.denied", "key.denied"])
        used = owner_events[4]["key_event"]
        self.assertEqual((used["share_id"], used["credential_id"], used["action"]),
                         (share["id"], cti, "open_trunk"))
        self.assertNotIn("credential", owner_events[2]["key_share"])
        # The courier hears nothing of the car's reports.
        self.assertEqual([e for e in phone_ws.expect_silence(0.3) if e["type"].startswith("key.u")],
                         [])


if __name__ == "__main__":
    unittest.main()
