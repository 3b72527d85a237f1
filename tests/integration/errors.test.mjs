// Upstream failures as the client sees them: a 400 passed through, a connection cut mid-stream surfaced as an
// error (never as a finished answer), and a client abort cancelling the upstream request.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import {
  setupGateway, call, parseSSE, readBody, textEvents, textOf, userText, waitFor, googleErrors,
} from '../lib/harness.mjs';

let ctx;

before(async () => { ctx = await setupGateway(); });
after(async () => { await ctx?.close(); });
beforeEach(() => ctx?.fake.reset());

const PATH = '/v1beta/models/gemini-2.5-pro';
const BODY = { contents: [userText('errors')] };
const error_of = (json) => (Array.isArray(json) ? json[0]?.error : json?.error);

test('an upstream 400 reaches the client as 400 with Google\'s message', async () => {
  const message = 'Request contains an invalid argument.';
  for (const suffix of [':generateContent', ':streamGenerateContent?alt=sse']) {
    ctx.fake.script({ status: 400, body: googleErrors.google_error(400, message) });
    const r = await call(ctx.gw, PATH + suffix, { key: ctx.key, body: BODY });
    assert.equal(r.status, 400, ctx.report(r));
    const err = error_of(r.json);
    assert.equal(err?.code, 400, r.text);
    assert.equal(err.status, 'INVALID_ARGUMENT');
    assert.ok(err.message.includes(message), err.message);
  }
});

test('an upstream cut mid-stream ends the SSE stream with an error, never with a finished answer', async () => {
  ctx.fake.script({ sse: textEvents(['part one ', 'part two ', 'never sent'], { delayMs: 100 }), resetAfter: 2 });
  const res = await call(ctx.gw, `${PATH}:streamGenerateContent?alt=sse`, { key: ctx.key, body: BODY, raw: true });
  assert.equal(res.status, 200);
  const { text, error } = await readBody(res);
  const events = parseSSE(text);
  const data = events.map((e) => e.data).filter((d) => d && typeof d === 'object');
  assert.equal(textOf(data.filter((d) => d.candidates)), 'part one part two ', text);
  assert.ok(!data.some((d) => d.candidates?.some((c) => c.finishReason)), `no finishReason may be invented: ${text}`);
  const signalled = error !== null
    || events.some((e) => e.event === 'error' || (e.data && typeof e.data === 'object' && e.data.error))
    || /^\{"error"/m.test(text);
  assert.ok(signalled, `the stream must end with an error: ${JSON.stringify(text)}`);
});

test('an upstream cut mid-stream leaves the JSON array framing incomplete', async () => {
  ctx.fake.script({ sse: textEvents(['part one ', 'part two ', 'never sent'], { delayMs: 100 }), resetAfter: 2 });
  const res = await call(ctx.gw, `${PATH}:streamGenerateContent`, { key: ctx.key, body: BODY, raw: true });
  assert.equal(res.status, 200);
  const { text, error } = await readBody(res);
  let complete = false;
  try {
    const arr = JSON.parse(text);
    complete = Array.isArray(arr) && !arr.some((e) => e && e.error);
  } catch { /* an unterminated array is the expected outcome */ }
  assert.ok(error !== null || !complete, `the array must not look complete: ${JSON.stringify(text)}`);
  assert.match(text, /part one/);
});

test('a client abort mid-stream cancels the upstream request within a second', async () => {
  ctx.fake.script({ sse: [...textEvents(['first ', 'much later'], { delayMs: 10000 })] });
  const ac = new AbortController();
  const res = await call(ctx.gw, `${PATH}:streamGenerateContent?alt=sse`, { key: ctx.key, body: BODY, raw: true, signal: ac.signal });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  let seen = '';
  while (!seen.includes('first')) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the first event arrives');
    seen += Buffer.from(value).toString();
  }
  const t0 = Date.now();
  ac.abort();
  const up = await waitFor(() => ctx.fake.generateRequests().find((r) => r.aborted), { timeoutMs: 1500, message: 'the upstream request to be aborted' });
  assert.ok(up.abortedAt - t0 <= 1200, `upstream aborted ${up.abortedAt - t0} ms after the client`);
});
