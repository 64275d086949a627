"""Anti-theft (issue 10 items 4-5, first part): an owner's low-charge threshold and idTags; a
charging session started with one of the car's idTags is linked to it, and its SoC falling
below the threshold pushes `vehicle.low_charge` to the owner's stream once per crossing."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import ocpp_helpers as oh  # noqa: E402
from sharing_helpers import create_vehicle, follow, open_ws  # noqa: E402

NOW = "2026-11-28T12:00:00Z"


def settings_path(vehicle_id):
    return "/v1/vehicles/%s/anti-theft" % vehicle_id


class AntiTheftSettings(harness.PaddockTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def put(self, vehicle_id, body, user):
        return self.server.request("PUT", settings_path(vehicle_id), body=body, token=user.token)

    def test_only_the_owner_reads_and_changes_them(self):
        owner = harness.new_user(self.server)
        car = create_vehicle(self.server, owner)
        got = self.server.get(settings_path(car["id"]), token=owner.token)
        self.assertEqual(got.status, 200, got.body)
        self.assertEqual((got.body["low_charge_threshold_percent"], got.body["id_tags"]), (20, []))
        saved = self.put(car["id"], {"low_charge_threshold_percent": 30,
                                     "id_tags": ["RFID-1", "APP-TOKEN-9"]}, owner)
        self.assertEqual(saved.status, 200, saved.body)
        self.assertEqual(saved.body["id_tags"], ["RFID-1", "APP-TOKEN-9"])
        harness.parse_time(saved.body["updated_at"])
        self.assertEqual(self.server.get(settings_path(car["id"]), token=owner.token).body["id_tags"],
                         ["RFID-1", "APP-TOKEN-9"])

        helper = harness.new_user(self.server)
        r = self.server.request("PUT", "/v1/vehicles/%s/authorized-users/%s"
                                % (car["id"], helper.id), token=owner.token)
        self.assertIn(r.status, (200, 201), r.body)
        fan = harness.new_user(self.server)
        follow(self.server, fan, car)
        stranger = harness.new_user(self.server)
        body = {"low_charge_threshold_percent": 50, "id_tags": ["MINE"]}
        for who, status, code in ((helper, 403, "forbidden"), (fan, 403, "forbidden"),
                                  (stranger, 404, "not_found")):
            with self.subTest(who=who.username):
                self.assertProblem(self.put(car["id"], body, who), status, code)
                self.assertProblem(self.server.get(settings_path(car["id"]), token=who.token),
                                   status, code)
        self.assertProblem(self.server.request("PUT", settings_path(car["id"]), body=body), 401,
                           "unauthorized")
        # Nothing changed.
        self.assertEqual(self.server.get(settings_path(car["id"]), token=owner.token)
                         .body["low_charge_threshold_percent"], 30)

    def test_validation(self):
        owner = harness.new_user(self.server)
        car = create_vehicle(self.server, owner)
        rows = [
            ("threshold missing", {"id_tags": []}, "low_charge_threshold_percent"),
            ("threshold fraction", {"low_charge_threshold_percent": 20.5, "id_tags": []},
             "low_charge_threshold_percent"),
            ("threshold 0", {"low_charge_threshold_percent": 0, "id_tags": []},
             "low_charge_threshold_percent"),
            ("threshold 100", {"low_charge_threshold_percent": 100, "id_tags": []},
             "low_charge_threshold_percent"),
            ("tags missing", {"low_charge_threshold_percent": 20}, "id_tags"),
            ("tag too long", {"low_charge_threshold_percent": 20, "id_tags": ["X" * 21]},
             "id_tags"),
            ("tag empty", {"low_charge_threshold_percent": 20, "id_tags": [""]}, "id_tags"),
            ("tag repeated", {"low_charge_threshold_percent": 20, "id_tags": ["A", "A"]},
             "id_tags"),
            ("tag not a string", {"low_charge_threshold_percent": 20, "id_tags": [7]}, "id_tags"),
            ("eleven tags", {"low_charge_threshold_percent": 20,
                             "id_tags": ["T%d" % i for i in range(11)]}, "id_tags"),
        ]
        for name, body, field in rows:
            with self.subTest(name):
                self.assertProblem(self.put(car["id"], body, owner), 422, "invalid_field", field)
        other_owner = harness.new_user(self.server)
        other = create_vehicle(self.server, other_owner)
        self.assertEqual(self.put(car["id"], {"low_charge_threshold_percent": 20,
                                              "id_tags": ["SHARED-TAG"]}, owner).status, 200)
        self.assertProblem(self.put(other["id"], {"low_charge_threshold_percent": 20,
                                                  "id_tags": ["SHARED-TAG"]}, other_owner),
                           409, "id_tag_taken")


class LowCharge(harness.PaddockTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.operator = oh.make_operator(cls.server)

    def test_falling_soc_prompts_the_owner_once_per_crossing(self):
        owner = harness.new_user(self.server)
        car = create_vehicle(self.server, owner, nickname="Blue")
        fan = harness.new_user(self.server)
        follow(self.server, fan, car)
        tag = "CARD-" + car["id"][-6:]
        r = self.server.request("PUT", settings_path(car["id"]), token=owner.token,
                                body={"low_charge_threshold_percent": 30, "id_tags": [tag]})
        self.assertEqual(r.status, 200, r.body)
        owner_ws, _ = open_ws(self.server, owner)
        self.addCleanup(owner_ws.close)
        fan_ws, _ = open_ws(self.server, fan)
        self.addCleanup(fan_ws.close)

        cp = oh.register(self.server, self.operator)
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        pile = oh.Pile(ws)
        pile.boot()
        tx = pile.result("StartTransaction", {"connectorId": 2, "idTag": tag, "meterStart": 0,
                                              "timestamp": NOW})["transactionId"]
        view = self.server.get("/v1/charge-points/" + cp, token=self.operator.token).body
        self.assertEqual(view["running_transactions"][0]["vehicle_id"], car["id"])

        def meter(soc, minute):
            self.assertEqual(pile.result("MeterValues", {
                "connectorId": 2, "transactionId": tx,
                "meterValue": [{"timestamp": "2026-11-28T12:%02d:00Z" % minute,
                                "sampledValue": [{"value": str(soc), "measurand": "SoC"}]}]}), {})

        # 40 -> 25 crosses; 20 and 33 stay below (re-armed only at 35); 36 re-arms; 28 crosses.
        for minute, soc in enumerate((40, 25, 20, 33, 36, 28), start=1):
            meter(soc, minute)
        events = owner_ws.recv_events(2)
        self.assertEqual([e["type"] for e in events], ["vehicle.low_charge"] * 2)
        first = events[0]["low_charge"]
        self.assertEqual(events[0]["vehicle_id"], car["id"])
        self.assertEqual((first["soc_percent"], first["threshold_percent"], first["charge_point_id"],
                          first["connector_id"], first["transaction_id"]), (25, 30, cp, 2, tx))
        self.assertEqual(first["actions"][0]["href"], "/v1/vehicles/%s/lock" % car["id"])
        self.assertEqual(events[1]["low_charge"]["soc_percent"], 28)
        self.assertEqual(owner_ws.expect_silence(0.5), [])
        # Personal to the owner: the follower sees nothing.
        self.assertEqual(fan_ws.expect_silence(0.3), [])
        # And the page agrees with the stream.
        page = self.server.get("/v1/feed?cursor=0", token=owner.token).body
        self.assertEqual([e["type"] for e in page["events"]].count("vehicle.low_charge"), 2)

    def test_a_session_with_an_unknown_tag_is_no_cars(self):
        cp = oh.register(self.server, self.operator)
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        pile = oh.Pile(ws)
        tx = pile.result("StartTransaction", {"connectorId": 1, "idTag": "NOBODY", "meterStart": 0,
                                              "timestamp": NOW})["transactionId"]
        view = self.server.get("/v1/charge-points/" + cp, token=self.operator.token).body
        self.assertEqual(view["running_transactions"][0]["transaction_id"], tx)
        self.assertIsNone(view["running_transactions"][0]["vehicle_id"])


if __name__ == "__main__":
    unittest.main()
