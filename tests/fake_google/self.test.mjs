// Self-test of the fake Google: it must behave like Code Assist and Google OAuth, strictness included.
// Run: node --test tests/fake_google/

import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { startFakeGoogle, CLIENT_ID, CLIENT_SECRET, DEFAULT_MODELS } from './server.mjs';
import { estimate_tokens } from './answers.mjs';
import { rate_limited } from './google_errors.mjs';

const RT = '1//fake-refresh-alice';
const PROJECT = 'alice-project';
const UA = 'GeminiCLI/0.56.0/gemini-2.5-pro (linux; x64; terminal) google-api-nodejs-client/10.9.0';
const SIG_MESSAGE = /^Function call is missing a thought_signature in functionCall parts\. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance\. Additional data, function call `lookup` , position \d+\. Please refer to https:\/\/ai\.google\.dev\/gemini-api\/docs\/thought-signatures for more details\.$/;

let fake;

async function refresh(refreshToken, { clientId = CLIENT_ID, clientSecret = CLIENT_SECRET } = {}) {
  const res = await fetch(`${fake.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret }),
  });
  return { status: res.status, json: await res.json() };
}

// A gemini-cli-like caller of v1internal.
async function ca(rpc, body, { token, headers = {}, query = '', method = 'POST', raw = false } = {}) {
  const h = { 'content-type': 'application/json', 'user-agent': UA, 'x-goog-api-client': 'gl-node/22.18.0', ...headers };
  if (token !== null) h.authorization = `Bearer ${token || fake.issueToken(RT).access_token}`;
  for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
  const path = rpc.startsWith('/') ? rpc : `/v1internal:${rpc}`;
  const res = await fetch(`${fake.url}${path}${query}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  if (raw) return res;
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

const envelope = (request, extra = {}) => ({ model: 'gemini-2.5-pro', project: PROJECT, user_prompt_id: 'session########1', request: { session_id: 'session', ...request }, ...extra });
const user = (text) => ({ role: 'user', parts: [{ text }] });
const generate = (request, extra, opts) => ca('generateContent', envelope(request, extra), opts);

function sse_events(text) {
  return text.split(/\r?\n\r?\n/).filter((b) => b.trim()).map((b) => {
    assert.match(b, /^data: /, 'every event is one data: line');
    assert.equal(b.split(/\r?\n/).length, 1, 'single-line JSON after data:');
    return JSON.parse(b.slice(6));
  });
}

before(async () => {
  fake = await startFakeGoogle({ accounts: [{ refreshToken: RT, email: 'alice@example.com', project: PROJECT }] });
});
after(async () => { await fake.close(); });
beforeEach(() => fake.reset());

describe('OAuth token endpoint', () => {
  test('refresh_token grant issues a bearer token without a new refresh_token', async () => {
    const r = await refresh(RT);
    assert.equal(r.status, 200);
    assert.match(r.json.access_token, /^ya29\.fake-/);
    assert.equal(r.json.expires_in, 3599);
    assert.equal(r.json.token_type, 'Bearer');
    assert.ok(r.json.id_token.split('.').length === 3);
    assert.equal(r.json.refresh_token, undefined);
    const claims = JSON.parse(Buffer.from(r.json.id_token.split('.')[1], 'base64url'));
    assert.equal(claims.email, 'alice@example.com');
  });

  test('other OAuth clients are rejected with 401 invalid_client', async () => {
    assert.deepEqual((await refresh(RT, { clientId: 'someone-else' })), { status: 401, json: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } });
    assert.equal((await refresh(RT, { clientSecret: 'wrong' })).status, 401);
  });

  test('unknown and revoked refresh tokens get invalid_grant', async () => {
    const body = { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' };
    assert.deepEqual(await refresh('1//nobody'), { status: 400, json: body });
    fake.setAccounts({ refreshToken: '1//revoked', revoked: true });
    assert.deepEqual(await refresh('1//revoked'), { status: 400, json: body });
  });

  test('refreshes are counted per refresh token, and the delay option holds the answer', async () => {
    fake.configure({ tokenDelayMs: 150 });
    try {
      const t0 = Date.now();
      await Promise.all([refresh(RT), refresh(RT), refresh('1//nobody')]);
      assert.ok(Date.now() - t0 >= 140);
      const s = fake.stats();
      assert.equal(s.refreshes[RT], 2);
      assert.equal(s.refreshes['1//nobody'], 1);
      assert.equal(s.refreshTotal, 3);
    } finally { fake.configure({ tokenDelayMs: 0 }); }
  });

  test('authorization_code grant returns a refresh token once', async () => {
    fake.setAccounts({ refreshToken: '1//bob', email: 'bob@example.com', authCode: 'code-bob' });
    const form = { grant_type: 'authorization_code', code: 'code-bob', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: 'http://127.0.0.1:5555/oauth2callback' };
    const post = () => fetch(`${fake.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    const r1 = await post();
    assert.equal(r1.status, 200);
    assert.equal((await r1.json()).refresh_token, '1//bob');
    const r2 = await post();
    assert.equal(r2.status, 400);
    assert.equal((await r2.json()).error, 'invalid_grant');
  });

  test('a JSON body is not accepted by the token endpoint', async () => {
    const res = await fetch(`${fake.url}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'refresh_token' }) });
    assert.equal(res.status, 400);
  });

  test('userinfo answers for a valid bearer only', async () => {
    const { json } = await refresh(RT);
    const ok = await fetch(`${fake.url}/oauth2/v2/userinfo`, { headers: { authorization: `Bearer ${json.access_token}` } });
    assert.equal(ok.status, 200);
    const info = await ok.json();
    assert.equal(info.email, 'alice@example.com');
    assert.match(info.id, /^\d+$/);
    const bad = await fetch(`${fake.url}/oauth2/v2/userinfo`, { headers: { authorization: 'Bearer ya29.nope' } });
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).error.status, 'UNAUTHENTICATED');
  });
});

