"""Connection admission (issue 14 item 2): a per-address connection limit, a short first-byte
timeout, Retry-After on every connection refusal, and the PROXY protocol (v1 and v2) from
trusted proxies, with the limit applied to the client the proxy names.

Clients pick their source address on the loopback network (127.0.0.2, 127.0.0.3, ...: Linux
routes all of 127/8 to lo), so "another client" needs no other interface; the server listens on
127.0.0.1 only."""

import base64
import os
import select
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def connect_from(port, source, timeout=5.0):
    """A TCP connection to the server from loopback address `source`."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def healthz_from(port, source, prefix=b"", timeout=5.0):
    """Sends `prefix` (a PROXY header or nothing) and GET /healthz; returns (Response, how, raw)."""
    with connect_from(port, source, timeout) as s:
        harness.send_ignoring_errors(s, prefix + HEALTHZ)
        return harness.read_response(s, timeout)


def proxy_v1(client, client_port=40000):
    family = "TCP6" if ":" in client else "TCP4"
    server = "::1" if family == "TCP6" else "127.0.0.1"
    return ("PROXY %s %s %s %d 8080\r\n" % (family, client, server, client_port)).encode()


def proxy_v2(client=None, client_port=40000, local=False):
    """A v2 header; `local` sends the LOCAL command (the proxy's own health check)."""
    if local:
        return V2_SIGNATURE + bytes([0x20, 0x00]) + struct.pack("!H", 0)
    if ":" in client:
        block = socket.inet_pton(socket.AF_INET6, client) + socket.inet_pton(socket.AF_INET6, "::1")
        family = 0x21
    else:
        block = socket.inet_pton(socket.AF_INET, client) + socket.inet_pton(socket.AF_INET,
                                                                           "127.0.0.1")
        family = 0x11
    block += struct.pack("!HH", client_port, 8080)
    block += bytes([0x04, 0x00, 0x02]) + b"ok"  # a TLV (PP2_TYPE_NOOP), skipped by the server
    return V2_SIGNATURE + bytes([0x21, family]) + struct.pack("!H", len(block)) + block


class ConnLimitCase(harness.PaddockTestCase):

    def setUp(self):
        self.held = []

    def tearDown(self):
        for s in self.held:
            s.close()

    def hold(self, source, data=b""):
        """Opens a connection from `source`, sends `data` and keeps it open for the test."""
        s = connect_from(self.server.port, source)
        self.held.append(s)
        if data:
            s.sendall(data)
        return s

    def hold_admitted(self, source, header):
        """Like hold(), for a trusted proxy: a request answered on the connection shows that
        its header was read and its client counted (that happens on the connection's own
        thread, after accept, so it is not ordered with other connections otherwise)."""
        s = self.hold(source, header + HEALTHZ)
        self.assertServed(*harness.read_response(s))
        return s

    def release_held(self):
        for s in self.held:
            s.close()
        self.held = []

    def assertRefused(self, resp, how, raw):
        self.assertIsNotNone(resp, "no answer (%s): %r" % (how, raw))
        self.assertProblem(resp, 503, "too_many_connections")
        retry = resp.headers.get("retry-after", "")
        self.assertTrue(retry.isdigit() and int(retry) > 0, "Retry-After must be seconds: %r" % retry)

    def assertServed(self, resp, how, raw):
        self.assertIsNotNone(resp, "no answer (%s): %r" % (how, raw))
        self.assertEqual(resp.status, 200, resp)

    def assertServedEventually(self, source, prefix=b""):
        def check():
            self.assertServed(*healthz_from(self.server.port, source, prefix, timeout=3))
        harness.eventually(check, timeout=5, interval=0.1)


class PerAddressLimitTest(ConnLimitCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"PADDOCK_MAX_CONNECTIONS_PER_ADDRESS": 3,
                                                 "PADDOCK_FIRST_BYTE_TIMEOUT_SECONDS": 30})

    def test_idle_sockets_fill_one_address_quota_only(self):
        for _ in range(3):
            self.hold("127.0.0.1")
        self.assertRefused(*healthz_from(self.server.port, "127.0.0.1"))
        # Another client (even /healthz, which orchestrators poll) is still served.
        self.assertServed(*healthz_from(self.server.port, "127.0.0.2"))
        self.release_held()
        self.assertServedEventually("127.0.0.1")

    def test_keep_alive_connections_count_until_closed(self):
        for _ in range(3):
            s = self.hold("127.0.0.3", HEALTHZ)
            self.assertServed(*harness.read_response(s))
        self.assertRefused(*healthz_from(self.server.port, "127.0.0.3"))
        self.held[0].close()
        self.assertServedEventually("127.0.0.3")

    def test_event_source_and_websocket_sessions_give_their_slot_back(self):
        # Stream sessions outlive the request coroutine: their end must still release the slot.
        user = harness.new_user(self.server)
        sse = ("GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
               "Authorization: Bearer %s\r\n\r\n" % user.token).encode()
        key = base64.b64encode(os.urandom(16)).decode()
        ws = ("GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
              "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
              % key).encode()
        for request, expected in ((sse, b"HTTP/1.1 200"), (sse, b"HTTP/1.1 200"),
                                  (ws, b"HTTP/1.1 101")):
            s = self.hold("127.0.0.4", request)
            data = b""
            deadline = time.monotonic() + 5
            while b"\r\n\r\n" not in data and time.monotonic() < deadline:
                s.settimeout(max(0.05, deadline - time.monotonic()))
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            self.assertTrue(data.startswith(expected), data)
        self.assertRefused(*healthz_from(self.server.port, "127.0.0.4"))
        self.release_held()
        self.assertServedEventually("127.0.0.4")
        # All three slots came back, not just one: three new connections are all admitted. The
        # probe's own connection frees its slot when the server sees it close, so retry for a
        # bounded while rather than guess how long that takes on a loaded machine.
        deadline = time.monotonic() + 5
        while True:
            fresh = [self.hold("127.0.0.4") for _ in range(3)]
            readable, _, _ = select.select(fresh, [], [], 0.5)
            if not readable or time.monotonic() > deadline:
                break
            self.release_held()
            time.sleep(0.1)
        self.assertEqual(readable, [], "a connection was refused: a slot leaked")
        self.assertRefused(*healthz_from(self.server.port, "127.0.0.4"))


