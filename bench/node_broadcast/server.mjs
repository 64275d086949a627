// Minimal `ws` broadcast server: the Node.js baseline for bench/fanout_bench.sh.
//
//   node server.mjs [PORT]   (0 or none: any free port; prints `listening on 127.0.0.1:PORT`)
//
// WebSocket clients connect on any path. POST /publish with a JSON body {"type","text"} wraps
// it like a Paddock `message.created` event, serializes it once and sends it to every client.
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const vehicleId = 'veh_01JDQ3Z6V7W8X9Y0Z1A2B3C4D5';
let seq = 0;

function broadcast(body) {
  seq += 1;
  const message = {
    id: `msg_01JDQ3Z6V7W8X9Y0Z1A${String(seq).padStart(7, '0')}`,
    vehicle_id: vehicleId,
    seq,
    type: body.type,
    text: body.text,
    attributes: body.attributes ?? {},
    author_role: 'owner',  // what Paddock's feed frame carries
    created_at: new Date().toISOString(),
    updated_at: null,
  };
  const event = { cursor: String(seq), type: 'message.created', vehicle_id: vehicleId, message };
  const frame = Buffer.from(JSON.stringify(event));
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(frame, { binary: false });
  }
  return message;
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/publish') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const message = broadcast(body);
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(message));
  });
});

const wss = new WebSocketServer({ server, perMessageDeflate: false });

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
