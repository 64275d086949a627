"""Interoperability: a WebSocket client we did not write (the npm `ws` package, driven by
ws_peer.mjs under Node.js) talks to /v1/stream.

Needs `node` on PATH; installs the repo's locked npm devDependencies (`npm ci`) once when
node_modules/ws is missing."""

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sharing_helpers import (create_vehicle, feed_all, follow, open_ws,  # noqa: E402
                             post_message, public_view)

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "ws_peer.mjs")
NODE = shutil.which("node")
NPM = shutil.which("npm")
_npm_lock = threading.Lock()


def ensure_node_modules():
    """`npm ci` once (in the repo root) when the `ws` package is not installed."""
    if NODE is None:
        raise unittest.SkipTest("node is not on PATH")
    with _npm_lock:
        if os.path.exists(os.path.join(harness.REPO_ROOT, "node_modules", "ws", "package.json")):
            return
        if NPM is None:
            raise AssertionError("node_modules/ws is missing and npm is not on PATH")
        proc = subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=harness.REPO_ROOT,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=300)
        if proc.returncode != 0:
            raise AssertionError("npm ci failed (%d):\n%s" % (proc.returncode, proc.stdout))


class Peer:
    """One `node ws_peer.mjs` process; its stdout JSON lines are collected by a thread."""

    def __init__(self, port, token, cursor=None, frames=0, timeout_ms=10000, mode="header"):
        self.proc = subprocess.Popen(
            [NODE, PEER, str(port), token, cursor if cursor is not None else "-", str(frames),
             str(timeout_ms), mode],
            cwd=harness.REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.lines = []
        self._queue = queue.Queue()
        self._stderr = []
        self._out = threading.Thread(target=self._read_stdout, daemon=True)
        self._err = threading.Thread(target=self._read_stderr, daemon=True)
        self._out.start()
        self._err.start()

    def _read_stdout(self):
        for raw in self.proc.stdout:
            raw = raw.strip()
            if not raw:
                continue
            try:
                item = json.loads(raw)
            except ValueError:
                item = {"kind": "garbage", "text": raw}
            self.lines.append(item)
            self._queue.put(item)
        self._queue.put(None)

    def _read_stderr(self):
        for raw in self.proc.stderr:
            self._stderr.append(raw)

    def wait_for(self, predicate, timeout=10.0):
        """The next output line satisfying `predicate` (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("peer line not seen in %.0f s; lines: %r; stderr: %s"
                                     % (timeout, self.lines, "".join(self._stderr)))
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if item is None:
                raise AssertionError("peer ended first (rc=%s); lines: %r; stderr: %s"
                                     % (self.proc.poll(), self.lines, "".join(self._stderr)))
            if predicate(item):
                return item

    def wait_ready(self, timeout=10.0):
        return self.wait_for(lambda x: x.get("kind") == "frame" and isinstance(x.get("data"), dict)
                             and x["data"].get("type") == "ready", timeout)

    def finish(self, timeout=15.0):
        """Wait for the peer to exit; returns its exit code."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("peer did not exit in %.0f s; lines: %r" % (timeout, self.lines))
        self._out.join(5)
        self._err.join(5)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        """Kill if still running; close the pipes."""
        self.kill()
        self._out.join(5)
        self._err.join(5)
        for f in (self.proc.stdout, self.proc.stderr):
            if f is not None:
                f.close()

    def frames(self):
        return [x["data"] for x in self.lines if x.get("kind") == "frame"]

    def of_kind(self, kind):
        return [x for x in self.lines if x.get("kind") == kind]

    def describe(self):
        return "lines=%r stderr=%s" % (self.lines, "".join(self._stderr))


class WsInteropTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        ensure_node_modules()
        cls.server = cls.start_class_server()

    def peer(self, server, user, **kw):
        p = Peer(server.port, user.token, **kw)
        self.addCleanup(p.close)
        return p

    def setup_follow(self, types=("status", "trip")):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        follow(s, fan, veh, list(types))
        return owner, fan, veh

    def assertCreated(self, frames, messages):
        self.assertEqual([f["type"] for f in frames], ["message.created"] * len(messages), frames)
        self.assertEqual([f["message"] for f in frames], [public_view(m) for m in messages])
        cursors = [int(f["cursor"]) for f in frames]
        self.assertEqual(cursors, sorted(set(cursors)))

    def test_node_ws_receives_live_events(self):
        owner, fan, veh = self.setup_follow()
        vid = veh["id"]
        p = self.peer(self.server, fan, frames=5)
        p.wait_ready()
        expected = [post_message(self.server, owner, vid, "status", "hello from paddock")]
        post_message(self.server, owner, vid, "maintenance", "private: not delivered")
        post_message(self.server, owner, vid, "social", "not selected")
        expected.append(post_message(self.server, owner, vid, "trip", "trip \u2603 \U0001F697"))
        # A ~20 KB event (the server may fragment it; `ws` reassembles).
        expected.append(post_message(self.server, owner, vid, "status", "x" * 4000,
                                     {"blob": "y" * 16000}))
        expected.append(post_message(self.server, owner, vid, "status", "last"))
        self.assertEqual(p.finish(), 0, p.describe())
        up = p.of_kind("upgrade")
        self.assertEqual(len(up), 1, p.describe())
        self.assertEqual(up[0]["status"], 101)
        self.assertTrue(up[0]["request_id"])
        self.assertEqual(p.of_kind("error"), [], p.describe())
        self.assertEqual([x["binary"] for x in p.of_kind("frame")], [False] * 5)
        frames = p.frames()
        self.assertEqual(frames[0]["type"], "ready", frames)
        self.assertCreated(frames[1:], expected)
        self.assertGreater(int(frames[1]["cursor"]), int(frames[0]["cursor"]))
        self.assertEqual(p.of_kind("pong"), [{"kind": "pong", "data": "interop"}], p.describe())
        # The peer's close handshake (1000) completed.
        closes = p.of_kind("close")
        self.assertEqual([c["code"] for c in closes], [1000], p.describe())
        # Same events as the paged feed.
        paged, _ = feed_all(self.server, fan, cursor=frames[0]["cursor"], limit=100)
        self.assertEqual(paged, frames[1:])

    def test_node_ws_resumes_from_cursor(self):
        owner, fan, veh = self.setup_follow(["alert"])
        ws, ready = open_ws(self.server, fan)
        ws.abort()
        cursor = ready["cursor"]
        missed = [post_message(self.server, owner, veh["id"], "alert", "missed %d" % i)
                  for i in range(3)]
        p = self.peer(self.server, fan, cursor=cursor, frames=5)
        p.wait_ready()
        live = post_message(self.server, owner, veh["id"], "alert", "live")
        self.assertEqual(p.finish(), 0, p.describe())
        frames = p.frames()
        self.assertEqual(frames[0], {"type": "ready", "cursor": cursor})
        self.assertCreated(frames[1:], missed + [live])

    def test_node_ws_inband_auth(self):
        owner, fan, veh = self.setup_follow()
        p = self.peer(self.server, fan, frames=2, mode="inband")
        p.wait_ready()
        m = post_message(self.server, owner, veh["id"], "status")
        self.assertEqual(p.finish(), 0, p.describe())
        self.assertCreated(p.frames()[1:], [m])

        bad = harness.User(fan.id, fan.username, fan.password, "garbage-token", fan.info)
        p = self.peer(self.server, bad, frames=1, mode="inband")
        self.assertEqual(p.finish(), 0, p.describe())
        self.assertEqual(p.frames(), [], p.describe())
        closes = p.of_kind("close")
        self.assertEqual(len(closes), 1, p.describe())
        self.assertEqual(closes[0]["code"], 1008, p.describe())
        self.assertTrue(closes[0]["reason"], p.describe())

    def test_node_ws_sees_http_errors_before_upgrade(self):
        fan = harness.new_user(self.server, "fan")
        for cursor, token, status, code in (("garbage", fan.token, 400, "invalid_cursor"),
                                            ("999999999", fan.token, 400, "invalid_cursor"),
                                            (None, "garbage", 401, "unauthorized")):
            with self.subTest(cursor=cursor, token=token[:8]):
                user = harness.User(fan.id, fan.username, fan.password, token, fan.info)
                p = self.peer(self.server, user, cursor=cursor, frames=1)
                self.assertEqual(p.finish(), 3, p.describe())
                http = p.of_kind("http")
                self.assertEqual(len(http), 1, p.describe())
                self.assertEqual(http[0]["status"], status)
                body = json.loads(http[0]["body"])
                self.assertEqual(body["code"], code)
                self.assertEqual(body["status"], status)

    def test_node_ws_gets_1001_on_shutdown(self):
        s = self.start_server()
        fan = harness.new_user(s, "fan")
        p = self.peer(s, fan, frames=0, timeout_ms=15000)
        p.wait_ready()
        self.assertEqual(s.stop(), 0, s.describe())
        self.assertLess(s.last_stop_seconds, 10)
        self.assertEqual(p.finish(), 0, p.describe())
        closes = p.of_kind("close")
        self.assertEqual(len(closes), 1, p.describe())
        self.assertEqual(closes[0]["code"], 1001, p.describe())


if __name__ == "__main__":
    unittest.main()
