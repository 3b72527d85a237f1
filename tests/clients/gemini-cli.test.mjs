// The real gemini-cli, non-interactive, in Gemini API-key mode with GOOGLE_GEMINI_BASE_URL pointed at the gateway:
// whatever it sends (its main streamed turn, flash-lite router calls, tool turns with Gemini 3 signatures) must be
// served. Runs only behind the network fences (tests/clients/run.sh), because the CLI would phone Google otherwise.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { tempDir } from '../lib/harness.mjs';
import { require_fences } from './fence.mjs';
import {
  start_stack, stack_report, start_recording_proxy, make_gemini_home, run_gemini, describe_run,
} from './support.mjs';

const TIMEOUT_MS = 120000;
let stack;

function it(name, fn) {
  test(name, { timeout: TIMEOUT_MS + 30000 }, async (t) => {
    assert.ok(stack, 'stack did not start (see the before hook error)');
    await fn(t);
  });
}

// Asserts with the run's output, the gateway log and the fake's view attached.
function check(cond, message, run, extra = '') {
  if (!cond) assert.fail(`${message}\n${run ? describe_run(run) : ''}\n${extra}\n${stack_report(stack)}`);
}

function workspace() {
  const cwd = tempDir('gcg-gemini-cwd-');
  fs.writeFileSync(path.join(cwd, 'hello.txt'), 'The secret word is pelican-7.\n');
  return cwd;
}

function cli_env(base_url, key, extra = {}) {
  return { GEMINI_API_KEY: key, GOOGLE_GEMINI_BASE_URL: base_url, ...extra };
}

before(async () => {
  require_fences();
  stack = await start_stack();
});
after(async () => { await stack?.close(); });

