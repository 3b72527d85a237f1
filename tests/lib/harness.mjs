// Test harness: starts the fake Google and the gcli-gateway binary on 127.0.0.1, drives the gateway's CLI
// (keys, creds), and offers small HTTP/SSE client helpers. Used by tests/integration and tests/clients.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startFakeGoogle as start_fake, CLIENT_ID, CLIENT_SECRET, SCOPE } from '../fake_google/server.mjs';

export { CLIENT_ID, CLIENT_SECRET };
export { field } from '../fake_google/validate.mjs';  // reads a proto-JSON field by camelCase or snake_case name
export { estimate_tokens } from '../fake_google/answers.mjs';
export * as googleErrors from '../fake_google/google_errors.mjs';
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_ACCOUNT = Object.freeze({ refreshToken: '1//fake-refresh-alice', email: 'alice@example.com', project: 'alice-project' });

// Everything started here dies with the test process, even when a test forgets to stop it.
const children = new Set();
const temp_dirs = new Set();
process.on('exit', () => {
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* already gone */ } }
  for (const d of temp_dirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ } }
});

export function gatewayBin() {
  return process.env.GCLI_GATEWAY_BIN || path.join(REPO, 'build/src/app/gcli-gateway');
}

function check_bin(bin) {
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    throw new Error(`gcli-gateway binary not found or not executable at ${bin}: build it `
      + '(cmake --build build --target gcli-gateway) or set GCLI_GATEWAY_BIN');
  }
}

export function tempDir(prefix = 'gcg-test-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temp_dirs.add(d);
  return d;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(fn, { timeoutMs = 5000, intervalMs = 25, message = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await sleep(intervalMs);
  }
}

// ---- fake Google --------------------------------------------------------------------------------------

// In-process fake (see tests/fake_google/README.md). Adds waitForRequest(pred) to its API.
export async function startFakeGoogle(opts = {}) {
  const fake = await start_fake({ accounts: [DEFAULT_ACCOUNT], ...opts });
  fake.waitForRequest = (pred, o = {}) => waitFor(() => fake.state.requests.find(pred), { message: 'an upstream request', ...o });
  fake.generateRequests = () => fake.state.requests.filter((r) => r.rpc === 'generateContent' || r.rpc === 'streamGenerateContent');
  fake.lastGenerate = () => fake.generateRequests().at(-1);
  return fake;
}

export function fakeEnv(fake) {
  return {
    GCLI_GATEWAY_CODE_ASSIST_ENDPOINT: fake.url,
    GCLI_GATEWAY_OAUTH_TOKEN_URL: `${fake.url}/token`,
    GCLI_GATEWAY_USERINFO_URL: `${fake.url}/oauth2/v2/userinfo`,
  };
}

// A gemini-cli oauth_creds.json object for a fake account: fresh (a token the fake issued) or expired.
export function makeCreds(fake, refreshToken, { expired = false } = {}) {
  if (expired) {
    return {
      access_token: `ya29.stale-${Math.random().toString(16).slice(2)}`, refresh_token: refreshToken, scope: SCOPE,
      token_type: 'Bearer', id_token: fake.idToken(refreshToken), expiry_date: Date.now() - 3600 * 1000,
    };
  }
  const t = fake.issueToken(refreshToken);
  return {
    access_token: t.access_token, refresh_token: refreshToken, scope: t.scope, token_type: 'Bearer',
    id_token: t.id_token, expiry_date: t.expiry_date,
  };
}

// ---- gateway process and CLI ----------------------------------------------------------------------------

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Without a fake, the Google URLs point at a refused loopback port: a test must never reach the real Google.
const NOWHERE = { url: 'http://127.0.0.1:9' };
function child_env(fake, env) {
  return { ...process.env, ...fakeEnv(fake || NOWHERE), ...(env || {}) };
}

// Runs `gcli-gateway <args>`; resolves {code, stdout, stderr}; rejects on a non-zero exit unless allowFailure.
export function runCli(args, { bin = gatewayBin(), fake, env, timeoutMs = 15000, allowFailure = false } = {}) {
  check_bin(bin);
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { env: child_env(fake, env), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', (e) => { clearTimeout(timer); children.delete(p); reject(e); });
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(p);
      const out = { code, signal, stdout, stderr };
      if ((code !== 0 || signal) && !allowFailure) {
        reject(new Error(`gcli-gateway ${args.join(' ')} exited ${signal || code}\nstdout: ${stdout}\nstderr: ${stderr}`));
      } else resolve(out);
    });
  });
}

// Accepts a started gateway or {bin, dataDir, fake?, env?}.
const cli_opts = (t) => ({ bin: t.bin || gatewayBin(), fake: t.fake, env: t.env });

export async function createKey(target, name = 'test') {
  const { stdout } = await runCli(['keys', 'create', '--data-dir', target.dataDir, '--name', name], cli_opts(target));
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (!lines.length) throw new Error('keys create printed no key');
  return lines.at(-1);
}

