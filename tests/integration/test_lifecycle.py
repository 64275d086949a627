"""Process lifecycle: signals, restarts, persistence, CLI subcommands, configuration."""

import json
import os
import re
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def big_signup_body(username, size):
    raw = json.dumps({"username": username, "password": "0123456789abc"}).encode()
    return raw[:-1] + b" " * (size - len(raw)) + b"}"


class SignalTest(harness.PaddockTestCase):

    def test_sigterm_exits_zero(self):
        srv = self.start_server()
        self.assertEqual(srv.get("/healthz").status, 200)
        rc = srv.stop(signal.SIGTERM)
        self.assertEqual(rc, 0, srv.describe())
        self.assertLessEqual(srv.last_stop_seconds, 10.0)
        # Exactly one line on stdout.
        self.assertEqual(len(srv.stdout_lines), 1, srv.stdout_lines)

    def test_sigint_exits_zero(self):
        srv = self.start_server()
        self.assertEqual(srv.get("/healthz").status, 200)
        rc = srv.stop(signal.SIGINT)
        self.assertEqual(rc, 0, srv.describe())
        self.assertLessEqual(srv.last_stop_seconds, 10.0)

    def test_sigterm_with_keepalive_connection(self):
        srv = self.start_server()
        conn = srv.connection()
        try:
            for _ in range(2):
                r = srv.request("GET", "/healthz", conn=conn)
                self.assertEqual(r.status, 200)
            self.assertNotEqual(r.headers.get("connection", "").lower(), "close",
                                "server does not keep HTTP/1.1 connections alive")
            rc = srv.stop(signal.SIGTERM)
            self.assertEqual(rc, 0, srv.describe())
            self.assertLessEqual(srv.last_stop_seconds, 10.0)
        finally:
            conn.close()

    def test_sigterm_with_stalled_request(self):
        # Default read timeout is 15 s; a half-sent request must not keep the
        # process alive past the 10 s shutdown bound.
        srv = self.start_server()
        sock = harness.raw_connect(srv.port)
        try:
            sock.sendall(b"POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            time.sleep(0.2)
            rc = srv.stop(signal.SIGTERM)
            self.assertEqual(rc, 0, srv.describe())
            self.assertLessEqual(srv.last_stop_seconds, 10.0)
        finally:
            sock.close()

    def test_stop_refuses_new_connections(self):
        srv = self.start_server()
        port = srv.port
        self.assertEqual(srv.stop(), 0)
        with self.assertRaises(OSError):
            harness.raw_connect(port, timeout=2).close()


class PersistenceTest(harness.PaddockTestCase):

    def test_restart_keeps_users_sessions_devices(self):
        srv = self.start_server()
        u = harness.new_user(srv, "persist")
        d1, p1 = harness.register_device(srv, u.token, name="primary phone", primary=True)
        d2, _ = harness.register_device(srv, u.token, name="car", kind="car_screen")
        verified = harness.verify_device(srv, u.token, d1["id"], p1)
        before = srv.get("/v1/devices", token=u.token).body["devices"]
        me_before = srv.get("/v1/me", token=u.token).body

        self.assertEqual(srv.stop(), 0, srv.describe())
        srv.start()

        r = srv.get("/v1/me", token=u.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, me_before)
        after = srv.get("/v1/devices", token=u.token).body["devices"]
        self.assertEqual(after, before)
        self.assertEqual([d["id"] for d in after], [d1["id"], d2["id"]])
        self.assertIs(after[0]["verified"], True)
        self.assertEqual(after[0]["verified_at"], verified["verified_at"])
        self.assertIs(after[0]["primary"], True)
        self.assertTrue(harness.login(srv, u.username, u.password))
        # A device challenge still works with the stored public key.
        self.assertIs(harness.verify_device(srv, u.token, d1["id"], p1)["verified"], True)
        # Logged-out sessions stay logged out across restarts.
        self.assertEqual(srv.delete("/v1/sessions/current", token=u.token).status, 204)
        self.assertEqual(srv.stop(), 0)
        srv.start()
        self.assertEqual(srv.get("/v1/me", token=u.token).status, 401)
        if not harness.on_postgres():
            self.assertTrue(os.path.exists(os.path.join(srv.data_dir, "paddock.db")))


class CliTest(harness.PaddockTestCase):

    def tmpdir(self):
        d = tempfile.mkdtemp(prefix="paddock-it-cli-")
        self.addCleanup(__import__("shutil").rmtree, d, True)
        return d

    def test_version(self):
        p = harness.run_cli(["version"])
        self.assertEqual(p.returncode, 0, p)
        self.assertRegex(p.stdout.strip(), r"^paddock \d+\.\d+\.\d+")

    def test_help(self):
        p = harness.run_cli(["--help"])
        self.assertEqual(p.returncode, 0, p)
        self.assertTrue((p.stdout + p.stderr).strip())
        p = harness.run_cli(["serve", "--help"])
        self.assertEqual(p.returncode, 0, p)
        self.assertIn("--listen", p.stdout + p.stderr)
        self.assertIn("--data-dir", p.stdout + p.stderr)

    @harness.skip_on_postgres("migrate on the SQLite file (PostgreSQL: test_pg_outage, cli)")
    def test_migrate(self):
        srv = self.new_server()
        p = harness.run_cli(["migrate", "--data-dir", srv.data_dir])
        self.assertEqual(p.returncode, 0, p)
        m = re.search(r"schema version (\d+)", p.stdout)
        self.assertTrue(m, p.stdout)
        version = int(m.group(1))
        self.assertGreaterEqual(version, 1)
        self.assertTrue(os.path.exists(os.path.join(srv.data_dir, "paddock.db")))
        srv.start()
        r = srv.get("/readyz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["schema_version"], version)
        harness.new_user(srv)
        self.assertEqual(srv.stop(), 0)
        p = harness.run_cli(["migrate", "--data-dir", srv.data_dir])  # idempotent
        self.assertEqual(p.returncode, 0, p)
        self.assertIn("schema version %d" % version, p.stdout)

    @harness.skip_on_postgres("SQLite's online backup; on PostgreSQL backup runs pg_dump")
    def test_backup_while_serving(self):
        srv = self.start_server()
        users = [harness.new_user(srv, "bk") for _ in range(3)]
        stop = threading.Event()
        errors = []

        def writer():
            while not stop.is_set():
                try:
                    harness.signup(srv)
                except Exception as e:  # noqa: BLE001
                    errors.append(e)
                    return

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        try:
            out = os.path.join(self.tmpdir(), "backup.db")
            p = harness.run_cli(["backup", out, "--data-dir", srv.data_dir])
        finally:
            stop.set()
            t.join(10)
        self.assertEqual(p.returncode, 0, p)
        self.assertIn("backup written to " + out, p.stdout)
        self.assertFalse(errors, errors)
        db = sqlite3.connect("file:%s?mode=ro" % out, uri=True)
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            self.assertIn("users", tables)
            rows = db.execute("SELECT * FROM users").fetchall()
        finally:
            db.close()
        values = {v for row in rows for v in row if isinstance(v, str)}
        for u in users:
            self.assertIn(u.username, values)
        # The server is still fine after the backup.
        self.assertEqual(srv.get("/v1/me", token=users[0].token).status, 200)
        self.assertEqual(srv.stop(), 0)


class ConfigTest(harness.PaddockTestCase):

    def write_config(self, srv, text):
        path = os.path.join(srv.tmpdir, "paddock.toml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_flag_beats_env_listen(self):
        srv = self.start_server(env={"PADDOCK_LISTEN": "127.0.0.1:1"})
        self.assertNotEqual(srv.port, 1)
        self.assertEqual(srv.get("/healthz").status, 200)

    def test_env_listen_without_flag(self):
        srv = self.start_server(env={"PADDOCK_LISTEN": "127.0.0.1:0"}, listen_args=False)
        self.assertEqual(srv.get("/healthz").status, 200)

    @harness.skip_on_postgres("where the SQLite file goes")
    def test_flag_beats_env_data_dir(self):
        other = tempfile.mkdtemp(prefix="paddock-it-env-")
        self.addCleanup(__import__("shutil").rmtree, other, True)
        srv = self.start_server(env={"PADDOCK_DATA_DIR": other})
        harness.new_user(srv)
        self.assertTrue(os.path.exists(os.path.join(srv.data_dir, "paddock.db")))
        self.assertFalse(os.path.exists(os.path.join(other, "paddock.db")))

    def test_config_file_honored(self):
        srv = self.new_server()
        path = self.write_config(srv, "[limits]\nmax_body_bytes = 1024\n")
        srv.args = ["--config", path]
        srv.start()
        r = srv.post("/v1/users", raw_body=big_signup_body(harness.unique_username("cf"), 2048))
        self.assertProblem(r, 413, "payload_too_large")
        r = srv.post("/v1/users", raw_body=big_signup_body(harness.unique_username("cf"), 512))
        self.assertEqual(r.status, 201, r)

    def test_config_via_env_and_env_beats_file(self):
        srv = self.new_server()
        path = self.write_config(srv, "[limits]\nmax_body_bytes = 1024\n")
        srv.env["PADDOCK_CONFIG"] = path
        srv.start()
        r = srv.post("/v1/users", raw_body=big_signup_body(harness.unique_username("ce"), 2048))
        self.assertProblem(r, 413, "payload_too_large")
        self.assertEqual(srv.stop(), 0)
        srv.env["PADDOCK_MAX_BODY_BYTES"] = "4096"
        srv.start()
        r = srv.post("/v1/users", raw_body=big_signup_body(harness.unique_username("ce"), 2048))
        self.assertEqual(r.status, 201, r)

    def test_flag_beats_file(self):
        srv = self.new_server()
        path = self.write_config(srv, 'listen = "127.0.0.1:1"\n')
        srv.args = ["--config", path]
        srv.start()
        self.assertNotEqual(srv.port, 1)
        self.assertEqual(srv.get("/healthz").status, 200)

    def test_json_logs_on_stderr(self):
        srv = self.start_server(args=["--log-format", "json", "--log-level", "info"])
        self.assertEqual(srv.get("/healthz").status, 200)
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(len(srv.stdout_lines), 1, srv.stdout_lines)
        with open(srv.stderr_path, "rb") as f:
            lines = f.read().decode("utf-8").splitlines()
        logged = [l for l in lines if l.strip() and not l.startswith("==== start")]
        for line in logged:
            try:
                self.assertIsInstance(json.loads(line), dict)
            except ValueError:
                self.fail("non-JSON log line with --log-format json: %r" % line)


if __name__ == "__main__":
    unittest.main()
