// Anthropic Messages at the wire level (raw fetch, no SDK): what the gateway sends upstream (translation.md §9 C),
// the exact event grammar with `event:` lines, usage and stop reasons of its answers (§3, §9 D), thinking-block
// signatures (§9 F), count_tokens, errors (§3.4, §8) and transport (§9 H). Test names start with the checklist
// number they implement. The real-SDK and Claude Code tests are in tests/clients/.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import {
  setupGateway, call, readBody, textEvents, waitFor, googleErrors, field,
} from '../lib/harness.mjs';

const MODEL = 'gemini-2.5-pro';
const G3 = 'gemini-3-flash-preview';
const MESSAGES = '/v1/messages';
const SENTINELS = new Set(['skip_thought_signature_validator', 'context_engineering_is_the_way_to_go']);

let ctx;
before(async () => { ctx = await setupGateway({ env: { GCLI_GATEWAY_HEARTBEAT_MS: '100' } }); });
after(async () => { await ctx?.close(); });
beforeEach(() => ctx?.fake.reset());

// ---- helpers ---------------------------------------------------------------------------------------------

const messages = (body, { path = MESSAGES, key, auth = 'x-api-key', headers = {}, ...rest } = {}) => call(ctx.gw, path, {
  key: key ?? ctx.key, auth, headers: { 'anthropic-version': '2023-06-01', ...headers },
  body: { model: MODEL, max_tokens: 1024, ...body }, ...rest,
});
const user = (content) => ({ role: 'user', content });
const assistant = (content) => ({ role: 'assistant', content });
const upstream = () => ctx.fake.lastGenerate();
const inner = () => upstream()?.body?.request;
const gen_config = () => field(inner(), 'generationConfig') || {};
const fc_config = () => field(field(inner(), 'toolConfig') || {}, 'functionCallingConfig');
const TOOL_GET = { name: 'get', description: 'get a thing', input_schema: { type: 'object', properties: { a: { type: 'integer' } } } };

const ev = (parts, { finishReason, usage, candidates, delayMs = 0, promptFeedback } = {}) => {
  const data = {};
  if (candidates) data.candidates = candidates;
  else if (parts) {
    const cand = { content: { role: 'model', parts } };
    if (finishReason) cand.finishReason = finishReason;
    data.candidates = [cand];
  }
  if (promptFeedback) data.promptFeedback = promptFeedback;
  data.usageMetadata = usage || { trafficType: 'ON_DEMAND' };
  data.modelVersion = MODEL;
  data.responseId = 'scripted';
  return { delayMs, data };
};
const USAGE = { promptTokenCount: 5, candidatesTokenCount: 2, thoughtsTokenCount: 3, totalTokenCount: 10, trafficType: 'ON_DEMAND' };
const whole = (parts, finishReason = 'STOP', usage = USAGE) => ({
  body: { candidates: [{ content: { role: 'model', parts }, finishReason }], usageMetadata: usage, modelVersion: MODEL, responseId: 'scripted' },
});

function assert_error(r, status, type) {
  assert.equal(r.status, status, ctx.report(r));
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  assert.equal(r.json?.type, 'error', `Anthropic error body: ${r.text}`);
  assert.equal(typeof r.json.error, 'object', r.text);
  if (type) assert.equal(r.json.error.type, type, r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0);
  return r.json.error;
}

