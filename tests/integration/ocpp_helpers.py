"""Helpers for the OCPP tests: operators, registered charge points and a raw OCPP-J client
(tests/integration/wsclient.py underneath) for the frames a real charge point library will
not send."""

import base64
import json
import secrets

import harness
from wsclient import WebSocket

PASSWORD = "correct-horse-battery-9"  # 16 to 40 characters (OCPP 1.6 security profile 1)


def make_operator(server):
    """A fresh user granted the operator role with the CLI, as an administrator would."""
    user = harness.new_user(server, "op")
    done = harness.run_cli(["users", "grant-operator", user.username,
                            "--data-dir", server.data_dir])
    if done.returncode != 0:
        raise AssertionError("grant-operator failed: %s %s" % (done.stdout, done.stderr))
    return user


def new_charge_point_id(prefix="CP"):
    return "%s-%s" % (prefix, secrets.token_hex(4))


def register(server, operator, cp_id=None, password=PASSWORD, vendor="Acme", model="Volt 22"):
    cp_id = cp_id or new_charge_point_id()
    r = server.post("/v1/charge-points", {"id": cp_id, "password": password, "vendor": vendor,
                                          "model": model}, token=operator.token)
    if r.status != 201:
        raise AssertionError("registering %s failed: %s %r" % (cp_id, r.status, r.body))
    return cp_id


def basic(cp_id, password=PASSWORD):
    return "Basic " + base64.b64encode(("%s:%s" % (cp_id, password)).encode()).decode()


def connect(server, cp_id, password=PASSWORD, protocols="ocpp1.6", timeout=5.0):
    headers = {"Authorization": basic(cp_id, password)}
    if protocols is not None:
        headers["Sec-WebSocket-Protocol"] = protocols
    return WebSocket.connect(server.port, "/ocpp/" + cp_id, headers=headers, timeout=timeout)


class Pile:
    """A raw OCPP-J charge point: sends CALLs, reads answers, answers the server's CALLs."""

    def __init__(self, ws):
        self.ws = ws
        self.counter = 0

    def next_id(self):
        self.counter += 1
        return "m%d-%s" % (self.counter, secrets.token_hex(3))

    def send(self, message):
        self.ws.send_text(json.dumps(message))

    def call(self, action, payload, timeout=5.0):
        """Sends a CALL and returns the answer with its id ([3,...] or [4,...])."""
        message_id = self.next_id()
        self.send([2, message_id, action, payload])
        answer = self.ws.recv_json(timeout)
        if answer[1] != message_id:
            raise AssertionError("answer %r is not for %s" % (answer, message_id))
        return answer

    def result(self, action, payload):
        answer = self.call(action, payload)
        if answer[0] != 3:
            raise AssertionError("%s refused: %r" % (action, answer))
        return answer[2]

    def boot(self):
        return self.result("BootNotification", {"chargePointVendor": "Acme",
                                                "chargePointModel": "Volt 22",
                                                "firmwareVersion": "1.0.7"})
