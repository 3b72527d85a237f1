// The official @google/genai SDK against the gateway's Gemini-native surface (under /gemini_cli and at the root,
// API versions v1beta and v1): generate, stream, countTokens, models, errors, and a Gemini 3 function-call round trip
// whose thought signature must survive the trip through the gateway both ways.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GoogleGenAI, ApiError } from '@google/genai';

import { start_stack, stack_report } from './support.mjs';

let stack;

// Any failure carries the gateway log and what the fake Google saw, so a red run says which hop broke.
function it(name, fn) {
  test(name, async (t) => {
    assert.ok(stack, 'stack did not start (see the before hook error)');
    try {
      await fn(t);
    } catch (e) {
      e.message = `${e.message}\n${stack_report(stack)}`;
      throw e;
    }
  });
}

function client({ prefix = '/gemini_cli', apiVersion = 'v1beta', key = stack.key } = {}) {
  return new GoogleGenAI({
    apiKey: key,
    apiVersion,
    // One attempt: a broken gateway must fail the test now, not after the SDK's backoff schedule.
    httpOptions: { baseUrl: stack.gw.url + prefix, retryOptions: { attempts: 1 }, timeout: 30000 },
  });
}

const MODEL = 'gemini-2.5-flash';
const G3_MODEL = 'gemini-3-flash-preview';

before(async () => { stack = await start_stack(); });
after(async () => { await stack?.close(); });

const surfaces = [
  { prefix: '/gemini_cli', apiVersion: 'v1beta' },
  { prefix: '/gemini_cli', apiVersion: 'v1' },
  { prefix: '', apiVersion: 'v1beta' },
  { prefix: '', apiVersion: 'v1' },
];

for (const s of surfaces) {
  describe(`base URL "${s.prefix || '/'}" with apiVersion ${s.apiVersion}`, () => {
    it('models.generateContent returns the model text, usage and a responseId', async () => {
      const prompt = `hello from genai ${s.apiVersion}${s.prefix}`;
      const r = await client(s).models.generateContent({ model: MODEL, contents: prompt });
      assert.equal(r.text, `echo: ${prompt}`);
      assert.equal(r.candidates[0].finishReason, 'STOP');
      assert.ok(r.usageMetadata?.totalTokenCount > 0, `usageMetadata: ${JSON.stringify(r.usageMetadata)}`);
      assert.ok(r.responseId, 'responseId is filled');
      const up = stack.fake.lastGenerate();
      assert.equal(up.rpc, 'generateContent');
      assert.equal(up.model, MODEL);
    });

    it('models.generateContentStream yields every chunk and the whole text', async () => {
      const prompt = `stream this please ${s.apiVersion}${s.prefix}`;
      const stream = await client(s).models.generateContentStream({ model: MODEL, contents: prompt });
      const chunks = [];
      for await (const c of stream) chunks.push(c);
      assert.ok(chunks.length >= 1, 'at least one chunk');
      assert.equal(chunks.map((c) => c.text ?? '').join(''), `echo: ${prompt}`);
      assert.equal(chunks.at(-1).candidates[0].finishReason, 'STOP');
      assert.ok(chunks.at(-1).usageMetadata?.totalTokenCount > 0, 'final chunk carries usage');
      const up = stack.fake.lastGenerate();
      assert.equal(up.rpc, 'streamGenerateContent');
      assert.equal(up.model, MODEL);
    });

    it('models.countTokens returns a positive totalTokens', async () => {
      const r = await client(s).models.countTokens({ model: MODEL, contents: 'count these tokens, please' });
      assert.ok(Number.isInteger(r.totalTokens) && r.totalTokens > 0, `totalTokens: ${r.totalTokens}`);
    });

    it('models.list pages through models named models/<id> that support generateContent', async () => {
      const pager = await client(s).models.list();
      const models = [];
      for await (const m of pager) models.push(m);
      assert.ok(models.length > 0, 'at least one model');
      for (const m of models) {
        assert.match(m.name, /^models\/[^/]+$/);
        assert.ok(m.supportedActions?.includes('generateContent'), `${m.name} supportedActions: ${m.supportedActions}`);
      }
      assert.ok(models.some((m) => /^models\/gemini-/.test(m.name)), models.map((m) => m.name).join(','));
    });
  });
}

