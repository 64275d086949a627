"""Two `paddock serve` nodes on one PostgreSQL database (issue 12, item 3): a follower streaming
from node B gets the posts made on node A, in order; writers on both nodes at once never make a
reader's cursor go back or skip an event; logging out on node A ends the stream on node B.

Needs the ctest PostgreSQL cluster (PADDOCK_TEST_POSTGRES_STATE); runs once, whatever the backend.
"""

import os
import shutil
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wsclient  # noqa: E402
from sharing_helpers import create_vehicle, feed_all, follow, open_ws, post_message  # noqa: E402


class TwoNodes(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.database = harness.create_database()
        cls.a = harness.Server(args=["--database", cls.database])
        cls.a.start()
        cls.b = harness.Server(args=["--database", cls.database])
        # One issuer keyring for both, as every node of a deployment needs.
        shutil.copy(os.path.join(cls.a.data_dir, "issuer-keys.toml"), cls.b.data_dir)
        cls.b.start()

    @classmethod
    def tearDownClass(cls):
        for s in (cls.b, cls.a):
            s.close()
        harness.drop_database(cls.database)

    def test_a_follower_on_one_node_gets_posts_made_on_the_other_in_order(self):
        owner = harness.new_user(self.a, "own")
        vehicle = create_vehicle(self.a, owner)
        fan = harness.new_user(self.b, "fan")
        follow(self.b, fan, vehicle)
        stream, _ = open_ws(self.b, fan)
        self.addCleanup(stream.close)
        posted = [post_message(self.a, owner, vehicle["id"], "status") for _ in range(5)]
        got = stream.recv_events(5, timeout=10)
        self.assertEqual([e["message"]["id"] for e in got], [m["id"] for m in posted])
        cursors = [int(e["cursor"]) for e in got]
        self.assertEqual(cursors, sorted(cursors))
        stream.expect_silence(0.5)

    def test_writers_on_both_nodes_never_make_a_readers_cursor_go_back_or_skip(self):
        owner = harness.new_user(self.a, "own")
        vehicle = create_vehicle(self.a, owner)
        fan = harness.new_user(self.a, "fan")
        follow(self.a, fan, vehicle)
        stream, _ = open_ws(self.b, fan)
        self.addCleanup(stream.close)
        per_writer, errors = 25, []

        def write(node):
            try:
                for _ in range(per_writer):
                    post_message(node, owner, vehicle["id"], "status")
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        writers = [threading.Thread(target=write, args=(node,))
                   for node in (self.a, self.b, self.a, self.b)]
        for w in writers:
            w.start()
        for w in writers:
            w.join(60)
        self.assertEqual(errors, [])
        total = per_writer * len(writers)
        got = stream.recv_events(total, timeout=30)
        cursors = [int(e["cursor"]) for e in got]
        self.assertEqual(cursors, sorted(cursors), "a cursor went back")
        self.assertEqual(len(set(cursors)), total, "an event came twice")
        # What the stream delivered is exactly what the log holds for this follower.
        events, _ = feed_all(self.a, fan, limit=100)
        paged = [e for e in events if e["type"] == "message.created"]
        self.assertEqual([int(e["cursor"]) for e in paged], cursors)

    def test_logging_out_on_one_node_ends_the_stream_on_the_other(self):
        user = harness.new_user(self.a, "out")
        stream, _ = open_ws(self.b, user)
        self.addCleanup(stream.close)
        r = self.a.delete("/v1/sessions/current", token=user.token)
        self.assertEqual(r.status, 204, r.body)
        with self.assertRaises(wsclient.ConnectionClosed):
            for _ in range(20):
                stream.recv(timeout=1)


if __name__ == "__main__":
    unittest.main()
