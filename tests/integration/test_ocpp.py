"""OCPP 1.6-J central system (issue 10), spoken frame by frame with a raw WebSocket client:
operators and their charge points, the upgrade's authentication and subprotocol, the
charge point's messages and what is stored, every refusal with its CallError, one connection per
pile, and the central system's own calls. The same flow with a charge point library we did not
write is in test_ocpp_interop.py."""

import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import ocpp_helpers as oh  # noqa: E402
from wsclient import ConnectionClosed, HandshakeError, WebSocket  # noqa: E402

NOW = "2026-11-28T12:00:00Z"


class ChargePointRegistration(harness.PaddockTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.operator = oh.make_operator(cls.server)

    def test_grant_operator_needs_a_known_user(self):
        done = harness.run_cli(["users", "grant-operator", "nobody-by-this-name",
                                "--data-dir", self.server.data_dir])
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("no user", done.stderr)
        user = harness.new_user(self.server)
        for _ in range(2):  # granting twice is harmless
            done = harness.run_cli(["users", "grant-operator", user.username.upper(),
                                    "--data-dir", self.server.data_dir])
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("is an operator", done.stdout)
        self.assertEqual(self.server.get("/v1/charge-points", token=user.token).status, 200)

    def test_only_operators_register_and_list(self):
        user = harness.new_user(self.server)
        body = {"id": oh.new_charge_point_id(), "password": oh.PASSWORD, "vendor": "A",
                "model": "B"}
        self.assertProblem(self.server.post("/v1/charge-points", body, token=user.token),
                           403, "operator_required")
        self.assertProblem(self.server.get("/v1/charge-points", token=user.token),
                           403, "operator_required")
        self.assertProblem(self.server.post("/v1/charge-points", body), 401, "unauthorized")
        self.assertProblem(self.server.get("/v1/charge-points"), 401, "unauthorized")
        self.assertProblem(self.server.get("/v1/charge-points/" + body["id"]), 401,
                           "unauthorized")

    def test_registration_validates_and_never_shows_the_password(self):
        cp_id = oh.new_charge_point_id()
        r = self.server.post("/v1/charge-points", {"id": cp_id, "password": oh.PASSWORD,
                                                   "vendor": "Acme", "model": "Volt 22"},
                             token=self.operator.token)
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.body["id"], cp_id)
        self.assertFalse(r.body["online"])
        self.assertIsNone(r.body["last_heartbeat_at"])
        self.assertNotIn(oh.PASSWORD, json.dumps(r.body))
        self.assertNotIn("password", json.dumps(r.body))
        cases = [
            ("id with a space", {"id": "CP 1"}, "invalid_field", "id"),
            ("id with a slash", {"id": "a/b"}, "invalid_field", "id"),
            ("id of 49", {"id": "x" * 49}, "invalid_field", "id"),
            ("short password", {"password": "x" * 15}, "invalid_field", "password"),
            ("long password", {"password": "x" * 41}, "invalid_field", "password"),
            ("vendor of 21", {"vendor": "v" * 21}, "invalid_field", "vendor"),
            ("control character", {"model": "a\u0007"}, "invalid_field", "model"),
            ("vendor missing", {"vendor": None}, "invalid_field", "vendor"),
            ("id a number", {"id": 7}, "invalid_field", "id"),
        ]
        for name, change, code, field in cases:
            with self.subTest(name):
                body = {"id": oh.new_charge_point_id(), "password": oh.PASSWORD,
                        "vendor": "Acme", "model": "M"}
                body.update(change)
                body = {k: v for k, v in body.items() if v is not None}
                self.assertProblem(self.server.post("/v1/charge-points", body,
                                                    token=self.operator.token),
                                   422, code, field)
        self.assertProblem(self.server.post("/v1/charge-points", {"id": cp_id, "password":
                                                                  oh.PASSWORD, "vendor": "X",
                                                                  "model": "Y"},
                                            token=self.operator.token),
                           409, "charge_point_taken")
        self.assertProblem(self.server.post("/v1/charge-points", raw_body="{",
                                            token=self.operator.token), 400, "invalid_json")

    def test_an_operator_sees_only_their_own_piles(self):
        mine = oh.register(self.server, self.operator)
        other = oh.make_operator(self.server)
        theirs = oh.register(self.server, other)
        listed = self.server.get("/v1/charge-points", token=self.operator.token)
        self.assertEqual(listed.status, 200)
        ids = [c["id"] for c in listed.body["charge_points"]]
        self.assertIn(mine, ids)
        self.assertNotIn(theirs, ids)
        self.assertProblem(self.server.get("/v1/charge-points/" + theirs,
                                           token=self.operator.token), 404, "not_found")
        self.assertProblem(self.server.post("/v1/charge-points/%s/calls" % theirs,
                                            {"action": "Reset", "payload": {"type": "Soft"}},
                                            token=self.operator.token), 404, "not_found")
        self.assertProblem(self.server.get("/v1/charge-points/nope", token=self.operator.token),
                           404, "not_found")


