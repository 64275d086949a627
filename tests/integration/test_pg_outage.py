"""A node started while its PostgreSQL server is down (issue 12, "Bad input and safety"): it runs,
not ready, refuses writes with 503 storage_unavailable, and turns ready by itself when the server
comes up. (An outage under load, and a database that does not exist yet: test_pg_nodes.py.)

Runs a throwaway cluster of its own (scripts/pg-test-cluster.sh, paused and resumed), once.
"""

import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

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


if __name__ == "__main__":
    unittest.main()
