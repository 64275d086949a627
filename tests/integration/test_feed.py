"""The live feed: GET /v1/feed paging, the WebSocket stream (/v1/stream), Server-Sent Events
(/v1/events), resuming by cursor, follow/vehicle events and persistence across a restart."""

import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wsclient  # noqa: E402
from sharing_helpers import (CURSOR_RE, EVENT_TYPES, create_vehicle, delete_message,  # noqa: E402
                             feed_all, feed_page, follow, follow_request, list_messages,
                             open_sse, open_ws, patch_message, post_message, public_view,
                             summary)

SILENCE = 0.6  # seconds a stream must stay quiet when nothing is expected
# Per-connection queue (4096 events) + socket buffers (about 4 MB of ~20 KB frames) + margin.
SLOW_CONSUMER_POSTS = int(os.environ.get("PADDOCK_SLOW_CONSUMER_POSTS", "5000"))


class FeedAssertions(harness.PaddockTestCase):

    def assertCursor(self, cursor):
        self.assertIsInstance(cursor, str)
        self.assertRegex(cursor, CURSOR_RE)

    def assertEvents(self, events, expected, after=None):
        """`expected`: list of (event type, message dict | follow dict).  For message.deleted
        only {id, vehicle_id, seq, type} of the given message must be carried; follow
        events are compared by follow id.  Cursors must increase (and exceed `after`)."""
        self.assertEqual(len(events), len(expected),
                         "got %r\nexpected %r" % (summary(events),
                                                  [(t, o["id"]) for t, o in expected]))
        prev = int(after) if after is not None else None
        for ev, (etype, obj) in zip(events, expected):
            ctx = "event %r" % (ev,)
            self.assertIsInstance(ev, dict, ctx)
            self.assertCursor(ev.get("cursor"))
            cur = int(ev["cursor"])
            if prev is not None:
                self.assertGreater(cur, prev, "cursors must increase: " + ctx)
            prev = cur
            self.assertIn(ev.get("type"), EVENT_TYPES, ctx)
            self.assertEqual(ev["type"], etype, "got %r\nexpected %r" % (
                summary(events), [(t, o["id"]) for t, o in expected]))
            self.assertEqual(ev.get("vehicle_id"), obj["vehicle_id"], ctx)
            if etype in ("message.created", "message.updated"):
                # The feed carries the public view: followers never learn a member's user id.
                self.assertEqual(ev.get("message"), public_view(obj), ctx)
            elif etype == "message.deleted":
                self.assertEqual(ev.get("message"), {k: obj[k] for k in
                                                     ("id", "vehicle_id", "seq", "type")}, ctx)
            else:
                self.assertIsInstance(ev.get("follow"), dict, ctx)
                self.assertEqual(ev["follow"]["id"], obj["id"], ctx)

    def assertReady(self, ready, cursor=None):
        self.assertEqual(ready.get("type"), "ready", ready)
        self.assertCursor(ready.get("cursor"))
        if cursor is not None:
            self.assertEqual(ready["cursor"], str(cursor), ready)

    def assertSseMatches(self, sse_events, events):
        """SSE events carry `id: <cursor>` and the same JSON as the WebSocket/feed."""
        self.assertEqual([e.json for e in sse_events], events)
        self.assertEqual([e.id for e in sse_events], [e["cursor"] for e in events])


