// The big screen (GET /screen/vehicle/{id}, GET /screen/sign-in): shows a QR code for a link
// session, refreshes it before its secret expires, and follows the link's watch over
// Server-Sent Events ("claimed by ...", "signed in as ..."). Plain ES module, no build step.
const REFRESH_MARGIN_MS = 10_000; // refresh this long before the secret expires
const NEXT_LINK_MS = 8_000;       // after a claim, a fresh code for the next viewer

const $ = (id) => document.getElementById(id);

function say(text, warn = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("warn", warn);
}

async function api(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = r.headers.get("content-type") || "";
  const json = type.includes("json") ? await r.json() : null;
  return { status: r.status, body: json };
}

function b64url(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// A link on screen: its QR code, its refresh timer and its watch.
class ShownLink {
  constructor(link, { onNotice }) {
    this.link = link;
    this.watchToken = link.watch_token;
    this.onNotice = onNotice;
    this.timer = null;
    this.source = null;
  }

  start() {
    this.draw(this.link);
    const url = `/v1/links/${encodeURIComponent(this.link.id)}/events?watch_token=${encodeURIComponent(this.watchToken)}`;
    this.source = new EventSource(url);
    this.source.onmessage = (e) => {
      let notice;
      try { notice = JSON.parse(e.data); } catch { return; }
      if (["link.claimed", "link.approved", "link.denied", "link.revoked"].includes(notice.type)) {
        clearTimeout(this.timer);
      }
      if (["link.approved", "link.denied", "link.revoked"].includes(notice.type)) this.stop();
      this.onNotice(notice, this);
    };
  }

  draw(issued) {
    const qr = new URL(issued.qr.svg, location.href);
    $("qr").src = `${qr.pathname}${qr.search}&watch_token=${encodeURIComponent(this.watchToken)}`;
    $("link").hidden = false;
    const expires = new Date(issued.expires_at);
    $("expires").textContent = `The code changes every minute (this one until ${expires.toLocaleTimeString()}).`;
    clearTimeout(this.timer);
    const wait = Math.max(1000, expires.getTime() - Date.now() - REFRESH_MARGIN_MS);
    this.timer = setTimeout(() => this.refresh(), wait);
  }

  async refresh() {
    const r = await api("POST", `/v1/links/${encodeURIComponent(this.link.id)}/refresh`, { token: this.watchToken });
    if (r.status === 200) return this.draw(r.body);
    if (r.status === 409) return; // claimed meanwhile: the watch says so
    say("Could not refresh the code; retrying.", true);
    this.timer = setTimeout(() => this.refresh(), 5000);
  }

  stop() {
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    this.source = null;
  }
}

// The device record the approval made holds this screen's public key; answering its challenge
// with the private key (which never leaves this page) marks it verified.
async function proveKey(token, deviceId, privateKey) {
  const base = `/v1/devices/${encodeURIComponent(deviceId)}`;
  const challenge = await api("POST", `${base}/challenge`, { token, body: {} });
  if (challenge.status !== 201) return false;
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, privateKey,
    new TextEncoder().encode(challenge.body.signing_input));
  const verified = await api("POST", `${base}/verify`, {
    token, body: { nonce: challenge.body.nonce, signature: b64url(signature) },
  });
  return verified.status === 200;
}

