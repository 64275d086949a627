"""The publisher hub (issue 11): registration and approval, RFC 9421 signed pushes (signed by
the example publisher and by npm's http-message-signatures), targeted and public messages live
on the right streams only, versions and withdrawal, an offline receiver's inbox sync to the
current state, opt-outs, secret rotation with overlap, suspension, and every refusal of "Bad
input and safety"."""

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wsclient  # noqa: E402

sys.path.insert(0, os.path.join(harness.REPO_ROOT, "examples", "publisher"))
import publisher as example  # noqa: E402

OPERATOR = "pubop"
NODE = shutil.which("node")
SIGNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "publisher_signer.mjs")


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def grant_operator(server, username=OPERATOR):
    """The shared operator role (it also registers charge points), given on the command line."""
    done = harness.run_cli(["users", "grant-operator", username, "--data-dir", server.data_dir])
    if done.returncode != 0:
        raise AssertionError("grant-operator failed: %r" % (done,))


class PublisherHubTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        harness.signup(cls.server, OPERATOR)
        grant_operator(cls.server)
        cls.operator_token = harness.login(cls.server, OPERATOR)

    def tearDown(self):
        for s in self.__dict__.get("_streams", []):
            try:
                s.close()
            except Exception:
                pass

    # -- helpers -----------------------------------------------------------
    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.server.port, path)

    def register(self, kind="dealer", public_key=None):
        body = {"name": "Acme %s" % uuid.uuid4().hex[:6], "kind": kind,
                "contact": "ops@acme.example"}
        if public_key:
            body["public_key"] = public_key
        r = self.server.post("/v1/publishers", body)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.body["status"], "pending")
        return r.body["id"]

    def approve(self, reg_id):
        r = self.server.post("/v1/publishers/%s/approve" % reg_id, token=self.operator_token)
        self.assertEqual(r.status, 200, r)
        return r.body

    def new_publisher(self, kind="dealer"):
        approved = self.approve(self.register(kind))
        return approved["publisher_id"], approved["secret"]

    def signed(self, method, path, payload, keyid, secret, headers=None, raw=None, nonce=None,
               created=None, sign_path=None):
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None
                                            else b"")
        sig = example.sign(method, self.url(sign_path or path), body, keyid, secret,
                           nonce=nonce, created=created)
        sig.update(headers or {})
        return self.server.request(method, path, raw_body=body if body else None, headers=sig)

    def push(self, pid, secret, message_id, audience, title="Hello", category="offer", **extra):
        payload = {"audience": audience, "category": category, "title": title,
                   "body": "text", "data": {"code": "X1"}}
        payload.update(extra)
        return self.signed("PUT", "/v1/publisher/messages/" + message_id, payload, pid, secret)

    def stream(self, user):
        ws = wsclient.WebSocket.connect(self.server.port, "/v1/stream", token=user.token)
        self.__dict__.setdefault("_streams", []).append(ws)
        self.assertEqual(ws.recv_json()["type"], "ready")
        return ws

    def next_publisher_frame(self, ws, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            frame = ws.recv_json(timeout=max(0.05, deadline - time.monotonic()))
            if frame["type"].startswith("publisher."):
                return frame

    def assertSilent(self, ws, seconds=0.5):
        with self.assertRaises(socket.timeout):
            self.next_publisher_frame(ws, timeout=seconds)

    def assertProblem(self, r, status, code):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.headers.get("content-type"), "application/problem+json", r)
        self.assertEqual(r.body["code"], code, r.body)

    def subscribe(self, user, pid):
        r = self.server.request("PUT", "/v1/me/subscriptions/" + pid, token=user.token)
        self.assertIn(r.status, (201, 204), r)

    def inbox(self, user, cursor=None):
        path = "/v1/inbox" + ("?cursor=%s" % cursor if cursor is not None else "")
        r = self.server.get(path, token=user.token)
        self.assertEqual(r.status, 200, r)
        return r.body

    # -- registration and operators ----------------------------------------
    def test_registration_approval_and_the_unique_id(self):
        reg = self.register("insurer")
        someone = harness.new_user(self.server, "pn")
        self.assertProblem(self.server.post("/v1/publishers/%s/approve" % reg), 401, "unauthorized")
        self.assertProblem(self.server.post("/v1/publishers/%s/approve" % reg, token=someone.token),
                           403, "not_operator")
        approved = self.approve(reg)
        pid = approved["publisher_id"]
        self.assertRegex(pid, r"^IN\d{16}$")
        self.assertTrue(luhn_ok(pid[2:]), pid)
        self.assertRegex(approved["secret"], r"^[A-Za-z0-9_-]{43}$")
        self.assertProblem(self.server.post("/v1/publishers/%s/approve" % reg,
                                            token=self.operator_token), 409,
                           "publisher_state_conflict")
        self.assertProblem(self.server.post("/v1/publishers/reg_nope/approve",
                                            token=self.operator_token), 404, "not_found")
        # The secret is stored sealed: it appears nowhere in the database (the SQLite file, or a
        # dump of the PostgreSQL database).
        if harness.on_postgres():
            db = subprocess.run(["pg_dump", "--data-only", "--dbname=" + self.server.database],
                                stdout=subprocess.PIPE, check=True, timeout=60).stdout
            self.assertIn(b"publisher_secrets", db)
        else:
            with open(os.path.join(self.server.data_dir, "paddock.db"), "rb") as f:
                db = f.read()
            wal = os.path.join(self.server.data_dir, "paddock.db-wal")
            if os.path.exists(wal):
                with open(wal, "rb") as f:
                    db += f.read()
        self.assertNotIn(approved["secret"].encode(), db)
        key = os.path.join(self.server.data_dir, "publisher-secrets.key")
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
        self.assertEqual(os.path.getsize(key), 32)

    def test_registration_refuses_bad_input(self):
        for body, field in [({"name": "A", "kind": "bakery", "contact": "c"}, "kind"),
                            ({"name": "", "kind": "dealer", "contact": "c"}, "name"),
                            ({"name": "A" * 201, "kind": "dealer", "contact": "c"}, "name"),
                            ({"name": "A", "kind": "dealer"}, "contact"),
                            ({"name": "A", "kind": "dealer", "contact": "c",
                              "public_key": "abc"}, "public_key")]:
            r = self.server.post("/v1/publishers", body)
            self.assertProblem(r, 422, "invalid_field")
            self.assertEqual(r.body.get("field"), field, r.body)

    def test_command_line_approval(self):
        reg = self.register("parking")
        proc = harness.run_cli(["publishers", "approve", reg, "--data-dir", self.server.data_dir])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        pid, reg_again, status = lines[0].split()
        self.assertRegex(pid, r"^PK\d{16}$")
        self.assertEqual((reg_again, status), (reg, "active"))
        secret = re.match(r"secret (\S+) \(shown once\)", lines[1]).group(1)
        carol = harness.new_user(self.server, "pc")
        self.subscribe(carol, pid)
        self.assertEqual(self.push(pid, secret, "cli-1", {"user_ids": [carol.id]}).status, 201)
        proc = harness.run_cli(["publishers", "approve", reg, "--data-dir", self.server.data_dir])
        self.assertNotEqual(proc.returncode, 0)

    # -- delivery ------------------------------------------------------------
    def test_targeted_and_public_messages_reach_the_right_streams_only(self):
        pid, secret = self.new_publisher()
        alice = harness.new_user(self.server, "pa")   # a customer
        bob = harness.new_user(self.server, "pb")     # not a customer
        carol = harness.new_user(self.server, "pc")   # opted out of this publisher
        self.subscribe(alice, pid)
        r = self.server.request("PUT", "/v1/me/preferences", token=carol.token,
                                body={"opt_out": {"publishers": [pid], "categories": []}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["opt_out"]["publishers"], [pid])
        wa, wb, wc = self.stream(alice), self.stream(bob), self.stream(carol)

        r = self.push(pid, secret, "voucher-1", {"user_ids": [alice.id]}, category="voucher")
        self.assertEqual(r.status, 201, r)
        frame = self.next_publisher_frame(wa)
        self.assertEqual(frame["type"], "publisher.message")
        self.assertIsNone(frame["cursor"])
        item = frame["item"]
        self.assertEqual(item["id"], pid + "-voucher-1")
        self.assertEqual(item["publisher"]["id"], pid)
        self.assertEqual(item["audience"], "targeted")
        self.assertEqual(item["data"], {"code": "X1"})
        self.assertSilent(wb)
        self.assertSilent(wc)

        r = self.push(pid, secret, "spring", {"public": True})
        self.assertEqual(r.status, 201, r)
        for ws in (wa, wb):
            frame = self.next_publisher_frame(ws)
            self.assertEqual(frame["item"]["id"], pid + "-spring")
            self.assertEqual(frame["item"]["audience"], "public")
        self.assertSilent(wc)

        # A targeted message to someone who is not a customer is refused and names the entry.
        r = self.push(pid, secret, "voucher-2", {"user_ids": [alice.id, bob.id]})
        self.assertProblem(r, 422, "not_a_customer")
        self.assertEqual(r.body["field"], "audience.user_ids[1]")
        r = self.push(pid, secret, "voucher-3", {"user_ids": ["usr_doesnotexist0"]})
        self.assertProblem(r, 422, "not_a_customer")
        self.assertSilent(wa, 0.3)

        # An opted-out customer gets nothing, and the publisher cannot tell.
        self.subscribe(carol, pid)
        r = self.push(pid, secret, "voucher-4", {"user_ids": [carol.id]})
        self.assertEqual(r.status, 201, r)
        self.assertSilent(wc)
        self.assertEqual([i["id"] for i in self.inbox(carol)["items"]
                          if i["publisher"]["id"] == pid], [])

        # Opting out of a category works the same way for public messages.
        r = self.server.request("PUT", "/v1/me/preferences", token=bob.token,
                                body={"opt_out": {"categories": ["news"]}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.push(pid, secret, "newsletter", {"public": True},
                                   category="news").status, 201)
        self.assertEqual(self.next_publisher_frame(wa)["item"]["id"], pid + "-newsletter")
        self.assertSilent(wb)

    def test_updates_withdrawal_and_an_offline_receivers_sync(self):
        pid, secret = self.new_publisher("charging")
        dave = harness.new_user(self.server, "pd")   # offline throughout
        erin = harness.new_user(self.server, "pe")   # syncs half-way
        self.subscribe(dave, pid)
        start = self.inbox(dave)["next_cursor"]
        self.assertEqual(self.push(pid, secret, "m1", {"public": True}, title="v1").status, 201)
        r = self.push(pid, secret, "m1", {"public": True}, title="v2", version=2)
        self.assertEqual((r.status, r.body["version"]), (200, 2), r)
        # An older version is refused; the same version again with the same content is a no-op.
        self.assertProblem(self.push(pid, secret, "m1", {"public": True}, title="v0", version=1),
                           409, "stale_version")
        r = self.push(pid, secret, "m1", {"public": True}, title="v2", version=2)
        self.assertEqual((r.status, r.body["changed"]), (200, False), r)
        self.assertProblem(self.push(pid, secret, "m1", {"user_ids": [dave.id]}, title="v3"),
                           409, "audience_changed")
        self.assertEqual(self.push(pid, secret, "m2", {"user_ids": [dave.id]},
                                   title="for you").status, 201)
        erin_cursor = self.inbox(erin, start)["next_cursor"]
        self.assertEqual(self.push(pid, secret, "m3", {"public": True}, title="gone").status, 201)
        erin_sync = self.inbox(erin, erin_cursor)
        self.assertEqual([i["id"] for i in erin_sync["items"]], [pid + "-m3"])
        r = self.signed("DELETE", "/v1/publisher/messages/m3", None, pid, secret)
        self.assertEqual(r.status, 204, r)
        r = self.signed("DELETE", "/v1/publisher/messages/never", None, pid, secret)
        self.assertProblem(r, 404, "not_found")

        # Dave, offline all along, gets the current state only: m1 at v2 and m2, nothing of m3.
        synced = self.inbox(dave, start)
        got = {i["id"]: i for i in synced["items"]}
        self.assertEqual(sorted(got), sorted([pid + "-m1", pid + "-m2"]))
        self.assertEqual((got[pid + "-m1"]["title"], got[pid + "-m1"]["version"]), ("v2", 2))
        self.assertEqual(got[pid + "-m1"]["publisher"]["id"], pid)
        self.assertFalse(got[pid + "-m2"]["read"])
        # Erin held m3: she learns it was withdrawn, without its content.
        later = self.inbox(erin, erin_sync["next_cursor"])["items"]
        self.assertEqual([(i["id"], i["state"]) for i in later], [(pid + "-m3", "withdrawn")])
        self.assertNotIn("title", later[0])

        # Read marks.
        r = self.server.post("/v1/inbox/%s-m2/read" % pid, token=dave.token)
        self.assertEqual(r.status, 204, r)
        r = self.server.post("/v1/inbox/%s-m2/read" % pid, token=erin.token)
        self.assertProblem(r, 404, "not_found")
        r = self.server.post("/v1/inbox/%s-m1/read" % pid, token=dave.token)
        self.assertEqual(r.status, 204, r)
        got = {i["id"]: i for i in self.inbox(dave, start)["items"]}
        self.assertTrue(got[pid + "-m2"]["read"] and got[pid + "-m1"]["read"])
        self.assertProblem(self.server.get("/v1/inbox?cursor=abc", token=dave.token), 422,
                           "invalid_inbox_cursor")
        self.assertProblem(self.server.get("/v1/inbox?cursor=999999999", token=dave.token), 422,
                           "invalid_inbox_cursor")

    def test_a_message_handed_over_by_qr_reaches_only_who_may_read_it(self):
        """Issue 9's publisher_message_id context: a kiosk shows a publisher's message; a phone
        that may read it gets it as its inbox shows it; nobody else does."""
        pid, secret = self.new_publisher()
        kiosk = harness.new_user(self.server, "pk")
        fan = harness.new_user(self.server, "pf")
        opted_out = harness.new_user(self.server, "po")
        r = self.server.request("PUT", "/v1/me/preferences", token=opted_out.token,
                                body={"opt_out": {"publishers": [pid], "categories": []}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.push(pid, secret, "show-1", {"public": True}).status, 201)
        self.subscribe(fan, pid)
        self.assertEqual(self.push(pid, secret, "only-fan", {"user_ids": [fan.id]}).status, 201)
        device, _ = harness.register_device(self.server, fan.token, name="fan phone")
        other_device, _ = harness.register_device(self.server, opted_out.token, name="po phone")

        def link(item_id):
            return self.server.post("/v1/links", {
                "purpose": "share", "context": {"publisher_message_id": item_id},
                "terminal": {"name": "Showroom kiosk", "kind": "kiosk"}}, token=kiosk.token)

        # The kiosk may show the public message, not one targeted at someone else.
        self.assertProblem(link(pid + "-only-fan"), 404, "not_found")
        shown = link(pid + "-show-1")
        self.assertEqual(shown.status, 201, shown)
        # Someone who opted out of the publisher cannot take it (and spends nothing).
        r = self.server.post("/v1/links/%s/claim" % shown.body["id"],
                             {"secret": shown.body["secret"], "device_id": other_device["id"]},
                             token=opted_out.token)
        self.assertProblem(r, 403, "forbidden")
        # A phone that is not yet a customer takes it: the claim is accepting the offer.
        scanner = harness.new_user(self.server, "ps")
        scanner_device, _ = harness.register_device(self.server, scanner.token, name="ps phone")
        self.assertProblem(self.push(pid, secret, "for-scanner", {"user_ids": [scanner.id]}),
                           422, "not_a_customer")
        r = self.server.post("/v1/links/%s/claim" % shown.body["id"],
                             {"secret": shown.body["secret"], "device_id": scanner_device["id"]},
                             token=scanner.token)
        self.assertEqual(r.status, 200, r)
        item = r.body["context"]["publisher_message"]
        self.assertEqual(item["id"], pid + "-show-1")
        self.assertEqual(item["publisher"]["id"], pid)
        self.assertEqual(item["audience"], "public")
        # ...which made them the publisher's customer: it may now target them.
        self.assertEqual(self.push(pid, secret, "for-scanner", {"user_ids": [scanner.id]}).status,
                         201)
        # The targeted message to the fan is theirs alone to show.
        fan_link = self.server.post("/v1/links", {
            "purpose": "share", "context": {"publisher_message_id": pid + "-only-fan"},
            "device_id": device["id"],
            "terminal": {"name": "Fan PC", "kind": "pc"}}, token=fan.token)
        self.assertEqual(fan_link.status, 201, fan_link)

    def test_delivery_statistics_count_without_naming_receivers(self):
        pid, secret = self.new_publisher()
        other_pid, other_secret = self.new_publisher()
        kim = harness.new_user(self.server, "pk")
        lee = harness.new_user(self.server, "pl")
        for u in (kim, lee):
            self.subscribe(u, pid)
        ws = self.stream(kim)
        self.assertEqual(self.push(pid, secret, "stat-1", {"user_ids": [kim.id, lee.id]}).status,
                         201)
        self.next_publisher_frame(ws)
        self.inbox(lee)
        self.assertEqual(self.server.post("/v1/inbox/%s-stat-1/read" % pid,
                                          token=lee.token).status, 204)

        def stats():
            r = self.signed("GET", "/v1/publisher/messages/stat-1/stats", None, pid, secret)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(sorted(r.body), ["delivered", "read", "synced"])
            self.assertEqual((r.body["delivered"], r.body["synced"], r.body["read"]), (1, 1, 1),
                             r.body)
        harness.eventually(stats, timeout=3.0)
        r = self.signed("GET", "/v1/publisher/messages/stat-1/stats", None, other_pid,
                        other_secret)
        self.assertProblem(r, 404, "not_found")
        r = self.server.get("/v1/publisher/messages/stat-1/stats", token=kim.token)
        self.assertProblem(r, 401, "signature_missing")

    def test_statistics_count_receivers_not_streams_versions_or_syncs(self):
        pid, secret = self.new_publisher()
        kim = harness.new_user(self.server, "pk")
        lee = harness.new_user(self.server, "pl")
        mo = harness.new_user(self.server, "pm")
        for u in (kim, lee):
            self.subscribe(u, pid)
        phone, laptop = self.stream(kim), self.stream(kim)

        def stats(message_id):
            r = self.signed("GET", "/v1/publisher/messages/%s/stats" % message_id, None, pid,
                            secret)
            self.assertEqual(r.status, 200, r)
            return (r.body["delivered"], r.body["synced"], r.body["read"])

        # Kim gets two versions on two streams; Lee syncs three times. One receiver each.
        for version in (1, 2):
            r = self.push(pid, secret, "stat-2", {"user_ids": [kim.id, lee.id]},
                          title="v%d" % version, version=version)
            self.assertIn(r.status, (200, 201), r)
            for ws in (phone, laptop):
                self.assertEqual(self.next_publisher_frame(ws)["item"]["title"], "v%d" % version)
        first = self.inbox(lee)
        self.inbox(lee)
        self.inbox(lee, first["next_cursor"])
        harness.eventually(lambda: self.assertEqual(stats("stat-2"), (1, 1, 0)), timeout=3.0)

        # A public message: Mo opted out of this publisher and is counted nowhere, even after
        # syncing; Kim is reached live, Lee and Mo have no stream.
        r = self.server.request("PUT", "/v1/me/preferences", token=mo.token,
                                body={"opt_out": {"publishers": [pid], "categories": []}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.push(pid, secret, "stat-3", {"public": True}).status, 201)
        for ws in (phone, laptop):
            self.assertEqual(self.next_publisher_frame(ws)["item"]["id"], pid + "-stat-3")
        for u in (lee, mo):
            self.inbox(u, first["next_cursor"])
        harness.eventually(lambda: self.assertEqual(stats("stat-3"), (1, 1, 0)), timeout=3.0)
        self.assertEqual(self.server.post("/v1/inbox/%s-stat-3/read" % pid,
                                          token=kim.token).status, 204)
        self.inbox(kim)
        harness.eventually(lambda: self.assertEqual(stats("stat-3"), (1, 2, 1)), timeout=3.0)

    def test_expired_messages_leave_the_inbox(self):
        pid, secret = self.new_publisher()
        frank = harness.new_user(self.server, "pf")
        # Whole seconds: it lives 3-4 s, time enough to push and read it on a loaded machine.
        soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(time.time()) + 4))
        self.assertEqual(self.push(pid, secret, "brief", {"public": True},
                                   expires_at=soon).status, 201)
        ids = lambda: [i["id"] for i in self.inbox(frank)["items"]]  # noqa: E731
        self.assertIn(pid + "-brief", ids())
        harness.eventually(lambda: self.assertNotIn(pid + "-brief", ids()), timeout=10.0)

    # -- refusals ------------------------------------------------------------
    def test_every_bad_signature_is_refused_with_its_own_code(self):
        pid, secret = self.new_publisher()
        body = {"audience": {"public": True}, "category": "offer", "title": "t"}
        path = "/v1/publisher/messages/sig-test"
        raw = json.dumps(body).encode()

        def attempt(**kw):
            return self.signed("PUT", path, body, pid, secret, **kw)

        # tampered body: the digest no longer matches
        sig = example.sign("PUT", self.url(path), raw, pid, secret)
        r = self.server.request("PUT", path, raw_body=raw.replace(b'"t"', b'"T"'), headers=sig)
        self.assertProblem(r, 401, "digest_mismatch")
        # tampered body with a recomputed digest: the signature covers the digest
        sig["Content-Digest"] = example.content_digest(raw.replace(b'"t"', b'"T"'))
        r = self.server.request("PUT", path, raw_body=raw.replace(b'"t"', b'"T"'), headers=sig)
        self.assertProblem(r, 401, "signature_unverified")
        # signed for https (a TLS-terminating proxy in front) is accepted over plain http
        r = self.server.request("PUT", path, raw_body=raw, headers=example.sign(
            "PUT", self.url(path).replace("http://", "https://"), raw, pid, secret))
        self.assertEqual(r.status, 201, r)
        # tampered path
        self.assertProblem(attempt(sign_path="/v1/publisher/messages/other"), 401,
                           "signature_unverified")
        # stale and future created
        r = attempt(created=int(time.time()) - 301)
        self.assertProblem(r, 401, "signature_expired")
        self.assertIn("past", r.body["detail"])
        # Well past the window, so that a slow run cannot bring it back inside.
        self.assertProblem(attempt(created=int(time.time()) + 360), 401, "signature_expired")
        # wrong secret, unknown keyid, no signature, garbage
        self.assertProblem(self.signed("PUT", path, body, pid, "wrong" * 8), 401,
                           "signature_unverified")
        self.assertProblem(self.signed("PUT", path, body, "DL0000000000000000", secret), 401,
                           "unknown_publisher")
        self.assertProblem(self.server.request("PUT", path, body=body), 401, "signature_missing")
        self.assertProblem(attempt(headers={"Signature-Input": "sig1=(@method"}), 401,
                           "signature_malformed")
        # a signature that leaves out what must be covered
        nonce = "n-" + uuid.uuid4().hex
        params = '("@method");created=%d;nonce="%s";keyid="%s"' % (time.time(), nonce, pid)
        r = self.server.request("PUT", path, body=body, headers={
            "Signature-Input": "s=" + params, "Signature": "s=:AAAA:"})
        self.assertProblem(r, 401, "signature_incomplete")
        # replayed nonce: the first succeeds, the identical second is refused
        raw = raw.replace(b'"t"', b'"t2"')
        sig = example.sign("PUT", self.url(path), raw, pid, secret)
        self.assertEqual(self.server.request("PUT", path, raw_body=raw, headers=sig).status, 200)
        r = self.server.request("PUT", path, raw_body=raw, headers=sig)
        self.assertProblem(r, 401, "nonce_replayed")
        # no problem document leaks the secret
        self.assertNotIn(secret, json.dumps(r.body))

    def test_message_content_is_checked(self):
        pid, secret = self.new_publisher()
        rows = [
            ({"audience": {"public": True}, "category": "spam", "title": "t"}, 422,
             "unknown_category"),
            ({"audience": {"public": True}, "category": "offer", "title": "t" * 201}, 422,
             "invalid_field"),
            ({"audience": {"public": True}, "category": "offer", "title": "t",
              "body": "b" * 4001}, 422, "invalid_field"),
            ({"audience": {"public": True}, "category": "offer", "title": "t",
              "data": {"x": "y" * 17000}}, 422, "invalid_field"),
            ({"audience": {"public": False}, "category": "offer", "title": "t"}, 422,
             "invalid_field"),
            ({"audience": {"public": True, "user_ids": []}, "category": "offer", "title": "t"},
             422, "invalid_field"),
            ({"audience": {"public": True}, "category": "offer", "title": "t",
              "expires_at": "2001-01-01T00:00:00Z"}, 422, "invalid_field"),
            ({"audience": {"public": True}, "category": "offer", "title": "t",
              "expires_at": "tomorrow"}, 422, "invalid_field"),
            ({"audience": {"public": True}, "category": "offer", "title": "t", "version": 0},
             422, "invalid_field"),
        ]
        for i, (body, status, code) in enumerate(rows):
            r = self.signed("PUT", "/v1/publisher/messages/bad-%d" % i, body, pid, secret)
            self.assertProblem(r, status, code)
        r = self.signed("PUT", "/v1/publisher/messages/bad%20id", rows[0][0], pid, secret)
        self.assertProblem(r, 422, "invalid_field")
        big = b'{"pad":"' + b"x" * (1 << 20) + b'"}'
        sig = example.sign("PUT", self.url("/v1/publisher/messages/big"), big, pid, secret)
        head = "PUT /v1/publisher/messages/big HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(big)
        head += "".join("%s: %s\r\n" % kv for kv in sig.items()) + "\r\n"
        r, _, _ = harness.raw_exchange(self.server.port, head.encode() + big)
        self.assertProblem(r, 413, "payload_too_large")

    def test_secret_rotation_with_overlap_and_suspension(self):
        pid, old = self.new_publisher("repair")
        other_pid, other_secret = self.new_publisher()
        r = self.signed("POST", "/v1/publishers/%s/secrets" % pid, {}, other_pid, other_secret)
        self.assertProblem(r, 403, "forbidden")
        r = self.signed("POST", "/v1/publishers/%s/secrets" % pid, {"overlap_seconds": 3600},
                        pid, old)
        self.assertEqual(r.status, 201, r)
        new = r.body["secret"]
        self.assertNotEqual(new, old)
        self.assertEqual(self.push(pid, new, "r1", {"public": True}).status, 201)
        self.assertEqual(self.push(pid, old, "r2", {"public": True}).status, 201)  # overlap
        r = self.signed("POST", "/v1/publishers/%s/secrets" % pid, {"overlap_seconds": 0},
                        pid, new)
        self.assertEqual(r.status, 201, r)
        newest = r.body["secret"]
        self.assertProblem(self.push(pid, old, "r3", {"public": True}), 401, "signature_unverified")
        self.assertProblem(self.push(pid, new, "r3", {"public": True}), 401, "signature_unverified")
        self.assertEqual(self.push(pid, newest, "r3", {"public": True}).status, 201)

        r = self.server.post("/v1/publishers/%s/suspend" % pid, token=self.operator_token)
        self.assertEqual((r.status, r.body["status"]), (200, "suspended"), r)
        self.assertProblem(self.push(pid, newest, "r4", {"public": True}), 403,
                           "publisher_suspended")
        self.assertProblem(self.server.post("/v1/publishers/%s/suspend" % pid,
                                             token=self.operator_token), 409,
                           "publisher_state_conflict")
        r = self.server.post("/v1/publishers/%s/reinstate" % pid, token=self.operator_token)
        self.assertEqual((r.status, r.body["status"]), (200, "active"), r)
        self.assertEqual(self.push(pid, newest, "r4", {"public": True}).status, 201)

    def test_receiver_routes_are_the_callers_own(self):
        pid, _ = self.new_publisher()
        gina = harness.new_user(self.server, "pg")
        for method, path in [("PUT", "/v1/me/subscriptions/" + pid), ("GET", "/v1/me/subscriptions"),
                             ("DELETE", "/v1/me/subscriptions/" + pid),
                             ("GET", "/v1/me/preferences"), ("PUT", "/v1/me/preferences"),
                             ("GET", "/v1/inbox"), ("POST", "/v1/inbox/%s-x/read" % pid)]:
            self.assertProblem(self.server.request(method, path), 401, "unauthorized")
        # A user's session is no publisher signature.
        r = self.server.request("PUT", "/v1/publisher/messages/x", token=gina.token,
                                body={"audience": {"public": True}})
        self.assertProblem(r, 401, "signature_missing")
        self.assertProblem(self.server.request("PUT", "/v1/me/subscriptions/DL0000000000000000",
                                               token=gina.token), 404, "not_found")
        self.subscribe(gina, pid)
        r = self.server.get("/v1/me/subscriptions", token=gina.token)
        self.assertEqual([s["publisher_id"] for s in r.body["subscriptions"]], [pid])
        self.assertEqual(self.server.delete("/v1/me/subscriptions/" + pid,
                                            token=gina.token).status, 204)
        self.assertProblem(self.server.delete("/v1/me/subscriptions/" + pid, token=gina.token),
                           404, "not_found")
        r = self.server.request("PUT", "/v1/me/preferences", token=gina.token,
                                body={"opt_out": {"categories": ["astrology"]}})
        self.assertProblem(r, 422, "unknown_category")

    # -- signers we did not write ---------------------------------------------
    def node_sign(self, spec):
        if not NODE:
            self.skipTest("node is not on PATH")
        if not os.path.exists(os.path.join(harness.REPO_ROOT, "node_modules",
                                           "http-message-signatures", "package.json")):
            proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=harness.REPO_ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180)
            self.assertEqual(proc.returncode, 0, proc.stdout)
        proc = subprocess.run([NODE, SIGNER], input=json.dumps(spec).encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                              cwd=harness.REPO_ROOT)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        return json.loads(proc.stdout)

    def test_npm_http_message_signatures_is_accepted_and_its_replay_refused(self):
        pid, secret = self.new_publisher()
        hana = harness.new_user(self.server, "ph")
        self.subscribe(hana, pid)
        ws = self.stream(hana)
        path = "/v1/publisher/messages/npm-1"
        raw = json.dumps({"audience": {"user_ids": [hana.id]}, "category": "points",
                          "title": "100 points"})
        headers = self.node_sign({"method": "PUT", "url": self.url(path), "body": raw,
                                  "keyid": pid, "secret": secret, "nonce": uuid.uuid4().hex})
        r = self.server.request("PUT", path, raw_body=raw, headers=headers)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.next_publisher_frame(ws)["item"]["title"], "100 points")
        r = self.server.request("PUT", path, raw_body=raw, headers=headers)
        self.assertProblem(r, 401, "nonce_replayed")

    def test_npm_ed25519_signature_with_a_registered_key(self):
        from cryptography.hazmat.primitives import serialization
        priv, public_b64url = harness.make_keypair()
        approved = self.approve(self.register("insurer", public_key=public_b64url))
        self.assertNotIn("secret", approved)   # a key-only publisher gets no shared secret
        pid = approved["publisher_id"]
        pkcs8 = priv.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
        path = "/v1/publisher/messages/ed-1"
        raw = json.dumps({"audience": {"public": True}, "category": "news", "title": "t"})
        headers = self.node_sign({"method": "PUT", "url": self.url(path), "body": raw,
                                  "keyid": pid, "nonce": uuid.uuid4().hex,
                                  "ed25519_pkcs8_b64": base64.b64encode(pkcs8).decode()})
        r = self.server.request("PUT", path, raw_body=raw, headers=headers)
        self.assertEqual(r.status, 201, r)
        headers = self.node_sign({"method": "PUT", "url": self.url(path + "x"), "body": raw,
                                  "keyid": pid, "nonce": uuid.uuid4().hex,
                                  "ed25519_pkcs8_b64": base64.b64encode(pkcs8).decode()})
        r = self.server.request("PUT", path, raw_body=raw, headers=headers)
        self.assertProblem(r, 401, "signature_unverified")

    def test_example_publisher_script_registers_and_pushes(self):
        script = os.path.join(harness.REPO_ROOT, "examples", "publisher", "publisher.py")
        server = "http://127.0.0.1:%d" % self.server.port

        def run(*args, secret_in_env=None):
            env = dict(os.environ)
            env.pop("PADDOCK_PUBLISHER_SECRET", None)
            if secret_in_env is not None:
                env["PADDOCK_PUBLISHER_SECRET"] = secret_in_env
            proc = subprocess.run([sys.executable, script] + list(args), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=30, text=True, env=env)
            self.assertTrue(proc.stdout, "publisher.py %s printed nothing; stderr:\n%s"
                            % (args[0], proc.stderr))
            return proc.returncode, json.loads(proc.stdout)

        code, out = run("register", "--server", server, "--name", "Example Parking",
                        "--kind", "parking", "--contact", "ops@parking.example")
        self.assertEqual((code, out["status"]), (0, 202), out)
        approved = self.approve(out["body"]["id"])
        pid, secret = approved["publisher_id"], approved["secret"]
        ivan = harness.new_user(self.server, "pi")
        self.subscribe(ivan, pid)
        # The secret from the environment, and as --secret=VALUE (a base64url secret begins
        # with "-" one time in 64, which "--secret VALUE" would take for an option).
        code, out = run("push", "--server", server, "--id", pid,
                        "--message-id", "slot-7", "--user", ivan.id, "--category", "parking",
                        "--title", "Your slot", "--data", '{"slot": 7}', secret_in_env=secret)
        self.assertEqual((code, out["status"]), (0, 201), out)
        code, out = run("stats", "--server", server, "--id", pid, "--secret=" + secret,
                        "--message-id", "slot-7")
        self.assertEqual((code, out["status"]), (0, 200), out)
        self.assertEqual(sorted(out["body"]), ["delivered", "read", "synced"])
        code, out = run("withdraw", "--server", server, "--id", pid, "--message-id", "slot-7",
                        secret_in_env=secret)
        self.assertEqual((code, out["status"]), (0, 204), out)
        code, out = run("stats", "--server", server, "--id", pid, "--secret=-not-its-secret",
                        "--message-id", "slot-7")
        self.assertEqual(code, 1, out)
        self.assertEqual(out["status"], 401, out)   # a secret beginning with "-" was sent
        code, out = run("rotate", "--server", server, "--id", pid, "--secret=" + secret)
        self.assertEqual((code, out["status"]), (0, 201), out)

        missing = subprocess.run([sys.executable, script, "stats", "--server", server, "--id", pid,
                                  "--message-id", "slot-7"],
                                 env={k: v for k, v in os.environ.items()
                                      if k != "PADDOCK_PUBLISHER_SECRET"},
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                                 text=True)
        self.assertEqual(missing.returncode, 2)
        self.assertIn("PADDOCK_PUBLISHER_SECRET", missing.stderr)