class Upgrade(harness.PaddockTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.operator = oh.make_operator(cls.server)
        cls.cp = oh.register(cls.server, cls.operator)

    def refused(self, path, headers):
        with self.assertRaises(HandshakeError) as caught:
            WebSocket.connect(self.server.port, path, headers=headers)
        return caught.exception.response

    def assertRefused(self, path, headers, status, code):
        resp = self.refused(path, headers)
        self.assertIsNotNone(resp)
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.body["code"], code, resp)

    def test_authentication_before_the_upgrade(self):
        proto = {"Sec-WebSocket-Protocol": "ocpp1.6"}
        path = "/ocpp/" + self.cp
        self.assertRefused(path, proto, 401, "unauthorized")
        self.assertRefused(path, dict(proto, Authorization="Bearer abc"), 401, "unauthorized")
        self.assertRefused(path, dict(proto, Authorization="Basic !!!"), 401, "unauthorized")
        self.assertRefused(path, dict(proto, Authorization=oh.basic(self.cp, "wrong-password-123")),
                           401, "invalid_charge_point_credentials")
        # A pile claiming another's identity: its own credentials on another's URL.
        other = oh.register(self.server, self.operator)
        self.assertRefused("/ocpp/" + other, dict(proto, Authorization=oh.basic(self.cp)),
                           401, "unauthorized")
        unknown = oh.new_charge_point_id("GHOST")
        self.assertRefused("/ocpp/" + unknown, dict(proto, Authorization=oh.basic(unknown)),
                           404, "not_found")

    def test_a_plain_get_with_good_credentials_needs_the_upgrade(self):
        r = self.server.get("/ocpp/" + self.cp, headers={"Authorization": oh.basic(self.cp)})
        self.assertProblem(r, 426, "upgrade_required")

    def test_repeated_wrong_passwords_are_rate_limited(self):
        cp = oh.register(self.server, self.operator)
        headers = {"Sec-WebSocket-Protocol": "ocpp1.6",
                   "Authorization": oh.basic(cp, "not-the-password-1")}
        statuses = [self.refused("/ocpp/" + cp, headers).status for _ in range(6)]
        self.assertEqual(statuses[:5], [401] * 5)
        self.assertEqual(statuses[5], 429)
        # The right password is refused too while the limit holds.
        resp = self.refused("/ocpp/" + cp, dict(headers, Authorization=oh.basic(cp)))
        self.assertEqual(resp.status, 429)

    def test_the_subprotocol_is_answered_and_required(self):
        ws = oh.connect(self.server, self.cp, protocols="ocpp2.0.1, ocpp1.6")
        self.assertEqual(ws.response_headers.get("sec-websocket-protocol"), "ocpp1.6")
        ws.close()
        ws = oh.connect(self.server, self.cp, protocols=None)
        self.assertNotIn("sec-websocket-protocol", ws.response_headers)
        code, _, messages = ws.wait_closed()
        self.assertEqual(code, 1002)
        self.assertEqual(messages, [])