// Parses an Anthropic SSE body strictly (translation.md §3.3): every event is exactly `event: <name>\ndata: <one
// line>\n\n` with data.type == name; message_start once and first; blocks in index order 0,1,2... never
// interleaved, each start / >=1 delta of its own kind / stop; a signature_delta only last in a thinking block;
// message_delta (stop_reason, numeric usage) after the last block, then message_stop last; `ping` anywhere after
// message_start; `error` ends the stream. Returns {events, message, blocks, stopReason, usage, pings, error}.
function parse_anthropic_stream(text) {
  const chunks = text.split('\n\n');
  assert.equal(chunks.pop(), '', `the body ends with a blank line: ${JSON.stringify(text.slice(-80))}`);
  const out = { events: [], names: [], message: null, blocks: [], stopReason: undefined, usage: undefined, delta: null, pings: 0, error: null, stopped: false };
  let open = null;
  const kinds = { text: ['text_delta'], thinking: ['thinking_delta', 'signature_delta'], tool_use: ['input_json_delta'], redacted_thinking: [] };
  for (const chunk of chunks) {
    assert.ok(!out.stopped, `nothing after message_stop: ${JSON.stringify(chunk)}`);
    assert.ok(!out.error, `nothing after an error event: ${JSON.stringify(chunk)}`);
    const m = /^event: ([a-z_]+)\ndata: ([^\n]+)$/.exec(chunk);
    assert.ok(m, `each event is exactly an event: line and a data: line: ${JSON.stringify(chunk)}`);
    const [, name, raw] = m;
    const data = JSON.parse(raw);
    assert.equal(data.type, name, `data.type equals the event name: ${raw}`);
    out.events.push(data);
    out.names.push(name);
    if (name === 'error') { out.error = data.error; continue; }
    if (name === 'ping') { assert.ok(out.message, 'ping only after message_start'); out.pings++; continue; }
    if (name === 'message_start') {
      assert.equal(out.message, null, 'message_start exactly once');
      out.message = data.message;
      continue;
    }
    assert.ok(out.message, `"${name}" before message_start`);
    switch (name) {
      case 'content_block_start':
        assert.equal(open, null, `block ${data.index} starts while block ${open?.index} is open`);
        assert.equal(data.index, out.blocks.length, 'block indices are contiguous from 0');
        assert.equal(out.delta, null, 'no block after message_delta');
        assert.ok(kinds[data.content_block.type], `known block type: ${raw}`);
        open = { index: data.index, type: data.content_block.type, start: data.content_block, text: '', thinking: '', signature: '', json: '', deltas: 0, signed: false };
        out.blocks.push(open);
        break;
      case 'content_block_delta':
        assert.ok(open && data.index === open.index, `delta for the open block: ${raw}`);
        assert.ok(kinds[open.type].includes(data.delta.type), `${data.delta.type} in a ${open.type} block`);
        assert.ok(!open.signed, 'signature_delta is the last delta of its block');
        open.deltas++;
        if (data.delta.type === 'text_delta') open.text += data.delta.text;
        if (data.delta.type === 'thinking_delta') open.thinking += data.delta.thinking;
        if (data.delta.type === 'signature_delta') { open.signature += data.delta.signature; open.signed = true; }
        if (data.delta.type === 'input_json_delta') open.json += data.delta.partial_json;
        break;
      case 'content_block_stop':
        assert.ok(open && data.index === open.index, `stop for the open block: ${raw}`);
        assert.ok(open.deltas >= 1 || open.type === 'tool_use', `block ${open.index} has at least one delta`);
        open = null;
        break;
      case 'message_delta':
        assert.equal(open, null, 'message_delta after the last block stopped');
        assert.equal(out.delta, null, 'one message_delta');
        out.delta = data;
        out.stopReason = data.delta.stop_reason;
        assert.equal(data.delta.stop_sequence, null);
        out.usage = data.usage;
        assert.ok(Number.isInteger(data.usage.output_tokens), `numeric output_tokens: ${raw}`);
        break;
      case 'message_stop':
        assert.ok(out.delta, 'message_stop after message_delta');
        out.stopped = true;
        break;
      default:
        assert.fail(`unknown event ${name}`);
    }
  }
  return out;
}

async function stream_messages(body, opts) {
  const r = await messages({ stream: true, ...body }, opts);
  assert.equal(r.status, 200, ctx.report(r));
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  const s = parse_anthropic_stream(r.text);
  assert.ok(s.stopped, `a complete stream ends with message_stop: ${r.text.slice(-300)}`);
  return { r, s };
}

// ---- C. request translation ------------------------------------------------------------------------------

test('C35 POST /v1/messages?beta=true with Bearer and an unknown anthropic-beta flag is accepted', async () => {
  for (const path of [`${MESSAGES}?beta=true`, `/gemini_cli${MESSAGES}?beta=true`]) {
    const r = await messages({ messages: [user('hi')] }, { path, auth: 'bearer', headers: { 'anthropic-beta': 'some-unknown-2099-01-01,interleaved-thinking-2025-05-14' } });
    assert.equal(r.status, 200, `${path}: ${ctx.report(r)}`);
    assert.equal(r.json.type, 'message');
  }
  const { s } = await stream_messages({ messages: [user('hi')] }, { path: `${MESSAGES}?beta=true`, auth: 'bearer', headers: { 'anthropic-beta': 'some-unknown-2099-01-01' } });
  assert.equal(s.blocks[0].text, 'echo: hi');
});

test('C36 system text blocks with cache_control -> systemInstruction parts ["A","B"], no cache_control upstream', async () => {
  const r = await messages({
    system: [{ type: 'text', text: 'A', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'B' }],
    messages: [user([{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }])],
  });
  assert.equal(r.status, 200, ctx.report(r));
  assert.deepEqual(field(inner(), 'systemInstruction').parts.map((p) => p.text), ['A', 'B']);
  assert.doesNotMatch(upstream().rawBody, /cache_control|cacheControl/);
});

test('C37 a missing max_tokens is a 400 invalid_request_error in Anthropic shape', async () => {
  const r = await call(ctx.gw, MESSAGES, { key: ctx.key, auth: 'x-api-key', body: { model: MODEL, messages: [user('hi')] } });
  assert_error(r, 400, 'invalid_request_error');
  assert.equal(ctx.fake.generateRequests().length, 0);
});

test('C38 max_tokens, stop_sequences, temperature, top_p, top_k -> generationConfig, no injected stop sequences', async () => {
  const r = await messages({ max_tokens: 1000, stop_sequences: ['X'], temperature: 0.2, top_p: 0.9, top_k: 40, messages: [user('hi')] });
  assert.equal(r.status, 200, ctx.report(r));
  const gc = gen_config();
  assert.equal(field(gc, 'maxOutputTokens'), 1000);
  assert.deepEqual(field(gc, 'stopSequences'), ['X']);
  assert.equal(gc.temperature, 0.2);
  assert.equal(field(gc, 'topP'), 0.9);
  assert.equal(field(gc, 'topK'), 40);
});