async function signInScreen() {
  const params = new URLSearchParams(location.search);
  const name = params.get("name") || "Screen";
  const kind = ["pc", "kiosk", "car_screen"].includes(params.get("kind")) ? params.get("kind") : "kiosk";
  $("title").textContent = "Sign in to this screen";
  $("qr-caption").textContent = "Scan with the Paddock app on your phone, then approve on the phone.";
  $("qr").alt = "QR code to sign this screen in with your phone";
  if (!crypto.subtle) return say("This page needs a secure connection (HTTPS) to make its key.", true);
  let keys;
  try {
    keys = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  } catch {
    return say("This browser cannot make an Ed25519 key.", true);
  }
  const publicKey = b64url(await crypto.subtle.exportKey("raw", keys.publicKey));
  const start = async () => {
    const r = await api("POST", "/v1/links", {
      body: { purpose: "sign_in", terminal: { name, kind, public_key: publicKey } },
    });
    if (r.status !== 201) return say(`Could not start sign-in (${r.body?.code || r.status}).`, true);
    say("Waiting for a phone…");
    new ShownLink(r.body, { onNotice: async (n) => {
      if (n.type === "link.claimed") {
        say(`Claimed by ${n.claimant.display_name} — approve on your ${n.claimant.device_kind}.`);
      } else if (n.type === "link.approved") {
        $("link").hidden = true;
        sessionStorage.setItem("paddock.session", n.session.token);
        await proveKey(n.session.token, n.device_id, keys.privateKey);
        const me = await api("GET", "/v1/me", { token: n.session.token });
        const who = me.status === 200 ? me.body.display_name : n.session.user_id;
        $("title").textContent = `Signed in as ${who}`;
        say(`Signed in as ${who}`);
      } else if (n.type === "link.denied") {
        say("Sign-in was refused on the phone.", true);
        setTimeout(start, NEXT_LINK_MS);
      } else if (n.type === "link.revoked") {
        say("This sign-in was revoked.", true);
      }
    } }).start();
  };
  await start();
}

async function vehicleScreen(vehicleId) {
  // The screen's owner signs it in by opening /screen/vehicle/{id}#token=...: the fragment never
  // reaches a server, and is removed from the address bar at once.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    sessionStorage.setItem("paddock.session", fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  const token = sessionStorage.getItem("paddock.session");
  if (!token) {
    $("title").textContent = "Vehicle page";
    return say("Open this page with #token=<session token> of the vehicle's owner.", true);
  }
  const v = await api("GET", `/v1/vehicles/${encodeURIComponent(vehicleId)}`, { token });
  if (v.status !== 200) {
    $("title").textContent = "Vehicle page";
    return say(`This vehicle cannot be shown (${v.body?.code || v.status}).`, true);
  }
  $("title").textContent = v.body.nickname;
  $("vehicle").hidden = false;
  const publicTypes = new Set(Object.entries(v.body.visibility || {})
    .filter(([, audience]) => audience === "public").map(([type]) => type));
  const m = await api("GET", `/v1/vehicles/${encodeURIComponent(vehicleId)}/messages?limit=20`, { token });
  const list = $("messages");
  list.replaceChildren();
  const shown = m.status === 200 ? (m.body.messages || []).filter((x) => publicTypes.has(x.type)) : [];
  for (const message of shown.slice(-8).reverse()) {
    const li = document.createElement("li");
    const type = document.createElement("span");
    type.className = "type";
    type.textContent = message.type;
    li.append(type, document.createTextNode(message.text || ""));
    list.append(li);
  }
  $("no-messages").hidden = shown.length > 0;
  $("qr-caption").textContent = `Scan to follow ${v.body.nickname} on your phone.`;
  $("qr").alt = `QR code to follow ${v.body.nickname}`;
  const start = async () => {
    const r = await api("POST", "/v1/links", {
      token,
      body: { purpose: "share", context: { vehicle_id: vehicleId },
              terminal: { name: "Vehicle page screen", kind: "pc" } },
    });
    if (r.status !== 201) return say(`Could not make a code (${r.body?.code || r.status}).`, true);
    new ShownLink(r.body, { onNotice: (n, shownLink) => {
      if (n.type === "link.claimed") {
        $("link").hidden = true; // that code is used; the next one follows shortly
        say(`Claimed by ${n.claimant.display_name}`);
        shownLink.stop();
        setTimeout(start, NEXT_LINK_MS);
      } else if (n.type === "link.revoked") {
        say("This code was revoked.", true);
        setTimeout(start, NEXT_LINK_MS);
      }
    } }).start();
  };
  await start();
}

const vehicle = location.pathname.match(/^\/screen\/vehicle\/([^/]+)$/);
if (vehicle) vehicleScreen(decodeURIComponent(vehicle[1]));
else signInScreen();