class PushLimitsTest(harness.PaddockTestCase):

    def publisher(self, server):
        harness.signup(server, OPERATOR)
        grant_operator(server)
        token = harness.login(server, OPERATOR)
        r = server.post("/v1/publishers", {"name": "L", "kind": "dealer", "contact": "c"})
        r = server.post("/v1/publishers/%s/approve" % r.body["id"], token=token)
        return r.body["publisher_id"], r.body["secret"]

    def push(self, server, pid, secret, n):
        path = "/v1/publisher/messages/m%d" % n
        body = json.dumps({"audience": {"public": True}, "category": "news",
                           "title": "t"}).encode()
        sig = example.sign("PUT", "http://127.0.0.1:%d%s" % (server.port, path), body, pid, secret)
        return server.request("PUT", path, raw_body=body, headers=sig)

    def test_rate_limit_and_daily_quota_answer_429_with_retry_after(self):
        server = self.start_server(env={"PADDOCK_PUBLISHER_PUSHES_PER_MINUTE": "3"})
        pid, secret = self.publisher(server)
        for n in range(3):
            self.assertEqual(self.push(server, pid, secret, n).status, 201)
        r = self.push(server, pid, secret, 3)
        self.assertEqual((r.status, r.body["code"]), (429, "push_rate_limited"), r)
        self.assertGreaterEqual(int(r.headers["retry-after"]), 1)

        server = self.start_server(env={"PADDOCK_PUBLISHER_DAILY_QUOTA": "2"})
        pid, secret = self.publisher(server)
        for n in range(2):
            self.assertEqual(self.push(server, pid, secret, n).status, 201)
        r = self.push(server, pid, secret, 2)
        self.assertEqual((r.status, r.body["code"]), (429, "daily_quota_exceeded"), r)
        self.assertLessEqual(int(r.headers["retry-after"]), 86400)


class AutoApproveTest(harness.PaddockTestCase):

    def test_development_mode_approves_at_registration(self):
        server = self.start_server(env={"PADDOCK_PUBLISHERS_AUTO_APPROVE": "true"})
        r = server.post("/v1/publishers", {"name": "Dev", "kind": "other", "contact": "dev"})
        self.assertEqual((r.status, r.body["status"]), (201, "active"), r)
        self.assertRegex(r.body["publisher_id"], r"^OT\d{16}$")
        self.assertIn("secret", r.body)


if __name__ == "__main__":
    unittest.main()
