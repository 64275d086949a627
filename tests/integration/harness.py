"""Integration-test harness for the Paddock HTTP server.

Starts the real binary (env PADDOCK_BIN, default <repo>/build/release/paddock) as

    PADDOCK_BIN serve --listen 127.0.0.1:0 --data-dir TMPDIR/data [extra args]

waits (20 s max) for the stdout line ``listening on 127.0.0.1:PORT`` and offers
small helpers to talk to it.  Only the Python standard library and
``cryptography`` (Ed25519) are used.

Every test module does::

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import harness

so each file runs alone with
``python3 -m unittest -v tests/integration/test_<area>.py`` from the repo root.
"""

import base64
import collections
import datetime
import http.client
import itertools
import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PADDOCK_BIN = os.path.abspath(
    os.environ.get("PADDOCK_BIN") or os.path.join(REPO_ROOT, "build", "release", "paddock"))

START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
REQUEST_TIMEOUT = 10.0

LISTEN_RE = re.compile(r"^listening on 127\.0\.0\.1:(\d+)$")
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
B64URL_RE = re.compile(r"^[A-Za-z0-9_-]*$")
PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "request_id"}

Response = collections.namedtuple("Response", ["status", "headers", "body"])


# --------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------

def clean_env(extra=None):
    """os.environ without any PADDOCK_* variable, plus test defaults and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PADDOCK_")}
    # Cheap password hashing keeps the suite fast ("min is for tests only").
    env["PADDOCK_PASSWORD_HASH"] = "min"
    # Every write job runs twice (the first time rolled back), as PostgreSQL's writer runs a
    # batch again after a lost race: a job that cannot shows in the test that wrote it.
    env["PADDOCK_TEST_REHEARSE_WRITES"] = "1"
    if extra:
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
    return env


class ServerError(RuntimeError):
    pass


# --------------------------------------------------------------------------
# Backend: SQLite by default; PADDOCK_TEST_BACKEND=postgres runs every server on a database of
# its own on the test cluster (ctest starts it: PADDOCK_TEST_POSTGRES_STATE names its state).
# --------------------------------------------------------------------------

BACKEND = os.environ.get("PADDOCK_TEST_BACKEND", "sqlite")
_DATABASES = {}  # data dir -> database URI, so that CLI calls naming a data dir find its database
_db_counter = itertools.count(1)


def on_postgres():
    return BACKEND == "postgres"


def skip_on_postgres(reason):
    """For tests of what only the embedded SQLite file has (its file modes, its faults)."""
    return unittest.skipIf(on_postgres(), "SQLite only: " + reason)


def _cluster_socket_dir():
    state = os.environ.get("PADDOCK_TEST_POSTGRES_STATE")
    if not state:
        raise ServerError("PADDOCK_TEST_BACKEND=postgres needs PADDOCK_TEST_POSTGRES_STATE "
                          "(run under ctest, or scripts/pg-test-cluster.sh start FILE)")
    with open(state) as f:
        for line in f:
            if line.startswith("dir="):
                return line[4:].strip()
    raise ServerError("no dir= line in " + state)


def _psql(sql):
    done = subprocess.run(["psql", "-h", _cluster_socket_dir(), "-U", "paddock", "-d", "postgres",
                           "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if done.returncode != 0:
        raise ServerError("psql %r failed: %s" % (sql, done.stderr))


def create_database():
    """A fresh database on the test cluster; returns its URI."""
    name = "paddock_it_%d_%d" % (os.getpid(), next(_db_counter))
    _psql("DROP DATABASE IF EXISTS %s" % name)
    _psql("CREATE DATABASE %s" % name)
    return "postgresql://paddock@/%s?host=%s" % (name, _cluster_socket_dir())


def drop_database(uri):
    name = uri.split("/", 3)[3].split("?", 1)[0]
    try:
        _psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    except ServerError:
        pass  # the cluster is thrown away after the run anyway


class Server:
    """One `paddock serve` process on a private temp data dir."""

    def __init__(self, env=None, args=None, tmpdir=None, listen_args=True, database=None):
        """database: a PostgreSQL URI this server shares with others (several nodes on one
        database); the caller owns it, so close() leaves it alone."""
        self.tmpdir = tmpdir or tempfile.mkdtemp(prefix="paddock-it-")
        self.data_dir = os.path.join(self.tmpdir, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.stderr_path = os.path.join(self.tmpdir, "server.stderr.log")
        self.env = clean_env(env)
        self.args = list(args or [])
        self.listen_args = listen_args
        self.proc = None
        self.port = None
        self.stdout_lines = []
        self.last_stop_seconds = None
        self._stderr_file = None
        self._reader = None
        self.database = None
        self._owns_database = False
        if database:
            self.database = database
            _DATABASES[self.data_dir] = self.database
        elif on_postgres():
            self.database = create_database()
            self._owns_database = True
            _DATABASES[self.data_dir] = self.database

    # -- lifecycle ---------------------------------------------------------
    def command(self):
        cmd = [PADDOCK_BIN, "serve"]
        if self.listen_args:
            cmd += ["--listen", "127.0.0.1:0"]
        cmd += ["--data-dir", self.data_dir]
        if self.database:
            cmd += ["--database", self.database]
        return cmd + self.args

    def start(self):
        if not os.path.exists(PADDOCK_BIN):
            raise ServerError("server binary not found: %s (set PADDOCK_BIN)" % PADDOCK_BIN)
        self._stderr_file = open(self.stderr_path, "ab")
        self._stderr_file.write(("\n==== start %s ====\n" % " ".join(self.command())).encode())
        self._stderr_file.flush()
        self.proc = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._stderr_file, env=self.env, cwd=self.tmpdir)
        lines = queue.Queue()
        proc = self.proc

        def reader():
            for raw in proc.stdout:
                lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
            lines.put(None)

        self._reader = threading.Thread(target=reader, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        self.port = None
        while self.port is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise ServerError("server did not print 'listening on' within %.0f s\n%s"
                                  % (START_TIMEOUT, self.describe()))
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                rc = self.proc.wait(timeout=5)
                raise ServerError("server exited (rc=%s) before listening\n%s" % (rc, self.describe()))
            self.stdout_lines.append(line)
            m = LISTEN_RE.match(line)
            if m:
                self.port = int(m.group(1))
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Send `sig`, wait up to `timeout` s; returns the exit code (killed -> -9)."""
        if self.proc is None:
            return None
        t0 = time.monotonic()
        if self.proc.poll() is None:
            # A blocking waitpid in a thread measures the exit time precisely
            # (Popen.wait(timeout) polls with up to 50 ms sleeps).
            exited_at = []
            proc = self.proc

            def waiter():
                proc.wait()
                exited_at.append(time.monotonic())

            t = threading.Thread(target=waiter, daemon=True)
            t.start()
            self.proc.send_signal(sig)
            t.join(timeout)
            if t.is_alive():
                self.proc.kill()
                t.join()
            self.last_stop_seconds = exited_at[0] - t0
        else:
            self.last_stop_seconds = 0.0
        rc = self.proc.returncode
        self._after_exit()
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._after_exit()

    def _after_exit(self):
        if self._reader is not None:
            self._reader.join(timeout=2)
            self._reader = None
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def restart(self):
        """Stop (SIGTERM) if running and start again on the same data dir."""
        if self.running():
            self.stop()
        return self.start()

    def close(self):
        """Always safe: kill if still running and remove the temp dir."""
        try:
            self.kill()
        finally:
            if self.database:
                _DATABASES.pop(self.data_dir, None)
                if self._owns_database:
                    drop_database(self.database)
                self.database = None
            if not os.environ.get("PADDOCK_KEEP_TMP"):
                shutil.rmtree(self.tmpdir, ignore_errors=True)

    def stderr_text(self, max_lines=200):
        try:
            with open(self.stderr_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no stderr file)"
        if len(lines) > max_lines:
            lines = ["... (%d lines omitted)" % (len(lines) - max_lines)] + lines[-max_lines:]
        return "\n".join(lines)

    def describe(self):
        return ("--- paddock stdout ---\n%s\n--- paddock stderr (%s) ---\n%s\n---"
                % ("\n".join(self.stdout_lines), self.stderr_path, self.stderr_text()))

    # -- HTTP --------------------------------------------------------------
    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def connection(self, timeout=REQUEST_TIMEOUT):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, token=None, raw_body=None,
                timeout=REQUEST_TIMEOUT, conn=None):
        """One request; returns Response(status, headers (lower-cased keys), json-or-text).

        body: JSON-encoded (Content-Type application/json unless overridden).
        raw_body: bytes/str sent verbatim (Content-Type application/json unless overridden).
        conn: reuse an existing keep-alive http.client connection.
        """
        return request_on(conn or self.connection(timeout), method, path, body=body,
                          headers=headers, token=token, raw_body=raw_body,
                          close=conn is None)

    # convenience
    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def request_on(conn, method, path, body=None, headers=None, token=None, raw_body=None, close=True):
    hdrs = {}
    payload = None
    if body is not None and raw_body is not None:
        raise ValueError("give body or raw_body, not both")
    if body is not None:
        payload = json.dumps(body).encode("utf-8")
    elif raw_body is not None:
        payload = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
    if payload is not None:
        hdrs["Content-Type"] = "application/json"
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    for k, v in (headers or {}).items():
        for existing in [e for e in hdrs if e.lower() == k.lower()]:
            del hdrs[existing]
        if v is not None:
            hdrs[k] = v
    try:
        conn.request(method, path, body=payload, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        out_headers = {}
        for k, v in resp.getheaders():
            k = k.lower()
            out_headers[k] = (out_headers[k] + ", " + v) if k in out_headers else v
        status = resp.status
    finally:
        if close:
            conn.close()
    ctype = out_headers.get("content-type", "")
    parsed = data.decode("utf-8", "replace")
    if "json" in ctype.lower() and data:
        try:
            parsed = json.loads(data)
        except ValueError:
            pass  # leave as text; the test will notice
    return Response(status, out_headers, parsed)


def run_cli(args, env=None, timeout=30, cwd=None):
    """Run `paddock ARGS`; returns subprocess.CompletedProcess with text output. On PostgreSQL,
    a `--data-dir` of a running test server brings that server's `--database` along."""
    args = list(args)
    if "--data-dir" in args and "--database" not in args:
        uri = _DATABASES.get(args[args.index("--data-dir") + 1])
        if uri:
            args += ["--database", uri]
    return subprocess.run([PADDOCK_BIN] + args, env=clean_env(env), cwd=cwd,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, text=True)


# --------------------------------------------------------------------------
# Raw socket helpers
# --------------------------------------------------------------------------

def raw_connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def send_ignoring_errors(sock, data):
    """sendall that tolerates the peer closing early; returns True if all sent."""
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
        return False


def read_until_close(sock, timeout):
    """Read until EOF or until `timeout` s elapse.

    Returns (data, how) where how is 'eof', 'reset' or 'timeout'."""
    deadline = time.monotonic() + timeout
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b"".join(chunks), "timeout"
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return b"".join(chunks), "timeout"
        except (ConnectionResetError, ConnectionAbortedError):
            return b"".join(chunks), "reset"
        if not chunk:
            return b"".join(chunks), "eof"
        chunks.append(chunk)


def parse_response_head(data):
    """Parse an HTTP/1.x response head -> (status, lower-cased headers, rest) or None if the
    head is incomplete. Raises ValueError on a bad status line."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode("iso-8859-1").split("\r\n")
    m = re.match(r"^HTTP/1\.[01] (\d{3})", lines[0])
    if not m:
        raise ValueError("bad status line %r" % lines[0])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        v = v.strip()
        headers[k] = (headers[k] + ", " + v) if k in headers else v
    return int(m.group(1)), headers, rest


def parse_raw_response(data):
    """Parse the first HTTP/1.x response in `data` -> Response or None if incomplete."""
    parsed_head = parse_response_head(data)
    if parsed_head is None:
        return None
    status, headers, rest = parsed_head
    n = int(headers.get("content-length", "0") or 0)
    if len(rest) < n:
        return None
    body = rest[:n]
    parsed = body.decode("utf-8", "replace")
    if "json" in headers.get("content-type", "") and body:
        try:
            parsed = json.loads(body)
        except ValueError:
            pass
    return Response(status, headers, parsed)


def read_response(sock, timeout=5.0):
    """Read until one complete response is parsed, EOF, reset or timeout.

    Returns (Response or None, how, raw bytes); how is 'complete', 'eof', 'reset' or
    'timeout'."""
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        resp = parse_raw_response(data)
        if resp is not None:
            return resp, "complete", data
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, "timeout", data
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return None, "timeout", data
        except (ConnectionResetError, ConnectionAbortedError):
            return parse_raw_response(data), "reset", data
        if not chunk:
            return None, "eof", data
        data += chunk


def raw_exchange(port, data, timeout=5.0):
    """Connect, send `data` (tolerating early close), read one response.

    Returns (Response or None, how, raw bytes)."""
    with raw_connect(port, timeout) as s:
        send_ignoring_errors(s, data)
        return read_response(s, timeout)


# --------------------------------------------------------------------------
# Users, crypto, time
# --------------------------------------------------------------------------

_counter = itertools.count(1)
DEFAULT_PASSWORD = "correct horse battery"


def unique_username(prefix="u"):
    name = "%s%d_%s" % (prefix, next(_counter), secrets.token_hex(4))
    return name[:32]


User = collections.namedtuple("User", ["id", "username", "password", "token", "info"])


def signup(server, username=None, password=DEFAULT_PASSWORD, display_name=None):
    username = username or unique_username()
    body = {"username": username, "password": password}
    if display_name is not None:
        body["display_name"] = display_name
    r = server.post("/v1/users", body)
    if r.status != 201:
        raise AssertionError("sign-up of %r failed: %s %r" % (username, r.status, r.body))
    return r.body


def login(server, username, password=DEFAULT_PASSWORD):
    r = server.post("/v1/sessions", {"username": username, "password": password})
    if r.status != 201:
        raise AssertionError("login of %r failed: %s %r" % (username, r.status, r.body))
    return r.body["token"]


def new_user(server, prefix="u", password=DEFAULT_PASSWORD):
    """Sign up a fresh user and log in; returns User(id, username, password, token, info)."""
    info = signup(server, unique_username(prefix), password)
    token = login(server, info["username"], password)
    return User(info["id"], info["username"], password, token, info)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if not B64URL_RE.match(text):
        raise ValueError("not base64url: %r" % text)
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_keypair():
    """Returns (Ed25519PrivateKey, public key as base64url without padding)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    priv = Ed25519PrivateKey.generate()
    raw = priv.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)
    return priv, b64url(raw)


