// Header and keep-alive idle timeouts: a client that sends half a request, or stays idle on a keep-alive
// connection, is disconnected once the configured time has passed (no slowloris, no idle sockets forever).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { setupGateway } from '../lib/harness.mjs';

let ctx;
before(async () => {
  ctx = await setupGateway({ env: { GCLI_GATEWAY_HEADER_TIMEOUT_MS: '300', GCLI_GATEWAY_IDLE_TIMEOUT_MS: '300' } });
});
after(async () => { await ctx?.close(); });

// Writes `text`, then resolves with how long the gateway took to close the connection and what it sent.
function until_closed(text, limitMs = 5000) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    let got = '';
    const s = net.connect(ctx.gw.port, '127.0.0.1', () => s.write(text));
    s.on('data', (d) => { got += d; });
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(t); resolve({ ms: Date.now() - start, got }); });
    const t = setTimeout(() => { s.destroy(); reject(new Error(`connection still open after ${limitMs} ms`)); }, limitMs);
  });
}

test('a request whose headers never finish is dropped after the header timeout', async () => {
  const r = await until_closed('POST /v1beta/models/gemini-2.5-pro:generateContent HTTP/1.1\r\nHost: x\r\n');
  assert.ok(r.ms >= 250 && r.ms < 3000, `closed after ${r.ms} ms`);
  assert.equal(r.got, '');
});

test('an idle keep-alive connection is closed after the idle timeout, after its answer', async () => {
  const r = await until_closed('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(r.got, /^HTTP\/1\.1 200 /);
  assert.ok(r.ms >= 250 && r.ms < 3000, `closed after ${r.ms} ms`);
});

test('pipelined requests on one connection are all answered in order', async () => {
  const r = await until_closed('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n'
    + 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const statuses = [...r.got.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '200', '200']);
});