describe('generation options', () => {
  it('systemInstruction, temperature and includeThoughts pass through; thoughts come back as thought parts', async () => {
    const prompt = 'think about this';
    const r = await client().models.generateContent({
      model: MODEL,
      contents: prompt,
      config: {
        systemInstruction: 'You are terse.',
        temperature: 0.2,
        maxOutputTokens: 1000,
        thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
      },
    });
    const parts = r.candidates[0].content.parts;
    assert.ok(parts.some((p) => p.thought === true && p.text), `thought part expected in ${JSON.stringify(parts)}`);
    assert.equal(r.text, `echo: ${prompt}`);  // the SDK's .text leaves thoughts out
    const inner = stack.fake.lastGenerate().body.request;
    assert.equal(inner.systemInstruction.parts[0].text, 'You are terse.');
    assert.equal(inner.generationConfig.temperature, 0.2);
    assert.equal(inner.generationConfig.thinkingConfig.includeThoughts, true);
  });

  it('every model that models.list advertises answers generateContent', async () => {
    const ai = client();
    const names = [];
    for await (const m of await ai.models.list()) names.push(m.name.replace(/^models\//, ''));
    const failures = [];
    for (const model of names) {
      try {
        const r = await ai.models.generateContent({ model, contents: `ping ${model}` });
        if (r.text !== `echo: ping ${model}`) failures.push(`${model}: text ${JSON.stringify(r.text)}`);
      } catch (e) {
        failures.push(`${model}: ${e.status ?? ''} ${String(e.message).slice(0, 160)}`);
      }
    }
    assert.deepEqual(failures, [], `listed models that fail:\n${failures.join('\n')}`);
  });

  it('models.get returns one model by id', async () => {
    const m = await client().models.get({ model: MODEL });
    assert.equal(m.name, `models/${MODEL}`);
  });
});

describe('errors reach the SDK as ApiError with Google status codes', () => {
  it('an unknown client key is refused with 401 or 403', async () => {
    await assert.rejects(
      client({ key: 'gw-not-a-real-key' }).models.generateContent({ model: MODEL, contents: 'hi' }),
      (e) => e instanceof ApiError && (e.status === 401 || e.status === 403),
    );
  });

  it('an unknown model is a 404', async () => {
    await assert.rejects(
      client().models.generateContent({ model: 'gemini-no-such-model-9', contents: 'hi' }),
      (e) => e instanceof ApiError && e.status === 404,
    );
  });
});

// The fake calls a declared function when the prompt says "call tool"; on Gemini 3 the functionCall part carries
// a thoughtSignature that the fake validates when the history comes back.
const weather_tool_openapi = {
  functionDeclarations: [{
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: { type: 'OBJECT', properties: { city: { type: 'STRING', description: 'City name' } }, required: ['city'] },
  }],
};
const weather_tool_jsonschema = {
  functionDeclarations: [{
    name: 'get_weather',
    description: 'Current weather for a city.',
    parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  }],
};

describe(`function calling on ${G3_MODEL}`, () => {
  it('generateContent: functionCall with signature, then the functionResponse turn succeeds', async () => {
    const ai = client();
    const user = { role: 'user', parts: [{ text: 'What is the weather in Paris? call tool get_weather' }] };
    const config = { tools: [weather_tool_openapi] };
    const first = await ai.models.generateContent({ model: G3_MODEL, contents: [user], config });
    assert.equal(first.functionCalls?.length, 1, `functionCalls: ${JSON.stringify(first.candidates)}`);
    assert.equal(first.functionCalls[0].name, 'get_weather');
    const model_turn = first.candidates[0].content;
    const call_part = model_turn.parts.find((p) => p.functionCall);
    assert.ok(call_part.thoughtSignature, 'the functionCall part carries a thoughtSignature');

    const reply = {
      role: 'user',
      parts: [{ functionResponse: { name: 'get_weather', response: { temperature_c: 21 } } }],
    };
    const second = await ai.models.generateContent({ model: G3_MODEL, contents: [user, model_turn, reply], config });
    assert.equal(second.text, 'echo: function get_weather returned {"temperature_c":21}');
    const sent = stack.fake.lastGenerate().body.request.contents[1].parts.find((p) => p.functionCall);
    assert.equal(sent.thoughtSignature, call_part.thoughtSignature, 'signature forwarded byte for byte');
  });

  it('generateContentStream: the model turn rebuilt from chunks replays with its signature', async () => {
    const ai = client();
    const user = { role: 'user', parts: [{ text: 'Weather in Oslo? call tool get_weather with {"city":"Oslo"}' }] };
    const config = { tools: [weather_tool_jsonschema] };
    const parts = [];
    for await (const c of await ai.models.generateContentStream({ model: G3_MODEL, contents: [user], config })) {
      parts.push(...(c.candidates?.[0]?.content?.parts || []));
    }
    const call_part = parts.find((p) => p.functionCall);
    assert.ok(call_part, `a functionCall part in ${JSON.stringify(parts)}`);
    assert.deepEqual(call_part.functionCall.args, { city: 'Oslo' });
    assert.ok(call_part.thoughtSignature, 'the streamed functionCall part carries a thoughtSignature');

    const model_turn = { role: 'model', parts };
    const reply = { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature_c: 3 } } }] };
    let text = '';
    for await (const c of await ai.models.generateContentStream({ model: G3_MODEL, contents: [user, model_turn, reply], config })) {
      text += c.text ?? '';
    }
    assert.equal(text, 'echo: function get_weather returned {"temperature_c":3}');
  });
});