def sign(priv, text):
    """Ed25519 detached signature over the UTF-8 bytes of `text`, base64url."""
    return b64url(priv.sign(text.encode("utf-8")))


def register_device(server, token, name="my phone", kind="phone", primary=None, pub=None):
    """Register a device; returns (device json, private key)."""
    priv = None
    if pub is None:
        priv, pub = make_keypair()
    body = {"name": name, "kind": kind, "public_key": pub}
    if primary is not None:
        body["primary"] = primary
    r = server.post("/v1/devices", body, token=token)
    if r.status != 201:
        raise AssertionError("device registration failed: %s %r" % (r.status, r.body))
    return r.body, priv


def verify_device(server, token, device_id, priv):
    r = server.post("/v1/devices/%s/challenge" % device_id, {}, token=token)
    if r.status != 201:
        raise AssertionError("challenge failed: %s %r" % (r.status, r.body))
    ch = r.body
    r = server.post("/v1/devices/%s/verify" % device_id,
                    {"nonce": ch["nonce"], "signature": sign(priv, ch["signing_input"])},
                    token=token)
    if r.status != 200:
        raise AssertionError("verify failed: %s %r" % (r.status, r.body))
    return r.body


def parse_time(text):
    if not isinstance(text, str) or not TIME_RE.match(text):
        raise ValueError("not an RFC 3339 UTC time with milliseconds: %r" % (text,))
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)


