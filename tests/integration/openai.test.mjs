// OpenAI Chat Completions at the wire level (raw fetch, no SDK): what the gateway sends upstream for a request
// (translation.md §9 A), the exact chunk grammar, usage and finish reasons of its answers (§2, §9 B), thought
// signatures carried through tool calls (§9 F), errors (§2.5, §8) and transport details (§9 H). Test names start
// with the checklist number they implement. The real-SDK tests are in tests/clients/openai.test.mjs.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import {
  setupGateway, call, readBody, textEvents, waitFor, googleErrors, field, DEFAULT_ACCOUNT,
} from '../lib/harness.mjs';

const MODEL = 'gemini-2.5-pro';
const G3 = 'gemini-3-flash-preview';
const CHAT = '/v1/chat/completions';
const SENTINELS = new Set(['skip_thought_signature_validator', 'context_engineering_is_the_way_to_go']);
const GEMINI_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

let ctx;
before(async () => { ctx = await setupGateway({ env: { GCLI_GATEWAY_HEARTBEAT_MS: '100' } }); });
after(async () => { await ctx?.close(); });
beforeEach(() => ctx?.fake.reset());

// ---- helpers ---------------------------------------------------------------------------------------------

const chat = (body, { prefix = '', key, auth = 'bearer', ...rest } = {}) => call(ctx.gw, prefix + CHAT,
  { key: key ?? ctx.key, auth, body: { model: MODEL, ...body }, ...rest });
const user = (content) => ({ role: 'user', content });
const upstream = () => ctx.fake.lastGenerate();
const inner = () => upstream()?.body?.request;
const gen_config = () => field(inner(), 'generationConfig') || {};
const fc_config = () => field(field(inner(), 'toolConfig') || {}, 'functionCallingConfig');
const TOOL_GET = { type: 'function', function: { name: 'get', description: 'get a thing', parameters: { type: 'object', properties: { a: { type: 'integer' } } } } };

