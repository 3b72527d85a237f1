// Upstream 429s with RetryInfo become client 429s with Retry-After (whole seconds, rounded up). Each test uses its
// own model, so a cooldown one test causes cannot leak into the next.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import { setupGateway, call, userText, googleErrors } from '../lib/harness.mjs';

let ctx;

before(async () => { ctx = await setupGateway(); });
after(async () => { await ctx?.close(); });
beforeEach(() => ctx?.fake.reset());

const BODY = { contents: [userText('quota')] };

function assert_429(r, min, max) {
  assert.equal(r.status, 429, ctx.report(r));
  const err = Array.isArray(r.json) ? r.json[0]?.error : r.json?.error;
  assert.equal(err?.code, 429, r.text);
  assert.equal(err.status, 'RESOURCE_EXHAUSTED');
  const ra = r.headers.get('retry-after');
  assert.match(String(ra), /^\d+$/, `Retry-After is whole seconds: ${ra}`);
  assert.ok(Number(ra) >= min && Number(ra) <= max, `Retry-After ${ra} not in [${min}, ${max}]`);
}

test('a daily-quota 429 becomes a 429 whose Retry-After is the RetryInfo delay rounded up', { timeout: 30000 }, async () => {
  const model = 'gemini-2.5-flash';
  ctx.fake.script({ model, status: 429, body: googleErrors.quota_exhausted(model, '21599.960323804s'), times: 20 });
  const r = await call(ctx.gw, `/v1beta/models/${model}:generateContent`, { key: ctx.key, body: BODY });
  assert_429(r, 21599, 21600);
});

test('a rate-limit 429 on a stream is an HTTP 429 with Retry-After, not an SSE body', { timeout: 30000 }, async () => {
  const model = 'gemini-2.5-flash-lite';
  ctx.fake.script({ model, status: 429, body: googleErrors.rate_limited(model, '1.2s'), times: 50 });
  const r = await call(ctx.gw, `/v1beta/models/${model}:streamGenerateContent?alt=sse`, { key: ctx.key, body: BODY });
  assert_429(r, 1, 2);
  assert.doesNotMatch(r.headers.get('content-type') || '', /event-stream/);
});
