"""Every error of the contract, problem+json shape, limits, timeouts, request ids."""

import json
import os
import select
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def signup_body(username, password="0123456789abc", pad_to=None, **extra):
    body = dict({"username": username, "password": password}, **extra)
    raw = json.dumps(body).encode()
    if pad_to is not None:
        raw = raw[:-1] + b" " * (pad_to - len(raw)) + b"}"  # whitespace keeps it valid JSON
        assert len(raw) == pad_to
    return raw


class ErrorsTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def tearDown(self):
        # After whatever bad input the test sent, the server still serves normally.
        r = self.server.get("/healthz")
        self.assertEqual(r.status, 200, r)

    # -- JSON syntax -----------------------------------------------------------
    def test_malformed_json(self):
        name = harness.unique_username("mj")
        for raw in (b'{"username":', b"{'username': 'x'}", b"not json", b'{"a":1,}',
                    b'{"username":"' + name.encode() + b'","password":"0123456789abc"} trailing',
                    b"", b"{", b'{"a" 1}', b'{"a":01}', b"\xef\xbb\xbf{}x"):
            with self.subTest(body=raw):
                r = self.server.post("/v1/users", raw_body=raw)
                self.assertProblem(r, 400, "invalid_json")
                r = self.server.post("/v1/sessions", raw_body=raw)
                self.assertProblem(r, 400, "invalid_json")

    def test_not_an_object(self):
        for raw in (b"[]", b'[{"username":"abc","password":"0123456789abc"}]', b'"str"', b"42",
                    b"null", b"true"):
            with self.subTest(body=raw):
                self.assertProblem(self.server.post("/v1/users", raw_body=raw), 400, "invalid_json")
                self.assertProblem(self.server.post("/v1/sessions", raw_body=raw), 400, "invalid_json")

    def test_nesting_too_deep(self):
        depth = 5000
        for raw in (b'{"username":' + b"[" * depth + b"]" * depth + b',"password":"0123456789abc"}',
                    b'{"a":' * depth + b"1" + b"}" * depth):
            with self.subTest(kind=raw[:8]):
                self.assertProblem(self.server.post("/v1/users", raw_body=raw), 400, "invalid_json")

    def test_invalid_utf8_in_string(self):
        pw = b'","password":"0123456789abc"}'
        for bad in (b"ab\xff\xfecd", b"ab\xc0\xafcd", b"ab\xed\xa0\x80cd", b"abc\xe2\x82"):
            with self.subTest(bytes=bad):
                raw = b'{"username":"' + bad + pw
                self.assertProblem(self.server.post("/v1/users", raw_body=raw), 400, "invalid_json")
        # Invalid UTF-8 in a field that is otherwise fine (display_name).
        name = harness.unique_username("utf")
        raw = ('{"username":"%s","password":"0123456789abc","display_name":"' % name).encode() + b"\x80\x80\"}"
        self.assertProblem(self.server.post("/v1/users", raw_body=raw), 400, "invalid_json")
        # Valid multi-byte UTF-8 is fine afterwards, and nothing half-written blocks the name.
        raw = ('{"username":"%s","password":"0123456789abc","display_name":"Zoë 🚗"}' % name).encode()
        r = self.server.post("/v1/users", raw_body=raw)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["display_name"], "Zoë 🚗")

    # -- field validation ------------------------------------------------------
    def test_wrong_types(self):
        name = harness.unique_username("wt")
        cases = [
            ("username", {"username": 123, "password": "0123456789abc"}),
            ("username", {"username": None, "password": "0123456789abc"}),
            ("username", {"username": ["abc"], "password": "0123456789abc"}),
            ("password", {"username": name, "password": 1234567890123}),
            ("password", {"username": name, "password": True}),
            ("password", {"username": name, "password": {"a": "0123456789abc"}}),
            ("display_name", {"username": name, "password": "0123456789abc", "display_name": 5}),
            ("display_name", {"username": name, "password": "0123456789abc", "display_name": False}),
        ]
        for field, body in cases:
            with self.subTest(body=body):
                self.assertProblem(self.server.post("/v1/users", body), 422, "invalid_field", field=field)
        for field, body in (("username", {"username": 5, "password": "0123456789abc"}),
                            ("password", {"username": name, "password": 5})):
            with self.subTest(login=body):
                self.assertProblem(self.server.post("/v1/sessions", body), 422, "invalid_field", field=field)
        # None of the above created the user.
        harness.signup(self.server, name)

    def test_missing_fields(self):
        name = harness.unique_username("mf")
        r = self.server.post("/v1/users", {})
        self.assertProblem(r, 422, "invalid_field")
        self.assertIn(r.body.get("field"), ("username", "password"), r.body)
        self.assertProblem(self.server.post("/v1/users", {"password": "0123456789abc"}),
                           422, "invalid_field", field="username")
        self.assertProblem(self.server.post("/v1/users", {"username": name}),
                           422, "invalid_field", field="password")
        self.assertProblem(self.server.post("/v1/sessions", {"username": name}),
                           422, "invalid_field", field="password")
        self.assertProblem(self.server.post("/v1/sessions", {"password": "0123456789abc"}),
                           422, "invalid_field", field="username")
        harness.signup(self.server, name)

    def test_username_rules(self):
        for bad in ("a" * 33, "ab", "", "has space", "bad/char", "ünïcode", "semi;colon", "tab\tx",
                    "new\nline", "at@sign"):
            with self.subTest(username=bad):
                r = self.server.post("/v1/users", {"username": bad, "password": "0123456789abc"})
                self.assertProblem(r, 422, "invalid_field", field="username")
        base = harness.unique_username("ok")
        for good in ((base + "z" * 32)[:32], "a.b" + base[-6:], "A-_." + base[-6:]):
            with self.subTest(username=good):
                r = self.server.post("/v1/users", {"username": good, "password": "0123456789abc"})
                self.assertEqual(r.status, 201, r)
                self.assertEqual(r.body["username"], good.lower())

    def test_display_name_rules(self):
        name = harness.unique_username("dn")
        for bad in ("", "d" * 65):
            with self.subTest(display_name=bad):
                r = self.server.post("/v1/users", {"username": name, "password": "0123456789abc",
                                                   "display_name": bad})
                self.assertProblem(r, 422, "invalid_field", field="display_name")
        r = self.server.post("/v1/users", {"username": name, "password": "0123456789abc",
                                           "display_name": "é" * 64})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["display_name"], "é" * 64)

    def test_lengths_count_characters_not_bytes(self):
        # password: at least 10 *characters*, at most 1024 *bytes*.
        r = self.server.post("/v1/users", {"username": harness.unique_username("chr"), "password": "é" * 10})
        self.assertEqual(r.status, 201, r)
        r = self.server.post("/v1/users", {"username": harness.unique_username("chr"), "password": "é" * 9})
        self.assertProblem(r, 422, "password_too_short")
        r = self.server.post("/v1/users", {"username": harness.unique_username("chr"), "password": "é" * 513})
        self.assertProblem(r, 422, "invalid_field", field="password")
        r = self.server.post("/v1/users", {"username": harness.unique_username("chr"),
                                           "password": "0123456789", "display_name": "🚗" * 64})
        self.assertEqual(r.status, 201, r)
        u = harness.new_user(self.server, "chr")
        r = self.server.post("/v1/devices", {"name": "é" * 64, "kind": "pc",
                                             "public_key": harness.make_keypair()[1]}, token=u.token)
        self.assertEqual(r.status, 201, r)
        r = self.server.post("/v1/devices", {"name": "é" * 65, "kind": "pc",
                                             "public_key": harness.make_keypair()[1]}, token=u.token)
        self.assertProblem(r, 422, "invalid_field", field="name")

    def test_rejected_signup_leaves_nothing(self):
        name = harness.unique_username("retry")
        self.assertProblem(self.server.post("/v1/users", {"username": name, "password": "short"}),
                           422, "password_too_short")
        self.assertProblem(self.server.post("/v1/users", {"username": name, "password": "0123456789abc",
                                                          "display_name": ""}),
                           422, "invalid_field", field="display_name")
        self.assertProblem(self.server.post("/v1/users", raw_body=signup_body(name)[:-1]), 400, "invalid_json")
        self.assertProblem(self.server.post("/v1/users", raw_body=signup_body(name),
                                            headers={"Content-Type": "text/plain"}),
                           415, "unsupported_media_type")
        self.assertProblem(self.server.post("/v1/sessions", {"username": name, "password": "0123456789abc"}),
                           401, "invalid_credentials")
        r = self.server.post("/v1/users", {"username": name, "password": "0123456789abc"})
        self.assertEqual(r.status, 201, r)
        self.assertTrue(harness.login(self.server, name, "0123456789abc"))

    # -- media type ------------------------------------------------------------
    def test_content_type(self):
        name = harness.unique_username("ct")
        body = signup_body(name)
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/xml",
                      "multipart/form-data; boundary=x", "application/jsonx"):
            with self.subTest(content_type=ctype):
                r = self.server.post("/v1/users", raw_body=body, headers={"Content-Type": ctype})
                self.assertProblem(r, 415, "unsupported_media_type")
        r = self.server.post("/v1/users", raw_body=body, headers={"Content-Type": None})
        self.assertProblem(r, 415, "unsupported_media_type")
        r = self.server.post("/v1/users", raw_body=body,
                             headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(r.status, 201, r)

    # -- routing ---------------------------------------------------------------
    def test_unknown_route(self):
        for method, path in (("GET", "/"), ("GET", "/v1"), ("GET", "/v1/nope"), ("POST", "/v2/users"),
                             ("GET", "/v1/devices/abc/def"), ("DELETE", "/v1/users/me"),
                             ("GET", "/metrics/extra")):
            with self.subTest(method=method, path=path):
                r = self.server.request(method, path)
                self.assertProblem(r, 404, "not_found")

    def test_method_not_allowed(self):
        u = harness.new_user(self.server, "mna")
        d, _ = harness.register_device(self.server, u.token)
        table = [
            ("PUT", "/v1/users", {"POST"}),
            ("DELETE", "/v1/users", {"GET", "POST"}),
            ("POST", "/healthz", {"GET"}),
            ("DELETE", "/readyz", {"GET"}),
            ("POST", "/metrics", {"GET"}),
            ("GET", "/v1/sessions", {"POST"}),
            ("GET", "/v1/sessions/current", {"DELETE"}),
            ("DELETE", "/v1/me", {"GET"}),
            ("PATCH", "/v1/devices", {"GET", "POST"}),
            ("PUT", "/v1/devices/" + d["id"], {"DELETE"}),
            ("GET", "/v1/devices/" + d["id"] + "/challenge", {"POST"}),
            ("DELETE", "/v1/devices/" + d["id"] + "/verify", {"POST"}),
        ]
        for method, path, allowed in table:
            with self.subTest(method=method, path=path):
                r = self.server.request(method, path, token=u.token)
                self.assertProblem(r, 405, "method_not_allowed")
                allow = r.headers.get("allow")
                self.assertIsNotNone(allow, r.headers)
                self.assertRegex(allow, r"^[A-Z]+(, [A-Z]+)*$")
                methods = set(allow.split(", "))
                self.assertLessEqual(allowed, methods, allow)
                self.assertNotIn(method, methods)
        # The 405s did not delete anything.
        self.assertEqual(len(self.server.get("/v1/devices", token=u.token).body["devices"]), 1)

    # -- request ids -------------------------------------------------------------
    def test_request_id_echo(self):
        for rid in ("abc-123._XYZ", "a", "x" * 64):
            with self.subTest(rid=rid):
                r = self.server.get("/healthz", headers={"X-Request-Id": rid})
                self.assertEqual(r.headers.get("x-request-id"), rid)
                r = self.server.get("/nope", headers={"X-Request-Id": rid})
                self.assertProblem(r, 404, "not_found")
                self.assertEqual(r.body["request_id"], rid)
        for rid in ("x" * 65, "has space", "semi;colon", "ünï", "a/b"):
            with self.subTest(invalid_rid=rid):
                r = self.server.get("/nope", headers={"X-Request-Id": rid.encode("utf-8")})
                self.assertProblem(r, 404, "not_found")
                self.assertNotEqual(r.headers.get("x-request-id"), rid)
                self.assertTrue(r.headers.get("x-request-id"))

    # -- header size -------------------------------------------------------------
    def assertRawProblem(self, resp, how, raw, status, code):
        self.assertIsNotNone(resp, "no complete response (connection %s); got %r" % (how, raw[:300]))
        self.assertProblem(resp, status, code)

    def test_header_too_large(self):
        big = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n"
        resp, how, raw = harness.raw_exchange(self.server.port, big)
        self.assertRawProblem(resp, how, raw, 431, "header_too_large")

    def test_header_too_large_many_fields(self):
        # ~21.9 KB of head in 200 fields, sent in one write; the 16 KiB default
        # limits the whole request head, not a single field.
        many = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(
            b"X-H%d: %s\r\n" % (i, b"b" * 100) for i in range(200)) + b"\r\n"
        resp, how, raw = harness.raw_exchange(self.server.port, many)
        self.assertRawProblem(resp, how, raw, 431, "header_too_large")

    def test_header_below_limit(self):
        # Well below the 16 KiB default still works.
        ok = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Ok: " + b"c" * 8000 + b"\r\n\r\n"
        resp, how, raw = harness.raw_exchange(self.server.port, ok)
        self.assertIsNotNone(resp, raw)
        self.assertEqual(resp.status, 200)

    def test_problem_shape_everywhere(self):
        # A spot check that unrelated errors all share the problem shape.
        self.assertProblem(self.server.get("/v1/me"), 401, "unauthorized")
        self.assertProblem(self.server.get("/nope"), 404, "not_found")
        self.assertProblem(self.server.post("/v1/users", raw_body=b"{"), 400, "invalid_json")


def chunked_request(body, chunk=100):
    parts = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + chunk]), body[i:i + chunk])
                     for i in range(0, len(body), chunk)) + b"0\r\n\r\n"
    return (b"POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + parts)


class LimitsTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"PADDOCK_MAX_BODY_BYTES": 1024,
                                                 "PADDOCK_MAX_HEADER_BYTES": 4096})

    def test_body_over_limit(self):
        name = harness.unique_username("big")
        r = self.server.post("/v1/users", raw_body=signup_body(name, pad_to=2048))
        self.assertProblem(r, 413, "payload_too_large")
        r = self.server.post("/v1/users", raw_body=signup_body(name, pad_to=1025))
        self.assertProblem(r, 413, "payload_too_large")
        r = self.server.post("/v1/users", raw_body=signup_body(name, pad_to=1024))
        self.assertEqual(r.status, 201, r)

    def test_chunked_body_over_limit(self):
        resp, how, raw = harness.raw_exchange(
            self.server.port, chunked_request(signup_body(harness.unique_username("chk"), pad_to=2048)))
        self.assertIsNotNone(resp, "no response (%s): %r" % (how, raw))
        self.assertProblem(resp, 413, "payload_too_large")
        resp, how, raw = harness.raw_exchange(
            self.server.port, chunked_request(signup_body(harness.unique_username("chk"), pad_to=600)))
        self.assertIsNotNone(resp, "no response (%s): %r" % (how, raw))
        self.assertEqual(resp.status, 201, resp)

    def test_configured_header_limit(self):
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + b"a" * 5000 + b"\r\n\r\n"
        resp, how, raw = harness.raw_exchange(self.server.port, head)
        self.assertIsNotNone(resp, "no response (%s): %r" % (how, raw[:200]))
        self.assertProblem(resp, 431, "header_too_large")
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + b"a" * 3000 + b"\r\n\r\n"
        resp, how, raw = harness.raw_exchange(self.server.port, head)
        self.assertIsNotNone(resp, "no response (%s): %r" % (how, raw[:200]))
        self.assertEqual(resp.status, 200, resp)

    def test_announced_length_refused_without_reading(self):
        head = (b"POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100000000\r\n\r\n{")
        t0 = time.monotonic()
        resp, how, raw = harness.raw_exchange(self.server.port, head, timeout=5)
        self.assertIsNotNone(resp, "no response (%s): %r" % (how, raw))
        self.assertProblem(resp, 413, "payload_too_large")
        self.assertLess(time.monotonic() - t0, 4)
        self.assertEqual(self.server.get("/healthz").status, 200)


class SlowClientTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"PADDOCK_READ_TIMEOUT_SECONDS": 1,
                                                 "PADDOCK_IDLE_TIMEOUT_SECONDS": 2})

    def assertClosedByServer(self, sock, started, limit=5.0):
        data, how = harness.read_until_close(sock, limit + 1 - (time.monotonic() - started))
        elapsed = time.monotonic() - started
        self.assertIn(how, ("eof", "reset"), "server kept a stalled connection open %.1fs" % elapsed)
        self.assertLessEqual(elapsed, limit, "closed only after %.1fs" % elapsed)
        if data:
            resp = harness.parse_raw_response(data)
            self.assertIsNotNone(resp, "garbage before close: %r" % data)
            self.assertProblem(resp, 408, "request_timeout")
        return elapsed

    def test_partial_head(self):
        sock = harness.raw_connect(self.server.port)
        try:
            started = time.monotonic()
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            # Meanwhile another client is served promptly.
            t0 = time.monotonic()
            r = self.server.get("/healthz", timeout=3)
            self.assertEqual(r.status, 200)
            self.assertLess(time.monotonic() - t0, 1.0)
            elapsed = self.assertClosedByServer(sock, started)
            self.assertGreaterEqual(elapsed, 0.8, "closed before the 1 s read timeout")
        finally:
            sock.close()

    def test_trickling_head(self):
        # One byte every 200 ms: the *whole* head must arrive within the timeout,
        # so a trickle that keeps each single read short must still be cut off.
        sock = harness.raw_connect(self.server.port)
        try:
            started = time.monotonic()
            payload = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 200
            closed = False
            for i in range(len(payload)):
                if time.monotonic() - started > 6.0:
                    break
                if not harness.send_ignoring_errors(sock, payload[i:i + 1]):
                    closed = True
                    break
                readable, _, _ = select.select([sock], [], [], 0.2)
                if readable:  # data (a 408) or EOF: the server reacted
                    closed = True
                    break
            elapsed = time.monotonic() - started
            self.assertTrue(closed, "trickling client still connected after %.1fs" % elapsed)
            self.assertLessEqual(elapsed, 5.0, "trickling client cut off only after %.1fs" % elapsed)
            data, how = harness.read_until_close(sock, 2)
            if data:
                resp = harness.parse_raw_response(data)
                self.assertIsNotNone(resp, "garbage before close: %r" % data)
                self.assertProblem(resp, 408, "request_timeout")
        finally:
            sock.close()

    def test_partial_body(self):
        sock = harness.raw_connect(self.server.port)
        try:
            started = time.monotonic()
            sock.sendall(b"POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 60\r\n\r\n{\"username\":")
            self.assertEqual(self.server.get("/healthz", timeout=3).status, 200)
            self.assertClosedByServer(sock, started)
        finally:
            sock.close()

    def test_many_stalled_clients_do_not_block_others(self):
        socks = []
        try:
            started = time.monotonic()
            for _ in range(20):
                s = harness.raw_connect(self.server.port)
                s.sendall(b"GET /healthz HTTP/1.1\r\n")
                socks.append(s)
            for _ in range(5):
                t0 = time.monotonic()
                self.assertEqual(self.server.get("/healthz", timeout=3).status, 200)
                self.assertLess(time.monotonic() - t0, 1.0)
            for s in socks:
                self.assertClosedByServer(s, started, limit=6.0)
        finally:
            for s in socks:
                s.close()

    def test_idle_keepalive_connection_closed(self):
        # After a response, an idle keep-alive connection lives for the idle timeout
        # (2 s here), not the 1 s read timeout, and is then closed.
        sock = harness.raw_connect(self.server.port)
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            resp, how, raw = harness.read_response(sock)
            self.assertIsNotNone(resp, raw)
            self.assertEqual(resp.status, 200)
            started = time.monotonic()
            data, how = harness.read_until_close(sock, 6)
            elapsed = time.monotonic() - started
            self.assertIn(how, ("eof", "reset"), "idle connection still open after %.1fs" % elapsed)
            self.assertGreaterEqual(elapsed, 1.5, "idle connection closed after %.1fs" % elapsed)
            self.assertLessEqual(elapsed, 4.5)
            self.assertNotIn(b"HTTP/1.1 200", data)
        finally:
            sock.close()

    def test_normal_requests_unaffected(self):
        u = harness.new_user(self.server)
        conn = self.server.connection()
        try:
            for _ in range(3):
                r = self.server.request("GET", "/v1/me", token=u.token, conn=conn)
                self.assertEqual(r.status, 200, r)
        finally:
            conn.close()


class TooManyConnectionsTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"PADDOCK_MAX_CONNECTIONS": 2})

    def test_too_many_connections(self):
        req = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        held = []
        try:
            for _ in range(2):
                s = harness.raw_connect(self.server.port)
                held.append(s)
                s.sendall(req)
                resp, how, raw = harness.read_response(s)
                self.assertIsNotNone(resp, raw)
                self.assertEqual(resp.status, 200)
            resp, how, raw = harness.raw_exchange(self.server.port, req)
            self.assertIsNotNone(resp, "no response on the 3rd connection (%s): %r" % (how, raw))
            self.assertProblem(resp, 503, "too_many_connections")
        finally:
            for s in held:
                s.close()

        def served():
            r = self.server.get("/healthz", timeout=3)
            self.assertEqual(r.status, 200, r)
        harness.eventually(served, timeout=3)


class HttpVersionsTest(harness.PaddockTestCase):
    """Answers keep the request's HTTP version and its connection semantics: HTTP/1.0 closes
    unless asked to keep alive, HTTP/1.1 keeps alive unless told to close, and pipelined
    requests are answered in order."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def read_one(self, sock):
        resp, how, raw = harness.read_response(sock)
        self.assertIsNotNone(resp, "no complete answer (%s): %r" % (how, raw))
        return resp, raw

    def test_http_1_0_closes_after_the_answer(self):
        with harness.raw_connect(self.server.port) as s:
            s.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            data, how = harness.read_until_close(s, 5)
        self.assertEqual(how, "eof", data)
        self.assertTrue(data.startswith(b"HTTP/1.0 200 OK\r\n"), data)
        status, headers, body = harness.parse_response_head(data)
        self.assertNotIn("connection", headers)
        self.assertEqual(int(headers["content-length"]), len(body))
        self.assertEqual(json.loads(body)["status"], "ok")

    def test_http_1_0_keeps_alive_when_asked(self):
        req = b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
        with harness.raw_connect(self.server.port) as s:
            for _ in range(2):
                s.sendall(req)
                resp, raw = self.read_one(s)
                self.assertTrue(raw.startswith(b"HTTP/1.0 200 OK\r\n"), raw)
                self.assertEqual(resp.headers.get("connection"), "keep-alive", raw)

    def test_pipelined_requests_are_answered_in_order_until_close(self):
        body = b"{}"
        reqs = (b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Request-Id: first-1\r\n\r\n"
                b"POST /v1/sessions HTTP/1.1\r\nHost: a\r\nX-Request-Id: second-2\r\n"
                b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n" + body +
                b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Request-Id: third-3\r\n"
                b"Connection: close\r\n\r\n")
        with harness.raw_connect(self.server.port) as s:
            s.sendall(reqs)
            data, how = harness.read_until_close(s, 5)
        self.assertEqual(how, "eof", data)
        answers = []
        while data:
            resp = harness.parse_raw_response(data)
            self.assertIsNotNone(resp, data)
            head, _, rest = data.partition(b"\r\n\r\n")
            answers.append((head.split(b"\r\n")[0], resp))
            data = rest[int(resp.headers.get("content-length", "0")):]
        self.assertEqual([line for line, _ in answers],
                         [b"HTTP/1.1 200 OK", b"HTTP/1.1 422 Unprocessable Entity",
                          b"HTTP/1.1 200 OK"])
        self.assertEqual([r.headers["x-request-id"] for _, r in answers],
                         ["first-1", "second-2", "third-3"])
        self.assertEqual(answers[1][1].headers["content-type"], "application/problem+json")
        self.assertNotIn("connection", answers[0][1].headers)
        self.assertEqual(answers[2][1].headers["connection"], "close")


if __name__ == "__main__":
    unittest.main()