// `keys revoke --data-dir DIR <id-or-name>`; `--name NAME` is tried too when the positional form is refused.
export async function revokeKey(target, name) {
  const base = ['keys', 'revoke', '--data-dir', target.dataDir];
  const first = await runCli([...base, name], { ...cli_opts(target), allowFailure: true });
  if (first.code === 0) return first;
  return runCli([...base, '--name', name], cli_opts(target));
}

export async function importCreds(dataDir, credsObject, { project, bin, fake, env } = {}) {
  const dir = tempDir('gcg-creds-');
  const file = path.join(dir, 'oauth_creds.json');
  fs.writeFileSync(file, JSON.stringify(credsObject, null, 2), { mode: 0o600 });
  const args = ['creds', 'import', '--data-dir', dataDir];
  if (project) args.push('--project', project);
  args.push(file);
  return runCli(args, { bin, fake, env });
}

// `creds list --json`: one JSON object per line (a single JSON array is tolerated too).
export async function credsList(dataDir, { bin, fake, env } = {}) {
  const { stdout } = await runCli(['creds', 'list', '--data-dir', dataDir, '--json'], { bin, fake, env });
  const text = stdout.trim();
  if (!text) return [];
  if (text.startsWith('[')) return JSON.parse(text);
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => JSON.parse(l));
}

export async function startGateway({ fake, env, extraArgs = [], dataDir, bin = gatewayBin(), healthTimeoutMs = 20000 } = {}) {
  check_bin(bin);
  dataDir = dataDir || tempDir('gcg-data-');
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await spawn_gateway({ fake, env, extraArgs, dataDir, bin, port, healthTimeoutMs });
    } catch (e) {
      // Another process may take the port between freePort() and the gateway's bind; try a new one.
      if (attempt < 2 && /address (already )?in use|EADDRINUSE/i.test(String(e.message))) continue;
      throw e;
    }
  }
}

async function spawn_gateway({ fake, env, extraArgs, dataDir, bin, port, healthTimeoutMs }) {
  const args = ['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...extraArgs];
  const proc = spawn(bin, args, { env: child_env(fake, env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  let exited = null;
  const exit = new Promise((resolve) => {
    proc.once('exit', (code, signal) => { exited = { code, signal }; children.delete(proc); resolve(exited); });
    proc.once('error', (e) => { exited = { code: null, signal: null, error: e }; children.delete(proc); resolve(exited); });
  });
  const url = `http://127.0.0.1:${port}`;
  const gw = {
    url, port, dataDir, proc, bin, fake, env,
    logs: () => out,
    exited: () => exited,
    waitExit: () => exit,
    async stop(signal = 'SIGTERM', { timeoutMs = 10000 } = {}) {
      if (exited) return exited;
      proc.kill(signal);
      const t = setTimeout(() => { if (!exited) proc.kill('SIGKILL'); }, timeoutMs);
      const r = await exit;
      clearTimeout(t);
      return r;
    },
  };
  const deadline = Date.now() + healthTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`gcli-gateway exited (${exited.error?.message || exited.signal || exited.code}) before it was healthy:\n${out}`);
    const status = await new Promise((resolve) => {
      const req = http.get(`${url}/healthz`, { agent: false, timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode); });
      req.on('error', () => resolve(0));
      req.on('timeout', () => { req.destroy(); resolve(0); });
    });
    if (status === 200) return gw;
    if (Date.now() > deadline) {
      await gw.stop('SIGKILL');
      throw new Error(`gcli-gateway not healthy after ${healthTimeoutMs} ms:\n${out}`);
    }
    await sleep(25);
  }
}

// One call does the usual setup: fake Google with `accounts`, a data dir with `creds` imported (default: one
// fresh credential per account), a client key, and a running gateway. creds entries:
// {refreshToken, expired?, project?, object?} (object = the exact oauth_creds.json to import).
export async function setupGateway({
  accounts = [DEFAULT_ACCOUNT], creds, fakeOptions = {}, env = {}, extraArgs = [], keyName = 'test', fake: given_fake,
} = {}) {
  check_bin(gatewayBin());
  const fake = given_fake || await startFakeGoogle({ ...fakeOptions, accounts });
  try {
    const dataDir = tempDir('gcg-data-');
    for (const c of creds || accounts.map((a) => ({ refreshToken: a.refreshToken }))) {
      const object = c.object || makeCreds(fake, c.refreshToken, { expired: c.expired });
      await importCreds(dataDir, object, { project: c.project, fake, env });
    }
    const key = await createKey({ dataDir, fake, env }, keyName);
    const gw = await startGateway({ fake, env, extraArgs, dataDir });
    return {
      fake, gw, key, dataDir,
      credsList: () => credsList(dataDir, { fake, env }),
      report: (res) => report(fake, gw, res),
      async close() {
        await gw.stop('SIGTERM', { timeoutMs: 5000 });
        if (!given_fake) await fake.close();
      },
    };
  } catch (e) {
    if (!given_fake) await fake.close();
    throw e;
  }
}

// Text for assertion messages: the response, what the fake Google saw, and the tail of the gateway's log.
export function report(fake, gw, res, { tail = 4000 } = {}) {
  const seen = fake.state.requests.map((r) => `${r.method} ${r.rpc}${r.model ? ` model=${r.model}` : ''} -> ${r.status}${r.aborted ? ' (aborted)' : ''}`);
  const resp = res ? `response: ${res.status} ${String(res.text ?? '').slice(0, 1500)}\n` : '';
  return `${resp}fake Google saw:\n  ${seen.join('\n  ') || '(nothing)'}\ngateway log tail:\n${gw.logs().slice(-tail)}`;
}

// ---- HTTP client helpers -------------------------------------------------------------------------------

// fetch() against the gateway. auth: 'goog' (x-goog-api-key, default) | 'bearer' | 'x-api-key' | 'query' | 'none'.
export async function call(gw, pathname, { method, key, auth = 'goog', body, headers = {}, signal, raw = false } = {}) {
  const h = { ...headers };
  let p = pathname;
  if (key && auth === 'goog') h['x-goog-api-key'] = key;
  if (key && auth === 'bearer') h.authorization = `Bearer ${key}`;
  if (key && auth === 'x-api-key') h['x-api-key'] = key;
  if (key && auth === 'query') p += `${p.includes('?') ? '&' : '?'}key=${encodeURIComponent(key)}`;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  }
  const res = await fetch(gw.url + p, { method: method || (body !== undefined ? 'POST' : 'GET'), headers: h, body: payload, signal });
  if (raw) return res;
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

// Splits an SSE body into events: {event, data (parsed JSON or the raw string), rawData, comments}.
export function parseSSE(text) {
  const events = [];
  for (const block of text.split(/\r\n\r\n|\n\n|\r\r/)) {
    if (!block.trim()) continue;
    const ev = { event: 'message', dataLines: [], comments: [] };
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line.startsWith(':')) ev.comments.push(line.slice(1));
      else if (line.startsWith('data:')) ev.dataLines.push(line.slice(5).replace(/^ /, ''));
      else if (line.startsWith('event:')) ev.event = line.slice(6).trim();
    }
    if (!ev.dataLines.length && ev.event === 'message') continue;  // comment-only block (heartbeat)
    const rawData = ev.dataLines.join('\n');
    let data = rawData;
    try { data = JSON.parse(rawData); } catch { /* keep the string */ }
    events.push({ event: ev.event, data, rawData, comments: ev.comments });
  }
  return events;
}

