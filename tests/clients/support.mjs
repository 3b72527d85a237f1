// Shared pieces of the real-client tests: the fake-Google + gateway stack, a recording pass-through proxy (to see
// what a real client sent and what the gateway answered), and a bounded runner for the gemini-cli binary.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { setupGateway, gatewayBin, tempDir } from '../lib/harness.mjs';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const GEMINI_BIN = path.join(HERE, 'node_modules/@google/gemini-cli/bundle/gemini.js');

// Fails at once, with the reason, when the gateway binary is not built, instead of letting each test time out.
export function require_gateway_bin() {
  const bin = gatewayBin();
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    throw new Error(`gateway binary missing: ${bin} (build target gcli-gateway, or set GCLI_GATEWAY_BIN)`);
  }
}

// Fake Google + data dir with one credential + a client key + the running gateway (see tests/lib/harness.mjs).
export async function start_stack(opts = {}) {
  require_gateway_bin();
  return setupGateway(opts);
}

// What a test prints when it fails: the gateway's log and the upstream requests the fake recorded.
export function stack_report(stack, { tail = 6000 } = {}) {
  if (!stack) return '(stack not started)';
  const upstream = stack.fake.state.requests.map((r) => ({
    rpc: r.rpc, model: r.model, status: r.status, query: r.query, aborted: r.aborted || undefined,
  }));
  const logs = stack.gw.logs();
  return `--- fake Google saw ${upstream.length} requests:\n${upstream.map((u) => JSON.stringify(u)).join('\n')}\n`
    + `--- gateway log (last ${tail} chars):\n${logs.slice(-tail)}`;
}

// A pass-through HTTP proxy in front of the gateway that records each exchange: {method, url, status, request
// (parsed JSON body), response (first 2000 chars of the body), headers}. Bytes are forwarded unchanged, streams
// included, so the client still talks to the gateway as it would directly.
export async function start_recording_proxy(target_url) {
  const target = new URL(target_url);
  const exchanges = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const ex = { method: req.method, url: req.url, headers: { ...req.headers }, status: null, request: null, response: '' };
      try { ex.request = body.length ? JSON.parse(body.toString('utf8')) : null; } catch { ex.request = body.toString('utf8').slice(0, 2000); }
      exchanges.push(ex);
      const headers = { ...req.headers, host: target.host };
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false }, (ures) => {
        ex.status = ures.statusCode;
        ex.response_headers = { ...ures.headers };
        res.writeHead(ures.statusCode, ures.headers);
        ures.on('data', (d) => { if (ex.response.length < 2000) ex.response += d.toString('utf8').slice(0, 2000 - ex.response.length); res.write(d); });
        ures.on('end', () => res.end());
        ures.on('error', () => res.destroy());
      });
      up.on('error', (e) => { ex.status = 0; ex.response = `proxy: ${e.message}`; res.destroy(); });
      res.on('close', () => { if (!res.writableFinished) up.destroy(); });
      up.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    exchanges,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

