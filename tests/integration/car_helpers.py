"""Helpers for the car's side of digital keys (test_head_units.py, test_key_e2e.py): head units,
the PaddockHeadUnit request signature and signed reports, built from docs/credentials.md with
cbor2 and cryptography, and binary requests (the revocation list and reports are raw COSE)."""

import http.client
import json
import os
import sys
import time

import cbor2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

REPORT_CONTENT_TYPE = "application/paddock-key-report"
LIST_CONTENT_TYPE = "application/paddock-revocations"


def add_head_unit(server, owner, vehicle_id, name="Dashboard"):
    """Registers a head unit; returns (head unit json, private key)."""
    priv, pub = harness.make_keypair()
    r = server.post("/v1/vehicles/%s/head-units" % vehicle_id, {"name": name, "public_key": pub},
                    token=owner.token)
    if r.status != 201:
        raise AssertionError("head unit registration failed: %s %r" % (r.status, r.body))
    return r.body, priv


def head_unit_authorization(head_unit_id, priv, method, target, created=None):
    """The Authorization value of docs/credentials.md, "Head-unit requests"."""
    created = int(time.time()) if created is None else created
    text = "paddock-head-unit-request:v1\n%s\n%s\n%s\n%d" % (head_unit_id, method, target, created)
    return 'PaddockHeadUnit id="%s", created=%d, signature="%s"' % (
        head_unit_id, created, harness.sign(priv, text))


def raw_request(server, method, path, body=None, headers=None):
    """One request whose answer body stays bytes; returns (status, headers, bytes)."""
    conn = server.connection()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def problem_of(status, headers, data):
    """A harness.Response of a binary request's problem answer, for assertProblem."""
    body = data.decode("utf-8", "replace")
    if "json" in headers.get("content-type", ""):
        body = json.loads(data)
    return harness.Response(status, headers, body)


def get_revocations(server, vehicle_id, token=None, head_unit=None, priv=None, created=None,
                    sign_path=None):
    path = "/v1/vehicles/%s/revocations" % vehicle_id
    headers = {}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    if head_unit is not None:
        headers["Authorization"] = head_unit_authorization(head_unit, priv, "GET",
                                                           sign_path or path, created)
    return raw_request(server, "GET", path, headers=headers)


def decode_sign1(data):
    """(protected header map, payload map, the COSE_Sign1 parts) of a tagged COSE_Sign1."""
    item = cbor2.loads(data)
    assert isinstance(item, cbor2.CBORTag) and item.tag == 18, item
    protected, unprotected, payload, signature = item.value
    return cbor2.loads(protected), cbor2.loads(payload), (protected, payload, signature)


def check_issuer_signature(server, parts, kid):
    """Verifies a COSE_Sign1 against GET /v1/issuer-keys as a car would."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    keys = server.get("/v1/issuer-keys").body["keys"]
    key = [k for k in keys if k["kid"].encode() == kid]
    assert key, "kid %r not published" % kid
    protected, payload, signature = parts
    Ed25519PublicKey.from_public_bytes(harness.b64url_decode(key[0]["x"])).verify(
        signature, cbor2.dumps(["Signature1", protected, b"", payload]))


def make_report(vehicle_id, head_unit_id, counter, entries, priv):
    """A signed report as docs/credentials.md, "Use and deny reports", says; entries are
    (cti bytes, action, reason, at)."""
    protected = cbor2.dumps({1: -8, 3: REPORT_CONTENT_TYPE})
    payload = cbor2.dumps({1: vehicle_id, 2: head_unit_id, 3: counter,
                           4: [{1: cti, 2: action, 3: reason, 4: at}
                               for cti, action, reason, at in entries]})
    signature = priv.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))


def post_report(server, vehicle_id, report, content_type="application/cose"):
    status, headers, data = raw_request(server, "POST", "/v1/vehicles/%s/key-events" % vehicle_id,
                                        body=report, headers={"Content-Type": content_type})
    return problem_of(status, headers, data)
