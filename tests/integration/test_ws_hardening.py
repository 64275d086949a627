"""WebSocket hardening (issue 14 items 1, 6, 7, 8, 9): a ping flood stays bounded, handshake
refusals are problem documents, protocol violations get RFC 6455 close codes, a stalled
consumer gets its close and resume cursor, a missing auth frame is a 1008 `unauthorized:`."""

import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wsclient  # noqa: E402
from sharing_helpers import create_vehicle, feed_page, follow, open_ws  # noqa: E402


def rss_kib(server):
    with open("/proc/%d/status" % server.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % server.proc.pid)


class HandshakeRefusalTest(harness.PaddockTestCase):
    """Every refused upgrade is an RFC 9457 problem document, and no Server header names a
    library version."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def refuse(self, headers):
        with self.assertRaises(wsclient.HandshakeError) as cm:
            wsclient.WebSocket.connect(self.server.port, "/v1/stream", headers=headers)
        resp = cm.exception.response
        self.assertIsNotNone(resp, cm.exception)
        self.assertNotIn("server", resp.headers, resp.headers)
        return resp

    def test_unsupported_version_is_426_naming_13(self):
        for version in ("8", None):
            with self.subTest(version=version):
                resp = self.refuse({"Sec-WebSocket-Version": version})
                self.assertProblem(resp, 426, "upgrade_required")
                self.assertEqual(resp.headers.get("sec-websocket-version"), "13", resp.headers)

    def test_missing_or_malformed_key_is_400(self):
        for key in (None, "not-a-nonce", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQAA",
                    "!!!!!!!!!!!!!!!!!!!!!!=="):
            with self.subTest(key=key):
                resp = self.refuse({"Sec-WebSocket-Key": key})
                self.assertProblem(resp, 400, "malformed_request")

    def test_no_server_header_anywhere(self):
        for path in ("/healthz", "/v1/me", "/v1/stream", "/nope"):
            with self.subTest(path=path):
                resp = self.server.get(path)
                self.assertNotIn("server", resp.headers, resp.headers)
        ws = wsclient.WebSocket.connect(self.server.port, "/v1/stream")
        self.addCleanup(ws.abort)
        self.assertNotIn("server", ws.response_headers, ws.response_headers)


    def test_the_feed_echoes_no_subprotocol(self):
        # /v1/stream speaks none: an offer is not echoed (RFC 6455 §4.2.2) and the stream works.
        user = harness.new_user(self.server, "sub")
        ws = wsclient.WebSocket.connect(self.server.port, "/v1/stream", token=user.token,
                                        headers={"Sec-WebSocket-Protocol": "ocpp1.6, chat"})
        self.addCleanup(ws.abort)
        self.assertNotIn("sec-websocket-protocol", ws.response_headers, ws.response_headers)
        self.assertEqual(ws.recv_json()["type"], "ready")


class ProtocolViolationTest(harness.PaddockTestCase):
    """After authentication, frames that break RFC 6455 close the connection with the code
    section 7.4 names."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.user = harness.new_user(cls.server, "viol")

    def test_each_violation_gets_its_close_code(self):
        big = b"a" * 40000
        cases = [
            ("continuation with nothing to continue", [(wsclient.OP_CONT, b"x", True)], 1002),
            ("text inside an unfinished message",
             [(wsclient.OP_TEXT, b"a", False), (wsclient.OP_TEXT, b"b", True)], 1002),
            ("invalid UTF-8 in a text frame", [(wsclient.OP_TEXT, b"\xc0\xaf", True)], 1007),
            ("fragmented message over 64 KiB",
             [(wsclient.OP_TEXT, big, False), (wsclient.OP_CONT, big, True)], 1009),
            ("close code 999", [(wsclient.OP_CLOSE, b"\x03\xe7", True)], 1002),
            ("close code 1005 on the wire", [(wsclient.OP_CLOSE, b"\x03\xed", True)], 1002),
            ("1-byte close payload", [(wsclient.OP_CLOSE, b"\x03", True)], 1002),
            ("close reason not UTF-8", [(wsclient.OP_CLOSE, b"\x03\xe8\xff", True)], 1007),
        ]
        for name, frames, expected in cases:
            with self.subTest(name):
                ws, _ = open_ws(self.server, self.user)
                self.addCleanup(ws.abort)
                for opcode, payload, fin in frames:
                    ws.send_frame(opcode, payload, fin=fin)
                code, reason, before = ws.wait_closed(5)
                self.assertEqual(code, expected, reason)
                self.assertEqual(before, [])

    def test_valid_close_is_echoed(self):
        ws, _ = open_ws(self.server, self.user)
        self.addCleanup(ws.abort)
        ws.send_frame(wsclient.OP_CLOSE, b"\x0f\xa1bye")  # 4001
        frame = ws.recv_frame(5)
        self.assertEqual(frame.opcode, wsclient.OP_CLOSE)
        self.assertEqual(frame.payload[:2], b"\x0f\xa1")


class AuthFrameTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def test_missing_auth_frame_is_1008_unauthorized(self):
        ws = wsclient.WebSocket.connect(self.server.port, "/v1/stream")
        self.addCleanup(ws.abort)
        started = time.monotonic()
        code, reason, before = ws.wait_closed(15)
        self.assertEqual(code, 1008, reason)
        self.assertTrue(reason.startswith("unauthorized:"), reason)
        self.assertIn('expected {"type":"auth"', reason)
        self.assertEqual(before, [])
        self.assertGreater(time.monotonic() - started, 8, "closed before the 10 s deadline")

    def test_binary_first_frame_is_1008_unauthorized(self):
        ws = wsclient.WebSocket.connect(self.server.port, "/v1/stream")
        self.addCleanup(ws.abort)
        ws.send_binary(b"\x01\x02")
        code, reason, _ = ws.wait_closed(5)
        self.assertEqual(code, 1008, reason)
        self.assertTrue(reason.startswith("unauthorized:"), reason)


