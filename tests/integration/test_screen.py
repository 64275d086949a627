"""The big screen in a real browser (issue 9): Debian's headless Chromium, driven by npm's
playwright-core (pinned in package-lock.json), opens /screen/vehicle/{id} and /screen/sign-in;
the QR code is read from the page's image with zbarimg; a test client claims it (and, for
sign-in, approves it); the page must show "Claimed by ..." / "Signed in as ..." within 2 s.
Screenshots (1920x1080 and 1280x720) are saved under the build folder. Nothing is skipped: a
missing browser or package is a failure."""

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sharing_helpers import check, create_vehicle, post_message  # noqa: E402
from test_links import Phone, decode_png  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "screen_peer.mjs")
NODE = shutil.which("node")
NPM = shutil.which("npm")
CHROMIUM = "/usr/bin/chromium"
# One folder per backend: ctest runs the SQLite and PostgreSQL runs of this file at once, and
# each writes and reads back screenshots of the same names.
ARTIFACTS = os.path.join(os.path.dirname(harness.PADDOCK_BIN), "test-artifacts", "screen",
                         os.environ.get("PADDOCK_TEST_BACKEND", "sqlite"))


def ensure_playwright():
    """`npm ci` (the committed lock file) when node_modules lacks playwright-core."""
    marker = os.path.join(harness.REPO_ROOT, "node_modules", "playwright-core", "package.json")
    if os.path.exists(marker):
        return
    if NPM is None:
        raise AssertionError("node_modules/playwright-core is missing and npm is not on PATH")
    proc = subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=harness.REPO_ROOT,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    if proc.returncode != 0 or not os.path.exists(marker):
        raise AssertionError("npm ci failed (%d):\n%s" % (proc.returncode, proc.stdout))


class BrowserPeer:
    """One `node screen_peer.mjs` run; its JSON lines arrive on a queue."""

    def __init__(self, url, name, expected):
        self.proc = subprocess.Popen([NODE, PEER, url, ARTIFACTS, name, expected],
                                     cwd=harness.REPO_ROOT, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.queue = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, True), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, False), daemon=True).start()

    def _pump(self, stream, is_stdout):
        for line in stream:
            if is_stdout:
                try:
                    self.queue.put(json.loads(line))
                except ValueError:
                    self.stderr.append(line)
            else:
                self.stderr.append(line)
        if is_stdout:
            self.queue.put({"event": "eof"})

    def next(self, timeout=40):
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("browser peer said nothing for %d s; stderr: %s"
                                 % (timeout, "".join(self.stderr)[-2000:]))
        if item["event"] in ("error", "eof"):
            raise AssertionError("browser peer failed: %r; stderr: %s"
                                 % (item, "".join(self.stderr)[-2000:]))
        return item

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()


class ScreenPageTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        if NODE is None or not os.path.exists(CHROMIUM):
            raise AssertionError("node and /usr/bin/chromium are required "
                                 "(scripts/install-deps.sh installs them)")
        ensure_playwright()
        os.makedirs(ARTIFACTS, exist_ok=True)
        cls.server = cls.start_class_server()

    def run_page(self, path, name, expected, act):
        """Opens `path`, decodes its QR code, calls act(url) and returns (status event, checks,
        seconds from the act's answer to the page showing `expected`)."""
        peer = BrowserPeer(self.server.base_url + path, name, expected)
        try:
            qr = peer.next()
            self.assertEqual(qr["event"], "qr")
            self.assertEqual(qr["waiting_fits"], [True, True],
                             "the waiting screen fits 1920x1080 and 1280x720 without scrolling")
            with open(qr["path"], "rb") as f:
                url = decode_png(f.read())
            self.assertTrue(url.startswith(self.server.base_url + "/l/lnk_"), url)
            act(url)
            acted = time.monotonic()
            status = peer.next()
            seen = time.monotonic() - acted
            sys.stderr.write("%s: the page showed %r %.0f ms after the phone acted\n"
                             % (name, status.get("text"), seen * 1000))
            self.assertEqual(status["event"], "status")
            checks = peer.next()
            self.assertEqual(peer.next()["event"], "done")
            return status, checks, seen
        finally:
            peer.close()

    def assert_accessible(self, checks):
        self.assertEqual(checks["lang"], "en")
        self.assertTrue(checks["h1"].strip())
        self.assertEqual((checks["status_role"], checks["status_live"]), ("status", "polite"))
        self.assertTrue(checks["qr_alt"].strip(), "the QR image has a text alternative")
        self.assertFalse(checks["overflow_x"] or checks["overflow_y"], checks)
        self.assertEqual(checks["problems"], [])

    def claim(self, phone, url):
        parsed = urllib.parse.urlsplit(url)
        link_id = parsed.path.rsplit("/", 1)[1]
        secret = urllib.parse.parse_qs(parsed.query)["s"][0]
        return link_id, check(self.server.post(
            "/v1/links/%s/claim" % link_id, {"secret": secret, "device_id": phone.device["id"]},
            token=phone.user.token), 200, "claim")

    def test_vehicle_page_shows_claimed_by_within_two_seconds(self):
        s = self.server
        owner = Phone(s, "own")
        vehicle = create_vehicle(s, owner.user, nickname="Red Roadster",
                                 visibility={"status": "public", "trip": "private"})
        post_message(s, owner.user, vehicle["id"], "status", "Parked at level 2")
        post_message(s, owner.user, vehicle["id"], "trip", "Private trip note")
        fan = harness.signup(s, display_name="Ada from the car park")
        fan_token = harness.login(s, fan["username"])
        fan_device, _ = harness.register_device(s, fan_token)
        fan_phone = Phone.__new__(Phone)
        fan_phone.user = harness.User(fan["id"], fan["username"], harness.DEFAULT_PASSWORD,
                                      fan_token, fan)
        fan_phone.device = fan_device
        status, checks, seen = self.run_page(
            "/screen/vehicle/%s#token=%s" % (vehicle["id"], owner.user.token), "vehicle",
            "Claimed by", lambda url: self.claim(fan_phone, url))
        self.assertEqual(status["text"], "Claimed by Ada from the car park")
        self.assertLess(seen, 2.0, "the page changed %.2f s after the claim" % seen)
        self.assertEqual(checks["h1"], "Red Roadster")
        self.assertEqual(checks["messages"], ["statusParked at level 2"],
                         "only public messages are on the screen")
        self.assertFalse(checks["qr_visible"], "a claimed code is taken off the screen")
        self.assert_accessible(checks)
        for size in ("1920x1080", "1280x720"):
            self.assertTrue(os.path.getsize(os.path.join(ARTIFACTS, "vehicle-%s.png" % size)) > 0)

    def test_sign_in_page_is_signed_in_after_approval_on_the_phone(self):
        s = self.server
        driver = Phone(s, "drv")

        def claim_and_approve(url):
            link_id, body = self.claim(driver, url)
            self.assertEqual(body["asking"]["terminal"], {"name": "Cockpit", "kind": "car_screen"})
            check(s.post("/v1/links/%s/approve" % link_id, {"device_id": driver.device["id"]},
                         token=driver.user.token), 200, "approve")

        status, checks, seen = self.run_page(
            "/screen/sign-in?name=Cockpit&kind=car_screen", "sign-in", "Signed in as",
            claim_and_approve)
        self.assertEqual(status["text"], "Signed in as " + driver.user.info["display_name"])
        self.assertLess(seen, 2.0)
        self.assertFalse(checks["qr_visible"], "a signed-in screen shows no code")
        self.assert_accessible(checks)
        devices = check(s.get("/v1/devices", token=driver.user.token), 200)["devices"]
        # The screen proved it holds the key bound into the link: its device is verified.
        self.assertIn(("Cockpit", "car_screen", True),
                      [(d["name"], d["kind"], d["verified"]) for d in devices])

    def test_screen_files_are_served_with_a_strict_policy(self):
        s = self.server
        for path, ctype in (("/screen/sign-in", "text/html; charset=utf-8"),
                            ("/screen/vehicle/veh_x", "text/html; charset=utf-8"),
                            ("/screen/assets/screen.js", "text/javascript; charset=utf-8"),
                            ("/screen/assets/screen.css", "text/css; charset=utf-8")):
            with self.subTest(path=path):
                r = s.get(path)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.headers["content-type"], ctype)
                self.assertIn("frame-ancestors 'none'", r.headers["content-security-policy"])
                self.assertEqual(r.headers["x-content-type-options"], "nosniff")
        for path in ("/screen/assets/screen.html", "/screen/assets/..%2FCMakeLists.txt",
                     "/screen/vehicle/not%20an%20id"):
            with self.subTest(path=path):
                self.assertProblem(s.get(path), 404, "not_found")


if __name__ == "__main__":
    unittest.main()
