"""Contacts and their relationships (issue 8, item 1), and the key policy file the server
loads at start (item 4): routes, validation, authorization, persistence, refusal to start on a
bad policy file."""

import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED_POLICY = os.path.join(REPO, "config", "key-policy.toml")
RELATIONSHIPS = ("family", "friend", "colleague", "service_provider")


class ContactsTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        self.a = harness.new_user(self.server, "ca")
        self.b = harness.new_user(self.server, "cb")
        self.c = harness.new_user(self.server, "cc")

    def put(self, user, other_id, body):
        return self.server.request("PUT", "/v1/contacts/%s" % other_id, body=body,
                                   token=user.token)

    def contacts(self, user):
        r = self.server.get("/v1/contacts", token=user.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(list(r.body.keys()), ["contacts"], r.body)
        for c in r.body["contacts"]:
            self.assertContactShape(c)
        return r.body["contacts"]

    def assertContactShape(self, c):
        self.assertEqual(set(c), {"user_id", "username", "display_name", "relationship",
                                  "created_at", "updated_at"}, c)
        self.assertIn(c["relationship"], RELATIONSHIPS)
        self.assertTime(c["created_at"])
        self.assertTime(c["updated_at"])

    # -- create, change, list, delete ----------------------------------------
    def test_create_is_201_and_lists_the_user(self):
        r = self.put(self.a, self.b.id, {"relationship": "family"})
        self.assertEqual(r.status, 201, r)
        self.assertContactShape(r.body)
        self.assertEqual(r.body["user_id"], self.b.id)
        self.assertEqual(r.body["username"], self.b.username)
        self.assertEqual(r.body["display_name"], self.b.info["display_name"])
        self.assertEqual(r.body["relationship"], "family")
        self.assertEqual(r.body["created_at"], r.body["updated_at"])
        self.assertEqual(self.contacts(self.a), [r.body])

    def test_every_relationship_is_accepted(self):
        for rel in RELATIONSHIPS:
            with self.subTest(rel=rel):
                r = self.put(self.a, self.b.id, {"relationship": rel})
                self.assertIn(r.status, (200, 201), r)
                self.assertEqual(r.body["relationship"], rel)
        self.assertEqual([c["relationship"] for c in self.contacts(self.a)], ["service_provider"])

    def test_change_is_200_and_keeps_created_at(self):
        first = self.put(self.a, self.b.id, {"relationship": "friend"})
        self.assertEqual(first.status, 201, first)
        time.sleep(0.01)
        second = self.put(self.a, self.b.id, {"relationship": "colleague"})
        self.assertEqual(second.status, 200, second)
        self.assertEqual(second.body["relationship"], "colleague")
        self.assertEqual(second.body["created_at"], first.body["created_at"])
        self.assertGreaterEqual(harness.parse_time(second.body["updated_at"]),
                                harness.parse_time(first.body["updated_at"]))
        listed = self.contacts(self.a)
        self.assertEqual(len(listed), 1)
        self.assertEqual(listed[0]["relationship"], "colleague")

    def test_list_is_oldest_first(self):
        self.assertEqual(self.put(self.a, self.c.id, {"relationship": "friend"}).status, 201)
        self.assertEqual(self.put(self.a, self.b.id, {"relationship": "family"}).status, 201)
        self.assertEqual([c["user_id"] for c in self.contacts(self.a)], [self.c.id, self.b.id])

    def test_delete(self):
        self.assertEqual(self.put(self.a, self.b.id, {"relationship": "friend"}).status, 201)
        r = self.server.delete("/v1/contacts/%s" % self.b.id, token=self.a.token)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.contacts(self.a), [])
        again = self.server.delete("/v1/contacts/%s" % self.b.id, token=self.a.token)
        self.assertProblem(again, 404, "not_found")

    def test_a_new_user_has_no_contacts(self):
        self.assertEqual(self.contacts(self.c), [])

    # -- direction and authorization ------------------------------------------
    def test_a_contact_is_one_directional(self):
        self.assertEqual(self.put(self.a, self.b.id, {"relationship": "family"}).status, 201)
        self.assertEqual(self.contacts(self.b), [])
        r = self.put(self.b, self.a.id, {"relationship": "colleague"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.contacts(self.a)[0]["relationship"], "family")
        self.assertEqual(self.contacts(self.b)[0]["relationship"], "colleague")

    def test_nobody_reads_or_changes_another_users_contacts(self):
        self.assertEqual(self.put(self.a, self.b.id, {"relationship": "family"}).status, 201)
        # C sees only C's (empty) list, and C's PUT/DELETE of B touch C's own contacts only.
        self.assertEqual(self.contacts(self.c), [])
        gone = self.server.delete("/v1/contacts/%s" % self.b.id, token=self.c.token)
        self.assertProblem(gone, 404, "not_found")
        self.assertEqual(self.put(self.c, self.b.id, {"relationship": "friend"}).status, 201)
        self.assertEqual(self.contacts(self.a)[0]["relationship"], "family")
        # B, the contact itself, cannot remove it from A's list either.
        r = self.server.delete("/v1/contacts/%s" % self.b.id, token=self.b.token)
        self.assertProblem(r, 404, "not_found")
        self.assertEqual(len(self.contacts(self.a)), 1)

    def test_every_route_needs_a_session(self):
        for method, path, body in (("GET", "/v1/contacts", None),
                                   ("PUT", "/v1/contacts/%s" % self.b.id, {"relationship": "family"}),
                                   ("DELETE", "/v1/contacts/%s" % self.b.id, None)):
            with self.subTest(method=method):
                r = self.server.request(method, path, body=body)
                self.assertProblem(r, 401, "unauthorized")
                r = self.server.request(method, path, body=body, token="not-a-token")
                self.assertProblem(r, 401, "unauthorized")
        self.assertEqual(self.contacts(self.a), [])

    # -- validation -----------------------------------------------------------
    def test_adding_yourself_is_refused(self):
        r = self.put(self.a, self.a.id, {"relationship": "family"})
        self.assertProblem(r, 422, "invalid_field", field="user_id")
        self.assertEqual(self.contacts(self.a), [])

    def test_unknown_users_are_not_found(self):
        for other in ("usr_doesnotexist0000", "nonsense", "%2e%2e"):
            with self.subTest(other=other):
                r = self.put(self.a, other, {"relationship": "friend"})
                self.assertProblem(r, 404, "not_found")
        self.assertEqual(self.contacts(self.a), [])

    def test_bad_relationships_are_refused(self):
        for body in ({"relationship": "enemy"}, {"relationship": "none"},
                     {"relationship": "Family"}, {"relationship": ""}, {"relationship": 3},
                     {"relationship": None}, {}):
            with self.subTest(body=body):
                r = self.put(self.a, self.b.id, body)
                self.assertProblem(r, 422, "invalid_field", field="relationship")
        self.assertEqual(self.contacts(self.a), [])

    def test_a_bad_relationship_does_not_change_an_existing_contact(self):
        self.assertEqual(self.put(self.a, self.b.id, {"relationship": "friend"}).status, 201)
        r = self.put(self.a, self.b.id, {"relationship": "owner"})
        self.assertProblem(r, 422, "invalid_field", field="relationship")
        self.assertEqual(self.contacts(self.a)[0]["relationship"], "friend")

    def test_body_must_be_a_json_object(self):
        r = self.server.request("PUT", "/v1/contacts/%s" % self.b.id, raw_body="{nope",
                                token=self.a.token)
        self.assertProblem(r, 400, "invalid_json")
        r = self.server.request("PUT", "/v1/contacts/%s" % self.b.id, raw_body="[]",
                                token=self.a.token)
        self.assertIn(r.status, (400, 422), r)


class ContactsPersistTest(harness.PaddockTestCase):

    def test_contacts_survive_a_restart(self):
        srv = self.start_server()
        a = harness.new_user(srv, "pa")
        b = harness.new_user(srv, "pb")
        r = srv.request("PUT", "/v1/contacts/%s" % b.id, body={"relationship": "service_provider"},
                        token=a.token)
        self.assertEqual(r.status, 201, r)
        srv.restart()
        listed = srv.get("/v1/contacts", token=a.token)
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual(listed.body["contacts"], [r.body])


class KeyPolicyFileTest(harness.PaddockTestCase):
    """The key policy is read and validated at start. Nothing over HTTP reads it yet (the
    key-share routes will), so a custom file is observable only as the server starting with it
    and naming it in its start-up log."""

    def write_policy(self, text):
        fd, path = tempfile.mkstemp(prefix="paddock-policy-", suffix=".toml")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def shipped_text(self):
        with open(SHIPPED_POLICY) as f:
            return f.read()

    def run_serve(self, args, env=None):
        data = tempfile.mkdtemp(prefix="paddock-it-policy-")
        return harness.run_cli(["serve", "--listen", "127.0.0.1:0", "--data-dir", data] + args,
                               env=env, timeout=20)

    def assertRefused(self, proc, *fragments):
        self.assertNotEqual(proc.returncode, 0, proc)
        self.assertNotIn("listening on", proc.stdout)
        for fragment in fragments:
            self.assertIn(fragment, proc.stderr)

    def test_a_bad_file_stops_the_server_naming_file_table_and_key(self):
        cases = (
            ("unknown right", ('rights = ["open_trunk", "lock"]', 'rights = ["open_trunk", "teleport"]'),
             "[tasks.delivery] rights: unknown right 'teleport'"),
            ("negative limit", ("max_uses = 1", "max_uses = -1"),
             "[tasks.delivery] max_uses: must be at least 1, got -1"),
            ("unknown task", ("[tasks.custom]", "[tasks.joyride]\nrights = []\n[tasks.custom]"),
             "[tasks.joyride] unknown task"),
            ("unknown relationship", ("[relationships.family]", "[relationships.rival]\nrights = []\n[relationships.family]"),
             "[relationships.rival] unknown relationship"),
        )
        for name, (old, new), message in cases:
            with self.subTest(name):
                text = self.shipped_text()
                self.assertIn(old, text)
                path = self.write_policy(text.replace(old, new, 1))
                proc = self.run_serve(["--key-policy", path])
                self.assertRefused(proc, path, message)

    def test_a_missing_section_stops_the_server(self):
        text = self.shipped_text()
        path = self.write_policy(text[:text.index("[relationships.none]")])
        self.assertRefused(self.run_serve(["--key-policy", path]), path,
                           "[relationships] missing section")

    def test_a_missing_file_stops_the_server(self):
        path = os.path.join(tempfile.gettempdir(), "paddock-no-such-policy.toml")
        self.assertRefused(self.run_serve(["--key-policy", path]), path,
                           "cannot read the key policy file")

    def test_the_environment_and_the_config_file_name_the_policy_too(self):
        bad = self.write_policy("[tasks]\n")
        proc = self.run_serve([], env={"PADDOCK_KEY_POLICY": bad})
        self.assertRefused(proc, bad, "[tasks.borrow] missing table")
        config = self.write_policy('key_policy = "%s"\n' % bad)
        proc = self.run_serve(["--config", config])
        self.assertRefused(proc, bad, "[tasks.borrow] missing table")

    def test_a_custom_file_is_loaded_and_named(self):
        path = self.write_policy(self.shipped_text().replace("max_uses = 1", "max_uses = 2", 1))
        srv = self.start_server(args=["--key-policy", path])
        self.assertEqual(srv.get("/healthz").status, 200)
        self.assertIn(path, srv.stderr_text())
        self.assertIn("key policy loaded", srv.stderr_text())

    def test_the_default_is_built_in(self):
        srv = self.start_server()
        self.assertEqual(srv.get("/healthz").status, 200)
        self.assertIn("built-in", srv.stderr_text())


if __name__ == "__main__":
    unittest.main()
