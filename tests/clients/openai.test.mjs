// The official `openai` SDK against the gateway's OpenAI Chat Completions surface (base URL <gateway>/gemini_cli/v1,
// and the root /v1): create, stream, the stream helper, a Gemini 3 tool-call round trip whose thought signature must
// survive the SDK (also when the client keeps nothing of a tool call but id/type/function), images / audio / video by
// data URI and by http URL, JSON-schema output, code execution, models, errors.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

import {
  start_stack, stack_report, recording_fetch, start_media_server, route_missing, MEDIA, inline_parts, scripted_call,
  upstream_calls,
} from './support.mjs';

const MODEL = 'gemini-2.5-flash';
const G3_MODEL = 'gemini-3-flash-preview';

let stack;
let media;
let missing = null;  // why the OpenAI routes cannot be tested yet (set in before)

// Any failure carries the gateway log and what the fake Google saw, so a red run says which hop broke. Tests fail at
// once, with the reason, when the gateway has no OpenAI routes yet.
function it(name, fn) {
  test(name, async (t) => {
    assert.ok(stack, 'stack did not start (see the before hook error)');
    if (missing) assert.fail(missing);
    try {
      await fn(t);
    } catch (e) {
      e.message = `${e.message}\n${stack_report(stack)}`;
      throw e;
    }
  });
}

// One attempt and a bounded wait: a broken gateway must fail the test now, not after the SDK's retry schedule.
function client({ prefix = '/gemini_cli', key = stack.key, fetch, defaultHeaders } = {}) {
  return new OpenAI({
    apiKey: key, baseURL: `${stack.gw.url}${prefix}/v1`, maxRetries: 0, timeout: 30000,
    ...(fetch ? { fetch } : {}), ...(defaultHeaders ? { defaultHeaders } : {}),
  });
}

before(async () => {
  // The media server comes first: the gateway refuses loopback URLs unless its allow list names this host:port.
  media = await start_media_server({
    '/pixel.png': { body: MEDIA.png, type: 'image/png' },
    '/blob': { body: MEDIA.png },                          // no extension, octet-stream: only sniffing can tell
    '/sound': { body: MEDIA.wav },
    '/clip': { body: MEDIA.mp4, type: 'application/octet-stream' },
  });
  stack = await start_stack({ env: { GCLI_GATEWAY_MEDIA_ALLOW_HOSTS: media.host } });
  missing = await route_missing(stack.gw.url, {
    path: '/gemini_cli/v1/chat/completions', headers: { authorization: `Bearer ${stack.key}` },
  });
});
after(async () => {
  await stack?.close();
  await media?.close();
});

const surfaces = [{ prefix: '/gemini_cli' }, { prefix: '' }];

