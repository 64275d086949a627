"""Device linking by QR code (issue 9): link sessions, the QR code decoded by a real decoder
(Debian's zbarimg), claims from a second terminal, sign-in by QR with approval on the phone,
the first terminal's watch over SSE, refresh, expiry, replay, brute force, revocation, and the
authorization of every /v1/links route."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import nacl.signing  # noqa: E402
import wsclient  # noqa: E402
from sharing_helpers import check, create_vehicle  # noqa: E402

ZBARIMG = "/usr/bin/zbarimg"


def decode_png(png_bytes):
    """The text of the one QR code in the image, read by zbarimg (zbar-tools)."""
    with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as f:
        f.write(png_bytes)
        path = f.name
    try:
        p = subprocess.run([ZBARIMG, "--quiet", "--raw", path], capture_output=True,
                           timeout=20)
    finally:
        os.unlink(path)
    if p.returncode != 0:
        raise AssertionError("zbarimg found no code: rc %d %r" % (p.returncode, p.stderr))
    return p.stdout.decode("utf-8").strip()


def get_raw(server, path, token=None):
    """GET returning (status, headers, raw bytes)."""
    conn = server.connection()
    try:
        headers = {"Authorization": "Bearer " + token} if token else {}
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def path_of(url):
    u = urllib.parse.urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


def watch(server, link, timeout=5.0, use_query=True):
    if use_query:
        return wsclient.EventSource.connect(
            server.port, "/v1/links/%s/events?watch_token=%s" % (link["id"], link["watch_token"]),
            timeout=timeout)
    return wsclient.EventSource.connect(server.port, "/v1/links/%s/events" % link["id"],
                                        token=link["watch_token"], timeout=timeout)


def device_stream(server, user, device):
    return wsclient.EventSource.connect(server.port, "/v1/events?device_id=" + device["id"],
                                        token=user.token)


def next_json(es, timeout=5.0):
    ev = es.next_event(timeout)
    if ev.json is None:
        raise AssertionError("event data is not JSON: %r" % (ev.data,))
    return ev.json


class Phone:
    """A signed-in user with a registered phone."""

    def __init__(self, server, prefix):
        self.user = harness.new_user(server, prefix)
        self.device, _ = harness.register_device(server, self.user.token, name=prefix + " phone")


class LinkTestBase(harness.PaddockTestCase):

    def share_link(self, server, owner, vehicle, device=None, purpose="share"):
        body = {"purpose": purpose, "context": {"vehicle_id": vehicle["id"]},
                "terminal": {"name": "Living room PC", "kind": "pc"}}
        if device is not None:
            body["device_id"] = device["id"]
        return check(server.post("/v1/links", body, token=owner.token), 201, "create link")

    def sign_in_link(self, server, name="Dashboard", kind="car_screen"):
        _, pub = harness.make_keypair()
        link = check(server.post("/v1/links", {"purpose": "sign_in",
                                               "terminal": {"name": name, "kind": kind,
                                                            "public_key": pub}}),
                     201, "create sign_in link")
        return link, pub

    def claim(self, server, phone, link, secret=None):
        return server.post("/v1/links/%s/claim" % link["id"],
                           {"secret": secret or link["secret"], "device_id": phone.device["id"]},
                           token=phone.user.token)


class LinkFlowTest(LinkTestBase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        s = self.server
        self.owner = Phone(s, "own")
        self.vehicle = create_vehicle(s, self.owner.user, nickname="Blue Van")

    def test_share_decoded_from_the_png_reaches_the_second_terminals_stream(self):
        s = self.server
        link = self.share_link(s, self.owner.user, self.vehicle, self.owner.device)
        self.assertEqual(link["url"], "%s/l/%s?s=%s" % (s.base_url, link["id"], link["secret"]))
        status, headers, png = get_raw(s, path_of(link["qr"]["png"]), token=link["watch_token"])
        self.assertEqual(status, 200, png[:200])
        self.assertEqual(headers.get("content-type"), "image/png")
        self.assertEqual(headers.get("cache-control"), "no-store")
        url = decode_png(png)
        self.assertEqual(url, link["url"])
        parsed = urllib.parse.urlsplit(url)
        link_id = parsed.path.rsplit("/", 1)[1]
        secret = urllib.parse.parse_qs(parsed.query)["s"][0]
        self.assertEqual(link_id, link["id"])

        fan = Phone(s, "fan")
        with watch(s, link) as w, device_stream(s, fan.user, fan.device) as stream:
            r = s.post("/v1/links/%s/claim" % link_id,
                       {"secret": secret, "device_id": fan.device["id"]}, token=fan.user.token)
            body = check(r, 200, "claim")
            ctx = body["context"]
            self.assertEqual(ctx["vehicle_id"], self.vehicle["id"])
            self.assertEqual(ctx["nickname"], "Blue Van")
            self.assertEqual(ctx["relation"], "none")
            prompt = ctx["follow_request"]
            self.assertEqual(prompt["prompt"]["vehicle_id"], self.vehicle["id"])

            event = next_json(stream)
            self.assertEqual(event["type"], "link.context")
            self.assertEqual(event["link"]["link_id"], link_id)
            self.assertEqual(event["link"]["context"], ctx)

            notice = next_json(w)
            self.assertEqual(notice["type"], "link.claimed")
            self.assertEqual(notice["link_id"], link_id)
            self.assertEqual(notice["claimant"],
                             {"display_name": fan.user.info["display_name"], "device_kind": "phone"})
            self.assertEqual(set(notice), {"type", "link_id", "state", "claimant"})
        # The prompt is a real one: its token confirms a follow.
        r = s.post("/v1/follows", {"confirmation_token": prompt["confirmation_token"]},
                   token=fan.user.token)
        self.assertIn(r.status, (200, 201), r.body)

    def test_qr_text_and_svg_render_the_same_link(self):
        s = self.server
        link = self.share_link(s, self.owner.user, self.vehicle)
        status, headers, text = get_raw(
            s, path_of(link["qr"]["text"]) + "&watch_token=" + link["watch_token"])
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/plain; charset=utf-8")
        lines = text.decode("utf-8").splitlines()
        self.assertGreater(len(lines), 10)
        self.assertEqual(len(set(len(l) for l in lines)), 1, "a square of equal lines")
        self.assertTrue(any("\u2588" in l for l in lines))
        status, headers, svg = get_raw(s, path_of(link["qr"]["svg"]), token=link["watch_token"])
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "image/svg+xml")
        self.assertTrue(svg.startswith(b"<svg"), svg[:80])

    def test_sign_in_by_qr_with_approval_on_the_phone_then_revoke(self):
        s = self.server
        link, pub = self.sign_in_link(s, name="Model Y display")
        self.assertNotIn("context", link)
        driver = Phone(s, "drv")
        with watch(s, link, use_query=False) as w:
            body = check(self.claim(s, driver, link), 200, "claim")
            self.assertEqual(body["state"], "claimed")
            asking = body["asking"]
            self.assertEqual(asking["terminal"], {"name": "Model Y display", "kind": "car_screen"})
            self.assertEqual(asking["address"], "127.0.0.1")
            self.assertIn("requested_at", asking)
            self.assertNotIn("context", body)
            self.assertEqual(next_json(w)["type"], "link.claimed")

            approved = check(s.post("/v1/links/%s/approve" % link["id"],
                                    {"device_id": driver.device["id"]}, token=driver.user.token),
                             200, "approve")
            self.assertEqual(approved["state"], "approved")
            notice = next_json(w)
            self.assertEqual(notice["type"], "link.approved")
            self.assertEqual(notice["device_id"], approved["device_id"])
            session = notice["session"]
            self.assertEqual(session["user_id"], driver.user.id)
            self.assertIn("expires_at", session)
            with self.assertRaises(EOFError):  # the watch ends once the link is settled
                w.next_event(5)
        screen_token = session["token"]
        me = check(s.get("/v1/me", token=screen_token), 200, "the screen is signed in")
        self.assertEqual(me["id"], driver.user.id)
        devices = check(s.get("/v1/devices", token=driver.user.token), 200)["devices"]
        screen = [d for d in devices if d["id"] == notice["device_id"]]
        self.assertEqual(len(screen), 1)
        self.assertEqual((screen[0]["kind"], screen[0]["public_key"], screen[0]["name"]),
                         ("car_screen", pub, "Model Y display"))
        listed = check(s.get("/v1/links", token=driver.user.token), 200)["links"]
        mine = [l for l in listed if l["id"] == link["id"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["role"], mine[0]["state"]), ("claimant", "approved"))

        # Revoke: the screen's session and device end with the link, and so does the stream the
        # screen opened with that session; the phone's own stream goes on.
        screen_stream = wsclient.EventSource.connect(s.port, "/v1/events", token=screen_token)
        phone_stream = wsclient.EventSource.connect(s.port, "/v1/events", token=driver.user.token)
        try:
            for stream in (screen_stream, phone_stream):
                kind, text = stream.next_item(5)
                self.assertTrue(kind == "comment" and text.startswith("ready"), text)
            self.assertEqual(s.delete("/v1/links/" + link["id"], token=driver.user.token).status,
                             204)
            closing = []
            with self.assertRaises(EOFError):
                for _ in range(10):
                    closing.append(screen_stream.next_item(5))
            self.assertIn(("comment", "closing: session revoked"), closing)
            with self.assertRaises(socket.timeout):
                phone_stream.next_item(0.5)
        finally:
            screen_stream.close()
            phone_stream.close()
        self.assertProblem(s.get("/v1/me", token=screen_token), 401, "unauthorized")
        devices = check(s.get("/v1/devices", token=driver.user.token), 200)["devices"]
        self.assertNotIn(notice["device_id"], [d["id"] for d in devices])
        self.assertProblem(self.claim(s, driver, link), 409, "link_closed")

    def test_deny_tells_the_screen_and_nothing_is_signed_in(self):
        s = self.server
        link, _ = self.sign_in_link(s, kind="kiosk")
        driver = Phone(s, "drv")
        check(self.claim(s, driver, link), 200, "claim")
        denied = check(s.post("/v1/links/%s/deny" % link["id"], {"device_id": driver.device["id"]},
                              token=driver.user.token), 200, "deny")
        self.assertEqual(denied["state"], "denied")
        with watch(s, link) as w:  # connecting late still tells what happened
            types = [next_json(w)["type"], next_json(w)["type"]]
        self.assertEqual(types, ["link.claimed", "link.denied"])
        self.assertProblem(s.post("/v1/links/%s/approve" % link["id"],
                                  {"device_id": driver.device["id"]}, token=driver.user.token),
                           409, "link_state")
        devices = check(s.get("/v1/devices", token=driver.user.token), 200)["devices"]
        self.assertEqual([d["kind"] for d in devices], ["phone"])

    def test_approval_only_by_the_claimants_own_device(self):
        s = self.server
        link, _ = self.sign_in_link(s)
        driver = Phone(s, "drv")
        other = Phone(s, "oth")
        second, _ = harness.register_device(s, driver.user.token, name="tablet")
        check(self.claim(s, driver, link), 200, "claim")
        for who, device in ((other.user, other.device), (driver.user, second),
                            (other.user, driver.device)):
            for action in ("approve", "deny"):
                with self.subTest(user=who.username, device=device["id"], action=action):
                    r = s.post("/v1/links/%s/%s" % (link["id"], action),
                               {"device_id": device["id"]}, token=who.token)
                    self.assertProblem(r, 404, "not_found")
        # An unclaimed sign_in link cannot be approved by anyone.
        fresh, _ = self.sign_in_link(s)
        r = s.post("/v1/links/%s/approve" % fresh["id"], {"device_id": driver.device["id"]},
                   token=driver.user.token)
        self.assertProblem(r, 404, "not_found")

    def test_cross_user_share_reveals_nothing_about_the_first_user(self):
        s = self.server
        link = self.share_link(s, self.owner.user, self.vehicle, self.owner.device)
        stranger = Phone(s, "str")
        with watch(s, link) as w:
            body = check(self.claim(s, stranger, link), 200, "claim")
            notice = next_json(w)
        text = json.dumps(body)
        for secret in (self.owner.user.id, self.owner.user.username, self.owner.device["id"],
                       "Living room PC", link["watch_token"]):
            self.assertNotIn(secret, text)
        # The screen learns the claimant's display name and device kind, nothing else.
        self.assertNotIn(stranger.user.id, json.dumps(notice))
        self.assertNotIn(stranger.device["id"], json.dumps(notice))
        self.assertEqual(set(notice["claimant"]), {"display_name", "device_kind"})
        listed = check(s.get("/v1/links", token=stranger.user.token), 200)["links"]
        self.assertEqual(len(listed), 1)
        for secret in (self.owner.user.id, self.owner.device["id"], "Living room PC"):
            self.assertNotIn(secret, json.dumps(listed))
        created = check(s.get("/v1/links", token=self.owner.user.token), 200)["links"]
        entry = [l for l in created if l["id"] == link["id"]][0]
        self.assertEqual((entry["role"], entry["state"], entry["device_id"]),
                         ("creator", "claimed", self.owner.device["id"]))
        # The owner scanning their own vehicle's code gets no follow prompt, only the page.
        link2 = self.share_link(s, self.owner.user, self.vehicle)
        body = check(self.claim(s, self.owner, link2), 200, "own claim")
        self.assertEqual((body["context"]["relation"], body["context"]["follow_request"]),
                         ("member", None))

    def test_replay_of_a_used_secret_is_refused(self):
        s = self.server
        link = self.share_link(s, self.owner.user, self.vehicle)
        first, second = Phone(s, "a"), Phone(s, "b")
        check(self.claim(s, first, link), 200, "first claim")
        self.assertProblem(self.claim(s, second, link), 409, "link_secret_used")
        self.assertProblem(self.claim(s, first, link), 409, "link_secret_used")
        status, _, _ = get_raw(s, path_of(link["qr"]["png"]), token=link["watch_token"])
        self.assertEqual(status, 409, "a claimed link's code is not drawn again")

    def test_refresh_replaces_the_secret(self):
        s = self.server
        link = self.share_link(s, self.owner.user, self.vehicle)
        with watch(s, link) as w:
            fresh = check(s.post("/v1/links/%s/refresh" % link["id"], {},
                                 token=link["watch_token"]), 200, "refresh")
            notice = next_json(w)
        self.assertEqual(notice["type"], "link.refreshed")
        self.assertEqual(notice["expires_at"], fresh["expires_at"])
        self.assertNotEqual(fresh["secret"], link["secret"])
        self.assertNotIn("watch_token", fresh)
        self.assertEqual(fresh["url"], "%s/l/%s?s=%s" % (s.base_url, link["id"], fresh["secret"]))
        status, _, _ = get_raw(s, path_of(link["qr"]["png"]), token=link["watch_token"])
        self.assertEqual(status, 409, "the old code is not drawn")
        fan = Phone(s, "fan")
        self.assertProblem(self.claim(s, fan, link), 409, "link_secret_superseded", "secret")
        check(self.claim(s, fan, link, secret=fresh["secret"]), 200, "claim with the new secret")
        self.assertProblem(s.post("/v1/links/%s/refresh" % link["id"], {},
                                  token=link["watch_token"]), 409, "link_state")

    def test_revoked_share_link_gives_nothing_more(self):
        s = self.server
        link = self.share_link(s, self.owner.user, self.vehicle)
        with watch(s, link) as w:
            self.assertEqual(s.delete("/v1/links/" + link["id"], token=self.owner.user.token).status,
                             204)
            self.assertEqual(next_json(w)["type"], "link.revoked")
        fan = Phone(s, "fan")
        self.assertProblem(self.claim(s, fan, link), 409, "link_closed")
        status, _, _ = get_raw(s, path_of(link["qr"]["png"]), token=link["watch_token"])
        self.assertEqual(status, 409)

    def test_handoff_is_only_between_one_users_terminals(self):
        s = self.server
        link = self.share_link(s, self.owner.user, self.vehicle, purpose="handoff")
        stranger = Phone(s, "str")
        self.assertProblem(self.claim(s, stranger, link), 404, "not_found")
        tablet, _ = harness.register_device(s, self.owner.user.token, name="tablet")
        with device_stream(s, self.owner.user, tablet) as stream:
            r = s.post("/v1/links/%s/claim" % link["id"],
                       {"secret": link["secret"], "device_id": tablet["id"]},
                       token=self.owner.user.token)
            body = check(r, 200, "handoff claim")
            self.assertEqual(body["purpose"], "handoff")
            event = next_json(stream)
        self.assertEqual(event["type"], "link.context")
        self.assertEqual(event["link"]["context"]["vehicle_id"], self.vehicle["id"])


class KeyOfferByQrTest(LinkTestBase):
    """A key offer shown on the owner's screen is taken over by its recipient's phone only."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def offer_link(self, owner, share_id, device):
        return self.server.post("/v1/links", {"purpose": "share",
                                              "context": {"key_share_id": share_id},
                                              "device_id": device["id"],
                                              "terminal": {"name": "Home PC", "kind": "pc"}},
                                token=owner.token)

    def test_only_the_recipient_takes_the_offer_and_then_accepts_it(self):
        s = self.server
        owner = Phone(s, "kown")
        vehicle = create_vehicle(s, owner.user, nickname="Van")
        courier = Phone(s, "kcou")
        courier_key = nacl.signing.SigningKey.generate()
        device, _ = harness.register_device(s, courier.user.token, name="courier phone",
                                            pub=harness.b64url(bytes(courier_key.verify_key)))
        r = check(s.post("/v1/devices/%s/challenge" % device["id"], {}, token=courier.user.token),
                  201, "device challenge")
        check(s.post("/v1/devices/%s/verify" % device["id"],
                     {"nonce": r["nonce"],
                      "signature": harness.b64url(courier_key.sign(
                          r["signing_input"].encode()).signature)},
                     token=courier.user.token), 200, "verify device")
        share = check(s.post("/v1/vehicles/%s/key-shares" % vehicle["id"],
                             {"task": "delivery",
                              "recipient": {"username": courier.user.username}},
                             token=owner.user.token), 201, "share")

        # Only the owner (or the sharer) may put the offer on a screen.
        stranger = Phone(s, "kstr")
        self.assertProblem(self.offer_link(stranger.user, share["id"], stranger.device), 404,
                           "not_found", "context.key_share_id")
        link = check(self.offer_link(owner.user, share["id"], owner.device), 201, "offer link")

        # Someone else scanning it is refused and spends nothing: the recipient still can.
        self.assertProblem(self.claim(s, stranger, link), 403, "forbidden")
        with watch(s, link) as w, device_stream(s, courier.user, device) as stream:
            body = check(s.post("/v1/links/%s/claim" % link["id"],
                                {"secret": link["secret"], "device_id": device["id"]},
                                token=courier.user.token), 200, "claim")
            offer = body["context"]["key_share"]
            self.assertEqual(offer["id"], share["id"])
            self.assertEqual(offer["status"], "offered")
            self.assertEqual(offer["recipient_id"], courier.user.info["id"])
            self.assertNotIn("credential", offer)
            event = next_json(stream)
            self.assertEqual(event["type"], "link.context")
            self.assertEqual(event["link"]["context"]["key_share"]["id"], share["id"])
            self.assertEqual(next_json(w)["type"], "link.claimed")

        # The phone goes on as with any offer: challenge, sign, accept.
        ch = check(s.post("/v1/key-shares/%s/challenge" % share["id"], {"device_id": device["id"]},
                          token=courier.user.token), 201, "accept challenge")
        text = "paddock-key-accept:v1:%s:%s:%s" % (share["id"], device["id"], ch["nonce"])
        accepted = check(s.post("/v1/key-shares/%s/accept" % share["id"],
                                {"device_id": device["id"],
                                 "signature": harness.b64url(courier_key.sign(
                                     text.encode()).signature)},
                                token=courier.user.token), 200, "accept")
        self.assertTrue(accepted["credential"])

        # An offer that is no longer offered cannot be shown again.
        self.assertProblem(self.offer_link(owner.user, share["id"], owner.device), 409,
                           "key_share_state", "context.key_share_id")


