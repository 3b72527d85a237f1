// Model names: parameters parsed off the name (-thinking, -search), ids passed through (_vertex, new models),
// the Code Assist rename of gemini-3.5-flash, and the 404 for a model Google does not know.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import { setupGateway, call, userText, field } from '../lib/harness.mjs';

let ctx;

before(async () => { ctx = await setupGateway(); });
after(async () => { await ctx?.close(); });
beforeEach(() => ctx?.fake.reset());

async function generate(model, { stream = false, text = 'models' } = {}) {
  const path = `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
  const r = await call(ctx.gw, path, { key: ctx.key, body: { contents: [userText(text)] } });
  return { r, upstream: ctx.fake.lastGenerate() };
}

test('-thinking asks the base model for thoughts', async () => {
  const { r, upstream } = await generate('gemini-2.5-pro-thinking');
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(upstream.body.model, 'gemini-2.5-pro');
  const gc = field(upstream.body.request, 'generationConfig');
  assert.equal(field(field(gc, 'thinkingConfig'), 'includeThoughts'), true);
});

test('-search adds the googleSearch tool', async () => {
  const { r, upstream } = await generate('gemini-2.5-pro-search');
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(upstream.body.model, 'gemini-2.5-pro');
  assert.ok((upstream.body.request.tools || []).some((t) => field(t, 'googleSearch') !== undefined), JSON.stringify(upstream.body.request.tools));
});

test('_vertex ids pass through unchanged', async () => {
  const { r, upstream } = await generate('gemini-2.5-pro_vertex');
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(upstream.body.model, 'gemini-2.5-pro_vertex');
});

test('gemini-3.5-flash is sent upstream as gemini-3-flash', async () => {
  for (const stream of [false, true]) {
    const { r, upstream } = await generate('gemini-3.5-flash', { stream });
    assert.equal(r.status, 200, ctx.report(r));
    assert.equal(upstream.body.model, 'gemini-3-flash');
  }
});

test('an unknown model is tried upstream, and its 404 names the configured models and the parameters', async () => {
  const listed = (await call(ctx.gw, '/v1beta/models', { key: ctx.key })).json?.models?.map((m) => m.name.replace(/^models\//, '')) || [];
  assert.ok(listed.length > 0, 'the gateway lists models');
  for (const stream of [false, true]) {
    const { r, upstream } = await generate('gemini-9-ultra', { stream });
    assert.equal(upstream?.body?.model, 'gemini-9-ultra', 'the upstream decides whether a model exists');
    assert.equal(r.status, 404, ctx.report(r));
    const err = Array.isArray(r.json) ? r.json[0].error : r.json.error;
    assert.equal(err.code, 404);
    assert.equal(err.status, 'NOT_FOUND');
    assert.ok(listed.some((id) => err.message.includes(id)), `message names configured models: ${err.message}`);
    assert.match(err.message, /thinking/);
    assert.match(err.message, /search/);
  }
});
