"""Data files are private whatever the umask (issue 14 item 3): the data directory Paddock
creates is 0700, paddock.db and its -wal/-shm files and backups are 0600, and an existing
directory open to others is left alone but warned about."""

import os
import shutil
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class UsualUmask:
    """Runs the block (and the processes it starts, which inherit it) under umask 022."""

    def __enter__(self):
        self.saved = os.umask(0o022)

    def __exit__(self, *exc):
        os.umask(self.saved)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@harness.skip_on_postgres("the modes of the SQLite file and its data directory")
class FileModesTest(harness.PaddockTestCase):

    def assertMode(self, path, expected):
        self.assertEqual(mode(path), expected,
                         "%s is %04o, expected %04o" % (path, mode(path), expected))

    def test_fresh_data_directory_and_files_are_private(self):
        srv = self.new_server()
        shutil.rmtree(srv.data_dir)  # Paddock creates it
        with UsualUmask():
            srv.start()
        user = harness.new_user(srv)  # writes: the WAL and shared-memory files exist now
        self.assertEqual(srv.get("/v1/me", token=user.token).status, 200)
        self.assertMode(srv.data_dir, 0o700)
        names = sorted(os.listdir(srv.data_dir))
        for expected in ("paddock.db", "paddock.db-wal", "paddock.db-shm"):
            self.assertIn(expected, names)
        for name in names:
            self.assertMode(os.path.join(srv.data_dir, name), 0o600)

        backup = os.path.join(srv.tmpdir, "backup.db")
        with UsualUmask():
            p = harness.run_cli(["backup", backup, "--data-dir", srv.data_dir])
        self.assertEqual(p.returncode, 0, p)
        self.assertMode(backup, 0o600)
        self.assertEqual(srv.stop(), 0)
        for name in os.listdir(srv.data_dir):
            self.assertMode(os.path.join(srv.data_dir, name), 0o600)

    def test_migrate_creates_private_files(self):
        srv = self.new_server()
        shutil.rmtree(srv.data_dir)
        with UsualUmask():
            p = harness.run_cli(["migrate", "--data-dir", srv.data_dir])
        self.assertEqual(p.returncode, 0, p)
        self.assertMode(srv.data_dir, 0o700)
        for name in os.listdir(srv.data_dir):
            self.assertMode(os.path.join(srv.data_dir, name), 0o600)

    def test_existing_open_directory_is_warned_about_not_changed(self):
        srv = self.new_server()
        os.chmod(srv.data_dir, 0o755)
        with UsualUmask():
            srv.start()
        self.assertEqual(srv.get("/healthz").status, 200)
        log = srv.stderr_text()
        self.assertRegex(log, r"(?i)warn.*data directory is accessible to group or others")
        self.assertIn(srv.data_dir, log)
        self.assertIn("0755", log)
        self.assertMode(srv.data_dir, 0o755)
        self.assertMode(os.path.join(srv.data_dir, "paddock.db"), 0o600)

    def test_private_existing_directory_gets_no_warning(self):
        srv = self.new_server()
        os.chmod(srv.data_dir, 0o700)
        with UsualUmask():
            srv.start()
        self.assertEqual(srv.get("/healthz").status, 200)
        self.assertNotIn("data directory is accessible", srv.stderr_text())


if __name__ == "__main__":
    unittest.main()
