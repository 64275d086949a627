#!/usr/bin/python3
"""OCPP-J load generator (issue 10 benchmark): N simulated charge points on loopback against a
running `paddock serve`. Registers the piles through the API (an operator token is needed),
connects them (HTTP Basic, subprotocol ocpp1.6), then measures:

  * server memory per connected pile (VmRSS after booting all, minus before connecting, / N)
  * BootNotification storm: every pile sends BootNotification at once; time until all answered
  * CPU at a 60 s heartbeat: each pile sends Heartbeat every 60 s (spread evenly); the server's
    user+system CPU over the window, as a share of one core
  * call round trip p50/p99: POST /v1/charge-points/{id}/calls DataTransfer LockVehicle, the
    pile answers Accepted; timed from the HTTP request to its response (what the lock workflow's
    first step costs, plus one HTTP exchange)

Usage: bench/ocpp_load.py PORT SERVER_PID OPERATOR_TOKEN [N] [HEARTBEAT_WINDOW_S] [CALLS]
Own code on purpose (asyncio + a minimal RFC 6455 client); loopback only, every wait bounded.
"""

import asyncio
import base64
import http.client
import json
import os
import statistics
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

PASSWORD = "bench-password-0123"
TIMEOUT = 60.0


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def register_all(port, token, ids, workers=8):
    local = threading.local()

    def one(cp_id):
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"id": cp_id, "password": PASSWORD, "vendor": "Bench", "model": "Sim"})
        local.conn.request("POST", "/v1/charge-points", body=body,
                           headers={"Content-Type": "application/json",
                                    "Authorization": "Bearer " + token})
        r = local.conn.getresponse()
        r.read()
        if r.status not in (201, 409):
            raise RuntimeError("register %s: %d" % (cp_id, r.status))

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, ids))


def frame(payload: bytes, opcode=1):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


class Pile:
    def __init__(self, cp_id):
        self.id = cp_id
        self.reader = None
        self.writer = None
        self.pending = {}
        self.counter = 0

    async def connect(self, port):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        auth = base64.b64encode(("%s:%s" % (self.id, PASSWORD)).encode()).decode()
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write(("GET /ocpp/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n"
                           "Authorization: Basic %s\r\n\r\n" % (self.id, key, auth)).encode())
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError("%s: %r" % (self.id, head[:80]))
        asyncio.ensure_future(self.read_loop())

    async def read_loop(self):
        try:
            while True:
                b0, b1 = await self.reader.readexactly(2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", await self.reader.readexactly(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
                data = await self.reader.readexactly(n)
                opcode = b0 & 0x0F
                if opcode == 9:  # ping
                    self.writer.write(frame(data, 10))
                    continue
                if opcode == 8:
                    return
                if opcode != 1:
                    continue
                message = json.loads(data)
                if message[0] == 2:  # the central system's CALL: answer at once
                    self.writer.write(frame(json.dumps([3, message[1], {"status": "Accepted"}])
                                            .encode()))
                elif message[1] in self.pending:
                    self.pending.pop(message[1]).set_result(message)
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    async def call(self, action, payload):
        self.counter += 1
        message_id = "%s-%d" % (self.id, self.counter)
        future = asyncio.get_running_loop().create_future()
        self.pending[message_id] = future
        self.writer.write(frame(json.dumps([2, message_id, action, payload]).encode()))
        answer = await asyncio.wait_for(future, TIMEOUT)
        if answer[0] != 3:
            raise RuntimeError("%s %s: %r" % (self.id, action, answer))
        return answer


async def main():
    port, pid, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
    window = float(sys.argv[5]) if len(sys.argv) > 5 else 60.0
    calls = int(sys.argv[6]) if len(sys.argv) > 6 else 500
    ids = ["BENCH-%05d" % i for i in range(n)]
    t0 = time.monotonic()
    register_all(port, token, ids)
    print("registered %d piles in %.1f s" % (n, time.monotonic() - t0), flush=True)

    rss_before = rss_kib(pid)
    piles = [Pile(i) for i in ids]
    limit = asyncio.Semaphore(256)

    async def connect(p):
        async with limit:
            await p.connect(port)

    t0 = time.monotonic()
    await asyncio.gather(*(connect(p) for p in piles))
    print("connected %d piles in %.1f s (HTTP Basic, Argon2id verify each)"
          % (n, time.monotonic() - t0), flush=True)

    boot = {"chargePointVendor": "Bench", "chargePointModel": "Sim"}
    t0 = time.monotonic()
    await asyncio.gather(*(p.call("BootNotification", boot) for p in piles))
    storm = time.monotonic() - t0
    print("BootNotification storm: %d answered in %.2f s (%.0f/s)" % (n, storm, n / storm),
          flush=True)
    await asyncio.sleep(2)
    rss_after = rss_kib(pid)
    print("server RSS: %.1f MiB before, %.1f MiB with %d piles: %.1f KiB per pile"
          % (rss_before / 1024, rss_after / 1024, n, (rss_after - rss_before) / n), flush=True)

    # Heartbeats: each pile once per 60 s, spread evenly over the window.
    interval = 60.0 / n
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    sent = 0
    tasks = []
    deadline = t0 + window
    while time.monotonic() < deadline:
        pile = piles[sent % n]
        tasks.append(asyncio.ensure_future(pile.call("Heartbeat", {})))
        sent += 1
        next_at = t0 + sent * interval
        delay = next_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - t0
    cpu = cpu_seconds(pid) - cpu0
    print("heartbeat every 60 s per pile: %d heartbeats in %.1f s (%.0f/s); server CPU %.1f %% "
          "of one core" % (sent, elapsed, sent / elapsed, 100 * cpu / elapsed), flush=True)

    # Call round trips through the operator route, one at a time, from a thread: the event
    # loop keeps answering the piles' side meanwhile.
    def timed_calls():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out = []
        for i in range(calls):
            cp = ids[(i * 7919) % n]
            body = json.dumps({"action": "DataTransfer", "payload": {
                "vendorId": "com.paddock", "messageId": "LockVehicle",
                "data": json.dumps({"connectorId": 1, "transactionId": i})}})
            t = time.monotonic()
            conn.request("POST", "/v1/charge-points/%s/calls" % cp, body=body,
                         headers={"Content-Type": "application/json",
                                  "Authorization": "Bearer " + token})
            r = conn.getresponse()
            r.read()
            out.append((time.monotonic() - t) * 1000)
            if r.status != 200:
                raise RuntimeError("call %s: %d" % (cp, r.status))
        return out

    samples = await asyncio.get_running_loop().run_in_executor(None, timed_calls)
    samples.sort()
    p50 = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print("call round trip (LockVehicle DataTransfer, %d samples, %d piles connected): "
          "p50 %.2f ms, p99 %.2f ms" % (calls, n, p50, p99), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
