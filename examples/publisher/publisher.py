#!/usr/bin/env python3
"""An example Paddock publisher: registers, signs requests (HTTP Message Signatures, RFC 9421,
hmac-sha256), pushes messages and reads their delivery statistics. Python standard library only.

    publisher.py register --server http://127.0.0.1:8080 --name "Acme Motors" --kind dealer \
        --contact ops@acme.example
    # an operator approves it (paddock publishers approve reg_...) and hands over id and secret
    export PADDOCK_PUBLISHER_SECRET=...
    publisher.py push --server ... --id DL... --message-id spring-offer \
        --public --category offer --title "Spring check" --body "20 % off"
    publisher.py push ... --message-id voucher-7 --user usr_... --category voucher --title ...
    publisher.py stats --server ... --id DL... --message-id spring-offer
    publisher.py withdraw --server ... --id DL... --message-id spring-offer

The secret comes from PADDOCK_PUBLISHER_SECRET (kept out of `ps` and shell history) or from
--secret=VALUE. Write the `=`: a secret is base64url and may begin with "-", which
"--secret VALUE" would take for an option.

The signature covers @method, @target-uri and content-digest (RFC 9530 sha-256 of the body),
with created, a fresh nonce, keyid (the publisher id) and alg. The HMAC key is the secret's
text as Paddock showed it (its ASCII bytes).
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import sys
import time
import urllib.parse


def content_digest(body):
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def _sf_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sign(method, url, body, keyid, secret, nonce=None, created=None, label="sig1"):
    """The headers that sign one request: Content-Digest (when there is a body),
    Signature-Input and Signature. `url` is the full URL the request is sent to."""
    body = body or b""
    parts = urllib.parse.urlsplit(url)
    headers = {}
    components = ["@method", "@target-uri"]
    values = {"@method": method.upper(), "@target-uri": url}
    if body:
        headers["Content-Digest"] = content_digest(body)
        components.append("content-digest")
        values["content-digest"] = headers["Content-Digest"]
    params = "(%s);created=%d;nonce=%s;keyid=%s;alg=\"hmac-sha256\"" % (
        " ".join(_sf_string(c) for c in components),
        int(time.time()) if created is None else created,
        _sf_string(nonce or secrets.token_urlsafe(18)),
        _sf_string(keyid))
    base = "".join("%s: %s\n" % (_sf_string(c), values[c]) for c in components)
    base += '"@signature-params": ' + params
    mac = hmac.new(secret.encode("ascii"), base.encode("utf-8"), hashlib.sha256).digest()
    headers["Signature-Input"] = label + "=" + params
    headers["Signature"] = label + "=:" + base64.b64encode(mac).decode("ascii") + ":"
    assert parts.scheme in ("http", "https")
    return headers


def call(server, method, path, payload=None, keyid=None, secret=None, timeout=10):
    """Sends one request (signed when keyid and secret are given); returns (status, body)."""
    url = server.rstrip("/") + path
    parts = urllib.parse.urlsplit(url)
    body = json.dumps(payload).encode("utf-8") if payload is not None else b""
    headers = {"Content-Type": "application/json"} if payload is not None else {}
    if keyid and secret:
        headers.update(sign(method, url, body, keyid, secret))
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.netloc, timeout=timeout)
    try:
        conn.request(method, parts.path + ("?" + parts.query if parts.query else ""),
                     body=body or None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(data) if data else None
    except ValueError:
        return resp.status, data.decode("utf-8", "replace")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    reg = sub.add_parser("register")
    reg.add_argument("--server", required=True)
    reg.add_argument("--name", required=True)
    reg.add_argument("--kind", required=True)
    reg.add_argument("--contact", required=True)
    for name in ("push", "withdraw", "stats", "rotate"):
        s = sub.add_parser(name)
        s.add_argument("--server", required=True)
        s.add_argument("--id", required=True)
        s.add_argument("--secret", default=os.environ.get("PADDOCK_PUBLISHER_SECRET"),
                       help="or PADDOCK_PUBLISHER_SECRET; write --secret=VALUE, since a secret "
                            "may begin with '-'")
        if name != "rotate":
            s.add_argument("--message-id", required=True)
        if name == "push":
            audience = s.add_mutually_exclusive_group(required=True)
            audience.add_argument("--public", action="store_true")
            audience.add_argument("--user", action="append")
            s.add_argument("--category", required=True)
            s.add_argument("--title", required=True)
            s.add_argument("--body", default="")
            s.add_argument("--data", default="{}", help="a JSON object")
            s.add_argument("--expires-at")
            s.add_argument("--version", type=int)
    args = p.parse_args(argv)
    if args.command != "register" and not args.secret:
        p.error("the publisher's secret: set PADDOCK_PUBLISHER_SECRET or pass --secret=VALUE")

    if args.command == "register":
        status, body = call(args.server, "POST", "/v1/publishers",
                            {"name": args.name, "kind": args.kind, "contact": args.contact})
    elif args.command == "push":
        payload = {"audience": {"public": True} if args.public else {"user_ids": args.user},
                   "category": args.category, "title": args.title, "body": args.body,
                   "data": json.loads(args.data)}
        if args.expires_at:
            payload["expires_at"] = args.expires_at
        if args.version is not None:
            payload["version"] = args.version
        status, body = call(args.server, "PUT",
                            "/v1/publisher/messages/" + urllib.parse.quote(args.message_id, safe=""),
                            payload, args.id, args.secret)
    elif args.command == "withdraw":
        status, body = call(args.server, "DELETE",
                            "/v1/publisher/messages/" + urllib.parse.quote(args.message_id, safe=""),
                            None, args.id, args.secret)
    elif args.command == "stats":
        status, body = call(args.server, "GET",
                            "/v1/publisher/messages/%s/stats"
                            % urllib.parse.quote(args.message_id, safe=""),
                            None, args.id, args.secret)
    else:
        status, body = call(args.server, "POST", "/v1/publishers/%s/secrets" % args.id, {},
                            args.id, args.secret)
    print(json.dumps({"status": status, "body": body}))
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
