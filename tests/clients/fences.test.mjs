// Proves the runner's two network fences are up before any real client runs: only loopback exists, and the guard
// preload fails non-loopback names and connects locally (no packet leaves this process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import net from 'node:net';
import { interface_names, guard_preloaded } from './fence.mjs';

test('only the loopback interface exists (loopback-only network namespace)', () => {
  assert.deepEqual(interface_names(), ['lo']);
});

test('the loopback guard is preloaded into node processes', () => {
  assert.ok(guard_preloaded(), `NODE_OPTIONS=${process.env.NODE_OPTIONS ?? ''}`);
});

test('guard fails a non-loopback DNS name at once', async () => {
  await assert.rejects(dns.promises.lookup('generativelanguage.googleapis.com'),
    (e) => e.code === 'ENOTFOUND' && /blocked by guard/.test(e.message));
});

test('guard redirects a connect to a non-loopback address to a refused local port', async () => {
  // 192.0.2.1 is a documentation address; the guard rewrites it to 127.0.0.1:9 before the socket connects.
  const code = await new Promise((resolve) => {
    const s = net.connect({ host: '192.0.2.1', port: 443 });
    s.on('connect', () => { s.destroy(); resolve('connected'); });
    s.on('error', (e) => resolve(e.code));
  });
  assert.equal(code, 'ECONNREFUSED');
});

test('loopback still works inside the fences', async () => {
  const srv = net.createServer((c) => c.end('ok'));
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const got = await new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: srv.address().port });
    let b = '';
    s.on('data', (d) => { b += d; });
    s.on('end', () => resolve(b));
    s.on('error', reject);
  });
  srv.close();
  assert.equal(got, 'ok');
});
