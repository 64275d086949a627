"""Issuer keys (issue 8 item 6): created on first start in the data directory (0600), the same
across restarts, published at GET /v1/issuer-keys as JWKs, rotated with `paddock issuer-keys
rotate` (the old key stays published), and a key file others can read stops the server."""

import os
import re
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

KID_RE = re.compile(r"^ik-\d{8}-[0-9a-f]{8}$")


class IssuerKeysTest(harness.PaddockTestCase):

    def keys(self, srv):
        resp = srv.get("/v1/issuer-keys")
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.headers.get("cache-control"), "public, max-age=300")
        return resp.body["keys"]

    def test_published_created_private_and_stable_across_restarts(self):
        srv = self.start_server()
        keys = self.keys(srv)
        self.assertEqual(len(keys), 1)
        key = keys[0]
        self.assertRegex(key["kid"], KID_RE)
        self.assertEqual((key["kty"], key["alg"], key["crv"], key["use"]),
                         ("OKP", "EdDSA", "Ed25519", "sig"))
        self.assertNotIn("retired_at", key)
        self.assertTime(key["created_at"])
        raw = harness.b64url_decode(key["x"])
        self.assertEqual(len(raw), 32)
        Ed25519PublicKey.from_public_bytes(raw)  # a valid point

        path = os.path.join(srv.data_dir, "issuer-keys.toml")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        # The private seed never leaves the file: not in the answer, not in the log.
        with open(path) as f:
            seed = re.search(r"seed = ['\"]([A-Za-z0-9_-]{43})['\"]", f.read()).group(1)
        self.assertNotIn(seed, srv.stderr_text(max_lines=10000))

        srv.restart()
        self.assertEqual(self.keys(srv), keys)

    def test_rotation_adds_a_signing_key_and_keeps_the_old_one_published(self):
        srv = self.start_server()
        old = self.keys(srv)[0]
        self.assertEqual(srv.stop(), 0)
        p = harness.run_cli(["issuer-keys", "rotate", "--data-dir", srv.data_dir])
        self.assertEqual(p.returncode, 0, p)
        new_kid = re.search(r"signing key (\S+)", p.stdout).group(1)
        srv.start()
        keys = self.keys(srv)
        self.assertEqual([k["kid"] for k in keys], [new_kid, old["kid"]])
        self.assertNotIn("retired_at", keys[0])
        self.assertTime(keys[1]["retired_at"])
        self.assertEqual(keys[1]["x"], old["x"])

        listed = harness.run_cli(["issuer-keys", "list", "--data-dir", srv.data_dir])
        self.assertEqual(listed.returncode, 0, listed)
        lines = listed.stdout.strip().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith(new_kid + " " + keys[0]["x"]))
        self.assertIn(" retired ", lines[1])

    def test_a_key_file_others_can_read_stops_the_server(self):
        srv = self.start_server()
        self.assertEqual(srv.stop(), 0)
        path = os.path.join(srv.data_dir, "issuer-keys.toml")
        os.chmod(path, 0o644)
        with self.assertRaises(harness.ServerError):
            srv.start()
        self.assertIn("readable by other users", srv.stderr_text())
        os.chmod(path, 0o600)
        srv.start()
        self.assertEqual(len(self.keys(srv)), 1)

    def test_a_damaged_key_file_stops_the_server_with_the_reason(self):
        srv = self.start_server()
        self.assertEqual(srv.stop(), 0)
        path = os.path.join(srv.data_dir, "issuer-keys.toml")
        with open(path, "w") as f:
            f.write("[[key]]\nkid = \"ik-x\"\ncreated_at = 1\nseed = \"short\"\n")
        with self.assertRaises(harness.ServerError):
            srv.start()
        self.assertIn("seed is not 32 bytes", srv.stderr_text())


if __name__ == "__main__":
    unittest.main()
