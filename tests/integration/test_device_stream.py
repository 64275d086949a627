"""A stream (or feed page) that serves one of the caller's devices: the optional device_id
query parameter on /v1/stream, /v1/events and /v1/feed.  It must name one of the caller's
own devices; somebody else's device (or an unknown id) is refused with a 403 problem document
(code "forbidden") before any stream opens.  An accepted device stream carries the same
events as a plain one (device-targeted events reach only that device's streams; they are
covered by the unit tests, since no route emits one yet)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wsclient  # noqa: E402
from sharing_helpers import (check, create_vehicle, follow, post_message,  # noqa: E402
                             summary)


class DeviceStreamTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        s = self.server
        self.owner = harness.new_user(s, "own")
        self.fan = harness.new_user(s, "fan")
        self.stranger = harness.new_user(s, "str")
        self.vehicle = create_vehicle(s, self.owner)
        follow(s, self.fan, self.vehicle)
        self.fan_device, _ = harness.register_device(s, self.fan.token, name="fan phone")
        self.stranger_device, _ = harness.register_device(s, self.stranger.token, name="theirs")

    def test_someone_elses_device_is_forbidden_everywhere(self):
        s = self.server
        for device_id in (self.stranger_device["id"], "dev_doesnotexist"):
            query = "?device_id=" + device_id
            with self.subTest(device_id=device_id, route="/v1/feed"):
                self.assertProblem(s.get("/v1/feed" + query, token=self.fan.token), 403,
                                   "forbidden")
            with self.subTest(device_id=device_id, route="/v1/stream"):
                with self.assertRaises(wsclient.HandshakeError) as cm:
                    ws = wsclient.WebSocket.connect(s.port, "/v1/stream" + query,
                                                    token=self.fan.token)
                    ws.abort()
                self.assertIsNotNone(cm.exception.response, cm.exception)
                self.assertProblem(cm.exception.response, 403, "forbidden")
            with self.subTest(device_id=device_id, route="/v1/events"):
                with self.assertRaises(wsclient.SSEError) as cm:
                    wsclient.EventSource.connect(s.port, "/v1/events" + query,
                                                 token=self.fan.token).close()
                self.assertIsNotNone(cm.exception.response, cm.exception)
                self.assertProblem(cm.exception.response, 403, "forbidden")
            with self.subTest(device_id=device_id, route="/v1/stream in-band auth"):
                # The token arrives after the upgrade, so the refusal is a policy close.
                ws = wsclient.WebSocket.connect(s.port, "/v1/stream" + query)
                try:
                    ws.send_json({"type": "auth", "token": self.fan.token})
                    code, reason, before = ws.wait_closed(5)
                finally:
                    ws.abort()
                self.assertEqual((code, before), (1008, []), reason)

    def test_own_device_is_accepted_on_every_route(self):
        s = self.server
        query = "?device_id=" + self.fan_device["id"]
        page = check(s.get("/v1/feed" + query, token=self.fan.token), 200, "feed page")
        head = page["next_cursor"]

        ws = wsclient.WebSocket.connect(s.port, "/v1/stream" + query + "&cursor=" + head,
                                        token=self.fan.token)
        try:
            ready = ws.recv_json(5)
            self.assertEqual(ready.get("type"), "ready", ready)
            message = post_message(s, self.owner, self.vehicle["id"], "status")
            events = ws.recv_events(1)
            self.assertEqual(summary(events), [("message.created", message["id"])])
        finally:
            ws.abort()

        sse = wsclient.EventSource.connect(s.port, "/v1/events" + query + "&cursor=" + head,
                                           token=self.fan.token)
        try:
            events = [e.json for e in sse.events(1)]
            self.assertEqual(summary(events), [("message.created", message["id"])])
        finally:
            sse.close()

        in_band = wsclient.WebSocket.connect(s.port, "/v1/stream" + query)
        try:
            in_band.send_json({"type": "auth", "token": self.fan.token})
            self.assertEqual(in_band.recv_json(5).get("type"), "ready")
        finally:
            in_band.abort()

        page = check(s.get("/v1/feed" + query + "&cursor=" + head, token=self.fan.token), 200,
                     "feed page")
        self.assertEqual(summary(page["events"]), [("message.created", message["id"])])


if __name__ == "__main__":
    import unittest
    unittest.main()