class PerAddressFlagTest(ConnLimitCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(args=["--max-connections-per-address", "1"])

    def test_flag_sets_the_limit(self):
        self.hold("127.0.0.5")
        self.assertRefused(*healthz_from(self.server.port, "127.0.0.5"))
        self.assertServed(*healthz_from(self.server.port, "127.0.0.6"))


class GlobalLimitTest(ConnLimitCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"PADDOCK_MAX_CONNECTIONS": 2})

    def test_global_refusal_carries_retry_after(self):
        for source in ("127.0.0.2", "127.0.0.3"):
            s = self.hold(source, HEALTHZ)
            self.assertServed(*harness.read_response(s))
        self.assertRefused(*healthz_from(self.server.port, "127.0.0.4"))
        self.release_held()
        self.assertServedEventually("127.0.0.4")


class FirstByteTimeoutTest(ConnLimitCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(
            env={"PADDOCK_FIRST_BYTE_TIMEOUT_SECONDS": 1, "PADDOCK_IDLE_TIMEOUT_SECONDS": 30},
            args=["--trusted-proxies", "127.0.0.9"])

    def assertClosedSilently(self, sock, started, low=0.7, high=3.5):
        data, how = harness.read_until_close(sock, high + 1 - (time.monotonic() - started))
        elapsed = time.monotonic() - started
        self.assertIn(how, ("eof", "reset"), "still open after %.1f s" % elapsed)
        self.assertEqual(data, b"")
        self.assertGreaterEqual(elapsed, low, "closed after only %.1f s" % elapsed)
        self.assertLessEqual(elapsed, high, "closed only after %.1f s" % elapsed)

    def test_silent_connection_closed_after_first_byte_timeout(self):
        started = time.monotonic()
        s = self.hold("127.0.0.2")
        self.assertClosedSilently(s, started)

    def test_after_a_request_the_idle_timeout_applies(self):
        s = self.hold("127.0.0.2", HEALTHZ)
        self.assertServed(*harness.read_response(s))
        time.sleep(2.5)
        s.sendall(HEALTHZ)
        self.assertServed(*harness.read_response(s))

    def test_proxy_header_and_first_request_share_the_first_byte_timeout(self):
        started = time.monotonic()
        silent = self.hold("127.0.0.9")
        header_only = self.hold("127.0.0.9", proxy_v1("203.0.113.7"))
        self.assertClosedSilently(silent, started)
        self.assertClosedSilently(header_only, started)


class ProxyProtocolTest(ConnLimitCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(
            env={"PADDOCK_MAX_CONNECTIONS_PER_ADDRESS": 2,
                 "PADDOCK_FIRST_BYTE_TIMEOUT_SECONDS": 30,
                 "PADDOCK_LOGIN_MAX_FAILURES_PER_ADDRESS": 2},
            args=["--trusted-proxies", "127.0.0.1/32,::1"])

    def test_limit_applies_to_the_client_the_proxy_names(self):
        # Four connections from the proxy's one address, two clients' quotas.
        self.hold_admitted("127.0.0.1", proxy_v1("203.0.113.7"))
        self.hold_admitted("127.0.0.1", proxy_v2("203.0.113.7"))
        self.assertRefused(*healthz_from(self.server.port, "127.0.0.1", proxy_v1("203.0.113.7")))
        self.assertRefused(*healthz_from(self.server.port, "127.0.0.1", proxy_v2("203.0.113.7")))
        self.hold_admitted("127.0.0.1", proxy_v2("198.51.100.9"))
        self.assertServed(*healthz_from(self.server.port, "127.0.0.1", proxy_v1("198.51.100.9")))
        self.assertServed(*healthz_from(self.server.port, "127.0.0.1", proxy_v2("2001:db8::1")))
        self.assertServed(*healthz_from(self.server.port, "127.0.0.1", proxy_v1("2001:db8::2")))
        # A peer that is not a trusted proxy is counted as itself.
        self.assertServed(*healthz_from(self.server.port, "127.0.0.2"))
        # The refusal is logged with the client's address, not the proxy's.
        log = self.server.stderr_text(max_lines=100000)
        self.assertRegex(log, r"too_many_connections.*203\.0\.113\.7")
        self.release_held()
        self.assertServedEventually("127.0.0.1", proxy_v1("203.0.113.7"))

    def test_v2_local_counts_the_proxy_itself(self):
        for _ in range(2):
            self.hold_admitted("127.0.0.1", proxy_v2(local=True))
        self.assertRefused(*healthz_from(self.server.port, "127.0.0.1", proxy_v2(local=True)))
        self.assertRefused(*healthz_from(self.server.port, "127.0.0.1", b"PROXY UNKNOWN\r\n"))
        self.assertServed(*healthz_from(self.server.port, "127.0.0.1", proxy_v1("192.0.2.44")))
        self.release_held()
        self.assertServedEventually("127.0.0.1", proxy_v2(local=True))

    def test_trusted_peer_without_a_valid_header_is_closed(self):
        for name, data in (
                ("plain HTTP", HEALTHZ),
                ("bad v1 address", b"PROXY TCP4 203.0.113.999 127.0.0.1 1 2\r\n" + HEALTHZ),
                ("v1 without CR", b"PROXY TCP4 203.0.113.7 127.0.0.1 1 2\n" + HEALTHZ),
                ("v1 too long", b"PROXY UNKNOWN " + b"x" * 200 + b"\r\n" + HEALTHZ),
                ("v2 version 1", V2_SIGNATURE + b"\x11\x11\x00\x0c" + b"\x00" * 12 + HEALTHZ),
                ("v2 longer than the bound", V2_SIGNATURE + b"\x21\x11\xff\xff" + b"\x00" * 64)):
            with self.subTest(name):
                with connect_from(self.server.port, "127.0.0.1") as s:
                    harness.send_ignoring_errors(s, data)
                    got, how = harness.read_until_close(s, 5)
                self.assertIn(how, ("eof", "reset"), name)
                self.assertEqual(got, b"", "%s: no HTTP answer to a connection that is not "
                                           "what the proxy promised" % name)

    def test_shutdown_closes_connections_waiting_for_their_header(self):
        srv = self.start_server(args=["--trusted-proxies", "127.0.0.1"],
                                env={"PADDOCK_FIRST_BYTE_TIMEOUT_SECONDS": 30})
        silent = connect_from(srv.port, "127.0.0.1")
        partial = connect_from(srv.port, "127.0.0.1")
        try:
            partial.sendall(b"PROXY TCP4 203.0.")
            self.assertServed(*healthz_from(srv.port, "127.0.0.1", proxy_v1("203.0.113.8")))
            self.assertEqual(srv.stop(), 0)
            self.assertLess(srv.last_stop_seconds, 5.0)
        finally:
            silent.close()
            partial.close()

    def test_untrusted_peer_header_is_just_bad_http(self):
        resp, how, raw = healthz_from(self.server.port, "127.0.0.2", proxy_v1("203.0.113.7"))
        self.assertIsNotNone(resp, "no answer (%s): %r" % (how, raw))
        self.assertProblem(resp, 400, "malformed_request")

    def test_login_limiter_sees_the_real_client(self):
        def failed_login(client):
            body = b'{"username":"nobody%s","password":"wrong password"}' % os.urandom(4).hex().encode()
            request = (b"POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
            with connect_from(self.server.port, "127.0.0.1") as s:
                s.sendall(proxy_v1(client) + request + body)
                resp, how, raw = harness.read_response(s, 10)
            self.assertIsNotNone(resp, "no answer (%s): %r" % (how, raw))
            return resp
        for _ in range(2):
            self.assertProblem(failed_login("203.0.113.50"), 401, "invalid_credentials")
        self.assertProblem(failed_login("203.0.113.50"), 429, "too_many_attempts")
        # The proxy's other clients are not locked out with it.
        self.assertProblem(failed_login("203.0.113.51"), 401, "invalid_credentials")


if __name__ == "__main__":
    unittest.main()
