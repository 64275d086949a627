"""Keys end with what they were bound to (issue 8 follow-ups): removing the holder's device
revokes the keys bound to it (issued and offered), with the vehicle's revocation list listing
the credential, an audit line by the user and key.revoked to the owner and the holder; a vehicle
transfer revokes every offered or issued key of the vehicle and removes its head units, so the
old owner's key setup does not carry over to the new owner.

Runs alone: ``python3 -m unittest -v tests/integration/test_key_lifecycle_hooks.py``.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import car_helpers as car  # noqa: E402
from sharing_helpers import check, create_vehicle  # noqa: E402
from test_key_shares import Device, KeySharesBase  # noqa: E402


def listed_ids(server, vehicle_id, owner):
    """(version header, the credential ids the signed list carries, base64url)."""
    status, headers, data = car.get_revocations(server, vehicle_id, token=owner.token)
    if status != 200:
        raise AssertionError("revocations: %s %r" % (status, data))
    _, payload, _ = car.decode_sign1(data)
    ids = set()
    for value in payload.values():
        if isinstance(value, list):
            ids |= {harness.b64url(v) for v in value if isinstance(v, bytes)}
    return int(headers["paddock-revocation-version"]), ids


class KeysEndWithTheirDeviceAndOwner(KeySharesBase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        s = self.server
        self.owner = harness.new_user(s, "own")
        self.vid = create_vehicle(s, self.owner)["id"]
        self.holder = harness.new_user(s, "hol")
        self.phone = Device(s, self.holder, "phone", primary=True)
        self.tablet = Device(s, self.holder, "tablet")

    def test_deleting_the_phone_revokes_its_keys(self):
        s = self.server
        issued = self.share(self.owner, self.vid, self.holder)["id"]
        accepted = check(self.accept(self.holder, issued, self.phone), 200)
        cti = accepted["credential_id"]
        offered = self.share(self.owner, self.vid, self.holder)["id"]
        elsewhere = self.share(self.owner, self.vid, self.holder, device_id=self.tablet.id)["id"]
        version_before, ids = listed_ids(s, self.vid, self.owner)
        self.assertNotIn(cti, ids)

        # Nobody else removes the phone, and that changes nothing.
        stranger = harness.new_user(s, "str")
        self.assertProblem(s.delete("/v1/devices/%s" % self.phone.id, token=stranger.token),
                           404, "not_found")
        self.assertEqual(check(s.get("/v1/key-shares/%s" % issued, token=self.holder.token),
                               200)["status"], "issued")

        r = s.delete("/v1/devices/%s" % self.phone.id, token=self.holder.token)
        self.assertIn(r.status, (200, 204), r.body)

        for sid in (issued, offered):
            got = check(s.get("/v1/key-shares/%s" % sid, token=self.owner.token), 200)
            self.assertEqual(got["status"], "revoked", sid)
        self.assertEqual(check(s.get("/v1/key-shares/%s" % elsewhere, token=self.owner.token),
                               200)["status"], "offered")
        version, ids = listed_ids(s, self.vid, self.owner)
        self.assertIn(cti, ids)
        self.assertGreater(version, version_before)

        audit = check(s.get("/v1/vehicles/%s/key-audit" % self.vid, token=self.owner.token),
                      200)["audit"]
        lines = [a for a in audit if a["action"] == "revoked"]
        self.assertEqual({a.get("share_id") for a in lines}, {issued, offered})
        for line in lines:
            self.assertEqual(line["actor"], {"kind": "user", "id": self.holder.id})
            self.assertIn("device removed", line["detail"])
        for user in (self.owner, self.holder):
            self.assertIn("key.revoked", [t for t, _ in self.key_events(user, issued)])


    def test_a_transfer_revokes_the_old_owners_keys_and_head_units(self):
        s = self.server
        issued = self.share(self.owner, self.vid, self.holder)["id"]
        cti = check(self.accept(self.holder, issued, self.phone), 200)["credential_id"]
        offered = self.share(self.owner, self.vid, self.holder)["id"]
        car.add_head_unit(s, self.owner, self.vid)
        version_before, _ = listed_ids(s, self.vid, self.owner)
        buyer = harness.new_user(s, "buy")

        check(s.post("/v1/vehicles/%s/transfer" % self.vid, {"new_owner_id": buyer.id},
                     token=self.owner.token), 200, "transfer")

        for sid in (issued, offered):
            self.assertEqual(check(s.get("/v1/key-shares/%s" % sid, token=self.holder.token),
                                   200)["status"], "revoked", sid)
        version, ids = listed_ids(s, self.vid, buyer)
        self.assertIn(cti, ids)
        self.assertGreater(version, version_before)
        units = check(s.get("/v1/vehicles/%s/head-units" % self.vid, token=buyer.token), 200)
        self.assertEqual(units["head_units"], [])
        keys = check(s.get("/v1/vehicles/%s/keys" % self.vid, token=buyer.token), 200)
        self.assertTrue(all(k["status"] == "revoked" for k in keys["keys"]), keys)
        audit = check(s.get("/v1/vehicles/%s/key-audit" % self.vid, token=buyer.token),
                      200)["audit"]
        lines = [a for a in audit if a["action"] == "revoked"]
        self.assertEqual({a.get("share_id") for a in lines}, {issued, offered})
        for line in lines:
            self.assertIn("vehicle transferred", line["detail"])
        self.assertIn("key.revoked", [t for t, _ in self.key_events(self.holder, issued)])
        # The old owner is a stranger now: the vehicle's keys are not theirs to see.
        self.assertProblem(s.get("/v1/vehicles/%s/keys" % self.vid, token=self.owner.token),
                           404, "not_found")


if __name__ == "__main__":
    unittest.main()
