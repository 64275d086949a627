"""Issue 11, item 3: the third way to be a publisher's customer, owning a vehicle the publisher
serves. An owner names the providers serving their vehicle (PUT/DELETE
/v1/vehicles/{id}/service-providers/{publisherId}; GET for owner and co-owners); a targeted
message then reaches that owner. The relation ends with the vehicle's transfer. Nobody but the
owner changes it, nobody outside the vehicle's members reads it.

Runs alone: ``python3 -m unittest -v tests/integration/test_service_providers.py``.
"""

import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sharing_helpers import create_vehicle, follow  # noqa: E402
from test_publishers import PublisherHubTest  # noqa: E402


def load_tests(loader, tests, pattern):
    """Only this file's cases: the base class brings the hub's helpers, not its tests."""
    return unittest.TestSuite(ServiceProvidersTest(name) for name in ServiceProvidersTest.__dict__
                              if name.startswith("test_"))


class ServiceProvidersTest(PublisherHubTest):

    def providers_path(self, vehicle_id, pid=None):
        return "/v1/vehicles/%s/service-providers%s" % (vehicle_id, "/" + pid if pid else "")

    def name(self, user, vehicle_id, pid):
        return self.server.request("PUT", self.providers_path(vehicle_id, pid), token=user.token)

    def test_an_owner_of_a_served_vehicle_is_the_publishers_customer(self):
        pid, secret = self.new_publisher("repair")
        owner = harness.new_user(self.server, "own")
        vehicle = create_vehicle(self.server, owner)
        ws = self.stream(owner)
        # Not a customer yet: refused, and nothing arrives.
        self.assertProblem(self.push(pid, secret, "m-" + uuid.uuid4().hex[:8],
                                     {"user_ids": [owner.id]}), 422, "not_a_customer")
        self.assertSilent(ws)
        r = self.name(owner, vehicle["id"], pid)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.name(owner, vehicle["id"], pid).status, 204, "idempotent")
        listed = self.server.get(self.providers_path(vehicle["id"]), token=owner.token)
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual([p["publisher_id"] for p in listed.body["service_providers"]], [pid])
        message_id = "m-" + uuid.uuid4().hex[:8]
        r = self.push(pid, secret, message_id, {"user_ids": [owner.id]}, title="Service due")
        self.assertIn(r.status, (200, 201), r)
        frame = self.next_publisher_frame(ws)
        self.assertEqual(frame["type"], "publisher.message")
        self.assertEqual(frame["item"]["id"], pid + "-" + message_id)
        # The owner ends it: the next targeted message is refused again.
        r = self.server.delete(self.providers_path(vehicle["id"], pid), token=owner.token)
        self.assertEqual(r.status, 204, r)
        self.assertProblem(self.server.delete(self.providers_path(vehicle["id"], pid),
                                              token=owner.token), 404, "not_found")
        self.assertProblem(self.push(pid, secret, "m-" + uuid.uuid4().hex[:8],
                                     {"user_ids": [owner.id]}), 422, "not_a_customer")

    def test_only_the_owner_names_providers_and_only_members_read_them(self):
        pid, _ = self.new_publisher("insurer")
        owner = harness.new_user(self.server, "own")
        vehicle = create_vehicle(self.server, owner)
        fan = harness.new_user(self.server, "fan")
        follow(self.server, fan, vehicle)
        stranger = harness.new_user(self.server, "str")
        for user, code in ((fan, "forbidden"), (stranger, "not_found")):
            with self.subTest(user=user.username):
                r = self.name(user, vehicle["id"], pid)
                self.assertEqual(r.status, 403 if code == "forbidden" else 404, r)
                r = self.server.get(self.providers_path(vehicle["id"]), token=user.token)
                self.assertIn(r.status, (403, 404), r)
        r = self.server.request("PUT", self.providers_path(vehicle["id"], pid))
        self.assertEqual(r.status, 401, r)
        # Unknown and pending publishers cannot be named.
        self.assertProblem(self.name(owner, vehicle["id"], "DL0000000000000000"), 404,
                           "not_found")
        pending = self.register("dealer")
        r = self.name(owner, vehicle["id"], pending)
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.headers.get("content-type"), "application/problem+json", r)

    def test_a_transfer_ends_what_the_old_owner_named(self):
        pid, _ = self.new_publisher("dealer")
        owner = harness.new_user(self.server, "own")
        buyer = harness.new_user(self.server, "buy")
        vehicle = create_vehicle(self.server, owner)
        self.assertEqual(self.name(owner, vehicle["id"], pid).status, 201)
        r = self.server.post("/v1/vehicles/%s/transfer" % vehicle["id"],
                             {"new_owner_id": buyer.id}, token=owner.token)
        self.assertEqual(r.status, 200, r)
        listed = self.server.get(self.providers_path(vehicle["id"]), token=buyer.token)
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual(listed.body["service_providers"], [])


if __name__ == "__main__":
    unittest.main()