def eventually(check, timeout=3.0, interval=0.05):
    """Call `check` until it stops raising AssertionError (bounded); re-raise the last."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(interval)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


# --------------------------------------------------------------------------
# Test case base
# --------------------------------------------------------------------------

class PaddockTestCase(unittest.TestCase):
    """Base class: `cls.start_server(...)` in setUpClass shares one server per class;
    `self.start_server(...)` inside a test starts a dedicated one.  Servers are always
    torn down; their stderr is printed when a test of the class fails or errors."""

    server = None

    @classmethod
    def _class_servers(cls):
        if "_servers" not in cls.__dict__:
            cls._servers = []
        return cls._servers

    @classmethod
    def start_class_server(cls, env=None, args=None):
        srv = Server(env=env, args=args)
        cls._class_servers().append(srv)
        cls.addClassCleanup(srv.close)
        try:
            srv.start()
        except Exception:
            sys.stderr.write("\n" + srv.describe() + "\n")
            raise
        return srv

    def new_server(self, env=None, args=None, listen_args=True):
        """A not-yet-started Server owned by this test (killed at cleanup; its temp
        dir is removed after a failure report could print its stderr)."""
        srv = Server(env=env, args=args, listen_args=listen_args)
        self.__dict__.setdefault("_test_servers", []).append(srv)
        self.addCleanup(srv.kill)
        return srv

    def start_server(self, env=None, args=None, listen_args=True):
        return self.new_server(env, args, listen_args).start()

    def run(self, result=None):
        own_result = result is None
        if own_result:
            result = self.defaultTestResult()
            result.startTestRun()
        before = len(result.failures) + len(result.errors)
        try:
            super().run(result)
            test_servers = list(self.__dict__.get("_test_servers", []))
            if len(result.failures) + len(result.errors) > before:
                servers = list(type(self).__dict__.get("_servers", [])) + test_servers
                for srv in servers:
                    sys.stderr.write("\n[%s failed] server stdout/stderr:\n%s\n"
                                     % (self.id(), srv.describe()))
            for srv in test_servers:
                srv.close()
            self.__dict__["_test_servers"] = []
        finally:
            if own_result:
                result.stopTestRun()
        return result

    # -- assertions --------------------------------------------------------
    def assertProblem(self, resp, status, code, field=None):
        """Checks a problem+json response completely."""
        ctx = "response %s %r headers=%r" % (resp.status, resp.body, resp.headers)
        self.assertEqual(resp.status, status, ctx)
        ctype = resp.headers.get("content-type", "")
        self.assertEqual(ctype.split(";")[0].strip().lower(), "application/problem+json", ctx)
        self.assertIsInstance(resp.body, dict, ctx)
        missing = PROBLEM_KEYS - set(resp.body)
        self.assertFalse(missing, "problem keys missing %s in %s" % (missing, ctx))
        self.assertEqual(resp.body["status"], status, ctx)
        self.assertIs(type(resp.body["status"]), int, ctx)
        self.assertEqual(resp.body["code"], code, ctx)
        self.assertEqual(resp.body["type"], "urn:paddock:problem:" + code, ctx)
        for k in ("title", "detail"):
            self.assertIsInstance(resp.body[k], str, ctx)
        self.assertIn("x-request-id", resp.headers, ctx)
        self.assertEqual(resp.body["request_id"], resp.headers["x-request-id"], ctx)
        if field is not None:
            self.assertEqual(resp.body.get("field"), field, ctx)
        if status == 401 and code == "unauthorized":
            self.assertTrue(resp.headers.get("www-authenticate", "").lower().startswith("bearer"),
                            "401 without WWW-Authenticate: Bearer: " + ctx)

    def assertTime(self, text, near=None, tolerance=60.0):
        try:
            t = parse_time(text)
        except ValueError as e:
            self.fail(str(e))
        if near is not None:
            delta = abs((t - near).total_seconds())
            self.assertLessEqual(delta, tolerance, "%s not within %ss of %s" % (text, tolerance, near))
        return t

    def assertUserShape(self, body, username=None):
        self.assertIsInstance(body, dict, body)
        for k in ("id", "username", "display_name", "created_at"):
            self.assertIn(k, body)
        self.assertIsInstance(body["id"], str)
        self.assertTrue(body["id"])
        self.assertIsInstance(body["display_name"], str)
        for secret_key in ("password", "password_hash", "hash"):
            self.assertNotIn(secret_key, body)
        if username is not None:
            self.assertEqual(body["username"], username.lower())
        self.assertTime(body["created_at"], near=utcnow(), tolerance=300)

    def assertDeviceShape(self, dev):
        self.assertIsInstance(dev, dict, dev)
        for k in ("id", "name", "kind", "public_key", "primary", "verified", "verified_at",
                  "created_at"):
            self.assertIn(k, dev, dev)
        self.assertIsInstance(dev["id"], str)
        self.assertTrue(dev["id"])
        self.assertIn(dev["kind"], ("phone", "pc", "car_screen", "kiosk"))
        self.assertIs(type(dev["primary"]), bool, dev)
        self.assertIs(type(dev["verified"]), bool, dev)
        if dev["verified"]:
            self.assertTime(dev["verified_at"])
        else:
            self.assertIsNone(dev["verified_at"], dev)
        self.assertTime(dev["created_at"])
