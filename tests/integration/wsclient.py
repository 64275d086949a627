"""Minimal WebSocket (RFC 6455) and Server-Sent Events clients for the integration tests.

Standard library only.  Every wait is bounded by a timeout.

WebSocket::

    ws = wsclient.WebSocket.connect(port, "/v1/stream?cursor=3", token=tok)
    ws.recv_json(timeout=5)        # -> dict (a text frame parsed as JSON)
    ws.close()

``connect`` raises ``HandshakeError`` (with ``.response``, a harness.Response) when the
server answers anything but 101.  ``recv`` answers pings itself and raises
``ConnectionClosed`` (``.code``, ``.reason``) when the server sends a close frame or the
TCP connection ends, ``socket.timeout`` when nothing arrives in time (no data is lost:
partial frames stay buffered).

SSE::

    sse = wsclient.EventSource.connect(port, "/v1/events", token=tok, last_event_id="7")
    ev = sse.next_event(timeout=5) # -> SSEEvent(id, event, data, json)
    sse.comments                   # comment lines seen so far (without the ':')
"""

import base64
import collections
import hashlib
import json
import os
import socket
import struct
import time

from harness import parse_response_head

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

DEFAULT_TIMEOUT = 5.0



def collect(next_item, n, timeout, what):
    """Exactly `n` items from `next_item(remaining_seconds)` within `timeout` s in total."""
    deadline = time.monotonic() + timeout
    out = []
    while len(out) < n:
        try:
            out.append(next_item(max(0.0, deadline - time.monotonic())))
        except socket.timeout:
            raise socket.timeout("got %d of %d %s: %r" % (len(out), n, what, out))
    return out


def gather_for(next_item, duration):
    """Whatever `next_item(remaining_seconds)` yields within `duration` s."""
    deadline = time.monotonic() + duration
    got = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return got
        try:
            got.append(next_item(remaining))
        except (socket.timeout, EOFError):  # EOFError: an SSE stream that ended
            return got

class WebSocketError(Exception):
    pass


class HandshakeError(WebSocketError):
    def __init__(self, message, response=None, raw=b""):
        super().__init__(message)
        self.response = response
        self.raw = raw


class ConnectionClosed(WebSocketError):
    """The server sent a close frame (code/reason set) or the TCP connection ended
    without one (code None, ``clean`` False)."""

    def __init__(self, code=None, reason="", clean=True):
        super().__init__("connection closed: code=%r reason=%r clean=%s" % (code, reason, clean))
        self.code = code
        self.reason = reason
        self.clean = clean


Frame = collections.namedtuple("Frame", ["fin", "opcode", "payload"])


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode("ascii")


