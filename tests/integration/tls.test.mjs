// The upstream HTTPS client against a TLS fake Google: it trusts what SSL_CERT_FILE names (OpenSSL's default verify
// paths), sends SNI, and refuses a peer whose certificate is untrusted, signed by an impostor, or for another name.
// Certificates are made at test time with the openssl CLI; everything stays on localhost.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import {
  setupGateway, call, parseSSE, textOf, userText, waitFor, sleep, tempDir, DEFAULT_ACCOUNT,
} from '../lib/harness.mjs';

const RT = DEFAULT_ACCOUNT.refreshToken;
const PATH = '/v1beta/models/gemini-2.5-pro';
const BODY = { contents: [userText('over tls')] };

// Our own config file: Debian's default one would add its v3_ca extensions to every `req -x509` certificate.
const OPENSSL_CNF = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
# No authorityKeyIdentifier on the leaves: a leaf from an impostor CA that has the trusted CA's name then differs
# from a genuine one only by its signature.
[localhost]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[otherhost]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:otherhost
`;

// {ca, good, selfSigned, impostor, otherHost}: each {key, cert} PEM (ca also has .file, the path for SSL_CERT_FILE).
function make_pki() {
  const dir = tempDir('gcg-pki-');
  const cnf = path.join(dir, 'openssl.cnf');
  fs.writeFileSync(cnf, OPENSSL_CNF);
  const issue = (name, { ext, subject, signer }) => {
    const key = path.join(dir, `${name}.key`);
    const cert = path.join(dir, `${name}.pem`);
    execFileSync('openssl', ['req', '-x509', '-config', cnf, '-extensions', ext, '-newkey', 'ec',
      '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', subject,
      '-set_serial', `0x${crypto.randomBytes(8).toString('hex')}`,
      ...(signer ? ['-CA', signer.file, '-CAkey', signer.keyFile] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { key: fs.readFileSync(key), cert: fs.readFileSync(cert), file: cert, keyFile: key };
  };
  const CA_NAME = '/O=gcli-gateway tests/CN=throwaway test CA';
  const ca = issue('ca', { ext: 'ca', subject: CA_NAME });
  const impostor_ca = issue('impostor-ca', { ext: 'ca', subject: CA_NAME });
  return {
    ca,
    good: issue('localhost', { ext: 'localhost', subject: '/CN=localhost', signer: ca }),
    selfSigned: issue('self-signed', { ext: 'localhost', subject: '/CN=localhost' }),
    impostor: issue('impostor', { ext: 'localhost', subject: '/CN=localhost', signer: impostor_ca }),
    otherHost: issue('otherhost', { ext: 'otherhost', subject: '/CN=otherhost', signer: ca }),
  };
}

let pki;
let env;
before(() => {
  pki = make_pki();
  // SSL_CERT_FILE replaces OpenSSL's default CA file, so the test CA is trusted through set_default_verify_paths().
  env = { SSL_CERT_FILE: pki.ca.file };
});

const tls_of = (c) => ({ key: c.key, cert: c.cert });
const gen = (ctx, suffix = ':generateContent') => call(ctx.gw, PATH + suffix, { key: ctx.key, body: BODY });

// The gateway must answer a Google-shaped 5xx, no request may reach the fake's HTTP handler, and the fake must have
// seen the client give up during the handshake (proof that it did connect and refused the certificate).
async function assert_refused(ctx, r, { servername = 'localhost' } = {}) {
  assert.ok(r.status >= 500 && r.status <= 599, `status ${r.status}: ${ctx.report(r)}`);
  assert.equal(r.json?.error?.code, r.status, r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.equal(typeof r.json.error.status, 'string');
  assert.equal(ctx.fake.generateRequests().length, 0, ctx.report(r));
  assert.deepEqual(ctx.fake.state.requests.map((q) => q.path), [], 'no HTTP request got through the handshake');
  const errs = await waitFor(() => ctx.fake.tlsErrors().length > 0 && ctx.fake.tlsErrors(), { timeoutMs: 2000, message: 'a failed TLS handshake at the fake' });
  for (const e of errs) assert.equal(e.servername, servername, 'the SNI of the refused handshake');
  return errs;
}

// Each describe has its own fake and gateway. Not run concurrently: harness.freePort() hands the gateway a port
// that a concurrently started fake can take first.
describe('upstream TLS', () => {
  describe('a certificate for localhost signed by the trusted CA', () => {
    let ctx;
    before(async () => {
      // The credential starts expired: the first request refreshes through the https token URL.
      ctx = await setupGateway({ fakeOptions: { tls: tls_of(pki.good) }, creds: [{ refreshToken: RT, expired: true }], env });
    });
    after(async () => { await ctx?.close(); });

    test('generateContent works end to end over TLS, token refresh included, with SNI "localhost"', async () => {
      assert.match(ctx.fake.url, /^https:\/\/localhost:\d+$/);
      const r = await gen(ctx);
      assert.equal(r.status, 200, ctx.report(r));
      assert.equal(textOf(r.json), 'echo: over tls');

      const token = ctx.fake.requests({ path: '/token' });
      assert.equal(token.length, 1, 'the expired credential was refreshed over TLS');
      assert.equal(token[0].status, 200);
      assert.equal(ctx.fake.generateRequests().length, 1);
      for (const rec of ctx.fake.state.requests) {
        assert.equal(rec.servername, 'localhost', `SNI on ${rec.method} ${rec.path}`);
        assert.match(rec.tlsProtocol, /^TLSv1\.[23]$/, `${rec.path}: ${rec.tlsProtocol}`);
      }
      assert.deepEqual(ctx.fake.tlsErrors(), []);
    });

    test('a streamed answer is read to its end over TLS', async () => {
      const r = await gen(ctx, ':streamGenerateContent?alt=sse');
      assert.equal(r.status, 200, ctx.report(r));
      const events = parseSSE(r.text).map((e) => e.data);
      assert.equal(textOf(events), 'echo: over tls');
      assert.equal(events.at(-1).candidates[0].finishReason, 'STOP');
      assert.equal(ctx.fake.lastGenerate().servername, 'localhost');
    });

    test('a pooled TLS connection the peer dropped is replaced without a failed attempt', async () => {
      assert.equal((await gen(ctx)).status, 200);
      ctx.fake.reset();
      const mark = ctx.gw.logs().length;
      ctx.fake.server.closeAllConnections();  // a TCP close without close_notify, as an idle peer may do
      await sleep(50);
      const r = await gen(ctx);
      assert.equal(r.status, 200, ctx.report(r));
      assert.equal(ctx.fake.generateRequests().length, 1);
      assert.doesNotMatch(ctx.gw.logs().slice(mark), /transport failure/, 'the stale connection was retried inside the client');
    });
  });

  // Each gateway starts against the good certificate (one request succeeds and pools a connection); the fake then
  // swaps its certificate and drops that connection, so the refusal happens on a request's own new connection.
  describe('a request\'s connection to a peer whose certificate changed', () => {
    const cases = [
      ['a self-signed certificate the CA did not sign', 'selfSigned', ':generateContent'],
      ['a certificate from an impostor CA bearing the trusted CA\'s name', 'impostor', ':streamGenerateContent?alt=sse'],
      ['a trusted certificate issued for another host name ("otherhost")', 'otherHost', ':generateContent'],
    ];
    let survivor = null;  // the last case's gateway, for the test after them
    after(async () => { await survivor?.close(); });

    for (const [what, which, suffix] of cases) {
      test(`is refused for ${what}: a 5xx and nothing reaches the fake`, async () => {
        const ctx = await setupGateway({ fakeOptions: { tls: tls_of(pki.good) }, env });
        try {
          const ok = await gen(ctx, suffix);
          assert.equal(ok.status, 200, ctx.report(ok));
          ctx.fake.reset();
          ctx.fake.setTls(tls_of(pki[which]));
          await assert_refused(ctx, await gen(ctx, suffix));
        } finally {
          if (which === cases.at(-1)[1]) survivor = ctx;
          else await ctx.close();
        }
      });
    }

    // (regression: g++ 12 miscompiled `co_await fail(last ? *last : ...)` and the gateway aborted here)
    test('the gateway keeps running after such a refusal and serves again once the trusted certificate is back', async () => {
      assert.ok(survivor, 'the previous test ran');
      await sleep(200);
      assert.equal(survivor.gw.exited(), null, `gateway exited: ${JSON.stringify(survivor.gw.exited())}\n${survivor.gw.logs().slice(-600)}`);
      survivor.fake.reset();
      survivor.fake.setTls(tls_of(pki.good));
      const r = await gen(survivor);
      assert.equal(r.status, 200, survivor.report(r));
    });
  });

  describe('an IP-literal upstream URL (https://127.0.0.1:PORT)', () => {
    let ctx;
    before(async () => {
      ctx = await setupGateway({ fakeOptions: { tls: { ...tls_of(pki.good), urlHost: '127.0.0.1' } }, env });
    });
    after(async () => { await ctx?.close(); });

    test('is checked against the certificate\'s IP address and sends no SNI (RFC 6066 §3)', async () => {
      assert.match(ctx.fake.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const r = await gen(ctx);
      assert.equal(r.status, 200, ctx.report(r));
      assert.ok(ctx.fake.state.requests.length > 0);
      for (const rec of ctx.fake.state.requests) assert.equal(rec.servername, null, `no SNI on ${rec.method} ${rec.path}`);
    });

    test('is refused when the trusted certificate names no such IP address', async () => {  // last: the gateway may abort after it
      ctx.fake.reset();
      ctx.fake.setTls(tls_of(pki.otherHost));
      await assert_refused(ctx, await gen(ctx), { servername: null });
    });
  });

  // Refused from the start: the refused handshake is the gateway's startup credential setup (loadCodeAssist or the
  // token refresh); requests are then answered 503 during the setup back-off.
  describe('a gateway that never saw a trusted certificate', () => {
    test('fails a token refresh against an untrusted certificate with a 5xx and keeps the credential in service', async () => {
      const ctx = await setupGateway({ fakeOptions: { tls: tls_of(pki.selfSigned) }, creds: [{ refreshToken: RT, expired: true }], env });
      try {
        await assert_refused(ctx, await gen(ctx));
        assert.equal(ctx.fake.stats().tokenRequests, 0, 'the token endpoint never saw the refresh token');
        const creds = await ctx.credsList();
        assert.equal(creds.length, 1);
        assert.notEqual(creds[0].state, 'needs_login', 'a refused handshake is not a rejected refresh token');
      } finally {
        await ctx.close();
      }
    });

    test('refuses the good certificate when SSL_CERT_FILE does not name the test CA', async () => {
      // Only the system store (default cert dir) is left: proves the successes above came from SSL_CERT_FILE.
      const empty = path.join(tempDir('gcg-noca-'), 'empty.pem');
      fs.writeFileSync(empty, '');
      const ctx = await setupGateway({ fakeOptions: { tls: tls_of(pki.good) }, env: { SSL_CERT_FILE: empty } });
      try {
        await assert_refused(ctx, await gen(ctx));
      } finally {
        await ctx.close();
      }
    });
  });
});