// One scripted upstream stream event: an inner GenerateContentResponse.
const ev = (parts, { finishReason, usage, index, candidates, delayMs = 0, promptFeedback } = {}) => {
  const data = {};
  if (candidates) data.candidates = candidates;
  else if (parts) {
    const cand = { content: { role: 'model', parts } };
    if (finishReason) cand.finishReason = finishReason;
    if (index !== undefined) cand.index = index;
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

function assert_error_shape(r, status, type) {
  assert.equal(r.status, status, ctx.report(r));
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  assert.ok(r.json && typeof r.json.error === 'object', `OpenAI error body: ${r.text}`);
  assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message', 'param', 'type'], r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0);
  if (type) assert.equal(r.json.error.type, type, r.text);
  return r.json.error;
}

// Parses an OpenAI SSE body strictly (translation.md §2.2): every event is exactly `data: <one line>\n\n` (or a
// `:` comment heartbeat), no `event:` lines; all chunks share id/created/model/object; per choice: an opener with
// role "assistant" first, finish_reason null until exactly one finish chunk, nothing for that choice after it;
// the usage chunk (choices [], full usage) only after every finish chunk; `data: [DONE]` last.
// Returns {chunks, choices: {index: {content, reasoning, toolCalls, finish, chunks}}, usage, done, error, heartbeats}.
function parse_openai_stream(text, { model = MODEL } = {}) {
  const blocks = text.split('\n\n');
  assert.equal(blocks.pop(), '', `the body ends with a blank line: ${JSON.stringify(text.slice(-80))}`);
  const out = { chunks: [], choices: {}, usage: undefined, usageChunks: 0, done: false, error: null, heartbeats: 0, order: [] };
  let id;
  let created;
  for (const block of blocks) {
    assert.ok(!out.done, `nothing after [DONE]: ${JSON.stringify(block)}`);
    assert.ok(!out.error, `nothing after an error event: ${JSON.stringify(block)}`);
    if (block.startsWith(':')) {
      assert.doesNotMatch(block, /\n/, 'a heartbeat is one comment line');
      out.heartbeats++;
      continue;
    }
    assert.doesNotMatch(block, /^event:/m, 'no event: lines on the OpenAI surface');
    assert.match(block, /^data: [^\n]+$/, `one data line per event: ${JSON.stringify(block)}`);
    const raw = block.slice(6);
    if (raw === '[DONE]') { out.done = true; continue; }
    const chunk = JSON.parse(raw);
    if (chunk.error) { out.error = chunk.error; out.order.push('error'); continue; }
    out.chunks.push(chunk);
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.match(chunk.id, /^chatcmpl-/);
    id ??= chunk.id;
    created ??= chunk.created;
    assert.equal(chunk.id, id, 'every chunk has the same id');
    assert.equal(chunk.created, created, 'every chunk has the same created');
    assert.ok(Number.isInteger(chunk.created));
    assert.equal(chunk.model, model);
    assert.ok(Array.isArray(chunk.choices), raw);
    if (chunk.choices.length === 0) {
      assert.ok(chunk.usage && typeof chunk.usage === 'object', `a chunk without choices is the usage chunk: ${raw}`);
      out.usage = chunk.usage;
      out.usageChunks++;
      out.order.push('usage');
      continue;
    }
    assert.equal(out.usageChunks, 0, `no choice chunk after the usage chunk: ${raw}`);
    if (chunk.usage !== undefined) assert.equal(chunk.usage, null, `usage only on the usage chunk: ${raw}`);
    for (const c of chunk.choices) {
      assert.ok(Number.isInteger(c.index), raw);
      let st = out.choices[c.index];
      if (!st) {
        assert.equal(c.delta?.role, 'assistant', `the first delta of choice ${c.index} carries role assistant: ${raw}`);
        st = out.choices[c.index] = { content: '', reasoning: '', toolCalls: [], finish: null, chunks: [] };
      } else {
        assert.equal(st.finish, null, `choice ${c.index} has nothing after its finish chunk: ${raw}`);
      }
      st.chunks.push(c);
      const d = c.delta || {};
      if (typeof d.content === 'string') st.content += d.content;
      if (typeof d.reasoning_content === 'string') st.reasoning += d.reasoning_content;
      assert.ok(!(d.content && d.reasoning_content), `content and reasoning_content never share a delta: ${raw}`);
      assert.equal(d.reasoning, undefined, 'only reasoning_content, never also `reasoning`');
      if (d.tool_calls) {
        assert.equal(d.tool_calls.length, 1, `one tool call per chunk: ${raw}`);
        const tc = d.tool_calls[0];
        assert.ok(Number.isInteger(tc.index), raw);
        if (tc.index === st.toolCalls.length) {
          assert.match(tc.id, /\S/, `the first fragment of a call carries its id: ${raw}`);
          assert.equal(tc.type, 'function');
          assert.equal(typeof tc.function?.name, 'string');
          st.toolCalls.push({ id: tc.id, type: tc.type, name: tc.function.name, arguments: tc.function.arguments ?? '', extra_content: tc.extra_content });
        } else {
          assert.ok(tc.index === st.toolCalls.length - 1, `tool call indices count up from 0: ${raw}`);
          st.toolCalls[tc.index].arguments += tc.function?.arguments ?? '';
        }
      }
      if (c.finish_reason !== null) {
        assert.ok(['stop', 'length', 'tool_calls', 'content_filter'].includes(c.finish_reason), raw);
        st.finish = c.finish_reason;
        out.order.push(`finish:${c.index}`);
      }
    }
  }
  return out;
}

async function stream_chat(body, opts) {
  const r = await chat({ stream: true, ...body }, opts);
  assert.equal(r.status, 200, ctx.report(r));
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  return { r, s: parse_openai_stream(r.text, { model: body.model ?? MODEL }) };
}

// ---- A. request translation ------------------------------------------------------------------------------

test('A1 leading system message -> systemInstruction; envelope model without models/ and with the project', async () => {
  const r = await chat({ model: `models/${MODEL}`, messages: [{ role: 'system', content: 'S' }, user('hi')] });
  assert.equal(r.status, 200, ctx.report(r));
  const up = upstream();
  assert.equal(up.body.model, MODEL);
  assert.equal(up.body.project, DEFAULT_ACCOUNT.project);
  assert.deepEqual(field(up.body.request, 'systemInstruction').parts, [{ text: 'S' }]);
  assert.deepEqual(up.body.request.contents, [{ role: 'user', parts: [{ text: 'hi' }] }]);
});

test('A2 developer role behaves exactly like system', async () => {
  const r = await chat({ messages: [{ role: 'developer', content: [{ type: 'text', text: 'S' }] }, user('hi')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.deepEqual(field(inner(), 'systemInstruction').parts, [{ text: 'S' }]);
  assert.deepEqual(inner().contents, [{ role: 'user', parts: [{ text: 'hi' }] }]);
});

test('A3 a system message after the first user message stays in place as user text; the leading one is hoisted', async () => {
  const r = await chat({
    messages: [{ role: 'system', content: 'S0' }, user('u1'), { role: 'assistant', content: 'a1' }, { role: 'system', content: 'S1' }, user('u2')],
  });
  assert.equal(r.status, 200, ctx.report(r));
  assert.deepEqual(field(inner(), 'systemInstruction').parts, [{ text: 'S0' }]);
  const contents = inner().contents;
  assert.deepEqual(contents.map((c) => c.role), ['user', 'model', 'user']);
  assert.deepEqual(contents[0].parts, [{ text: 'u1' }]);
  assert.deepEqual(contents[1].parts, [{ text: 'a1' }]);
  const texts = contents[2].parts.map((p) => p.text).join('|');
  assert.ok(texts.indexOf('S1') >= 0 && texts.indexOf('S1') < texts.indexOf('u2'), `S1 stays before u2: ${texts}`);
});

test('A4 a request with only a system message sends it as the user turn', async () => {
  const r = await chat({ messages: [{ role: 'system', content: 'only system' }] });
  assert.equal(r.status, 200, ctx.report(r));
  const contents = inner().contents;
  assert.ok(contents.length >= 1);
  assert.equal(contents[0].role, 'user');
  assert.ok(JSON.stringify(contents).includes('only system'));
});

test('A5 user content [text, image_url data URI] -> one user content with text then inlineData, in order', async () => {
  const r = await chat({ messages: [user([{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA=' } }])] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.deepEqual(inner().contents, [{ role: 'user', parts: [{ text: 'look' }, { inlineData: { mimeType: 'image/png', data: 'AAA=' } }] }]);
});

// A6 (image_url with an http(s) URL: fetched, sniffed and inlined; a failing fetch is a 400) is in media.test.mjs.

test('A7 an image/gif data URI is a 400 invalid_request_error and never reaches upstream', async () => {
  const r = await chat({ messages: [user([{ type: 'text', text: 'gif' }, { type: 'image_url', image_url: { url: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=' } }])] });
  assert_error_shape(r, 400, 'invalid_request_error');
  assert.equal(ctx.fake.generateRequests().length, 0);
});

test('A8 input_audio mp3 -> inlineData audio/mp3 (or audio/mpeg) with the data unchanged', async () => {
  const r = await chat({ messages: [user([{ type: 'text', text: 'hear' }, { type: 'input_audio', input_audio: { data: 'SUQzBAAAAAAAAA==', format: 'mp3' } }])] });
  assert.equal(r.status, 200, ctx.report(r));
  const part = inner().contents[0].parts.find((p) => p.inlineData);
  assert.ok(['audio/mp3', 'audio/mpeg'].includes(part.inlineData.mimeType), JSON.stringify(part));
  assert.equal(part.inlineData.data, 'SUQzBAAAAAAAAA==');
});

test('A9 assistant text + tool_calls and a tool message -> model [text, functionCall], user [functionResponse {output}]', async () => {
  const r = await chat({
    tools: [TOOL_GET],
    messages: [user('q'),
      { role: 'assistant', content: 'Let me check', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '42' }],
  });
  assert.equal(r.status, 200, ctx.report(r));
  const [, model, result] = inner().contents;
  assert.equal(model.role, 'model');
  assert.deepEqual(model.parts[0], { text: 'Let me check' });
  assert.equal(model.parts.length, 2);
  assert.equal(model.parts[1].functionCall.name, 'get');
  assert.deepEqual(model.parts[1].functionCall.args, { a: 1 });
  assert.equal(result.role, 'user');
  assert.equal(result.parts.length, 1);
  assert.equal(result.parts[0].functionResponse.name, 'get');
  assert.deepEqual(result.parts[0].functionResponse.response, { output: '42' });
});

test('A10 two parallel calls answered in swapped order -> one user content, functionResponses in call order', async () => {
  const TOOL_PUT = { type: 'function', function: { name: 'put', parameters: { type: 'object', properties: {} } } };
  const r = await chat({
    tools: [TOOL_GET, TOOL_PUT],
    messages: [user('q'),
      { role: 'assistant', content: null, tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'get', arguments: '{}' } },
        { id: 'call_b', type: 'function', function: { name: 'put', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_b', content: 'B' },
      { role: 'tool', tool_call_id: 'call_a', content: 'A' }],
  });
  assert.equal(r.status, 200, ctx.report(r));
  const contents = inner().contents;
  assert.equal(contents.length, 3, JSON.stringify(contents));
  assert.deepEqual(contents[2].parts.map((p) => [p.functionResponse.name, p.functionResponse.response.output]), [['get', 'A'], ['put', 'B']]);
});

test('A11 a tool message answering no earlier call is a 400 invalid_request_error, nothing sent upstream', async () => {
  const r = await chat({ tools: [TOOL_GET], messages: [user('q'), { role: 'tool', tool_call_id: 'call_nobody', content: 'x' }] });
  assert_error_shape(r, 400, 'invalid_request_error');
  assert.equal(ctx.fake.generateRequests().length, 0);
});

test('A12 strict, $schema and additionalProperties:false -> no strict/$schema upstream, schema in parametersJsonSchema', async () => {
  const r = await chat({
    tools: [{ type: 'function', function: { name: 'get', strict: true, parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false } } }],
    messages: [user('q')],
  });
  assert.equal(r.status, 200, ctx.report(r));
  const decl = field(inner().tools[0], 'functionDeclarations')[0];
  assert.equal(decl.name, 'get');
  assert.equal(decl.strict, undefined);
  const schema = field(decl, 'parametersJsonSchema');
  assert.ok(schema, `declared through parametersJsonSchema: ${JSON.stringify(decl)}`);
  assert.equal(schema.$schema, undefined);
  assert.doesNotMatch(JSON.stringify(inner()), /"strict"|"\$schema"/);
  assert.deepEqual(schema.properties, { a: { type: 'string' } });
});

test('A13 tool_choice required/none/auto -> ANY/NONE/AUTO', async () => {
  for (const [choice, mode] of [['required', 'ANY'], ['none', 'NONE'], ['auto', 'AUTO']]) {
    const r = await chat({ tools: [TOOL_GET], tool_choice: choice, messages: [user('q')] });
    assert.equal(r.status, 200, ctx.report(r));
    assert.equal(fc_config()?.mode, mode, choice);
  }
});

test('A14 tool_choice {function:{name}} -> ANY + allowedFunctionNames [name]', async () => {
  const r = await chat({ tools: [TOOL_GET], tool_choice: { type: 'function', function: { name: 'get' } }, messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(fc_config().mode, 'ANY');
  assert.deepEqual(field(fc_config(), 'allowedFunctionNames'), ['get']);
});

test('A15 sampling parameters map to generationConfig (max_completion_tokens wins over max_tokens)', async () => {
  const r = await chat({
    temperature: 0.3, top_p: 0.8, max_completion_tokens: 100, max_tokens: 50, stop: 'END', seed: 7,
    presence_penalty: 0.5, frequency_penalty: 0.25, messages: [user('q')],
  });
  assert.equal(r.status, 200, ctx.report(r));
  const gc = gen_config();
  assert.equal(gc.temperature, 0.3);
  assert.equal(field(gc, 'topP'), 0.8);
  assert.equal(field(gc, 'maxOutputTokens'), 100);
  assert.deepEqual(field(gc, 'stopSequences'), ['END']);
  assert.equal(gc.seed, 7);
  assert.equal(field(gc, 'presencePenalty'), 0.5);
  assert.equal(field(gc, 'frequencyPenalty'), 0.25);
});

test('A16 response_format json_schema -> responseMimeType + responseJsonSchema (kept), json_object -> only the MIME type', async () => {
  const schema = { type: 'object', properties: { a: { type: ['string', 'null'] } }, additionalProperties: false };
  let r = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } }, messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  let gc = gen_config();
  assert.equal(field(gc, 'responseMimeType'), 'application/json');
  assert.deepEqual(field(gc, 'responseJsonSchema'), schema);
  assert.equal(field(gc, 'responseSchema'), undefined);
  r = await chat({ response_format: { type: 'json_object' }, messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  gc = gen_config();
  assert.equal(field(gc, 'responseMimeType'), 'application/json');
  assert.equal(field(gc, 'responseJsonSchema'), undefined);
  assert.equal(field(gc, 'responseSchema'), undefined);
});

test('A17 reasoning_effort high: 2.5 -> thinkingBudget 24576 + includeThoughts; 3.x -> thinkingLevel high, no budget', async () => {
  let r = await chat({ reasoning_effort: 'high', messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  let tc = field(gen_config(), 'thinkingConfig');
  assert.equal(field(tc, 'thinkingBudget'), 24576);
  assert.equal(field(tc, 'includeThoughts'), true);
  r = await chat({ model: 'gemini-3-pro-preview', reasoning_effort: 'high', messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  tc = field(gen_config(), 'thinkingConfig');
  assert.equal(String(field(tc, 'thinkingLevel')).toLowerCase(), 'high');
  assert.equal(field(tc, 'thinkingBudget'), undefined);
});

test('A18 n:2 -> candidateCount 2; n:1 -> candidateCount absent or 1', async () => {
  let r = await chat({ n: 2, messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(field(gen_config(), 'candidateCount'), 2);
  assert.equal(r.json.choices.length, 2);
  assert.deepEqual(r.json.choices.map((c) => c.index), [0, 1]);
  r = await chat({ n: 1, messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.ok([undefined, 1].includes(field(gen_config(), 'candidateCount')));
});

test('A19 a tool named "my tool/v2" is sanitized upstream and its call is reported under the original name', async () => {
  const tool = { type: 'function', function: { name: 'my tool/v2', parameters: { type: 'object', properties: {} } } };
  for (const stream of [false, true]) {
    ctx.fake.reset();
    const r = await chat({ stream, tools: [tool], tool_choice: 'required', messages: [user('q')] });
    assert.equal(r.status, 200, ctx.report(r));
    const up_name = field(inner().tools[0], 'functionDeclarations')[0].name;
    assert.match(up_name, GEMINI_NAME);
    const calls = stream ? parse_openai_stream(r.text).choices[0].toolCalls : r.json.choices[0].message.tool_calls.map((t) => ({ name: t.function.name }));
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, 'my tool/v2');
  }
});

test('A20 an empty assistant message between two user messages leaves no empty content and the users are merged', async () => {
  const r = await chat({ messages: [user('one'), { role: 'assistant', content: '' }, user('two')] });
  assert.equal(r.status, 200, ctx.report(r));
  const contents = inner().contents;
  assert.equal(contents.length, 1, JSON.stringify(contents));
  assert.equal(contents[0].role, 'user');
  assert.deepEqual(contents[0].parts.map((p) => p.text), ['one', 'two']);
});

// ---- B. response and stream ------------------------------------------------------------------------------

test('B21 non-stream: chat.completion with role, content, finish_reason stop and usage arithmetic', async () => {
  ctx.fake.script(whole([{ text: 'Hello' }]));
  const r = await chat({ messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const j = r.json;
  assert.equal(j.object, 'chat.completion');
  assert.match(j.id, /^chatcmpl-/);
  assert.ok(Number.isInteger(j.created));
  assert.equal(j.model, MODEL);
  assert.equal(j.choices.length, 1);
  assert.equal(j.choices[0].index, 0);
  assert.equal(j.choices[0].message.role, 'assistant');
  assert.equal(j.choices[0].message.content, 'Hello');
  assert.equal(j.choices[0].finish_reason, 'stop');
  assert.equal(j.usage.prompt_tokens, 5);
  assert.equal(j.usage.completion_tokens, 5);
  assert.equal(j.usage.total_tokens, 10);
  assert.equal(j.usage.completion_tokens_details.reasoning_tokens, 3);
});

test('B22 stream with include_usage: opener, content, finish chunk, usage chunk, [DONE] -- byte-exact framing', async () => {
  ctx.fake.script({ sse: [ev([{ text: 'Hello' }], { finishReason: 'STOP', usage: USAGE })] });
  const { r, s } = await stream_chat({ stream_options: { include_usage: true }, messages: [user('q')] });
  assert.equal(s.heartbeats, 0, 'no heartbeat in a fast stream');
  const id = s.chunks[0].id;
  const created = s.chunks[0].created;
  const chunk = (choices, extra = {}) => `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: MODEL, choices, ...extra })}\n\n`;
  // Field order is not part of the contract: compare parsed events, and the framing byte for byte.
  assert.match(r.text, /^(data: \{[^\n]*\}\n\n){4}data: \[DONE\]\n\n$/, JSON.stringify(r.text));
  const events = r.text.split('\n\n').filter(Boolean).slice(0, 4).map((b) => JSON.parse(b.slice(6)));
  const expected = [
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    chunk([{ index: 0, delta: { content: 'Hello' }, finish_reason: null }]),
    chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
    chunk([], { usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } }),
  ].map((t) => JSON.parse(t.slice(6)));
  for (let i = 0; i < 4; i++) {
    const got = events[i];
    const want = expected[i];
    for (const k of ['id', 'object', 'created', 'model']) assert.equal(got[k], want[k], `event ${i} ${k}`);
    assert.equal(got.choices.length, want.choices.length, `event ${i}`);
    if (want.choices.length) {
      assert.equal(got.choices[0].index, 0);
      assert.equal(got.choices[0].finish_reason, want.choices[0].finish_reason, `event ${i}`);
      for (const [k, v] of Object.entries(want.choices[0].delta)) assert.equal(got.choices[0].delta[k], v, `event ${i} delta.${k}`);
      if (i >= 1) assert.equal(got.choices[0].delta.role, undefined, `only the opener carries the role (event ${i})`);
      if (i === 2) assert.ok(!got.choices[0].delta.content, 'the finish chunk has an empty delta');
    } else {
      for (const [k, v] of Object.entries(want.usage)) assert.equal(got.usage[k], v, `usage.${k}`);
      assert.equal(got.usage.completion_tokens_details?.reasoning_tokens, 3);
    }
  }
});

test('B23 stream without include_usage: no chunk with empty choices, ends with [DONE]', async () => {
  ctx.fake.script({ sse: textEvents(['Hel', 'lo']) });
  const { s } = await stream_chat({ messages: [user('q')] });
  assert.equal(s.usageChunks, 0);
  assert.ok(s.done);
  assert.equal(s.choices[0].content, 'Hello');
  assert.equal(s.choices[0].finish, 'stop');
  // stream_options without include_usage is the same
  ctx.fake.script({ sse: textEvents(['x']) });
  const { s: s2 } = await stream_chat({ stream_options: { include_usage: false }, messages: [user('q')] });
  assert.equal(s2.usageChunks, 0);
});

test('B24 thought + text in one chunk -> reasoning_content and content in separate chunks, reasoning first; non-stream reasoning_content', async () => {
  const parts = [{ text: 'think', thought: true }, { text: 'answer' }];
  ctx.fake.script({ sse: [ev(parts, { finishReason: 'STOP', usage: USAGE })] });
  const { s } = await stream_chat({ reasoning_effort: 'high', messages: [user('q')] });
  const c = s.choices[0];
  assert.equal(c.reasoning, 'think');
  assert.equal(c.content, 'answer');
  const first_reasoning = c.chunks.findIndex((x) => x.delta?.reasoning_content);
  const first_content = c.chunks.findIndex((x) => x.delta?.content);
  assert.ok(first_reasoning >= 0 && first_reasoning < first_content, 'reasoning comes first, in its own chunk');
  ctx.fake.script(whole(parts));
  const r = await chat({ reasoning_effort: 'high', messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(r.json.choices[0].message.reasoning_content, 'think');
  assert.equal(r.json.choices[0].message.content, 'answer');
});

test('B25 two text parts in one upstream chunk are both delivered', async () => {
  ctx.fake.script({ sse: [ev([{ text: 'Hel' }, { text: 'lo' }], { finishReason: 'STOP', usage: USAGE })] });
  const { s } = await stream_chat({ messages: [user('q')] });
  assert.equal(s.choices[0].content, 'Hello');
  ctx.fake.script(whole([{ text: 'Hel' }, { text: 'lo' }]));
  const r = await chat({ messages: [user('q')] });
  assert.equal(r.json.choices[0].message.content, 'Hello');
});

test('B26 a functionCall -> one tool_calls chunk {index 0, id, type, function{name, arguments}} and finish tool_calls; non-stream content null', async () => {
  ctx.fake.script({ sse: [ev([{ functionCall: { name: 'get', args: { a: 1 } } }], { finishReason: 'STOP', usage: USAGE })] });
  const { s } = await stream_chat({ tools: [TOOL_GET], messages: [user('q')] });
  const c = s.choices[0];
  assert.equal(c.finish, 'tool_calls');
  assert.equal(c.toolCalls.length, 1);
  assert.match(c.toolCalls[0].id, /^call_/);
  assert.equal(c.toolCalls[0].name, 'get');
  assert.deepEqual(JSON.parse(c.toolCalls[0].arguments), { a: 1 });
  const tc_chunks = c.chunks.filter((x) => x.delta?.tool_calls);
  assert.equal(tc_chunks.length, 1, 'whole arguments in one fragment');
  assert.equal(tc_chunks[0].delta.tool_calls[0].index, 0);
  ctx.fake.script(whole([{ functionCall: { name: 'get', args: { a: 1 } } }]));
  const r = await chat({ tools: [TOOL_GET], messages: [user('q')] });
  const m = r.json.choices[0].message;
  assert.equal(m.content, null);
  assert.equal(r.json.choices[0].finish_reason, 'tool_calls');
  assert.equal(m.tool_calls.length, 1);
  assert.equal(m.tool_calls[0].type, 'function');
  assert.match(m.tool_calls[0].id, /^call_/);
  assert.equal(typeof m.tool_calls[0].function.arguments, 'string');
  assert.deepEqual(JSON.parse(m.tool_calls[0].function.arguments), { a: 1 });
});

test('B27 two functionCalls in two chunks -> indices 0 then 1, one call per chunk, distinct ids', async () => {
  const TOOL_PUT = { type: 'function', function: { name: 'put', parameters: { type: 'object', properties: {} } } };
  ctx.fake.script({ sse: [
    ev([{ functionCall: { name: 'get', args: { a: 1 } } }]),
    ev([{ functionCall: { name: 'put', args: {} } }], { finishReason: 'STOP', usage: USAGE }),
  ] });
  const { s } = await stream_chat({ tools: [TOOL_GET, TOOL_PUT], messages: [user('q')] });
  const calls = s.choices[0].toolCalls;
  assert.deepEqual(calls.map((x) => x.name), ['get', 'put']);
  assert.notEqual(calls[0].id, calls[1].id);
  const indices = s.choices[0].chunks.filter((x) => x.delta?.tool_calls).map((x) => x.delta.tool_calls[0].index);
  assert.deepEqual(indices, [0, 1]);
  assert.equal(s.choices[0].finish, 'tool_calls');
});

test('B28 a functionCall without args -> arguments "{}"', async () => {
  ctx.fake.script({ sse: [ev([{ functionCall: { name: 'get' } }], { finishReason: 'STOP', usage: USAGE })] });
  const { s } = await stream_chat({ tools: [TOOL_GET], messages: [user('q')] });
  assert.equal(s.choices[0].toolCalls[0].arguments, '{}');
  ctx.fake.script(whole([{ functionCall: { name: 'get' } }]));
  const r = await chat({ tools: [TOOL_GET], messages: [user('q')] });
  assert.equal(r.json.choices[0].message.tool_calls[0].function.arguments, '{}');
});

test('B29 MAX_TOKENS with no parts -> finish_reason length, content "", no error', async () => {
  const cand = { finishReason: 'MAX_TOKENS' };
  ctx.fake.script({ sse: [ev(null, { candidates: [cand], usage: USAGE })] });
  const { s } = await stream_chat({ messages: [user('q')] });
  assert.equal(s.error, null);
  assert.equal(s.choices[0].finish, 'length');
  assert.equal(s.choices[0].content, '');
  ctx.fake.script({ body: { candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'MAX_TOKENS' }], usageMetadata: USAGE } });
  const r = await chat({ messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(r.json.choices[0].finish_reason, 'length');
  assert.equal(r.json.choices[0].message.content, '');
});

test('B30 SAFETY after partial text -> the text is delivered, finish_reason content_filter', async () => {
  ctx.fake.script({ sse: [ev([{ text: 'partial ' }]), ev([{ text: 'more' }], { finishReason: 'SAFETY', usage: USAGE })] });
  const { s } = await stream_chat({ messages: [user('q')] });
  assert.equal(s.choices[0].content, 'partial more');
  assert.equal(s.choices[0].finish, 'content_filter');
});

test('B31 a blocked prompt (promptFeedback, no candidates) -> 200 with content "" and content_filter; stream opener + finish + [DONE]', async () => {
  const blocked = { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } };
  ctx.fake.script({ body: blocked });
  const r = await chat({ messages: [user('q')] });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(r.json.choices.length, 1);
  assert.equal(r.json.choices[0].message.role, 'assistant');
  assert.equal(r.json.choices[0].message.content, '');
  assert.equal(r.json.choices[0].finish_reason, 'content_filter');
  ctx.fake.script({ sse: [{ data: blocked }] });
  const { s } = await stream_chat({ messages: [user('q')] });
  assert.deepEqual(Object.keys(s.choices), ['0']);
  assert.equal(s.choices[0].finish, 'content_filter');
  assert.equal(s.choices[0].content, '');
  assert.ok(s.done);
});

test('B32 upstream 429 with RetryInfo 30s before streaming -> HTTP 429 JSON error with Retry-After: 30, not SSE', { timeout: 30000 }, async () => {
  const model = 'gemini-2.5-flash-lite';  // its own model: the cooldown this causes must not touch other tests
  ctx.fake.script({ model, status: 429, body: googleErrors.rate_limited(model, '30s'), times: 20 });
  const r = await chat({ model, stream: true, messages: [user('q')] });
  const err = assert_error_shape(r, 429, 'rate_limit_error');
  assert.equal(r.headers.get('retry-after'), '30');
  assert.equal(err.code, 'rate_limit_exceeded');
  assert.doesNotMatch(r.headers.get('content-type'), /event-stream/);
});

test('B33 upstream reset after two chunks -> the deltas, then data: {"error":...}; no finish_reason, no [DONE]', async () => {
  ctx.fake.script({ sse: textEvents(['part one ', 'part two ', 'never'], { delayMs: 30 }), resetAfter: 2 });
  const res = await chat({ stream: true, messages: [user('q')] }, { raw: true });
  assert.equal(res.status, 200);
  const { text } = await readBody(res);
  const s = parse_openai_stream(text);
  assert.equal(s.choices[0].content, 'part one part two ');
  assert.equal(s.choices[0].finish, null, `no fabricated finish_reason: ${text}`);
  assert.ok(s.error, `an error event ends the stream: ${text}`);
  assert.equal(typeof s.error.message, 'string');
  assert.equal(typeof s.error.type, 'string');
  assert.ok(!s.done, 'no [DONE] after an error');
  assert.match(text, /\ndata: \{"error":\{[^\n]*\}\}\n\n$/, 'the error is the last event, as data: {"error":...}');
});

test('B33 an error object inside the upstream stream -> data: {"error":...} after the deltas; no finish_reason, no [DONE]', async () => {
  const err = googleErrors.capacity_exhausted(MODEL, 503);
  ctx.fake.script({ sse: [ev([{ text: 'so far ' }]), { raw: `data: ${JSON.stringify(err)}\n\n` }] });
  const res = await chat({ stream: true, messages: [user('q')] }, { raw: true });
  assert.equal(res.status, 200);
  const { text } = await readBody(res);
  const s = parse_openai_stream(text);
  assert.equal(s.choices[0].content, 'so far ');
  assert.equal(s.choices[0].finish, null, text);
  assert.ok(s.error, text);
  assert.ok(!s.done);
});

test('§2.5/§7.14 upstream 200 that dies before its first event -> a real HTTP 5xx error in OpenAI shape, not a 200 stream', async () => {
  ctx.fake.script({ sse: textEvents(['never sent']), resetAfter: 0, times: 10 });  // every attempt dies
  const r = await chat({ stream: true, messages: [user('q')] });
  assert.ok(r.status >= 500, `HTTP error expected (the response can still be uncommitted), got ${r.status} ${r.headers.get('content-type')}: ${r.text}`);
  assert_error_shape(r, r.status, 'server_error');
});

test('§7.14 an upstream stream that dies before its first event once is retried: the client gets the whole answer', async () => {
  ctx.fake.script({ sse: textEvents(['never sent']), resetAfter: 0 });
  const { s } = await stream_chat({ messages: [user('retried')] });
  assert.equal(s.choices[0].finish, 'stop');
  assert.equal(ctx.fake.generateRequests().length, 2, 'one failed attempt, one retry');
});

test('B34 candidateCount 2 with interleaved candidates -> choices 0 and 1, each with an opener and one finish; usage once', async () => {
  const cands = (a, b, fin) => [
    { index: 0, content: { role: 'model', parts: [{ text: a }] }, ...(fin ? { finishReason: 'STOP' } : {}) },
    { index: 1, content: { role: 'model', parts: [{ text: b }] }, ...(fin ? { finishReason: fin } : {}) },
  ];
  ctx.fake.script({ sse: [
    ev(null, { candidates: cands('A1 ', 'B1 ') }),
    ev(null, { candidates: [cands('', 'B2')[1]] }),
    ev(null, { candidates: cands('A2', 'B3', 'MAX_TOKENS'), usage: USAGE }),
  ] });
  const { s } = await stream_chat({ n: 2, stream_options: { include_usage: true }, messages: [user('q')] });
  assert.deepEqual(Object.keys(s.choices).sort(), ['0', '1']);
  assert.equal(s.choices[0].content, 'A1 A2');
  assert.equal(s.choices[1].content, 'B1 B2B3');
  assert.equal(s.choices[0].finish, 'stop');
  assert.equal(s.choices[1].finish, 'length');
  assert.equal(s.usageChunks, 1);
  assert.equal(s.order.at(-1), 'usage');
});

// finish_reason table (translation.md §7.11) for upstream finish reasons, stream and non-stream.
for (const [reason, expected] of [
  ['STOP', 'stop'], ['MAX_TOKENS', 'length'], ['SAFETY', 'content_filter'], ['RECITATION', 'content_filter'],
  ['BLOCKLIST', 'content_filter'], ['PROHIBITED_CONTENT', 'content_filter'], ['SPII', 'content_filter'],
  ['LANGUAGE', 'content_filter'], ['OTHER', 'content_filter'], ['MALFORMED_FUNCTION_CALL', 'stop'],
  ['FINISH_REASON_UNSPECIFIED', 'stop'],
]) {
  test(`B finish_reason: upstream ${reason} -> ${expected}`, async () => {
    ctx.fake.script({ sse: [ev([{ text: 'x' }], { finishReason: reason, usage: USAGE })] });
    const { s } = await stream_chat({ messages: [user('q')] });
    assert.equal(s.choices[0].finish, expected, 'stream');
    ctx.fake.script(whole([{ text: 'x' }], reason));
    const r = await chat({ messages: [user('q')] });
    assert.equal(r.status, 200, ctx.report(r));
    assert.equal(r.json.choices[0].finish_reason, expected, 'non-stream');
  });
}

test('B an upstream stream that ends cleanly without a finishReason ends with finish_reason stop and [DONE]', async () => {
  ctx.fake.script({ sse: [ev([{ text: 'a' }]), ev([{ text: 'b' }], { usage: USAGE })] });
  const { s } = await stream_chat({ messages: [user('q')] });
  assert.equal(s.choices[0].content, 'ab');
  assert.equal(s.choices[0].finish, 'stop');
  assert.ok(s.done);
});

test('B tool call and text in one candidate: content and tool_calls both reported, finish tool_calls (§7.2)', async () => {
  ctx.fake.script(whole([{ text: 'Let me check' }, { functionCall: { name: 'get', args: { a: 2 } } }]));
  const r = await chat({ tools: [TOOL_GET], messages: [user('q')] });
  assert.equal(r.json.choices[0].message.content, 'Let me check');
  assert.equal(r.json.choices[0].message.tool_calls.length, 1);
  assert.equal(r.json.choices[0].finish_reason, 'tool_calls');
});

test('B include_usage with an upstream that sends no counts still emits a numeric usage chunk (§7.15)', async () => {
  ctx.fake.script({ sse: [ev([{ text: 'no usage' }], { finishReason: 'STOP', usage: { trafficType: 'ON_DEMAND' } })] });
  const { s } = await stream_chat({ stream_options: { include_usage: true }, messages: [user('q')] });
  assert.equal(s.usageChunks, 1);
  for (const k of ['prompt_tokens', 'completion_tokens', 'total_tokens']) assert.ok(Number.isInteger(s.usage[k]), k);
});

// ---- errors (§2.5, §8) -------------------------------------------------------------------------------------

const UPSTREAM_ERRORS = [
  // [label, scripted status, body, expected status, expected type, expected code]
  ['400 INVALID_ARGUMENT', 400, googleErrors.invalid_argument('Request contains an invalid argument.'), 400, 'invalid_request_error'],
  ['400 FAILED_PRECONDITION', 400, googleErrors.google_error(400, 'Precondition check failed.', { status: 'FAILED_PRECONDITION' }), 400, 'invalid_request_error'],
  ['500 INTERNAL', 500, googleErrors.google_error(500, 'Internal error encountered.'), 500, 'server_error'],
  ['503 UNAVAILABLE', 503, googleErrors.google_error(503, 'The service is currently unavailable.'), 503, 'server_error'],
  ['504 DEADLINE_EXCEEDED', 504, googleErrors.google_error(504, 'Deadline expired before operation could complete.'), 504, 'server_error'],
];
for (const [label, status, body, want, type] of UPSTREAM_ERRORS) {
  test(`§8 upstream ${label} -> ${want} ${type} in OpenAI shape, stream and non-stream`, async () => {
    for (const stream of [false, true]) {
      ctx.fake.script({ status, body, times: 5 });
      const r = await chat({ stream, messages: [user('q')] });
      const err = assert_error_shape(r, want, type);
      if (want === 400) assert.ok(err.message.includes(body.error.message), `Google's message is kept: ${err.message}`);
    }
  });
}

test('§8 upstream 404 NOT_FOUND for the model (77) -> 404 invalid_request_error, code model_not_found', async () => {
  for (const stream of [false, true]) {
    const r = await chat({ model: 'gemini-9-ultra', stream, messages: [user('q')] });
    const err = assert_error_shape(r, 404, 'invalid_request_error');
    assert.equal(err.code, 'model_not_found', r.text);
    assert.match(err.message, /gemini-9-ultra/);
  }
});

test('§8 upstream 429 quota -> 429 rate_limit_error with Retry-After, non-stream', { timeout: 30000 }, async () => {
  const model = 'gemini-2.0-flash';
  ctx.fake.script({ model, status: 429, body: googleErrors.rate_limited(model, '2.2s'), times: 20 });
  const r = await chat({ model, messages: [user('q')] });
  assert_error_shape(r, 429, 'rate_limit_error');
  assert.equal(r.headers.get('retry-after'), '3');
});

test('§8 upstream MODEL_CAPACITY_EXHAUSTED 429 -> 429 rate_limit_error (not a client error), stream and non-stream', async () => {
  for (const stream of [false, true]) {
    ctx.fake.script({ status: 429, body: googleErrors.capacity_exhausted(MODEL, 429), times: 5 });
    const r = await chat({ stream, messages: [user('q')] });
    assert_error_shape(r, 429, 'rate_limit_error');
  }
});

test('§8 upstream 401 (the gateway\'s own Google token) -> 5xx server_error, never the client\'s 401', { timeout: 60000 }, async () => {
  const own = await setupGateway();
  try {
    own.fake.script({ status: 401, body: googleErrors.unauthenticated(), times: 20 });
    const r = await call(own.gw, CHAT, { key: own.key, auth: 'bearer', body: { model: MODEL, messages: [user('q')] } });
    assert.ok(r.status === 500 || r.status === 502, `500 or 502 (translation.md §8), got ${r.status}: ${r.text}`);
    assert.equal(r.json?.error?.type, 'server_error', r.text);
  } finally { await own.close(); }
});

test('§8 upstream 403 PERMISSION_DENIED -> 403 permission_error', { timeout: 60000 }, async () => {
  const own = await setupGateway();
  try {
    own.fake.script({ status: 403, body: googleErrors.google_error(403, 'The caller does not have permission'), times: 20 });
    const r = await call(own.gw, CHAT, { key: own.key, auth: 'bearer', body: { model: MODEL, messages: [user('q')] } });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json?.error?.type, 'permission_error', r.text);
    assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message', 'param', 'type']);
  } finally { await own.close(); }
});

test('§2.5 gateway-side request errors are 400 invalid_request_error in OpenAI shape (bad JSON, no messages)', async () => {
  let r = await call(ctx.gw, CHAT, { key: ctx.key, auth: 'bearer', body: '{"model":' });
  assert_error_shape(r, 400, 'invalid_request_error');
  r = await chat({ messages: [] });
  assert_error_shape(r, 400, 'invalid_request_error');
  assert.equal(ctx.fake.generateRequests().length, 0);
});

// ---- F. thought signatures -------------------------------------------------------------------------------

function replay_of(first_request, tool_calls, results) {
  return [...first_request, { role: 'assistant', content: null, tool_calls }, ...results.map(([id, content]) => ({ role: 'tool', tool_call_id: id, content }))];
}
const model_turns = () => inner().contents.filter((c) => c.role === 'model');
const fc_parts = (content) => content.parts.filter((p) => p.functionCall);

test('F66 a functionCall\'s thoughtSignature reaches the client as extra_content.google.thought_signature and comes back on the same part', async () => {
  const sig = ctx.fake.issueSignature(G3);
  ctx.fake.script({ model: G3, ...whole([{ functionCall: { name: 'get', args: { a: 1 } }, thoughtSignature: sig }]) });
  const first = [user('call it')];
  const r1 = await chat({ model: G3, tools: [TOOL_GET], messages: first });
  assert.equal(r1.status, 200, ctx.report(r1));
  const tc = r1.json.choices[0].message.tool_calls[0];
  assert.equal(tc.extra_content?.google?.thought_signature, sig, JSON.stringify(tc));
  const r2 = await chat({ model: G3, tools: [TOOL_GET], messages: replay_of(first, [tc], [[tc.id, '42']]) });
  assert.equal(r2.status, 200, ctx.report(r2));
  const [model] = model_turns();
  assert.equal(fc_parts(model)[0].thoughtSignature, sig);
});

test('F66 streamed: the tool-call delta carries the signature, and the replay sends it back', async () => {
  const sig = ctx.fake.issueSignature(G3);
  ctx.fake.script({ model: G3, sse: [ev([{ functionCall: { name: 'get', args: { a: 1 } }, thoughtSignature: sig }], { finishReason: 'STOP', usage: USAGE })] });
  const first = [user('call it')];
  const { s } = await stream_chat({ model: G3, tools: [TOOL_GET], messages: first });
  const tc = s.choices[0].toolCalls[0];
  assert.equal(tc.extra_content?.google?.thought_signature, sig);
  const call_msg = { id: tc.id, type: 'function', function: { name: tc.name, arguments: tc.arguments } };
  const r2 = await chat({ model: G3, tools: [TOOL_GET], messages: replay_of(first, [call_msg], [[tc.id, '42']]) });
  assert.equal(r2.status, 200, ctx.report(r2));
  assert.equal(fc_parts(model_turns()[0])[0].thoughtSignature, sig);
});

test('F67 a client that keeps only id/type/function still replays the signature (restored from the id)', async () => {
  const sig = ctx.fake.issueSignature(G3);
  ctx.fake.script({ model: G3, ...whole([{ functionCall: { name: 'get', args: { a: 1 } }, thoughtSignature: sig }]) });
  const first = [user('call it')];
  const r1 = await chat({ model: G3, tools: [TOOL_GET], messages: first });
  const { id, type, function: fn } = r1.json.choices[0].message.tool_calls[0];
  const r2 = await chat({ model: G3, tools: [TOOL_GET], messages: replay_of(first, [{ id, type, function: fn }], [[id, '42']]) });
  assert.equal(r2.status, 200, ctx.report(r2));
  assert.equal(fc_parts(model_turns()[0])[0].thoughtSignature, sig);
});

test('F67 a call id the gateway never minted gets the sentinel on the first call of the step (Gemini 3 accepts the replay)', async () => {
  const first = [user('call it')];
  const r = await chat({ model: G3, tools: [TOOL_GET], messages: replay_of(first, [{ id: 'call_foreign', type: 'function', function: { name: 'get', arguments: '{}' } }], [['call_foreign', '42']]) });
  assert.equal(r.status, 200, ctx.report(r));
  assert.ok(SENTINELS.has(fc_parts(model_turns()[0])[0].thoughtSignature), JSON.stringify(model_turns()[0]));
});

test('F68 parallel calls signed only on the first -> on replay the first carries it, the second has none', async () => {
  const TOOL_PUT = { type: 'function', function: { name: 'put', parameters: { type: 'object', properties: {} } } };
  const sig = ctx.fake.issueSignature(G3);
  ctx.fake.script({ model: G3, ...whole([{ functionCall: { name: 'get', args: {} }, thoughtSignature: sig }, { functionCall: { name: 'put', args: {} } }]) });
  const first = [user('call tools')];
  const r1 = await chat({ model: G3, tools: [TOOL_GET, TOOL_PUT], messages: first });
  const tcs = r1.json.choices[0].message.tool_calls;
  assert.equal(tcs.length, 2);
  const r2 = await chat({ model: G3, tools: [TOOL_GET, TOOL_PUT], messages: replay_of(first, tcs, [[tcs[0].id, 'A'], [tcs[1].id, 'B']]) });
  assert.equal(r2.status, 200, ctx.report(r2));
  const fcs = fc_parts(model_turns()[0]);
  assert.equal(fcs[0].thoughtSignature, sig);
  assert.equal(fcs[1].thoughtSignature, undefined);
});

test('F70 a signature minted for another model is not forwarded: the sentinel replaces it', async () => {
  const other = 'gemini-3-pro-preview';
  const sig = ctx.fake.issueSignature(other);
  ctx.fake.script({ model: other, ...whole([{ functionCall: { name: 'get', args: {} }, thoughtSignature: sig }]) });
  const first = [user('call it')];
  const r1 = await chat({ model: other, tools: [TOOL_GET], messages: first });
  const tc = r1.json.choices[0].message.tool_calls[0];
  const r2 = await chat({ model: G3, tools: [TOOL_GET], messages: replay_of(first, [tc], [[tc.id, '42']]) });
  assert.equal(r2.status, 200, ctx.report(r2));
  const got = fc_parts(model_turns()[0])[0].thoughtSignature;
  assert.notEqual(got, sig);
  assert.ok(SENTINELS.has(got), `sentinel expected, got ${got}`);
});

test('F71 multi-step turn (user -> FC1 -> FR1 -> FC2 -> FR2) replay: both calls carry their signatures', async () => {
  const s1 = ctx.fake.issueSignature(G3);
  const s2 = ctx.fake.issueSignature(G3);
  ctx.fake.script({ model: G3, ...whole([{ functionCall: { name: 'get', args: { a: 1 } }, thoughtSignature: s1 }]) });
  let messages = [user('two steps')];
  const r1 = await chat({ model: G3, tools: [TOOL_GET], messages });
  const tc1 = r1.json.choices[0].message.tool_calls[0];
  messages = replay_of(messages, [tc1], [[tc1.id, 'one']]);
  ctx.fake.script({ model: G3, ...whole([{ functionCall: { name: 'get', args: { a: 2 } }, thoughtSignature: s2 }]) });
  const r2 = await chat({ model: G3, tools: [TOOL_GET], messages });
  assert.equal(r2.status, 200, ctx.report(r2));
  const tc2 = r2.json.choices[0].message.tool_calls[0];
  messages = replay_of(messages, [tc2], [[tc2.id, 'two']]);
  const r3 = await chat({ model: G3, tools: [TOOL_GET], messages });
  assert.equal(r3.status, 200, ctx.report(r3));
  assert.deepEqual(model_turns().map((m) => fc_parts(m)[0].thoughtSignature), [s1, s2]);
});

// ---- H. transport ----------------------------------------------------------------------------------------

test('H76 CORS preflight: 204/200 with Access-Control-Allow-Origin and methods/headers that allow the call', async () => {
  for (const p of [CHAT, `/gemini_cli${CHAT}`, '/v1/models']) {
    const r = await call(ctx.gw, p, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.ok(r.status === 204 || r.status === 200, `${p}: ${r.status}`);
    const origin = r.headers.get('access-control-allow-origin');
    assert.ok(origin === '*' || origin === 'http://localhost:3000', `allow-origin: ${origin}`);
    assert.match(r.headers.get('access-control-allow-methods') || '', /POST/);
    // Fetch standard: a `*` in Access-Control-Allow-Headers does not cover Authorization; it must be named.
    const allowed = (r.headers.get('access-control-allow-headers') || '').toLowerCase().split(',').map((x) => x.trim());
    assert.ok(allowed.includes('authorization'), `Authorization must be listed explicitly (a * does not cover it): ${allowed}`);
    assert.ok(allowed.includes('content-type') || allowed.includes('*'), `content-type allowed: ${allowed}`);
  }
});

test('H76 CORS: the actual response to a browser request carries Access-Control-Allow-Origin', async () => {
  const r = await chat({ messages: [user('q')] }, { headers: { origin: 'http://localhost:3000' } });
  assert.equal(r.status, 200, ctx.report(r));
  const origin = r.headers.get('access-control-allow-origin');
  assert.ok(origin === '*' || origin === 'http://localhost:3000', `a browser drops a response without Access-Control-Allow-Origin: ${origin}`);
});

test('H77 unknown model on /v1/models/{id} -> 404 in OpenAI shape', async () => {
  const r = await call(ctx.gw, '/v1/models/gemini-9-ultra', { key: ctx.key, auth: 'bearer' });
  assert_error_shape(r, 404, 'invalid_request_error');
});

test('H /v1/models lists {object:"list", data:[{id, object:"model", created, owned_by}]}, also under /gemini_cli', async () => {
  for (const p of ['/v1/models', '/gemini_cli/v1/models']) {
    const r = await call(ctx.gw, p, { key: ctx.key, auth: 'bearer' });
    assert.equal(r.status, 200, `${p}: ${r.text}`);
    assert.equal(r.json.object, 'list');
    assert.ok(r.json.data.length > 0);
    for (const m of r.json.data) {
      assert.equal(typeof m.id, 'string');
      assert.equal(m.object, 'model');
      assert.ok(Number.isInteger(m.created));
      assert.equal(typeof m.owned_by, 'string');
    }
    assert.ok(r.json.data.some((m) => m.id === MODEL));
    const one = await call(ctx.gw, `${p}/${MODEL}`, { key: ctx.key, auth: 'bearer' });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.id, MODEL);
    assert.equal(one.json.object, 'model');
  }
});

test('H the chat route answers under /gemini_cli too', async () => {
  const r = await chat({ messages: [user('prefixed')] }, { prefix: '/gemini_cli' });
  assert.equal(r.status, 200, ctx.report(r));
  assert.equal(r.json.choices[0].message.content, 'echo: prefixed');
});

test('H78 a client disconnect mid-stream cancels the upstream request', async () => {
  ctx.fake.script({ sse: textEvents(['first ', 'much later'], { delayMs: 10000 }) });
  const ac = new AbortController();
  const res = await chat({ stream: true, messages: [user('q')] }, { raw: true, signal: ac.signal });
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

test('H79 upstream silence -> ": keep-alive" comment heartbeats; the stream still parses to the full answer', async () => {
  ctx.fake.script({ sse: textEvents(['after ', 'silence'], { delayMs: 450 }) });
  const { r, s } = await stream_chat({ messages: [user('q')] });
  assert.ok(s.heartbeats >= 2, `heartbeats during ~450 ms of silence: ${JSON.stringify(r.text)}`);
  for (const b of r.text.split('\n\n').filter((x) => x.startsWith(':'))) assert.equal(b, ': keep-alive');
  assert.equal(s.choices[0].content, 'after silence');
  assert.equal(s.choices[0].finish, 'stop');
  assert.ok(s.done);
});

test('H79 a heartbeat may come before the first upstream byte; the stream is still well-formed', async () => {
  const events = textEvents(['late']);
  events[0].delayMs = 450;  // silence after the upstream headers, before the first event
  ctx.fake.script({ sse: events });
  const { s } = await stream_chat({ messages: [user('q')] });
  assert.ok(s.heartbeats >= 1, 'heartbeats while waiting for the first event');
  assert.equal(s.choices[0].content, 'late');
});

test('H80 auth failures in OpenAI shape: no key 401, wrong Bearer 401, wrong x-api-key 401; nothing reaches upstream', async () => {
  let r = await chat({ messages: [user('q')] }, { auth: 'none' });
  let err = assert_error_shape(r, 401, 'authentication_error');
  r = await chat({ messages: [user('q')] }, { key: `${ctx.key}x` });
  err = assert_error_shape(r, 401, 'authentication_error');
  assert.equal(err.code, 'invalid_api_key');
  r = await chat({ messages: [user('q')] }, { key: 'sk-wrong', auth: 'x-api-key' });
  assert_error_shape(r, 401, 'authentication_error');
  r = await call(ctx.gw, '/v1/models', { key: 'sk-wrong', auth: 'bearer' });
  assert_error_shape(r, 401, 'authentication_error');
  assert.equal(ctx.fake.generateRequests().length, 0);
});
