// Requests/s through the gateway against the project's fake Google (tests/fake_google), for one dialect,
// stream or not, with the gateway pinned to core 0 and one worker thread, and the fake + wrk on core 1.
// Also reports the gateway's idle RSS, RSS under load and CPU per 1000 requests.
// Usage: node bench/fake_google_rps.mjs [--dialect gemini|openai|anthropic] [--stream] [--seconds 10] [--connections 64]
// (The fake Google, one Node.js thread, bounds these figures; the nginx-based comparison is separate.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { setupGateway, REPO, gatewayBin } from '../tests/lib/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const seconds = Number(arg('seconds', 10));
const connections = Number(arg('connections', 64));
const dialect = arg('dialect', 'gemini');
const stream = process.argv.includes('--stream');
const prompt = 'Hello there, how are you today?';
const targets = {
  gemini: {
    path: `/v1beta/models/gemini-2.5-flash:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    body: { contents: [{ role: 'user', parts: [{ text: prompt }] }] },
    auth: ['x-goog-api-key', (k) => k],
  },
  openai: {
    path: '/v1/chat/completions',
    body: { model: 'gemini-2.5-flash', stream, messages: [{ role: 'user', content: prompt }] },
    auth: ['authorization', (k) => `Bearer ${k}`],
  },
  anthropic: {
    path: '/v1/messages',
    body: { model: 'claude-sonnet-4-5', max_tokens: 256, stream, messages: [{ role: 'user', content: prompt }] },
    auth: ['x-api-key', (k) => k],
  },
};
const target = targets[dialect];
if (!target) throw new Error(`unknown dialect ${dialect}`);

const real_bin = gatewayBin();
const wrapper = path.join(os.tmpdir(), `gcg-bench-${process.pid}.sh`);
fs.writeFileSync(wrapper, `#!/bin/sh\nexec taskset -c 0 ${gatewayBin()} "$@"\n`, { mode: 0o755 });
process.env.GCLI_GATEWAY_BIN = wrapper;

const proc_stat = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const tick = 100;  // USER_HZ
  return (Number(f[11]) + Number(f[12])) / tick;  // utime + stime, seconds
};
const rss_kb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const hwm_kb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

const stack = await setupGateway({ env: { GCLI_GATEWAY_THREADS: '1', GCLI_GATEWAY_LOG_LEVEL: 'warn' } });
try {
  const pid = stack.gw.proc.pid;
  const url = `${stack.gw.url}${target.path}`;
  const body = JSON.stringify(target.body);
  const [auth_header, auth_value] = [target.auth[0], target.auth[1](stack.key)];
  // warm up: token refresh, project setup, keep-alive pool
  for (let i = 0; i < 20; i++) {
    const r = await fetch(url, { method: 'POST', headers: { [auth_header]: auth_value, 'content-type': 'application/json' }, body });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`warm-up answered ${r.status}: ${text}`);
  }
  await new Promise((r) => setTimeout(r, 500));
  const idle = rss_kb(pid);
  const lua = path.join(os.tmpdir(), `gcg-bench-${process.pid}.lua`);
  fs.writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\n`
    + `wrk.headers["content-type"] = "application/json"\nwrk.headers["${auth_header}"] = "${auth_value}"\n`);
  const cpu0 = proc_stat(pid);
  // wrk runs in a child process while this process (the fake Google) keeps serving: spawn, not execFileSync.
  const { spawn } = await import('node:child_process');
  const out = await new Promise((resolve, reject) => {
    const w = spawn('taskset', ['-c', '1', 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', lua, url]);
    let text = '';
    w.stdout.on('data', (d) => { text += d; });
    w.stderr.on('data', (d) => { text += d; });
    w.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(text))));
  });
  const cpu1 = proc_stat(pid);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const total = Number(/(\d+) requests in/.exec(out)[1]);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const p50 = /^\s+50(?:\.000)?%\s+(\S+)/m.exec(out)[1];
  const p99 = /^\s+99(?:\.000)?%\s+(\S+)/m.exec(out)[1];
  const result = {
    dialect, stream, connections, seconds, requests: total, non2xx: non2xx ? Number(non2xx[1]) : 0,
    rps, p50, p99,
    gateway_cpu_s_per_1000: Number((((cpu1 - cpu0) / total) * 1000).toFixed(3)),
    gateway_idle_rss_kb: idle, gateway_peak_rss_kb: hwm_kb(pid),
    binary_bytes: fs.statSync(real_bin).size,
    fake_google_cpu_bound: 'the fake Google is one Node.js thread on core 1: it, not the gateway, bounds rps here',
  };
  console.log(JSON.stringify(result, null, 2));
  fs.rmSync(lua, { force: true });
} finally {
  await stack.close();
  fs.rmSync(wrapper, { force: true });
}
