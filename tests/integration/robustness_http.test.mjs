// Client-side HTTP regressions (review of 4d26429): Expect: 100-continue is answered at once; HTTP/1.0 clients get a
// close-delimited stream (no chunked framing) and Connection: keep-alive when they asked for it; a 204 has no
// Content-Length; a second gateway cannot share a port; GCLI_GATEWAY_HEARTBEAT_MS=0 turns heartbeats off.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import {
  setupGateway, runCli, tempDir, call, readBody, rawRequest, parseSSE, textEvents, textOf, userText,
} from '../lib/harness.mjs';

const GENERATE = '/v1beta/models/gemini-2.5-pro:generateContent';
const STREAM = '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse';
const MAX_BODY = 2 * 1024 * 1024;

let ctx;
before(async () => { ctx = await setupGateway({ env: { GCLI_GATEWAY_MAX_BODY_BYTES: String(MAX_BODY) } }); });
after(async () => { await ctx?.close(); });

// A raw client connection: everything received is appended to `data` (latin1: one char per byte).
function open_raw(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const conn = { socket, data: '', closed: false, write: (t) => socket.write(t, 'latin1') };
    const waiters = new Set();
    const notify = () => { for (const w of [...waiters]) w(); };
    socket.setEncoding('latin1');
    socket.on('data', (d) => { conn.data += d; notify(); });
    socket.on('close', () => { conn.closed = true; notify(); });
    socket.on('error', () => {});
    // Resolves with pred(conn) once truthy; rejects on timeout, or on close while pred is still false.
    conn.until = (pred, ms = 3000) => new Promise((res, rej) => {
      const done = () => { clearTimeout(t); waiters.delete(check); };
      const check = () => {
        const v = pred(conn);
        if (v) { done(); res(v); } else if (conn.closed) { done(); rej(new Error(`connection closed; got ${JSON.stringify(conn.data.slice(0, 800))}`)); }
      };
      const t = setTimeout(() => { done(); rej(new Error(`timed out after ${ms} ms; got ${JSON.stringify(conn.data.slice(0, 800))}`)); }, ms);
      waiters.add(check);
      check();
    });
    conn.closedWithin = (ms = 3000) => conn.until((c) => c.closed || null, ms).catch((e) => { if (!conn.closed) throw e; return true; });
    socket.once('connect', () => resolve(conn));
    socket.once('error', reject);
  });
}

// Splits the response starting at `from` in `data`: {status, head, headers (lower-case names), bodyStart}.
function parse_head(data, from = 0) {
  const end = data.indexOf('\r\n\r\n', from);
  if (end < 0) return null;
  const head = data.slice(from, end);
  const [status_line, ...lines] = head.split('\r\n');
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(status_line.split(' ')[1]), statusLine: status_line, head, headers, bodyStart: end + 4 };
}

// A whole Content-Length-framed response at `from`: the parsed head plus body and where the next one starts.
function full_response(data, from = 0) {
  const h = parse_head(data, from);
  if (!h) return null;
  const len = Number(h.headers['content-length'] ?? 0);
  if (data.length < h.bodyStart + len) return null;
  return { ...h, body: data.slice(h.bodyStart, h.bodyStart + len), next: h.bodyStart + len };
}

const gen_body = (text) => JSON.stringify({ contents: [userText(text)] });

