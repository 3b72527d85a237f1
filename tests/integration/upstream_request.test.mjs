// What the gateway sends to Code Assist: gemini-cli's headers and envelope, snake_case input, history repair
// (thought parts dropped, Gemini 3 signatures kept or replaced by the sentinel).

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import { setupGateway, call, userText, field, DEFAULT_ACCOUNT } from '../lib/harness.mjs';

let ctx;

before(async () => { ctx = await setupGateway(); });
after(async () => { await ctx?.close(); });
beforeEach(() => ctx?.fake.reset());

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const generate = (model, body, { stream = false } = {}) => call(ctx.gw,
  `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`, { key: ctx.key, body });

const TOOLS = [{ functionDeclarations: [{ name: 'lookup', description: 'look something up', parameters: { type: 'OBJECT', properties: { q: { type: 'STRING' } }, required: ['q'] } }] }];
const SENTINEL = 'skip_thought_signature_validator';

test('upstream requests carry gemini-cli\'s User-Agent and x-goog-api-client', async () => {
  for (const [model, stream] of [['gemini-2.5-pro', false], ['gemini-2.5-flash', true]]) {
    const r = await generate(model, { contents: [userText('headers')] }, { stream });
    assert.equal(r.status, 200, ctx.report(r));
    const up = ctx.fake.lastGenerate();
    assert.match(up.headers['user-agent'], new RegExp(`^GeminiCLI/[^/]+/${escape(model)} \\(linux; x64; terminal\\) google-api-nodejs-client/`));
    assert.match(up.headers['x-goog-api-client'], /^gl-node\/\S+/);
    assert.match(up.headers.authorization, /^Bearer ya29\.fake-/);
  }
});

test('the envelope has model, the account\'s project, user_prompt_id and request.session_id', async () => {
  const r = await generate('gemini-2.5-pro', { contents: [userText('envelope')] });
  assert.equal(r.status, 200, ctx.report(r));
  const { body } = ctx.fake.lastGenerate();
  assert.equal(body.model, 'gemini-2.5-pro');
  assert.equal(body.project, DEFAULT_ACCOUNT.project);
  assert.equal(typeof body.user_prompt_id, 'string');
  assert.ok(body.user_prompt_id.length > 0);
  assert.equal(typeof body.request.session_id, 'string');
  assert.ok(body.request.session_id.length > 0);
  assert.deepEqual(body.request.contents, [userText('envelope')]);
});

test('streams are requested with alt=sse', async () => {
  for (const path of ['streamGenerateContent?alt=sse', 'streamGenerateContent']) {
    const r = await call(ctx.gw, `/v1beta/models/gemini-2.5-pro:${path}`, { key: ctx.key, body: { contents: [userText('sse')] } });
    assert.equal(r.status, 200, ctx.report(r));
    const up = ctx.fake.lastGenerate();
    assert.equal(up.rpc, 'streamGenerateContent');
    assert.equal(up.query.alt, 'sse');
  }
});

test('a snake_case native request is accepted and forwarded', async () => {
  const r = await generate('gemini-2.5-pro', {
    contents: [{ role: 'user', parts: [{ text: 'snake' }, { inline_data: { mime_type: 'image/png', data: 'iVBORw0KGgo=' } }] }],
    system_instruction: { parts: [{ text: 'be terse' }] },
    generation_config: { temperature: 0.5, max_output_tokens: 256 },
  });
  assert.equal(r.status, 200, ctx.report(r));
  const req = ctx.fake.lastGenerate().body.request;
  assert.equal(field(req, 'systemInstruction').parts[0].text, 'be terse');
  assert.equal(field(req, 'generationConfig').temperature, 0.5);
  assert.equal(field(field(req, 'generationConfig'), 'maxOutputTokens'), 256);
  assert.equal(field(field(req.contents[0].parts[1], 'inlineData'), 'mimeType'), 'image/png');
});

test('thought parts in the client\'s history are not sent upstream', async () => {
  const r = await generate('gemini-2.5-pro', {
    contents: [userText('question'), { role: 'model', parts: [{ text: 'let me think', thought: true }, { text: 'answer' }] }, userText('next')],
  });
  assert.equal(r.status, 200, ctx.report(r));
  const { contents } = ctx.fake.lastGenerate().body.request;
  for (const c of contents) for (const p of c.parts) assert.notEqual(p.thought, true, JSON.stringify(p));
  assert.ok(contents.some((c) => c.role === 'model' && c.parts.some((p) => p.text === 'answer')), 'the visible answer is kept');
});

test('a Gemini 3 function call without a signature reaches upstream with the sentinel', async () => {
  const r = await generate('gemini-3-pro-preview', {
    contents: [
      userText('look it up'),
      { role: 'model', parts: [{ functionCall: { name: 'lookup', args: { q: 'x' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'lookup', response: { output: 'found' } } }] },
    ],
    tools: TOOLS,
  });
  assert.equal(r.status, 200, ctx.report(r));
  const model_turn = ctx.fake.lastGenerate().body.request.contents.find((c) => c.role === 'model');
  const call_part = model_turn.parts.find((p) => field(p, 'functionCall'));
  assert.equal(field(call_part, 'thoughtSignature'), SENTINEL);
});

test('a signature Google issued is replayed byte for byte', async () => {
  const first = await generate('gemini-3-pro-preview', { contents: [userText('please call tool lookup')], tools: TOOLS });
  assert.equal(first.status, 200, ctx.report(first));
  const part = first.json.candidates[0].content.parts.find((p) => p.functionCall);
  assert.ok(part?.thoughtSignature, `the native response keeps the signature: ${JSON.stringify(first.json)}`);
  const r = await generate('gemini-3-pro-preview', {
    contents: [
      userText('please call tool lookup'),
      { role: 'model', parts: [part] },
      { role: 'user', parts: [{ functionResponse: { name: 'lookup', response: { output: 'found' } } }] },
    ],
    tools: TOOLS,
  });
  assert.equal(r.status, 200, ctx.report(r));
  const model_turn = ctx.fake.lastGenerate().body.request.contents.find((c) => c.role === 'model');
  assert.equal(field(model_turn.parts[0], 'thoughtSignature'), part.thoughtSignature);
  assert.deepEqual(field(model_turn.parts[0], 'functionCall').args, part.functionCall.args);
});
