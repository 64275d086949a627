"""Authentication on every protected route, cross-user isolation, hostile clients."""

import os
import re
import secrets
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import b64url, sign  # noqa: E402

# Every authenticated route of the contract: (method, path template, JSON body or None).
AUTHENTICATED_ROUTES = [
    ("GET", "/v1/me", None),
    ("DELETE", "/v1/sessions/current", None),
    ("POST", "/v1/devices", "device"),
    ("GET", "/v1/devices", None),
    ("DELETE", "/v1/devices/{id}", None),
    ("POST", "/v1/devices/{id}/challenge", {}),
    ("POST", "/v1/devices/{id}/verify", "verify"),
]


class AuthzTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        self.a = harness.new_user(self.server, "za")
        self.b = harness.new_user(self.server, "zb")
        self.dev, self.priv = harness.register_device(self.server, self.a.token, name="a's phone",
                                                      primary=True)

    def devices_of(self, user):
        r = self.server.get("/v1/devices", token=user.token)
        self.assertEqual(r.status, 200, r)
        return r.body["devices"]

    def body_for(self, kind):
        if kind == "device":
            return {"name": "x", "kind": "pc", "public_key": harness.make_keypair()[1]}
        if kind == "verify":
            return {"nonce": b64url(secrets.token_bytes(32)), "signature": b64url(secrets.token_bytes(64))}
        return kind

    def test_every_route_requires_a_valid_token(self):
        logged_out = harness.new_user(self.server, "zc")
        self.assertEqual(self.server.delete("/v1/sessions/current", token=logged_out.token).status, 204)
        bad_headers = [
            ("none", {}),
            ("garbage", {"Authorization": "Bearer garbage-token"}),
            ("random", {"Authorization": "Bearer " + secrets.token_urlsafe(32)}),
            ("empty", {"Authorization": "Bearer "}),
            ("basic", {"Authorization": "Basic " + "YTpi"}),
            ("logged-out", {"Authorization": "Bearer " + logged_out.token}),
        ]
        for method, template, body in AUTHENTICATED_ROUTES:
            path = template.replace("{id}", self.dev["id"])
            for label, headers in bad_headers:
                with self.subTest(route="%s %s" % (method, template), auth=label):
                    r = self.server.request(method, path, body=self.body_for(body), headers=headers)
                    self.assertProblem(r, 401, "unauthorized")
        # Nothing happened to A's device or session.
        devs = self.devices_of(self.a)
        self.assertEqual([d["id"] for d in devs], [self.dev["id"]])
        self.assertIs(devs[0]["verified"], False)
        self.assertEqual(self.server.get("/v1/me", token=self.a.token).status, 200)

    def test_every_route_accepts_a_valid_token(self):
        # The other side of the table: with A's token nothing answers 401.
        for method, template, body in AUTHENTICATED_ROUTES:
            if template == "/v1/sessions/current":
                continue  # would log A out; covered in test_identity
            path = template.replace("{id}", self.dev["id"])
            if method == "DELETE":
                d, _ = harness.register_device(self.server, self.a.token, name="tmp")
                path = template.replace("{id}", d["id"])
            with self.subTest(route="%s %s" % (method, template)):
                r = self.server.request(method, path, body=self.body_for(body), token=self.a.token)
                self.assertNotEqual(r.status, 401, r)
                self.assertLess(r.status, 500, r)

    def test_other_user_gets_404_on_my_devices(self):
        before = self.devices_of(self.a)
        ch = self.server.post("/v1/devices/%s/challenge" % self.dev["id"], {}, token=self.a.token).body
        good_sig = sign(self.priv, ch["signing_input"])
        attempts = [
            ("DELETE", "/v1/devices/{id}", None),
            ("POST", "/v1/devices/{id}/challenge", {}),
            ("POST", "/v1/devices/{id}/verify", {"nonce": ch["nonce"], "signature": good_sig}),
            ("POST", "/v1/devices/{id}/verify", {"nonce": ch["nonce"], "signature": b64url(b"\x00" * 64)}),
        ]
        for method, template, body in attempts:
            with self.subTest(route="%s %s" % (method, template)):
                r = self.server.request(method, template.replace("{id}", self.dev["id"]), body=body,
                                        token=self.b.token)
                self.assertProblem(r, 404, "not_found")
        # Same answer as for a device that does not exist at all (no existence oracle).
        r = self.server.delete("/v1/devices/dev_does_not_exist", token=self.b.token)
        self.assertProblem(r, 404, "not_found")
        # A's device list is unaffected, B sees none of it.
        self.assertEqual(self.devices_of(self.a), before)
        self.assertEqual(self.devices_of(self.b), [])
        # A's outstanding challenge was not consumed by B's attempts.
        r = self.server.post("/v1/devices/%s/verify" % self.dev["id"],
                             {"nonce": ch["nonce"], "signature": good_sig}, token=self.a.token)
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.body["verified"], True)

    def test_other_user_cannot_use_my_nonce_on_their_device(self):
        b_dev, b_priv = harness.register_device(self.server, self.b.token, name="b's pc", kind="pc")
        ch = self.server.post("/v1/devices/%s/challenge" % self.dev["id"], {}, token=self.a.token).body
        r = self.server.post("/v1/devices/%s/verify" % b_dev["id"],
                             {"nonce": ch["nonce"], "signature": sign(b_priv, ch["signing_input"])},
                             token=self.b.token)
        self.assertEqual(r.status, 422, r)
        self.assertIn(r.body.get("code"), ("challenge_invalid", "signature_invalid"), r.body)
        self.assertIs(self.devices_of(self.b)[0]["verified"], False)

    def test_primary_flag_is_per_user(self):
        harness.register_device(self.server, self.b.token, name="b primary", primary=True)
        self.assertIs(self.devices_of(self.a)[0]["primary"], True)


class HostileClientTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def assertServes(self):
        t0 = time.monotonic()
        r = self.server.get("/healthz", timeout=3)
        self.assertEqual(r.status, 200, r)
        self.assertLess(time.monotonic() - t0, 1.5)

    def test_garbage_bytes_do_not_stop_others(self):
        junk = [
            b"\x00\xff\xfe\x01garbage\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(200),  # a TLS ClientHello-ish
            b"HELLO WORLD\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET / HTTP/9.9\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            b"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
            os.urandom(4096),
        ]
        open_socks = []
        try:
            for data in junk:
                with self.subTest(data=data[:24]):
                    s = harness.raw_connect(self.server.port)
                    open_socks.append(s)
                    harness.send_ignoring_errors(s, data)
                    complete_head = data.endswith(b"\r\n\r\n")
                    resp, how, raw = harness.read_response(s, timeout=3 if complete_head else 0.5)
                    # Either an HTTP error answer (4xx, or 505 for the version) or the connection
                    # is dropped; never a success, never a crash.  Junk without a head terminator
                    # may legitimately wait for the read timeout.
                    if complete_head:
                        self.assertNotEqual(how, "timeout", "server neither answered nor closed: %r" % raw)
                    if resp is not None:
                        self.assertGreaterEqual(resp.status, 400, resp)
                        self.assertTrue(resp.status < 500 or resp.status == 505, resp)
                    self.assertServes()
            # Misbehaving connections still open (or half-closed) do not block anyone.
            for _ in range(3):
                self.assertServes()
        finally:
            for s in open_socks:
                s.close()

    def test_abrupt_disconnects(self):
        u = harness.new_user(self.server, "abrupt")
        for i in range(10):
            s = harness.raw_connect(self.server.port)
            s.sendall(b"POST /v1/devices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + u.token.encode() +
                      b"\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"name\":")
            # Close with RST instead of FIN.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        self.assertServes()
        r = self.server.get("/v1/devices", token=u.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["devices"], [])

    def test_idle_connections_do_not_block_others(self):
        socks = [harness.raw_connect(self.server.port) for _ in range(30)]
        try:
            for _ in range(3):
                self.assertServes()
        finally:
            for s in socks:
                s.close()

    def test_pipelined_requests(self):
        s = harness.raw_connect(self.server.port)
        try:
            req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            s.sendall(req * 3)
            data = self.read_answers(s, 3, limit=5)
            self.assertEqual(data.count(b"HTTP/1.1 200"), 3, data)
        finally:
            s.close()

    def read_answers(self, s, count, limit=10):
        data = bytearray()
        seen = 0
        deadline = time.monotonic() + limit
        while seen < count and time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            # A status line may straddle two reads; one that starts in the last 8 bytes read
            # before was not complete, so not counted yet.
            start = max(0, len(data) - 8)
            data += chunk
            seen += data.count(b"HTTP/1.1 ", start)
        return bytes(data)

    def test_pipelined_requests_with_bodies_are_answered_in_order(self):
        # Heads and bodies all in one send: each request is parsed from what was buffered.
        names = ["pipe_%s" % secrets.token_hex(4) for _ in range(2)]
        reqs = b""
        for name in names:
            body = ('{"username":"%s","password":"correct horse battery"}' % name).encode()
            reqs += (b"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body)) + body
        reqs += b"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" \
                b"Content-Length: 5\r\n\r\n{nope"
        s = harness.raw_connect(self.server.port)
        try:
            s.sendall(reqs)
            data = self.read_answers(s, 3)
        finally:
            s.close()
        statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", data)
        self.assertEqual(statuses, [b"201", b"201", b"400"], data)
        self.assertLess(data.index(names[0].encode()), data.index(names[1].encode()))

    def test_a_request_in_pieces_is_answered(self):
        body = ('{"username":"piece_%s","password":"correct horse battery"}'
                % secrets.token_hex(4)).encode()
        head = (b"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body))
        s = harness.raw_connect(self.server.port)
        try:
            # Part of the head, then the rest of it with half the body, then the other half.
            for piece in (head[:20], head[20:] + body[:10], body[10:]):
                s.sendall(piece)
                time.sleep(0.15)
            data = self.read_answers(s, 1)
        finally:
            s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 201"), data)

    def test_answers_wait_for_a_client_that_reads_late(self):
        # More answers than the socket buffers hold (the kernel lets a send buffer grow to
        # 4 MiB): the server's writes must wait for the client to read, and every answer still
        # arrives whole and in order.
        count = 40000
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", self.server.port))
        sender = threading.Thread(
            target=s.sendall, args=(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * count,))
        sender.start()
        try:
            time.sleep(0.5)
            data = self.read_answers(s, count, limit=30)
        finally:
            sender.join(30)
            s.close()
        self.assertEqual(data.count(b"HTTP/1.1 200"), count)
        self.assertEqual(data.count(b"HTTP/1.1 "), count)
        self.assertEqual(self.server.get("/healthz").status, 200, "and it keeps serving")


if __name__ == "__main__":
    unittest.main()