test('Expect: 100-continue on a 1 MiB body is answered with 100 Continue at once, then 200', async () => {
  const body = gen_body('x'.repeat(1024 * 1024));
  const c = await open_raw(ctx.gw.port);
  const t0 = Date.now();
  c.write(`POST ${GENERATE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-goog-api-key: ${ctx.key}\r\n`
    + `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
  await c.until((x) => x.data.includes('\r\n\r\n'), 900);
  const ms = Date.now() - t0;
  assert.match(c.data, /^HTTP\/1\.1 100 Continue\r\n\r\n$/, 'an interim 100 and nothing else before the body');
  assert.ok(ms < 500, `100 Continue after ${ms} ms`);
  c.write(body);
  const r = await c.until((x) => full_response(x.data, 'HTTP/1.1 100 Continue\r\n\r\n'.length), 10000);
  assert.equal(r.status, 200, r.body.slice(0, 500));
  assert.ok(JSON.parse(r.body).candidates[0].content.parts[0].text.startsWith('echo: xxx'));
  c.socket.destroy();
});

// Its own gateway: a gateway that dies on this request must not take the other tests with it.
test('Expect: 100-continue with a Content-Length over the body limit gets 413, no 100 Continue', async () => {
  const own = await setupGateway({ env: { GCLI_GATEWAY_MAX_BODY_BYTES: String(MAX_BODY) } });
  try {
    const c = await open_raw(own.gw.port);
    c.write(`POST ${GENERATE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-goog-api-key: ${own.key}\r\n`
      + `Content-Length: ${MAX_BODY + 1}\r\nExpect: 100-continue\r\n\r\n`);
    const r = await c.until((x) => full_response(x.data)).catch((e) => assert.fail(`${e.message}\n${own.gw.logs().slice(-1500)}`));
    assert.equal(r.status, 413, c.data.slice(0, 500));
    assert.doesNotMatch(c.data, /100 Continue/);
    c.socket.destroy();
    assert.equal(own.gw.exited(), null, own.gw.logs().slice(-1500));
  } finally {
    await own.close();
  }
});

test('curl posting 1 MiB (it sends Expect: 100-continue and would wait 1 s for the 100) is done well within that second', async (t) => {
  const curl = ['/usr/bin/curl', '/bin/curl'].find((p) => fs.existsSync(p));
  if (!curl) { t.skip('curl not installed'); return; }
  const file = path.join(tempDir('gcg-expect-'), 'body.json');
  fs.writeFileSync(file, gen_body('y'.repeat(1024 * 1024)));
  const out = await new Promise((resolve, reject) => execFile(curl, ['-s', '-o', '/dev/null', '-w', '%{http_code} %{time_total}',
    '-H', 'content-type: application/json', '-H', `x-goog-api-key: ${ctx.key}`, '--data-binary', `@${file}`,
    `${ctx.gw.url}${GENERATE}`], (e, stdout) => (e ? reject(e) : resolve(stdout))));
  const [code, secs] = out.trim().split(' ');
  assert.equal(code, '200', out);
  assert.ok(Number(secs) < 0.9, `curl took ${secs} s`);
});

test('an HTTP/1.0 stream is close-delimited: no Transfer-Encoding, no chunk-size lines, whole events, then the connection closes', async () => {
  for (const keep of [false, true]) {
    ctx.fake.script({ sse: textEvents(['one ', 'two ', 'three'], { delayMs: 30 }) });
    const body = gen_body('stream over 1.0');
    const c = await open_raw(ctx.gw.port);
    c.write(`POST ${STREAM} HTTP/1.0\r\nContent-Type: application/json\r\nx-goog-api-key: ${ctx.key}\r\n`
      + `${keep ? 'Connection: keep-alive\r\n' : ''}Content-Length: ${body.length}\r\n\r\n${body}`);
    await c.closedWithin(5000);
    const h = parse_head(c.data);
    assert.ok(h, c.data);
    assert.equal(h.status, 200, c.data.slice(0, 500));
    assert.equal(h.headers['transfer-encoding'], undefined, h.head);
    assert.equal(h.headers['content-length'], undefined, h.head);
    assert.notEqual((h.headers.connection || '').toLowerCase(), 'keep-alive', `keep-alive ${keep}: the body ends at the close\n${h.head}`);
    const text = c.data.slice(h.bodyStart);
    assert.ok(text.startsWith('data: '), JSON.stringify(text.slice(0, 200)));
    const chunk_lines = text.split(/\r?\n/).filter((l) => /^[0-9a-fA-F]+$/.test(l));
    assert.deepEqual(chunk_lines, [], `no chunk-size lines: ${JSON.stringify(text.slice(0, 400))}`);
    assert.equal(textOf(parseSSE(text).map((e) => e.data)), 'one two three', text);
  }
});

test('HTTP/1.0 with Connection: keep-alive gets Connection: keep-alive and the connection stays usable; without it, it closes', async () => {
  const c = await open_raw(ctx.gw.port);
  c.write('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  const a = await c.until((x) => full_response(x.data));
  assert.equal(a.status, 200);
  assert.equal((a.headers.connection || '').toLowerCase(), 'keep-alive', a.head);
  assert.ok(a.headers['content-length'] !== undefined, a.head);
  assert.equal(c.closed, false);
  c.write('GET /healthz HTTP/1.0\r\n\r\n');  // 1.0 without keep-alive: the last one on this connection
  const b = await c.until((x) => full_response(x.data, a.next));
  assert.equal(b.status, 200, c.data);
  assert.notEqual((b.headers.connection || '').toLowerCase(), 'keep-alive', b.head);
  await c.closedWithin(2000);
  assert.equal(c.data.length, b.next, 'nothing after the second answer');
});

test('a 204 (OPTIONS) carries no Content-Length and the connection stays in sync for the next request', async () => {
  const c = await open_raw(ctx.gw.port);
  c.write('OPTIONS /v1beta/models HTTP/1.1\r\nHost: x\r\nOrigin: http://example.com\r\nAccess-Control-Request-Method: POST\r\n\r\n');
  const h = await c.until((x) => parse_head(x.data));
  assert.equal(h.status, 204, h.head);
  assert.equal(h.headers['content-length'], undefined, h.head);
  assert.equal(h.headers['transfer-encoding'], undefined, h.head);
  c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  const next = await c.until((x) => full_response(x.data, h.bodyStart));
  assert.equal(next.status, 200, c.data);
  c.socket.destroy();
});

test('a second gateway on the same port fails to start with a clear error and a non-zero exit; the first keeps serving', async () => {
  assert.equal(ctx.gw.exited(), null, `the first gateway is running\n${ctx.gw.logs().slice(-1500)}`);
  const r = await runCli(['serve', '--data-dir', tempDir('gcg-data-'), '--listen', `127.0.0.1:${ctx.gw.port}`],
    { fake: ctx.fake, allowFailure: true, timeoutMs: 8000 });
  assert.equal(r.signal, null, `the second gateway kept running (killed after 8 s)\n${r.stdout}${r.stderr}`);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, new RegExp(`127\\.0\\.0\\.1:${ctx.gw.port}`));
  assert.match(r.stdout + r.stderr, /in use/i);
  for (let i = 0; i < 4; i++) assert.equal((await rawRequest({ port: ctx.gw.port, path: '/healthz' })).status, 200);
});

// utime + stime of a process, in clock ticks (1/100 s).
function cpu_ticks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

test('GCLI_GATEWAY_HEARTBEAT_MS=0 disables heartbeats: 600 ms of upstream silence bring no keep-alive and no busy loop', async () => {
  const hb = await setupGateway({ env: { GCLI_GATEWAY_HEARTBEAT_MS: '0', GCLI_GATEWAY_THREADS: '1' } });
  try {
    hb.fake.script({ sse: textEvents(['before ', 'after'], { delayMs: 600 }) });
    const pid = hb.gw.proc.pid;
    const res = await call(hb.gw, STREAM, { key: hb.key, body: { contents: [userText('silence')] }, raw: true });
    assert.equal(res.status, 200);
    const at = {};
    const { text } = await readBody(res, (chunk, so_far) => {
      if (!at.before && so_far.includes('before')) at.before = { t: Date.now(), cpu: cpu_ticks(pid) };
      if (!at.after && so_far.includes('after')) at.after = { t: Date.now(), cpu: cpu_ticks(pid) };
    });
    assert.doesNotMatch(text, /keep-alive/, JSON.stringify(text));
    assert.ok(at.before && at.after, text);
    const ms = at.after.t - at.before.t;
    const used_ms = (at.after.cpu - at.before.cpu) * 10;
    assert.ok(ms >= 400, `the silence lasted ${ms} ms`);
    assert.ok(used_ms < ms * 0.3, `the gateway used ${used_ms} ms of CPU during ${ms} ms of silence`);
    assert.equal(textOf(parseSSE(text).map((e) => e.data)), 'before after', text);
  } finally {
    await hb.close();
  }
});