for (const s of surfaces) {
  describe(`base URL "${s.prefix || ''}/v1"`, () => {
    it('chat.completions.create returns the model text, finish_reason stop, usage and ids', async () => {
      const prompt = `hello from openai ${s.prefix || 'root'}`;
      const r = await client(s).chat.completions.create({
        model: MODEL,
        messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: prompt }],
        temperature: 0.3,
        max_completion_tokens: 500,
      });
      assert.equal(r.object, 'chat.completion');
      assert.equal(r.model, MODEL);
      assert.ok(r.id, 'id is filled');
      assert.equal(r.choices.length, 1);
      assert.equal(r.choices[0].message.role, 'assistant');
      assert.equal(r.choices[0].message.content, `echo: ${prompt}`);
      assert.equal(r.choices[0].finish_reason, 'stop');
      assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0, JSON.stringify(r.usage));
      assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
      const up = stack.fake.lastGenerate();
      assert.equal(up.rpc, 'generateContent');
      assert.equal(up.model, MODEL);
      const inner = up.body.request;
      assert.equal(inner.systemInstruction.parts[0].text, 'You are terse.');
      assert.equal(inner.generationConfig.temperature, 0.3);
      assert.equal(inner.generationConfig.maxOutputTokens, 500);
    });

    it('chat.completions.create({stream:true}) yields deltas, one finish chunk, a usage chunk, and ends at [DONE]', async () => {
      const prompt = `stream this please ${s.prefix || 'root'}`;
      const rec = recording_fetch();
      const stream = await client({ ...s, fetch: rec.fetch }).chat.completions.create({
        model: MODEL, messages: [{ role: 'user', content: prompt }], stream: true, stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const c of stream) chunks.push(c);
      const with_choices = chunks.filter((c) => c.choices.length);
      assert.ok(with_choices.length >= 2, `several content chunks: ${JSON.stringify(chunks)}`);
      assert.equal(with_choices.map((c) => c.choices[0].delta.content ?? '').join(''), `echo: ${prompt}`);
      assert.equal(with_choices[0].choices[0].delta.role, 'assistant');
      const finishes = with_choices.filter((c) => c.choices[0].finish_reason != null);
      assert.equal(finishes.length, 1, 'finish_reason is null on every chunk but one');
      assert.equal(finishes[0].choices[0].finish_reason, 'stop');
      assert.equal(with_choices.at(-1), finishes[0], 'the finish chunk is the last chunk with choices');
      const usage = chunks.at(-1);
      assert.deepEqual(usage.choices, [], 'the usage chunk has no choices');
      assert.ok(usage.usage?.total_tokens > 0, `usage chunk: ${JSON.stringify(usage)}`);
      for (const c of chunks) {
        assert.equal(c.object, 'chat.completion.chunk');
        assert.equal(c.id, chunks[0].id, 'every chunk shares one id');
        assert.equal(c.model, MODEL);
      }
      const raw = await rec.last().done;
      assert.match(rec.last().response_headers['content-type'] || '', /^text\/event-stream/);
      assert.match(raw, /data: \[DONE\]\s*$/, `the stream ends with data: [DONE]:\n${raw.slice(-400)}`);
      assert.doesNotMatch(raw, /^event:/m, 'OpenAI streams carry no event: lines');
      assert.equal(stack.fake.lastGenerate().rpc, 'streamGenerateContent');
    });
  });
}

describe('stream helper and auth variants', () => {
  it('chat.completions.stream(...).finalChatCompletion() assembles the message', async () => {
    const prompt = 'assemble me via the helper';
    const pieces = [];
    const runner = client().chat.completions.stream({ model: MODEL, messages: [{ role: 'user', content: prompt }] });
    runner.on('content', (delta) => pieces.push(delta));
    const done = await runner.finalChatCompletion();
    assert.equal(done.choices[0].message.content, `echo: ${prompt}`);
    assert.equal(done.choices[0].finish_reason, 'stop');
    assert.equal(pieces.join(''), `echo: ${prompt}`);
    assert.equal(await runner.finalContent(), `echo: ${prompt}`);
  });

  it('the key is also accepted as x-api-key (no Authorization header)', async () => {
    const rec = recording_fetch();
    const r = await client({ key: 'unused', fetch: rec.fetch, defaultHeaders: { Authorization: null, 'x-api-key': stack.key } })
      .chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'key by header' }] });
    assert.equal(r.choices[0].message.content, 'echo: key by header');
    assert.equal(rec.last().request_headers.authorization, undefined, 'the SDK sent no Authorization header');
  });

  it('a request with reasoning_effort shows the thoughts as reasoning_content', async () => {
    const r = await client().chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'think first' }], reasoning_effort: 'low',
    });
    assert.equal(r.choices[0].message.content, 'echo: think first');
    assert.match(r.choices[0].message.reasoning_content ?? '', /Considering the request/, JSON.stringify(r.choices[0].message));
    const tc = stack.fake.lastGenerate().body.request.generationConfig.thinkingConfig;
    assert.equal(tc.includeThoughts, true, JSON.stringify(tc));
  });
});

const weather_tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    strict: true,
  },
};