describe('Code Assist authentication and headers', () => {
  test('missing, unknown and expired bearers get 401 UNAUTHENTICATED', async () => {
    for (const token of [null, 'ya29.never-issued']) {
      const r = await generate({ contents: [user('hi')] }, {}, { token });
      assert.equal(r.status, 401);
      assert.equal(r.json.error.status, 'UNAUTHENTICATED');
    }
    const t = fake.issueToken(RT).access_token;
    fake.expireTokens(RT);
    assert.equal((await generate({ contents: [user('hi')] }, {}, { token: t })).status, 401);
  });

  test('a User-Agent or x-goog-api-client other than gemini-cli\'s is rejected and headers are recorded', async () => {
    assert.equal((await generate({ contents: [user('hi')] }, {}, { headers: { 'user-agent': 'curl/8' } })).status, 400);
    assert.equal((await generate({ contents: [user('hi')] }, {}, { headers: { 'x-goog-api-client': undefined } })).status, 400);
    assert.equal((await generate({ contents: [user('hi')] })).status, 200);
    const rec = fake.requests({ rpc: 'generateContent' }).at(-1);
    assert.equal(rec.headers['user-agent'], UA);
    assert.equal(rec.headers['x-goog-api-client'], 'gl-node/22.18.0');
    assert.equal(rec.account, 'alice@example.com');
  });
});

