// A charge point Paddock did not write: npm `ocpp-rpc` (RPCClient, strict mode: every payload
// validated against the OCPP 1.6 schemas in both directions), driven line by line from stdin.
//
//   node ocpp_peer.mjs URL IDENTITY PASSWORD [STRICT]
//
// URL is the central system's base, e.g. ws://127.0.0.1:PORT/ocpp; PASSWORD "-" sends none.
// STRICT "0" turns strict mode off (for frames strict mode would refuse to send).
// Commands (one JSON object per stdin line) and what each prints (one JSON object per line):
//   {"op":"call","action":A,"payload":P}   -> {"kind":"result","action":A,"result":R}
//                                             or {"kind":"call_error","action":A,"code":C,"message":M}
//   {"op":"calls","calls":[[A,P],...]}     -> the same, for calls sent concurrently
//   {"op":"raw","text":T}                  -> nothing; inbound frames print as {"kind":"inbound"}
//   {"op":"answer","action":A,"result":R}  -> later server CALLs of A are answered with R
//   {"op":"answer","action":A,"error":C}   ... or refused with the CallError C
//   {"op":"close"}                         -> closes, prints {"kind":"close",...}, exits 0
// Also printed: {"kind":"open","protocol":..} once connected, {"kind":"connect_error",
// "status":S,"message":M} (exit 3), {"kind":"server_call","action":A,"params":P} for each CALL
// the central system makes, {"kind":"strict_failure",...} and {"kind":"close","code":C,"reason":R}.
import readline from 'node:readline';
import ocpp from 'ocpp-rpc';

const { RPCClient, createRPCError } = ocpp;
const [url, identity, password, strictArg] = process.argv.slice(2);
if (!url || !identity) {
  process.stderr.write('usage: node ocpp_peer.mjs URL IDENTITY PASSWORD [STRICT]\n');
  process.exit(64);
}

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
function exit(code) {
  process.stdout.write('', () => process.exit(code));
}

const client = new RPCClient({
  endpoint: url,
  identity,
  password: password && password !== '-' ? password : undefined,
  protocols: ['ocpp1.6'],
  strictMode: strictArg !== '0',
  reconnect: false,
  callTimeoutMs: 10000,
  callConcurrency: 4,  // lets a test send a second CALL before the first is answered
});

const answers = new Map();
client.handle(({ method, params }) => {
  out({ kind: 'server_call', action: method, params });
  const answer = answers.get(method);
  if (!answer) throw createRPCError('NotImplemented', `no answer set for ${method}`);
  if (answer.error) throw createRPCError(answer.error, 'refused by the test');
  return answer.result;
});
client.on('message', ({ message, outbound }) => {
  if (!outbound) {
    let parsed = null;
    try { parsed = JSON.parse(message); } catch { /* printed as null */ }
    out({ kind: 'inbound', message: parsed });
  }
});
client.on('strictValidationFailure', ({ method, error, outbound, isCall }) => {
  out({ kind: 'strict_failure', action: method, outbound, isCall, message: String(error.message) });
});
client.on('close', ({ code, reason }) => {
  out({ kind: 'close', code, reason: String(reason || '') });
  exit(0);
});

async function call(action, payload) {
  try {
    const result = await client.call(action, payload);
    out({ kind: 'result', action, result });
  } catch (err) {
    out({ kind: 'call_error', action, code: err.rpcErrorCode || err.name, message: String(err.message) });
  }
}

try {
  await client.connect();
  out({ kind: 'open', protocol: client.protocol });
} catch (err) {
  out({ kind: 'connect_error', status: err.code ?? null, message: String(err.message) });
  exit(3);
}

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const command = JSON.parse(line);
  if (command.op === 'call') {
    await call(command.action, command.payload);
  } else if (command.op === 'calls') {
    await Promise.all(command.calls.map(([action, payload]) => call(action, payload)));
  } else if (command.op === 'raw') {
    client.sendRaw(command.text);
  } else if (command.op === 'answer') {
    answers.set(command.action, { result: command.result, error: command.error });
    out({ kind: 'answer_set', action: command.action });
  } else if (command.op === 'close') {
    await client.close({ code: 1000, reason: 'peer done' });
  }
}
await client.close({ code: 1000, reason: 'stdin closed' }).catch(() => {});
exit(0);