describe(`tool calls on ${G3_MODEL} (thought signatures round-trip through the client)`, () => {
  const user = { role: 'user', content: 'What is the weather in Paris?' };

  async function first_turn(oai, { stream = false } = {}) {
    const signature = scripted_call(stack.fake, { model: G3_MODEL, name: 'get_weather', args: { city: 'Paris' }, stream });
    let message;
    let finish;
    if (stream) {
      const done = await oai.chat.completions.stream({ model: G3_MODEL, messages: [user], tools: [weather_tool] }).finalChatCompletion();
      message = done.choices[0].message;
      finish = done.choices[0].finish_reason;
    } else {
      const r = await oai.chat.completions.create({ model: G3_MODEL, messages: [user], tools: [weather_tool] });
      message = r.choices[0].message;
      finish = r.choices[0].finish_reason;
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(message.tool_calls?.length, 1, JSON.stringify(message));
    const call = message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    assert.ok(call.id, 'the tool call has an id');
    return { message, call, signature };
  }

  async function second_turn(oai, assistant, call_id) {
    const r = await oai.chat.completions.create({
      model: G3_MODEL,
      messages: [user, assistant, { role: 'tool', tool_call_id: call_id, content: '{"temperature_c":21}' }],
      tools: [weather_tool],
    });
    assert.match(r.choices[0].message.content, /^echo: function get_weather returned .*21/);
    assert.equal(r.choices[0].finish_reason, 'stop');
    return stack.fake.lastGenerate();
  }

  it('the assistant message as the SDK returned it replays the functionCall with its signature', async () => {
    const oai = client();
    const { message, call, signature } = await first_turn(oai);
    const up = await second_turn(oai, message, call.id);
    const calls = upstream_calls(up);
    assert.equal(calls.length, 1, JSON.stringify(up.body.request.contents));
    assert.equal(calls[0].name, 'get_weather');
    assert.deepEqual(calls[0].args, { city: 'Paris' });
    assert.equal(calls[0].signature, signature, 'the signature the fake issued came back byte for byte (not a sentinel)');
    const fr = up.body.request.contents.at(-1).parts.find((p) => p.functionResponse);
    assert.equal(fr.functionResponse.name, 'get_weather', 'the function name was recovered from the tool_call_id');
  });

  it('a tool call stripped to id/type/function still carries the signature (in its id)', async () => {
    const oai = client();
    const { message, call, signature } = await first_turn(oai);
    const stripped = {
      role: 'assistant',
      content: message.content ?? null,
      tool_calls: [{ id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } }],
    };
    const up = await second_turn(oai, stripped, call.id);
    const calls = upstream_calls(up);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].signature, signature, `the id ${call.id} carried the signature`);
  });

  it('streamed tool call (assembled by the stream helper) replays with its signature', async () => {
    const oai = client();
    const { message, call, signature } = await first_turn(oai, { stream: true });
    const up = await second_turn(oai, message, call.id);
    assert.equal(upstream_calls(up)[0]?.signature, signature);
  });

  it('the default fake call (no script) round-trips too: streamed create, deltas assembled by hand', async () => {
    const oai = client();
    const ask = { role: 'user', content: 'Weather in Oslo? call tool get_weather with {"city":"Oslo"}' };
    const stream = await oai.chat.completions.create({ model: G3_MODEL, messages: [ask], tools: [weather_tool], stream: true });
    const calls = new Map();
    let finish = null;
    for await (const c of stream) {
      const ch = c.choices[0];
      if (!ch) continue;
      for (const d of ch.delta.tool_calls || []) {
        const cur = calls.get(d.index) || { id: '', type: 'function', function: { name: '', arguments: '' } };
        if (d.id) cur.id = d.id;
        if (d.function?.name) cur.function.name += d.function.name;
        if (d.function?.arguments) cur.function.arguments += d.function.arguments;
        calls.set(d.index, cur);
      }
      if (ch.finish_reason) finish = ch.finish_reason;
    }
    assert.equal(finish, 'tool_calls');
    const call = calls.get(0);
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });
    const r = await oai.chat.completions.create({
      model: G3_MODEL, tools: [weather_tool],
      messages: [ask, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
    });
    assert.match(r.choices[0].message.content, /^echo: function get_weather returned .*sunny/);
    const sent = upstream_calls(stack.fake.lastGenerate())[0];
    assert.ok(sent.signature && !/^(skip_thought_signature_validator|context_engineering_is_the_way_to_go)$/.test(sent.signature),
      `a real signature went back, not the sentinel: ${sent.signature}`);
  });
});

