"""Interop for digital-key credentials (issue 8 items 6 and 7, docs/credentials.md).

An implementation Paddock did not write (Debian's python3-cbor2 and python3-nacl) builds
credentials, proofs and revocation lists from docs/credentials.md alone, and the real
``paddock-vehicle verify`` allows or denies them; the other way round, a proof made by the C++
codec (``paddock-vehicle prove``), and a credential and a revocation list made by it (the test-only
``paddock_test_issuer``), decode and verify in Python as the document says.

Runs alone: ``python3 -m unittest -v tests/integration/test_credential_interop.py``. The CLI is
PADDOCK_VEHICLE_BIN, else ``paddock-vehicle`` beside PADDOCK_BIN, else build/release.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import cbor2
import nacl.exceptions
import nacl.signing

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

VEHICLE_BIN = os.path.abspath(
    os.environ.get("PADDOCK_VEHICLE_BIN")
    or os.path.join(os.path.dirname(harness.PADDOCK_BIN), "paddock-vehicle"))
# Test-only tool that issues with the C++ codec (tests/tools/test_issuer.cpp).
ISSUER_BIN = os.path.join(os.path.dirname(VEHICLE_BIN), "paddock_test_issuer")
NOW = 1_800_000_000
VEHICLE = "veh_interop"
KID = "issuer-2026-01"
PROOF_CONTENT_TYPE = "application/paddock-key-proof"
LIST_CONTENT_TYPE = "application/paddock-revocations"
ACTIONS = ["unlock", "lock", "open_trunk", "start", "drive"]


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sig_structure(protected, payload):
    return cbor2.dumps(["Signature1", protected, b"", payload])


def cose_sign1(protected_map, payload_map, signing_key):
    protected = cbor2.dumps(protected_map)
    payload = cbor2.dumps(payload_map)
    signature = signing_key.sign(sig_structure(protected, payload)).signature
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))


class CredentialInterop(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(VEHICLE_BIN):
            self.fail(f"{VEHICLE_BIN} is missing: run make build")
        self.tmp = tempfile.mkdtemp(prefix="paddock-keys-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.issuer = nacl.signing.SigningKey.generate()
        self.device = nacl.signing.SigningKey.generate()
        self.keys_file = self.write("issuer-keys.json", json.dumps({"keys": [{
            "kid": KID, "alg": "EdDSA", "crv": "Ed25519",
            "x": b64u(bytes(self.issuer.verify_key))}]}).encode())
        self.cti = os.urandom(16)
        self.counter = 0

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def claims(self, over=None):
        claims = {
            1: "paddock", 2: "usr_courier", 4: NOW + 7200, 5: NOW - 60, 6: NOW - 60,
            7: self.cti,
            8: {1: {1: 1, -1: 6, -2: bytes(self.device.verify_key)}},
            -65537: VEHICLE, -65538: "WVWZZZ1JZXW000001",
            -65539: ["open_trunk", "lock"], -65542: 3,
        }
        claims.update(over or {})
        return claims

    def credential(self, claims=None, key=None):
        return cose_sign1({1: -8, 4: KID.encode()}, claims or self.claims(), key or self.issuer)

    def proof(self, action, challenge=None, exp=NOW + 20, key=None, cti=None):
        payload = {1: cti or self.cti, 2: VEHICLE, 3: action}
        if challenge is None:
            self.counter += 1
            payload[5] = self.counter
        else:
            payload[4] = challenge
        payload[6] = exp
        return cose_sign1({1: -8, 3: PROOF_CONTENT_TYPE}, payload, key or self.device)

    def run_cli(self, *args):
        result = subprocess.run([VEHICLE_BIN, *args], capture_output=True, timeout=30)
        return result.returncode, result.stdout.decode(), result.stderr.decode()

    def verify(self, credential, proof, action, *extra, as_text=False):
        encode = (lambda b: b64u(b).encode() + b"\n") if as_text else (lambda b: b)
        cred_file = self.write("credential", encode(credential))
        proof_file = self.write("proof", encode(proof))
        code, out, err = self.run_cli(
            "verify", "--issuer-keys", self.keys_file, "--vehicle", VEHICLE,
            "--credential", cred_file, "--proof", proof_file, "--action", action,
            "--now", str(NOW), *extra)
        lines = out.splitlines()
        self.assertEqual(len(lines), 1, f"stdout {out!r} stderr {err!r}")
        return code, json.loads(lines[0])

    def assert_decision(self, result, code, decision, reason):
        self.assertEqual(result[1]["reason"], reason, result)
        self.assertEqual(result[1]["decision"], decision)
        self.assertEqual(result[0], code)
        self.assertEqual(result[1]["credential_id"], b64u(self.cti))

    def test_python_credential_allows_open_trunk_raw_and_base64url(self):
        credential = self.credential()
        self.assert_decision(self.verify(credential, self.proof("open_trunk"), "open_trunk"),
                             0, "allow", "allowed")
        self.assert_decision(
            self.verify(credential, self.proof("lock"), "lock", as_text=True), 0, "allow", "allowed")

    def test_tampered_expired_and_wrong_action_are_denied(self):
        good = self.credential()
        tag = cbor2.loads(good)
        protected, unprotected, payload, signature = tag.value
        widened = cbor2.loads(payload)
        widened[-65539] = ACTIONS  # the holder widens its own rights
        tampered = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(widened), signature]))
        self.assert_decision(self.verify(tampered, self.proof("drive"), "drive"), 1, "deny", "forged")

        expired = self.credential(self.claims({4: NOW - 3600, 5: NOW - 7200}))
        self.assert_decision(self.verify(expired, self.proof("open_trunk"), "open_trunk"),
                             1, "deny", "expired")

        self.assert_decision(self.verify(good, self.proof("drive"), "drive"),
                             1, "deny", "action_not_allowed")

        other_issuer = nacl.signing.SigningKey.generate()
        self.assert_decision(self.verify(self.credential(key=other_issuer), self.proof("lock"), "lock"),
                             1, "deny", "forged")
        other_device = nacl.signing.SigningKey.generate()
        self.assert_decision(self.verify(good, self.proof("lock", key=other_device), "lock"),
                             1, "deny", "wrong_device")
        self.assert_decision(self.verify(good, self.proof("lock", exp=NOW + 120), "lock"),
                             1, "deny", "stale_proof")

    def test_replayed_proof_and_challenges_with_state(self):
        state = os.path.join(self.tmp, "car")
        credential = self.credential()
        proof = self.proof("open_trunk")
        self.assert_decision(self.verify(credential, proof, "open_trunk", "--state", state),
                             0, "allow", "allowed")
        self.assert_decision(self.verify(credential, proof, "open_trunk", "--state", state),
                             1, "deny", "replayed_proof")
        self.assertEqual(os.stat(os.path.join(state, "car-state")).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(state).st_mode & 0o777, 0o700)

        code, out, _ = self.run_cli("challenge", "--state", state, "--now", str(NOW))
        self.assertEqual(code, 0)
        challenge = unb64u(out)
        self.assertEqual(len(challenge), 16)
        by_challenge = self.proof("lock", challenge=challenge)
        self.assert_decision(self.verify(credential, by_challenge, "lock", "--state", state),
                             0, "allow", "allowed")
        self.assert_decision(self.verify(credential, by_challenge, "lock", "--state", state),
                             1, "deny", "replayed_proof")
        # max_uses 3: two uses so far; one more, then used up.
        self.assert_decision(self.verify(credential, self.proof("lock"), "lock", "--state", state),
                             0, "allow", "allowed")
        self.assert_decision(self.verify(credential, self.proof("lock"), "lock", "--state", state),
                             1, "deny", "used_up")

    def test_cpp_proof_decodes_in_python_and_is_allowed(self):
        state = os.path.join(self.tmp, "car")
        credential = self.credential()
        cred_file = self.write("credential.b64", b64u(credential).encode())
        key_file = self.write("device.key", b64u(bytes(self.device)).encode() + b"\n")  # the seed
        code, out, _ = self.run_cli("challenge", "--state", state, "--now", str(NOW))
        self.assertEqual(code, 0)
        challenge = out.strip()
        code, out, err = self.run_cli("prove", "--device-key", key_file, "--credential", cred_file,
                                      "--action", "open_trunk", "--challenge", challenge,
                                      "--now", str(NOW))
        self.assertEqual(code, 0, err)
        proof = unb64u(out)

        tag = cbor2.loads(proof)
        self.assertEqual(tag.tag, 18)
        protected, unprotected, payload, signature = tag.value
        self.assertEqual(cbor2.loads(protected), {1: -8, 3: PROOF_CONTENT_TYPE})
        self.assertEqual(unprotected, {})
        self.device.verify_key.verify(sig_structure(protected, payload), signature)
        claims = cbor2.loads(payload)
        self.assertEqual(claims, {1: self.cti, 2: VEHICLE, 3: "open_trunk", 4: unb64u(challenge),
                                  6: NOW + 20})

        self.assert_decision(self.verify(credential, proof, "open_trunk", "--state", state),
                             0, "allow", "allowed")

    def test_cpp_credential_and_list_decode_in_python(self):
        seed = bytes(self.issuer)
        common = ["--issuer-seed", b64u(seed), "--kid", KID, "--vehicle", VEHICLE]
        code, out, err = self.run_issuer(
            *common, "--device-public", b64u(bytes(self.device.verify_key)), "--cti", b64u(self.cti),
            "--vin", "WVWZZZ1JZXW000001", "--actions", "unlock,drive", "--exp", str(NOW + 3600),
            "--nbf", str(NOW - 60), "--iat", str(NOW - 60), "--sub", "usr_family",
            "--max-speed", "90", "--max-uses", "5", "--geofence", "48.1375,11.575,500")
        self.assertEqual(code, 0, err)
        credential = unb64u(out)

        tag = cbor2.loads(credential)
        self.assertEqual(tag.tag, 18)
        protected, unprotected, payload, signature = tag.value
        self.assertEqual(cbor2.loads(protected), {1: -8, 4: KID.encode()})
        self.assertEqual(unprotected, {})
        self.issuer.verify_key.verify(sig_structure(protected, payload), signature)
        self.assertEqual(cbor2.loads(payload), {
            1: "paddock", 2: "usr_family", 4: NOW + 3600, 5: NOW - 60, 6: NOW - 60, 7: self.cti,
            8: {1: {1: 1, -1: 6, -2: bytes(self.device.verify_key)}},
            -65537: VEHICLE, -65538: "WVWZZZ1JZXW000001", -65539: ["unlock", "drive"],
            -65540: 90, -65541: {1: 48.1375, 2: 11.575, 3: 500}, -65542: 5})
        self.assert_decision(self.verify(credential, self.proof("drive"), "drive",
                                         "--position", "48.1376,11.575", "--speed", "0"),
                             0, "allow", "allowed")

        code, out, err = self.run_issuer(*common, "--what", "revocations", "--version", "9",
                                         "--revoked", b64u(self.cti), "--iat", str(NOW))
        self.assertEqual(code, 0, err)
        tag = cbor2.loads(unb64u(out))
        protected, unprotected, payload, signature = tag.value
        self.assertEqual(cbor2.loads(protected), {1: -8, 3: LIST_CONTENT_TYPE, 4: KID.encode()})
        self.issuer.verify_key.verify(sig_structure(protected, payload), signature)
        self.assertEqual(cbor2.loads(payload), {1: 9, 2: VEHICLE, 3: [self.cti], 4: NOW})

    def run_issuer(self, *args):
        if not os.path.exists(ISSUER_BIN):
            self.fail(f"{ISSUER_BIN} is missing: run make build")
        result = subprocess.run([ISSUER_BIN, *args], capture_output=True, timeout=30)
        return result.returncode, result.stdout.decode(), result.stderr.decode()

    def test_revocation_list_from_python(self):
        state = os.path.join(self.tmp, "car")
        credential = self.credential()

        def revocations(version, revoked):
            return self.write(f"revocations-{version}", cose_sign1(
                {1: -8, 3: LIST_CONTENT_TYPE, 4: KID.encode()},
                {1: version, 2: VEHICLE, 3: revoked, 4: NOW}, self.issuer))

        self.assert_decision(self.verify(credential, self.proof("lock"), "lock", "--state", state,
                                         "--revocations", revocations(1, [])), 0, "allow", "allowed")
        self.assert_decision(self.verify(credential, self.proof("lock"), "lock", "--state", state,
                                         "--revocations", revocations(2, [self.cti])),
                             1, "deny", "revoked")
        # An older list is refused: the car keeps version 2 and the credential stays revoked.
        self.assert_decision(self.verify(credential, self.proof("lock"), "lock", "--state", state,
                                         "--revocations", revocations(1, [])),
                             1, "deny", "revoked")

    def test_bad_input_exits_2(self):
        junk = self.write("junk", b"\xd2\x84\x00")
        code, out, _ = self.run_cli(
            "verify", "--issuer-keys", self.keys_file, "--vehicle", VEHICLE, "--credential", junk,
            "--proof", junk, "--action", "open_trunk", "--now", str(NOW))
        self.assertEqual(code, 2)
        self.assertEqual(json.loads(out)["reason"], "bad_input")
        code, _, _ = self.run_cli(
            "verify", "--issuer-keys", self.keys_file, "--vehicle", VEHICLE, "--credential", junk,
            "--proof", junk, "--action", "fly")
        self.assertEqual(code, 2)
        # A clock past year 9999 (or negative) is bad input, not arithmetic that overflows.
        for now in ("9223372036854775807", "-1", "253402300800"):
            code, _, err = self.run_cli(
                "verify", "--issuer-keys", self.keys_file, "--vehicle", VEHICLE,
                "--credential", junk, "--proof", junk, "--action", "open_trunk", "--now=" + now)
            self.assertEqual(code, 2, now)
            self.assertIn("--now must be", err)


class ServerIssuedCredentialInterop(harness.PaddockTestCase):
    """A credential the real server issues (share -> challenge -> accept) decodes and verifies in
    Python (cbor2 + nacl) against GET /v1/issuer-keys, with the claims docs/credentials.md lists."""

    def test_server_issued_credential_verifies_in_python(self):
        from sharing_helpers import create_vehicle, random_vin
        s = self.start_server()
        owner = harness.new_user(s, "own")
        vin = random_vin()
        vehicle = create_vehicle(s, owner, vin=vin)
        family = harness.new_user(s, "fam")
        device = nacl.signing.SigningKey.generate()
        dev, _ = harness.register_device(s, family.token, primary=True,
                                         pub=b64u(bytes(device.verify_key)))
        r = s.post("/v1/devices/%s/challenge" % dev["id"], {}, token=family.token)
        s.post("/v1/devices/%s/verify" % dev["id"],
               {"nonce": r.body["nonce"],
                "signature": b64u(device.sign(r.body["signing_input"].encode()).signature)},
               token=family.token)
        self.assertEqual(s.request("PUT", "/v1/contacts/" + family.id, {"relationship": "family"},
                                   token=owner.token).status, 201)
        shared = s.post("/v1/vehicles/%s/key-shares" % vehicle["id"],
                        {"task": "borrow", "recipient": {"username": family.username},
                         "max_speed_kmh": 90, "max_uses": 5,
                         "place": {"lat": 48.1375, "lon": 11.575, "radius_m": 500.7}},
                        token=owner.token)
        self.assertEqual(shared.status, 201, shared.body)
        sid = shared.body["id"]
        ch = s.post("/v1/key-shares/%s/challenge" % sid, {"device_id": dev["id"]},
                    token=family.token)
        self.assertEqual(ch.status, 201, ch.body)
        text = "paddock-key-accept:v1:%s:%s:%s" % (sid, dev["id"], ch.body["nonce"])
        self.assertEqual(ch.body["signing_input"], text)
        accepted = s.post("/v1/key-shares/%s/accept" % sid,
                          {"device_id": dev["id"],
                           "signature": b64u(device.sign(text.encode()).signature)},
                          token=family.token)
        self.assertEqual(accepted.status, 200, accepted.body)
        credential = unb64u(accepted.body["credential"])

        keys = {k["kid"]: unb64u(k["x"]) for k in s.get("/v1/issuer-keys").body["keys"]}
        tag = cbor2.loads(credential)
        self.assertEqual(tag.tag, 18)
        protected, unprotected, payload, signature = tag.value
        header = cbor2.loads(protected)
        self.assertEqual(header[1], -8)
        kid = header[4].decode()
        self.assertEqual(kid, accepted.body["kid"])
        self.assertEqual(unprotected, {})
        nacl.signing.VerifyKey(keys[kid]).verify(sig_structure(protected, payload), signature)

        claims = cbor2.loads(payload)
        nbf = harness.parse_time(accepted.body["not_before"]).timestamp()
        exp = harness.parse_time(accepted.body["not_after"]).timestamp()
        self.assertEqual(claims[1], "paddock")
        self.assertEqual(claims[2], family.id)
        self.assertEqual(claims[4], int(exp))
        self.assertEqual(claims[5], int(nbf))
        self.assertLessEqual(abs(claims[6] - time.time()), 60)
        self.assertEqual(len(claims[7]), 16)
        self.assertEqual(b64u(claims[7]), accepted.body["credential_id"])
        self.assertEqual(claims[8], {1: {1: 1, -1: 6, -2: bytes(device.verify_key)}})
        self.assertEqual(claims[-65537], vehicle["id"])
        self.assertEqual(claims[-65538], vin)
        self.assertEqual(claims[-65539], ["unlock", "lock", "open_trunk", "start", "drive"])
        self.assertEqual(claims[-65540], 90)
        self.assertEqual(claims[-65541], {1: 48.1375, 2: 11.575, 3: 500})
        self.assertEqual(claims[-65542], 5)
        self.assertNotIn(-65543, claims)  # no reshare
        # A byte changed anywhere in the payload no longer verifies.
        with self.assertRaises(nacl.exceptions.BadSignatureError):
            tampered = payload[:-1] + bytes([payload[-1] ^ 1])
            nacl.signing.VerifyKey(keys[kid]).verify(sig_structure(protected, tampered),
                                                     signature)


if __name__ == "__main__":
    unittest.main()