describe('envelope strictness', () => {
  test('unknown top-level and request fields are rejected with Google\'s wording', async () => {
    let r = await generate({ contents: [user('hi')] }, { session_id: 'x' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.status, 'INVALID_ARGUMENT');
    assert.equal(r.json.error.message, 'Invalid JSON payload received. Unknown name "session_id": Cannot find field.');
    r = await generate({ contents: [user('hi')], x: 1 });
    assert.equal(r.json.error.message, 'Invalid JSON payload received. Unknown name "x" at \'request\': Cannot find field.');
    r = await generate({ contents: [user('hi')], generationConfig: { maxTokens: 5 } });
    assert.equal(r.json.error.message, 'Invalid JSON payload received. Unknown name "maxTokens" at \'request.generation_config\': Cannot find field.');
  });

  test('the project must be the account\'s; user_prompt_id is required', async () => {
    let r = await generate({ contents: [user('hi')] }, { project: 'someone-elses' });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.message, 'Permission denied on resource project someone-elses.');
    r = await ca('generateContent', { model: 'gemini-2.5-pro', user_prompt_id: 'p', request: { contents: [user('hi')] } });
    assert.equal(r.status, 500);
    r = await ca('generateContent', { model: 'gemini-2.5-pro', project: PROJECT, request: { contents: [user('hi')] } });
    assert.equal(r.status, 400);
  });

  test('snake_case proto names are accepted like camelCase', async () => {
    const r = await generate({
      contents: [{ role: 'user', parts: [{ text: 'snake' }, { inline_data: { mime_type: 'image/png', data: 'iVBORw0KGgo=' } }] }],
      system_instruction: { parts: [{ text: 'be brief' }] },
      generation_config: { max_output_tokens: 100, thinking_config: { include_thoughts: false } },
    });
    assert.equal(r.status, 200, r.text);
  });

  test('roles other than user/model are rejected', async () => {
    for (const role of ['assistant', 'system', undefined]) {
      const r = await generate({ contents: [{ role, parts: [{ text: 'x' }] }] });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.message, 'Please use a valid role: user, model.');
    }
  });

  test('every part needs exactly one data field, and contents/parts must not be empty', async () => {
    let r = await generate({ contents: [{ role: 'user', parts: [{}] }] });
    assert.match(r.json.error.message, /required oneof field 'data' must have one initialized field/);
    r = await generate({ contents: [{ role: 'user', parts: [{ text: 'a', inlineData: { mimeType: 'image/png', data: 'AAAA' } }] }] });
    assert.match(r.json.error.message, /oneof field 'data' is already set/);
    r = await generate({ contents: [{ role: 'user', parts: [] }] });
    assert.match(r.json.error.message, /contents\.parts must not be empty/);
    r = await generate({ contents: [] });
    assert.match(r.json.error.message, /contents is not specified/);
  });

  test('thought parts are rejected', async () => {
    const r = await generate({ contents: [user('q'), { role: 'model', parts: [{ text: 'hmm', thought: true }, { text: 'a' }] }, user('next')] });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /thought/);
  });

  test('wrong JSON types are rejected (Struct args, base64 signatures)', async () => {
    let r = await generate({ contents: [user('q'), { role: 'model', parts: [{ functionCall: { name: 'f', args: '{"a":1}' } }] }, { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] });
    assert.match(r.json.error.message, /Invalid value at 'request\.contents\[1\]\.parts\[0\]\.function_call\.args' \(type\.googleapis\.com\/google\.protobuf\.Struct\)/);
    r = await generate({ contents: [user('q'), { role: 'model', parts: [{ text: 'a', thoughtSignature: 'gemini:not base64!' }] }, user('x')] });
    assert.match(r.json.error.message, /Base64 decoding failed/);
  });

  test('function responses must match the preceding function calls', async () => {
    const call = (name) => ({ functionCall: { name, args: {} } });
    const resp = (name) => ({ functionResponse: { name, response: { output: 'ok' } } });
    let r = await generate({ contents: [user('q'), { role: 'model', parts: [call('a'), call('b')] }, { role: 'user', parts: [resp('a')] }] });
    assert.equal(r.json.error.message, 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
    r = await generate({ contents: [user('q'), { role: 'user', parts: [resp('a')] }] });
    assert.equal(r.json.error.message, 'Please ensure that function response turn comes immediately after a function call turn.');
    r = await generate({ contents: [user('q'), { role: 'model', parts: [call('a'), call('b')] }, { role: 'user', parts: [resp('a'), resp('b')] }] });
    assert.equal(r.status, 200, r.text);
  });
});