describe('media', () => {
  function user_with(part, text = 'describe this') {
    return [{ role: 'user', content: [{ type: 'text', text }, part] }];
  }

  it('image by data URI -> inlineData image/png with the same bytes', async () => {
    const url = `data:image/png;base64,${MEDIA.png.toString('base64')}`;
    const r = await client().chat.completions.create({ model: MODEL, messages: user_with({ type: 'image_url', image_url: { url, detail: 'low' } }) });
    assert.equal(r.choices[0].message.content, 'echo: describe this');
    assert.deepEqual(inline_parts(stack.fake.lastGenerate()), [{ mimeType: 'image/png', data: MEDIA.png.toString('base64') }]);
  });

  it('image by http URL (a loopback server the gateway is allowed to fetch) -> inlineData', async () => {
    const before_hits = media.hits.length;
    const r = await client().chat.completions.create({ model: MODEL, messages: user_with({ type: 'image_url', image_url: { url: media.url('/pixel.png') } }) });
    assert.equal(r.choices[0].message.content, 'echo: describe this');
    assert.ok(media.hits.slice(before_hits).some((h) => h.path === '/pixel.png'), 'the gateway fetched the URL');
    assert.deepEqual(inline_parts(stack.fake.lastGenerate()), [{ mimeType: 'image/png', data: MEDIA.png.toString('base64') }]);
  });

  it('image URL without extension or content type: the MIME type is sniffed from the bytes', async () => {
    await client().chat.completions.create({ model: MODEL, messages: user_with({ type: 'image_url', image_url: { url: media.url('/blob') } }) });
    assert.deepEqual(inline_parts(stack.fake.lastGenerate()), [{ mimeType: 'image/png', data: MEDIA.png.toString('base64') }]);
  });

  it('audio through image_url: data URI audio/wav and a sniffed http URL', async () => {
    const data_url = `data:audio/wav;base64,${MEDIA.wav.toString('base64')}`;
    await client().chat.completions.create({ model: MODEL, messages: user_with({ type: 'image_url', image_url: { url: data_url } }, 'transcribe') });
    assert.deepEqual(inline_parts(stack.fake.lastGenerate()), [{ mimeType: 'audio/wav', data: MEDIA.wav.toString('base64') }]);
    await client().chat.completions.create({ model: MODEL, messages: user_with({ type: 'image_url', image_url: { url: media.url('/sound') } }, 'transcribe') });
    assert.deepEqual(inline_parts(stack.fake.lastGenerate()), [{ mimeType: 'audio/wav', data: MEDIA.wav.toString('base64') }]);
  });

  it('video through image_url: data URI video/mp4 and a sniffed http URL', async () => {
    const data_url = `data:video/mp4;base64,${MEDIA.mp4.toString('base64')}`;
    await client().chat.completions.create({ model: MODEL, messages: user_with({ type: 'image_url', image_url: { url: data_url } }, 'summarize') });
    assert.deepEqual(inline_parts(stack.fake.lastGenerate()), [{ mimeType: 'video/mp4', data: MEDIA.mp4.toString('base64') }]);
    await client().chat.completions.create({ model: MODEL, messages: user_with({ type: 'image_url', image_url: { url: media.url('/clip') } }, 'summarize') });
    assert.deepEqual(inline_parts(stack.fake.lastGenerate()), [{ mimeType: 'video/mp4', data: MEDIA.mp4.toString('base64') }]);
  });

  it('input_audio (wav) -> inlineData audio/wav', async () => {
    await client().chat.completions.create({
      model: MODEL, messages: user_with({ type: 'input_audio', input_audio: { data: MEDIA.wav.toString('base64'), format: 'wav' } }, 'listen'),
    });
    assert.deepEqual(inline_parts(stack.fake.lastGenerate()), [{ mimeType: 'audio/wav', data: MEDIA.wav.toString('base64') }]);
  });
});

