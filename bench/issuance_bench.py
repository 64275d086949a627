#!/usr/bin/python3
"""Credential issuance over HTTP (issue 8): how many key shares per second the real server takes
from offer to signed credential, over loopback. Run by `make bench`; see docs/PERFORMANCE.md.

Starts `paddock serve` on a temp data dir, signs up one owner with a vehicle and RECIPIENTS
recipients each with a verified device, then CLIENTS threads (one keep-alive connection each)
run SHARES full flows: POST key-shares (owner), POST challenge and POST accept (recipient; the
device signs with PyNaCl). Reports flows/s and accepts/s (an accept verifies the device
signature, signs the credential and commits it with its audit lines and events), with p50/p99
of the accept. Every loop is bounded; everything it starts is stopped on exit.

Environment: PADDOCK_BIN (default build/release/paddock), SHARES=600, CLIENTS=8, RECIPIENTS=16.
"""

import base64
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import nacl.signing

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(REPO, os.environ.get("PADDOCK_BIN", "build/release/paddock"))
SHARES = int(os.environ.get("SHARES", "600"))
CLIENTS = int(os.environ.get("CLIENTS", "8"))
RECIPIENTS = int(os.environ.get("RECIPIENTS", "16"))


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = "Bearer " + token
        self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)

    def must(self, status, method, path, body=None, token=None):
        got, answer = self.call(method, path, body, token)
        if got != status:
            raise RuntimeError("%s %s: %d %r" % (method, path, got, answer))
        return answer


def user(c, name):
    c.must(201, "POST", "/v1/users", {"username": name, "password": "correct horse battery"})
    return c.must(201, "POST", "/v1/sessions",
                  {"username": name, "password": "correct horse battery"})["token"]


def main():
    tmp = tempfile.mkdtemp(prefix="paddock-issuance-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PADDOCK_")}
    env.update(PADDOCK_PASSWORD_HASH="min", PADDOCK_LOG_LEVEL="warn")
    proc = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", tmp],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        line = proc.stdout.readline()
        port = int(re.match(r"listening on 127\.0\.0\.1:(\d+)", line).group(1))
        c = Client(port)
        owner = user(c, "bench_owner")
        vin = "WVWZZZ1JZXW%06d" % (os.getpid() % 1000000)
        car = c.must(201, "POST", "/v1/vehicles", {"vin": vin, "nickname": "bench"}, owner)["id"]
        recipients = []
        for i in range(RECIPIENTS):
            token = user(c, "bench_r%d" % i)
            key = nacl.signing.SigningKey.generate()
            dev = c.must(201, "POST", "/v1/devices", {"name": "phone", "kind": "phone",
                                                      "public_key": b64u(bytes(key.verify_key)),
                                                      "primary": True}, token)["id"]
            ch = c.must(201, "POST", "/v1/devices/%s/challenge" % dev, {}, token)
            c.must(200, "POST", "/v1/devices/%s/verify" % dev,
                   {"nonce": ch["nonce"],
                    "signature": b64u(key.sign(ch["signing_input"].encode()).signature)}, token)
            recipients.append(("bench_r%d" % i, token, dev, key))

        lock = threading.Lock()
        next_share = [0]
        accept_ms = []
        errors = []

        def worker():
            cl = Client(port)
            while True:
                with lock:
                    n = next_share[0]
                    if n >= SHARES:
                        return
                    next_share[0] += 1
                name, token, dev, key = recipients[n % len(recipients)]
                try:
                    sid = cl.must(201, "POST", "/v1/vehicles/%s/key-shares" % car,
                                  {"task": "delivery", "recipient": {"username": name}},
                                  owner)["id"]
                    ch = cl.must(201, "POST", "/v1/key-shares/%s/challenge" % sid,
                                 {"device_id": dev}, token)
                    sig = b64u(key.sign(ch["signing_input"].encode()).signature)
                    t0 = time.perf_counter()
                    answer = cl.must(200, "POST", "/v1/key-shares/%s/accept" % sid,
                                     {"device_id": dev, "signature": sig}, token)
                    dt = (time.perf_counter() - t0) * 1000
                    assert answer["credential"]
                    with lock:
                        accept_ms.append(dt)
                except Exception as e:  # noqa: BLE001 - counted and reported
                    with lock:
                        errors.append(str(e))

        threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        elapsed = time.perf_counter() - start
        accept_ms.sort()
        done = len(accept_ms)
        pct = lambda p: accept_ms[min(done - 1, int(p * done))] if done else float("nan")  # noqa
        print("issuance: %d flows (share + challenge + accept) in %.2f s with %d clients: "
              "%.0f credentials/s; accept p50 %.1f ms, p99 %.1f ms; %d errors"
              % (done, elapsed, CLIENTS, done / elapsed, pct(0.50), pct(0.99), len(errors)))
        if errors:
            print("first error:", errors[0], file=sys.stderr)
        return 1 if errors else 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
