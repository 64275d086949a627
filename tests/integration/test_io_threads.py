"""Where storage reads run (issue 12 item 1): on PostgreSQL a read is a network round trip, and
none may block an I/O thread. The server counts every PostgreSQL round trip made on a thread it
marked as an I/O thread (paddock_io_thread_blocking_calls_total in /metrics, and a warning in its
log naming the statement). After a charge point's whole session (connect, boot, every CALL it
makes, an operator's call, a lock and its release, a reconnection), a browser stream that
authenticates with its first frame and a link's watch, the count must still be zero. On SQLite
reads run on the I/O thread by design (a local page lookup), and the counter, which counts only
PostgreSQL round trips, is zero there as well."""

import json
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import ocpp_helpers as oh  # noqa: E402
import wsclient  # noqa: E402
from sharing_helpers import check, create_vehicle, follow, open_ws, post_message  # noqa: E402

NOW = "2026-11-28T12:00:00Z"
METRIC = "paddock_io_thread_blocking_calls_total"


class NoReadOnAnIoThread(harness.PaddockTestCase):
    # A server per test: the count is the process's.
    def setUp(self):
        self.server = self.start_server()

    def blocking_calls(self):
        r = self.server.get("/metrics")
        self.assertEqual(r.status, 200)
        text = r.body if isinstance(r.body, str) else r.body.decode()
        for line in text.splitlines():
            if line.startswith(METRIC + " "):
                return float(line.split()[1])
        self.fail("%s is not in /metrics" % METRIC)

    def assertNoneOnIoThreads(self, what):
        calls = self.blocking_calls()
        if calls:
            log = "\n".join(line for line in self.server.stderr_text(400).splitlines()
                            if "I/O thread" in line)
            self.fail("%s: %d PostgreSQL round trip(s) on an I/O thread\n%s" % (what, calls, log))

    def wait_for_lock(self, owner, car, predicate):
        def check():
            r = self.server.get("/v1/vehicles/%s/lock" % car["id"], token=owner.token)
            self.assertEqual(r.status, 200, r.body)
            self.assertTrue(predicate(r.body), r.body)
        harness.eventually(check, timeout=5)

    def expect_call(self, pile, action, timeout=5.0):
        message = pile.ws.recv_json(timeout)
        self.assertEqual((message[0], message[2]), (2, action), message)
        return message

    def test_a_charge_points_session(self):
        s = self.server
        owner = harness.new_user(s, "own")
        car = create_vehicle(s, owner, vin="WVWZZZ1JZXW000001")
        tag = "TAG-" + car["id"][-10:]
        check(s.request("PUT", "/v1/vehicles/%s/anti-theft" % car["id"], token=owner.token,
                        body={"low_charge_threshold_percent": 20, "id_tags": [tag]}),
              200, "anti-theft settings")
        stream, _ = open_ws(s, owner)
        self.addCleanup(stream.close)
        operator = oh.make_operator(s)
        cp = oh.register(s, operator)

        # Connect (password check, registry), and every CALL this central system answers.
        ws = oh.connect(s, cp)
        self.addCleanup(ws.close)
        pile = oh.Pile(ws)
        self.assertEqual(pile.boot()["status"], "Accepted")
        pile.result("Heartbeat", {})
        pile.result("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                           "status": "Charging", "timestamp": NOW})
        self.assertEqual(pile.result("Authorize", {"idTag": tag})["idTagInfo"]["status"],
                         "Accepted")
        tx = pile.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                              "timestamp": NOW})["transactionId"]
        pile.result("MeterValues", {"connectorId": 1, "transactionId": tx, "meterValue": [
            {"timestamp": NOW, "sampledValue": [{"value": "55", "measurand": "SoC"}]}]})
        data = json.dumps({"connectorId": 1, "vin": car["vin"]})
        self.assertIn(pile.result("DataTransfer", {"vendorId": "com.paddock",
                                                   "messageId": "VehicleConnected",
                                                   "data": data})["status"],
                      ("Accepted", "Rejected"))

        # An operator's call, answered by the pile.
        calls = []

        def operator_call():
            calls.append(s.post("/v1/charge-points/%s/calls" % cp,
                                {"action": "GetConfiguration", "payload": {}},
                                token=operator.token))
        caller = threading.Thread(target=operator_call)
        caller.start()
        call = self.expect_call(pile, "GetConfiguration")
        pile.send([3, call[1], {"configurationKey": []}])
        caller.join(10)
        self.assertEqual(calls[0].status, 200, calls[0].body)

        # A lock: the pile is asked, answers; other tags are Blocked while it holds.
        r = s.post("/v1/vehicles/%s/lock" % car["id"],
                   {"reason": "stolen", "password": owner.password}, token=owner.token)
        self.assertEqual(r.status, 202, r.body)
        call = self.expect_call(pile, "DataTransfer")
        pile.send([3, call[1], {"status": "Accepted"}])
        self.wait_for_lock(owner, car, lambda lock: lock["state"] == "locked")
        self.assertEqual(pile.result("Authorize", {"idTag": "SOMEONE-ELSE"})
                         ["idTagInfo"]["status"], "Blocked")

        # The pile reconnects and boots: the lock is re-applied on the new connection.
        ws.close()
        ws2 = oh.connect(s, cp)
        self.addCleanup(ws2.close)
        pile = oh.Pile(ws2)
        message_id = pile.next_id()
        pile.send([2, message_id, "BootNotification", {"chargePointVendor": "Acme",
                                                       "chargePointModel": "Volt 22"}])
        # The boot's answer first, then the re-applied lock's call (OCPP 1.6 §4.2).
        boot, again = pile.ws.recv_json(5), pile.ws.recv_json(5)
        self.assertEqual((boot[0], boot[1], boot[2]["status"]), (3, message_id, "Accepted"), boot)
        self.assertEqual((again[0], again[2]), (2, "DataTransfer"), again)
        pile.send([3, again[1], {"status": "Accepted"}])

        # Released: the pile is asked to undo it.
        r = s.post("/v1/vehicles/%s/unlock" % car["id"], {"password": owner.password},
                   token=owner.token)
        self.assertEqual(r.status, 200, r.body)
        call = self.expect_call(pile, "DataTransfer")
        self.assertEqual(call[3]["messageId"], "UnlockVehicle")
        pile.send([3, call[1], {"status": "Accepted"}])
        pile.result("StopTransaction", {"transactionId": tx, "meterStop": 1000,
                                        "timestamp": NOW, "idTag": tag})
        self.wait_for_lock(owner, car,
                           lambda lock: lock["audit"][-1]["note"].startswith("reversed"))
        self.assertNoneOnIoThreads("an OCPP session")

    def test_a_browser_stream_authenticated_by_its_first_frame(self):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        car = create_vehicle(s, owner)
        follow(s, fan, car)
        for _ in range(3):
            ws = wsclient.WebSocket.connect(s.port, "/v1/stream")
            self.addCleanup(ws.close)
            ws.send_json({"type": "auth", "token": fan.token})
            self.assertEqual(ws.recv_json()["type"], "ready")
            post_message(s, owner, car["id"], "status")
            self.assertEqual(ws.recv_events(1)[0]["type"], "message.created")
            ws.close()
        # A wrong token is refused the same way, after its read.
        ws = wsclient.WebSocket.connect(s.port, "/v1/stream")
        self.addCleanup(ws.close)
        ws.send_json({"type": "auth", "token": fan.token + "x"})
        code, _, _ = ws.wait_closed()
        self.assertEqual(code, 1008)
        self.assertNoneOnIoThreads("a browser stream")

    def test_a_link_watch(self):
        s = self.server
        owner = harness.new_user(s, "own")
        device, _ = harness.register_device(s, owner.token)
        car = create_vehicle(s, owner)
        link = check(s.post("/v1/links", {"purpose": "share",
                                          "context": {"vehicle_id": car["id"]},
                                          "terminal": {"name": "PC", "kind": "pc"}},
                            token=owner.token), 201, "create link")
        with wsclient.EventSource.connect(
                s.port, "/v1/links/%s/events?watch_token=%s" % (link["id"], link["watch_token"]),
                timeout=5) as watch:
            other = harness.new_user(s, "other")
            phone, _ = harness.register_device(s, other.token)
            check(s.post("/v1/links/%s/claim" % link["id"],
                         {"secret": link["secret"], "device_id": phone["id"]},
                         token=other.token), 200, "claim")
            self.assertEqual(watch.next_event(5).json["type"], "link.claimed")
        self.assertNoneOnIoThreads("a link watch")


if __name__ == "__main__":
    unittest.main()