// A fresh HOME for gemini-cli: API-key auth, no usage statistics, no telemetry, no update check, no IDE.
export function make_gemini_home(extra_settings = {}) {
  const home = tempDir('gcg-gemini-home-');
  fs.mkdirSync(path.join(home, '.gemini'), { recursive: true });
  const settings = {
    security: { auth: { selectedType: 'gemini-api-key' } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    ide: { enabled: false },
    ...extra_settings,
  };
  fs.writeFileSync(path.join(home, '.gemini', 'settings.json'), JSON.stringify(settings, null, 2));
  return home;
}

// Runs gemini-cli to completion (or kills its whole process group after timeoutMs).
// Resolves {code, signal, stdout, stderr, ms, timedOut, guardLog}.
export function run_gemini(args, { home, cwd, env = {}, timeoutMs = 120000 } = {}) {
  const scratch = tempDir('gcg-gemini-run-');
  const guard_log = path.join(scratch, 'guard.log');
  const base = { ...process.env };
  // Nothing from the caller's environment may steer the client elsewhere or change its auth.
  for (const k of Object.keys(base)) {
    if (/^(GEMINI_|GOOGLE_|CLOUD_SHELL|OTEL_|OTLP_|HTTPS?_PROXY|NO_PROXY|CI$|DEBUG)/i.test(k)) delete base[k];
  }
  const child_env = {
    ...base,
    HOME: home,
    GEMINI_CLI_TRUST_WORKSPACE: 'true',
    GEMINI_TELEMETRY_ENABLED: 'false',
    NO_COLOR: '1',
    TERM: 'dumb',
    GUARD_LOG: guard_log,
    TMPDIR: scratch,  // its error reports (gemini-client-error-*.json) go here and are removed with the run
    ...env,
  };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [GEMINI_BIN, ...args], {
      cwd, env: child_env, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timed_out = false;
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const kill_group = () => { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* already gone */ } };
    const timer = setTimeout(() => { timed_out = true; kill_group(); }, timeoutMs);
    p.once('error', (e) => { clearTimeout(timer); reject(e); });
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      kill_group();  // gemini-cli relaunches itself in a child; leave nothing behind
      let guardLog = '';
      try { guardLog = fs.readFileSync(guard_log, 'utf8'); } catch { /* nothing was blocked */ }
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut: timed_out, guardLog });
    });
  });
}

export function describe_run(r) {
  return `exit=${r.code} signal=${r.signal} timedOut=${r.timedOut} ms=${r.ms}\n--- stdout:\n${r.stdout.slice(-4000)}\n`
    + `--- stderr:\n${r.stderr.slice(-6000)}\n--- loopback guard blocked:\n${r.guardLog || '(nothing)'}`;
}

// ---- shared by the OpenAI / Anthropic / Claude Code tests ----------------------------------------------------

// A fetch() for an SDK's `fetch` option that records every exchange as the SDK saw it: {method, url, status,
// request_headers, request (parsed JSON body or text), response_headers, text (the whole response body, filled in
// as the SDK reads it; await `done` for the complete text)}. The SDK reads one branch of a tee, so streams are
// untouched. Lets a test check wire details an SDK hides, e.g. `data: [DONE]` or the `event:` lines of a stream.
export function recording_fetch() {
  const exchanges = [];
  const rec_fetch = async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input.url;
    const ex = {
      method: init.method || 'GET', url, status: null, request_headers: Object.fromEntries(new Headers(init.headers || {})),
      request: null, response_headers: null, text: '', done: null,
    };
    if (typeof init.body === 'string') {
      try { ex.request = JSON.parse(init.body); } catch { ex.request = init.body; }
    }
    exchanges.push(ex);
    const res = await fetch(input, init);
    ex.status = res.status;
    ex.response_headers = Object.fromEntries(res.headers);
    if (!res.body) { ex.done = Promise.resolve(''); return res; }
    const [mine, theirs] = res.body.tee();
    ex.done = (async () => {
      const dec = new TextDecoder();
      const reader = theirs.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          ex.text += dec.decode(value, { stream: true });
        }
      } catch { /* the SDK cancelled or the connection broke: keep what arrived */ }
      return ex.text;
    })();
    return new Response(mine, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return { fetch: rec_fetch, exchanges, last: () => exchanges.at(-1) };
}

