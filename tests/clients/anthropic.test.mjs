// The official `@anthropic-ai/sdk`, latest 0.x and latest 1.x side by side, against the gateway's Anthropic Messages
// surface (base URL <gateway>/gemini_cli and the root): create, raw stream events, the stream helper, a two-step tool
// loop with thinking on Gemini 3 whose signed thinking blocks are replayed as the SDK returned them, an image,
// count_tokens (also the ?beta=true paths Claude Code uses), and errors.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic1 from '@anthropic-ai/sdk';
import Anthropic0 from 'anthropic-sdk-0';
import fs from 'node:fs';

import {
  start_stack, stack_report, recording_fetch, route_missing, MEDIA, inline_parts, scripted_call, upstream_calls,
} from './support.mjs';

// The SDKs do not export their package.json; read the installed versions for the test names.
const version_of = (dir) => JSON.parse(fs.readFileSync(new URL(`./node_modules/${dir}/package.json`, import.meta.url), 'utf8')).version;
const SDKS = [
  { label: `@anthropic-ai/sdk ${version_of('anthropic-sdk-0')}`, Anthropic: Anthropic0 },
  { label: `@anthropic-ai/sdk ${version_of('@anthropic-ai/sdk')}`, Anthropic: Anthropic1 },
];

const MODEL = 'gemini-2.5-flash';
const G3_MODEL = 'gemini-3-flash-preview';

let stack;
let missing = null;

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

before(async () => {
  stack = await start_stack();
  missing = await route_missing(stack.gw.url, { path: '/gemini_cli/v1/messages', headers: { 'x-api-key': stack.key } });
});
after(async () => { await stack?.close(); });

// 0.x sends the key as x-api-key, 1.x as Authorization: Bearer (its `apiKey` doc says so); `bearer` forces the
// authToken option (Bearer) on either.
function make(Anthropic, { prefix = '/gemini_cli', key = stack.key, fetch, bearer = false } = {}) {
  return new Anthropic({
    ...(bearer ? { authToken: key, apiKey: null } : { apiKey: key }),
    baseURL: `${stack.gw.url}${prefix}`, maxRetries: 0, timeout: 30000,
    ...(fetch ? { fetch } : {}),
  });
}

const text_of = (msg) => msg.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

// Events of one SSE body: [{event, data}] (data parsed).
function sse_events(raw) {
  const out = [];
  for (const block of raw.split(/\r?\n\r?\n/)) {
    let event = null;
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trim());
    }
    if (data.length) out.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return out;
}

