"""Running a fleet of piles (issue 10): the password limiter cannot be turned against a pile by a
stranger; a pile registered unapproved is answered Pending until an operator approves it; and
operator commands that would undo a vehicle lock are refused while it holds."""

import base64
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import ocpp_helpers as oh  # noqa: E402
from sharing_helpers import create_vehicle, open_ws  # noqa: E402
from test_ocpp_interop import ChargePoint, ensure_node_modules, utc  # noqa: E402

STRANGER = "127.0.0.2"  # still loopback: Linux routes all of 127/8 to lo


def upgrade_from(port, source, cp_id, password):
    """The pile's WebSocket upgrade sent from `source`; returns the response status."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = ("GET /ocpp/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: ocpp1.6\r\nAuthorization: %s\r\n\r\n"
               % (cp_id, port, key, oh.basic(cp_id, password)))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(5.0)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(request.encode())
        response, how, raw = harness.read_response(s, 5.0)
        if response is None:
            parsed = harness.parse_response_head(raw)
            if parsed is None:
                raise AssertionError("no response (%s): %r" % (how, raw))
            return parsed[0]
        return response.status


class PasswordLimiter(harness.PaddockTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.operator = oh.make_operator(cls.server)

    def test_a_stranger_failing_a_piles_password_does_not_keep_it_out(self):
        cp = oh.register(self.server, self.operator)
        statuses = [upgrade_from(self.server.port, STRANGER, cp, "not-the-password-1")
                    for _ in range(7)]
        self.assertEqual(statuses[:5], [401] * 5)
        self.assertEqual(statuses[5:], [429] * 2)
        # The stranger stays limited for this pile, even with the right password...
        self.assertEqual(upgrade_from(self.server.port, STRANGER, cp, oh.PASSWORD), 429)
        # ...while the pile itself, from its own address, connects and boots.
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        self.assertEqual(oh.Pile(ws).boot()["status"], "Accepted")

    def test_brute_force_from_one_address_stays_bounded_across_piles(self):
        # 50 failures per address in the window, whichever piles they aim at.
        piles = [oh.register(self.server, self.operator) for _ in range(11)]
        source = "127.0.0.3"
        statuses = []
        for cp in piles:
            for _ in range(5):
                if len(statuses) < 51:
                    statuses.append(upgrade_from(self.server.port, source, cp, "wrong-password-42"))
        self.assertEqual(statuses[:50], [401] * 50)
        self.assertEqual(statuses[50], 429)


class WithPeers(harness.PaddockTestCase):
    """Piles played by npm ocpp-rpc in strict mode (test_ocpp_interop.ChargePoint)."""

    @classmethod
    def setUpClass(cls):
        ensure_node_modules()
        cls.server = cls.start_class_server()
        cls.operator = oh.make_operator(cls.server)

    def peer(self, cp_id):
        peer = ChargePoint(self.server, cp_id)
        self.addCleanup(peer.close)
        peer.next(("open",))
        return peer

    def owner_with_car(self):
        owner = harness.new_user(self.server)
        car = create_vehicle(self.server, owner)
        tag = "RF-" + car["id"][-10:]
        r = self.server.request("PUT", "/v1/vehicles/%s/anti-theft" % car["id"], token=owner.token,
                                body={"low_charge_threshold_percent": 20, "id_tags": [tag]})
        self.assertEqual(r.status, 200, r.body)
        stream, _ = open_ws(self.server, owner)
        self.addCleanup(stream.close)
        return owner, car, tag, stream

    def start(self, peer, tag, connector=1):
        return peer.result("StartTransaction", {"connectorId": connector, "idTag": tag,
                                                "meterStart": 0, "timestamp": utc(60)})

    def lock(self, owner, car):
        return self.server.post("/v1/vehicles/%s/lock" % car["id"],
                                {"reason": "stolen", "password": owner.password},
                                token=owner.token)

    def lock_state(self, owner, car):
        r = self.server.get("/v1/vehicles/%s/lock" % car["id"], token=owner.token)
        self.assertEqual(r.status, 200, r.body)
        return r.body["state"]

    def lock_states(self, stream, n):
        events = stream.recv_events(n)
        self.assertEqual({e["type"] for e in events}, {"vehicle.lock_state"}, events)
        return [e["lock"]["state"] for e in events]

    def operator_call(self, cp, action, payload):
        return self.server.post("/v1/charge-points/%s/calls" % cp,
                                {"action": action, "payload": payload}, token=self.operator.token,
                                timeout=20)

    def server_calls(self, peer, at_least=0, timeout=5.0):
        """The server's CALLs the peer has logged, after waiting (bounded) for `at_least` of
        them. The peer logs a CALL before answering it, but its output is read on another
        thread, so the answer can reach the test (as an operator's 200) before the line does."""
        deadline = time.monotonic() + timeout
        while True:
            calls = [line["action"] for line in peer.lines if line["kind"] == "server_call"]
            if len(calls) >= at_least or time.monotonic() >= deadline:
                return calls
            time.sleep(0.01)


class OperatorCommandsAndLocks(WithPeers):
    def test_commands_that_would_undo_a_lock_are_refused(self):
        owner, car, tag, stream = self.owner_with_car()
        cp = oh.register(self.server, self.operator)
        pile = self.peer(cp)
        pile.result("BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "M"})
        tx = self.start(pile, tag, connector=2)["transactionId"]
        pile.answer("DataTransfer", result={"status": "Accepted"})
        r = self.lock(owner, car)
        self.assertEqual(r.status, 202, r.body)
        lock_id = r.body["id"]
        self.assertEqual(pile.next(("server_call",))["action"], "DataTransfer")
        self.assertEqual(self.lock_states(stream, 2), ["requested", "locked"])

        refused = [("Reset", {"type": "Hard"}),
                   ("Reset", {"type": "Soft"}),
                   ("ChangeAvailability", {"connectorId": 2, "type": "Operative"}),
                   ("ChangeAvailability", {"connectorId": 0, "type": "Operative"}),
                   ("ClearChargingProfile", {}),
                   ("ClearChargingProfile", {"id": 7011}),
                   ("UnlockConnector", {"connectorId": 2}),
                   ("RemoteStopTransaction", {"transactionId": tx})]
        for action, payload in refused:
            r = self.operator_call(cp, action, payload)
            self.assertProblem(r, 409, "vehicle_locked")
            self.assertIn(lock_id, r.body["detail"], (action, r.body))
        # Nothing refused reached the pile; calls that leave the lock alone still work.
        self.assertEqual(self.server_calls(pile), ["DataTransfer"])
        pile.answer("GetConfiguration", result={"configurationKey": [
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"}]})
        r = self.operator_call(cp, "GetConfiguration", {"key": ["HeartbeatInterval"]})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["result"]["configurationKey"][0]["value"], "300")
        pile.answer("ChangeAvailability", result={"status": "Accepted"})
        r = self.operator_call(cp, "ChangeAvailability", {"connectorId": 1, "type": "Operative"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.server_calls(pile, at_least=3),
                         ["DataTransfer", "GetConfiguration", "ChangeAvailability"])
        self.assertEqual(self.lock_state(owner, car), "locked")
        self.assertEqual(pile.strict_failures(), [])

        # Released, the same commands pass again.
        r = self.server.post("/v1/vehicles/%s/unlock" % car["id"], {"password": owner.password},
                             token=owner.token)
        self.assertEqual(r.status, 200, r.body)
        pile.answer("Reset", result={"status": "Accepted"})
        r = self.operator_call(cp, "Reset", {"type": "Soft"})
        self.assertEqual(r.status, 200, r.body)

    def test_a_reset_on_a_pile_without_a_lock_changes_nothing(self):
        owner, car, tag, stream = self.owner_with_car()
        locked_cp = oh.register(self.server, self.operator)
        locked = self.peer(locked_cp)
        locked.result("BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "M"})
        self.start(locked, tag)
        locked.answer("DataTransfer", result={"status": "Accepted"})
        self.assertEqual(self.lock(owner, car).status, 202)
        self.assertEqual(self.lock_states(stream, 2), ["requested", "locked"])

        other_cp = oh.register(self.server, self.operator)
        other = self.peer(other_cp)
        other.result("BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "M"})
        other.answer("Reset", result={"status": "Accepted"})
        r = self.operator_call(other_cp, "Reset", {"type": "Hard"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["result"], {"status": "Accepted"})
        # The pile reboots and boots again: no lock is on it, nothing is sent to it.
        self.assertEqual(other.result("BootNotification", {"chargePointVendor": "Acme",
                                                           "chargePointModel": "M"})["status"],
                         "Accepted")
        self.assertEqual(self.server_calls(other, at_least=1), ["Reset"])
        self.assertEqual(self.lock_state(owner, car), "locked")
        self.assertEqual(self.server_calls(locked), ["DataTransfer"])
        self.assertEqual(other.strict_failures(), [])


class Approval(WithPeers):
    def register_pending(self):
        cp = oh.new_charge_point_id("NEW")
        r = self.server.post("/v1/charge-points", {"id": cp, "password": oh.PASSWORD,
                                                   "vendor": "Acme", "model": "M",
                                                   "approved": False}, token=self.operator.token)
        self.assertEqual(r.status, 201, r.body)
        self.assertFalse(r.body["approved"])
        return cp

    def boot(self, peer):
        return peer.result("BootNotification", {"chargePointVendor": "Acme",
                                                "chargePointModel": "M"})

    def test_registration_approval_and_who_may_approve(self):
        r = self.server.post("/v1/charge-points", {"id": oh.new_charge_point_id(),
                                                   "password": oh.PASSWORD, "vendor": "A",
                                                   "model": "M", "approved": "no"},
                             token=self.operator.token)
        self.assertProblem(r, 422, "invalid_field", "approved")
        cp = self.register_pending()
        view = self.server.get("/v1/charge-points/" + cp, token=self.operator.token)
        self.assertFalse(view.body["approved"])
        self.assertTrue(self.server.get("/v1/charge-points/" + oh.register(
            self.server, self.operator), token=self.operator.token).body["approved"])
        path = "/v1/charge-points/%s/approve" % cp
        self.assertProblem(self.server.post(path, {}), 401, "unauthorized")
        stranger = harness.new_user(self.server)
        self.assertProblem(self.server.post(path, {}, token=stranger.token), 403,
                           "operator_required")
        other_operator = oh.make_operator(self.server)
        self.assertProblem(self.server.post(path, {}, token=other_operator.token), 404,
                           "not_found")
        self.assertProblem(self.server.post("/v1/charge-points/nope/approve", {},
                                            token=self.operator.token), 404, "not_found")
        self.assertFalse(self.server.get("/v1/charge-points/" + cp,
                                         token=self.operator.token).body["approved"])
        for _ in range(2):  # idempotent
            r = self.server.post(path, {}, token=self.operator.token)
            self.assertEqual(r.status, 200, r.body)
            self.assertTrue(r.body["approved"])
        listed = self.server.get("/v1/charge-points", token=self.operator.token).body
        self.assertIn(cp, [c["id"] for c in listed["charge_points"] if c["approved"]])

    def test_a_pending_pile_then_approved_and_a_lock_waiting_for_it(self):
        owner, car, tag, stream = self.owner_with_car()
        cp = self.register_pending()
        pile = self.peer(cp)
        booted = self.boot(pile)
        self.assertEqual((booted["status"], booted["interval"]), ("Pending", 60))
        # What reports is answered; what would act is refused with SecurityError.
        self.assertEqual(pile.result("Heartbeat", {}).keys(), {"currentTime"})
        pile.result("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                           "status": "Preparing"})
        for action, payload in (("Authorize", {"idTag": tag}),
                                ("StartTransaction", {"connectorId": 1, "idTag": tag,
                                                      "meterStart": 0, "timestamp": utc(30)}),
                                ("DataTransfer", {"vendorId": "com.paddock"})):
            line = pile.call(action, payload)
            self.assertEqual((line["kind"], line["code"]), ("call_error", "SecurityError"), line)
        view = self.server.get("/v1/charge-points/" + cp, token=self.operator.token).body
        self.assertEqual((view["online"], view["approved"], view["running_transactions"]),
                         (True, False, []))

        # The operator may read and change its configuration, nothing else.
        pile.answer("GetConfiguration", result={"configurationKey": []})
        r = self.operator_call(cp, "GetConfiguration", {})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(pile.next(("server_call",))["action"], "GetConfiguration")
        for action, payload in (("RemoteStartTransaction", {"idTag": tag}),
                                ("Reset", {"type": "Soft"})):
            self.assertProblem(self.operator_call(cp, action, payload), 503,
                               "charge_point_pending")

        # The owner locks meanwhile: the car is on no accepted pile, so the lock waits.
        pile.answer("DataTransfer", result={"status": "Accepted"})
        r = self.lock(owner, car)
        self.assertEqual(r.status, 202, r.body)
        self.assertEqual(self.lock_states(stream, 2), ["requested", "pending_plug_in"])

        # Approved: the connected pile is asked to boot again and is Accepted at once.
        pile.answer("TriggerMessage", result={"status": "Accepted"})
        r = self.server.post("/v1/charge-points/%s/approve" % cp, {}, token=self.operator.token)
        self.assertEqual(r.status, 200, r.body)
        call = pile.next(("server_call",))
        self.assertEqual((call["action"], call["params"]),
                         ("TriggerMessage", {"requestedMessage": "BootNotification"}))
        self.assertNotIn("DataTransfer", self.server_calls(pile))
        booted = self.boot(pile)
        self.assertEqual((booted["status"], booted["interval"]), ("Accepted", 300))
        # Now it charges the car, and the waiting lock acts on it.
        tx = self.start(pile, tag)
        self.assertEqual(tx["idTagInfo"]["status"], "Accepted")
        call = pile.next(("server_call",))
        self.assertEqual((call["action"], call["params"]["messageId"]),
                         ("DataTransfer", "LockVehicle"))
        self.assertEqual(self.lock_states(stream, 2), ["requested", "locked"])
        self.assertEqual(pile.strict_failures(), [])

    def test_an_approved_pile_reconnecting_without_booting_is_accepted(self):
        cp = self.register_pending()
        pile = self.peer(cp)
        self.assertEqual(self.boot(pile)["status"], "Pending")
        pile.close()
        self.assertEqual(self.server.post("/v1/charge-points/%s/approve" % cp, {},
                                          token=self.operator.token).status, 200)
        again = self.peer(cp)
        self.assertEqual(again.result("Authorize", {"idTag": "ANY-TAG"})["idTagInfo"]["status"],
                         "Accepted")


if __name__ == "__main__":
    unittest.main()
