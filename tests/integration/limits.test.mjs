// The request body limit: GCLI_GATEWAY_MAX_BODY_BYTES=1 MiB refuses a 2 MiB body with 413 and serves a smaller one.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { setupGateway, call } from '../lib/harness.mjs';

const LIMIT = 1048576;
const PATH = '/v1beta/models/gemini-2.5-pro:generateContent';
let ctx;

before(async () => { ctx = await setupGateway({ env: { GCLI_GATEWAY_MAX_BODY_BYTES: String(LIMIT) } }); });
after(async () => { await ctx?.close(); });

const body_of_size = (bytes) => {
  const shell = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: '' }] }] });
  return JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'a'.repeat(bytes - shell.length) }] }] });
};

// Streams a body on its own connection and stops writing once the gateway answers: a gateway may (and should) send
// 413 as soon as it knows the body is too long, then close; errors on the write side after that are not the test's
// concern. Without any response the promise rejects with what the socket saw.
function post_big(body) {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({
      host: '127.0.0.1', port: ctx.gw.port, method: 'POST', path: PATH, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-goog-api-key': ctx.key },
    }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', (e) => setTimeout(() => {
      if (!answered) reject(new Error(`the gateway closed the connection (${e.code || e.message}) without answering 413\n${ctx.gw.logs().slice(-2000)}`));
    }, 50));
    const buf = Buffer.from(body);
    const step = 64 * 1024;
    (async () => {
      for (let off = 0; off < buf.length && !answered && !req.destroyed; off += step) {
        if (!req.write(buf.subarray(off, off + step))) {
          await new Promise((r) => {
            const done = () => { req.off('drain', done); req.off('close', done); r(); };
            req.on('drain', done);
            req.on('close', done);
          });
        }
      }
      if (!answered && !req.destroyed) req.end();
    })();
  });
}

test('a body over the limit gets 413', async () => {
  const r = await post_big(body_of_size(2 * LIMIT));
  assert.equal(r.status, 413, ctx.report(r));
  assert.equal(ctx.fake.generateRequests().length, 0);
});

test('a body under the limit is served', async () => {
  const body = body_of_size(900 * 1024);
  const r = await call(ctx.gw, PATH, { key: ctx.key, body });
  assert.equal(r.status, 200, ctx.report(r));
});
