// Graceful shutdown: on SIGTERM the gateway stops accepting connections, lets the stream in flight finish, and exits 0.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';

import { setupGateway, parseSSE, textEvents, textOf, sleep } from '../lib/harness.mjs';

let ctx;
after(async () => { await ctx?.close(); });

const connect_result = (port) => new Promise((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port });
  s.once('connect', () => { s.destroy(); resolve('connected'); });
  s.once('error', (e) => resolve(e.code));
});

test('SIGTERM lets a slow stream finish, refuses new connections and exits 0', { timeout: 20000 }, async () => {
  ctx = await setupGateway();
  ctx.fake.script({ sse: textEvents(['a ', 'b ', 'c ', 'd ', 'e'], { delayMs: 250 }) });
  const { gw } = ctx;
  let first_event;
  const first = new Promise((r) => { first_event = r; });
  const stream = new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: gw.port, method: 'POST', agent: false,
      path: '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': ctx.key },
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; if (text.includes('data:')) first_event(); });
      res.on('end', () => resolve({ status: res.statusCode, text, complete: res.complete }));
      res.on('error', (e) => reject(e));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'slow' }] }] }));
  });
  await first;
  gw.proc.kill('SIGTERM');
  await sleep(200);
  assert.equal(await connect_result(gw.port), 'ECONNREFUSED', `new connections are refused during the drain\n${gw.logs()}`);
  const r = await stream;
  assert.equal(r.status, 200);
  assert.ok(r.complete, 'the stream ended cleanly');
  const events = parseSSE(r.text);
  assert.equal(textOf(events.map((e) => e.data)), 'a b c d e', r.text);
  assert.equal(events.at(-1).data.candidates[0].finishReason, 'STOP');
  const exit = await Promise.race([gw.waitExit(), sleep(10000).then(() => null)]);
  assert.ok(exit, `the gateway exits after the drain\n${gw.logs()}`);
  assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}\n${gw.logs()}`);
});
