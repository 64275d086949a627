"""The key files beside the database must be the ones its rows were made with. Nodes on one
database share issuer-keys.toml and publisher-secrets.key (README, "Several nodes"); a node
started with other ones stops at once and names the file, rather than failing some requests
behind the load balancer."""

import os
import re
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sharing_helpers import create_vehicle  # noqa: E402
from test_key_shares import Device, KeySharesBase  # noqa: E402


class KeyFilesTest(KeySharesBase):

    def test_issuer_keys_without_the_key_of_a_valid_credential_stop_the_node(self):
        self.server = srv = self.start_server()
        owner = harness.new_user(srv, "own")
        vid = create_vehicle(srv, owner)["id"]
        courier = harness.new_user(srv, "cou")
        phone = Device(srv, courier, "phone", primary=True)
        self.assertEqual(srv.stop(), 0)

        # Another node rotates; this one keeps the file from before.
        path = os.path.join(srv.data_dir, "issuer-keys.toml")
        stale = path + ".stale"
        shutil.copy2(path, stale)
        rotated = harness.run_cli(["issuer-keys", "rotate", "--data-dir", srv.data_dir])
        self.assertEqual(rotated.returncode, 0, rotated)
        new_kid = re.search(r"signing key (\S+)", rotated.stdout).group(1)

        # The node with the rotated file issues a credential signed by the new key.
        srv.start()
        sid = self.share(owner, vid, courier, task="delivery", rights=["open_trunk"])["id"]
        r = self.accept(courier, sid, phone)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["status"], "issued")
        self.assertEqual(srv.stop(), 0)

        current = path + ".rotated"
        shutil.copy2(path, current)
        shutil.copy2(stale, path)
        with self.assertRaises(harness.ServerError):
            srv.start()
        err = srv.stderr_text()
        self.assertIn("issuer-keys.toml lacks the issuer key(s) " + new_kid, err)
        self.assertIn("copy it from the node that rotated", err)

        shutil.copy2(current, path)
        srv.start()
        self.assertEqual(srv.get("/readyz").status, 200)

    def test_a_publisher_key_that_does_not_open_the_stored_secrets_stops_the_node(self):
        srv = self.start_server()
        r = srv.post("/v1/publishers", {"name": "Acme", "kind": "dealer",
                                        "contact": "ops@acme.example"})
        self.assertEqual(r.status, 202, r)
        approved = harness.run_cli(["publishers", "approve", r.body["id"],
                                    "--data-dir", srv.data_dir])
        self.assertEqual(approved.returncode, 0, approved)
        self.assertEqual(srv.stop(), 0)

        path = os.path.join(srv.data_dir, "publisher-secrets.key")
        kept = path + ".kept"
        shutil.copy2(path, kept)
        with open(path, "wb") as f:
            f.write(os.urandom(32))
        with self.assertRaises(harness.ServerError):
            srv.start()
        err = srv.stderr_text()
        self.assertIn("publisher-secrets.key does not open the publishers' secrets", err)
        self.assertIn("copy it from a node that serves this database", err)

        # A missing file is created anew at start, and does not fit either.
        os.remove(path)
        with self.assertRaises(harness.ServerError):
            srv.start()

        shutil.copy2(kept, path)
        srv.start()
        self.assertEqual(srv.get("/readyz").status, 200)

    def test_a_new_database_takes_any_key_files(self):
        srv = self.start_server()
        self.assertEqual(srv.get("/readyz").status, 200)
        self.assertEqual(srv.stop(), 0)
        for name in ("issuer-keys.toml", "publisher-secrets.key"):
            os.remove(os.path.join(srv.data_dir, name))
        srv.start()  # nothing in the database was made with the old ones
        self.assertEqual(srv.get("/readyz").status, 200)


if __name__ == "__main__":
    unittest.main()
