#!/usr/bin/python3
"""Digital-key issuance over HTTP, for docs/PERFORMANCE.md (issue 8).

Starts `paddock serve` on a free loopback port with a fresh data directory, then:
  1. offers:   wrk posts delivery-key offers from an owner to a courier's verified phone for
               DURATION (bench/key_offer.lua): durable offers/s and latency;
  2. (setup)   asks a challenge for every offer and signs the accept text with the phone's
               Ed25519 key (not measured);
  3. accepts:  wrk replays the prepared accepts, each at most once, for DURATION
               (bench/key_accept.lua): each one checks the device signature, signs a COSE_Sign1
               credential with the issuer key and commits it with its audit line and events, so
               accepts/s = credentials issued/s (a warning says when the offers ran out first).
Prints one table; everything it starts is stopped on exit. Loopback only.

    bench/issuance_bench.py [--bin build/release/paddock] [--duration 5s] [--connections 32]
"""

import argparse
import base64
import concurrent.futures
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import nacl.signing

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "bench-password-0123"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Client:
    def __init__(self, port, token=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token = token

    def call(self, method, path, body=None, expect=(200, 201)):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status not in expect:
            raise RuntimeError("%s %s -> %d %s" % (method, path, resp.status, data[:300]))
        return json.loads(data) if data else None


def user(port, name):
    c = Client(port)
    c.call("POST", "/v1/users", {"username": name, "password": PASSWORD, "display_name": name})
    c.token = c.call("POST", "/v1/sessions", {"username": name, "password": PASSWORD})["token"]
    return c


def verified_device(client):
    key = nacl.signing.SigningKey.generate()
    dev = client.call("POST", "/v1/devices", {"name": "phone", "kind": "phone", "primary": True,
                                              "public_key": b64url(bytes(key.verify_key))})
    challenge = client.call("POST", "/v1/devices/%s/challenge" % dev["id"], {})
    signature = key.sign(challenge["signing_input"].encode()).signature
    client.call("POST", "/v1/devices/%s/verify" % dev["id"],
                {"nonce": challenge["nonce"], "signature": b64url(signature)})
    return dev["id"], key


def wrk(script, port, args, env, out_file):
    cmd = ["wrk", "-t%d" % args.threads, "-c%d" % args.connections, "-d%s" % args.duration,
           "--latency", "-s", os.path.join(REPO, "bench", script), "http://127.0.0.1:%d" % port]
    print("bench: " + " ".join(cmd), file=sys.stderr)
    with open(out_file, "w") as out:
        subprocess.run(cmd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                       check=True, timeout=600)
    text = open(out_file).read()
    line = [l for l in text.splitlines() if l.startswith("BENCH ")]
    if not line:
        raise RuntimeError("no BENCH line from wrk:\n" + text)
    fields = dict(kv.split("=", 1) for kv in line[-1].split()[1:])
    err = [l for l in text.splitlines() if l.startswith("FIRST_ERROR ")]
    fields["first_error"] = err[0][12:] if err else ""
    fields["exhausted"] = any(l.startswith("EXHAUSTED") for l in text.splitlines())
    return fields


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "release", "paddock"))
    ap.add_argument("--duration", default="5s")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--setup-workers", type=int, default=8)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    subprocess.run([os.path.join(REPO, "scripts", "install-deps.sh"), "--bench"], check=True)
    work = tempfile.mkdtemp(prefix="paddock-keybench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PADDOCK_")}
    env["PADDOCK_LOG_LEVEL"] = "warn"
    server = subprocess.Popen([args.bin, "serve", "--listen", "127.0.0.1:0", "--data-dir",
                               os.path.join(work, "data")], stdout=subprocess.PIPE,
                              stderr=open(os.path.join(work, "paddock.stderr"), "w"), env=env)
    try:
        line = server.stdout.readline().decode()
        m = re.match(r"^listening on 127\.0\.0\.1:(\d+)$", line.strip())
        if not m:
            raise RuntimeError("paddock did not start: %r" % line)
        port = int(m.group(1))

        owner = user(port, "owner")
        vehicle = owner.call("POST", "/v1/vehicles", {"vin": "WVWZZZ1JZXW000001",
                                                      "nickname": "bench car"})["id"]
        courier = user(port, "courier")
        device_id, device_key = verified_device(courier)

        # 1. offers
        offers = wrk("key_offer.lua", port, args,
                     {"PADDOCK_TOKEN": owner.token, "BENCH_VEHICLE": vehicle,
                      "BENCH_RECIPIENT": "courier", "BENCH_DEVICE": device_id,
                      "BENCH_OUT": work}, os.path.join(work, "offers.txt"))
        ids = []
        for t in range(1, args.threads + 1):
            path = os.path.join(work, "offers.%d" % t)
            if os.path.exists(path):
                ids += [l.strip() for l in open(path) if l.strip()]
        if not ids:
            raise RuntimeError("no offers were created: " + offers["first_error"])

        # 2. challenges and signatures (setup, not measured)
        started = time.monotonic()

        def prepare(chunk):
            c = Client(port, courier.token)
            lines = []
            for share in chunk:
                nonce = c.call("POST", "/v1/key-shares/%s/challenge" % share,
                               {"device_id": device_id})["nonce"]
                text = "paddock-key-accept:v1:%s:%s:%s" % (share, device_id, nonce)
                body = json.dumps({"device_id": device_id,
                                   "signature": b64url(device_key.sign(text.encode()).signature)},
                                  separators=(",", ":"))
                lines.append("/v1/key-shares/%s/accept\t%s" % (share, body))
            return lines

        chunks = [ids[i::args.setup_workers] for i in range(args.setup_workers)]
        with concurrent.futures.ThreadPoolExecutor(args.setup_workers) as pool:
            prepared = [l for part in pool.map(prepare, chunks) for l in part]
        print("bench: prepared %d accepts in %.1f s" % (len(prepared), time.monotonic() - started),
              file=sys.stderr)
        for t in range(1, args.threads + 1):
            with open(os.path.join(work, "accept.%d" % t), "w") as f:
                f.write("\n".join(prepared[t - 1::args.threads]) + "\n")

        # 3. accepts = credentials issued
        accepts = wrk("key_accept.lua", port, args,
                      {"PADDOCK_TOKEN": courier.token, "BENCH_OUT": work},
                      os.path.join(work, "accepts.txt"))

        # Real work happened: the shares the owner sees as issued are as many as the accepts
        # counted, and one of them carries a credential for its holder.
        keys = owner.call("GET", "/v1/vehicles/%s/keys" % vehicle)["keys"]
        issued = [k["id"] for k in keys if k["status"] == "issued"]
        if len(issued) < int(accepts["ok"]) or not issued:
            raise RuntimeError("%d shares issued but %s accepts counted" % (len(issued),
                                                                             accepts["ok"]))
        sample = Client(port, courier.token).call("GET", "/v1/key-shares/%s" % issued[0])
        if not sample.get("credential"):
            raise RuntimeError("an issued share has no credential: %r" % sample)

        print()
        print("| phase | requests | ok/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, r in (("offers (POST key-shares)", offers),
                        ("credentials issued (POST accept)", accepts)):
            print("| %s | %s | %.0f | %.2f | %.2f | %s |" % (
                name, r["ok"], float(r["ok_rps"]), float(r["p50_ms"]), float(r["p99_ms"]),
                r["non2xx"]))
            if r["first_error"]:
                print("first error (%s): %s" % (name, r["first_error"]), file=sys.stderr)
            if r["exhausted"]:
                print("warning (%s): the prepared accepts ran out; the rate is a lower bound" % name)
        print()
        print("machine: %s, %d cores; %s" % (platform.platform(), os.cpu_count(),
                                             subprocess.run([args.bin, "version"],
                                                            capture_output=True,
                                                            text=True).stdout.strip()))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        if args.keep:
            print("bench: kept " + work, file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
