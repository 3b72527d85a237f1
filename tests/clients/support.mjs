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