describe('Gemini 3 thought signatures', () => {
  const call = (sig) => ({ functionCall: { name: 'lookup', args: { q: 1 } }, ...(sig ? { thoughtSignature: sig } : {}) });
  const resp = { role: 'user', parts: [{ functionResponse: { name: 'lookup', response: { output: 'x' } } }] };
  const g3 = (contents) => generate({ contents }, { model: 'gemini-3-pro-preview' });

  test('a function call without signature in the active loop gets the real 400', async () => {
    const r = await g3([user('q'), { role: 'model', parts: [call()] }, resp]);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.status, 'INVALID_ARGUMENT');
    assert.match(r.json.error.message, SIG_MESSAGE);
  });

  test('the sentinel and signatures the fake issued are accepted; others are corrupted', async () => {
    assert.equal((await g3([user('q'), { role: 'model', parts: [call('skip_thought_signature_validator')] }, resp])).status, 200);
    assert.equal((await g3([user('q'), { role: 'model', parts: [call(fake.issueSignature('gemini-3-pro-preview'))] }, resp])).status, 200);
    const r = await g3([user('q'), { role: 'model', parts: [call('c29tZW9uZSBlbHNlcw==')] }, resp]);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.message, 'Corrupted thought signature.');
  });

  test('only the first call of a turn needs it, and turns before the active loop are not checked', async () => {
    const two = { role: 'model', parts: [call('skip_thought_signature_validator'), { functionCall: { name: 'lookup', args: {} } }] };
    const two_resp = { role: 'user', parts: [...resp.parts, ...resp.parts] };
    assert.equal((await g3([user('q'), two, two_resp])).status, 200);
    assert.equal((await g3([user('old'), { role: 'model', parts: [call()] }, resp, { role: 'model', parts: [{ text: 'done' }] }, user('new')])).status, 200);
  });

  test('gemini-2.5 does not enforce signatures', async () => {
    assert.equal((await generate({ contents: [user('q'), { role: 'model', parts: [call()] }, resp] })).status, 200);
  });

  test('a call the fake made carries a signature that replays cleanly', async () => {
    const tools = [{ functionDeclarations: [{ name: 'lookup', parametersJsonSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }] }];
    const first = await generate({ contents: [user('please call tool lookup')], tools }, { model: 'gemini-3-pro-preview' });
    assert.equal(first.status, 200, first.text);
    const part = first.json.response.candidates[0].content.parts[0];
    assert.deepEqual(part.functionCall, { name: 'lookup', args: { q: 'test' } });
    assert.ok(part.thoughtSignature);
    const again = await generate({ contents: [user('please call tool lookup'), { role: 'model', parts: [part] }, resp], tools }, { model: 'gemini-3-pro-preview' });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.response.candidates[0].content.parts[0].text, 'echo: function lookup returned {"output":"x"}');
  });
});

describe('tool schemas', () => {
  const decl = (key, schema) => ({ tools: [{ functionDeclarations: [{ name: 'f', [key]: schema }] }], contents: [user('x')] });
  for (const [kw, schema] of [
    ['$schema', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }],
    ['$ref', { type: 'object', properties: { a: { $ref: '#/$defs/A' } } }],
    ['$defs', { type: 'object', $defs: { A: { type: 'string' } } }],
    ['additionalProperties', { type: 'object', additionalProperties: false }],
    ['const', { type: 'object', properties: { a: { type: 'string', const: 'x' } } }],
  ]) {
    test(`${kw} is rejected in parameters but fine in parametersJsonSchema`, async () => {
      const bad = await generate(decl('parameters', schema));
      assert.equal(bad.status, 400);
      assert.match(bad.json.error.message, new RegExp(`Unknown name "${kw.replace('$', '\\$')}" at 'request\\.tools\\[0\\]\\.function_declarations\\[0\\]\\.parameters.*': Cannot find field\\.`));
      assert.equal((await generate(decl('parametersJsonSchema', schema))).status, 200);
    });
  }

  test('type arrays, arrays without items and invalid names are rejected', async () => {
    let r = await generate(decl('parameters', { type: 'object', properties: { a: { type: ['string', 'null'] } } }));
    assert.match(r.json.error.message, /Proto field is not repeating, cannot start list/);
    r = await generate(decl('parameters', { type: 'object', properties: { a: { type: 'array' } } }));
    assert.match(r.json.error.message, /properties\[a\]\.items: missing field/);
    r = await generate({ tools: [{ functionDeclarations: [{ name: 'bad name!' }] }], contents: [user('x')] });
    assert.match(r.json.error.message, /Invalid function name/);
    assert.equal((await generate(decl('parameters', { type: 'OBJECT', properties: { a: { type: 'string', nullable: true, enum: ['x'] } }, required: ['a'] }))).status, 200);
  });
});