// A tiny HTTP server on 127.0.0.1 serving fixed bodies: files = {'/path': {body: Buffer, type?: 'mime'}}.
// Records each hit as {method, path, headers}.
export async function start_media_server(files) {
  const hits = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    hits.push({ method: req.method, path: u.pathname, headers: { ...req.headers } });
    const f = files[u.pathname];
    if (!f) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found'); return; }
    res.writeHead(200, { 'content-type': f.type || 'application/octet-stream', 'content-length': f.body.length });
    res.end(req.method === 'HEAD' ? undefined : f.body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    port, host: `127.0.0.1:${port}`, url: (p) => `http://127.0.0.1:${port}${p}`, hits,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

// Whether the gateway serves a route at all: a request that the route would refuse as malformed (400) or
// unauthorized still proves it exists; a 404 that is not a JSON "model not found" means the route is missing.
// Resolves null when the route exists, else a sentence for the test failure.
export async function route_missing(gw_url, { method = 'POST', path: p, headers = {}, body = '{}' }) {
  let res;
  try {
    res = await fetch(gw_url + p, { method, headers: { 'content-type': 'application/json', ...headers }, body: method === 'GET' ? undefined : body });
  } catch (e) {
    return `${method} ${p}: ${e.message}`;
  }
  const text = await res.text();
  if (res.status !== 404 && res.status !== 405 && res.status !== 501) return null;
  return `the gateway does not serve ${method} ${p} yet (HTTP ${res.status}: ${text.slice(0, 300)})`;
}

// Small valid media files: enough for the gateway's MIME sniffing and the fake's base64 check.
export const MEDIA = {
  // 1x1 transparent PNG
  png: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'),
  // RIFF/WAVE, PCM mono 8 kHz 16-bit, 8 silent samples
  wav: (() => {
    const data = Buffer.alloc(16);
    const h = Buffer.alloc(44);
    h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
    h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
    h.writeUInt32LE(8000, 24); h.writeUInt32LE(16000, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
    h.write('data', 36); h.writeUInt32LE(data.length, 40);
    return Buffer.concat([h, data]);
  })(),
  // ISO BMFF: ftyp (major isom, compatible isom/iso2/mp41) followed by an empty free box
  mp4: (() => {
    const ftyp = Buffer.alloc(28);
    ftyp.writeUInt32BE(28, 0); ftyp.write('ftyp', 4); ftyp.write('isom', 8); ftyp.writeUInt32BE(0x200, 12);
    ftyp.write('isom', 16); ftyp.write('iso2', 20); ftyp.write('mp41', 24);
    const free = Buffer.alloc(8);
    free.writeUInt32BE(8, 0); free.write('free', 4);
    return Buffer.concat([ftyp, free]);
  })(),
};

// Every inlineData part the fake saw in one generate request's contents.
export function inline_parts(fake_request) {
  const out = [];
  for (const c of fake_request?.body?.request?.contents || []) {
    for (const p of c.parts || []) {
      const d = p.inlineData || p.inline_data;
      if (d) out.push({ mimeType: d.mimeType ?? d.mime_type, data: d.data });
    }
  }
  return out;
}

// The upstream answer scripted for "the model calls <name>(args)", optionally after a thought part. With `sign`
// (default) the functionCall part carries a thoughtSignature the fake issued for `model` (returned, so a test can
// check it comes back byte for byte; Gemini 3 requires it). Without `model` the script matches any model.
// stream: an SSE script (matches streamGenerateContent only), else a plain body (generateContent only).
export function scripted_call(fake, { model, name, args = {}, thought = null, stream = false, sign = true }) {
  const signature = sign ? fake.issueSignature(model) : null;
  const parts = [];
  if (thought) parts.push({ text: thought, thought: true });
  parts.push(signature ? { functionCall: { name, args }, thoughtSignature: signature } : { functionCall: { name, args } });
  const response = {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP' }],
    usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 8, totalTokenCount: 28 + (thought ? 6 : 0), ...(thought ? { thoughtsTokenCount: 6 } : {}), trafficType: 'ON_DEMAND' },
    modelVersion: model || 'scripted-model', responseId: `scripted-${name}`,
  };
  const match = { ...(model ? { model } : {}), method: stream ? 'streamGenerateContent' : 'generateContent' };
  fake.script(stream ? { ...match, sse: [{ data: response }] } : { ...match, body: response });
  return signature;
}

// The functionCall parts (with their thoughtSignature) of every model turn in one upstream request.
export function upstream_calls(fake_request) {
  const out = [];
  (fake_request?.body?.request?.contents || []).forEach((c, turn) => {
    if (c.role !== 'model') return;
    for (const p of c.parts || []) {
      const fc = p.functionCall || p.function_call;
      if (fc) out.push({ turn, name: fc.name, args: fc.args, id: fc.id, signature: p.thoughtSignature ?? p.thought_signature });
    }
  });
  return out;
}

// ---- Claude Code ---------------------------------------------------------------------------------------------

export const CLAUDE_BIN = path.join(HERE, 'node_modules/@anthropic-ai/claude-code/bin/claude.exe');

// A fresh HOME for Claude Code: onboarding marked done, no auto-update, no telemetry, no feedback prompts.
export function make_claude_home() {
  const home = tempDir('gcg-claude-home-');
  fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
  fs.writeFileSync(path.join(home, '.claude.json'), JSON.stringify({
    hasCompletedOnboarding: true, autoUpdates: false, theme: 'dark', bypassPermissionsModeAccepted: true,
  }, null, 2));
  fs.writeFileSync(path.join(home, '.claude', 'settings.json'), JSON.stringify({
    autoUpdates: false, includeCoAuthoredBy: false, cleanupPeriodDays: 1,
    env: { DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1', DISABLE_AUTOUPDATER: '1' },
  }, null, 2));
  return home;
}

// The environment that keeps Claude Code on the gateway: its documented switches for non-essential traffic
// (telemetry, error reporting, auto-update, feature flags, surveys), and nothing inherited that could steer it
// elsewhere (ANTHROPIC_*/CLAUDE_*, cloud provider switches, proxies).
export function claude_env(base_url, key, { home, scratch, bearer = false, extra = {} } = {}) {
  const base = { ...process.env };
  for (const k of Object.keys(base)) {
    if (/^(ANTHROPIC_|CLAUDE_|CLAUDECODE|OTEL_|HTTPS?_PROXY|NO_PROXY|AWS_|GOOGLE_|GEMINI_|CLOUD_ML|VERTEX|DEBUG|CI$)/i.test(k)) delete base[k];
  }
  return {
    ...base,
    HOME: home,
    TMPDIR: scratch,
    ANTHROPIC_BASE_URL: base_url,
    ...(bearer ? { ANTHROPIC_AUTH_TOKEN: key } : { ANTHROPIC_API_KEY: key }),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_UPDATES: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    DISABLE_GROWTHBOOK: '1',
    CLAUDE_CODE_DISABLE_FEATURE_FLAGS: '1',
    CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
    CLAUDE_CODE_ENABLE_TELEMETRY: '0',
    CLAUDE_CODE_SKIP_PROMPT_HISTORY: '1',
    CLAUDE_CODE_MAX_RETRIES: '1',  // a broken gateway fails the run quickly instead of after the backoff schedule
    NO_COLOR: '1',
    TERM: 'dumb',
    ...extra,
  };
}

// Runs Claude Code to completion (or kills its process group after timeoutMs).
// Resolves {code, signal, stdout, stderr, ms, timedOut, guardLog, json (parsed stdout when it is JSON)}.
// wrap: a command put in front of the binary (e.g. ['strace', '-f', ...]).
export function run_claude(args, { cwd, env, timeoutMs = 120000, wrap = [] } = {}) {
  const guard_log = path.join(env.TMPDIR, 'guard.log');
  const started = Date.now();
  const argv = [...wrap, CLAUDE_BIN, ...args];
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), {
      cwd, env: { ...env, GUARD_LOG: guard_log }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timed_out = false;
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const kill_group = () => { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* already gone */ } };
    const timer = setTimeout(() => { timed_out = true; kill_group(); }, timeoutMs);
    p.once('error', (e) => { clearTimeout(timer); reject(e); });
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      kill_group();
      let guardLog = '';
      try { guardLog = fs.readFileSync(guard_log, 'utf8'); } catch { /* nothing was blocked */ }
      let json = null;
      try { json = JSON.parse(stdout); } catch { /* not JSON */ }
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut: timed_out, guardLog, json });
    });
  });
}
