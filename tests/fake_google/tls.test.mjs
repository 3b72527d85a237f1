// Self-test of the fake Google's TLS mode: https on 127.0.0.1 named by `localhost`, the SNI name recorded per
// request, refused handshakes recorded, and the plain-http default left as it was.
// Run: node --test tests/fake_google/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startFakeGoogle } from './server.mjs';

let dir;
let pem;  // {key, cert, keyFile, certFile}: self-signed for localhost and 127.0.0.1

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-google-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  pem = { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile), keyFile, certFile };
});
after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

// GET on a fresh connection; resolves {status} or rejects with the client's TLS error.
function get(url, { ca, servername, pathname = '/nothing-here' } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: u.hostname, port: u.port, path: pathname, method: 'GET', agent: false, ca, servername,
      ...(servername ? { checkServerIdentity: () => undefined } : {}),
    }, (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode })); });
    req.on('error', reject);
    req.end();
  });
}

test('by default the fake serves plain http on 127.0.0.1 and records no TLS details', async () => {
  const fake = await startFakeGoogle();
  try {
    assert.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`${fake.url}/nothing-here`)).status, 404);
    const [rec] = fake.requests();
    assert.equal(rec.servername, null);
    assert.equal(rec.tlsProtocol, null);
    assert.deepEqual(fake.tlsErrors(), []);
  } finally {
    await fake.close();
  }
});

test('with tls the fake serves https at https://localhost:PORT and records the SNI name of each request', async () => {
  const fake = await startFakeGoogle({ tls: { key: pem.key, cert: pem.cert } });
  try {
    assert.match(fake.url, /^https:\/\/localhost:\d+$/);
    assert.equal((await get(fake.url, { ca: pem.cert })).status, 404);
    assert.equal((await get(fake.url, { ca: pem.cert, servername: 'sni.example.test' })).status, 404);
    const recs = fake.requests();
    assert.deepEqual(recs.map((r) => r.servername), ['localhost', 'sni.example.test']);
    for (const r of recs) assert.match(r.tlsProtocol, /^TLSv1\.[23]$/);
    assert.ok(!('tls' in fake.configure({})), 'the key is not part of the options');
  } finally {
    await fake.close();
  }
});

test('with tls a handshake the client refuses is recorded in tlsErrors() and nothing in requests()', async () => {
  const fake = await startFakeGoogle({ tls: { key: pem.key, cert: pem.cert }, accounts: [] });
  try {
    await assert.rejects(get(fake.url), (e) => /self[- ]signed/i.test(e.message) || e.code === 'DEPTH_ZERO_SELF_SIGNED_CERT');
    const deadline = Date.now() + 2000;
    while (!fake.tlsErrors().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const [err] = fake.tlsErrors();
    assert.ok(err, 'a tlsClientError was recorded');
    assert.equal(err.servername, 'localhost');
    assert.equal(typeof err.code, 'string');  // Node's client just drops the socket (ECONNRESET); OpenSSL's sends an alert
    assert.equal(fake.requests().length, 0);
    const control = await get(fake.url, { ca: pem.cert, pathname: '/__control/tls_errors' });
    assert.equal(control.status, 200);
    fake.reset();
    assert.deepEqual(fake.tlsErrors(), []);
  } finally {
    await fake.close();
  }
});

test('setTls() swaps the certificate for the next connections', async () => {
  const fake = await startFakeGoogle({ tls: { key: pem.key, cert: pem.cert } });
  try {
    assert.equal((await get(fake.url, { ca: pem.cert })).status, 404);
    const other = path.join(dir, 'other');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', `${other}.key`, '-out', `${other}.pem`, '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const cert2 = fs.readFileSync(`${other}.pem`);
    fake.setTls({ key: fs.readFileSync(`${other}.key`), cert: cert2 });
    await assert.rejects(get(fake.url, { ca: pem.cert }));
    assert.equal((await get(fake.url, { ca: cert2 })).status, 404);
  } finally {
    await fake.close();
  }
});

test('node server.mjs --tls-key --tls-cert prints an https url and serves it', async () => {
  const p = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url)), '--port', '0',
    '--tls-key', pem.keyFile, '--tls-cert', pem.certFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise((resolve, reject) => {
      let buf = '';
      p.stdout.on('data', (d) => { buf += d; if (buf.includes('\n')) resolve(buf.split('\n')[0]); });
      p.once('exit', () => reject(new Error('exited early')));
    });
    const { port, url } = JSON.parse(line);
    assert.equal(url, `https://localhost:${port}`);
    assert.equal((await get(url, { ca: pem.cert, pathname: '/__control/stats' })).status, 200);
  } finally {
    p.kill('SIGTERM');
  }
});