describe('models', () => {
  test('unknown models are 404 NOT_FOUND; _vertex twins are known; 3.5-flash must be mapped', async () => {
    for (const model of ['gemini-9-ultra', 'gemini-3.5-flash']) {
      const r = await generate({ contents: [user('x')] }, { model });
      assert.equal(r.status, 404);
      assert.deepEqual(r.json, { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } });
    }
    assert.ok(DEFAULT_MODELS.includes('gemini-2.5-pro_vertex'));
    assert.equal((await generate({ contents: [user('x')] }, { model: 'gemini-2.5-pro_vertex' })).status, 200);
    assert.equal((await generate({ contents: [user('x')] }, { model: 'gemini-3-flash' })).status, 200);
  });
});

describe('default answers', () => {
  test('non-stream: pretty-printed envelope, traceId equals the header, echo text, consistent usage', async () => {
    const contents = [user('hello fake')];
    const r = await generate({ contents });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.ok(r.text.startsWith('{\n  "response"'), 'pretty-printed');
    assert.match(r.json.traceId, /^[0-9a-f]{16}$/);
    assert.equal(r.headers.get('x-cloudaicompanion-trace-id'), r.json.traceId);
    const resp = r.json.response;
    assert.equal(resp.candidates[0].content.parts[0].text, 'echo: hello fake');
    assert.equal(resp.candidates[0].finishReason, 'STOP');
    const u = resp.usageMetadata;
    assert.equal(u.promptTokenCount, estimate_tokens(contents));
    assert.equal(u.totalTokenCount, u.promptTokenCount + u.candidatesTokenCount + (u.thoughtsTokenCount || 0));
    assert.ok(resp.responseId && resp.createTime && resp.modelVersion === 'gemini-2.5-pro');
  });

  test('stream: 3+ single-line data events, traffic-only usage until the final one', async () => {
    const r = await ca('streamGenerateContent', envelope({ contents: [user('stream me please')], generationConfig: { thinkingConfig: { includeThoughts: true } } }), { query: '?alt=sse' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/event-stream');
    const events = sse_events(r.text);
    assert.ok(events.length >= 3);
    const trace = events[0].traceId;
    assert.ok(events.every((e) => e.traceId === trace && e.response));
    assert.equal(events[0].response.candidates[0].content.parts[0].thought, true);
    for (const e of events.slice(0, -1)) assert.deepEqual(e.response.usageMetadata, { trafficType: 'ON_DEMAND' });
    const last = events.at(-1).response;
    assert.equal(last.candidates[0].finishReason, 'STOP');
    assert.ok(last.usageMetadata.thoughtsTokenCount > 0);
    const text = events.flatMap((e) => e.response.candidates[0].content.parts).filter((p) => !p.thought).map((p) => p.text).join('');
    assert.equal(text, 'echo: stream me please');
  });

  test('stream with CRLF line endings when configured', async () => {
    fake.configure({ crlf: true });
    try {
      const r = await ca('streamGenerateContent', envelope({ contents: [user('crlf')] }), { query: '?alt=sse' });
      assert.match(r.text, /^data: .*\r\n\r\ndata: /);
    } finally { fake.configure({ crlf: false }); }
  });

  test('stream without alt=sse is one JSON array', async () => {
    const r = await ca('streamGenerateContent', envelope({ contents: [user('array')] }));
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.ok(Array.isArray(r.json) && r.json.length >= 3);
  });

  test('"call tools" makes parallel calls with a signature on the first only', async () => {
    const tools = [{ functionDeclarations: [{ name: 'a' }, { name: 'b', parameters: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } }] }];
    const r = await ca('streamGenerateContent', envelope({ contents: [user('call tools')], tools }), { query: '?alt=sse' });
    const parts = sse_events(r.text).flatMap((e) => e.response.candidates[0].content.parts);
    assert.deepEqual(parts.map((p) => p.functionCall), [{ name: 'a', args: {} }, { name: 'b', args: { n: 1 } }]);
    assert.ok(parts[0].thoughtSignature);
    assert.equal(parts[1].thoughtSignature, undefined);
  });

  test('countTokens counts like promptTokenCount; top-level model is rejected', async () => {
    const contents = [user('count these characters')];
    let r = await ca('countTokens', { request: { model: 'models/gemini-2.5-pro', contents } });
    assert.deepEqual(r.json, { totalTokens: estimate_tokens(contents) });
    r = await ca('countTokens', { model: 'gemini-2.5-pro', request: { model: 'models/gemini-2.5-pro', contents } });
    assert.equal(r.status, 400);
  });
});

describe('scripted answers', () => {
  test('a plain 429 on a stream is array-wrapped; arrayWrappedError sends it as text/event-stream', async () => {
    fake.script([{ status: 429, body: rate_limited() }, { status: 429, body: rate_limited(), arrayWrappedError: true }]);
    let r = await ca('streamGenerateContent', envelope({ contents: [user('x')] }), { query: '?alt=sse' });
    assert.equal(r.status, 429);
    assert.equal(r.json[0].error.details[1].retryDelay, '0.539477544s');
    assert.match(r.headers.get('content-type'), /^application\/json/);
    r = await ca('streamGenerateContent', envelope({ contents: [user('x')] }), { query: '?alt=sse' });
    assert.equal(r.headers.get('content-type'), 'text/event-stream');
    assert.equal(r.json[0].error.code, 429);
  });

  test('scripts match by model, repeat with times, and leave other calls to the default', async () => {
    fake.script({ model: 'gemini-2.5-flash', status: 400, body: { error: { code: 400, message: 'scripted', status: 'INVALID_ARGUMENT' } }, times: 2 });
    assert.equal((await generate({ contents: [user('x')] })).status, 200);
    assert.equal((await generate({ contents: [user('x')] }, { model: 'gemini-2.5-flash' })).json.error.message, 'scripted');
    assert.equal((await generate({ contents: [user('x')] }, { model: 'gemini-2.5-flash' })).status, 400);
    assert.equal((await generate({ contents: [user('x')] }, { model: 'gemini-2.5-flash' })).status, 200);
  });

  test('a scripted 200 body without the envelope is wrapped in {response, traceId}', async () => {
    fake.script({ body: { candidates: [{ content: { role: 'model', parts: [{ text: 'scripted' }] }, finishReason: 'STOP' }] } });
    const r = await generate({ contents: [user('x')] });
    assert.equal(r.json.response.candidates[0].content.parts[0].text, 'scripted');
    assert.match(r.json.traceId, /^[0-9a-f]{16}$/);
  });

  test('sse events arrive with their delays; resetAfter breaks the connection', async () => {
    const ev = (t) => ({ data: { candidates: [{ content: { role: 'model', parts: [{ text: t }] } }] }, delayMs: 100 });
    fake.script({ sse: [ev('one'), ev('two'), ev('three')], resetAfter: 2 });
    const res = await ca('streamGenerateContent', envelope({ contents: [user('x')] }), { query: '?alt=sse', raw: true });
    const reader = res.body.getReader();
    let text = '';
    let failed = false;
    try {
      for (;;) { const { value, done } = await reader.read(); if (done) break; text += Buffer.from(value).toString(); }
    } catch { failed = true; }
    assert.ok(failed, 'the read must fail after a reset');
    assert.match(text, /"one"/);
    assert.match(text, /"two"/);
    assert.doesNotMatch(text, /"three"/);
    const rec = fake.requests({ rpc: 'streamGenerateContent' }).at(-1);
    assert.equal(rec.resetByFake, true);
    assert.equal(rec.aborted, false);
  });

  test('a client abort mid-stream is recorded within a second', async () => {
    const ev = (t, d) => ({ data: { candidates: [{ content: { role: 'model', parts: [{ text: t }] } }] }, delayMs: d });
    fake.script({ sse: [ev('first', 0), ev('late', 5000)] });
    const ac = new AbortController();
    const res = await fetch(`${fake.url}/v1internal:streamGenerateContent?alt=sse`, {
      method: 'POST', signal: ac.signal, body: JSON.stringify(envelope({ contents: [user('x')] })),
      headers: { authorization: `Bearer ${fake.issueToken(RT).access_token}`, 'content-type': 'application/json', 'user-agent': UA, 'x-goog-api-client': 'gl-node/22' },
    });
    const reader = res.body.getReader();
    await reader.read();
    const t0 = Date.now();
    ac.abort();
    const start = Date.now();
    for (;;) {
      const rec = fake.requests({ rpc: 'streamGenerateContent' }).at(-1);
      if (rec.aborted) break;
      assert.ok(Date.now() - start < 1000, 'abort not seen within 1 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(Date.now() - t0 < 1000);
  });
});

describe('setup: loadCodeAssist, onboarding and quota', () => {
  const META = { metadata: { ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' } };
  const tok = (rt) => fake.issueToken(rt).access_token;

  test('an onboarded account gets currentTier and its project', async () => {
    const r = await ca('loadCodeAssist', META);
    assert.equal(r.json.currentTier.id, 'standard-tier');
    assert.equal(r.json.cloudaicompanionProject, PROJECT);
  });

  test('a new account is onboarded through onboardUser and GET operation polling', async () => {
    fake.setAccounts({ refreshToken: '1//new', email: 'new@example.com', project: 'new-project', onboarded: false, tier: 'free-tier', onboardPolls: 2 });
    const t = tok('1//new');
    let r = await ca('loadCodeAssist', META, { token: t });
    assert.equal(r.json.currentTier, undefined);
    assert.equal(r.json.allowedTiers[0].id, 'free-tier');
    assert.equal(r.json.allowedTiers[0].isDefault, true);
    assert.equal((await ca('onboardUser', { tierId: 'free-tier', cloudaicompanionProject: 'x', ...META }, { token: t })).status, 400, 'free tier must not send a project');
    r = await ca('onboardUser', { tierId: 'free-tier', ...META }, { token: t });
    assert.equal(r.json.done, false);
    assert.match(r.json.name, /^operations\/\d+$/);
    const poll = () => ca(`/v1internal/${r.json.name}`, undefined, { token: t, method: 'GET' });
    assert.equal((await poll()).json.done, false);
    const done = await poll();
    assert.equal(done.json.done, true);
    assert.deepEqual(done.json.response.cloudaicompanionProject, { id: 'new-project', name: 'new-project' });
    r = await ca('loadCodeAssist', META, { token: t });
    assert.equal(r.json.currentTier.id, 'free-tier');
    assert.equal((await generate({ contents: [user('x')] }, { project: 'new-project' }, { token: t })).status, 200);
  });

  test('re-POSTing onboardUser also polls', async () => {
    fake.setAccounts({ refreshToken: '1//repost', project: 'rp', onboarded: false, onboardPolls: 1 });
    const t = tok('1//repost');
    const body = { tierId: 'standard-tier', cloudaicompanionProject: 'rp', ...META };
    assert.equal((await ca('onboardUser', body, { token: t })).json.done, false);
    assert.equal((await ca('onboardUser', body, { token: t })).json.done, true);
  });

  test('ineligible accounts: UNSUPPORTED_CLIENT and VALIDATION_REQUIRED', async () => {
    fake.setAccounts([
      { refreshToken: '1//old', ineligible: { reasonCode: 'UNSUPPORTED_CLIENT' } },
      { refreshToken: '1//verify', ineligible: { reasonCode: 'VALIDATION_REQUIRED', validationUrl: 'https://accounts.google.com/verify?x=1' } },
    ]);
    let r = await ca('loadCodeAssist', META, { token: tok('1//old') });
    assert.equal(r.json.currentTier, undefined);
    assert.equal(r.json.ineligibleTiers[0].reasonCode, 'UNSUPPORTED_CLIENT');
    assert.match(r.json.ineligibleTiers[0].reasonMessage, /no longer supported/);
    r = await ca('loadCodeAssist', META, { token: tok('1//verify') });
    assert.equal(r.json.ineligibleTiers[0].reasonCode, 'VALIDATION_REQUIRED');
    assert.equal(r.json.ineligibleTiers[0].validationUrl, 'https://accounts.google.com/verify?x=1');
    const fakeAccountProject = fake.account('1//verify').project;
    r = await generate({ contents: [user('x')] }, { project: fakeAccountProject }, { token: tok('1//verify') });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.details[0].reason, 'VALIDATION_REQUIRED');
  });

  test('an account needing GOOGLE_CLOUD_PROJECT gets no project unless it names it', async () => {
    fake.setAccounts({ refreshToken: '1//ws', project: 'corp-project', projectFromServer: false });
    const t = tok('1//ws');
    let r = await ca('loadCodeAssist', META, { token: t });
    assert.equal(r.json.currentTier.id, 'standard-tier');
    assert.equal(r.json.cloudaicompanionProject, undefined);
    r = await ca('loadCodeAssist', { cloudaicompanionProject: 'corp-project', metadata: { ...META.metadata, duetProject: 'corp-project' } }, { token: t });
    assert.equal(r.json.cloudaicompanionProject, 'corp-project');
  });

  test('retrieveUserQuota and listExperiments answer for the account\'s project', async () => {
    let r = await ca('retrieveUserQuota', { project: PROJECT });
    assert.ok(r.json.buckets.some((b) => b.modelId === 'gemini-2.5-pro_vertex' && b.tokenType === 'REQUESTS'));
    r = await ca('listExperiments', { project: PROJECT, metadata: { ideName: 'IDE_UNSPECIFIED' } });
    assert.ok(Array.isArray(r.json.flags));
  });
});

describe('control API over HTTP and the command line', () => {
  test('script, requests, stats, accounts and reset work over HTTP', async () => {
    const post = (p, b) => fetch(`${fake.url}/__control/${p}`, { method: 'POST', body: JSON.stringify(b) }).then((r) => r.json());
    assert.equal((await post('script', { status: 503, body: { error: { code: 503, message: 'busy', status: 'UNAVAILABLE' } } })).queued, 1);
    assert.equal((await generate({ contents: [user('x')] })).status, 503);
    const { requests } = await (await fetch(`${fake.url}/__control/requests?rpc=generateContent`)).json();
    assert.equal(requests.length, 1);
    assert.equal(requests[0].body.request.contents[0].parts[0].text, 'x');
    assert.equal(requests[0].aborted, false);
    const stats = await (await fetch(`${fake.url}/__control/stats`)).json();
    assert.equal(stats.methods.generateContent, 1);
    await post('accounts', { refreshToken: '1//via-http', email: 'http@example.com' });
    assert.equal((await refresh('1//via-http')).status, 200);
    await post('reset', {});
    assert.equal(fake.requests().length, 0);
  });

  test('node server.mjs --port 0 prints its port and serves', async () => {
    const p = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url)), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise((resolve, reject) => {
        let buf = '';
        p.stdout.on('data', (d) => { buf += d; if (buf.includes('\n')) resolve(buf.split('\n')[0]); });
        p.once('exit', () => reject(new Error('exited early')));
      });
      const { port } = JSON.parse(line);
      assert.ok(port > 0);
      const s = await fetch(`http://127.0.0.1:${port}/__control/stats`);
      assert.equal(s.status, 200);
    } finally {
      p.kill('SIGTERM');
    }
  });
});
