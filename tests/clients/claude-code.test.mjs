// The real Claude Code CLI (`claude -p`, non-interactive, JSON output) with ANTHROPIC_BASE_URL pointed at the gateway
// (under /gemini_cli and at the root): it must run a tool turn end to end -- the model (the fake, scripted) calls
// Claude Code's Write tool, Claude Code writes the file and sends the result back, the model answers -- and every
// request it sends must be answered 2xx. Runs only behind the network fences (tests/clients/run.sh).
//
// Claude Code >= 2.1.113 is a native (Bun) executable, so the Node loopback guard does not apply to it; the
// loopback-only namespace is the fence that holds, and one test records its connect() calls with strace to show that
// it tries nothing but the gateway.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { tempDir } from '../lib/harness.mjs';
import { require_fences } from './fence.mjs';
import {
  start_stack, stack_report, start_recording_proxy, route_missing, scripted_call, upstream_calls,
  make_claude_home, claude_env, run_claude, describe_run, CLAUDE_BIN,
} from './support.mjs';

const TIMEOUT_MS = 120000;
let stack;
let missing = null;

function it(name, fn, { needs_routes = true } = {}) {
  test(name, { timeout: TIMEOUT_MS + 30000 }, async (t) => {
    assert.ok(stack, 'stack did not start (see the before hook error)');
    if (needs_routes && missing) assert.fail(missing);
    await fn(t);
  });
}

function check(cond, message, run, extra = '') {
  if (!cond) assert.fail(`${message}\n${run ? describe_run(run) : ''}\n${extra}\n${stack_report(stack)}`);
}

function proxy_report(proxy) {
  return `--- Claude Code -> gateway exchanges:\n${proxy.exchanges.map((e) => `${e.method} ${e.url} -> ${e.status} `
    + `model=${e.request?.model ?? ''} ${e.status >= 300 ? e.response.slice(0, 600) : ''}`).join('\n')}`;
}

// A fresh HOME, working directory and TMPDIR per run.
function sandbox() {
  return { home: make_claude_home(), cwd: tempDir('gcg-claude-cwd-'), scratch: tempDir('gcg-claude-tmp-') };
}

// Function declarations the fake received in one upstream request.
const declared = (req) => (req?.body?.request?.tools || []).flatMap((t) => t.functionDeclarations || []).map((d) => d.name);

before(async () => {
  require_fences();
  stack = await start_stack();
  missing = await route_missing(stack.gw.url, { path: '/gemini_cli/v1/messages?beta=true', headers: { 'x-api-key': stack.key } })
    || await route_missing(stack.gw.url, { path: '/v1/messages?beta=true', headers: { 'x-api-key': stack.key } });
});
after(async () => { await stack?.close(); });