describe('gemini-cli -p against the gateway (API-key mode)', () => {
  it('prints --version inside the fences', async () => {
    const r = await run_gemini(['--version'], { home: make_gemini_home(), cwd: workspace(), timeoutMs: 30000 });
    check(r.code === 0 && /^\d+\.\d+\.\d+/.test(r.stdout.trim()), 'gemini --version failed', r);
  });

  it('explicit model: answers with the fake model text, one streamed upstream call', async (t) => {
    stack.fake.reset();
    const r = await run_gemini(['-m', 'gemini-2.5-flash', '-p', 'say hi zebra-42'], {
      home: make_gemini_home(), cwd: workspace(), env: cli_env(stack.gw.url, stack.key), timeoutMs: TIMEOUT_MS,
    });
    if (r.guardLog) t.diagnostic(`loopback guard blocked gemini-cli: ${r.guardLog}`);
    check(r.code === 0, 'gemini-cli did not exit 0', r);
    check(/echo: [\s\S]*say hi zebra-42/.test(r.stdout), 'stdout lacks the fake answer', r);
    const gens = stack.fake.generateRequests();
    const main = gens.find((g) => g.rpc === 'streamGenerateContent' && g.model === 'gemini-2.5-flash');
    check(main, 'the fake saw no streamGenerateContent for gemini-2.5-flash', r);
    check(JSON.stringify(main.body.request.contents).includes('say hi zebra-42'), 'the prompt did not reach upstream', r);
  });

  it('Bearer auth mechanism (GEMINI_API_KEY_AUTH_MECHANISM=bearer) is accepted', async () => {
    const r = await run_gemini(['-m', 'gemini-2.5-flash', '-p', 'bearer hello'], {
      home: make_gemini_home(), cwd: workspace(),
      env: cli_env(`${stack.gw.url}/gemini_cli`, stack.key, { GEMINI_API_KEY_AUTH_MECHANISM: 'bearer' }),
      timeoutMs: TIMEOUT_MS,
    });
    check(r.code === 0, 'gemini-cli did not exit 0', r);
    check(/echo: [\s\S]*bearer hello/.test(r.stdout), 'stdout lacks the fake answer', r);
  });

  it('default (auto) model: every request gemini-cli sends is answered 2xx, JSON output carries the answer', async () => {
    stack.fake.reset();
    const proxy = await start_recording_proxy(`${stack.gw.url}/gemini_cli`);
    let r;
    try {
      r = await run_gemini(['-o', 'json', '-p', 'say hello auto-17'], {
        home: make_gemini_home(), cwd: workspace(), env: cli_env(proxy.url, stack.key), timeoutMs: TIMEOUT_MS,
      });
    } finally {
      await proxy.close();
    }
    const seen = proxy.exchanges.map((e) => `${e.method} ${e.url} -> ${e.status}` + (e.status >= 300 ? ` ${e.response.slice(0, 400)}` : ''));
    const listing = `--- gemini-cli -> gateway (${seen.length}):\n${seen.join('\n')}`;
    check(r.code === 0, 'gemini-cli did not exit 0', r, listing);
    check(proxy.exchanges.length > 0, 'gemini-cli sent nothing to the gateway', r, listing);
    const failed = proxy.exchanges.filter((e) => !(e.status >= 200 && e.status < 300));
    check(failed.length === 0, `the gateway refused ${failed.length} of gemini-cli's requests`, r, listing);
    let out;
    try { out = JSON.parse(r.stdout); } catch (e) { check(false, `stdout is not JSON: ${e.message}`, r, listing); }
    check(typeof out.response === 'string' && /say hello auto-17/.test(out.response), 'JSON response lacks the fake answer', r, listing);
  });

  // gemini-cli 0.61 in API-key mode resolves `flash` (and gemini-3.5-flash, gemini-3-flash) to gemini-3.8-flash
  // and `flash-lite` (and gemini-3.1-flash-lite) to gemini-3.5-flash-lite before sending; the gateway must serve
  // those names from a Code Assist account.
  for (const alias of ['flash', 'flash-lite', 'pro']) {
    it(`model alias -m ${alias}: every request is answered 2xx and the answer is printed`, async () => {
      stack.fake.reset();
      const proxy = await start_recording_proxy(`${stack.gw.url}/gemini_cli`);
      let r;
      try {
        r = await run_gemini(['-m', alias, '-p', `alias ${alias} says hi`], {
          home: make_gemini_home(), cwd: workspace(), env: cli_env(proxy.url, stack.key), timeoutMs: TIMEOUT_MS,
        });
      } finally {
        await proxy.close();
      }
      const listing = proxy.exchanges.map((e) => `${e.method} ${e.url} -> ${e.status}` + (e.status >= 300 ? ` ${e.response.slice(0, 300)}` : '')).join('\n');
      const failed = proxy.exchanges.filter((e) => !(e.status >= 200 && e.status < 300));
      check(failed.length === 0, `the gateway refused ${failed.length} of gemini-cli's requests`, r, listing);
      check(r.code === 0, 'gemini-cli did not exit 0', r, listing);
      check(r.stdout.includes(`alias ${alias} says hi`), 'stdout lacks the fake answer', r, listing);
    });
  }

  it('Gemini 3 tool turn: gemini-cli runs read_file and replays the signed call with its result', async () => {
    stack.fake.reset();
    const cwd = workspace();
    const prompt = 'Read the file. call tool read_file with {"file_path":"hello.txt"}';
    const r = await run_gemini(['-m', 'gemini-3-flash-preview', '-p', prompt], {
      home: make_gemini_home(), cwd, env: cli_env(`${stack.gw.url}/gemini_cli`, stack.key), timeoutMs: TIMEOUT_MS,
    });
    check(r.code === 0, 'gemini-cli did not exit 0', r);
    const gens = stack.fake.generateRequests().filter((g) => g.model === 'gemini-3-flash-preview');
    const replay = gens.find((g) => JSON.stringify(g.body?.request?.contents || []).includes('"functionResponse"'));
    check(replay, 'gemini-cli never sent the functionResponse turn upstream', r);
    check(replay.status === 200, `the functionResponse turn was answered ${replay.status} upstream`, r);
    const model_turn = replay.body.request.contents.find((c) => c.role === 'model' && c.parts.some((p) => p.functionCall));
    const call_part = model_turn.parts.find((p) => p.functionCall);
    check(typeof call_part.thoughtSignature === 'string' && call_part.thoughtSignature.length > 0,
      'the replayed functionCall lost its thoughtSignature', r);
    check(/pelican-7/.test(r.stdout), 'stdout lacks the echoed file content', r);
  });
});
