"""Helpers shared by the vehicle-sharing and feed tests (test_sharing.py, test_feed.py,
test_ws_interop.py): unique plates and VINs, vehicles, messages, follows, event checks."""

import os
import re
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wsclient  # noqa: E402

TYPES = ["status", "trip", "maintenance", "alert", "sale", "social"]
DEFAULT_VISIBILITY = {"status": "public", "trip": "followers", "maintenance": "private",
                      "alert": "followers", "sale": "public", "social": "public"}
CURSOR_RE = re.compile(r"^[0-9]+$")
EVENT_TYPES = {"message.created", "message.updated", "message.deleted", "follow.approved",
               "follow.removed", "vehicle.deleted"}

VIN_VALUES = dict(zip("ABCDEFGH", range(1, 9)))
VIN_VALUES.update(zip("JKLMN", range(1, 6)))
VIN_VALUES.update({"P": 7, "R": 9})
VIN_VALUES.update(zip("STUVWXYZ", range(2, 10)))
VIN_VALUES.update({str(d): d for d in range(10)})
VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def vin_check_digit(vin):
    total = sum(VIN_VALUES[c] * w for c, w in zip(vin, VIN_WEIGHTS))
    r = total % 11
    return "X" if r == 10 else str(r)


def random_vin(north_american=True):
    """A fresh VIN; North American ones (first char 1-5) carry a correct check digit."""
    first = secrets.choice("12345") if north_american else secrets.choice("JSWVZ")
    body = first + "".join(secrets.choice(VIN_ALPHABET) for _ in range(16))
    if north_american:
        body = body[:8] + vin_check_digit(body) + body[9:]
    return body


def wrong_check_digit(vin):
    right = vin_check_digit(vin)
    wrong = "0" if right != "0" else "1"
    return vin[:8] + wrong + vin[9:]


PLATE_CHARACTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"  # as on Chinese plates: no I, no O


def random_plate_number():
    """A fresh Chinese-style plate number such as '粤B·D12345' (ASCII letters/digits). Six
    characters after the city letter: 8 x 34^6 numbers, so that the tens a test server registers
    do not collide (five digits gave 800,000, a collision in about 1 in 4,000 runs)."""
    return "粤%s·%s" % (secrets.choice("ABCDEFGH"),
                        "".join(secrets.choice(PLATE_CHARACTERS) for _ in range(6)))


def full_width(text):
    """ASCII letters/digits -> their full-width forms (U+FF01..U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def check(resp, status, what=""):
    if resp.status != status:
        raise AssertionError("%s: expected %d, got %d %r" % (what or "request", status,
                                                               resp.status, resp.body))
    return resp.body


# Vehicle id -> its owner's user id, for public_view.
OWNERS = {}


def create_vehicle(server, owner, **body):
    """POST /v1/vehicles; a fresh plate unless vin/plate given. Returns Vehicle(full)."""
    if "vin" not in body and "plate" not in body:
        body["plate"] = {"number": random_plate_number(), "region": "CN"}
    vehicle = check(server.post("/v1/vehicles", body, token=owner.token), 201, "create vehicle")
    OWNERS[vehicle["id"]] = vehicle["owner_id"]
    return vehicle


def public_view(message):
    """A message as followers, strangers and the feed see it: the author's role on the vehicle
    instead of their user id (only members see author_id)."""
    view = dict(message)
    author = view.pop("author_id")
    view["author_role"] = "owner" if author == OWNERS[message["vehicle_id"]] else "authorized_user"
    return view


def post_message(server, user, vehicle_id, type_, text=None, attributes=None):
    body = {"type": type_, "text": text if text is not None else "%s %s" % (type_, secrets.token_hex(3))}
    if attributes is not None:
        body["attributes"] = attributes
    return check(server.post("/v1/vehicles/%s/messages" % vehicle_id, body, token=user.token),
                 201, "post message")


def patch_message(server, user, vehicle_id, message_id, **body):
    return check(server.request("PATCH", "/v1/vehicles/%s/messages/%s" % (vehicle_id, message_id),
                                body=body, token=user.token), 200, "patch message")


def delete_message(server, user, vehicle_id, message_id):
    check(server.delete("/v1/vehicles/%s/messages/%s" % (vehicle_id, message_id),
                        token=user.token), 204, "delete message")


def identification_of(vehicle):
    if vehicle.get("plate"):
        return {"plate": dict(vehicle["plate"])}
    return {"vin": vehicle["vin"]}


def follow_request(server, user, identification, types=None):
    body = {"identification": identification}
    if types is not None:
        body["types"] = types
    return server.post("/v1/follow-requests", body, token=user.token)


def follow(server, user, vehicle, types=None):
    """Follow-request + confirm; returns the Follow."""
    req = check(follow_request(server, user, identification_of(vehicle), types), 200,
                "follow request")
    return check(server.post("/v1/follows", {"confirmation_token": req["confirmation_token"]},
                             token=user.token), 201, "confirm follow")


def list_messages(server, user, vehicle_id, query=""):
    body = check(server.get("/v1/vehicles/%s/messages%s" % (vehicle_id, query), token=user.token),
                 200, "list messages")
    return body["messages"]


def feed_page(server, user, cursor=None, limit=None):
    params = []
    if cursor is not None:
        params.append("cursor=%s" % cursor)
    if limit is not None:
        params.append("limit=%d" % limit)
    path = "/v1/feed" + ("?" + "&".join(params) if params else "")
    return check(server.get(path, token=user.token), 200, "feed page")


def feed_all(server, user, cursor=None, limit=2, max_pages=200):
    """Follows next_cursor until a page is empty; returns (events, final next_cursor)."""
    events = []
    for _ in range(max_pages):
        page = feed_page(server, user, cursor, limit)
        if len(page["events"]) > limit:
            raise AssertionError("page longer than limit %d: %r" % (limit, page))
        if not page["events"]:
            return events, page["next_cursor"]
        events += page["events"]
        cursor = page["next_cursor"]
    raise AssertionError("feed paging did not end after %d pages" % max_pages)


def open_ws(server, user, cursor=None, timeout=5.0):
    """Authenticated WebSocket on /v1/stream; returns (ws, ready frame)."""
    path = "/v1/stream" + ("?cursor=%s" % cursor if cursor is not None else "")
    ws = wsclient.WebSocket.connect(server.port, path, token=user.token, timeout=timeout)
    ready = ws.recv_json(timeout)
    if ready.get("type") != "ready":
        ws.abort()
        raise AssertionError("first frame is not ready: %r" % ready)
    return ws, ready


def open_sse(server, user, cursor=None, last_event_id=None, timeout=5.0):
    path = "/v1/events" + ("?cursor=%s" % cursor if cursor is not None else "")
    return wsclient.EventSource.connect(server.port, path, token=user.token,
                                        last_event_id=last_event_id, timeout=timeout)


def summary(events):
    """[(event type, message id or follow id)] for compact comparisons."""
    out = []
    for e in events:
        if "message" in e and e["message"] is not None:
            out.append((e["type"], e["message"]["id"]))
        elif "follow" in e and e["follow"] is not None:
            out.append((e["type"], e["follow"]["id"]))
        else:
            out.append((e["type"], None))
    return out
