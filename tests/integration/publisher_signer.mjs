// A publisher's signer Paddock did not write: npm's http-message-signatures (RFC 9421), pinned
// by package-lock.json. Reads {method, url, body, keyid, secret | ed25519_pkcs8_b64, nonce,
// created?} as JSON on stdin and prints the request's signing headers as JSON.
import { createHash, createPrivateKey } from 'node:crypto';
import { httpbis, createSigner } from 'http-message-signatures';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));

const headers = {};
const fields = ['@method', '@target-uri'];
if (input.body) {
  headers['Content-Digest'] =
      'sha-256=:' + createHash('sha256').update(input.body, 'utf8').digest('base64') + ':';
  fields.push('content-digest');
}
const key = input.secret !== undefined
  ? createSigner(Buffer.from(input.secret, 'ascii'), 'hmac-sha256', input.keyid)
  : createSigner(createPrivateKey({ key: Buffer.from(input.ed25519_pkcs8_b64, 'base64'),
                                    format: 'der', type: 'pkcs8' }), 'ed25519', input.keyid);
const paramValues = { nonce: input.nonce };
if (input.created !== undefined) paramValues.created = new Date(input.created * 1000);
const signed = await httpbis.signMessage({
  key,
  fields,
  params: ['created', 'nonce', 'keyid', 'alg'],
  paramValues,
}, { method: input.method, url: input.url, headers });
process.stdout.write(JSON.stringify(signed.headers));