class FeedTest(FeedAssertions):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def tearDown(self):
        for c in self.__dict__.get("_streams", []):
            try:
                c.abort() if isinstance(c, wsclient.WebSocket) else c.close()
            except OSError:
                pass

    def track(self, stream):
        self.__dict__.setdefault("_streams", []).append(stream)
        return stream

    def ws(self, user, cursor=None):
        ws, ready = open_ws(self.server, user, cursor)
        self.track(ws)
        self.assertReady(ready, cursor)
        return ws, ready

    def sse(self, user, **kw):
        return self.track(open_sse(self.server, user, **kw))

    # -- the seed flow ---------------------------------------------------------
    def test_seed_flow_end_to_end(self):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner, plate={"number": "粤B·12345", "region": "CN"},
                             nickname="Blue Bee")
        vid = veh["id"]
        self.assertEqual(veh["plate"]["region"], "CN")
        early = {t: post_message(s, owner, vid, t)
                 for t in ("status", "trip", "maintenance", "sale")}

        # A stranger asks to follow with the plate typed differently.
        r = follow_request(s, fan, {"plate": {"number": "粤b 12345", "region": "CN"}},
                           ["status", "trip", "maintenance"])
        self.assertEqual(r.status, 200, r)
        prompt = r.body["prompt"]
        self.assertEqual(prompt["vehicle_id"], vid)
        self.assertEqual(prompt["nickname"], "Blue Bee")
        self.assertEqual(set(prompt["visible_types"]),
                         {"status", "trip", "alert", "sale", "social"})
        self.assertEqual(len(prompt["visible_types"]), 5, prompt)
        self.assertEqual(prompt["follower_count"], 0)
        self.assertIs(prompt["requires_approval"], False)
        self.assertIsInstance(r.body["confirmation_token"], str)
        self.assertTrue(r.body["confirmation_token"])
        exp = self.assertTime(r.body["expires_at"])
        self.assertAlmostEqual((exp - harness.utcnow()).total_seconds(), 300, delta=60)

        # Nothing is followed yet.
        self.assertEqual(s.get("/v1/follows", token=fan.token).body, {"follows": []})
        self.assertProblem(s.get("/v1/vehicles/" + vid, token=fan.token), 404, "not_found")

        r = s.post("/v1/follows", {"confirmation_token": r.body["confirmation_token"]},
                   token=fan.token)
        self.assertEqual(r.status, 201, r)
        fol = r.body
        self.assertEqual(fol["vehicle_id"], vid)
        self.assertEqual(fol["follower_id"], fan.id)
        self.assertEqual(fol["nickname"], "Blue Bee")
        self.assertEqual(fol["status"], "active")
        self.assertIs(fol["approved"], False)
        self.assertIs(fol["muted"], False)
        self.assertEqual(set(fol["types"]), {"status", "trip", "maintenance"})
        self.assertTime(fol["created_at"], near=harness.utcnow())
        self.assertEqual(s.get("/v1/follows", token=fan.token).body, {"follows": [fol]})
        view = s.get("/v1/vehicles/" + vid, token=fan.token)
        self.assertEqual(view.status, 200, view)
        self.assertEqual(view.body["role"], "follower")
        self.assertEqual(view.body["follower_count"], 1)
        self.assertNotIn("owner_id", view.body)
        # An active follower reads public + followers types (never private).
        self.assertEqual(list_messages(s, fan, vid),
                         [public_view(early[t]) for t in ("status", "trip", "sale")])

        # Live over the WebSocket: only selected and visible types.
        ws, ready = self.ws(fan)
        s1 = post_message(s, owner, vid, "status", "parked at home")
        t1 = post_message(s, owner, vid, "trip", "off to Shenzhen")
        m1 = post_message(s, owner, vid, "maintenance", "oil change")
        x1 = post_message(s, owner, vid, "social", "car meet")
        got = ws.recv_events(2)
        self.assertEvents(got, [("message.created", s1), ("message.created", t1)],
                          after=ready["cursor"])
        self.assertEqual(ws.expect_silence(SILENCE), [])
        last = got[-1]["cursor"]
        ws.close()

        # While disconnected.
        s2 = post_message(s, owner, vid, "status", "charging")
        t2 = post_message(s, owner, vid, "trip", "back home")
        t3 = post_message(s, owner, vid, "trip", "short-lived")
        post_message(s, owner, vid, "sale", "not selected")
        s2u = patch_message(s, owner, vid, s2["id"], text="charging (80%)")
        self.assertEqual(s2u["text"], "charging (80%)")
        self.assertTime(s2u["updated_at"])
        patch_message(s, owner, vid, m1["id"], text="private edit")
        patch_message(s, owner, vid, t3["id"], text="edited then deleted")
        delete_message(s, owner, vid, t3["id"])
        delete_message(s, owner, vid, t1["id"])
        delete_message(s, owner, vid, x1["id"])
        missed = [("message.created", s2), ("message.created", t2), ("message.updated", s2u),
                  ("message.deleted", t3), ("message.deleted", t1)]

        ws, ready = self.ws(fan, cursor=last)
        resumed = ws.recv_events(len(missed))
        self.assertEvents(resumed, missed, after=last)
        self.assertEqual(ws.expect_silence(SILENCE), [])
        s4 = post_message(s, owner, vid, "status", "live again")
        live = ws.recv_events(1)
        self.assertEvents(live, [("message.created", s4)], after=resumed[-1]["cursor"])
        ws_seen = resumed + live

        # The same over Server-Sent Events, with Last-Event-ID ...
        sse = self.sse(fan, last_event_id=last)
        sse_got = sse.events(len(ws_seen))
        self.assertSseMatches(sse_got, ws_seen)
        self.assertEqual(sse.expect_silence(0.3), [])
        # ... and with ?cursor=
        sse_q = self.sse(fan, cursor=last)
        self.assertSseMatches(sse_q.events(len(ws_seen)), ws_seen)
        s5 = post_message(s, owner, vid, "status", "both streams")
        self.assertEvents([e.json for e in sse.events(1)], [("message.created", s5)],
                          after=live[0]["cursor"])
        ws_s5 = ws.recv_events(1)
        self.assertEvents(ws_s5, [("message.created", s5)])
        ws.close()

        # GET /v1/feed paging returns the same sequence.
        paged, next_cursor = feed_all(s, fan, cursor=last, limit=2)
        self.assertEqual(paged, ws_seen + ws_s5)
        self.assertCursor(next_cursor)
        self.assertEqual(feed_page(s, fan, next_cursor)["events"], [])

        # From the beginning: consistent, no created events of deleted messages,
        # nothing private or unselected, ending with what the streams delivered.
        everything, _ = feed_all(s, fan, limit=3)
        cursors = [int(e["cursor"]) for e in everything]
        self.assertEqual(cursors, sorted(set(cursors)))
        self.assertEqual(everything[-len(paged):], paged)
        pairs = summary(everything)
        for gone in (t1, t3):
            self.assertNotIn(("message.created", gone["id"]), pairs)
            self.assertNotIn(("message.updated", gone["id"]), pairs)
        for e in everything:
            self.assertIn(e["message"]["type"], ("status", "trip"), e)

    # -- in-band authentication --------------------------------------------------
    def test_websocket_auth_by_first_frame(self):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        follow(s, fan, veh)

        ws = self.track(wsclient.WebSocket.connect(s.port, "/v1/stream"))
        ws.send_json({"type": "auth", "token": fan.token})
        self.assertReady(ws.recv_json())
        m = post_message(s, owner, veh["id"], "status")
        self.assertEvents(ws.recv_events(1), [("message.created", m)])
        ws.close()

        for first in ({"type": "auth", "token": "garbage"},
                      {"type": "auth", "token": fan.token + "x"},
                      {"type": "hello"},
                      {"token": fan.token}):
            with self.subTest(first=first):
                ws = self.track(wsclient.WebSocket.connect(s.port, "/v1/stream"))
                ws.send_json(first)
                code, reason, before = ws.wait_closed(5)
                self.assertEqual(code, 1008, reason)
                self.assertTrue(reason, "close 1008 without a reason")
                self.assertEqual(before, [], "frames before the close: %r" % before)

        # A logged-out token is refused the same way.
        other = harness.new_user(s, "out")
        self.assertEqual(s.delete("/v1/sessions/current", token=other.token).status, 204)
        ws = self.track(wsclient.WebSocket.connect(s.port, "/v1/stream"))
        ws.send_json({"type": "auth", "token": other.token})
        code, reason, before = ws.wait_closed(5)
        self.assertEqual((code, before), (1008, []), reason)

        # A bad token in the Authorization header is refused before the upgrade.
        with self.assertRaises(wsclient.HandshakeError) as cm:
            wsclient.WebSocket.connect(s.port, "/v1/stream", token="garbage")
        self.assertIsNotNone(cm.exception.response, cm.exception)
        self.assertProblem(cm.exception.response, 401, "unauthorized")

    def test_websocket_protocol_details(self):
        """Server frames are unmasked text frames (checked by the client); pings are
        answered; several connections of one user all get events."""
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        follow(s, fan, veh, ["alert"])
        ws1, _ = self.ws(fan)
        ws2, _ = self.ws(fan)
        ws1.ping(b"hello")
        frame = ws1.recv_frame(5)
        self.assertEqual((frame.opcode, frame.payload), (wsclient.OP_PONG, b"hello"))
        big = post_message(s, owner, veh["id"], "alert", "x" * 4000, {"blob": "y" * 12000})
        for ws in (ws1, ws2):
            # (A big event may come fragmented: RFC 6455 clients reassemble it.)
            self.assertEvents([ws.recv_json()], [("message.created", big)])
        ws1.close()
        m = post_message(s, owner, veh["id"], "alert")
        self.assertEvents(ws2.recv_events(1), [("message.created", m)])

    # -- cursor errors -----------------------------------------------------------
    def test_cursor_errors_and_upgrade_required(self):
        s = self.server
        u = harness.new_user(s, "cur")
        for bad in ("garbage", "12abc", "999999999"):
            with self.subTest(cursor=bad, route="/v1/feed"):
                self.assertProblem(s.get("/v1/feed?cursor=" + bad, token=u.token),
                                   400, "invalid_cursor")
            with self.subTest(cursor=bad, route="/v1/stream"):
                with self.assertRaises(wsclient.HandshakeError) as cm:
                    ws = wsclient.WebSocket.connect(s.port, "/v1/stream?cursor=" + bad,
                                                    token=u.token)
                    ws.abort()
                self.assertIsNotNone(cm.exception.response, cm.exception)
                self.assertProblem(cm.exception.response, 400, "invalid_cursor")
            with self.subTest(cursor=bad, route="/v1/stream in-band auth"):
                with self.assertRaises(wsclient.HandshakeError) as cm:
                    ws = wsclient.WebSocket.connect(s.port, "/v1/stream?cursor=" + bad)
                    ws.abort()
                self.assertIsNotNone(cm.exception.response, cm.exception)
                self.assertProblem(cm.exception.response, 400, "invalid_cursor")
            with self.subTest(cursor=bad, route="/v1/events"):
                with self.assertRaises(wsclient.SSEError) as cm:
                    open_sse(s, u, cursor=bad).close()
                self.assertIsNotNone(cm.exception.response, cm.exception)
                self.assertProblem(cm.exception.response, 400, "invalid_cursor")
            with self.subTest(cursor=bad, route="/v1/events Last-Event-ID"):
                with self.assertRaises(wsclient.SSEError) as cm:
                    open_sse(s, u, last_event_id=bad).close()
                self.assertIsNotNone(cm.exception.response, cm.exception)
                self.assertProblem(cm.exception.response, 400, "invalid_cursor")

        # The current head is a valid cursor everywhere.
        ws, ready = self.ws(u)
        head = ready["cursor"]
        ws.close()
        page = feed_page(s, u, head)
        self.assertEqual(page["events"], [])
        self.assertCursor(page["next_cursor"])
        ws, _ = self.ws(u, cursor=head)
        ws.close()
        self.sse(u, cursor=head).close()

        # Plain GET on the WebSocket route.
        self.assertProblem(s.get("/v1/stream", token=u.token), 426, "upgrade_required")
        # Authentication still applies to the HTTP routes.
        self.assertProblem(s.get("/v1/feed"), 401, "unauthorized")
        with self.assertRaises(wsclient.SSEError) as cm:
            wsclient.EventSource.connect(s.port, "/v1/events").close()
        self.assertProblem(cm.exception.response, 401, "unauthorized")

    def test_upgrade_required_names_the_protocol(self):
        """RFC 9110 15.5.22: a 426 response MUST carry an Upgrade header naming the protocol."""
        u = harness.new_user(self.server, "upg")
        r = self.server.get("/v1/stream", token=u.token)
        self.assertProblem(r, 426, "upgrade_required")
        self.assertEqual(r.headers.get("upgrade", "").lower(), "websocket", r.headers)

    def test_stream_responses_carry_request_ids(self):
        u = harness.new_user(self.server, "rid")
        ws = self.track(wsclient.WebSocket.connect(self.server.port, "/v1/stream", token=u.token,
                                                   headers={"X-Request-Id": "ws-rid.1"}))
        self.assertEqual(ws.response_headers.get("x-request-id"), "ws-rid.1")
        ws.close()
        sse = self.track(wsclient.EventSource.connect(self.server.port, "/v1/events",
                                                      token=u.token,
                                                      headers={"X-Request-Id": "sse-rid.2"}))
        self.assertEqual(sse.headers.get("x-request-id"), "sse-rid.2")
        self.assertIn("no-cache", sse.headers.get("cache-control", ""))

    def test_feed_paging_limits(self):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        fol = follow(s, fan, veh, ["status"])
        self.assertEqual(feed_page(s, fan)["events"], [])
        msgs = [post_message(s, owner, veh["id"], "status", "m%d" % i) for i in range(5)]
        page = feed_page(s, fan, limit=2)
        self.assertEvents(page["events"], [("message.created", m) for m in msgs[:2]])
        self.assertEqual(page["next_cursor"], page["events"][-1]["cursor"])
        events, _ = feed_all(s, fan, limit=1)
        self.assertEvents(events, [("message.created", m) for m in msgs])
        self.assertEqual(feed_page(s, fan, limit=500)["events"], events)
        for bad in ("0", "501", "x", "-1"):
            with self.subTest(limit=bad):
                self.assertProblem(s.get("/v1/feed?limit=" + bad, token=fan.token),
                                   422, "invalid_field", field="limit")
        self.assertTrue(fol)

    # -- follow settings ---------------------------------------------------------
    def test_muted_and_type_selection(self):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        vid = veh["id"]
        fol = follow(s, fan, veh, ["status"])
        ws, _ = self.ws(fan)
        r = s.request("PATCH", "/v1/follows/" + fol["id"], body={"muted": True}, token=fan.token)
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.body["muted"], True)
        post_message(s, owner, vid, "status", "muted")
        self.assertEqual(ws.expect_silence(SILENCE), [])
        r = s.request("PATCH", "/v1/follows/" + fol["id"],
                      body={"muted": False, "types": ["alert", "maintenance"]}, token=fan.token)
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.body["muted"], False)
        self.assertEqual(set(r.body["types"]), {"alert", "maintenance"})
        post_message(s, owner, vid, "status", "not selected any more")
        post_message(s, owner, vid, "maintenance", "private anyway")
        alert = post_message(s, owner, vid, "alert", "selected")
        self.assertEvents(ws.recv_events(1), [("message.created", alert)])
        self.assertEqual(ws.expect_silence(SILENCE), [])

    def test_visibility_change_applies_to_live_streams(self):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        vid = veh["id"]
        follow(s, fan, veh, ["trip", "status"])
        ws, _ = self.ws(fan)
        r = s.request("PATCH", "/v1/vehicles/" + vid, body={"visibility": {"trip": "private"}},
                      token=owner.token)
        self.assertEqual(r.status, 200, r)
        post_message(s, owner, vid, "trip", "now private")
        st = post_message(s, owner, vid, "status", "still public")
        self.assertEvents(ws.recv_events(1), [("message.created", st)])
        self.assertEqual(ws.expect_silence(SILENCE), [])
        r = s.request("PATCH", "/v1/vehicles/" + vid, body={"visibility": {"trip": "public"}},
                      token=owner.token)
        self.assertEqual(r.status, 200, r)
        tr = post_message(s, owner, vid, "trip", "public again")
        self.assertEvents(ws.recv_events(1), [("message.created", tr)])

    def test_concurrent_resume_has_no_gaps_or_duplicates(self):
        """Streams opened (from an old cursor, or live) while two vehicles are posting
        deliver exactly the feed's order: nothing lost between backlog and live."""
        s = self.server
        owners = [harness.new_user(s, "own"), harness.new_user(s, "own")]
        fan = harness.new_user(s, "fan")
        vehicles = [create_vehicle(s, o) for o in owners]
        for v in vehicles:
            follow(s, fan, v, ["status"])
        probe, ready = self.ws(fan)
        c0 = ready["cursor"]
        probe.close()
        n = 120
        errors = []

        def poster(owner, vehicle):
            try:
                conn = s.connection(timeout=5)
                for i in range(n):
                    r = harness.request_on(conn, "POST", "/v1/vehicles/%s/messages" % vehicle["id"],
                                           body={"type": "status", "text": "p%d" % i},
                                           token=owner.token, close=False)
                    if r.status != 201:
                        errors.append(r)
                        return
                conn.close()
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=poster, args=(o, v)) for o, v in zip(owners, vehicles)]
        for t in threads:
            t.start()
        streams = []
        try:
            for k in range(4):
                time.sleep(0.02)
                streams.append(("ws-from-c0", open_ws(s, fan, cursor=c0)[0], c0))
                ws, r = open_ws(s, fan)
                streams.append(("ws-live", ws, r["cursor"]))
                streams.append(("sse-from-c0", open_sse(s, fan, last_event_id=c0), c0))
        finally:
            for t in threads:
                t.join(30)
            for _, st, _ in streams:
                self.track(st)
        self.assertEqual(errors, [])
        full, _ = feed_all(s, fan, cursor=c0, limit=500)
        self.assertEqual(len(full), 2 * n)
        cursors = [int(e["cursor"]) for e in full]
        self.assertEqual(cursors, sorted(set(cursors)))
        for v in vehicles:  # per vehicle, in posting order
            self.assertEqual([e["message"]["text"] for e in full if e["vehicle_id"] == v["id"]],
                             ["p%d" % i for i in range(n)])
        for kind, st, start in streams:
            with self.subTest(stream=kind, start=start):
                expected = [e for e in full if int(e["cursor"]) > int(start)]
                if kind.startswith("sse"):
                    got = [e.json for e in st.events(len(expected), timeout=10)]
                else:
                    got = st.recv_events(len(expected), timeout=10)
                self.assertEqual(summary(got), summary(expected))
                self.assertEqual(got, expected)
                self.assertEqual(st.expect_silence(0.05), [])

    # -- approval, rejection, removal ------------------------------------------
    def test_owner_approval_flow(self):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        other = harness.new_user(s, "oth")
        veh = create_vehicle(s, owner)
        vid = veh["id"]
        r = s.request("PATCH", "/v1/vehicles/" + vid,
                      body={"requires_approval": True, "visibility": {"trip": "approved"}},
                      token=owner.token)
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.body["requires_approval"], True)
        self.assertEqual(r.body["visibility"]["trip"], "approved")
        self.assertEqual(r.body["visibility"]["status"], "public")
        self.assertEqual(r.body["visibility"]["alert"], "followers")

        st = post_message(s, owner, vid, "status", "public")
        tr = post_message(s, owner, vid, "trip", "approved only")
        al = post_message(s, owner, vid, "alert", "followers only")
        post_message(s, owner, vid, "maintenance", "private")

        req = follow_request(s, fan, {"plate": veh["plate"]})
        self.assertEqual(req.status, 200, req)
        self.assertIs(req.body["prompt"]["requires_approval"], True)
        self.assertNotIn("maintenance", req.body["prompt"]["visible_types"])
        r = s.post("/v1/follows", {"confirmation_token": req.body["confirmation_token"]},
                   token=fan.token)
        self.assertEqual(r.status, 201, r)
        fol = r.body
        self.assertEqual(fol["status"], "pending")
        self.assertIs(fol["approved"], False)
        view = s.get("/v1/vehicles/" + vid, token=fan.token)
        self.assertEqual(view.status, 200, view)
        self.assertEqual(view.body["role"], "pending_follower")
        self.assertEqual(set(view.body["visible_types"]), {"status", "sale", "social"})
        # Pending: public types only.
        self.assertEqual(list_messages(s, fan, vid), [public_view(st)])

        ws, _ = self.ws(fan)
        sse = self.sse(fan)
        # A pending follower's stream carries public types only.
        post_message(s, owner, vid, "alert", "followers only, live")
        st2 = post_message(s, owner, vid, "status", "public, live")
        self.assertEvents(ws.recv_events(1), [("message.created", st2)])
        self.assertEvents([e.json for e in sse.events(1)], [("message.created", st2)])

        r = s.get("/v1/vehicles/%s/followers" % vid, token=owner.token)
        self.assertEqual(r.status, 200, r)
        listed = {f["id"]: f for f in r.body["followers"]}
        self.assertEqual(set(listed), {fol["id"]})
        self.assertEqual(listed[fol["id"]]["status"], "pending")
        self.assertEqual(listed[fol["id"]]["username"], fan.username)
        self.assertEqual(listed[fol["id"]]["display_name"], fan.info["display_name"])
        self.assertEqual(listed[fol["id"]]["follower_id"], fan.id)

        r = s.request("PATCH", "/v1/vehicles/%s/followers/%s" % (vid, fol["id"]),
                      body={"status": "approved"}, token=owner.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["status"], "active")
        self.assertIs(r.body["approved"], True)
        for events in (ws.recv_events(1), [e.json for e in sse.events(1)]):
            self.assertEvents(events, [("follow.approved", fol)])
            self.assertEqual(events[0]["follow"]["status"], "active")
            self.assertIs(events[0]["follow"]["approved"], True)
            self.assertEqual(events[0]["vehicle_id"], vid)
        self.assertEqual(s.get("/v1/vehicles/" + vid, token=fan.token).body["role"], "follower")
        seen = list_messages(s, fan, vid)
        self.assertEqual([m["id"] for m in seen],
                         [m["id"] for m in (st, tr, al)] + [m["id"] for m in seen[3:]])
        self.assertNotIn("maintenance", {m["type"] for m in seen})
        self.assertIn("trip", {m["type"] for m in seen})
        tr2 = post_message(s, owner, vid, "trip", "approved, live")
        self.assertEvents(ws.recv_events(1), [("message.created", tr2)])
        self.assertEvents([e.json for e in sse.events(1)], [("message.created", tr2)])

        # A second request is rejected: follow.removed, and the follow is gone.
        other_fol = follow(s, other, veh)
        self.assertEqual(other_fol["status"], "pending")
        ows, _ = self.ws(other)
        r = s.request("PATCH", "/v1/vehicles/%s/followers/%s" % (vid, other_fol["id"]),
                      body={"status": "rejected"}, token=owner.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["status"], "removed")
        self.assertEvents(ows.recv_events(1), [("follow.removed", other_fol)])
        self.assertEqual(s.get("/v1/follows", token=other.token).body, {"follows": []})
        self.assertProblem(s.get("/v1/vehicles/" + vid, token=other.token), 404, "not_found")

        # The approved follower is removed: follow.removed, then nothing more anywhere.
        r = s.delete("/v1/vehicles/%s/followers/%s" % (vid, fol["id"]), token=owner.token)
        self.assertEqual(r.status, 204, r)
        removed = ws.recv_events(1)
        self.assertEvents(removed, [("follow.removed", fol)])
        self.assertEvents([e.json for e in sse.events(1)], [("follow.removed", fol)])
        post_message(s, owner, vid, "status", "after removal")
        post_message(s, owner, vid, "trip", "after removal")
        self.assertEqual(ws.expect_silence(1.0), [])
        self.assertEqual(sse.expect_silence(0.2), [])
        self.assertEqual(ows.expect_silence(0.1), [])
        self.assertEqual(feed_page(s, fan, removed[0]["cursor"])["events"], [])
        self.assertEqual(feed_page(s, other, removed[0]["cursor"])["events"], [])
        self.assertEqual(s.get("/v1/follows", token=fan.token).body, {"follows": []})
        self.assertProblem(s.get("/v1/vehicles/" + vid, token=fan.token), 404, "not_found")
        self.assertEqual(s.get("/v1/vehicles/" + vid, token=owner.token).body["follower_count"], 0)

    def test_blocked_follower_gets_follow_removed(self):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        fol = follow(s, fan, veh)
        ws, _ = self.ws(fan)
        r = s.request("PATCH", "/v1/vehicles/%s/followers/%s" % (veh["id"], fol["id"]),
                      body={"status": "blocked"}, token=owner.token)
        self.assertEqual(r.status, 200, r)
        removed = ws.recv_events(1)
        self.assertEvents(removed, [("follow.removed", fol)])
        post_message(s, owner, veh["id"], "status", "after block")
        self.assertEqual(ws.expect_silence(SILENCE), [])
        self.assertEqual(feed_page(s, fan, removed[0]["cursor"])["events"], [])

    def test_vehicle_deleted_event(self):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        fan2 = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        vid = veh["id"]
        fol = follow(s, fan, veh)
        fol2 = follow(s, fan2, veh, ["trip"])
        post_message(s, owner, vid, "status")
        ws, _ = self.ws(fan)
        ws2, _ = self.ws(fan2)
        sse = self.sse(fan)
        self.assertEqual(s.delete("/v1/vehicles/" + vid, token=owner.token).status, 204)
        ev = ws.recv_events(1)
        self.assertEvents(ev, [("vehicle.deleted", fol)])
        self.assertEvents(ws2.recv_events(1), [("vehicle.deleted", fol2)])
        self.assertEqual([e.json for e in sse.events(1)], ev)
        for u in (fan, fan2):
            self.assertEqual(s.get("/v1/follows", token=u.token).body, {"follows": []})
            self.assertProblem(s.get("/v1/vehicles/" + vid, token=u.token), 404, "not_found")
        self.assertProblem(s.get("/v1/vehicles/" + vid, token=owner.token), 404, "not_found")
        self.assertProblem(s.get("/v1/vehicles/%s/messages" % vid, token=owner.token),
                           404, "not_found")
        self.assertEqual(feed_page(s, fan, ev[0]["cursor"])["events"], [])
        # The plate is free again.
        again = create_vehicle(s, fan, plate=veh["plate"])
        self.assertNotEqual(again["id"], vid)


