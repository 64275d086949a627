"""A node whose PostgreSQL goes away (issue 12, "Bad input and safety"): started while the
database is down it runs, not ready, and turns ready by itself when the database comes; stopped
and restarted under a stream of writes, requests answer 503 storage_unavailable meanwhile, a live
stream stays open, the node recovers by itself, and every write it acknowledged is there after.

Runs a throwaway cluster of its own (scripts/pg-test-cluster.sh, paused and resumed), once.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sharing_helpers import create_vehicle, list_messages, open_ws  # noqa: E402

CLUSTER = os.path.join(harness.REPO_ROOT, "scripts", "pg-test-cluster.sh")


def cluster(action, state):
    done = subprocess.run([CLUSTER, action, state], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=120)
    if done.returncode != 0:
        raise AssertionError("pg-test-cluster %s failed: %s" % (action, done.stdout))


def wait_ready(server, want, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (server.get("/readyz").status == 200) == want:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


class DatabaseAway(harness.PaddockTestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="paddock-pg-outage-")
        self.state = os.path.join(self.tmp, "pg.state")
        cluster("start", self.state)
        self.addCleanup(cluster, "stop", self.state)
        with open(self.state) as f:
            socket_dir = f.read().split("dir=", 1)[1].split("\n", 1)[0]
        self.database = "postgresql://paddock@/postgres?host=" + socket_dir

    def test_a_node_started_without_its_database_turns_ready_when_it_comes(self):
        cluster("pause", self.state)
        server = self.start_server(args=["--database", self.database])
        r = server.get("/readyz")
        self.assertProblem(r, 503, "not_ready")
        self.assertProblem(server.post("/v1/users", {"username": harness.unique_username(),
                                                     "password": harness.DEFAULT_PASSWORD}),
                           503, "storage_unavailable")
        cluster("resume", self.state)
        self.assertTrue(wait_ready(server, True), "the node did not turn ready by itself")
        harness.new_user(server, "late")

    def test_writes_across_a_stop_and_start_lose_nothing_acknowledged(self):
        server = self.start_server(args=["--database", self.database])
        self.assertTrue(wait_ready(server, True))
        owner = harness.new_user(server, "own")
        vehicle = create_vehicle(server, owner)
        stream, _ = open_ws(server, owner)
        self.addCleanup(stream.close)

        acknowledged, refused, other = [], [], []
        stop = threading.Event()

        def writer():
            n = 0
            while not stop.is_set() and n < 2000:
                n += 1
                try:
                    r = server.post("/v1/vehicles/%s/messages" % vehicle["id"],
                                    {"type": "status", "text": "w%d" % n}, token=owner.token)
                except OSError as e:
                    other.append(repr(e))
                    continue
                if r.status == 201:
                    acknowledged.append(r.body["id"])
                elif r.status == 503 and r.body.get("code") == "storage_unavailable":
                    refused.append(n)
                else:
                    other.append((r.status, r.body))
                time.sleep(0.01)

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(0.5)
        cluster("pause", self.state)
        self.assertTrue(wait_ready(server, False, timeout=15), "readyz stayed 200 without a database")
        time.sleep(1.0)
        cluster("resume", self.state)
        self.assertTrue(wait_ready(server, True), "the node did not recover by itself")
        time.sleep(1.0)
        stop.set()
        thread.join(60)

        self.assertEqual(other, [], "every answer is 201 or a 503 storage_unavailable problem")
        self.assertGreater(len(refused), 0, "the outage was not seen")
        self.assertGreater(len(acknowledged), 10)
        stored, after = set(), 0
        for _ in range(100):  # pages of 200, by seq (bounded)
            page = list_messages(server, owner, vehicle["id"], "?limit=200&after=%d" % after)
            stored.update(m["id"] for m in page)
            if len(page) < 200:
                break
            after = page[-1]["seq"]
        missing = [m for m in acknowledged if m not in stored]
        self.assertEqual(missing, [], "acknowledged writes lost")
        # The owner's live stream stayed open through it: it still answers.
        stream.ping()
        self.assertTrue(stream.recv_frame(timeout=5) is not None)


if __name__ == "__main__":
    unittest.main()