test('C39 tool_use + tool_result -> model functionCall get{a:1}, then user functionResponse "get" containing 42', async () => {
  const r = await messages({
    tools: [TOOL_GET],
    messages: [user('q'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get', input: { a: 1 } }]),
      user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '42' }] }])],
  });
  assert.equal(r.status, 200, ctx.report(r));
  const [, model, result] = inner().contents;
  assert.equal(model.role, 'model');
  const fc = model.parts.find((p) => p.functionCall).functionCall;
  assert.equal(fc.name, 'get');
  assert.deepEqual(fc.args, { a: 1 });
  assert.equal(result.role, 'user');
  const fr = result.parts.find((p) => p.functionResponse).functionResponse;
  assert.equal(fr.name, 'get');
  assert.match(JSON.stringify(fr.response), /42/);
});

test('C40 tool_result with is_error:true -> functionResponse.response has an "error" key', async () => {
  const r = await messages({
    tools: [TOOL_GET],
    messages: [user('q'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get', input: {} }]),
      user([{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true, content: 'boom' }])],
  });
  assert.equal(r.status, 200, ctx.report(r));
  const fr = inner().contents[2].parts.find((p) => p.functionResponse).functionResponse;
  assert.ok('error' in fr.response, JSON.stringify(fr));
  assert.match(JSON.stringify(fr.response.error), /boom/);
});

test('C41 tool_result content with an image -> the functionResponse and the image in the same user content', async () => {
  const r = await messages({
    tools: [TOOL_GET],
    messages: [user('q'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get', input: {} }]),
      user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'see' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }])],
  });
  assert.equal(r.status, 200, ctx.report(r));
  const turn = inner().contents[2];
  assert.equal(turn.role, 'user');
  const fr = turn.parts.find((p) => p.functionResponse);
  assert.ok(fr, JSON.stringify(turn));
  // Either an inlineData part next to it (§9 C41) or inside functionResponse.parts (Gemini's multimodal results).
  const images = [...turn.parts.filter((p) => p.inlineData), ...(fr.functionResponse.parts || []).filter((p) => p.inlineData)];
  assert.equal(images.length, 1, JSON.stringify(turn));
  assert.deepEqual(images[0].inlineData, { mimeType: 'image/png', data: 'iVBORw0KGgo=' });
});