class Messages(harness.PaddockTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.operator = oh.make_operator(cls.server)

    def pile(self):
        cp = oh.register(self.server, self.operator)
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        return cp, oh.Pile(ws)

    def view(self, cp):
        r = self.server.get("/v1/charge-points/" + cp, token=self.operator.token)
        self.assertEqual(r.status, 200, r.body)
        return r.body

    def test_a_charging_session_is_stored(self):
        cp, pile = self.pile()
        boot = pile.boot()
        self.assertEqual(boot["status"], "Accepted")
        self.assertGreater(boot["interval"], 0)
        harness.parse_time(boot["currentTime"])
        self.assertIn("currentTime", pile.result("Heartbeat", {}))
        self.assertEqual(pile.result("StatusNotification", {
            "connectorId": 1, "errorCode": "NoError", "status": "Preparing",
            "timestamp": NOW}), {})
        self.assertEqual(pile.result("Authorize", {"idTag": "RFID-1"}),
                         {"idTagInfo": {"status": "Accepted"}})
        started = pile.result("StartTransaction", {"connectorId": 1, "idTag": "RFID-1",
                                                   "meterStart": 1000, "timestamp": NOW})
        self.assertEqual(started["idTagInfo"], {"status": "Accepted"})
        tx = started["transactionId"]
        self.assertIsInstance(tx, int)
        # The same tag elsewhere while this session runs.
        self.assertEqual(pile.result("Authorize", {"idTag": "RFID-1"}),
                         {"idTagInfo": {"status": "ConcurrentTx"}})
        for soc in ("81", "64.5"):
            self.assertEqual(pile.result("MeterValues", {
                "connectorId": 1, "transactionId": tx,
                "meterValue": [{"timestamp": "2026-11-28T12:0%s:00Z" % len(soc), "sampledValue": [
                    {"value": "1500", "measurand": "Energy.Active.Import.Register"},
                    {"value": soc, "measurand": "SoC", "unit": "Percent"}]}]}), {})
        self.assertEqual(pile.result("StatusNotification", {
            "connectorId": 1, "errorCode": "NoError", "status": "Charging"}), {})

        view = self.view(cp)
        self.assertTrue(view["online"])
        self.assertEqual(view["firmware_version"], "1.0.7")
        harness.parse_time(view["last_heartbeat_at"])
        self.assertEqual([(c["connector_id"], c["status"]) for c in view["connectors"]],
                         [(1, "Charging")])
        [running] = view["running_transactions"]
        self.assertEqual(running["transaction_id"], tx)
        self.assertEqual(running["id_tag"], "RFID-1")
        self.assertEqual(running["meter_start_wh"], 1000)
        self.assertEqual(running["soc_percent"], 64.5)

        self.assertEqual(pile.result("StopTransaction", {
            "transactionId": tx, "meterStop": 9000, "timestamp": NOW, "idTag": "RFID-1",
            "reason": "EVDisconnected"}), {"idTagInfo": {"status": "Accepted"}})
        self.assertEqual(self.view(cp)["running_transactions"], [])
        self.assertEqual(pile.result("Authorize", {"idTag": "RFID-1"}),
                         {"idTagInfo": {"status": "Accepted"}})
        self.assertEqual(pile.result("DataTransfer", {"vendorId": "org.example"}),
                         {"status": "UnknownVendorId"})

    def test_a_pile_cannot_stop_another_piles_transaction(self):
        cp_a, a = self.pile()
        cp_b, b = self.pile()
        tx = a.result("StartTransaction", {"connectorId": 1, "idTag": "TAG-A", "meterStart": 0,
                                           "timestamp": NOW})["transactionId"]
        self.assertEqual(b.result("StopTransaction", {"transactionId": tx, "meterStop": 5,
                                                      "timestamp": NOW, "idTag": "TAG-A"}),
                         {"idTagInfo": {"status": "Invalid"}})
        self.assertEqual([t["transaction_id"] for t in self.view(cp_a)["running_transactions"]],
                         [tx])

    def test_refusals_carry_the_right_call_error(self):
        _, pile = self.pile()
        rows = [
            ("not json", "[2,\"a1\",\"Heartbeat\",{}", "-1", "FormationViolation"),
            ("not an array", "{\"x\":1}", "-1", "FormationViolation"),
            ("unknown message type", "[7,\"a2\",\"Heartbeat\",{}]", "a2", "ProtocolError"),
            ("call with 5 elements", "[2,\"a3\",\"Heartbeat\",{},{}]", "a3", "ProtocolError"),
            ("payload not an object", "[2,\"a4\",\"Heartbeat\",[]]", "a4", "FormationViolation"),
            ("unknown action", "[2,\"a5\",\"MakeCoffee\",{}]", "a5", "NotSupported"),
            ("known, not handled", "[2,\"a6\",\"FirmwareStatusNotification\","
             "{\"status\":\"Idle\"}]", "a6", "NotImplemented"),
            ("wrong type", "[2,\"a7\",\"StatusNotification\",{\"connectorId\":\"1\","
             "\"errorCode\":\"NoError\",\"status\":\"Available\"}]", "a7",
             "TypeConstraintViolation"),
            ("missing field", "[2,\"a8\",\"Authorize\",{}]", "a8", "OccurenceConstraintViolation"),
            ("bad enum", "[2,\"a9\",\"StatusNotification\",{\"connectorId\":1,"
             "\"errorCode\":\"NoError\",\"status\":\"Asleep\"}]", "a9",
             "PropertyConstraintViolation"),
            ("too long", "[2,\"a10\",\"Authorize\",{\"idTag\":\"%s\"}]" % ("T" * 21), "a10",
             "PropertyConstraintViolation"),
            ("extra field", "[2,\"a11\",\"Heartbeat\",{\"x\":1}]", "a11", "FormationViolation"),
            ("bad date", "[2,\"a12\",\"StartTransaction\",{\"connectorId\":1,\"idTag\":\"T\","
             "\"meterStart\":0,\"timestamp\":\"noon\"}]", "a12", "PropertyConstraintViolation"),
            ("SoC not a number", "[2,\"a13\",\"MeterValues\",{\"connectorId\":1,\"meterValue\":"
             "[{\"timestamp\":\"%s\",\"sampledValue\":[{\"value\":\"lots\",\"measurand\":\"SoC\"}]}]}]"
             % NOW, "a13", "PropertyConstraintViolation"),
            ("transaction on connector 0", "[2,\"a14\",\"StartTransaction\",{\"connectorId\":0,"
             "\"idTag\":\"T\",\"meterStart\":0,\"timestamp\":\"%s\"}]" % NOW, "a14",
             "PropertyConstraintViolation"),
            ("duplicate id", "[2,\"a8\",\"Heartbeat\",{}]", "a8", "ProtocolError"),
        ]
        for name, text, message_id, code in rows:
            with self.subTest(name):
                pile.ws.send_text(text)
                answer = pile.ws.recv_json()
                self.assertEqual(answer[0], 4, answer)
                self.assertEqual(answer[1], message_id, answer)
                self.assertEqual(answer[2], code, answer)
                self.assertIsInstance(answer[3], str)
                self.assertEqual(answer[4], {})
        # After all of that the connection still works.
        self.assertIn("currentTime", pile.result("Heartbeat", {}))

    def test_a_second_call_before_the_first_is_answered_is_refused(self):
        _, pile = self.pile()
        pile.boot()
        # Both in one write: the second arrives while the first waits for its commit.
        frames = [json.dumps([2, "first", "Heartbeat", {}]),
                  json.dumps([2, "second", "Heartbeat", {}])]
        from wsclient import encode_frame, OP_TEXT
        pile.ws.sock.sendall(b"".join(encode_frame(OP_TEXT, f.encode()) for f in frames))
        answers = {a[1]: a for a in pile.ws.recv_events(2)}
        self.assertEqual(answers["first"][0], 3, answers)
        self.assertEqual(answers["second"][:3], [4, "second", "ProtocolError"], answers)

    def test_oversized_and_binary_frames_end_the_connection(self):
        _, pile = self.pile()
        pile.ws.send_text(json.dumps([2, "big", "DataTransfer",
                                      {"vendorId": "x", "data": "d" * 70000}]))
        code, _, _ = pile.ws.wait_closed()
        self.assertEqual(code, 1009)
        _, pile = self.pile()
        pile.ws.send_binary(b"[2,\"b\",\"Heartbeat\",{}]")
        code, _, _ = pile.ws.wait_closed()
        self.assertEqual(code, 1003)

    def test_a_newer_connection_replaces_the_older(self):
        cp = oh.register(self.server, self.operator)
        first = oh.connect(self.server, cp)
        self.addCleanup(first.close)
        oh.Pile(first).boot()
        second = oh.connect(self.server, cp)
        self.addCleanup(second.close)
        code, reason, _ = first.wait_closed()
        self.assertEqual(code, 1008)
        self.assertIn("newer", reason)
        self.assertIn("currentTime", oh.Pile(second).result("Heartbeat", {}))
        self.assertTrue(self.view(cp)["online"])
        second.close()
        harness.eventually(lambda: self.assertFalse(self.view(cp)["online"]))


class CentralSystemCalls(harness.PaddockTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.operator = oh.make_operator(cls.server)

    def post_call(self, cp, action, payload, token=None):
        """Runs the HTTP call in a thread (it waits for the pile); returns a join function."""
        box = {}

        def run():
            box["r"] = self.server.post("/v1/charge-points/%s/calls" % cp,
                                        {"action": action, "payload": payload},
                                        token=token or self.operator.token, timeout=40)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()

        def join():
            thread.join(45)
            self.assertFalse(thread.is_alive())
            return box["r"]
        return join

    def test_calls_reach_the_pile_and_its_answer_comes_back(self):
        cp = oh.register(self.server, self.operator)
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        answers = [
            ("Reset", {"type": "Soft"}, [3, None, {"status": "Accepted"}], 200, None),
            ("ChangeConfiguration", {"key": "UnlockConnectorOnEVSideDisconnect", "value": "false"},
             [3, None, {"status": "Accepted"}], 200, None),
            ("DataTransfer", {"vendorId": "com.paddock", "messageId": "LockVehicle", "data": "{}"},
             [4, None, "NotImplemented", "no", {}], 409, "charge_point_call_error"),
            ("UnlockConnector", {"connectorId": 1}, [3, None, {"status": "Maybe"}], 409,
             "charge_point_call_error"),
        ]
        for action, payload, answer, status, code in answers:
            with self.subTest(action):
                join = self.post_call(cp, action, payload)
                call = ws.recv_json()
                self.assertEqual(call[0], 2)
                self.assertEqual(call[2], action)
                self.assertEqual(call[3], payload)
                answer[1] = call[1]
                ws.send_text(json.dumps(answer))
                r = join()
                if code:
                    self.assertProblem(r, status, code)
                else:
                    self.assertEqual(r.status, 200, r.body)
                    self.assertEqual(r.body, {"action": action, "result": answer[2]})

    def test_one_call_at_a_time_in_order(self):
        cp = oh.register(self.server, self.operator)
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        first = self.post_call(cp, "Reset", {"type": "Soft"})
        call1 = ws.recv_json()
        second = self.post_call(cp, "Reset", {"type": "Hard"})
        self.assertEqual(ws.expect_silence(0.5), [])  # nothing while the first is open
        ws.send_text(json.dumps([3, call1[1], {"status": "Rejected"}]))
        call2 = ws.recv_json()
        self.assertEqual(call2[3], {"type": "Hard"})
        self.assertNotEqual(call1[1], call2[1])
        ws.send_text(json.dumps([3, call2[1], {"status": "Accepted"}]))
        self.assertEqual(first().body["result"], {"status": "Rejected"})
        self.assertEqual(second().body["result"], {"status": "Accepted"})

    def test_refused_before_anything_is_sent(self):
        cp = oh.register(self.server, self.operator)
        self.assertProblem(self.post_call(cp, "Reset", {"type": "Soft"})(), 503,
                           "charge_point_offline")
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        self.assertProblem(self.post_call(cp, "Reset", {"type": "Sideways"})(), 422,
                           "invalid_field", "payload")
        self.assertProblem(self.post_call(cp, "BootNotification", {})(), 422, "invalid_field",
                           "action")
        self.assertEqual(ws.expect_silence(0.3), [])
        stranger = harness.new_user(self.server)
        self.assertProblem(self.post_call(cp, "Reset", {"type": "Soft"}, token=stranger.token)(),
                           403, "operator_required")

    def test_a_pile_that_goes_away_fails_the_call(self):
        cp = oh.register(self.server, self.operator)
        ws = oh.connect(self.server, cp)
        join = self.post_call(cp, "Reset", {"type": "Soft"})
        ws.recv_json()
        ws.close()
        self.assertProblem(join(), 503, "charge_point_offline")


if __name__ == "__main__":
    unittest.main()