class TerminalPushTest(LinkTestBase):
    """POST /v1/devices/{id}/push: between one user's terminals, now or on the next connect
    (resuming from its cursor) until the ttl passes."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        s = self.server
        self.me = Phone(s, "me")
        self.pc, _ = harness.register_device(s, self.me.user.token, name="desk", kind="pc")

    def push(self, to, ttl=60, payload=None, frm=None, token=None, kind="open_url"):
        body = {"to_device_id": to["id"], "kind": kind,
                "payload": payload if payload is not None else {"url": "https://example.com/x"},
                "ttl_seconds": ttl}
        return self.server.post("/v1/devices/%s/push" % (frm or self.me.device)["id"], body,
                                token=token or self.me.user.token)

    def head(self, device):
        page = check(self.server.get("/v1/feed?limit=1&device_id=" + device["id"],
                                     token=self.me.user.token), 200, "feed head")
        return page["next_cursor"]

    def test_a_push_arrives_at_once_on_the_target_device_only(self):
        s = self.server
        with device_stream(s, self.me.user, self.pc) as pc, \
                wsclient.EventSource.connect(s.port, "/v1/events", token=self.me.user.token) as plain:
            receipt = check(self.push(self.pc), 202, "push")
            event = next_json(pc)
            self.assertEqual(event["type"], "terminal.push")
            self.assertEqual(event["cursor"], receipt["cursor"])
            push = event["push"]
            self.assertEqual((push["from_device_id"], push["kind"], push["payload"]),
                             (self.me.device["id"], "open_url", {"url": "https://example.com/x"}))
            self.assertEqual(push["expires_at"], receipt["expires_at"])
            with self.assertRaises(Exception):  # a stream serving no device does not get it
                plain.next_event(0.5)

    def test_an_offline_device_gets_it_on_its_next_connect_until_the_ttl_passes(self):
        s = self.server
        cursor = self.head(self.pc)
        check(self.push(self.pc, ttl=1, payload={"n": 1}), 202, "short push")
        check(self.push(self.pc, ttl=600, payload={"n": 2}), 202, "long push")
        time.sleep(1.3)
        with wsclient.EventSource.connect(
                s.port, "/v1/events?device_id=%s&cursor=%s" % (self.pc["id"], cursor),
                token=self.me.user.token) as pc:
            event = next_json(pc)
            self.assertEqual((event["type"], event["push"]["payload"]), ("terminal.push", {"n": 2}))
            with self.assertRaises(Exception):
                pc.next_event(0.5)
        page = check(s.get("/v1/feed?device_id=%s&cursor=%s" % (self.pc["id"], cursor),
                           token=self.me.user.token), 200)
        self.assertEqual([e["push"]["payload"] for e in page["events"]], [{"n": 2}])

    def test_push_is_only_between_the_callers_own_devices(self):
        s = self.server
        other = Phone(s, "oth")
        self.assertProblem(self.push(other.device), 403, "forbidden", "to_device_id")
        self.assertProblem(self.push(self.pc, frm=other.device), 404, "not_found")
        self.assertProblem(self.push(self.pc, token=other.user.token), 404, "not_found")
        self.assertProblem(self.push(self.pc, token="pdk_" + "C" * 43), 401, "unauthorized")
        self.assertProblem(s.post("/v1/devices/%s/push" % self.me.device["id"],
                                  {"to_device_id": self.pc["id"], "kind": "k", "payload": {}}),
                           401, "unauthorized")
        # A screen whose sign-in link was revoked gets nothing more.
        link, _ = self.sign_in_link(s)
        check(self.claim(s, self.me, link), 200, "claim")
        screen = check(s.post("/v1/links/%s/approve" % link["id"],
                              {"device_id": self.me.device["id"]}, token=self.me.user.token),
                       200, "approve")["device_id"]
        check(self.push({"id": screen}), 202, "push to the signed-in screen")
        self.assertEqual(s.delete("/v1/links/" + link["id"], token=self.me.user.token).status, 204)
        self.assertProblem(self.push({"id": screen}), 403, "forbidden", "to_device_id")

    def test_bad_pushes_are_refused(self):
        for name, kw, field in (("ttl 0", {"ttl": 0}, "ttl_seconds"),
                                ("ttl a week and a second", {"ttl": 604801}, "ttl_seconds"),
                                ("ttl text", {"ttl": "60"}, "ttl_seconds"),
                                ("payload not an object", {"payload": [1]}, "payload"),
                                ("payload too big", {"payload": {"x": "y" * 17000}}, "payload"),
                                ("kind with spaces", {"kind": "open url"}, "kind"),
                                ("kind empty", {"kind": ""}, "kind")):
            with self.subTest(name):
                self.assertProblem(self.push(self.pc, **kw), 422, "invalid_field", field)
        self.assertProblem(self.push(self.me.device), 422, "invalid_field", "to_device_id")


class LinkAuthorizationTest(LinkTestBase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        s = self.server
        self.owner = Phone(s, "own")
        self.other = Phone(s, "oth")
        self.vehicle = create_vehicle(s, self.owner.user)
        self.link = self.share_link(s, self.owner.user, self.vehicle)

    def test_every_route_refuses_a_missing_or_wrong_credential(self):
        s = self.server
        lid = self.link["id"]
        sl, _ = self.sign_in_link(s)
        for method, path, body in (
                ("GET", "/v1/links", None),
                ("DELETE", "/v1/links/" + lid, None),
                ("POST", "/v1/links/%s/claim" % lid, {"secret": "x", "device_id": "dev_x"}),
                ("POST", "/v1/links/%s/approve" % lid, {"device_id": "dev_x"}),
                ("POST", "/v1/links/%s/deny" % lid, {"device_id": "dev_x"}),
                ("POST", "/v1/links/%s/refresh" % lid, {}),
                ("GET", "/v1/links/%s/qr.png?s=x" % lid, None),
                ("GET", "/v1/links/%s/qr.svg?s=x" % lid, None),
                ("GET", "/v1/links/%s/qr.txt?s=x" % lid, None)):
            for token in (None, "pdk_" + "A" * 43, sl["watch_token"]):
                with self.subTest(method=method, path=path, token=token):
                    self.assertProblem(s.request(method, path, body=body, token=token), 401,
                                       "unauthorized")
        # A share link needs a signed-in first terminal.
        r = s.post("/v1/links", {"purpose": "share", "context": {"vehicle_id": self.vehicle["id"]},
                                 "terminal": {"name": "PC", "kind": "pc"}})
        self.assertProblem(r, 401, "unauthorized")
        r = s.post("/v1/links", {"purpose": "sign_in", "terminal": {"name": "PC", "kind": "pc"}},
                   token="pdk_" + "B" * 43)
        self.assertProblem(r, 401, "unauthorized")
        for path in ("/v1/links/%s/events" % lid,
                     "/v1/links/%s/events?watch_token=%s" % (lid, sl["watch_token"]),
                     "/v1/links/%s/events?watch_token=%s" % (sl["id"], self.link["watch_token"]),
                     "/v1/links/lnk_doesnotexist/events?watch_token=" + self.link["watch_token"]):
            with self.subTest(path=path):
                with self.assertRaises(wsclient.SSEError) as cm:
                    wsclient.EventSource.connect(s.port, path).close()
                self.assertProblem(cm.exception.response, 401, "unauthorized")

    def test_nobody_reads_or_changes_a_link_that_is_not_theirs(self):
        s = self.server
        lid = self.link["id"]
        self.assertEqual(check(s.get("/v1/links", token=self.other.user.token), 200)["links"], [])
        self.assertProblem(s.delete("/v1/links/" + lid, token=self.other.user.token), 404,
                           "not_found")
        self.assertProblem(s.delete("/v1/links/lnk_doesnotexist", token=self.other.user.token),
                           404, "not_found")
        # Somebody else's vehicle cannot be put on a screen; it answers like a missing one.
        r = s.post("/v1/links", {"purpose": "share", "context": {"vehicle_id": self.vehicle["id"]},
                                 "terminal": {"name": "PC", "kind": "pc"}},
                   token=self.other.user.token)
        self.assertProblem(r, 404, "not_found", "context.vehicle_id")
        # A first terminal names only its own device, a claimant only theirs.
        r = s.post("/v1/links", {"purpose": "share", "context": {"vehicle_id": self.vehicle["id"]},
                                 "device_id": self.other.device["id"],
                                 "terminal": {"name": "PC", "kind": "pc"}},
                   token=self.owner.user.token)
        self.assertProblem(r, 403, "forbidden", "device_id")
        r = s.post("/v1/links/%s/claim" % lid, {"secret": self.link["secret"],
                                                 "device_id": self.owner.device["id"]},
                   token=self.other.user.token)
        self.assertProblem(r, 403, "forbidden", "device_id")
        self.assertProblem(self.claim(s, self.other, {"id": "lnk_doesnotexist", "secret": "x"}),
                           404, "not_found")
        # The link is untouched by all of that.
        listed = check(s.get("/v1/links", token=self.owner.user.token), 200)["links"]
        self.assertEqual([(l["id"], l["state"]) for l in listed], [(lid, "pending")])

    def test_bad_input_is_refused_with_a_problem(self):
        s = self.server
        t = self.owner.user.token
        _, pub = harness.make_keypair()
        vid = self.vehicle["id"]
        cases = [
            ("unknown purpose", {"purpose": "steal", "terminal": {"name": "PC", "kind": "pc"}},
             422, "invalid_field", "purpose"),
            ("no terminal", {"purpose": "share", "context": {"vehicle_id": vid}},
             422, "invalid_field", "terminal"),
            ("bad kind", {"purpose": "share", "context": {"vehicle_id": vid},
                          "terminal": {"name": "PC", "kind": "toaster"}},
             422, "invalid_field", "terminal.kind"),
            ("empty name", {"purpose": "share", "context": {"vehicle_id": vid},
                            "terminal": {"name": "", "kind": "pc"}},
             422, "invalid_field", "terminal.name"),
            ("long name", {"purpose": "share", "context": {"vehicle_id": vid},
                           "terminal": {"name": "n" * 5000, "kind": "pc"}},
             422, "invalid_field", "terminal.name"),
            ("no such key offer", {"purpose": "share", "context": {"key_share_id": "ksh_1"},
                                   "terminal": {"name": "PC", "kind": "pc"}},
             404, "not_found", "context.key_share_id"),
            ("unknown kind", {"purpose": "share", "context": {"parking_ticket_id": "pt_1"},
                              "terminal": {"name": "PC", "kind": "pc"}},
             422, "unknown_context", "context.parking_ticket_id"),
            ("two contexts", {"purpose": "share", "context": {"vehicle_id": vid, "x": "y"},
                              "terminal": {"name": "PC", "kind": "pc"}},
             422, "invalid_field", "context"),
            ("share without context", {"purpose": "share",
                                       "terminal": {"name": "PC", "kind": "pc"}},
             422, "invalid_field", "context"),
            ("sign_in without key", {"purpose": "sign_in",
                                     "terminal": {"name": "PC", "kind": "pc"}},
             422, "invalid_field", "terminal.public_key"),
            ("sign_in bad key", {"purpose": "sign_in",
                                 "terminal": {"name": "PC", "kind": "pc", "public_key": "AAAA"}},
             422, "invalid_field", "terminal.public_key"),
            ("sign_in by a phone", {"purpose": "sign_in",
                                    "terminal": {"name": "P", "kind": "phone", "public_key": pub}},
             422, "invalid_field", "terminal.kind"),
            ("sign_in with context", {"purpose": "sign_in", "context": {"vehicle_id": vid},
                                      "terminal": {"name": "P", "kind": "pc", "public_key": pub}},
             422, "invalid_field", "context"),
        ]
        for name, body, status, code, field in cases:
            with self.subTest(name):
                self.assertProblem(s.post("/v1/links", body, token=t), status, code, field)
        self.assertProblem(s.request("POST", "/v1/links", raw_body="{", token=t), 400,
                           "invalid_json")
        lid = self.link["id"]
        for body, field in (({"device_id": self.owner.device["id"]}, "secret"),
                            ({"secret": 5, "device_id": self.owner.device["id"]}, "secret"),
                            ({"secret": "x" * 500, "device_id": self.owner.device["id"]}, "secret"),
                            ({"secret": "x"}, "device_id")):
            with self.subTest(claim=body):
                self.assertProblem(s.post("/v1/links/%s/claim" % lid, body,
                                          token=self.other.user.token), 422, "invalid_field", field)
        status, _, body = get_raw(s, "/v1/links/%s/qr.png" % lid, token=self.link["watch_token"])
        self.assertEqual(status, 422, body)
        status, _, body = get_raw(s, "/v1/links/%s/qr.png?s=%s" % (lid, "A" * 22),
                                  token=self.link["watch_token"])
        self.assertEqual(status, 409, body)


class LinkExpiryAndBruteForceTest(LinkTestBase):

    def test_an_expired_secret_is_refused_until_refreshed(self):
        # 3 s: long enough that the refreshed secret below is used before it lapses, even on a
        # loaded machine.
        s = self.start_server(env={"PADDOCK_LINK_SECRET_TTL_SECONDS": "3"})
        owner = Phone(s, "own")
        vehicle = create_vehicle(s, owner.user)
        link = self.share_link(s, owner.user, vehicle)
        fan = Phone(s, "fan")
        time.sleep(3.3)
        self.assertProblem(self.claim(s, fan, link), 409, "link_secret_expired", "secret")
        status, _, _ = get_raw(s, path_of(link["qr"]["png"]), token=link["watch_token"])
        self.assertEqual(status, 409, "an expired code is not drawn")
        fresh = check(s.post("/v1/links/%s/refresh" % link["id"], {}, token=link["watch_token"]),
                      200, "refresh")
        check(self.claim(s, fan, link, secret=fresh["secret"]), 200, "claim after refresh")

    def test_five_wrong_secrets_lock_the_link_and_an_address_is_limited(self):
        s = self.start_server()
        owner = Phone(s, "own")
        vehicle = create_vehicle(s, owner.user)
        guesser = Phone(s, "bad")
        link = self.share_link(s, owner.user, vehicle)
        for i in range(5):
            r = self.claim(s, guesser, link, secret=harness.b64url(os.urandom(16)))
            self.assertProblem(r, 403, "link_secret_invalid", "secret")
        # The right secret is now refused too: the link is locked for good.
        self.assertProblem(self.claim(s, guesser, link), 409, "link_closed")
        listed = check(s.get("/v1/links", token=owner.user.token), 200)["links"]
        self.assertEqual(listed[0]["state"], "dead")
        # 20 failed claims from one address within the window (wrong secrets, guessed link
        # ids): the next is rate limited, whatever link it names.
        for _ in range(2):
            other = self.share_link(s, owner.user, vehicle)
            for _ in range(5):
                self.assertProblem(self.claim(s, guesser, other, secret="wrong"), 403,
                                   "link_secret_invalid", "secret")
        for i in range(5):
            self.assertProblem(self.claim(s, guesser, {"id": "lnk_guess%d" % i, "secret": "x"}),
                               404, "not_found")
        last = self.share_link(s, owner.user, vehicle)
        r = self.claim(s, guesser, last)
        self.assertProblem(r, 429, "too_many_claims")
        self.assertGreater(int(r.headers["retry-after"]), 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