def encode_frame(opcode, payload=b"", fin=True, mask=True):
    """One frame; client frames are masked (RFC 6455 5.3)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    head = bytearray([(0x80 if fin else 0) | opcode])
    n = len(payload)
    mask_bit = 0x80 if mask else 0
    if n < 126:
        head.append(mask_bit | n)
    elif n < 65536:
        head.append(mask_bit | 126)
        head += struct.pack("!H", n)
    else:
        head.append(mask_bit | 127)
        head += struct.pack("!Q", n)
    if not mask:
        return bytes(head) + payload
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes(head) + key + masked


def _parse_head(data):
    """Parse an HTTP response head -> (status, headers dict lower-cased, rest) or None."""
    try:
        return parse_response_head(data)
    except ValueError as e:
        raise WebSocketError(str(e))


def _read_http_error(sock, status, headers, rest, deadline):
    """Read the body of a non-101 answer (Content-Length) -> harness-like Response."""
    from harness import Response  # local import: wsclient also works without harness
    n = int(headers.get("content-length", "0") or 0)
    while len(rest) < n and time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, OSError):
            break
        if not chunk:
            break
        rest += chunk
    body = rest[:n]
    parsed = body.decode("utf-8", "replace")
    if "json" in headers.get("content-type", "") and body:
        try:
            parsed = json.loads(body)
        except ValueError:
            pass
    return Response(status, headers, parsed)


class WebSocket:
    def __init__(self, sock, buffered=b"", response_headers=None):
        self.sock = sock
        self._buf = bytearray(buffered)
        self.response_headers = response_headers or {}
        self.closed = False
        self.close_code = None
        self.close_reason = None
        self.pings_answered = 0

    # -- handshake -----------------------------------------------------------
    @classmethod
    def connect(cls, port, path, token=None, headers=None, timeout=DEFAULT_TIMEOUT,
                host="127.0.0.1", rcvbuf=None):
        """rcvbuf: SO_RCVBUF set before connecting (a small one makes a slow reader)."""
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        hdrs = collections.OrderedDict([
            ("Host", "%s:%d" % (host, port)),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", key),
            ("Sec-WebSocket-Version", "13"),
        ])
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        for k, v in (headers or {}).items():
            for existing in [e for e in hdrs if e.lower() == k.lower()]:
                del hdrs[existing]
            if v is not None:
                hdrs[k] = v
        req = "GET %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if rcvbuf is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.settimeout(timeout)
            sock.connect((host, port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except BaseException:
            sock.close()
            raise
        try:
            sock.sendall(req.encode("utf-8"))
            deadline = time.monotonic() + timeout
            data = b""
            parsed = None
            while parsed is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise HandshakeError("no handshake answer within %.1f s" % timeout, raw=data)
                sock.settimeout(remaining)
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    raise HandshakeError("no handshake answer within %.1f s" % timeout, raw=data)
                if not chunk:
                    raise HandshakeError("connection closed during handshake", raw=data)
                data += chunk
                parsed = _parse_head(data)
            status, rhdrs, rest = parsed
            if status != 101:
                resp = _read_http_error(sock, status, rhdrs, rest, deadline)
                raise HandshakeError("handshake answered %d" % status, response=resp, raw=data)
            if rhdrs.get("upgrade", "").lower() != "websocket":
                raise HandshakeError("101 without Upgrade: websocket: %r" % rhdrs, raw=data)
            if "upgrade" not in rhdrs.get("connection", "").lower():
                raise HandshakeError("101 without Connection: Upgrade: %r" % rhdrs, raw=data)
            if rhdrs.get("sec-websocket-accept") != accept_key(key):
                raise HandshakeError("bad Sec-WebSocket-Accept %r (expected %r)"
                                     % (rhdrs.get("sec-websocket-accept"), accept_key(key)),
                                     raw=data)
        except BaseException:
            sock.close()
            raise
        return cls(sock, rest, rhdrs)

    # -- sending -------------------------------------------------------------
    def send_frame(self, opcode, payload=b"", fin=True):
        self.sock.sendall(encode_frame(opcode, payload, fin=fin))

    def send_text(self, text):
        self.send_frame(OP_TEXT, text)

    def send_json(self, obj):
        self.send_text(json.dumps(obj))

    def send_binary(self, data):
        self.send_frame(OP_BINARY, data)

    def ping(self, payload=b""):
        self.send_frame(OP_PING, payload)

    # -- receiving -----------------------------------------------------------
    def _try_parse(self):
        """One complete frame from the buffer (consumed) or None."""
        buf = self._buf
        if len(buf) < 2:
            return None
        b0, b1 = buf[0], buf[1]
        fin = bool(b0 & 0x80)
        opcode = b0 & 0x0F
        masked = bool(b1 & 0x80)
        n = b1 & 0x7F
        pos = 2
        if n == 126:
            if len(buf) < 4:
                return None
            n = struct.unpack("!H", bytes(buf[2:4]))[0]
            pos = 4
        elif n == 127:
            if len(buf) < 10:
                return None
            n = struct.unpack("!Q", bytes(buf[2:10]))[0]
            pos = 10
        if masked:
            raise WebSocketError("server frame is masked (RFC 6455 5.1 forbids it)")
        if len(buf) < pos + n:
            return None
        payload = bytes(buf[pos:pos + n])
        del buf[:pos + n]
        return Frame(fin, opcode, payload)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("no WebSocket frame within the timeout")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.closed = True
            raise ConnectionClosed(None, "", clean=False)
        self._buf += chunk

    def recv_frame(self, timeout=DEFAULT_TIMEOUT):
        """The next raw frame (control frames included, nothing answered)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self._try_parse()
            if frame is not None:
                return frame
            if self.closed:
                raise ConnectionClosed(self.close_code, self.close_reason or "", clean=False)
            self._fill(deadline)

    def recv(self, timeout=DEFAULT_TIMEOUT):
        """The next data message: str (text) or bytes (binary).  Pings are answered;
        a close frame is answered and raised as ConnectionClosed."""
        deadline = time.monotonic() + timeout
        parts = []
        first_opcode = None
        while True:
            frame = self.recv_frame(max(0.0, deadline - time.monotonic()))
            if frame.opcode == OP_PING:
                self._send_quietly(OP_PONG, frame.payload)
                self.pings_answered += 1
                continue
            if frame.opcode == OP_PONG:
                continue
            if frame.opcode == OP_CLOSE:
                code, reason = None, ""
                if len(frame.payload) >= 2:
                    code = struct.unpack("!H", frame.payload[:2])[0]
                    reason = frame.payload[2:].decode("utf-8", "replace")
                self.close_code, self.close_reason = code, reason
                self._send_quietly(OP_CLOSE, frame.payload[:2])
                self.closed = True
                self._shutdown()
                raise ConnectionClosed(code, reason, clean=True)
            if frame.opcode in (OP_TEXT, OP_BINARY):
                if first_opcode is not None:
                    raise WebSocketError("new data frame inside a fragmented message")
                first_opcode = frame.opcode
            elif frame.opcode == OP_CONT:
                if first_opcode is None:
                    raise WebSocketError("continuation frame without a message")
            else:
                raise WebSocketError("unknown opcode %#x" % frame.opcode)
            parts.append(frame.payload)
            if frame.fin:
                data = b"".join(parts)
                return data.decode("utf-8") if first_opcode == OP_TEXT else data

    def recv_json(self, timeout=DEFAULT_TIMEOUT):
        msg = self.recv(timeout)
        if not isinstance(msg, str):
            raise WebSocketError("expected a text frame, got binary %r" % msg[:100])
        return json.loads(msg)

    def recv_events(self, n, timeout=DEFAULT_TIMEOUT):
        """Exactly `n` JSON messages, all within `timeout` s in total."""
        return collect(self.recv_json, n, timeout, "WebSocket messages")

    def expect_silence(self, duration=1.0):
        """Returns the list of messages that arrived within `duration` s (normally [])."""
        return gather_for(self.recv_json, duration)

    def wait_closed(self, timeout=DEFAULT_TIMEOUT):
        """Read until the server closes; returns (code, reason, messages received before)."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            try:
                got.append(self.recv(max(0.0, deadline - time.monotonic())))
            except ConnectionClosed as e:
                return e.code, e.reason, got

    # -- closing -------------------------------------------------------------
    def _send_quietly(self, opcode, payload):
        try:
            self.send_frame(opcode, payload)
        except OSError:
            pass

    def _shutdown(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def close(self, code=1000, reason="", timeout=2.0):
        """Send a close frame, wait (bounded) for the server's, close the socket."""
        if self.closed:
            self._shutdown()
            return
        self._send_quietly(OP_CLOSE, struct.pack("!H", code) + reason.encode("utf-8"))
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                frame = self.recv_frame(max(0.0, deadline - time.monotonic()))
                if frame.opcode == OP_CLOSE:
                    break
        except (ConnectionClosed, socket.timeout, OSError, WebSocketError):
            pass
        self.closed = True
        self._shutdown()

    def abort(self):
        """Drop the TCP connection without a close handshake."""
        self.closed = True
        self._shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------