describe('Claude Code -p against the gateway (Anthropic Messages)', () => {
  it('claude --version runs inside the fences', async () => {
    const sb = sandbox();
    const r = await run_claude(['--version'], { cwd: sb.cwd, env: claude_env('http://127.0.0.1:9', 'unused', sb), timeoutMs: 30000 });
    check(r.code === 0 && /^\d+\.\d+\.\d+ \(Claude Code\)/.test(r.stdout.trim()), 'claude --version failed', r);
  }, { needs_routes: false });

  for (const prefix of ['/gemini_cli', '']) {
    it(`base URL "${prefix || '/'}": the model calls Write, Claude Code writes hello.txt and finishes (exit 0)`, async (t) => {
      stack.fake.reset();
      const sb = sandbox();
      const target = path.join(sb.cwd, 'hello.txt');
      const content = `hello from the gateway ${prefix || 'root'}\n`;
      // Claude Code asks for a claude-* model; which Gemini model that becomes is the gateway's alias table's
      // business, so the script matches any model: the first streamed call answers with the Write call, the next
      // one gets the fake's default text answer.
      scripted_call(stack.fake, { name: 'Write', args: { file_path: target, content }, stream: true, sign: false });
      const proxy = await start_recording_proxy(stack.gw.url);
      let r;
      try {
        r = await run_claude(['-p', 'Create the file hello.txt in the current directory.', '--output-format', 'json', '--allowedTools', 'Write'], {
          cwd: sb.cwd, env: claude_env(`${proxy.url}${prefix}`, stack.key, sb), timeoutMs: TIMEOUT_MS,
        });
      } finally {
        await proxy.close();
      }
      const px = proxy_report(proxy);
      check(r.code === 0, 'claude did not exit 0', r, px);
      check(r.json && r.json.is_error === false && r.json.subtype === 'success', 'the JSON result is not a success', r, px);
      check(fs.existsSync(target) && fs.readFileSync(target, 'utf8') === content, 'Write was not executed (hello.txt missing or different)', r, px);
      const bad = proxy.exchanges.filter((e) => !(e.status >= 200 && e.status < 300));
      check(bad.length === 0, 'some Claude Code requests were not answered 2xx', r, px);

      const gens = stack.fake.generateRequests();
      check(gens.length >= 2, `expected >= 2 upstream generate calls, saw ${gens.length}`, r, px);
      const first = gens.find((g) => g.scripted);
      check(first && declared(first).includes('Write'), `the scripted call was not the one with Claude Code's tools (declared: ${declared(first)})`, r, px);
      const after_tool = gens.at(-1);
      const fr = after_tool.body.request.contents.flatMap((c) => c.parts).find((p) => p.functionResponse);
      check(fr && fr.functionResponse.name === 'Write', 'the tool result did not reach upstream as a functionResponse for Write', r, px);
      check(upstream_calls(after_tool).some((c) => c.name === 'Write' && c.args?.file_path === target), 'the Write call was not replayed', r, px);
      check(/^echo:/.test(r.json.result), `final text is the fake's answer: ${JSON.stringify(r.json.result)}`, r, px);

      const client_models = [...new Set(proxy.exchanges.map((e) => e.request?.model).filter(Boolean))];
      const upstream_models = [...new Set(gens.map((g) => g.model))];
      t.diagnostic(`Claude Code asked for model(s) ${client_models.join(', ')} (modelUsage: ${Object.keys(r.json.modelUsage || {}).join(', ')}); `
        + `upstream model(s): ${upstream_models.join(', ')}; endpoints: ${[...new Set(proxy.exchanges.map((e) => `${e.method} ${e.url}`))].join(', ')}; `
        + `declared tools: ${declared(first).join(', ')}`);
    });
  }

  it('ANTHROPIC_AUTH_TOKEN (Authorization: Bearer) works too', async () => {
    stack.fake.reset();
    const sb = sandbox();
    const proxy = await start_recording_proxy(stack.gw.url);
    let r;
    try {
      r = await run_claude(['-p', 'say hi pelican-7', '--output-format', 'json'], {
        cwd: sb.cwd, env: claude_env(`${proxy.url}/gemini_cli`, stack.key, { ...sb, bearer: true }), timeoutMs: TIMEOUT_MS,
      });
    } finally {
      await proxy.close();
    }
    const px = proxy_report(proxy);
    check(r.code === 0 && r.json?.is_error === false, 'claude did not succeed', r, px);
    check(/pelican-7/.test(r.json.result), 'the answer does not echo the prompt', r, px);
    check(proxy.exchanges.every((e) => /^Bearer /.test(e.headers.authorization || '') && !e.headers['x-api-key']), 'not sent as Bearer', r, px);
  });

  it('--model gemini-3-flash-preview: the Write call\'s thought signature comes back upstream unchanged', async (t) => {
    stack.fake.reset();
    const sb = sandbox();
    const target = path.join(sb.cwd, 'hello.txt');
    const model = 'gemini-3-flash-preview';
    const signature = scripted_call(stack.fake, {
      model, name: 'Write', args: { file_path: target, content: 'gemini 3 was here\n' }, thought: 'I will write the file.', stream: true,
    });
    const proxy = await start_recording_proxy(stack.gw.url);
    let r;
    try {
      r = await run_claude(['-p', 'Create the file hello.txt.', '--output-format', 'json', '--allowedTools', 'Write', '--model', model], {
        cwd: sb.cwd, env: claude_env(`${proxy.url}/gemini_cli`, stack.key, sb), timeoutMs: TIMEOUT_MS,
      });
    } finally {
      await proxy.close();
    }
    const px = proxy_report(proxy);
    check(r.code === 0 && r.json?.is_error === false, 'claude did not succeed', r, px);
    check(fs.existsSync(target), 'Write was not executed', r, px);
    const after_tool = stack.fake.generateRequests().at(-1);
    const sent = upstream_calls(after_tool).find((c) => c.name === 'Write');
    const replayed = proxy.exchanges.at(-1)?.request?.messages?.find((m) => m.role === 'assistant');
    t.diagnostic(`assistant message Claude Code replayed: ${JSON.stringify(replayed?.content)?.slice(0, 600)}`);
    check(sent?.signature === signature,
      `the signature did not survive Claude Code's replay: sent ${JSON.stringify(sent?.signature)}, issued ${signature}`, r, px);
  });

  it('Claude Code connects to nothing but the gateway (strace of its connect calls)', async (t) => {
    let strace = null;
    try { strace = execFileSync('sh', ['-c', 'command -v strace'], { encoding: 'utf8' }).trim(); } catch { /* absent */ }
    if (!strace) { t.skip('strace is not installed'); return; }
    stack.fake.reset();
    const sb = sandbox();
    const trace = path.join(sb.scratch, 'connect.trace');
    const r = await run_claude(['-p', 'say hi', '--output-format', 'json'], {
      cwd: sb.cwd, env: claude_env(`${stack.gw.url}/gemini_cli`, stack.key, sb), timeoutMs: TIMEOUT_MS,
      wrap: [strace, '-f', '-qq', '-e', 'trace=connect', '-o', trace],
    });
    const lines = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => /sa_family=AF_INET6?\b/.test(l));
    const foreign = lines.filter((l) => !/inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|"::ffff:127\./.test(l));
    t.diagnostic(`inet connect() calls: ${lines.length}, non-loopback: ${foreign.length}`);
    check(r.code === 0, 'claude did not exit 0', r);
    check(foreign.length === 0, `Claude Code tried non-loopback addresses:\n${foreign.join('\n')}`, r);
  });
});

// Keeps the binary path in the test output when it is missing (npm ci without the platform package).
if (!fs.existsSync(CLAUDE_BIN)) {
  test('Claude Code is installed', () => assert.fail(`missing ${CLAUDE_BIN}: run npm ci in tests/clients`));
}
