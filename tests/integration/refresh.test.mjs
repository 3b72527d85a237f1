// OAuth token refresh: expired credentials are refreshed before use, once for many concurrent requests, and a
// revoked refresh token takes the credential out of service (needs_login) with a 503-class answer.

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';

import { setupGateway, call, userText, waitFor, DEFAULT_ACCOUNT } from '../lib/harness.mjs';

const RT = DEFAULT_ACCOUNT.refreshToken;
const PATH = '/v1beta/models/gemini-2.5-pro:generateContent';
const BODY = { contents: [userText('refresh')] };
let ctx;

afterEach(async () => { await ctx?.close(); ctx = null; });

test('an expired credential is refreshed through /token before use', async () => {
  ctx = await setupGateway({ creds: [{ refreshToken: RT, expired: true }] });
  const r = await call(ctx.gw, PATH, { key: ctx.key, body: BODY });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(ctx.fake.stats().refreshes[RT], 1);
  const token_call = ctx.fake.requests({ path: '/token' })[0];
  assert.equal(token_call.body.grant_type, 'refresh_token');
  assert.match(ctx.fake.lastGenerate().headers.authorization, /^Bearer ya29\.fake-/);
});

test('a fresh credential is used without a refresh', async () => {
  ctx = await setupGateway();
  const r = await call(ctx.gw, PATH, { key: ctx.key, body: BODY });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(ctx.fake.stats().refreshes[RT] ?? 0, 0);
});

test('20 concurrent requests on an expired credential cause exactly one refresh', async () => {
  ctx = await setupGateway({ creds: [{ refreshToken: RT, expired: true }], fakeOptions: { tokenDelayMs: 300 } });
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call(ctx.gw, PATH, { key: ctx.key, body: { contents: [userText(`n${i}`)] } })));
  for (const r of results) assert.equal(r.status, 200, ctx.report(r));
  assert.equal(ctx.fake.stats().refreshes[RT], 1, 'single-flight refresh');
  assert.equal(ctx.fake.generateRequests().length, 20);
});

test('a revoked refresh token marks the credential needs_login and the request fails with 503, not 500', async () => {
  ctx = await setupGateway({ accounts: [{ ...DEFAULT_ACCOUNT, revoked: true }], creds: [{ refreshToken: RT, expired: true }] });
  const r = await call(ctx.gw, PATH, { key: ctx.key, body: BODY });
  assert.ok([502, 503].includes(r.status), `status ${r.status}: ${ctx.report(r)}`);
  assert.equal(r.json?.error?.code, r.status, r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.equal(typeof r.json.error.status, 'string');
  assert.doesNotMatch(r.text, /1\/\/fake-refresh/, 'the refresh token is not echoed');
  assert.equal(ctx.fake.generateRequests().length, 0);
  await waitFor(async () => (await ctx.credsList()).find((c) => c.state === 'needs_login'), { timeoutMs: 3000, message: 'state needs_login' });
});