# Server-Sent Events
# --------------------------------------------------------------------------

SSEEvent = collections.namedtuple("SSEEvent", ["id", "event", "data", "json"])


class SSEError(Exception):
    def __init__(self, message, response=None):
        super().__init__(message)
        self.response = response


class EventSource:
    """A text/event-stream reader on a raw socket (the body has no length: it ends
    with the connection)."""

    def __init__(self, sock, status, headers, buffered=b""):
        self.sock = sock
        self.status = status
        self.headers = headers
        self._buf = bytearray(buffered)
        self.comments = []
        self.retry = None
        self.last_event_id = None
        self.eof = False
        self._pending = {"id": None, "event": None, "data": []}

    @classmethod
    def connect(cls, port, path, token=None, last_event_id=None, headers=None,
                timeout=DEFAULT_TIMEOUT, host="127.0.0.1"):
        hdrs = collections.OrderedDict([("Host", "%s:%d" % (host, port)),
                                        ("Accept", "text/event-stream")])
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        if last_event_id is not None:
            hdrs["Last-Event-ID"] = str(last_event_id)
        for k, v in (headers or {}).items():
            for existing in [e for e in hdrs if e.lower() == k.lower()]:
                del hdrs[existing]
            if v is not None:
                hdrs[k] = v
        req = "GET %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.sendall(req.encode("utf-8"))
            deadline = time.monotonic() + timeout
            data = b""
            parsed = None
            while parsed is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SSEError("no response head within %.1f s" % timeout)
                sock.settimeout(remaining)
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    raise SSEError("no response head within %.1f s" % timeout)
                if not chunk:
                    raise SSEError("connection closed before a response head: %r" % data)
                data += chunk
                parsed = _parse_head(data)
            status, rhdrs, rest = parsed
            if status != 200:
                raise SSEError("event source answered %d" % status,
                               response=_read_http_error(sock, status, rhdrs, rest, deadline))
            ctype = rhdrs.get("content-type", "")
            if ctype.split(";")[0].strip().lower() != "text/event-stream":
                raise SSEError("200 with Content-Type %r" % ctype)
        except BaseException:
            sock.close()
            raise
        return cls(sock, status, rhdrs, rest)

    def _take_line(self):
        """One line (without its terminator: CRLF, LF or CR) from the buffer, or None."""
        buf = self._buf
        ends = [i for i in (buf.find(b"\n"), buf.find(b"\r")) if i >= 0]
        if not ends:
            return None
        i = min(ends)
        if buf[i] == 0x0D:
            if i + 1 >= len(buf) and not self.eof:
                return None  # a "\r" may still be followed by "\n"
            end = i + 2 if i + 1 < len(buf) and buf[i + 1] == 0x0A else i + 1
        else:
            end = i + 1
        line = bytes(buf[:i]).decode("utf-8", "replace")
        del buf[:end]
        return line

    def _process_line(self, line):
        """Returns ("event", SSEEvent) / ("comment", text) when `line` completes one, else None."""
        p = self._pending
        if line == "":
            if not p["data"]:
                self._pending = {"id": None, "event": None, "data": []}
                return None
            data = "\n".join(p["data"])
            try:
                parsed = json.loads(data)
            except ValueError:
                parsed = None
            ev = SSEEvent(self.last_event_id, p["event"] or "message", data, parsed)
            self._pending = {"id": None, "event": None, "data": []}
            return "event", ev
        if line.startswith(":"):
            text = line[1:]
            if text.startswith(" "):
                text = text[1:]
            self.comments.append(text)
            return "comment", text
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            p["data"].append(value)
        elif field == "id":
            if "\0" not in value:
                self.last_event_id = value
        elif field == "event":
            p["event"] = value
        elif field == "retry":
            if value.isdigit():
                self.retry = int(value)
        return None

    def next_item(self, timeout=DEFAULT_TIMEOUT):
        """The next event or comment: ("event", SSEEvent) or ("comment", text);
        socket.timeout if none in time, EOFError when the stream has ended."""
        deadline = time.monotonic() + timeout
        while True:
            line = self._take_line()
            if line is not None:
                item = self._process_line(line)
                if item is not None:
                    return item
                continue
            if self.eof:
                raise EOFError("event stream ended")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("no SSE event within the timeout")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ConnectionAbortedError):
                chunk = b""
            if not chunk:
                self.eof = True
                continue
            self._buf += chunk

    def next_event(self, timeout=DEFAULT_TIMEOUT):
        """The next dispatched event (comments are collected in self.comments)."""
        deadline = time.monotonic() + timeout
        while True:
            kind, item = self.next_item(max(0.0, deadline - time.monotonic()))
            if kind == "event":
                return item

    def next_json(self, timeout=DEFAULT_TIMEOUT):
        ev = self.next_event(timeout)
        if ev.json is None:
            raise SSEError("event data is not JSON: %r" % ev.data)
        return ev

    def events(self, n, timeout=DEFAULT_TIMEOUT):
        """Exactly `n` events (SSEEvent) within `timeout` s in total."""
        return collect(self.next_json, n, timeout, "SSE events")

    def expect_silence(self, duration=1.0):
        """Events that arrived within `duration` s (normally [])."""
        return gather_for(self.next_event, duration)

    def wait_comment(self, predicate, timeout=DEFAULT_TIMEOUT):
        """Read (bounded) until a comment matching `predicate` arrives (also looks at
        comments already seen); returns it.  Events read meanwhile go to self.skipped."""
        self.skipped = []
        for c in self.comments:
            if predicate(c):
                return c
        deadline = time.monotonic() + timeout
        while True:
            try:
                kind, item = self.next_item(max(0.0, deadline - time.monotonic()))
            except socket.timeout:
                raise socket.timeout("no matching SSE comment; comments=%r" % self.comments)
            if kind == "comment" and predicate(item):
                return item
            if kind == "event":
                self.skipped.append(item)

    def read_to_end(self, timeout=DEFAULT_TIMEOUT):
        """Events until the server ends the stream; socket.timeout if it does not."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            try:
                kind, item = self.next_item(max(0.0, deadline - time.monotonic()))
            except EOFError:
                return got
            if kind == "event":
                got.append(item)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
