// Shutdown regressions (review of 4d26429): pooled upstream sockets are closed while their io_context still
// exists (exit 0, no sanitizer report), and the control worker (thread 0, which runs token refreshes) stops
// only after the other workers drained, so a request on worker 1 that needs a refresh during the drain completes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import {
  startFakeGoogle, tempDir, importCreds, createKey, startGateway, makeCreds, rawRequest, parseSSE, textEvents,
  textOf, userText, waitFor, sleep, DEFAULT_ACCOUNT,
} from '../lib/harness.mjs';

const GENERATE = '/v1beta/models/gemini-2.5-pro:generateContent';
const STREAM = '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse';
const SANITIZER = /AddressSanitizer|LeakSanitizer|runtime error:|heap-use-after-free|SEGV/;

// For assertion messages: the sanitizer report from its start when there is one, else the log's tail.
function log_excerpt(gw) {
  const logs = gw.logs();
  const i = logs.search(/==\d+==ERROR|runtime error:|Assertion .* failed/);
  return i >= 0 ? logs.slice(Math.max(0, logs.lastIndexOf('\n', i)), i + 4000) : logs.slice(-3000);
}

// Records, for every request the fake receives, the client port of the socket it came on: each gateway worker
// has its own upstream connection pool, so the port tells which worker sent a request.
function record_ports(fake) {
  const seen = [];
  fake.server.on('request', (req) => seen.push({ path: req.url.split('?')[0], port: req.socket.remotePort }));
  return seen;
}

// Starts a gateway (own fake, one credential) without setupGateway so the fake's records can be split into
// "before the gateway" (CLI) and "the gateway's".
async function start({ expired = false, env = {} } = {}) {
  const fake = await startFakeGoogle();
  const ports = record_ports(fake);
  const dataDir = tempDir('gcg-data-');
  await importCreds(dataDir, makeCreds(fake, DEFAULT_ACCOUNT.refreshToken, { expired }), { fake });
  const key = await createKey({ dataDir, fake });
  const mark = ports.length;
  const gw = await startGateway({ fake, dataDir, env });
  return { fake, gw, key, ports, mark };
}

// The promise's value, or null when it has not settled within ms (the timer does not keep the process alive).
function within(promise, ms) {
  let t;
  return Promise.race([promise, new Promise((r) => { t = setTimeout(() => r(null), ms); })]).finally(() => clearTimeout(t));
}

const generate_on = (gw, key, agent) => new Promise((resolve, reject) => {
  const req = http.request({
    host: '127.0.0.1', port: gw.port, method: 'POST', path: GENERATE, agent,
    headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
  }, (res) => {
    let text = '';
    res.on('data', (d) => { text += d; });
    res.on('end', () => resolve({ status: res.statusCode, text }));
    res.on('error', reject);
  });
  req.on('error', reject);
  req.end(JSON.stringify({ contents: [userText('probe')] }));
});

test('SIGTERM after requests left pooled upstream connections on both workers: exit 0, no sanitizer report', { timeout: 20000 }, async () => {
  const { fake, gw, key, ports, mark } = await start({ env: { GCLI_GATEWAY_THREADS: '2' } });
  try {
    // A fresh client connection per request: the kernel spreads them over both workers (SO_REUSEPORT).
    for (let i = 0; i < 8; i++) {
      const r = await rawRequest({ port: gw.port, method: 'POST', path: GENERATE, body: JSON.stringify({ contents: [userText(`n${i}`)] }),
        headers: { 'content-type': 'application/json', 'x-goog-api-key': key } });
      assert.equal(r.status, 200, r.body);
    }
    const upstream = new Set(ports.slice(mark).map((p) => p.port));
    assert.ok(upstream.size >= 1, 'the gateway holds pooled upstream connections');
    const exit = await gw.stop('SIGTERM', { timeoutMs: 15000 });
    assert.deepEqual(exit, { code: 0, signal: null }, log_excerpt(gw));
    assert.doesNotMatch(gw.logs(), SANITIZER, log_excerpt(gw));
  } finally {
    await gw.stop('SIGKILL');
    await fake.close();
  }
});

test('a request on worker 1 whose token refresh (on control worker 0) starts during the drain completes, and the gateway exits 0', { timeout: 30000 }, async () => {
  const { fake, gw, key, ports, mark } = await start({
    expired: true, env: { GCLI_GATEWAY_THREADS: '2', GCLI_GATEWAY_SHUTDOWN_GRACE_MS: '4000' },
  });
  const agents = [];
  try {
    // Worker 0 refreshed and set up the expired credential at start: its pooled connection is the control one.
    const setup = await waitFor(() => fake.state.requests.find((r) => r.rpc === 'loadCodeAssist' && r.completed), { message: 'startup setup' });
    assert.ok(setup);
    await sleep(50);  // its connection is back in worker 0's pool
    const control_port = ports.slice(mark).find((p) => p.path.endsWith('loadCodeAssist')).port;

    // Find a client connection the kernel gave to worker 1: its generate does not come on worker 0's pooled socket.
    let chosen = null;
    for (let i = 0; i < 20 && !chosen; i++) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      const before = ports.length;
      const r = await generate_on(gw, key, agent);
      assert.equal(r.status, 200, r.text);
      const p = ports.slice(before).find((q) => q.path.endsWith(':generateContent'));
      if (p.port !== control_port) chosen = agent;
    }
    assert.ok(chosen, 'one of 20 client connections landed on worker 1');
    for (const a of agents) if (a !== chosen) a.destroy();  // worker 0 keeps no connection: it drains at once
    await sleep(100);

    // The token is now refused (401): the request hops to worker 0 for a slow forced refresh, then streams.
    fake.expireTokens();
    fake.configure({ tokenDelayMs: 700 });
    fake.script({ sse: textEvents(['slow ', 'stream ', 'done'], { delayMs: 150 }) });
    const refreshes = fake.stats().refreshTotal;
    const stream = new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port: gw.port, method: 'POST', path: STREAM, agent: chosen,
        headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
      }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, text, complete: res.complete }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ contents: [userText('refresh during the drain')] }));
    });
    await waitFor(() => fake.state.requests.some((r) => r.path === '/token' && !r.completed), { message: 'the forced refresh' });
    gw.proc.kill('SIGTERM');
    const r = await stream.catch((e) => ({ error: e.message }));
    assert.equal(r.status, 200, `${JSON.stringify(r).slice(0, 500)}\n${log_excerpt(gw)}`);
    assert.ok(r.complete, 'the stream ended cleanly');
    assert.equal(textOf(parseSSE(r.text).map((e) => e.data)), 'slow stream done', r.text);
    assert.equal(fake.stats().refreshTotal, refreshes + 1);
    const exit = await within(gw.waitExit(), 10000);
    assert.deepEqual(exit, { code: 0, signal: null }, log_excerpt(gw));
    assert.doesNotMatch(gw.logs(), SANITIZER, log_excerpt(gw));
  } finally {
    for (const a of agents) a.destroy();
    await gw.stop('SIGKILL');
    await fake.close();
  }
});