test('C42 thinking enabled budget 2048 on 2.5 -> thinkingBudget 2048 + includeThoughts; disabled -> no includeThoughts', async () => {
  let r = await messages({ thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 4096, messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  let tc = field(gen_config(), 'thinkingConfig');
  assert.equal(field(tc, 'thinkingBudget'), 2048);
  assert.equal(field(tc, 'includeThoughts'), true);
  r = await messages({ thinking: { type: 'disabled' }, messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  tc = field(gen_config(), 'thinkingConfig') || {};
  assert.notEqual(field(tc, 'includeThoughts'), true);
  assert.ok(!r.json.content.some((b) => b.type === 'thinking'));
});

test('C43 tool_choice tool/none/any/auto -> ANY+[name] / NONE / ANY / AUTO', async () => {
  for (const [choice, mode, names] of [
    [{ type: 'tool', name: 'get' }, 'ANY', ['get']], [{ type: 'none' }, 'NONE'], [{ type: 'any' }, 'ANY'], [{ type: 'auto' }, 'AUTO'],
  ]) {
    const r = await messages({ tools: [TOOL_GET], tool_choice: choice, messages: [user('q')] });
    assert.equal(r.status, 200, `${JSON.stringify(choice)}: ${ctx.report(r)}`);
    assert.equal(fc_config()?.mode, mode, JSON.stringify(choice));
    if (names) assert.deepEqual(field(fc_config(), 'allowedFunctionNames'), names);
  }
});

test('C44 two consecutive user messages -> one user content with both text parts', async () => {
  const r = await messages({ messages: [user('one'), user([{ type: 'text', text: 'two' }])] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.deepEqual(inner().contents, [{ role: 'user', parts: [{ text: 'one' }, { text: 'two' }] }]);
});

test('C45 input_schema with $ref/$defs, const, exclusiveMinimum, format, examples -> refs inlined, keywords dropped, const as enum', async () => {
  const schema = {
    type: 'object',
    $defs: { Pos: { type: 'object', properties: { x: { type: 'number', exclusiveMinimum: 0 } } } },
    properties: {
      where: { $ref: '#/$defs/Pos' },
      kind: { const: 'fixed' },
      link: { type: 'string', format: 'uri', examples: ['https://example.com'] },
    },
  };
  const r = await messages({ tools: [{ name: 'place', input_schema: schema }], messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  const decl = field(inner().tools[0], 'functionDeclarations')[0];
  const json_slot = field(decl, 'parametersJsonSchema');
  const sent = json_slot || field(decl, 'parameters');
  const text = JSON.stringify(sent);
  // §9 C45 lists exclusiveMinimum among the removed keywords, but §5.3 [Design] keeps min/max keywords in the
  // JSON-Schema slot (parametersJsonSchema accepts them); only the proto `parameters` slot must lose it.
  const removed = ['$defs', '$ref', '"const"', '"examples"', ...(json_slot ? [] : ['exclusiveMinimum'])];
  for (const k of removed) assert.ok(!text.includes(k), `${k} removed: ${text}`);
  assert.equal(sent.properties.where.properties.x.type, 'number', `ref inlined: ${text}`);
  assert.deepEqual(sent.properties.kind.enum, ['fixed']);
});

test('C46 a role:"system" message inside messages (Claude Code) becomes user text at its place, not a 400', async () => {
  const r = await messages({ messages: [user('first'), assistant('ok'), { role: 'system', content: 'REMINDER-TEXT' }, user('second')] });
  assert.equal(r.status, 200, ctx.report(r));
  const contents = inner().contents;
  assert.deepEqual(contents.map((c) => c.role), ['user', 'model', 'user']);
  const texts = contents[2].parts.map((p) => p.text).join('|');
  assert.ok(texts.includes('REMINDER-TEXT') && texts.indexOf('REMINDER-TEXT') < texts.indexOf('second'), texts);
});

// ---- D. response and stream ------------------------------------------------------------------------------

test('D47 text "Hi" + STOP -> exactly message_start, block start/delta/stop, message_delta end_turn, message_stop', async () => {
  ctx.fake.script({ sse: [ev([{ text: 'Hi' }], { finishReason: 'STOP', usage: USAGE })] });
  const { r, s } = await stream_messages({ messages: [user('q')] });
  assert.deepEqual(s.names, ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'], r.text);
  const m = s.message;
  assert.match(m.id, /^msg_/);
  assert.equal(m.type, 'message');
  assert.equal(m.role, 'assistant');
  assert.deepEqual(m.content, []);
  assert.equal(m.model, MODEL);
  assert.equal(m.stop_reason, null);
  assert.equal(m.stop_sequence, null);
  assert.ok(Number.isInteger(m.usage.input_tokens) && Number.isInteger(m.usage.output_tokens));
  assert.deepEqual(s.events[1], { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  assert.deepEqual(s.events[2], { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } });
  assert.deepEqual(s.events[3], { type: 'content_block_stop', index: 0 });
  assert.equal(s.stopReason, 'end_turn');
  assert.deepEqual(s.events[5], { type: 'message_stop' });
  assert.match(r.text, /^event: message_start\ndata: \{/);
  assert.match(r.text, /\n\nevent: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
});

test('D48 thought part then text -> thinking block (thinking_delta, signature_delta) then text block, contiguous', async () => {
  const sig = ctx.fake.issueSignature(MODEL);
  ctx.fake.script({ sse: [
    ev([{ text: 'pondering', thought: true }]),
    ev([{ text: '', thought: true, thoughtSignature: sig }]),
    ev([{ text: 'answer' }], { finishReason: 'STOP', usage: USAGE }),
  ] });
  const { s } = await stream_messages({ thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 4096, messages: [user('q')] });
  assert.deepEqual(s.blocks.map((b) => b.type), ['thinking', 'text']);
  assert.equal(s.blocks[0].thinking, 'pondering');
  assert.ok(s.blocks[0].signed, 'the signature arrives as signature_delta');
  assert.ok(s.blocks[0].signature.length > 0);
  assert.ok(s.blocks[0].signature.includes(sig), `the upstream signature is carried (maybe tagged): ${s.blocks[0].signature}`);
  assert.equal(s.blocks[0].start.thinking, '');
  assert.equal(s.blocks[1].text, 'answer');
  assert.equal(s.stopReason, 'end_turn');
});

test('D49 a functionCall -> tool_use block {id toolu_..., name, input:{}} + input_json_delta parsing to the args; stop_reason tool_use', async () => {
  ctx.fake.script({ sse: [ev([{ functionCall: { name: 'get', args: { a: 1, b: [true, 'x'] } } }], { finishReason: 'STOP', usage: USAGE })] });
  const { s } = await stream_messages({ tools: [TOOL_GET], messages: [user('q')] });
  assert.equal(s.blocks.length, 1);
  const b = s.blocks[0];
  assert.equal(b.type, 'tool_use');
  assert.match(b.start.id, /^toolu_/);
  assert.equal(b.start.name, 'get');
  assert.deepEqual(b.start.input, {});
  assert.deepEqual(JSON.parse(b.json), { a: 1, b: [true, 'x'] });
  assert.equal(s.stopReason, 'tool_use');
  ctx.fake.script(whole([{ text: 'calling' }, { functionCall: { name: 'get', args: { a: 1 } } }]));
  const r = await messages({ tools: [TOOL_GET], messages: [user('q')] });
  assert.deepEqual(r.json.content.map((c) => c.type), ['text', 'tool_use']);
  assert.match(r.json.content[1].id, /^toolu_/);
  assert.deepEqual(r.json.content[1].input, { a: 1 });
  assert.equal(r.json.stop_reason, 'tool_use');
});

test('D50 MAX_TOKENS -> stop_reason max_tokens (stream and non-stream)', async () => {
  ctx.fake.script({ sse: [ev([{ text: 'cut' }], { finishReason: 'MAX_TOKENS', usage: USAGE })] });
  const { s } = await stream_messages({ messages: [user('q')] });
  assert.equal(s.stopReason, 'max_tokens');
  ctx.fake.script(whole([{ text: 'cut' }], 'MAX_TOKENS'));
  const r = await messages({ messages: [user('q')] });
  assert.equal(r.json.stop_reason, 'max_tokens');
});

for (const [reason, expected] of [['SAFETY', 'refusal'], ['RECITATION', 'refusal'], ['PROHIBITED_CONTENT', 'refusal'], ['OTHER', 'end_turn'], ['MALFORMED_FUNCTION_CALL', 'end_turn']]) {
  test(`D stop_reason: upstream ${reason} -> ${expected}`, async () => {
    ctx.fake.script({ sse: [ev([{ text: 'x' }], { finishReason: reason, usage: USAGE })] });
    const { s } = await stream_messages({ messages: [user('q')] });
    assert.equal(s.stopReason, expected, 'stream');
    ctx.fake.script(whole([{ text: 'x' }], reason));
    const r = await messages({ messages: [user('q')] });
    assert.equal(r.json.stop_reason, expected, 'non-stream');
  });
}

test('D51 usage {prompt 100, cached 40, candidates 10, thoughts 5} -> input 60, cache_read 40, output 15', async () => {
  const usage = { promptTokenCount: 100, cachedContentTokenCount: 40, candidatesTokenCount: 10, thoughtsTokenCount: 5, totalTokenCount: 115 };
  ctx.fake.script({ sse: [ev([{ text: 'a' }]), ev([{ text: 'b' }], { finishReason: 'STOP', usage })] });
  const { s } = await stream_messages({ messages: [user('q')] });
  const u = s.usage;
  assert.equal(u.output_tokens, 15);
  const input = u.input_tokens ?? s.message.usage.input_tokens;
  assert.equal(input, 60, JSON.stringify(s.delta));
  assert.equal(u.cache_read_input_tokens ?? s.message.usage.cache_read_input_tokens, 40);
  ctx.fake.script(whole([{ text: 'ab' }], 'STOP', usage));
  const r = await messages({ messages: [user('q')] });
  assert.equal(r.json.usage.input_tokens, 60);
  assert.equal(r.json.usage.cache_read_input_tokens, 40);
  assert.equal(r.json.usage.output_tokens, 15);
});

test('D52 a blocked prompt -> 200 with content [] and stop_reason refusal; stream has only message_start/message_delta/message_stop', async () => {
  const blocked = { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } };
  ctx.fake.script({ body: blocked });
  const r = await messages({ messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.deepEqual(r.json.content, []);
  assert.equal(r.json.stop_reason, 'refusal');
  ctx.fake.script({ sse: [{ data: blocked }] });
  const { s } = await stream_messages({ messages: [user('q')] });
  assert.deepEqual(s.names.filter((n) => n !== 'ping'), ['message_start', 'message_delta', 'message_stop']);
  assert.equal(s.stopReason, 'refusal');
});

test('D53 upstream reset mid-stream -> event: error {type:"error", error:{api_error|overloaded_error}}, no message_stop', async () => {
  ctx.fake.script({ sse: textEvents(['part one ', 'part two ', 'never'], { delayMs: 30 }), resetAfter: 2 });
  const res = await messages({ stream: true, messages: [user('q')] }, { raw: true });
  assert.equal(res.status, 200);
  const { text } = await readBody(res);
  const s = parse_anthropic_stream(text);
  assert.equal(s.blocks[0].text, 'part one part two ');
  assert.ok(s.error, `an error event ends the stream: ${text}`);
  assert.ok(['api_error', 'overloaded_error'].includes(s.error.type), JSON.stringify(s.error));
  assert.equal(typeof s.error.message, 'string');
  assert.ok(!s.names.includes('message_stop'));
  assert.ok(!s.names.includes('message_delta'), 'no stop_reason is invented');
  assert.match(text, /\n\nevent: error\ndata: \{"type":"error","error":\{[^\n]*\}\}\n\n$/);
});

test('D53 an error object in the upstream stream (capacity) -> event: error overloaded_error', async () => {
  const err = googleErrors.capacity_exhausted(MODEL, 503);
  ctx.fake.script({ sse: [ev([{ text: 'so far ' }]), { raw: `data: ${JSON.stringify(err)}\n\n` }] });
  const res = await messages({ stream: true, messages: [user('q')] }, { raw: true });
  const { text } = await readBody(res);
  const s = parse_anthropic_stream(text);
  assert.equal(s.blocks[0]?.text, 'so far ');
  assert.equal(s.error?.type, 'overloaded_error', text);
  assert.ok(!s.names.includes('message_stop'));
});

test('§7.14 upstream 200 that dies before its first event -> a real HTTP error in Anthropic shape, not a 200 stream', async () => {
  ctx.fake.script({ sse: textEvents(['never sent']), resetAfter: 0, times: 10 });  // every attempt dies
  const r = await messages({ stream: true, messages: [user('q')] });
  assert.ok(r.status >= 500, `HTTP error expected (the response can still be uncommitted), got ${r.status} ${r.headers.get('content-type')}: ${r.text}`);
  assert_error(r, r.status);
  assert.ok(['api_error', 'overloaded_error'].includes(r.json.error.type), r.text);
});

test('D54 upstream 503 UNAVAILABLE before the first byte -> HTTP 529 overloaded_error JSON, not SSE', async () => {
  for (const stream of [true, false]) {
    ctx.fake.script({ status: 503, body: googleErrors.google_error(503, 'The service is currently unavailable.'), times: 5 });
    const r = await messages({ stream, messages: [user('q')] });
    assert_error(r, 529, 'overloaded_error');
    assert.doesNotMatch(r.headers.get('content-type'), /event-stream/);
  }
});

test('D55 non-stream message: id msg_, type message, role assistant, stop_sequence null, numeric usage', async () => {
  const r = await messages({ messages: [user('hello')] });
  assert.equal(r.status, 200, ctx.report(r));
  const j = r.json;
  assert.match(j.id, /^msg_/);
  assert.equal(j.type, 'message');
  assert.equal(j.role, 'assistant');
  assert.equal(j.model, MODEL);
  assert.deepEqual(j.content, [{ type: 'text', text: 'echo: hello' }]);
  assert.equal(j.stop_reason, 'end_turn');
  assert.equal(j.stop_sequence, null);
  for (const k of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']) {
    assert.ok(Number.isInteger(j.usage[k]), `usage.${k}: ${JSON.stringify(j.usage)}`);
  }
});

test('D55 a claude-* model name is answered under the name the client asked for', async () => {
  const r = await messages({ model: 'claude-sonnet-4-5-20250929', messages: [user('alias')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(r.json.model, 'claude-sonnet-4-5-20250929');
  assert.equal(upstream().body.model, MODEL);
});

test('D56 count_tokens -> {"input_tokens": N}, never a generate call; ?beta=true and /gemini_cli too', async () => {
  for (const path of [`${MESSAGES}/count_tokens`, `${MESSAGES}/count_tokens?beta=true`, `/gemini_cli${MESSAGES}/count_tokens`]) {
    const r = await call(ctx.gw, path, { key: ctx.key, auth: 'x-api-key', body: { model: MODEL, messages: [user('count these tokens please')] } });
    assert.equal(r.status, 200, `${path}: ${ctx.report(r)}`);
    assert.deepEqual(Object.keys(r.json), ['input_tokens']);
    assert.ok(Number.isInteger(r.json.input_tokens) && r.json.input_tokens > 0, r.text);
  }
  assert.equal(ctx.fake.generateRequests().length, 0);
});

test('D56 count_tokens counts the system prompt and the tools too (more than the messages alone)', async () => {
  const msgs = [user('count these tokens please')];
  const count = async (extra) => {
    const r = await call(ctx.gw, `${MESSAGES}/count_tokens`, { key: ctx.key, auth: 'x-api-key', body: { model: MODEL, messages: msgs, ...extra } });
    assert.equal(r.status, 200, ctx.report(r));
    return r.json.input_tokens;
  };
  const bare = await count({});
  const system = 'You are a very careful assistant. '.repeat(20);
  const with_system = await count({ system });
  const tools = [{ name: 'lookup_weather', description: 'Looks up the weather for a city. '.repeat(10), input_schema: { type: 'object', properties: { city: { type: 'string', description: 'the city' } }, required: ['city'] } }];
  const with_tools = await count({ tools });
  const with_both = await count({ system, tools });
  assert.ok(with_system > bare, `system counted: ${with_system} > ${bare}`);
  assert.ok(with_tools > bare, `tools counted: ${with_tools} > ${bare}`);
  assert.ok(with_both > with_system && with_both > with_tools, `both counted: ${with_both}`);
  const sent = ctx.fake.requests({ rpc: 'countTokens' }).at(-1)?.body?.request?.contents;
  if (sent) assert.match(JSON.stringify(sent), /very careful assistant/);
});

// ---- errors (§3.4, §8) -------------------------------------------------------------------------------------

test('§8 upstream 400 -> 400 invalid_request_error with Google\'s message', async () => {
  for (const stream of [false, true]) {
    ctx.fake.script({ status: 400, body: googleErrors.invalid_argument('Request contains an invalid argument.') });
    const r = await messages({ stream, messages: [user('q')] });
    const e = assert_error(r, 400, 'invalid_request_error');
    assert.match(e.message, /invalid argument/);
  }
});

test('§8 upstream 429 rate limit -> 429 rate_limit_error with retry-after (whole seconds)', { timeout: 30000 }, async () => {
  const model = 'gemini-2.5-flash-lite';
  ctx.fake.script({ model, status: 429, body: googleErrors.rate_limited(model, '1.5s'), times: 20 });
  for (const stream of [false, true]) {
    const r = await messages({ model, stream, messages: [user('q')] });
    assert_error(r, 429, 'rate_limit_error');
    assert.match(r.headers.get('retry-after') || '', /^[12]$/, `retry-after: ${r.headers.get('retry-after')}`);
  }
});

test('§8 upstream MODEL_CAPACITY_EXHAUSTED (429 and 503) -> 529 overloaded_error', async () => {
  for (const code of [429, 503]) {
    ctx.fake.script({ status: code, body: googleErrors.capacity_exhausted(MODEL, code), times: 5 });
    const r = await messages({ stream: true, messages: [user('q')] });
    assert_error(r, 529, 'overloaded_error');
  }
});

test('§8 upstream 500 -> 500 api_error; 504 -> 500 api_error or 504 timeout_error', async () => {
  ctx.fake.script({ status: 500, body: googleErrors.google_error(500, 'Internal error encountered.'), times: 5 });
  assert_error(await messages({ messages: [user('q')] }), 500, 'api_error');
  ctx.fake.script({ status: 504, body: googleErrors.google_error(504, 'Deadline expired before operation could complete.'), times: 5 });
  const r = await messages({ messages: [user('q')] });
  assert.ok([500, 504].includes(r.status), r.text);
  assert_error(r, r.status, r.status === 500 ? 'api_error' : 'timeout_error');
});

test('§8 / H77 unknown model -> 404 not_found_error naming the model', async () => {
  for (const stream of [false, true]) {
    const r = await messages({ model: 'gemini-9-ultra', stream, messages: [user('q')] });
    const e = assert_error(r, 404, 'not_found_error');
    assert.match(e.message, /gemini-9-ultra/);
  }
  const c = await call(ctx.gw, `${MESSAGES}/count_tokens`, { key: ctx.key, auth: 'x-api-key', body: { model: 'gemini-9-ultra', messages: [user('q')] } });
  assert_error(c, 404, 'not_found_error');
});

test('§8 upstream 401 (the gateway\'s own token) -> 500 api_error, not the client\'s authentication_error', { timeout: 60000 }, async () => {
  const own = await setupGateway();
  try {
    own.fake.script({ status: 401, body: googleErrors.unauthenticated(), times: 20 });
    const r = await call(own.gw, MESSAGES, { key: own.key, auth: 'x-api-key', body: { model: MODEL, max_tokens: 10, messages: [user('q')] } });
    assert.equal(r.status, 500, r.text);
    assert.equal(r.json?.error?.type, 'api_error', r.text);
  } finally { await own.close(); }
});

test('§8 upstream 403 -> 403 permission_error', { timeout: 60000 }, async () => {
  const own = await setupGateway();
  try {
    own.fake.script({ status: 403, body: googleErrors.google_error(403, 'The caller does not have permission'), times: 20 });
    const r = await call(own.gw, MESSAGES, { key: own.key, auth: 'x-api-key', body: { model: MODEL, max_tokens: 10, messages: [user('q')] } });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json?.type, 'error');
    assert.equal(r.json?.error?.type, 'permission_error', r.text);
  } finally { await own.close(); }
});

test('§3.4 invalid JSON and a malformed request are 400 invalid_request_error, never sent upstream', async () => {
  assert_error(await call(ctx.gw, MESSAGES, { key: ctx.key, auth: 'x-api-key', body: '{"model":' }), 400, 'invalid_request_error');
  assert_error(await messages({ messages: 'not an array' }), 400, 'invalid_request_error');
  assert.equal(ctx.fake.generateRequests().length, 0);
});

// ---- F. signatures ---------------------------------------------------------------------------------------

test('F69 Gemini 3 thought + signed functionCall -> signed thinking block; replaying [thinking, tool_use] sends the signature back on the call', async () => {
  const sig = ctx.fake.issueSignature(G3);
  ctx.fake.script({ model: G3, sse: [
    ev([{ text: 'I should call get', thought: true }]),
    ev([{ functionCall: { name: 'get', args: { a: 1 } }, thoughtSignature: sig }], { finishReason: 'STOP', usage: USAGE }),
  ] });
  const first = [user('call it')];
  const { s } = await stream_messages({ model: G3, tools: [TOOL_GET], thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 4096, messages: first });
  const thinking = s.blocks.filter((b) => b.type === 'thinking');
  assert.ok(thinking.length >= 1 && thinking.at(-1).signature.length > 0, `a signed thinking block: ${JSON.stringify(s.blocks)}`);
  const tool = s.blocks.find((b) => b.type === 'tool_use');
  // Claude Code replays the assistant content block for block.
  const content = s.blocks.map((b) => (b.type === 'thinking' ? { type: 'thinking', thinking: b.thinking, signature: b.signature }
    : b.type === 'tool_use' ? { type: 'tool_use', id: b.start.id, name: b.start.name, input: JSON.parse(b.json || '{}') } : { type: 'text', text: b.text }));
  const r2 = await messages({
    model: G3, tools: [TOOL_GET], thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 4096,
    messages: [...first, assistant(content), user([{ type: 'tool_result', tool_use_id: tool.start.id, content: '42' }])],
  });
  assert.equal(r2.status, 200, ctx.report(r2));
  const model = inner().contents.find((c) => c.role === 'model');
  const fc = model.parts.find((p) => p.functionCall);
  assert.equal(fc.thoughtSignature, sig, JSON.stringify(model));
  assert.ok(!model.parts.some((p) => p.thought), 'thought parts are not sent upstream');
});

test('F70 a thinking signature that is not the gateway\'s (or from another model) is dropped; the sentinel goes on the call', async () => {
  const other = ctx.fake.issueSignature('gemini-3-pro-preview');
  for (const signature of ['EqQBCkYIBxgCKkDforeign-anthropic-signature==', `gw1#gemini-3-pro-preview#${other}`]) {
    const r = await messages({
      model: G3, tools: [TOOL_GET],
      messages: [user('call it'), assistant([{ type: 'thinking', thinking: 'hmm', signature }, { type: 'tool_use', id: 'toolu_x', name: 'get', input: {} }]),
        user([{ type: 'tool_result', tool_use_id: 'toolu_x', content: '42' }])],
    });
    assert.equal(r.status, 200, ctx.report(r));
    const fc = inner().contents.find((c) => c.role === 'model').parts.find((p) => p.functionCall);
    assert.ok(SENTINELS.has(fc.thoughtSignature), `sentinel, not ${fc.thoughtSignature}`);
  }
});

// ---- H. transport ----------------------------------------------------------------------------------------

test('H76 CORS preflight for /v1/messages allows x-api-key, anthropic-version and anthropic-beta', async () => {
  const r = await call(ctx.gw, MESSAGES, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key,anthropic-version,anthropic-beta,content-type,anthropic-dangerous-direct-browser-access' },
  });
  assert.ok(r.status === 204 || r.status === 200, String(r.status));
  assert.ok(['*', 'http://localhost:3000'].includes(r.headers.get('access-control-allow-origin')));
  assert.match(r.headers.get('access-control-allow-methods') || '', /POST/);
  const allowed = (r.headers.get('access-control-allow-headers') || '').toLowerCase();
  assert.ok(allowed === '*' || ['x-api-key', 'anthropic-version', 'anthropic-beta'].every((h) => allowed.includes(h)), allowed);
});

test('H78 a client disconnect mid-stream cancels the upstream request', async () => {
  ctx.fake.script({ sse: textEvents(['first ', 'much later'], { delayMs: 10000 }) });
  const ac = new AbortController();
  const res = await messages({ stream: true, messages: [user('q')] }, { raw: true, signal: ac.signal });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  let seen = '';
  while (!seen.includes('first')) {
    const { value, done } = await reader.read();
    assert.ok(!done);
    seen += Buffer.from(value).toString();
  }
  const t0 = Date.now();
  ac.abort();
  const up = await waitFor(() => ctx.fake.generateRequests().find((r) => r.aborted), { timeoutMs: 1500, message: 'the upstream request to be aborted' });
  assert.ok(up.abortedAt - t0 <= 1200, `upstream aborted ${up.abortedAt - t0} ms after the client`);
});

test('H79 upstream silence -> event: ping {"type":"ping"} heartbeats; the stream still parses whole', async () => {
  ctx.fake.script({ sse: textEvents(['after ', 'silence'], { delayMs: 450 }) });
  const { r, s } = await stream_messages({ messages: [user('q')] });
  assert.ok(s.pings >= 2, `pings during ~450 ms of silence: ${JSON.stringify(r.text)}`);
  assert.match(r.text, /event: ping\ndata: \{"type":"ping"\}\n\n/);
  assert.equal(s.blocks[0].text, 'after silence');
  assert.equal(s.stopReason, 'end_turn');
});

test('H79 silence before the first upstream event -> message_start then pings (never a ping first)', async () => {
  const events = textEvents(['late']);
  events[0].delayMs = 450;
  ctx.fake.script({ sse: events });
  const { s } = await stream_messages({ messages: [user('q')] });
  assert.equal(s.names[0], 'message_start');
  assert.ok(s.pings >= 1);
  assert.equal(s.blocks[0].text, 'late');
});

test('H80 auth failures in Anthropic shape: no key, wrong x-api-key, wrong Bearer -> 401 authentication_error', async () => {
  assert_error(await messages({ messages: [user('q')] }, { auth: 'none' }), 401, 'authentication_error');
  assert_error(await messages({ messages: [user('q')] }, { key: 'sk-ant-wrong' }), 401, 'authentication_error');
  assert_error(await messages({ messages: [user('q')] }, { key: 'sk-ant-wrong', auth: 'bearer' }), 401, 'authentication_error');
  assert_error(await messages({ messages: [user('q')] }, { key: 'sk-ant-wrong', path: `${MESSAGES}?beta=true` }), 401, 'authentication_error');
  const c = await call(ctx.gw, `${MESSAGES}/count_tokens`, { key: 'sk-ant-wrong', auth: 'x-api-key', body: { model: MODEL, messages: [user('q')] } });
  assert_error(c, 401, 'authentication_error');
  assert.equal(ctx.fake.generateRequests().length, 0);
  assert.equal(ctx.fake.requests({ rpc: 'countTokens' }).length, 0);
});

test('§3 responses carry a request-id header (Anthropic SDKs and Claude Code report it)', async () => {
  const ok = await messages({ messages: [user('q')] });
  assert.equal(ok.status, 200);
  const bad = await messages({ messages: [user('q')] }, { key: 'sk-ant-wrong' });
  for (const r of [ok, bad]) assert.match(r.headers.get('request-id') || '', /\S/, `request-id header on ${r.status}: ${[...r.headers.keys()]}`);
});

test('H80 a valid key works as x-api-key and as Authorization: Bearer', async () => {
  for (const auth of ['x-api-key', 'bearer']) {
    const r = await messages({ messages: [user('q')] }, { auth });
    assert.equal(r.status, 200, `${auth}: ${ctx.report(r)}`);
  }
});
