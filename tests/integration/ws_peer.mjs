// A WebSocket peer we did not write: the npm `ws` client against Paddock's /v1/stream.
//
//   node ws_peer.mjs PORT TOKEN CURSOR [FRAMES] [TIMEOUT_MS] [MODE]
//
// CURSOR "-" means none (live from now). FRAMES: exit after this many received frames
// (the ready frame included); 0 = until the server closes. MODE: "header" (default:
// Authorization header on the upgrade) or "inband" (first text frame {"type":"auth"}).
//
// Prints one JSON object per line on stdout:
//   {"kind":"upgrade","status":101,"request_id":...}  handshake answered
//   {"kind":"open"}                                    connection open
//   {"kind":"pong","data":"interop"}                   answer to our ping
//   {"kind":"frame","binary":false,"bytes":N,"data":<parsed JSON or null>}
//   {"kind":"http","status":S,"headers":{...},"body":"..."}  non-101 answer
//   {"kind":"close","code":C,"reason":"..."}
//   {"kind":"error","message":"..."} / {"kind":"timeout","frames":N}
// Exit codes: 0 frames received or server closed, 2 timeout, 3 HTTP error, 4 error.
import WebSocket from 'ws';

const [port, token, cursor, framesArg, timeoutArg, modeArg] = process.argv.slice(2);
if (!port) {
  process.stderr.write('usage: node ws_peer.mjs PORT TOKEN CURSOR [FRAMES] [TIMEOUT_MS] [MODE]\n');
  process.exit(64);
}
const wanted = parseInt(framesArg || '0', 10);
const timeoutMs = parseInt(timeoutArg || '10000', 10);
const mode = modeArg || 'header';
const query = cursor && cursor !== '-' ? `?cursor=${encodeURIComponent(cursor)}` : '';
const url = `ws://127.0.0.1:${port}/v1/stream${query}`;
const headers = mode === 'inband' ? {} : { Authorization: `Bearer ${token}` };

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const ws = new WebSocket(url, { headers, handshakeTimeout: 5000, maxPayload: 4 * 1024 * 1024 });
let frames = 0;
let finishing = false;

function exit(code) {
  // Let stdout drain before leaving.
  process.stdout.write('', () => process.exit(code));
}

function finish(code) {
  if (finishing) return;
  finishing = true;
  clearTimeout(timer);
  if (ws.readyState === WebSocket.OPEN) {
    ws.once('close', () => exit(code));
    ws.close(1000, 'peer done');
    setTimeout(() => exit(code), 3000).unref();
  } else {
    exit(code);
  }
}

const timer = setTimeout(() => {
  out({ kind: 'timeout', frames });
  finish(2);
}, timeoutMs);

ws.on('upgrade', (res) => {
  out({ kind: 'upgrade', status: res.statusCode, request_id: res.headers['x-request-id'] || null });
});

ws.on('unexpected-response', (req, res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => { body += chunk; });
  res.on('end', () => {
    out({ kind: 'http', status: res.statusCode, headers: res.headers, body });
    finishing = true;
    clearTimeout(timer);
    req.destroy();
    exit(3);
  });
});

ws.on('open', () => {
  out({ kind: 'open' });
  if (mode === 'inband') ws.send(JSON.stringify({ type: 'auth', token }));
  ws.ping('interop');
});

ws.on('pong', (data) => out({ kind: 'pong', data: data.toString('utf8') }));

ws.on('message', (data, isBinary) => {
  frames += 1;
  let parsed = null;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch (e) {
    parsed = null;
  }
  out({ kind: 'frame', binary: isBinary, bytes: data.length, data: parsed });
  if (wanted > 0 && frames >= wanted) finish(0);
});

ws.on('close', (code, reason) => {
  out({ kind: 'close', code, reason: reason.toString('utf8') });
  if (!finishing) {
    finishing = true;
    clearTimeout(timer);
    exit(0);
  }
});

ws.on('error', (err) => {
  if (finishing) return;
  out({ kind: 'error', message: String((err && err.message) || err) });
  finish(4);
});