describe('structured output and built-in tools', () => {
  it('response_format json_schema -> responseMimeType + responseJsonSchema; content is the JSON', async () => {
    const schema = {
      type: 'object', properties: { echo: { type: 'string' } }, required: ['echo'], additionalProperties: false,
    };
    const r = await client().chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'answer in json' }],
      response_format: { type: 'json_schema', json_schema: { name: 'echo_answer', schema, strict: true } },
    });
    assert.deepEqual(JSON.parse(r.choices[0].message.content), { echo: 'answer in json' });
    const gc = stack.fake.lastGenerate().body.request.generationConfig;
    assert.equal(gc.responseMimeType, 'application/json');
    assert.ok(gc.responseJsonSchema, `responseJsonSchema sent: ${JSON.stringify(gc)}`);
    assert.equal(gc.responseJsonSchema.type, 'object');
    assert.deepEqual(gc.responseJsonSchema.required, ['echo']);
    assert.equal(gc.responseSchema, undefined, 'responseSchema and responseJsonSchema are exclusive');
  });

  it('response_format json_object -> responseMimeType application/json', async () => {
    const r = await client().chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'json please' }], response_format: { type: 'json_object' },
    });
    assert.deepEqual(JSON.parse(r.choices[0].message.content), { echo: 'json please' });
    assert.equal(stack.fake.lastGenerate().body.request.generationConfig.responseMimeType, 'application/json');
  });

  it('a codeExecution tool: executableCode / codeExecutionResult parts come back as fenced blocks', async () => {
    stack.fake.script({
      model: MODEL, method: 'generateContent',
      body: {
        candidates: [{
          content: {
            role: 'model',
            parts: [
              { text: 'Let me compute that.' },
              { executableCode: { language: 'PYTHON', code: 'print(6 * 7)' } },
              { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '42\n' } },
              { text: 'The answer is 42.' },
            ],
          },
          finishReason: 'STOP',
        }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 20, totalTokenCount: 30, trafficType: 'ON_DEMAND' },
        modelVersion: MODEL,
      },
    });
    const r = await client().chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'compute 6*7 with code' }],
      tools: [{ type: 'function', function: { name: 'codeExecution' } }],
    });
    const content = r.choices[0].message.content;
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.choices[0].message.tool_calls ?? undefined, undefined, 'code execution is not a client tool call');
    assert.match(content, /Let me compute that\./);
    assert.match(content, /```python\nprint\(6 \* 7\)\n```/, content);
    assert.match(content, /```output\n42\n```/, content);
    assert.match(content, /The answer is 42\./);
    const tools = stack.fake.lastGenerate().body.request.tools;
    assert.ok(tools.some((t) => t.codeExecution !== undefined), `codeExecution tool sent upstream: ${JSON.stringify(tools)}`);
    assert.ok(!tools.some((t) => (t.functionDeclarations || []).some((d) => d.name === 'codeExecution')), 'not as a function');
  });
});

describe('models and errors', () => {
  for (const s of surfaces) {
    it(`models.list on "${s.prefix || ''}/v1" returns OpenAI model objects`, async () => {
      const models = [];
      for await (const m of client(s).models.list()) models.push(m);
      assert.ok(models.length > 0);
      for (const m of models) {
        assert.equal(m.object, 'model', JSON.stringify(m));
        assert.equal(typeof m.id, 'string');
        assert.doesNotMatch(m.id, /^models\//);
        assert.equal(typeof m.owned_by, 'string');
        assert.ok(Number.isInteger(m.created), JSON.stringify(m));
      }
      const ids = models.map((m) => m.id);
      assert.ok(ids.includes(MODEL) && ids.includes(G3_MODEL), ids.join(','));
    });
  }

  it('models.retrieve returns one model by id', async () => {
    const m = await client().models.retrieve(MODEL);
    assert.equal(m.id, MODEL);
    assert.equal(m.object, 'model');
  });

  it('every listed model answers a chat completion', async () => {
    const oai = client();
    const failures = [];
    for await (const m of oai.models.list()) {
      try {
        const r = await oai.chat.completions.create({ model: m.id, messages: [{ role: 'user', content: `ping ${m.id}` }] });
        if (r.choices[0].message.content !== `echo: ping ${m.id}`) failures.push(`${m.id}: ${JSON.stringify(r.choices[0].message.content)}`);
      } catch (e) {
        failures.push(`${m.id}: ${e.status ?? ''} ${String(e.message).slice(0, 160)}`);
      }
    }
    assert.deepEqual(failures, [], failures.join('\n'));
  });

  it('a wrong key is an AuthenticationError (401)', async () => {
    await assert.rejects(
      client({ key: 'gw-not-a-real-key' }).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      (e) => e instanceof OpenAI.AuthenticationError && e.status === 401,
    );
  });

  it('an unknown model is a NotFoundError (404)', async () => {
    await assert.rejects(
      client().chat.completions.create({ model: 'gemini-no-such-model-9', messages: [{ role: 'user', content: 'hi' }] }),
      (e) => e instanceof OpenAI.NotFoundError && e.status === 404,
    );
  });

  it('a malformed request is a BadRequestError (400) naming the field', async () => {
    await assert.rejects(
      client().chat.completions.create({ model: MODEL, messages: [] }),
      (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /messages/.test(e.message),
    );
  });
});
