"""Vehicle platforms and telemetry (issue 10 item 5): an operator registers a platform (its
secret shown once); the owner chooses it in the car's anti-theft settings; its reports (one or
a batch) feed the low-charge prompt once per crossing, and a report naming a pile and
connector places the car on that session. Refused: unregistered platforms, vehicles a platform
does not serve, malformed reports."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import ocpp_helpers as oh  # noqa: E402
from sharing_helpers import create_vehicle, open_ws, random_vin  # noqa: E402

NOW = "2026-11-28T12:00:00Z"


def at(minute):
    return "2026-11-28T12:%02d:00Z" % minute


class Telemetry(harness.PaddockTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.operator = oh.make_operator(cls.server)

    def platform(self, name="Fleet cloud"):
        r = self.server.post("/v1/vehicle-platforms", {"name": name}, token=self.operator.token)
        self.assertEqual(r.status, 201, r.body)
        self.assertTrue(r.body["id"].startswith("vpl_"))
        return r.body

    def report(self, platform, body):
        return self.server.post("/v1/telemetry", body,
                                headers={"Authorization": "Bearer " + platform["secret"]})

    def car(self, platform, threshold=30, tags=()):
        owner = harness.new_user(self.server)
        car = create_vehicle(self.server, owner, vin=random_vin())
        r = self.server.request("PUT", "/v1/vehicles/%s/anti-theft" % car["id"], token=owner.token,
                                body={"low_charge_threshold_percent": threshold,
                                      "id_tags": list(tags),
                                      "vehicle_platform_id": platform["id"] if platform else None})
        self.assertEqual(r.status, 200, r.body)
        return owner, car

    def test_registration_is_for_operators_and_the_secret_is_shown_once(self):
        user = harness.new_user(self.server)
        self.assertProblem(self.server.post("/v1/vehicle-platforms", {"name": "x"},
                                            token=user.token), 403, "operator_required")
        self.assertProblem(self.server.post("/v1/vehicle-platforms", {"name": ""},
                                            token=self.operator.token), 422, "invalid_field", "name")
        p = self.platform()
        self.assertIn("secret", p)
        owner = harness.new_user(self.server)
        car = create_vehicle(self.server, owner)
        self.assertProblem(self.server.request(
            "PUT", "/v1/vehicles/%s/anti-theft" % car["id"], token=owner.token,
            body={"low_charge_threshold_percent": 20, "id_tags": [],
                  "vehicle_platform_id": "vpl_nope"}), 422, "invalid_field", "vehicle_platform_id")

    def test_reports_feed_the_low_charge_prompt_once_per_crossing(self):
        platform = self.platform()
        owner, car = self.car(platform)
        stream, _ = open_ws(self.server, owner)
        self.addCleanup(stream.close)
        single = self.report(platform, {"vin": car["vin"], "soc_percent": 45, "at": at(1),
                                        "position": {"lat": 22.54, "lon": 114.06},
                                        "speed_kmh": 0, "odometer_km": 12345.6})
        self.assertEqual(single.status, 200, single.body)
        self.assertEqual(single.body, {"accepted": 1, "low_charge_events": 0})
        batch = self.report(platform, {"reports": [
            {"vehicle_id": car["id"], "soc_percent": 29.5, "at": at(2)},
            {"vehicle_id": car["id"], "soc_percent": 20, "at": at(3)},
            {"vehicle_id": car["id"], "soc_percent": 34, "at": at(4)},
            {"vehicle_id": car["id"], "soc_percent": 40, "at": at(5)},
            {"vehicle_id": car["id"], "soc_percent": 10, "at": at(6)}]})
        self.assertEqual(batch.body, {"accepted": 5, "low_charge_events": 2})
        events = stream.recv_events(2)
        self.assertEqual([(e["type"], e["low_charge"]["soc_percent"]) for e in events],
                         [("vehicle.low_charge", 29.5), ("vehicle.low_charge", 10)])
        self.assertIsNone(events[0]["low_charge"]["charge_point_id"])
        # An older report arriving late changes nothing.
        late = self.report(platform, {"vehicle_id": car["id"], "soc_percent": 1, "at": at(0)})
        self.assertEqual(late.body, {"accepted": 1, "low_charge_events": 0})
        self.assertEqual(stream.expect_silence(0.4), [])

    def test_a_report_naming_a_pile_places_the_car(self):
        platform = self.platform()
        owner, car = self.car(platform)
        cp = oh.register(self.server, self.operator)
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        pile = oh.Pile(ws)
        tx = pile.result("StartTransaction", {"connectorId": 2, "idTag": "GUEST-CARD",
                                              "meterStart": 0, "timestamp": NOW})["transactionId"]
        r = self.report(platform, {"vehicle_id": car["id"], "soc_percent": 60, "at": at(1),
                                   "charge_point_id": cp, "connector_id": 2})
        self.assertEqual(r.status, 200, r.body)
        [running] = self.server.get("/v1/charge-points/" + cp,
                                    token=self.operator.token).body["running_transactions"]
        self.assertEqual((running["transaction_id"], running["vehicle_id"]), (tx, car["id"]))
        # The pile's own SoC now reaches the owner too.
        stream, _ = open_ws(self.server, owner)
        self.addCleanup(stream.close)
        pile.result("MeterValues", {"connectorId": 2, "transactionId": tx, "meterValue": [
            {"timestamp": at(2), "sampledValue": [{"value": "25", "measurand": "SoC"}]}]})
        [event] = stream.recv_events(1)
        self.assertEqual((event["type"], event["low_charge"]["charge_point_id"]),
                         ("vehicle.low_charge", cp))

    def test_an_id_tag_link_is_not_overwritten_by_telemetry(self):
        platform = self.platform()
        owner_a, car_a = self.car(None, tags=["CARD-A-" + os.urandom(3).hex()])
        tag = self.server.get("/v1/vehicles/%s/anti-theft" % car_a["id"],
                              token=owner_a.token).body["id_tags"][0]
        _, car_b = self.car(platform)
        cp = oh.register(self.server, self.operator)
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        oh.Pile(ws).result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                "timestamp": NOW})
        self.assertEqual(self.report(platform, {"vehicle_id": car_b["id"], "soc_percent": 50,
                                                "at": at(1), "charge_point_id": cp,
                                                "connector_id": 1}).status, 200)
        [running] = self.server.get("/v1/charge-points/" + cp,
                                    token=self.operator.token).body["running_transactions"]
        self.assertEqual(running["vehicle_id"], car_a["id"])

    def test_refusals(self):
        platform = self.platform()
        other_platform = self.platform("Another cloud")
        _, car = self.car(platform)
        _, unserved = self.car(None)
        self.assertProblem(self.server.post("/v1/telemetry", {"vehicle_id": car["id"],
                                                              "soc_percent": 50, "at": NOW}),
                           401, "unauthorized")
        self.assertProblem(self.server.post("/v1/telemetry", {"vehicle_id": car["id"],
                                                              "soc_percent": 50, "at": NOW},
                                            headers={"Authorization": "Bearer pdk_" + "A" * 43}),
                           401, "unauthorized")
        for name, who, body in (
                ("another platform's vehicle", other_platform, {"vehicle_id": car["id"]}),
                ("a vehicle with no platform", platform, {"vehicle_id": unserved["id"]}),
                ("an unknown vehicle", platform, {"vehicle_id": "veh_AAAAAAAAAAAAAAAA"}),
                ("an unknown VIN", platform, {"vin": random_vin()})):
            with self.subTest(name):
                body = dict(body, soc_percent=50, at=NOW)
                self.assertProblem(self.report(who, body), 403, "vehicle_not_served")
        # All or nothing: one bad report and none is kept.
        r = self.report(platform, {"reports": [
            {"vehicle_id": car["id"], "soc_percent": 5, "at": at(1)},
            {"vehicle_id": unserved["id"], "soc_percent": 5, "at": at(1)}]})
        self.assertProblem(r, 403, "vehicle_not_served")
        self.assertEqual(r.body["field"], "reports[1]")
        rows = [
            ("both ids", {"vin": car.get("vin") or "X", "vehicle_id": car["id"], "soc_percent": 1,
                          "at": NOW}, "vin"),
            ("no id", {"soc_percent": 1, "at": NOW}, "vin"),
            ("soc missing", {"vehicle_id": car["id"], "at": NOW}, "soc_percent"),
            ("soc 101", {"vehicle_id": car["id"], "soc_percent": 101, "at": NOW}, "soc_percent"),
            ("soc text", {"vehicle_id": car["id"], "soc_percent": "50", "at": NOW}, "soc_percent"),
            ("bad time", {"vehicle_id": car["id"], "soc_percent": 1, "at": "noon"}, "at"),
            ("latitude 91", {"vehicle_id": car["id"], "soc_percent": 1, "at": NOW,
                             "position": {"lat": 91, "lon": 0}}, "position.lat"),
            ("pile without connector", {"vehicle_id": car["id"], "soc_percent": 1, "at": NOW,
                                        "charge_point_id": "CP-1"}, "connector_id"),
            ("negative speed", {"vehicle_id": car["id"], "soc_percent": 1, "at": NOW,
                                "speed_kmh": -3}, "speed_kmh"),
        ]
        for name, body, field in rows:
            with self.subTest(name):
                self.assertProblem(self.report(platform, body), 422, "invalid_field", field)
        self.assertProblem(self.report(platform, {"reports": []}), 422, "invalid_field", "reports")
        self.assertProblem(self.report(platform, {"reports": [{"vehicle_id": car["id"],
                                                               "soc_percent": 1, "at": NOW}] * 101}),
                           422, "invalid_field", "reports")
        self.assertProblem(self.report(platform, {"reports": [{"vehicle_id": car["id"],
                                                               "soc_percent": 500, "at": NOW}]}),
                           422, "invalid_field", "reports[0].soc_percent")


if __name__ == "__main__":
    unittest.main()