class PingFloodTest(harness.PaddockTestCase):
    """A client that never reads and floods pings cannot grow the server's memory."""

    def test_ping_flood_memory_is_bounded(self):
        s = self.start_server()
        user = harness.new_user(s, "flood")
        ws = wsclient.WebSocket.connect(s.port, "/v1/stream", token=user.token, rcvbuf=1024)
        self.addCleanup(ws.abort)
        time.sleep(0.3)
        before = rss_kib(s)
        batch = b"".join(wsclient.encode_frame(wsclient.OP_PING, os.urandom(125))
                         for _ in range(512))  # 131 bytes per ping
        sent = 0
        blocked = closed = False
        deadline = time.monotonic() + 5
        ws.sock.settimeout(1.0)
        while time.monotonic() < deadline and sent < 200 * 1024 * 1024:
            try:
                ws.sock.sendall(batch)
            except socket.timeout:
                blocked = True  # the server stopped reading from us: what we want
                break
            except OSError:
                closed = True  # the server closed on us (e.g. 1008): also acceptable
                break
            sent += len(batch)
        after = rss_kib(s)
        # The server pushed back: it closed the flooding peer (1008, too many pings) or stopped
        # reading from it; it did not swallow the flood (the old server read 543 MB in 3 s).
        self.assertTrue(blocked or closed, "sent %d bytes without the server pushing back" % sent)
        growth = after - before
        self.assertLess(growth, 4 * 1024,
                        "RSS grew %d KiB (%d -> %d) after %d bytes of pings (blocked=%s)"
                        % (growth, before, after, sent, blocked))
        # The server is fine and still serves others.
        self.assertEqual(s.get("/healthz").status, 200)
        ws.abort()
        other = harness.new_user(s, "after")
        ws2, ready = open_ws(s, other)
        ws2.abort()
        self.assertEqual(ready["type"], "ready")


class StalledConsumerTest(harness.PaddockTestCase):
    """A consumer that stops reading past the stall limit is closed with 1008 and its resume
    cursor right behind what it will still receive; resuming from the cursor leaves no gap."""

    def stall(self, posts=600):
        """A follower whose WebSocket never reads while `posts` ~20 KB events are posted: more
        than the socket buffers on both sides and the session's queue hold."""
        s = self.start_server()
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        follow(s, fan, veh, ["status"])
        ws = wsclient.WebSocket.connect(s.port, "/v1/stream", token=fan.token, rcvbuf=4096)
        self.addCleanup(ws.abort)
        ready = ws.recv_json()
        self.assertEqual(ready["type"], "ready")
        body = json.dumps({"type": "status", "text": "z" * 4000,
                           "attributes": {"blob": "y" * 16000}}).encode()
        path = "/v1/vehicles/%s/messages" % veh["id"]
        headers = {"Content-Type": "application/json", "Authorization": "Bearer " + owner.token}
        workers = 4
        errors = []

        def poster():
            conn = s.connection(timeout=5)
            try:
                for _ in range(posts // workers):
                    conn.request("POST", path, body=body, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status != 201:
                        errors.append(resp.status)
                        return
            except Exception as e:  # reported below
                errors.append(e)
            finally:
                conn.close()

        threads = [threading.Thread(target=poster) for _ in range(workers)]
        self.stall_started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertFalse(any(t.is_alive() for t in threads), "posting did not finish in 60 s")
        self.assertEqual(errors, [])
        return s, fan, ws, ready

    def test_stalled_consumer_gets_close_code_and_cursor(self):
        posts = 600
        s, fan, ws, ready = self.stall(posts)
        # Stalled past the server's stall limit (10 s) but within its write timeout (30 s after
        # the cut, which may come early while posting: count from when posting started).
        time.sleep(max(0.0, self.stall_started + 13 - time.monotonic()))
        try:
            code, reason, msgs = ws.wait_closed(timeout=20)
        except socket.timeout:
            self.fail("no close frame after the stall")
        self.assertEqual(code, 1008, reason)
        self.assertTrue(reason.startswith("slow consumer"), reason)
        self.assertLess(len(msgs), posts, "everything was delivered: not stalled")
        numbers = [w for w in reason.replace(";", " ").split() if w.isdigit()]
        self.assertTrue(numbers, reason)
        resume_at = numbers[-1]
        events = [json.loads(m) for m in msgs]
        last_seen = events[-1]["cursor"] if events else ready["cursor"]
        self.assertEqual(resume_at, last_seen)
        seqs = [e["message"]["seq"] for e in events]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "gap or duplicate before the cut")
        ws2, ready2 = open_ws(s, fan, cursor=resume_at)
        self.addCleanup(ws2.abort)
        self.assertEqual(ready2["cursor"], resume_at)
        nxt = ws2.recv_json()
        self.assertEqual(nxt["message"]["seq"], len(seqs) + 1)
        self.assertEqual(feed_page(s, fan, resume_at, limit=1)["events"], [nxt])

    def test_a_stalled_consumer_does_not_hold_up_shutdown(self):
        s, _, ws, _ = self.stall(300)
        rc = s.stop()
        self.assertEqual(rc, 0, s.describe())
        self.assertLess(s.last_stop_seconds, 10)


if __name__ == "__main__":
    import unittest
    unittest.main()
