// Client authentication of the gateway: the four places a key may travel, and 401/403 with Google's error shape.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import { setupGateway, call, createKey, revokeKey, userText, waitFor } from '../lib/harness.mjs';

const PATH = '/v1beta/models/gemini-2.5-pro:generateContent';
const BODY = { contents: [userText('auth')] };
let ctx;

before(async () => { ctx = await setupGateway(); });
after(async () => { await ctx?.close(); });
beforeEach(() => ctx?.fake.reset());

function assert_google_error(r, code, status) {
  assert.equal(r.status, code, ctx.report(r));
  assert.equal(r.json?.error?.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0);
  if (status) assert.equal(r.json.error.status, status);
  else assert.equal(typeof r.json.error.status, 'string');
}

for (const [auth, label] of [['bearer', 'Authorization: Bearer'], ['goog', 'x-goog-api-key'], ['x-api-key', 'x-api-key'], ['query', '?key=']]) {
  test(`a key in ${label} is accepted`, async () => {
    const r = await call(ctx.gw, PATH, { key: ctx.key, auth, body: BODY });
    assert.equal(r.status, 200, ctx.report(r));
  });
}

test('a request without a key gets 401 with a Google error body and never reaches Google', async () => {
  assert_google_error(await call(ctx.gw, PATH, { body: BODY }), 401, 'UNAUTHENTICATED');
  assert_google_error(await call(ctx.gw, '/v1beta/models'), 401, 'UNAUTHENTICATED');
  assert_google_error(await call(ctx.gw, `/gemini_cli${PATH}`, { body: BODY }), 401, 'UNAUTHENTICATED');
  assert.equal(ctx.fake.generateRequests().length, 0);
});

test('a wrong key gets 401', async () => {
  for (const auth of ['bearer', 'goog', 'x-api-key', 'query']) {
    assert_google_error(await call(ctx.gw, PATH, { key: `${ctx.key}x`, auth, body: BODY }), 401);
  }
  assert_google_error(await call(ctx.gw, PATH, { key: 'gcg-not-a-key', body: BODY }), 401);
  assert.equal(ctx.fake.generateRequests().length, 0);
});

test('a revoked key gets 403', async () => {
  const key = await createKey(ctx.gw, 'to-revoke');
  await waitFor(async () => (await call(ctx.gw, PATH, { key, body: BODY })).status === 200, { timeoutMs: 3000, message: 'the new key to work' });
  await revokeKey(ctx.gw, 'to-revoke');
  const r = await waitFor(async () => {
    const res = await call(ctx.gw, PATH, { key, body: BODY });
    return res.status !== 200 ? res : null;
  }, { timeoutMs: 3000, message: 'the revoked key to be refused' });
  assert_google_error(r, 403, 'PERMISSION_DENIED');
  const ok = await call(ctx.gw, PATH, { key: ctx.key, body: BODY });
  assert.equal(ok.status, 200, 'other keys keep working');
});
