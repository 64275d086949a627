"""Several `paddock serve` nodes on one PostgreSQL database (issue 12): live delivery across
nodes from the feed log, cursor order with concurrent writers on several nodes, logout on one
node ending streams on another, a node that starts before its database exists, and what
`paddock backup` does on PostgreSQL.

Uses the cluster named by PADDOCK_TEST_POSTGRES_STATE (ctest's postgres fixture) or starts a
throwaway one of its own with scripts/pg-test-cluster.sh; skipped when PostgreSQL's server
binaries are not installed."""

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wsclient  # noqa: E402

sys.path.insert(0, os.path.join(harness.REPO_ROOT, "examples", "publisher"))
import publisher as example  # noqa: E402
from sharing_helpers import create_vehicle, feed_all, follow, open_ws, post_message  # noqa: E402

CLUSTER_SCRIPT = os.path.join(harness.REPO_ROOT, "scripts", "pg-test-cluster.sh")
HAVE_POSTGRES = bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
_own_state = None


def setUpModule():
    global _own_state
    if not HAVE_POSTGRES or os.environ.get("PADDOCK_TEST_POSTGRES_STATE"):
        return
    _own_state = os.path.join(tempfile.mkdtemp(prefix="paddock-mn-"), "cluster.state")
    subprocess.run([CLUSTER_SCRIPT, "start", _own_state], check=True, timeout=120,
                   stdout=subprocess.DEVNULL)
    os.environ["PADDOCK_TEST_POSTGRES_STATE"] = _own_state


def tearDownModule():
    if _own_state:
        subprocess.run([CLUSTER_SCRIPT, "stop", _own_state], timeout=120,
                       stdout=subprocess.DEVNULL)
        os.environ.pop("PADDOCK_TEST_POSTGRES_STATE", None)


