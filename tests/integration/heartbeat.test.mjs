// Heartbeats while the upstream is silent (long thinking): SSE comments for native SSE clients,
// insignificant whitespace inside a JSON-array stream; the data around them is unchanged.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import { setupGateway, call, parseSSE, readBody, textEvents, textOf, userText } from '../lib/harness.mjs';

let ctx;
before(async () => { ctx = await setupGateway({ env: { GCLI_GATEWAY_HEARTBEAT_MS: '100' } }); });
after(async () => { await ctx?.close(); });
beforeEach(() => ctx?.fake.reset());

const PATH = '/v1beta/models/gemini-2.5-pro:streamGenerateContent';
const BODY = { contents: [userText('think long')] };

test('a silent upstream gets SSE comment heartbeats and the events still arrive whole', async () => {
  ctx.fake.script({ sse: textEvents(['after ', 'silence'], { delayMs: 450 }) });
  const res = await call(ctx.gw, `${PATH}?alt=sse`, { key: ctx.key, body: BODY, raw: true });
  assert.equal(res.status, 200);
  const { text } = await readBody(res);
  const beats = text.split('\n').filter((l) => l.startsWith(': keep-alive')).length;
  assert.ok(beats >= 2, `expected heartbeats during ~900 ms of silence, got ${beats}: ${JSON.stringify(text)}`);
  const data = parseSSE(text).map((e) => e.data).filter((d) => d && typeof d === 'object');
  assert.equal(textOf(data), 'after silence');
});

test('a JSON-array stream stays one valid array with heartbeats in it', async () => {
  ctx.fake.script({ sse: textEvents(['after ', 'silence'], { delayMs: 450 }) });
  const res = await call(ctx.gw, PATH, { key: ctx.key, body: BODY, raw: true });
  const { text } = await readBody(res);
  const arr = JSON.parse(text);
  assert.ok(Array.isArray(arr));
  assert.equal(textOf(arr), 'after silence');
});
