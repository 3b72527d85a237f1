// Gemini-native routes of the gateway against the fake Google: health, model listing, generate, both stream
// framings and countTokens, at the root, under /gemini_cli and under /v1.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import {
  setupGateway, call, parseSSE, readBody, textEvents, textOf, userText, estimate_tokens,
} from '../lib/harness.mjs';

const MODEL = 'gemini-2.5-pro';
let ctx;

before(async () => { ctx = await setupGateway(); });
after(async () => { await ctx?.close(); });
beforeEach(() => ctx?.fake.reset());

const gen = (path, body, opts = {}) => call(ctx.gw, path, { key: ctx.key, body, ...opts });

test('GET /healthz answers 200 at the root and under /gemini_cli', async () => {
  for (const p of ['/healthz', '/gemini_cli/healthz']) {
    const r = await call(ctx.gw, p);
    assert.equal(r.status, 200, `${p}: ${ctx.report(r)}`);
  }
});

test('HEAD / answers 200', async () => {
  const r = await call(ctx.gw, '/', { method: 'HEAD' });
  assert.equal(r.status, 200);
});

test('GET /v1beta/models lists models/<id> entries with their generation methods', async () => {
  for (const p of ['/v1beta/models', '/gemini_cli/v1beta/models', '/v1/models']) {
    const r = await call(ctx.gw, p, { key: ctx.key });
    assert.equal(r.status, 200, `${p}: ${ctx.report(r)}`);
    assert.ok(Array.isArray(r.json.models) && r.json.models.length > 0);
    for (const m of r.json.models) {
      assert.match(m.name, /^models\/[^/]+$/);
      assert.ok(m.supportedGenerationMethods.includes('generateContent'), m.name);
      assert.ok(m.supportedGenerationMethods.includes('streamGenerateContent'), m.name);
    }
    assert.ok(r.json.models.some((m) => m.name === `models/${MODEL}`), `${MODEL} is listed`);
  }
});

test('GET /v1beta/models/{model} describes that model', async () => {
  const r = await call(ctx.gw, `/v1beta/models/${MODEL}`, { key: ctx.key });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(r.json.name, `models/${MODEL}`);
  assert.ok(Array.isArray(r.json.supportedGenerationMethods));
});

test('generateContent answers the unwrapped GenerateContentResponse with a responseId', async () => {
  const r = await gen(`/v1beta/models/${MODEL}:generateContent`, { contents: [userText('hello gateway')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.json.response, undefined, 'no Code Assist wrapper');
  assert.equal(r.json.traceId, undefined, 'no Code Assist wrapper');
  assert.equal(textOf(r.json), 'echo: hello gateway');
  assert.equal(r.json.candidates[0].finishReason, 'STOP');
  assert.ok(r.json.usageMetadata.totalTokenCount > 0);
  assert.equal(typeof r.json.responseId, 'string');
  assert.ok(r.json.responseId.length > 0);
});

test('responseId is filled when the upstream response has none', async () => {
  ctx.fake.script({ body: { candidates: [{ content: { role: 'model', parts: [{ text: 'no id here' }] }, finishReason: 'STOP' }] } });
  const r = await gen(`/v1beta/models/${MODEL}:generateContent`, { contents: [userText('x')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(textOf(r.json), 'no id here');
  assert.ok(typeof r.json.responseId === 'string' && r.json.responseId.length > 0);
});

test('the same routes answer under /gemini_cli and under /v1', async () => {
  for (const p of [`/gemini_cli/v1beta/models/${MODEL}:generateContent`, `/v1/models/${MODEL}:generateContent`,
    `/gemini_cli/v1/models/${MODEL}:generateContent`]) {
    const r = await gen(p, { contents: [userText('prefix')] });
    assert.equal(r.status, 200, `${p}: ${ctx.report(r)}`);
    assert.equal(textOf(r.json), 'echo: prefix');
  }
});

test('streamGenerateContent?alt=sse sends one data: event per response, blank-line separated, no [DONE]', async () => {
  const r = await gen(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, { contents: [userText('stream please')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  assert.doesNotMatch(r.text, /\[DONE\]/);
  assert.match(r.text, /(\r?\n){2}$/, 'the last event ends with a blank line');
  for (const line of r.text.split(/\r?\n/)) {
    if (line) assert.match(line, /^(data: |:)/, `unexpected SSE line ${JSON.stringify(line)}`);
  }
  const events = parseSSE(r.text);
  assert.ok(events.length >= 2, 'the stream is forwarded as several events');
  for (const e of events) {
    assert.equal(typeof e.data, 'object', `event is JSON: ${e.rawData}`);
    assert.equal(e.data.response, undefined, 'events are unwrapped');
    assert.ok(Array.isArray(e.data.candidates));
  }
  assert.equal(textOf(events.map((e) => e.data)), 'echo: stream please');
  const last = events.at(-1).data;
  assert.equal(last.candidates[0].finishReason, 'STOP');
  assert.ok(last.usageMetadata.totalTokenCount > 0);
});

test('SSE events are forwarded as they arrive, not buffered to the end', async () => {
  ctx.fake.script({ sse: textEvents(['one ', 'two ', 'three'], { delayMs: 300 }) });
  const t0 = Date.now();
  const res = await gen(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, { contents: [userText('x')] }, { raw: true });
  assert.equal(res.status, 200);
  const { text, chunks, error } = await readBody(res);
  assert.equal(error, null);
  const first = chunks.find((c) => c.text.includes('one '));
  assert.ok(first, 'first event received');
  assert.ok(Date.now() - first.at >= 400, `first event came ${first.at - t0} ms after the start, only ${Date.now() - first.at} ms before the end`);
  assert.equal(textOf(parseSSE(text).map((e) => e.data)), 'one two three');
});

test('streamGenerateContent without alt streams one JSON array, element by element', async () => {
  ctx.fake.script({ sse: textEvents(['alpha ', 'beta ', 'gamma'], { delayMs: 300 }) });
  const res = await gen(`/v1beta/models/${MODEL}:streamGenerateContent`, { contents: [userText('x')] }, { raw: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const { text, chunks, error } = await readBody(res);
  assert.equal(error, null);
  const first = chunks.find((c) => c.text.includes('alpha'));
  assert.ok(first && Date.now() - first.at >= 400, 'the first element is sent before the upstream finishes');
  const arr = JSON.parse(text);
  assert.ok(Array.isArray(arr));
  assert.equal(arr.length, 3);
  assert.equal(arr[0].response, undefined, 'elements are unwrapped');
  assert.equal(textOf(arr), 'alpha beta gamma');
  assert.equal(arr[2].candidates[0].finishReason, 'STOP');
});

test('countTokens accepts contents and generateContentRequest', async () => {
  const contents = [userText('count these tokens please')];
  const path = `/v1beta/models/${MODEL}:countTokens`;
  const a = await gen(path, { contents });
  assert.equal(a.status, 200, ctx.report(a));
  assert.ok(Number.isInteger(a.json.totalTokens) && a.json.totalTokens > 0);
  const upstream = ctx.fake.requests({ rpc: 'countTokens' });
  if (upstream.length) {
    assert.equal(upstream[0].body.request.model, `models/${MODEL}`);
    assert.equal(a.json.totalTokens, estimate_tokens(contents));
  }
  const b = await gen(path, { generateContentRequest: { model: `models/${MODEL}`, contents } });
  assert.equal(b.status, 200, ctx.report(b));
  assert.ok(Number.isInteger(b.json.totalTokens) && b.json.totalTokens > 0);
});