// Reads a fetch() Response body incrementally; resolves {text, chunks:[{at, text}], error} (error: the read error, if
// the connection broke). onChunk(chunkText, soFar) may return true to stop reading (the body is then cancelled).
export async function readBody(res, onChunk) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  const chunks = [];
  let text = '';
  let error = null;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const s = dec.decode(value, { stream: true });
      chunks.push({ at: Date.now(), text: s });
      text += s;
      if (onChunk && onChunk(s, text)) { await reader.cancel(); break; }
    }
  } catch (e) {
    error = e;
  }
  return { text, chunks, error };
}

// A request on a fresh connection (no keep-alive pool): resolves {status, headers, body} or rejects with the socket error.
export function rawRequest({ port, host = '127.0.0.1', method = 'GET', path: p = '/', headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: p, headers, agent: false }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body); else req.end();
  });
}

// ---- payload builders ----------------------------------------------------------------------------------

export const userText = (text) => ({ role: 'user', parts: [{ text }] });

// Inner GenerateContentResponse objects for scripted streams: one text piece per event, the last with
// finishReason STOP and full usage; intermediate events carry usage with only trafficType (like Code Assist).
export function textEvents(pieces, { delayMs = 0, model = 'gemini-2.5-pro', responseId = 'scripted-response-id' } = {}) {
  return pieces.map((text, i) => {
    const last = i === pieces.length - 1;
    const cand = { content: { role: 'model', parts: [{ text }] } };
    if (last) cand.finishReason = 'STOP';
    return {
      delayMs: i === 0 ? 0 : delayMs,
      data: {
        candidates: [cand],
        usageMetadata: last ? { promptTokenCount: 4, candidatesTokenCount: pieces.length, totalTokenCount: 4 + pieces.length, trafficType: 'ON_DEMAND' } : { trafficType: 'ON_DEMAND' },
        modelVersion: model, responseId,
      },
    };
  });
}

// Concatenated visible text of GenerateContentResponse objects (thought parts excluded).
export function textOf(responses) {
  return [].concat(responses).flatMap((r) => r?.candidates?.[0]?.content?.parts || [])
    .filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text).join('');
}
