#!/usr/bin/env python3
"""Publisher hub benchmark (issue 11): one public message to RECEIVERS registered users of whom
CONNECTED hold a WebSocket stream; measures the time until every connected receiver has it,
server memory, database growth per public message (rows and bytes), and durable targeted pushes
per second. Standard library only; loopback; everything it starts is stopped on exit.

    /usr/bin/python3 bench/publisher_bench.py [--receivers 100000] [--connected 10000]

Users and their sessions are written straight into a fresh database before the server starts
(signing up 100,000 users over HTTP would measure password hashing, not the hub).
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import selectors
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "examples", "publisher"))
import publisher as example  # noqa: E402

BIN = os.environ.get("PADDOCK_BIN", os.path.join(REPO, "build", "release", "paddock"))


def start(data_dir, env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PADDOCK_")}
    env.update({"PADDOCK_LOG_LEVEL": "warn", "PADDOCK_PASSWORD_HASH": "min",
                "PADDOCK_MAX_CONNECTIONS_PER_ADDRESS": "20000",
                "PADDOCK_MAX_CONNECTIONS": "20000"})
    env.update(env_extra)
    proc = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    line = proc.stdout.readline()
    return proc, int(line.rsplit(":", 1)[1])


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def request(port, method, path, body=None, headers=None, conn=None):
    import http.client
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    if conn is None:
        c.close()
    return r.status, (json.loads(data) if data else None)


def seed(db_path, receivers):
    """RECEIVERS users with one session each; returns their tokens."""
    db = sqlite3.connect(db_path)
    tokens = []
    now = int(time.time() * 1000)
    rows, sessions = [], []
    for i in range(receivers):
        uid = "usr_bench%08d" % i
        token = "pdk_" + base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
        tokens.append(token)
        rows.append((uid, "bench%08d" % i, "B", "x", now))
        sessions.append((hashlib.blake2b(token.encode(), digest_size=32).hexdigest(), uid, now,
                         now + 86400000))
    db.executemany("INSERT INTO users (id, username, display_name, password_hash, created_at) "
                   "VALUES (?,?,?,?,?)", rows)
    db.executemany("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
                   "VALUES (?,?,?,?)", sessions)
    db.commit()
    db.close()
    return tokens


def open_streams(port, tokens, sel):
    socks = []
    for token in tokens:
        s = socket.create_connection(("127.0.0.1", port))
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        s.sendall(("GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n"
                   "Authorization: Bearer %s\r\n\r\n" % (key, token)).encode())
        socks.append(s)
    ready = 0
    for s in socks:
        s.settimeout(30)
        data = b""
        while b"\r\n\r\n" not in data or b'"ready"' not in data:
            data += s.recv(4096)
        if not data.startswith(b"HTTP/1.1 101"):
            raise SystemExit("handshake failed: %r" % data[:200])
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, bytearray())
        ready += 1
    return socks


def wait_all(sel, expected, marker, deadline):
    got = 0
    done = set()
    while got < expected and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            try:
                chunk = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            key.data.extend(chunk)
            if key.fileobj not in done and marker in key.data:
                done.add(key.fileobj)
                got += 1
                key.data.clear()
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--receivers", type=int, default=100000)
    ap.add_argument("--connected", type=int, default=10000)
    ap.add_argument("--messages", type=int, default=100, help="public messages for growth")
    ap.add_argument("--seconds", type=float, default=5.0, help="targeted push run")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="paddock-pubbench-")
    data = os.path.join(work, "data")
    os.makedirs(data)
    subprocess.run([BIN, "migrate", "--data-dir", data], check=True, stdout=subprocess.DEVNULL)
    t = time.monotonic()
    tokens = seed(os.path.join(data, "paddock.db"), args.receivers)
    print("seeded %d users in %.1f s" % (args.receivers, time.monotonic() - t))
    subprocess.run([BIN, "users", "grant-operator", "bench00000000", "--data-dir", data],
                   check=True, stdout=subprocess.DEVNULL)
    proc, port = start(data, {"PADDOCK_PUBLISHER_PUSHES_PER_MINUTE": "1000000"})
    sel = selectors.DefaultSelector()
    try:
        st, reg = request(port, "POST", "/v1/publishers", json.dumps(
            {"name": "Bench", "kind": "dealer", "contact": "c"}),
            {"Content-Type": "application/json"})
        st, ok = request(port, "POST", "/v1/publishers/%s/approve" % reg["id"], None,
                         {"Authorization": "Bearer " + tokens[0]})
        pid, secret = ok["publisher_id"], ok["secret"]
        rss_before = rss_kib(proc.pid)
        t = time.monotonic()
        open_streams(port, tokens[:args.connected], sel)
        rss_after = rss_kib(proc.pid)
        print("%d streams open in %.1f s; server RSS %d -> %d KiB (%.1f KiB per stream)" % (
            args.connected, time.monotonic() - t, rss_before, rss_after,
            (rss_after - rss_before) / max(1, args.connected)))

        def push(message_id, audience, conn=None):
            path = "/v1/publisher/messages/" + message_id
            body = json.dumps({"audience": audience, "category": "offer",
                               "title": "Spring check-up week"}).encode()
            headers = example.sign("PUT", "http://127.0.0.1:%d%s" % (port, path), body, pid, secret)
            headers["Content-Type"] = "application/json"
            return request(port, "PUT", path, body, headers, conn)

        t0 = time.monotonic()
        status, _ = push("bench-public", {"public": True})
        t_answer = time.monotonic() - t0
        got = wait_all(sel, args.connected, b"bench-public", time.monotonic() + 60)
        t_all = time.monotonic() - t0
        print("public message: publisher answered %d in %.1f ms; %d/%d connected receivers had "
              "it after %.1f ms; server RSS %d KiB" % (status, t_answer * 1000, got,
                                                        args.connected, t_all * 1000,
                                                        rss_kib(proc.pid)))

        db = sqlite3.connect(os.path.join(data, "paddock.db"))

        def footprint():
            tables = [r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'publisher%'")]
            rows = sum(db.execute("SELECT count(*) FROM %s" % t).fetchone()[0] for t in tables)
            nbytes = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'publisher%' "
                                "OR name LIKE 'sqlite_autoindex_publisher%'").fetchone()[0]
            return rows, nbytes

        try:
            before = footprint()
            for i in range(args.messages):
                push("growth-%d" % i, {"public": True})
            after = footprint()
            print("database growth per public message: %.2f rows, %.0f bytes (%d messages, %d "
                  "registered receivers)" % ((after[0] - before[0]) / args.messages,
                                             (after[1] - before[1]) / args.messages,
                                             args.messages, args.receivers))
        except sqlite3.OperationalError as e:
            print("database growth: not measured (%s)" % e)

        # Targeted pushes: one customer, sequential over keep-alive (each answer is durable).
        import http.client
        request(port, "PUT", "/v1/me/subscriptions/" + pid, None,
                {"Authorization": "Bearer " + tokens[1]})
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < args.seconds:
            status, _ = push("t-%d" % n, {"user_ids": ["usr_bench%08d" % 1]}, conn)
            assert status == 201, status
            n += 1
        print("targeted pushes: %.0f/s (one sequential signing client, durable answers)" % (
            n / (time.monotonic() - t0)))
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        sel.close()


if __name__ == "__main__":
    main()
