"""Running a fleet of piles (issue 10): the password limiter cannot be turned against a pile by a
stranger; a pile registered unapproved is answered Pending until an operator approves it; and
operator commands that would undo a vehicle lock are refused while it holds."""

import base64
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import ocpp_helpers as oh  # noqa: E402

STRANGER = "127.0.0.2"  # still loopback: Linux routes all of 127/8 to lo


def upgrade_from(port, source, cp_id, password):
    """The pile's WebSocket upgrade sent from `source`; returns the response status."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = ("GET /ocpp/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: ocpp1.6\r\nAuthorization: %s\r\n\r\n"
               % (cp_id, port, key, oh.basic(cp_id, password)))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(5.0)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(request.encode())
        response, how, raw = harness.read_response(s, 5.0)
        if response is None:
            parsed = harness.parse_response_head(raw)
            if parsed is None:
                raise AssertionError("no response (%s): %r" % (how, raw))
            return parsed[0]
        return response.status


class PasswordLimiter(harness.PaddockTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.operator = oh.make_operator(cls.server)

    def test_a_stranger_failing_a_piles_password_does_not_keep_it_out(self):
        cp = oh.register(self.server, self.operator)
        statuses = [upgrade_from(self.server.port, STRANGER, cp, "not-the-password-1")
                    for _ in range(7)]
        self.assertEqual(statuses[:5], [401] * 5)
        self.assertEqual(statuses[5:], [429] * 2)
        # The stranger stays limited for this pile, even with the right password...
        self.assertEqual(upgrade_from(self.server.port, STRANGER, cp, oh.PASSWORD), 429)
        # ...while the pile itself, from its own address, connects and boots.
        ws = oh.connect(self.server, cp)
        self.addCleanup(ws.close)
        self.assertEqual(oh.Pile(ws).boot()["status"], "Accepted")

    def test_brute_force_from_one_address_stays_bounded_across_piles(self):
        # 50 failures per address in the window, whichever piles they aim at.
        piles = [oh.register(self.server, self.operator) for _ in range(11)]
        source = "127.0.0.3"
        statuses = []
        for cp in piles:
            for _ in range(5):
                if len(statuses) < 51:
                    statuses.append(upgrade_from(self.server.port, source, cp, "wrong-password-42"))
        self.assertEqual(statuses[:50], [401] * 50)
        self.assertEqual(statuses[50], 429)


if __name__ == "__main__":
    unittest.main()
