"""Sign-up, login, sessions, rate limiting and token expiry."""

import datetime
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wsclient  # noqa: E402
from harness import utcnow  # noqa: E402


class IdentityTest(harness.PaddockTestCase):
    """Shares one server.  Note: every request comes from 127.0.0.1, and the default
    per-address login failure limit is 50 per 15 min -- this class stays well below."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    # -- sign-up -----------------------------------------------------------
    def test_signup_shape(self):
        name = harness.unique_username("Mixed.Case-")
        r = self.server.post("/v1/users", {"username": name, "password": "0123456789",
                                           "display_name": "Ada Lovelace"})
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"), r.headers)
        self.assertUserShape(r.body, username=name)
        self.assertEqual(r.body["username"], name.lower())
        self.assertEqual(r.body["display_name"], "Ada Lovelace")
        self.assertTrue(r.headers.get("x-request-id"))

    def test_signup_display_name_defaults_to_username(self):
        name = harness.unique_username("dflt")
        r = self.server.post("/v1/users", {"username": name, "password": "0123456789x"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["display_name"], name)

    def test_duplicate_username_case_insensitive(self):
        name = harness.unique_username("dup")
        self.assertEqual(self.server.post("/v1/users", {"username": name, "password": "0123456789"}).status, 201)
        for variant in (name, name.upper(), name[:1].upper() + name[1:]):
            r = self.server.post("/v1/users", {"username": variant, "password": "0123456789"})
            self.assertProblem(r, 409, "username_taken")

    def test_password_too_short(self):
        name = harness.unique_username("short")
        r = self.server.post("/v1/users", {"username": name, "password": "123456789"})
        self.assertProblem(r, 422, "password_too_short")
        r = self.server.post("/v1/users", {"username": name, "password": ""})
        self.assertProblem(r, 422, "password_too_short")
        # Exactly 10 characters is enough, and the earlier refusal left no trace.
        r = self.server.post("/v1/users", {"username": name, "password": "1234567890"})
        self.assertEqual(r.status, 201, r)

    def test_password_too_long(self):
        name = harness.unique_username("long")
        r = self.server.post("/v1/users", {"username": name, "password": "x" * 1025})
        self.assertProblem(r, 422, "invalid_field", field="password")
        r = self.server.post("/v1/users", {"username": name, "password": "x" * 1024})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.server.post("/v1/sessions", {"username": name, "password": "x" * 1024}).status, 201)

    # -- login ---------------------------------------------------------------
    def test_login(self):
        info = harness.signup(self.server, harness.unique_username("login"))
        r = self.server.post("/v1/sessions", {"username": info["username"],
                                              "password": harness.DEFAULT_PASSWORD})
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))
        for k in ("token", "user_id", "expires_at"):
            self.assertIn(k, r.body)
        self.assertIsInstance(r.body["token"], str)
        self.assertGreaterEqual(len(r.body["token"]), 16)
        self.assertEqual(r.body["user_id"], info["id"])
        expires = self.assertTime(r.body["expires_at"])
        self.assertGreater(expires, utcnow())
        expected = utcnow() + datetime.timedelta(seconds=2592000)  # default TTL: 30 days
        self.assertLess(abs((expires - expected).total_seconds()), 300, r.body)

    def test_two_logins_give_distinct_tokens(self):
        info = harness.signup(self.server)
        t1 = harness.login(self.server, info["username"])
        t2 = harness.login(self.server, info["username"])
        self.assertNotEqual(t1, t2)
        self.assertEqual(self.server.get("/v1/me", token=t1).status, 200)
        self.assertEqual(self.server.get("/v1/me", token=t2).status, 200)

    def test_wrong_password(self):
        info = harness.signup(self.server)
        r = self.server.post("/v1/sessions", {"username": info["username"], "password": "not the password"})
        self.assertProblem(r, 401, "invalid_credentials")

    def test_unknown_user(self):
        r = self.server.post("/v1/sessions", {"username": harness.unique_username("ghost"),
                                              "password": harness.DEFAULT_PASSWORD})
        self.assertProblem(r, 401, "invalid_credentials")

    # -- /v1/me, logout, bad tokens ---------------------------------------
    def test_me(self):
        u = harness.new_user(self.server)
        r = self.server.get("/v1/me", token=u.token)
        self.assertEqual(r.status, 200, r)
        self.assertUserShape(r.body, username=u.username)
        self.assertEqual(r.body, u.info)

    def test_logout(self):
        u = harness.new_user(self.server)
        other = harness.login(self.server, u.username)
        r = self.server.delete("/v1/sessions/current", token=u.token)
        self.assertEqual(r.status, 204, r)
        self.assertIn(r.body, ("", None))
        self.assertProblem(self.server.get("/v1/me", token=u.token), 401, "unauthorized")
        self.assertProblem(self.server.delete("/v1/sessions/current", token=u.token), 401, "unauthorized")
        # Only that session ended.
        self.assertEqual(self.server.get("/v1/me", token=other).status, 200)

    def test_logout_ends_the_streams_that_session_opened(self):
        u = harness.new_user(self.server)
        other = harness.login(self.server, u.username)
        mine = wsclient.EventSource.connect(self.server.port, "/v1/events", token=u.token)
        theirs = wsclient.EventSource.connect(self.server.port, "/v1/events", token=other)
        try:
            for stream in (mine, theirs):
                self.assertTrue(stream.next_item(5)[1].startswith("ready"))
            self.assertEqual(self.server.delete("/v1/sessions/current", token=u.token).status, 204)
            seen = []
            with self.assertRaises(EOFError):
                for _ in range(10):
                    seen.append(mine.next_item(5))
            self.assertIn(("comment", "closing: session revoked"), seen)
            with self.assertRaises(socket.timeout):  # the other session's stream goes on
                theirs.next_item(0.5)
        finally:
            mine.close()
            theirs.close()

    def test_forged_tokens(self):
        u = harness.new_user(self.server)
        t = u.token
        flipped = t[:-1] + ("A" if t[-1] != "A" else "B")
        forged = [flipped, t[1:], t + "x", "x" + t[1:], "garbage", "a" * len(t), t.upper() if t.upper() != t else t.lower()]
        for tok in forged:
            if tok == t:
                continue
            with self.subTest(token=tok):
                self.assertProblem(self.server.get("/v1/me", token=tok), 401, "unauthorized")
        self.assertEqual(self.server.get("/v1/me", token=t).status, 200)

    def test_missing_or_bad_authorization_header(self):
        u = harness.new_user(self.server)
        self.assertProblem(self.server.get("/v1/me"), 401, "unauthorized")
        for value in ("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token " + u.token, u.token):
            with self.subTest(authorization=value):
                r = self.server.get("/v1/me", headers={"Authorization": value})
                self.assertProblem(r, 401, "unauthorized")


class LoginRateLimitTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"PADDOCK_LOGIN_MAX_FAILURES_PER_USER": 3})

    def test_per_user_limit(self):
        srv = self.server
        victim = harness.signup(srv)
        bystander = harness.signup(srv)
        bad = {"username": victim["username"], "password": "wrong password!"}
        for i in range(3):
            self.assertProblem(srv.post("/v1/sessions", bad), 401, "invalid_credentials")
        r = srv.post("/v1/sessions", bad)
        self.assertProblem(r, 429, "too_many_attempts")
        self.assertIn("retry-after", r.headers, r.headers)
        retry = r.headers["retry-after"].strip()
        self.assertTrue(retry.isdigit(), "Retry-After must be seconds: %r" % retry)
        self.assertTrue(1 <= int(retry) <= 900, retry)
        # Even the right password is refused while limited.
        r = srv.post("/v1/sessions", {"username": victim["username"], "password": harness.DEFAULT_PASSWORD})
        self.assertProblem(r, 429, "too_many_attempts")
        self.assertTrue(r.headers.get("retry-after", "").strip().isdigit(), r.headers)
        # Other users are not affected.
        self.assertTrue(harness.login(srv, bystander["username"]))


class AddressRateLimitTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"PADDOCK_LOGIN_MAX_FAILURES_PER_USER": 100,
                                                 "PADDOCK_LOGIN_MAX_FAILURES_PER_ADDRESS": 4})

    def test_per_address_limit(self):
        srv = self.server
        real = harness.signup(srv)
        for i in range(4):
            r = srv.post("/v1/sessions", {"username": harness.unique_username("nobody"), "password": "whatever12"})
            self.assertProblem(r, 401, "invalid_credentials")
        r = srv.post("/v1/sessions", {"username": harness.unique_username("nobody"), "password": "whatever12"})
        self.assertProblem(r, 429, "too_many_attempts")
        self.assertTrue(r.headers.get("retry-after", "").strip().isdigit(), r.headers)
        r = srv.post("/v1/sessions", {"username": real["username"], "password": harness.DEFAULT_PASSWORD})
        self.assertProblem(r, 429, "too_many_attempts")


class SessionExpiryTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(env={"PADDOCK_SESSION_TTL_SECONDS": 1})

    def test_expired_token(self):
        srv = self.server
        info = harness.signup(srv)
        r = srv.post("/v1/sessions", {"username": info["username"], "password": harness.DEFAULT_PASSWORD})
        self.assertEqual(r.status, 201, r)
        expires = self.assertTime(r.body["expires_at"])
        self.assertLess(abs((expires - (utcnow() + datetime.timedelta(seconds=1))).total_seconds()), 5, r.body)
        time.sleep(2.2)
        self.assertProblem(srv.get("/v1/me", token=r.body["token"]), 401, "unauthorized")
        self.assertProblem(srv.get("/v1/devices", token=r.body["token"]), 401, "unauthorized")


if __name__ == "__main__":
    unittest.main()