class SlowConsumerTest(FeedAssertions):
    """A WebSocket client that stops reading is cut with 1008 and a reason naming the
    cursor to resume from; resuming from it loses nothing."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def test_slow_consumer_is_closed_with_resume_cursor(self):
        s = self.server
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        follow(s, fan, veh, ["status"])
        # A tiny receive buffer and nobody reading: the server's socket buffer fills up
        # (about 4 MB at most on Linux), then its per-connection queue overflows.
        ws = wsclient.WebSocket.connect(s.port, "/v1/stream", token=fan.token, rcvbuf=4096)
        self.addCleanup(ws.abort)
        ready = ws.recv_json()
        self.assertReady(ready)
        # ~20 KB events, posted from a few connections at once (the server batches commits).
        body = json.dumps({"type": "status", "text": "z" * 4000,
                           "attributes": {"blob": "y" * 16000}}).encode()
        path = "/v1/vehicles/%s/messages" % veh["id"]
        headers = {"Content-Type": "application/json", "Authorization": "Bearer " + owner.token}
        workers = 4
        counts = [0] * workers
        errors = []

        def poster(k):
            conn = s.connection(timeout=5)
            try:
                for _ in range(SLOW_CONSUMER_POSTS // workers):
                    conn.request("POST", path, body=body, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status != 201:
                        errors.append(resp.status)
                        return
                    counts[k] += 1
            except Exception as e:  # reported below
                errors.append(e)
            finally:
                conn.close()

        threads = [threading.Thread(target=poster, args=(k,)) for k in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        posted = sum(counts)
        # Now read: what was buffered arrives, then the close.
        try:
            code, reason, msgs = ws.wait_closed(timeout=20)
        except socket.timeout:
            self.fail("no close after %d events while the reader was stalled" % posted)
        self.assertEqual(code, 1008, reason)
        self.assertLess(len(msgs), posted, "everything was delivered: not slow enough")
        self.assertIn("cursor", reason)
        numbers = [w for w in reason.replace(";", " ").replace(",", " ").split() if w.isdigit()]
        self.assertTrue(numbers, reason)
        resume_at = numbers[-1]
        events = [json.loads(m) for m in msgs]
        last_seen = events[-1]["cursor"] if events else ready["cursor"]
        self.assertEqual(resume_at, last_seen,
                         "resume cursor %s, last event received %s" % (resume_at, last_seen))
        seqs = [e["message"]["seq"] for e in events]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "gap or duplicate before the cut")
        # Resuming from it continues right after the last event received.
        ws2, ready2 = open_ws(s, fan, cursor=resume_at)
        self.addCleanup(ws2.abort)
        self.assertReady(ready2, resume_at)
        nxt = ws2.recv_json()
        ws2.abort()
        self.assertEqual(nxt["type"], "message.created")
        self.assertGreater(int(nxt["cursor"]), int(resume_at))
        self.assertEqual(nxt["message"]["seq"], len(seqs) + 1)
        page = feed_page(s, fan, resume_at, limit=1)
        self.assertEqual(page["events"], [nxt])


class RestartTest(FeedAssertions):

    def test_restart_keeps_cursors_follows_and_messages(self):
        s = self.start_server()
        owner = harness.new_user(s, "own")
        fan = harness.new_user(s, "fan")
        veh = create_vehicle(s, owner)
        vid = veh["id"]
        fol = follow(s, fan, veh, ["status", "trip", "alert"])
        r = s.request("PATCH", "/v1/vehicles/" + vid, body={"visibility": {"alert": "private"}},
                      token=owner.token)
        self.assertEqual(r.status, 200, r)
        ws, ready = open_ws(s, fan)
        self.addCleanup(ws.abort)
        c0 = ready["cursor"]
        s1 = post_message(s, owner, vid, "status")
        t1 = post_message(s, owner, vid, "trip")
        s2 = post_message(s, owner, vid, "status")
        s1u = patch_message(s, owner, vid, s1["id"], text="edited")
        delete_message(s, owner, vid, t1["id"])
        expected = [("message.created", s1), ("message.created", t1), ("message.created", s2),
                    ("message.updated", s1u), ("message.deleted", t1)]
        if harness.on_postgres():
            # Streams there are fed from the log, which drops a deleted message's earlier events
            # (deleted text reaches no one after the deletion): a stream that reads the log after
            # the delete gets the deletion alone, as a resuming client does.
            live = []
            while len(live) < 5 and (not live or live[-1]["type"] != "message.deleted"):
                live += ws.recv_events(1)
            if len(live) == 4:
                expected.pop(1)
        else:
            live = ws.recv_events(5)
        self.assertEvents(live, expected, after=c0)
        # The log keeps only what survives the deletion.
        survivors = [e for e in live
                     if not (e["type"] == "message.created" and e["message"]["id"] == t1["id"])]
        before, _ = feed_all(s, fan, cursor=c0, limit=100)
        self.assertEqual(summary(before), summary(survivors))
        mid = before[1]["cursor"]
        follows_before = s.get("/v1/follows", token=fan.token).body
        messages_before = list_messages(s, owner, vid)
        sse = open_sse(s, fan, cursor=c0)
        self.addCleanup(sse.close)
        self.assertEqual([e.json for e in sse.events(len(before))], before)

        # SIGTERM: the WebSocket is closed with 1001, the process exits 0.
        rc = []
        stopper = threading.Thread(target=lambda: rc.append(s.stop()))
        stopper.start()
        try:
            code, reason, extra = ws.wait_closed(timeout=10)
        finally:
            stopper.join(20)
        self.assertEqual(code, 1001, reason)
        self.assertEqual(extra, [])
        self.assertEqual(rc, [0], s.describe())
        self.assertLess(s.last_stop_seconds, 10)
        sse.read_to_end(timeout=5)

        s.start()
        self.assertEqual(s.get("/v1/me", token=fan.token).status, 200)
        self.assertEqual(s.get("/v1/follows", token=fan.token).body, follows_before)
        self.assertEqual(list_messages(s, owner, vid), messages_before)
        self.assertEqual(feed_all(s, fan, cursor=c0, limit=2)[0], before)
        self.assertEqual(feed_all(s, fan, cursor=mid, limit=2)[0], before[2:])

        ws2, ready2 = open_ws(s, fan, cursor=c0)
        self.addCleanup(ws2.abort)
        self.assertReady(ready2, c0)
        self.assertEqual(ws2.recv_events(len(before)), before)
        sse2 = open_sse(s, fan, last_event_id=mid)
        self.addCleanup(sse2.close)
        self.assertEqual([e.json for e in sse2.events(len(before) - 2)], before[2:])

        # New activity continues the sequences (and the custom visibility survived).
        al = post_message(s, owner, vid, "alert", "private since before the restart")
        s3 = post_message(s, owner, vid, "status", "after restart")
        self.assertEqual(al["seq"], max(m["seq"] for m in (s1, t1, s2)) + 1)
        self.assertEqual(s3["seq"], al["seq"] + 1)
        new = ws2.recv_events(1)
        self.assertEvents(new, [("message.created", s3)], after=live[-1]["cursor"])
        self.assertEqual([e.json for e in sse2.events(1)], new)
        self.assertEqual(fol["id"], follows_before["follows"][0]["id"])
        ws2.close()


if __name__ == "__main__":
    import unittest
    unittest.main()
