"""The vehicle lock workflow (issue 10 item 6) with raw OCPP-J piles: the owner locks with their
password; a pile that knows the vendor DataTransfer LockVehicle is locked by it, one that does
not gets the standard levers; unlock reverses what was applied; every transition reaches the
owner's stream; a lock for an offline pile or a car on no pile waits and acts when the pile
connects or a session places the car; a pile that reboots mid-lock is locked again; and who
may do what."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import ocpp_helpers as oh  # noqa: E402
from sharing_helpers import create_vehicle, follow, open_ws  # noqa: E402

NOW = "2026-11-28T12:00:00Z"


class LockWorkflow(harness.PaddockTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.operator = oh.make_operator(cls.server)

    # -- helpers -------------------------------------------------------------
    def car(self):
        owner = harness.new_user(self.server)
        car = create_vehicle(self.server, owner)
        tag = "TAG-" + car["id"][-10:]
        r = self.server.request("PUT", "/v1/vehicles/%s/anti-theft" % car["id"], token=owner.token,
                                body={"low_charge_threshold_percent": 20, "id_tags": [tag]})
        self.assertEqual(r.status, 200, r.body)
        stream, _ = open_ws(self.server, owner)
        self.addCleanup(stream.close)
        return owner, car, tag, stream

    def pile(self, cp=None):
        cp = cp or oh.register(self.server, self.operator)
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        pile = oh.Pile(ws)
        pile.boot()
        return cp, pile

    def start(self, pile, tag, connector=1):
        return pile.result("StartTransaction", {"connectorId": connector, "idTag": tag,
                                                "meterStart": 0, "timestamp": NOW})["transactionId"]

    def lock(self, owner, car, password=None, reason="stolen from the driveway"):
        return self.server.post("/v1/vehicles/%s/lock" % car["id"],
                                {"reason": reason, "password": password or owner.password},
                                token=owner.token)

    def unlock(self, owner, car, password=None):
        return self.server.post("/v1/vehicles/%s/unlock" % car["id"],
                                {"password": password or owner.password}, token=owner.token)

    def expect_call(self, pile, action, timeout=5.0):
        message = pile.ws.recv_json(timeout)
        self.assertEqual(message[0], 2, message)
        self.assertEqual(message[2], action, message)
        return message

    def reply(self, pile, call, payload):
        pile.send([3, call[1], payload])

    def states(self, stream, n):
        events = stream.recv_events(n)
        for e in events:
            self.assertEqual(e["type"], "vehicle.lock_state", e)
        return [e["lock"]["state"] for e in events]

    def get_lock(self, owner, car):
        r = self.server.get("/v1/vehicles/%s/lock" % car["id"], token=owner.token)
        self.assertEqual(r.status, 200, r.body)
        return r.body

    # -- tests ----------------------------------------------------------------
    def test_a_pile_that_knows_lock_vehicle(self):
        owner, car, tag, stream = self.car()
        cp, pile = self.pile()
        tx = self.start(pile, tag, connector=2)
        r = self.lock(owner, car)
        self.assertEqual(r.status, 202, r.body)
        self.assertEqual((r.body["state"], r.body["charge_point_id"], r.body["connector_id"],
                          r.body["transaction_id"]), ("requested", cp, 2, tx))
        call = self.expect_call(pile, "DataTransfer")
        self.assertEqual((call[3]["vendorId"], call[3]["messageId"]), ("com.paddock", "LockVehicle"))
        self.assertEqual(json.loads(call[3]["data"])["transactionId"], tx)
        self.assertEqual(json.loads(call[3]["data"])["connectorId"], 2)
        self.reply(pile, call, {"status": "Accepted"})
        self.assertEqual(self.states(stream, 2), ["requested", "locked"])
        lock = self.get_lock(owner, car)
        self.assertEqual(lock["state"], "locked")
        self.assertEqual(lock["levers"]["vendor_lock"], {"status": "Accepted", "applied": True})
        self.assertGreaterEqual(len(lock["audit"]), 2)
        self.assertTrue(lock["audit"][0]["note"].startswith("requested by the owner"))

        # While locked: other tags are Blocked, the car's own is not; no unlocking the cable.
        self.assertEqual(pile.result("Authorize", {"idTag": "SOMEONE-ELSE"})["idTagInfo"]["status"],
                         "Blocked")
        self.assertEqual(pile.result("StopTransaction", {"transactionId": tx, "meterStop": 10,
                                                         "timestamp": NOW, "idTag": "THIEF"}),
                         {"idTagInfo": {"status": "Blocked"}})
        # Nor may another tag start anew on the held connector: Blocked, the lock's session stays.
        started = pile.result("StartTransaction", {"connectorId": 2, "idTag": "THIEF",
                                                   "meterStart": 20, "timestamp": NOW})
        self.assertEqual(started["idTagInfo"]["status"], "Blocked")
        self.assertNotEqual(started["transactionId"], tx)
        view = self.server.get("/v1/charge-points/%s" % cp, token=self.operator.token)
        self.assertEqual(view.status, 200, view)
        self.assertIn(tx, [t["transaction_id"] for t in view.body["running_transactions"]])
        for action, payload in (("UnlockConnector", {"connectorId": 2}),
                                ("RemoteStopTransaction", {"transactionId": tx})):
            self.assertProblem(self.server.post("/v1/charge-points/%s/calls" % cp,
                                                {"action": action, "payload": payload},
                                                token=self.operator.token), 409, "vehicle_locked")
        self.assertProblem(self.lock(owner, car), 409, "lock_active")

        r = self.unlock(owner, car)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["state"], "released")
        call = self.expect_call(pile, "DataTransfer")
        self.assertEqual(call[3]["messageId"], "UnlockVehicle")
        self.reply(pile, call, {"status": "Accepted"})
        self.assertEqual(self.states(stream, 1), ["released"])
        self.assertEqual(pile.result("Authorize", {"idTag": "SOMEONE-ELSE"})["idTagInfo"]["status"],
                         "Accepted")
        self.assertProblem(self.unlock(owner, car), 409, "not_locked")

    def test_the_levers_on_a_pile_that_does_not(self):
        owner, car, tag, stream = self.car()
        cp, pile = self.pile()
        tx = self.start(pile, tag)
        self.assertEqual(self.lock(owner, car).status, 202)
        call = self.expect_call(pile, "DataTransfer")
        self.reply(pile, call, {"status": "UnknownVendorId"})
        config = self.expect_call(pile, "ChangeConfiguration")
        self.assertEqual(config[3], {"key": "UnlockConnectorOnEVSideDisconnect", "value": "false"})
        self.reply(pile, config, {"status": "Accepted"})
        profile = self.expect_call(pile, "SetChargingProfile")
        schedule = profile[3]["csChargingProfiles"]
        self.assertEqual((schedule["chargingProfilePurpose"], schedule["transactionId"],
                          schedule["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]),
                         ("TxProfile", tx, 0))
        self.reply(pile, profile, {"status": "Accepted"})
        availability = self.expect_call(pile, "ChangeAvailability")
        self.assertEqual(availability[3], {"connectorId": 1, "type": "Inoperative"})
        self.reply(pile, availability, {"status": "Rejected"})
        self.assertEqual(self.states(stream, 2), ["requested", "partially_locked"])
        levers = {l["name"]: l for l in self.get_lock(owner, car)["levers"]["levers"]}
        self.assertEqual({name: l["applied"] for name, l in levers.items()},
                         {"keep_cable_locked": True, "zero_current": True, "inoperative": False,
                          "refuse_other_id_tags": True})

        self.assertEqual(self.unlock(owner, car).status, 200)
        back = self.expect_call(pile, "ChangeConfiguration")
        self.assertEqual(back[3]["value"], "true")
        self.reply(pile, back, {"status": "Accepted"})
        clear = self.expect_call(pile, "ClearChargingProfile")
        self.assertEqual(clear[3], {"id": 7011})
        self.reply(pile, clear, {"status": "Accepted"})
        # Inoperative was refused, so nothing to put back.
        self.assertEqual(pile.ws.expect_silence(0.5), [])
        self.assertEqual(self.states(stream, 1), ["released"])

    def test_a_pile_offline_at_lock_time_is_locked_when_it_connects(self):
        owner, car, tag, stream = self.car()
        cp, pile = self.pile()
        self.start(pile, tag)
        pile.ws.close()
        harness.eventually(lambda: self.assertFalse(
            self.server.get("/v1/charge-points/" + cp, token=self.operator.token).body["online"]))
        self.assertEqual(self.lock(owner, car).status, 202)
        self.assertEqual(self.states(stream, 2), ["requested", "pending_plug_in"])
        _, back = self.pile(cp)  # reconnects and boots
        call = self.expect_call(back, "DataTransfer")
        self.assertEqual(call[3]["messageId"], "LockVehicle")
        self.reply(back, call, {"status": "Accepted"})
        self.assertEqual(self.states(stream, 2), ["requested", "locked"])

    def test_a_car_on_no_pile_is_locked_when_a_session_places_it(self):
        owner, car, tag, stream = self.car()
        self.assertEqual(self.lock(owner, car).status, 202)
        self.assertEqual(self.states(stream, 2), ["requested", "pending_plug_in"])
        self.assertEqual(self.get_lock(owner, car)["charge_point_id"], None)
        cp, pile = self.pile()
        tx = self.start(pile, tag, connector=3)
        call = self.expect_call(pile, "DataTransfer")
        self.assertEqual(json.loads(call[3]["data"])["transactionId"], tx)
        self.reply(pile, call, {"status": "Accepted"})
        self.assertEqual(self.states(stream, 2), ["requested", "locked"])
        self.assertEqual(self.get_lock(owner, car)["charge_point_id"], cp)

    def test_a_pile_that_reads_the_vin_places_the_car(self):
        owner = harness.new_user(self.server)
        from sharing_helpers import random_vin
        car = create_vehicle(self.server, owner, vin=random_vin())
        stream, _ = open_ws(self.server, owner)
        self.addCleanup(stream.close)
        self.assertEqual(self.lock(owner, car).status, 202)
        self.assertEqual(self.states(stream, 2), ["requested", "pending_plug_in"])
        cp, pile = self.pile()
        tx = self.start(pile, "GUEST-CARD", connector=1)
        self.assertEqual(pile.result("DataTransfer", {
            "vendorId": "com.paddock", "messageId": "VehicleConnected",
            "data": json.dumps({"connectorId": 1, "vin": "x"})}), {"status": "Rejected",
                                                                 "data": "expected {\"connectorId\",\"vin\"}"})
        self.assertEqual(pile.result("DataTransfer", {
            "vendorId": "com.paddock", "messageId": "VehicleConnected",
            "data": json.dumps({"connectorId": 1, "vin": car["vin"].lower()})}),
            {"status": "Accepted"})
        call = self.expect_call(pile, "DataTransfer")
        self.assertEqual((call[3]["messageId"], json.loads(call[3]["data"])["vin"]),
                         ("LockVehicle", car["vin"]))
        self.reply(pile, call, {"status": "Accepted"})
        self.assertEqual(self.states(stream, 2), ["requested", "locked"])
        self.assertEqual(self.get_lock(owner, car)["transaction_id"], tx)
        self.assertEqual(pile.result("DataTransfer", {"vendorId": "com.paddock",
                                                      "messageId": "Other"}),
                         {"status": "UnknownMessageId"})

    def test_a_pile_that_drops_before_answering_lock_vehicle_gets_it_again(self):
        owner, car, tag, stream = self.car()
        cp, pile = self.pile()
        self.start(pile, tag)
        self.assertEqual(self.lock(owner, car).status, 202)
        self.expect_call(pile, "DataTransfer")
        pile.ws.close()  # gone before answering: no fallback, no failure
        self.assertEqual(self.states(stream, 1), ["requested"])
        harness.eventually(lambda: self.assertIn(
            "waiting for the pile", self.get_lock(owner, car)["audit"][-1]["note"]), timeout=5)
        self.assertEqual(self.get_lock(owner, car)["state"], "requested")
        _, back = self.pile(cp)
        call = self.expect_call(back, "DataTransfer")
        self.assertEqual(call[3]["messageId"], "LockVehicle")
        self.reply(back, call, {"status": "Accepted"})
        self.assertEqual(self.states(stream, 1), ["locked"])

    def test_an_unlock_while_lock_vehicle_is_out_undoes_what_the_pile_then_accepts(self):
        owner, car, tag, stream = self.car()
        cp, pile = self.pile()
        self.start(pile, tag)
        self.assertEqual(self.lock(owner, car).status, 202)
        call = self.expect_call(pile, "DataTransfer")
        self.assertEqual(call[3]["messageId"], "LockVehicle")
        r = self.unlock(owner, car)  # the owner found the car while the pile was still deciding
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.states(stream, 2), ["requested", "released"])
        self.reply(pile, call, {"status": "Accepted"})  # ...and then the pile locks it
        undo = self.expect_call(pile, "DataTransfer")
        self.assertEqual(undo[3]["messageId"], "UnlockVehicle")
        self.reply(pile, undo, {"status": "Accepted"})
        lock = self.get_lock(owner, car)
        self.assertEqual(lock["state"], "released")
        self.assertTrue(lock["levers"]["vendor_lock"]["applied"])
        self.assertTrue(any("after the lock was released" in a["note"] for a in lock["audit"]))

    def test_a_pile_rebooting_mid_lock_is_locked_again(self):
        owner, car, tag, stream = self.car()
        cp, pile = self.pile()
        self.start(pile, tag)
        self.assertEqual(self.lock(owner, car).status, 202)
        self.reply(pile, self.expect_call(pile, "DataTransfer"), {"status": "Rejected"})
        for action in ("ChangeConfiguration", "SetChargingProfile", "ChangeAvailability"):
            self.reply(pile, self.expect_call(pile, action), {"status": "Accepted"})
        self.assertEqual(self.states(stream, 2), ["requested", "locked"])
        pile.ws.close()
        _, rebooted = self.pile(cp)
        for action in ("ChangeConfiguration", "SetChargingProfile", "ChangeAvailability"):
            self.reply(rebooted, self.expect_call(rebooted, action), {"status": "Accepted"})
        harness.eventually(lambda: self.assertIn(
            "re-applied", self.get_lock(owner, car)["audit"][-1]["note"]))
        self.assertEqual(self.get_lock(owner, car)["state"], "locked")

    def test_unlocking_while_the_pile_is_offline_reverses_the_levers_when_it_returns(self):
        owner, car, tag, stream = self.car()
        cp, pile = self.pile()
        self.start(pile, tag)
        self.assertEqual(self.lock(owner, car).status, 202)
        self.reply(pile, self.expect_call(pile, "DataTransfer"), {"status": "UnknownVendorId"})
        for action in ("ChangeConfiguration", "SetChargingProfile", "ChangeAvailability"):
            self.reply(pile, self.expect_call(pile, action), {"status": "Accepted"})
        self.assertEqual(self.states(stream, 2), ["requested", "locked"])
        pile.ws.close()
        harness.eventually(lambda: self.assertFalse(
            self.server.get("/v1/charge-points/" + cp, token=self.operator.token).body["online"]))
        self.assertEqual(self.unlock(owner, car).status, 200)
        self.assertEqual(self.states(stream, 1), ["released"])
        harness.eventually(lambda: self.assertIn(
            "offline", self.get_lock(owner, car)["audit"][-1]["note"]))
        _, back = self.pile(cp)
        for action, value in (("ChangeConfiguration", "true"), ("ClearChargingProfile", 7011),
                              ("ChangeAvailability", "Operative")):
            call = self.expect_call(back, action)
            self.assertIn(value, call[3].values())
            self.reply(back, call, {"status": "Accepted"})
        harness.eventually(lambda: self.assertTrue(
            self.get_lock(owner, car)["audit"][-1]["note"].startswith("reversed")))
        # Reversed once: a later reconnect sends nothing.
        back.ws.close()
        _, again = self.pile(cp)
        self.assertEqual(again.ws.expect_silence(0.5), [])

    def test_who_may_lock_and_unlock(self):
        owner, car, tag, stream = self.car()
        helper = harness.new_user(self.server)
        r = self.server.request("PUT", "/v1/vehicles/%s/authorized-users/%s" % (car["id"], helper.id),
                                token=owner.token)
        self.assertIn(r.status, (200, 201), r.body)
        fan = harness.new_user(self.server)
        follow(self.server, fan, car)
        stranger = harness.new_user(self.server)
        for who, status, code in ((helper, 403, "forbidden"), (fan, 403, "forbidden"),
                                  (stranger, 404, "not_found")):
            with self.subTest(who=who.username):
                self.assertProblem(self.lock(who, car), status, code)
                self.assertProblem(self.unlock(who, car), status, code)
        self.assertProblem(self.server.post("/v1/vehicles/%s/lock" % car["id"],
                                            {"reason": "x", "password": "y"}), 401, "unauthorized")
        self.assertProblem(self.lock(owner, car, password="not my password"), 401,
                           "invalid_credentials")
        self.assertProblem(self.lock(owner, car, reason=""), 422, "invalid_field", "reason")
        self.assertProblem(self.server.post("/v1/vehicles/%s/lock" % car["id"], {"reason": "x"},
                                            token=owner.token), 422, "invalid_field", "password")
        # Never locked: nothing to show; authorized users may read, followers may not.
        self.assertProblem(self.server.get("/v1/vehicles/%s/lock" % car["id"], token=owner.token),
                           404, "not_found")
        self.assertEqual(self.lock(owner, car).status, 202)
        self.assertEqual(self.server.get("/v1/vehicles/%s/lock" % car["id"],
                                         token=helper.token).status, 200)
        self.assertProblem(self.server.get("/v1/vehicles/%s/lock" % car["id"], token=fan.token),
                           403, "forbidden")
        # A stolen session is not enough: wrong passwords are limited like logins.
        statuses = [self.unlock(owner, car, password="guess %d" % i).status for i in range(6)]
        self.assertEqual(statuses[:5], [401] * 5)
        self.assertEqual(statuses[5], 429)


if __name__ == "__main__":
    unittest.main()
