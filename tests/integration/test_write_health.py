"""Readiness while the disk is full: every write fails, reads still work, and /readyz says
so (503 problem, code not_ready, a detail saying writes are failing) instead of staying 200.

The full disk is real, not simulated inside the server: the process runs under
RLIMIT_FSIZE (with SIGXFSZ ignored, as a server on a full disk gets ENOSPC rather than a
signal), so once SQLite's write-ahead log reaches the limit every commit fails."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FILE_LIMIT = 1 << 20   # bytes per file: room for the schema and a few dozen commits
MAX_WRITES = 3000      # the WAL fills long before this (each commit adds a few 4 KiB pages)

# Runs argv[1:] with a file-size limit and SIGXFSZ ignored (both survive exec).
LIMITED_EXEC = (
    "import os, resource, signal, sys\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (%d, %d))\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n" % (FILE_LIMIT, FILE_LIMIT))


class FullDiskServer(harness.Server):
    def command(self):
        return ["/usr/bin/python3", "-c", LIMITED_EXEC] + super().command()


@harness.skip_on_postgres("a full disk under the SQLite file (PostgreSQL going away: test_pg_outage)")
class WriteHealthTest(harness.PaddockTestCase):

    def test_readyz_reports_failing_writes_while_reads_go_on(self):
        s = FullDiskServer()
        self.addCleanup(s.close)
        s.start()
        ready = s.get("/readyz")
        self.assertEqual(ready.status, 200, ready.body)
        user = harness.new_user(s, "disk")

        failed = None
        for i in range(MAX_WRITES):
            r = s.post("/v1/devices", {"name": "d%d" % i, "kind": "phone",
                                       "public_key": harness.make_keypair()[1]},
                       token=user.token)
            if r.status != 201:
                failed = r
                break
        self.assertIsNotNone(failed, "no write failed under a %d-byte file limit" % FILE_LIMIT)
        self.assertProblem(failed, 503, "storage_unavailable")
        self.assertGreater(i, 0, "the very first write failed: the limit is too small")

        readyz = s.get("/readyz")
        self.assertProblem(readyz, 503, "not_ready")
        self.assertIn("writes are failing", readyz.body["detail"])

        # The process keeps going: reads are answered, and so is the next write (with 503).
        me = s.get("/v1/me", token=user.token)
        self.assertEqual(me.status, 200, me.body)
        self.assertTrue(s.running())
        again = s.post("/v1/devices", {"name": "again", "kind": "phone",
                                       "public_key": harness.make_keypair()[1]},
                       token=user.token)
        self.assertProblem(again, 503, "storage_unavailable")
        self.assertEqual(s.get("/readyz").status, 503)


if __name__ == "__main__":
    unittest.main()