const weather_tool = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const time_tool = {
  name: 'get_time',
  description: 'Local time in a city.',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

for (const { label, Anthropic } of SDKS) {
  describe(label, () => {
    for (const prefix of ['/gemini_cli', '']) {
      it(`messages.create on base URL "${prefix || '/'}" returns the text, end_turn and usage`, async () => {
        const rec = recording_fetch();
        const prompt = `hello from ${label} ${prefix || 'root'}`;
        const msg = await make(Anthropic, { prefix, fetch: rec.fetch }).messages.create({
          model: MODEL, max_tokens: 256, system: 'You are terse.', temperature: 0.5,
          messages: [{ role: 'user', content: prompt }],
        });
        assert.equal(msg.type, 'message');
        assert.equal(msg.role, 'assistant');
        assert.match(msg.id, /^msg_/);
        assert.equal(msg.model, MODEL);
        assert.equal(text_of(msg), `echo: ${prompt}`);
        assert.equal(msg.stop_reason, 'end_turn');
        assert.equal(msg.stop_sequence, null);
        assert.ok(msg.usage.input_tokens > 0 && msg.usage.output_tokens > 0, JSON.stringify(msg.usage));
        const up = stack.fake.lastGenerate();
        assert.equal(up.model, MODEL);
        assert.equal(up.body.request.systemInstruction.parts[0].text, 'You are terse.');
        assert.equal(up.body.request.generationConfig.maxOutputTokens, 256);
        assert.equal(up.body.request.generationConfig.temperature, 0.5);
        assert.ok(rec.last().request_headers['anthropic-version'], 'the SDK sent anthropic-version');
      });
    }

    it('the key as Authorization: Bearer (authToken) is accepted too', async () => {
      const rec = recording_fetch();
      const msg = await make(Anthropic, { bearer: true, fetch: rec.fetch }).messages.create({
        model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'bearer please' }],
      });
      assert.equal(text_of(msg), 'echo: bearer please');
      assert.match(rec.last().request_headers.authorization || '', /^Bearer /);
      assert.equal(rec.last().request_headers['x-api-key'], undefined);
    });

    it('messages.create({stream:true}) yields the event grammar, with event: lines on the wire', async () => {
      const rec = recording_fetch();
      const prompt = `stream me ${label}`;
      const stream = await make(Anthropic, { fetch: rec.fetch }).messages.create({
        model: MODEL, max_tokens: 256, stream: true, messages: [{ role: 'user', content: prompt }],
      });
      const events = [];
      for await (const ev of stream) events.push(ev);
      const types = events.map((e) => e.type);
      assert.equal(types[0], 'message_start');
      assert.equal(types.at(-1), 'message_stop');
      assert.equal(types.at(-2), 'message_delta');
      assert.equal(types.filter((t) => t === 'message_start').length, 1);
      const text = events.filter((e) => e.type === 'content_block_delta' && e.delta.type === 'text_delta').map((e) => e.delta.text).join('');
      assert.equal(text, `echo: ${prompt}`);
      const starts = events.filter((e) => e.type === 'content_block_start');
      const stops = events.filter((e) => e.type === 'content_block_stop');
      assert.deepEqual(starts.map((e) => e.index), stops.map((e) => e.index), 'every block that starts stops');
      const delta = events.at(-2);
      assert.equal(delta.delta.stop_reason, 'end_turn');
      assert.ok(delta.usage.output_tokens > 0, JSON.stringify(delta));
      assert.equal(events[0].message.role, 'assistant');
      const raw = await rec.last().done;
      for (const ev of sse_events(raw)) assert.equal(ev.event, ev.data.type, `event: line matches the data type: ${JSON.stringify(ev)}`);
      assert.equal(stack.fake.lastGenerate().rpc, 'streamGenerateContent');
    });

    it('messages.stream(...).finalMessage() assembles the message; text events add up', async () => {
      const prompt = `helper stream ${label}`;
      const pieces = [];
      const s = make(Anthropic).messages.stream({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: prompt }] });
      s.on('text', (d) => pieces.push(d));
      const msg = await s.finalMessage();
      assert.equal(text_of(msg), `echo: ${prompt}`);
      assert.equal(pieces.join(''), `echo: ${prompt}`);
      assert.equal(msg.stop_reason, 'end_turn');
      assert.ok(msg.usage.output_tokens > 0);
    });

    it('thinking enabled on 2.5: a thinking block comes first, then the text', async () => {
      const msg = await make(Anthropic).messages.create({
        model: MODEL, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'ponder this' }],
      });
      assert.equal(msg.content[0].type, 'thinking', JSON.stringify(msg.content));
      assert.match(msg.content[0].thinking, /Considering the request/);
      assert.equal(text_of(msg), 'echo: ponder this');
      const tc = stack.fake.lastGenerate().body.request.generationConfig.thinkingConfig;
      assert.equal(tc.includeThoughts, true);
    });

    for (const mode of ['create', 'stream']) {
      it(`two-step tool loop with thinking on ${G3_MODEL} (${mode}): signed thinking blocks replay both signatures`, async () => {
        const client = make(Anthropic);
        const stream = mode === 'stream';
        const ask = async (messages) => {
          const params = {
            model: G3_MODEL, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 },
            tools: [weather_tool, time_tool], messages,
          };
          return stream ? client.messages.stream(params).finalMessage() : client.messages.create(params);
        };
        const user = { role: 'user', content: 'Plan my evening in Paris: check the weather, then the time.' };

        // Step 1: thought + signed get_weather call.
        const sig1 = scripted_call(stack.fake, { model: G3_MODEL, name: 'get_weather', args: { city: 'Paris' }, thought: 'I should check the weather first.', stream });
        const m1 = await ask([user]);
        assert.equal(m1.stop_reason, 'tool_use', JSON.stringify(m1.content));
        const thinking1 = m1.content.filter((b) => b.type === 'thinking');
        assert.ok(thinking1.length >= 1 && thinking1.some((b) => b.signature), `a signed thinking block: ${JSON.stringify(m1.content)}`);
        const use1 = m1.content.find((b) => b.type === 'tool_use');
        assert.equal(use1.name, 'get_weather');
        assert.deepEqual(use1.input, { city: 'Paris' });
        assert.ok(use1.id, 'the tool_use has an id');

        // Step 2: the assistant content exactly as the SDK returned it, then the tool result; thought + signed get_time.
        const sig2 = scripted_call(stack.fake, { model: G3_MODEL, name: 'get_time', args: { city: 'Paris' }, thought: 'Now the time.', stream });
        const history = [
          user,
          { role: 'assistant', content: m1.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use1.id, content: 'sunny, 21 C' }] },
        ];
        const m2 = await ask(history);
        const up2 = stack.fake.lastGenerate();
        assert.deepEqual(upstream_calls(up2).map((c) => [c.name, c.signature]), [['get_weather', sig1]], 'step 1 replayed with its signature');
        assert.equal(m2.stop_reason, 'tool_use', JSON.stringify(m2.content));
        const use2 = m2.content.find((b) => b.type === 'tool_use');
        assert.equal(use2.name, 'get_time');

        // Step 3: both steps replayed; the default fake answer echoes the last function result.
        history.push(
          { role: 'assistant', content: m2.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use2.id, content: [{ type: 'text', text: '19:30' }] }] },
        );
        const m3 = await ask(history);
        const up3 = stack.fake.lastGenerate();
        assert.deepEqual(upstream_calls(up3).map((c) => [c.name, c.signature]), [['get_weather', sig1], ['get_time', sig2]],
          'both steps replayed with their own signatures');
        for (const c of up3.body.request.contents) {
          for (const p of c.parts) assert.notEqual(p.thought, true, 'no thought text is sent back upstream');
          for (const p of c.parts) {
            if (p.functionResponse) assert.ok(['get_weather', 'get_time'].includes(p.functionResponse.name), JSON.stringify(p));
          }
        }
        assert.equal(m3.stop_reason, 'end_turn');
        assert.match(text_of(m3), /^echo: function get_time returned .*19:30/);
      });
    }

    it('an image (base64 source) -> inlineData with the same bytes', async () => {
      const msg = await make(Anthropic).messages.create({
        model: MODEL, max_tokens: 128,
        messages: [{
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: MEDIA.png.toString('base64') } },
            { type: 'text', text: 'what is in the image?' },
          ],
        }],
      });
      assert.equal(text_of(msg), 'echo: what is in the image?');
      assert.deepEqual(inline_parts(stack.fake.lastGenerate()), [{ mimeType: 'image/png', data: MEDIA.png.toString('base64') }]);
    });

    it('messages.countTokens returns input_tokens from the upstream countTokens', async () => {
      const before_count = stack.fake.state.requests.filter((r) => r.rpc === 'countTokens').length;
      const r = await make(Anthropic).messages.countTokens({
        model: MODEL, system: 'You are terse.', tools: [weather_tool],
        messages: [{ role: 'user', content: 'count these tokens, please' }],
      });
      assert.ok(Number.isInteger(r.input_tokens) && r.input_tokens > 0, JSON.stringify(r));
      const counts = stack.fake.state.requests.filter((x) => x.rpc === 'countTokens');
      assert.equal(counts.length, before_count + 1, 'one upstream countTokens');
      const text = JSON.stringify(counts.at(-1).body.request.contents);
      assert.match(text, /count these tokens/);
      assert.match(text, /You are terse\./, 'the system prompt is counted');
      assert.match(text, /get_weather/, 'the tool declarations are counted');
    });

    it('beta.messages (anthropic-beta header, unknown betas) and the ?beta=true query Claude Code sends are served', async () => {
      const rec = recording_fetch();
      const client = make(Anthropic, { fetch: rec.fetch });
      const msg = await client.beta.messages.create({
        model: MODEL, max_tokens: 64, betas: ['interleaved-thinking-2025-05-14', 'some-future-beta-2099-01-01'],
        messages: [{ role: 'user', content: 'beta hello' }],
      });
      assert.equal(msg.content.filter((b) => b.type === 'text').map((b) => b.text).join(''), 'echo: beta hello');
      assert.match(rec.last().request_headers['anthropic-beta'] || '', /some-future-beta/);
      const c = await client.beta.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'beta count' }] });
      assert.ok(c.input_tokens > 0);
      // 0.x's beta resource adds ?beta=true itself, 1.x's does not; Claude Code always does.
      const q = { query: { beta: 'true' } };
      const m2 = await client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'query beta' }] }, q);
      assert.equal(text_of(m2), 'echo: query beta');
      assert.match(rec.last().url, /\/v1\/messages\?beta=true$/);
      const c2 = await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'query count' }] }, q);
      assert.ok(c2.input_tokens > 0);
      assert.match(rec.last().url, /\/v1\/messages\/count_tokens\?beta=true$/);
    });

    it('a wrong key is an AuthenticationError (401, authentication_error)', async () => {
      await assert.rejects(
        make(Anthropic, { key: 'gw-not-a-real-key' }).messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
        (e) => e instanceof Anthropic.AuthenticationError && e.status === 401 && e.error?.error?.type === 'authentication_error',
      );
    });

    it('an unknown model is a NotFoundError (404, not_found_error)', async () => {
      await assert.rejects(
        make(Anthropic).messages.create({ model: 'gemini-no-such-model-9', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
        (e) => e instanceof Anthropic.NotFoundError && e.status === 404 && e.error?.error?.type === 'not_found_error',
      );
    });

    it('a malformed request (no max_tokens) is a BadRequestError (400, invalid_request_error)', async () => {
      await assert.rejects(
        make(Anthropic).messages.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
        (e) => e instanceof Anthropic.BadRequestError && e.status === 400 && e.error?.error?.type === 'invalid_request_error',
      );
    });
  });
}