@unittest.skipUnless(HAVE_POSTGRES, "PostgreSQL server binaries not installed")
class MultiNodeTest(harness.PaddockTestCase):

    def setUp(self):
        self.database = harness.create_database()
        self.addCleanup(harness.drop_database, self.database)

    def node(self, env=None):
        """A node on this test's database (its own data dir, port and process)."""
        srv = harness.Server(database=self.database, env=env)
        self.__dict__.setdefault("_test_servers", []).append(srv)
        self.addCleanup(srv.close)
        return srv.start()

    def wait_ready(self, srv, seconds=20):
        deadline = time.monotonic() + seconds
        r = None
        while time.monotonic() < deadline:
            r = srv.get("/readyz")
            if r.status == 200:
                return r
            time.sleep(0.2)
        self.fail("node not ready after %d s: %r" % (seconds, r))

    def test_follower_on_b_gets_posts_made_on_a_in_order(self):
        a, b = self.node(), self.node()
        for n in (a, b):
            self.wait_ready(n)
        owner = harness.new_user(a, "own")
        fan = harness.new_user(a, "fan")
        # A session made on A is good on B: sessions are in the database.
        self.assertEqual(b.get("/v1/me", token=fan.token).status, 200)
        veh = create_vehicle(a, owner)
        follow(b, fan, veh)
        ws, ready = open_ws(b, fan)
        try:
            posted = [post_message(a, owner, veh["id"], "status", "post %d" % i)
                      for i in range(10)]
            events = wsclient.collect(lambda t: ws.recv_json(t), 10, 10, "events on B")
            self.assertEqual([e["type"] for e in events], ["message.created"] * 10)
            self.assertEqual([e["message"]["id"] for e in events], [m["id"] for m in posted])
            cursors = [int(e["cursor"]) for e in events]
            self.assertEqual(cursors, sorted(cursors))
            self.assertGreater(cursors[0], int(ready["cursor"]))
            ws.expect_silence(0.5)  # each event once, though both nodes hear every commit
        finally:
            ws.abort()

    def test_a_public_message_reaches_streams_on_both_nodes_and_counts_each_receiver_once(self):
        dev = {"PADDOCK_PUBLISHERS_AUTO_APPROVE": "true"}
        a = self.node(dev)
        # Every node opens publishers' sealed secrets with the same key (README, "What every
        # node needs"): B gets A's, as `make cluster` does.
        b = harness.Server(database=self.database, env=dev)
        self.addCleanup(b.close)
        shutil.copy(os.path.join(a.data_dir, "publisher-secrets.key"), b.data_dir)
        b.start()
        for n in (a, b):
            self.wait_ready(n)
        r = a.post("/v1/publishers", {"name": "Nodes", "kind": "dealer", "contact": "c"})
        self.assertEqual(r.status, 201, r)  # approved at once: development mode
        pid, secret = r.body["publisher_id"], r.body["secret"]

        def signed(node, method, path, payload=None):
            body = json.dumps(payload).encode() if payload is not None else b""
            sig = example.sign(method, "http://127.0.0.1:%d%s" % (node.port, path), body, pid,
                               secret)
            return node.request(method, path, raw_body=body or None, headers=sig)

        kim, lee = harness.new_user(a, "pk"), harness.new_user(a, "pl")
        streams = [open_ws(a, kim)[0], open_ws(b, kim)[0], open_ws(b, lee)[0]]
        try:
            r = signed(a, "PUT", "/v1/publisher/messages/both",
                       {"audience": {"public": True}, "category": "news", "title": "hi"})
            self.assertEqual(r.status, 201, r)
            for ws in streams:
                frame = ws.recv_json(5.0)
                while not frame["type"].startswith("publisher."):
                    frame = ws.recv_json(5.0)
                self.assertEqual(frame["item"]["id"], pid + "-both")

            # Kim is reached on both nodes and counts once; Lee once: two receivers.
            def reached_two():
                r = signed(b, "GET", "/v1/publisher/messages/both/stats")
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.body["delivered"], 2, r.body)
            harness.eventually(reached_two, timeout=5.0)
        finally:
            for ws in streams:
                ws.abort()

    def test_concurrent_writers_on_two_nodes_reader_on_a_third_misses_nothing(self):
        # Scaled up for the acceptance run with PADDOCK_MULTINODE_WRITER_NODES=3
        # PADDOCK_MULTINODE_POSTERS=64 PADDOCK_MULTINODE_SECONDS=30.
        writer_nodes = int(os.environ.get("PADDOCK_MULTINODE_WRITER_NODES", "2"))
        posters = int(os.environ.get("PADDOCK_MULTINODE_POSTERS", "8"))
        seconds = float(os.environ.get("PADDOCK_MULTINODE_SECONDS", "3"))
        writers = [self.node() for _ in range(writer_nodes)]
        c = self.node()
        for n in writers + [c]:
            self.wait_ready(n)
        owner = harness.new_user(writers[0], "own")
        fan = harness.new_user(c, "fan")
        vehicles = [create_vehicle(writers[0], owner) for _ in range(4)]
        for v in vehicles:
            follow(c, fan, v)
        ws, ready = open_ws(c, fan)
        acked, errors = [], []
        end = time.monotonic() + seconds

        def poster(i):
            node = writers[i % len(writers)]
            vid = vehicles[i % len(vehicles)]["id"]
            try:
                for k in range(100000):
                    if time.monotonic() >= end:
                        break
                    acked.append(post_message(node, owner, vid, "status", "p%d-%d" % (i, k))["id"])
            except Exception as e:  # reported below: a refused write fails the test
                errors.append(repr(e))

        threads = [threading.Thread(target=poster, args=(i,)) for i in range(posters)]
        received = []
        reader_done = threading.Event()

        def reader():
            # Until the posters are done and the stream has been quiet for 3 s (at most 5 min).
            deadline = time.monotonic() + seconds + 300
            while time.monotonic() < deadline:
                try:
                    received.append(ws.recv_json(3))
                except socket.timeout:
                    if reader_done.is_set():
                        return

        rt = threading.Thread(target=reader)
        try:
            rt.start()
            for t in threads:
                t.start()
            for t in threads:
                t.join(seconds + 120)
            reader_done.set()
            rt.join(seconds + 330)
            self.assertEqual(errors, [])
            cursors = [int(e["cursor"]) for e in received]
            for prev, cur in zip(cursors, cursors[1:]):
                self.assertGreater(cur, prev, "a cursor went back on the live stream")
            self.assertEqual(sorted(e["message"]["id"] for e in received), sorted(acked))
            # The live stream missed none: a catch-up read from its start gives the same events.
            caught_up, _ = feed_all(c, fan, cursor=ready["cursor"], limit=200, max_pages=100000)
            self.assertEqual([e["cursor"] for e in received], [e["cursor"] for e in caught_up])
            sys.stderr.write("\n[multinode] %d writer nodes, %d posters, %.0f s: %d posts "
                             "(%.0f/s), all %d delivered in order on the reader's node\n"
                             % (writer_nodes, posters, seconds, len(acked), len(acked) / seconds,
                                len(received)))
        finally:
            ws.abort()

    def test_logout_on_a_ends_the_stream_on_b(self):
        a, b = self.node(), self.node()
        for n in (a, b):
            self.wait_ready(n)
        u = harness.new_user(a)
        other = harness.login(a, u.username)
        mine = wsclient.EventSource.connect(b.port, "/v1/events", token=u.token)
        theirs = wsclient.EventSource.connect(b.port, "/v1/events", token=other)
        try:
            for stream in (mine, theirs):
                self.assertTrue(stream.next_item(5)[1].startswith("ready"))
            self.assertEqual(a.delete("/v1/sessions/current", token=u.token).status, 204)
            seen = []
            with self.assertRaises(EOFError):
                for _ in range(10):
                    seen.append(mine.next_item(5))
            self.assertIn(("comment", "closing: session revoked"), seen)
            with self.assertRaises(socket.timeout):  # the other session's stream goes on
                theirs.next_item(0.5)
            self.assertEqual(b.get("/v1/me", token=u.token).status, 401)
        finally:
            mine.close()
            theirs.close()

    def test_a_node_whose_database_is_missing_starts_unready_and_becomes_ready(self):
        uri = self.database.replace("/paddock_it_", "/paddock_late_", 1)
        name = uri.split("/", 3)[3].split("?", 1)[0]
        harness._psql("DROP DATABASE IF EXISTS %s" % name)
        self.addCleanup(harness.drop_database, uri)
        srv = harness.Server(database=uri)
        self.__dict__.setdefault("_test_servers", []).append(srv)
        self.addCleanup(srv.close)
        srv.start()
        r = srv.get("/readyz")
        self.assertProblem(r, 503, "not_ready")
        self.assertIn("database", r.body["detail"])
        # A write meanwhile is a 503 storage_unavailable problem, not a hang or a 500.
        r = srv.post("/v1/users", {"username": harness.unique_username(), "password":
                                   harness.DEFAULT_PASSWORD})
        self.assertProblem(r, 503, "storage_unavailable")
        harness._psql("CREATE DATABASE %s" % name)
        self.wait_ready(srv, 30)
        harness.new_user(srv)

    def test_backup_on_postgres_runs_pg_dump_or_says_what_to_use(self):
        srv = self.node()
        self.wait_ready(srv)
        harness.new_user(srv)
        out = os.path.join(srv.tmpdir, "dump.pgc")
        done = harness.run_cli(["backup", "--data-dir", srv.data_dir, "--database",
                                self.database, out], timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("by pg_dump", done.stdout)
        self.assertIn("pg_restore", done.stdout)
        with open(out, "rb") as f:
            self.assertEqual(f.read(5), b"PGDMP")  # pg_dump's custom format
        # Without pg_dump on PATH the message names the database and what to install.
        done = harness.run_cli(["backup", "--data-dir", srv.data_dir, "--database",
                                self.database, out + ".2"], env={"PATH": "/nonexistent"})
        self.assertEqual(done.returncode, 1)
        self.assertIn("PostgreSQL", done.stderr)
        self.assertIn("pg_dump", done.stderr)
        self.assertIn("postgresql-client", done.stderr)


@unittest.skipUnless(HAVE_POSTGRES, "PostgreSQL server binaries not installed")
class OutageTest(harness.PaddockTestCase):
    """The database stopped and started again under load. Always on a cluster of its own:
    stopping the shared one would break the tests running beside it."""

    def setUp(self):
        tmp = tempfile.mkdtemp(prefix="paddock-outage-")
        self.state = os.path.join(tmp, "cluster.state")
        self.cluster("start")
        self.addCleanup(self.cluster, "stop")
        with open(self.state) as f:
            sock_dir = [l[4:].strip() for l in f if l.startswith("dir=")][0]
        subprocess.run(["psql", "-h", sock_dir, "-U", "paddock", "-d", "postgres", "-q", "-c",
                        "CREATE DATABASE paddock_outage"], check=True, timeout=60,
                       stdout=subprocess.DEVNULL)
        self.database = "postgresql://paddock@/paddock_outage?host=%s" % sock_dir

    def cluster(self, action):
        subprocess.run([CLUSTER_SCRIPT, action, self.state], check=True, timeout=120,
                       stdout=subprocess.DEVNULL)

    def test_writes_across_a_stop_and_start_are_kept_or_refused_and_streams_stay_up(self):
        srv = harness.Server(database=self.database)
        self.__dict__.setdefault("_test_servers", []).append(srv)
        self.addCleanup(srv.close)
        srv.start()
        MultiNodeTest.wait_ready(self, srv)
        owner = harness.new_user(srv, "own")
        fan = harness.new_user(srv, "fan")
        veh = create_vehicle(srv, owner)
        follow(srv, fan, veh)
        ws, _ = open_ws(srv, fan)
        self.addCleanup(ws.abort)
        acked, refused, other = [], [], []
        stop = threading.Event()

        def poster(i):
            k = 0
            while not stop.is_set() and k < 2000:
                k += 1
                r = srv.post("/v1/vehicles/%s/messages" % veh["id"],
                             {"type": "status", "text": "w%d-%d" % (i, k)}, token=owner.token)
                if r.status == 201:
                    acked.append(r.body["id"])
                elif (r.status == 503 and isinstance(r.body, dict)
                      and r.body.get("code") == "storage_unavailable"):
                    refused.append(r.body)
                    time.sleep(0.05)
                else:
                    other.append((r.status, r.body))

        threads = [threading.Thread(target=poster, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.0)
            self.cluster("pause")
            time.sleep(2.0)
            r = srv.get("/readyz")
            self.assertProblem(r, 503, "not_ready")
            self.cluster("resume")
            MultiNodeTest.wait_ready(self, srv, 30)
            time.sleep(1.0)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        self.assertEqual(other, [])
        self.assertTrue(refused, "no write was refused while the database was away")
        self.assertTrue(acked)
        # Every acknowledged write is there afterwards.
        stored, after = set(), 0
        for _ in range(1000):
            page = srv.get("/v1/vehicles/%s/messages?limit=200&after=%d" % (veh["id"], after),
                           token=owner.token).body
            if not page["messages"]:
                break
            stored.update(m["id"] for m in page["messages"])
            after = page["next_after"]
        self.assertEqual(set(acked) - stored, set())
        # The stream stayed up: a post made now still reaches it.
        fresh = post_message(srv, owner, veh["id"], "status", "after the outage")
        for _ in range(len(acked) + 10):
            ev = ws.recv_json(10)
            if ev.get("message", {}).get("id") == fresh["id"]:
                break
        else:
            self.fail("the post made after the outage did not reach the stream")


if __name__ == "__main__":
    unittest.main()
