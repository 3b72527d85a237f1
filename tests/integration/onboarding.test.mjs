// Account setup: onboarding through loadCodeAssist -> onboardUser -> operation polling, the states of accounts
// Google refuses (ineligible, validation_required), projects named at import, and the `creds list --json` shape.

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';

import { setupGateway, call, userText, waitFor, DEFAULT_ACCOUNT } from '../lib/harness.mjs';

const PATH = '/v1beta/models/gemini-2.5-pro:generateContent';
const BODY = { contents: [userText('setup')] };
const ENV = { GCLI_GATEWAY_ONBOARD_POLL_MS: '50' };  // gemini-cli polls every 5 s; tests need not wait that long
let ctx;

afterEach(async () => { await ctx?.close(); ctx = null; });

const start = (accounts, extra = {}) => setupGateway({ accounts, env: ENV, ...extra });
const creds_state = (state) => waitFor(async () => (await ctx.credsList()).find((c) => c.state === state),
  { timeoutMs: 5000, message: `a credential in state ${state}` });

test('an account that is not onboarded is onboarded, then served under the project Google assigns', { timeout: 30000 }, async () => {
  ctx = await start([{ refreshToken: '1//fresh', email: 'fresh@example.com', project: 'managed-project', tier: 'free-tier', onboarded: false, onboardPolls: 1 }]);
  const r = await call(ctx.gw, PATH, { key: ctx.key, body: BODY });
  assert.equal(r.status, 200, ctx.report(r));
  const rpcs = ctx.fake.requests().map((q) => q.rpc);
  const at = (rpc) => rpcs.indexOf(rpc);
  assert.ok(at('loadCodeAssist') >= 0 && at('loadCodeAssist') < at('onboardUser'), rpcs.join(' '));
  const onboard = ctx.fake.requests({ rpc: 'onboardUser' })[0].body;
  assert.equal(onboard.tierId, 'free-tier');
  assert.equal(onboard.cloudaicompanionProject, undefined, 'free tier is onboarded without a project');
  const polled = rpcs.includes('getOperation') || ctx.fake.requests({ rpc: 'onboardUser' }).length > 1;
  assert.ok(polled, 'the operation is polled until done');
  assert.equal(ctx.fake.lastGenerate().body.project, 'managed-project');
  const cred = (await ctx.credsList())[0];
  assert.equal(cred.state, 'active');
  assert.equal(cred.project, 'managed-project');
  assert.equal(cred.tier, 'free-tier');
});

test('an UNSUPPORTED_CLIENT account is marked ineligible, with the reason, and is not used', async () => {
  ctx = await start([{ refreshToken: '1//individual', email: 'individual@example.com', ineligible: { reasonCode: 'UNSUPPORTED_CLIENT' } }]);
  const r = await call(ctx.gw, PATH, { key: ctx.key, body: BODY });
  assert.notEqual(r.status, 200, ctx.report(r));
  assert.notEqual(r.status, 500, ctx.report(r));
  assert.equal(ctx.fake.generateRequests().length, 0, 'no generate call is made with an ineligible account');
  const cred = await creds_state('ineligible');
  assert.match(cred.reason, /UNSUPPORTED_CLIENT|no longer supported/);
});

test('a VALIDATION_REQUIRED account shows validation_required with the URL', async () => {
  const url = 'https://accounts.google.com/signin/continue?sarp=1&scc=1&plt=FAKE';
  ctx = await start([{ refreshToken: '1//verify', email: 'verify@example.com', ineligible: { reasonCode: 'VALIDATION_REQUIRED', validationUrl: url } }]);
  const r = await call(ctx.gw, PATH, { key: ctx.key, body: BODY });
  assert.notEqual(r.status, 200, ctx.report(r));
  const cred = await creds_state('validation_required');
  assert.equal(cred.url, url);
  assert.equal(typeof cred.reason, 'string');
});

test('an account that needs a project is served with the --project given at import', async () => {
  const account = { refreshToken: '1//corp', email: 'dev@corp.example', project: 'corp-project', projectFromServer: false };
  ctx = await start([account], { creds: [{ refreshToken: account.refreshToken, project: 'corp-project' }] });
  const r = await call(ctx.gw, PATH, { key: ctx.key, body: BODY });
  assert.equal(r.status, 200, ctx.report(r));
  const load = ctx.fake.requests({ rpc: 'loadCodeAssist' })[0].body;
  assert.equal(load.cloudaicompanionProject, 'corp-project');
  assert.equal(ctx.fake.lastGenerate().body.project, 'corp-project');
});

test('an account that needs a project and has none is needs_project', async () => {
  ctx = await start([{ refreshToken: '1//corp2', email: 'dev2@corp.example', project: 'corp-project', projectFromServer: false }]);
  const r = await call(ctx.gw, PATH, { key: ctx.key, body: BODY });
  assert.notEqual(r.status, 200, ctx.report(r));
  assert.equal(ctx.fake.generateRequests().length, 0);
  await creds_state('needs_project');
});

test('creds list --json describes each credential', async () => {
  ctx = await start([DEFAULT_ACCOUNT]);
  const r = await call(ctx.gw, PATH, { key: ctx.key, body: BODY });
  assert.equal(r.status, 200, ctx.report(r));
  const list = await ctx.credsList();
  assert.equal(list.length, 1);
  const c = list[0];
  assert.ok(['number', 'string'].includes(typeof c.id), `id: ${JSON.stringify(c.id)}`);
  assert.equal(c.email, DEFAULT_ACCOUNT.email);
  assert.equal(c.project, DEFAULT_ACCOUNT.project);
  assert.equal(c.tier, 'standard-tier');
  assert.equal(c.state, 'active');
  assert.equal(typeof c.reason, 'string');
  assert.ok(c.url === null || typeof c.url === 'string');
  assert.equal(typeof c.expiry, 'number');
  assert.ok(c.expiry > Date.now() && c.expiry < Date.now() + 2 * 3600 * 1000, `expiry is epoch ms: ${c.expiry}`);
  assert.equal(JSON.stringify(list).includes(DEFAULT_ACCOUNT.refreshToken), false, 'no refresh token in the listing');
});
