"""Issue 14 items 4 and 5: numbers that do not fit are refused (and large integers kept exact),
and every problem document is valid JSON in UTF-8 whatever bytes the client sent."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sharing_helpers import create_vehicle, follow, post_message  # noqa: E402


def raw_request(server, method, path, body=None, token=None):
    """One request with the path and body sent as the given bytes; returns (status, headers,
    raw body bytes) so that the test can check the exact bytes the server wrote."""
    head = [b"%s %s HTTP/1.1" % (method.encode(), path), b"Host: 127.0.0.1",
            b"Connection: close"]
    if token is not None:
        head.append(b"Authorization: Bearer " + token.encode())
    if body is not None:
        head += [b"Content-Type: application/json", b"Content-Length: %d" % len(body)]
    request = b"\r\n".join(head) + b"\r\n\r\n" + (body or b"")
    resp, how, data = harness.raw_exchange(server.port, request, timeout=harness.REQUEST_TIMEOUT)
    if resp is None:
        raise AssertionError("no complete response (%s): %r" % (how, data[:200]))
    status, headers, rest = harness.parse_response_head(data)
    return status, headers, rest[:int(headers.get("content-length", "0"))]


class HardeningApiTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        cls.owner = harness.new_user(cls.server, "hard")
        cls.vehicle = create_vehicle(cls.server, cls.owner)

    def messages_path(self):
        return b"/v1/vehicles/%s/messages" % self.vehicle["id"].encode()

    def assertUtf8Problem(self, status, headers, data, what):
        """A 4xx problem document whose bytes are strict UTF-8 JSON."""
        ctx = "%s: %d %r" % (what, status, data)
        self.assertGreaterEqual(status, 400, ctx)
        self.assertLess(status, 500, ctx)
        self.assertEqual(headers.get("content-type"), "application/problem+json", ctx)
        text = data.decode("utf-8", "strict")  # raises on any byte that is not UTF-8
        doc = json.loads(text)
        self.assertEqual(doc["status"], status, ctx)
        for key in ("type", "title", "detail", "code", "request_id"):
            self.assertIsInstance(doc[key], str, ctx)
        return doc

    # -- item 4: numbers ---------------------------------------------------------------------
    def test_number_out_of_range_is_refused_naming_the_field(self):
        cases = [
            (b'{"type":"status","text":"x","attributes":{"n":1e400,"keep":1}}', "attributes.n"),
            (b'{"type":"status","text":"x","attributes":{"keep":1,"n":-1e400}}', "attributes.n"),
            (b'{"type":"status","text":"x","attributes":{"a":{"b":[1,2e999]}}}',
             "attributes.a.b[1]"),
            (b'{"type":"status","text":"x","attributes":{"n":1' + b"0" * 400 + b'}}',
             "attributes.n"),
            # Integers past 64 bits could only be kept as inexact doubles.
            (b'{"type":"status","text":"x","attributes":{"n":18446744073709551616}}',
             "attributes.n"),
            (b'{"type":"status","text":"x","attributes":{"l":[-9223372036854775809]}}',
             "attributes.l[0]"),
            (b'{"type":"status","text":"x","attributes":{"n":123456789012345678901234}}',
             "attributes.n"),
        ]
        for raw, field in cases:
            with self.subTest(field=field, body=raw[:80]):
                status, headers, data = raw_request(self.server, "POST", self.messages_path(),
                                                    raw, self.owner.token)
                doc = self.assertUtf8Problem(status, headers, data, "post")
                self.assertEqual(status, 422, data)
                self.assertEqual(doc["code"], "invalid_field")
                self.assertEqual(doc["field"], field)
        # Nothing was stored by the refused posts.
        listed = self.server.get("/v1/vehicles/%s/messages" % self.vehicle["id"],
                                 token=self.owner.token)
        for m in listed.body["messages"]:
            self.assertNotEqual(m["text"], "x", m)

    def test_number_out_of_range_in_an_edit_is_refused(self):
        m = post_message(self.server, self.owner, self.vehicle["id"], "status", text="edit me",
                         attributes={"keep": 1})
        path = self.messages_path() + b"/" + m["id"].encode()
        status, headers, data = raw_request(self.server, "PATCH", path,
                                            b'{"attributes":{"n":1e400}}', self.owner.token)
        doc = self.assertUtf8Problem(status, headers, data, "patch")
        self.assertEqual((status, doc["field"]), (422, "attributes.n"))
        again = self.server.get("/v1/vehicles/%s/messages" % self.vehicle["id"],
                                token=self.owner.token)
        stored = [x for x in again.body["messages"] if x["id"] == m["id"]]
        self.assertEqual(stored[0]["attributes"], {"keep": 1})

    def test_large_integers_come_back_byte_identical(self):
        exact = [b"9007199254740993", b"18446744073709551615", b"-9223372036854775808",
                 b"9223372036854775807", b"0", b"-1"]
        attributes = b"{" + b",".join(b'"k%d":%s' % (i, n) for i, n in enumerate(exact)) + b"}"
        body = b'{"type":"status","text":"big numbers","attributes":' + attributes + b"}"
        status, _, data = raw_request(self.server, "POST", self.messages_path(), body,
                                      self.owner.token)
        self.assertEqual(status, 201, data)
        self.assertIn(b'"attributes":' + attributes, data)
        message_id = json.loads(data)["id"]
        # And the same bytes when read back, from the library and from the feed.
        status, _, data = raw_request(self.server, "GET", self.messages_path() + b"?limit=200",
                                      None, self.owner.token)
        self.assertEqual(status, 200, data)
        self.assertIn(b'"attributes":' + attributes, data)
        self.assertIn(message_id.encode(), data)
        # A follower's feed carries the same bytes (status messages are public by default).
        fan = harness.new_user(self.server, "big")
        follow(self.server, fan, self.vehicle)
        cursor = 0
        for _ in range(50):  # bounded paging
            status, _, data = raw_request(self.server, "GET",
                                          b"/v1/feed?limit=500&cursor=%d" % cursor, None,
                                          fan.token)
            self.assertEqual(status, 200, data)
            if message_id.encode() in data or not json.loads(data)["events"]:
                break
            cursor = int(json.loads(data)["next_cursor"])
        self.assertIn(message_id.encode(), data)
        self.assertIn(b'"attributes":' + attributes, data)

    # -- item 5: problem documents are UTF-8 ---------------------------------------------------
    def test_problem_documents_are_utf8_whatever_the_input(self):
        vid = self.vehicle["id"].encode()
        cases = [
            ("types query", "GET", b"/v1/vehicles/%s/messages?types=%%FF" % vid, None),
            ("types query, one valid", "GET",
             b"/v1/vehicles/%s/messages?types=status,%%C3%%28" % vid, None),
            ("types overlong", "GET", b"/v1/vehicles/%s/messages?types=%%C0%%AF" % vid, None),
            ("limit query", "GET", b"/v1/vehicles/%s/messages?limit=%%FF" % vid, None),
            ("feed cursor", "GET", b"/v1/feed?cursor=%FF%FE", None),
            ("username query", "GET", b"/v1/users?username=%FF", None),
            ("path id, encoded", "GET", b"/v1/vehicles/%FF", None),
            ("path id, raw byte", "GET", b"/v1/vehicles/\xff\xfe", None),
            ("message id, raw byte", "DELETE", b"/v1/vehicles/%s/messages/\xc3" % vid, None),
            ("unknown route, raw byte", "GET", b"/v1/nothing-\xff", None),
            ("wrong method, raw byte", "PUT", b"/v1/devices/\xff", None),
            ("json string field", "POST", b"/v1/vehicles",
             b'{"nickname":"\xff","plate":{"number":"X","region":"CN"}}'),
            ("json lone surrogate", "POST", b"/v1/vehicles",
             b'{"nickname":"\\udcff","plate":{"number":"X","region":"CN"}}'),
            ("json key", "POST", b"/v1/vehicles", b'{"visibility":{"\xff":"public"}}'),
            ("json message type", "POST", self.messages_path(),
             b'{"type":"st\xc3\x28tus","text":"x"}'),
            ("follow types", "POST", b"/v1/follow-requests",
             b'{"identification":{"vin":"x"},"types":["\xe2\x82"]}'),
        ]
        for what, method, path, body in cases:
            with self.subTest(what=what):
                status, headers, data = raw_request(self.server, method, path, body,
                                                    self.owner.token)
                self.assertUtf8Problem(status, headers, data, what)

    def test_invalid_utf8_in_a_query_is_refused_naming_the_parameter(self):
        status, headers, data = raw_request(
            self.server, "GET", self.messages_path() + b"?types=%FF", None, self.owner.token)
        doc = self.assertUtf8Problem(status, headers, data, "types")
        self.assertEqual((status, doc["code"], doc["field"]), (422, "invalid_field", "types"))


if __name__ == "__main__":
    import unittest
    unittest.main()
