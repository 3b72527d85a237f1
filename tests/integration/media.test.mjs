// Media given by URL (OpenAI image_url, Anthropic image/document url sources): the gateway downloads it from a
// local media server, sniffs the type from the bytes and inlines it upstream (translation.md §1.1, §3.1, §7.7,
// §9 A6); what it cannot use, may not reach, or that is too large is a 400 in the client's shape and no
// generate call is made. The SSRF policy is on by default (loopback refused); GCLI_GATEWAY_MEDIA_ALLOW_HOSTS
// opens exactly 127.0.0.1:<media port>.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { setupGateway, startFakeGoogle, call } from '../lib/harness.mjs';

const MODEL = 'gemini-2.5-pro';
const MAX_BYTES = 4096;
const TIMEOUT_MS = 1000;

// ---- tiny but well-formed media --------------------------------------------------------------------------

const b = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const u32be = (n) => { const x = Buffer.alloc(4); x.writeUInt32BE(n); return x; };
const u32le = (n) => { const x = Buffer.alloc(4); x.writeUInt32LE(n); return x; };
const u16le = (n) => { const x = Buffer.alloc(2); x.writeUInt16LE(n); return x; };

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const JPEG = b([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10], 'JFIF\0', [0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00], [0xFF, 0xD9]);
const WAV = (() => {
  const samples = Buffer.alloc(16);
  const fmt = b('fmt ', u32le(16), u16le(1), u16le(1), u32le(8000), u32le(16000), u16le(2), u16le(16));
  const data = b('data', u32le(samples.length), samples);
  return b('RIFF', u32le(4 + fmt.length + data.length), 'WAVE', fmt, data);
})();
// An ID3v2.4 tag followed by one MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz).
const MP3 = b('ID3', [0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], [0xFF, 0xFB, 0x90, 0x64], Buffer.alloc(32));
const MP4 = b(u32be(24), 'ftyp', 'isom', u32be(0x200), 'isom', 'iso2', u32be(8), 'mdat');
const PDF = b('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const GIF = b('GIF89a', [0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00], Buffer.alloc(6), ',', Buffer.alloc(9), [0x02, 0x02, 0x44, 0x01, 0x00, 0x3B]);
const HTML = b('<!doctype html><html><head><title>Not an image</title></head><body><p>hello</p></body></html>\n');
const ZIP = b('PK', [0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00], Buffer.alloc(40, 0x41));
const BIG = b(PNG.subarray(0, 16), Buffer.alloc(MAX_BYTES * 3, 0x42));

const TYPES = [
  // [path, bytes, server Content-Type, sniffed MIME]
  ['/img.png', PNG, 'image/png', 'image/png'],
  ['/photo.jpg', JPEG, 'image/jpeg', 'image/jpeg'],
  ['/sound.wav', WAV, 'audio/wav', 'audio/wav'],
  ['/song.mp3', MP3, 'audio/mpeg', 'audio/mp3'],
  ['/clip.mp4', MP4, 'video/mp4', 'video/mp4'],
  ['/doc.pdf', PDF, 'application/pdf', 'application/pdf'],
];

// ---- the media server ------------------------------------------------------------------------------------

let media;  // {port, url(path), hits: Map(path -> n)}
let ctx;    // gateway with the allow-list and the size limit
let closed; // gateway with the default policy (loopback refused), same fake

async function start_media_server() {
  const hits = new Map();
  const routes = new Map();
  for (const [p, bytes, ct] of TYPES) routes.set(p, { bytes, ct });
  routes.set('/no-extension', { bytes: PNG, ct: 'text/plain' });          // the server's type is not trusted
  routes.set('/lying.png', { bytes: HTML, ct: 'image/png' });             // nor is the extension
  routes.set('/page.html', { bytes: HTML, ct: 'text/html; charset=utf-8' });
  routes.set('/archive.bin', { bytes: ZIP, ct: 'application/octet-stream' });
  routes.set('/anim.gif', { bytes: GIF, ct: 'image/gif' });
  routes.set('/big.png', { bytes: BIG, ct: 'image/png' });
  routes.set('/big-chunked.png', { bytes: BIG, ct: 'image/png', chunked: true });
  routes.set('/stall.png', { bytes: PNG, ct: 'image/png', stall: true });
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    hits.set(path, (hits.get(path) || 0) + 1);
    const port = server.address().port;
    const redirects = {
      '/redirect-ok': '/img.png',
      '/redirect-loopback': `http://127.0.0.2:${port}/img.png`,
      '/redirect-other-port': `http://127.0.0.1:${port === 65535 ? 1 : port + 1}/img.png`,
      '/redirect-metadata': 'http://169.254.169.254/latest/meta-data/',
    };
    if (redirects[path]) {
      res.writeHead(302, { location: redirects[path], 'content-length': 0 });
      return res.end();
    }
    const r = routes.get(path);
    if (!r) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    if (r.stall) {  // headers and a first piece, then silence
      res.writeHead(200, { 'content-type': r.ct, 'content-length': r.bytes.length + 100 });
      res.write(r.bytes);
      return undefined;
    }
    if (r.chunked) {
      res.writeHead(200, { 'content-type': r.ct });  // no Content-Length: chunked
      for (let i = 0; i < r.bytes.length; i += 1000) res.write(r.bytes.subarray(i, i + 1000));
      return res.end();
    }
    res.writeHead(200, { 'content-type': r.ct, 'content-length': r.bytes.length });
    return res.end(r.bytes);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port, hits, server,
    url: (p) => `http://127.0.0.1:${port}${p}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

before(async () => {
  media = await start_media_server();
  ctx = await setupGateway({ env: { GCLI_GATEWAY_MEDIA_ALLOW_HOSTS: `127.0.0.1:${media.port}`, GCLI_GATEWAY_MEDIA_MAX_BYTES: String(MAX_BYTES), GCLI_GATEWAY_MEDIA_TIMEOUT_MS: String(TIMEOUT_MS) } });
  closed = await setupGateway({ fake: ctx.fake });
});
after(async () => {
  await closed?.close();
  await ctx?.close();
  await media?.close();
});
beforeEach(() => { ctx?.fake.reset(); media?.hits.clear(); });

// ---- client helpers --------------------------------------------------------------------------------------

const openai = (url, { gw = ctx, stream = false } = {}) => call(gw.gw, '/v1/chat/completions', {
  key: gw.key, auth: 'bearer',
  body: { model: MODEL, stream, messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url } }] }] },
});
const anthropic_block = (url, type = 'image') => ({ type, source: { type: 'url', url } });
const anthropic = (url, { gw = ctx, stream = false, type = 'image', path = '/v1/messages' } = {}) => call(gw.gw, path, {
  key: gw.key, auth: 'x-api-key', headers: { 'anthropic-version': '2023-06-01' },
  body: { model: MODEL, max_tokens: 256, stream, messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, anthropic_block(url, type)] }] },
});
const DIALECTS = [['OpenAI image_url', openai], ['Anthropic image url source', anthropic]];

// The single inlineData part the fake received, after checking nothing of the URL form is left.
function inlined() {
  const up = ctx.fake.lastGenerate();
  assert.ok(up, 'a generate call reached the fake');
  const raw = up.rawBody;
  assert.doesNotMatch(raw, /_gw_fetch|fileData|file_data|fileUri/, 'the URL part is replaced, nothing of it goes upstream');
  const parts = up.body.request.contents.flatMap((c) => c.parts);
  const media_parts = parts.filter((p) => p.inlineData);
  assert.equal(media_parts.length, 1, JSON.stringify(parts).slice(0, 500));
  return media_parts[0].inlineData;
}

function assert_openai_400(r, pattern) {
  assert.equal(r.status, 400, `${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  assert.equal(r.json?.error?.type, 'invalid_request_error', r.text);
  assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message', 'param', 'type']);
  if (pattern) assert.match(r.json.error.message, pattern);
  return r.json.error.message;
}
function assert_anthropic_400(r, pattern) {
  assert.equal(r.status, 400, `${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  assert.equal(r.json?.type, 'error', r.text);
  assert.equal(r.json.error?.type, 'invalid_request_error', r.text);
  if (pattern) assert.match(r.json.error.message, pattern);
  return r.json.error.message;
}
const assert_400 = (dialect, r, pattern) => (dialect === openai ? assert_openai_400(r, pattern) : assert_anthropic_400(r, pattern));
const no_generate = () => assert.equal(ctx.fake.generateRequests().length, 0, 'no generate call upstream');

// ---- inlining ------------------------------------------------------------------------------------------

for (const [label, send] of DIALECTS) {
  for (const [path, bytes, , mime] of TYPES) {
    test(`A6 ${label}: ${path} is fetched and inlined upstream as ${mime} with the exact bytes`, async () => {
      const r = await send(media.url(path));
      assert.equal(r.status, 200, ctx.report(r));
      const data = inlined();
      assert.equal(data.mimeType, mime);
      assert.equal(data.data, bytes.toString('base64'));
      assert.equal(media.hits.get(path), 1, 'downloaded once');
    });
  }

  test(`A6 ${label}: the MIME type is sniffed from the bytes, not taken from Content-Type or the extension`, async () => {
    const r = await send(media.url('/no-extension'));
    assert.equal(r.status, 200, ctx.report(r));
    assert.equal(inlined().mimeType, 'image/png');
    ctx.fake.reset();
    const lying = await send(media.url('/lying.png'));
    assert_400(send, lying, /not a supported/);
    no_generate();
  });

  test(`A6 ${label}: streaming requests inline the media too`, async () => {
    const r = await send(media.url('/photo.jpg'), { stream: true });
    assert.equal(r.status, 200, ctx.report(r));
    assert.match(r.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(inlined().mimeType, 'image/jpeg');
  });

  test(`A6 ${label}: an allowed redirect is followed`, async () => {
    const r = await send(media.url('/redirect-ok'));
    assert.equal(r.status, 200, ctx.report(r));
    assert.equal(inlined().data, PNG.toString('base64'));
    assert.equal(media.hits.get('/img.png'), 1);
  });

  // ---- refusals ----------------------------------------------------------------------------------------

  test(`A6 ${label}: an HTML page is a 400 naming the URL, and nothing is sent upstream`, async () => {
    for (const stream of [false, true]) {
      const r = await send(media.url('/page.html'), { stream });
      const msg = assert_400(send, r, /not a supported image, audio, video or PDF/);
      assert.ok(msg.includes(`127.0.0.1:${media.port}/page.html`), `the URL is named: ${msg}`);
      assert.match(msg, /text\/html/, 'the server\'s claimed type helps the user');
    }
    no_generate();
  });

  test(`A6 ${label}: bytes of an unsupported format are a 400, nothing upstream`, async () => {
    assert_400(send, await send(media.url('/archive.bin')), /not a supported/);
    no_generate();
  });

  test(`A7 ${label}: a GIF by URL is refused like a GIF data URI (never forwarded as image/gif)`, async () => {
    const r = await send(media.url('/anim.gif'));
    if (r.status === 200) {
      assert.notEqual(inlined().mimeType, 'image/gif', 'a GIF must not be forwarded as image/gif (§7.7)');
    } else {
      assert_400(send, r);
      no_generate();
    }
  });

  test(`A6 ${label}: a server error status (404) is a 400 naming it`, async () => {
    assert_400(send, await send(media.url('/missing.png')), /HTTP 404/);
    no_generate();
  });

  test(`A6 ${label}: a body over GCLI_GATEWAY_MEDIA_MAX_BYTES is a 400 (with Content-Length and chunked)`, async () => {
    for (const p of ['/big.png', '/big-chunked.png']) {
      const msg = assert_400(send, await send(media.url(p)), /larger than the limit/);
      assert.match(msg, /4 KiB|4096/, msg);
    }
    no_generate();
  });

  test(`A6 ${label}: a server that stalls is a 400 after GCLI_GATEWAY_MEDIA_TIMEOUT_MS`, async () => {
    const t0 = Date.now();
    assert_400(send, await send(media.url('/stall.png')), /timed out/);
    const took = Date.now() - t0;
    assert.ok(took >= TIMEOUT_MS - 50 && took < TIMEOUT_MS + 3000, `answered after ${took} ms`);
    no_generate();
  });

  test(`A6 ${label}: without the allow-list a loopback URL is refused with a 400 naming the reason, never fetched`, async () => {
    const r = await send(media.url('/img.png'), { gw: closed });
    assert_400(send, r, /loopback/);
    assert.equal(media.hits.size, 0, 'the media server was not contacted');
    no_generate();
  });

  test(`A6 ${label}: the allow-list opens one port only`, async () => {
    const other = `http://127.0.0.1:${media.port === 65535 ? 1 : media.port + 1}/img.png`;
    assert_400(send, await send(other), /loopback/);
    no_generate();
  });

  test(`A6 ${label}: a redirect to a refused address (another loopback host, another port, cloud metadata) is refused`, async () => {
    for (const p of ['/redirect-loopback', '/redirect-other-port', '/redirect-metadata']) {
      const msg = assert_400(send, await send(media.url(p)), /redirect/i);
      assert.match(msg, /loopback|metadata/, msg);
    }
    assert.equal(media.hits.get('/img.png'), undefined, 'the refused target was never fetched');
    no_generate();
  });

  test(`A6 ${label}: a non-http URL scheme is a 400 without any fetch`, async () => {
    assert_400(send, await send('file:///etc/passwd'));
    assert_400(send, await send('ftp://127.0.0.1/x.png'));
    no_generate();
  });
}

test('A6 Anthropic document url source: a PDF is inlined as application/pdf', async () => {
  const r = await anthropic(media.url('/doc.pdf'), { type: 'document' });
  assert.equal(r.status, 200, ctx.report(r));
  const data = inlined();
  assert.equal(data.mimeType, 'application/pdf');
  assert.equal(data.data, PDF.toString('base64'));
});

test('A6 the same URL twice in one request is downloaded once and inlined twice', async () => {
  const url = media.url('/img.png');
  const r = await call(ctx.gw, '/v1/chat/completions', {
    key: ctx.key, auth: 'bearer',
    body: { model: MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }, { type: 'text', text: 'and again' }, { type: 'image_url', image_url: { url } }] }] },
  });
  assert.equal(r.status, 200, ctx.report(r));
  const parts = ctx.fake.lastGenerate().body.request.contents.flatMap((c) => c.parts).filter((p) => p.inlineData);
  assert.equal(parts.length, 2);
  assert.equal(media.hits.get('/img.png'), 1);
});

test('D56 Anthropic count_tokens with an image url source resolves the media before counting', async () => {
  const r = await anthropic(media.url('/img.png'), { path: '/v1/messages/count_tokens' });
  assert.equal(r.status, 200, `${r.status} ${r.text}`);
  assert.ok(Number.isInteger(r.json.input_tokens) && r.json.input_tokens > 0);
  const sent = ctx.fake.requests({ rpc: 'countTokens' }).at(-1);
  assert.ok(sent, 'countTokens reached the fake');
  assert.doesNotMatch(sent.rawBody, /_gw_fetch|fileUri/);
  assert.equal(media.hits.get('/img.png'), 1);
  no_generate();
});

test('D56 Anthropic count_tokens with a refused media URL is a 400 in Anthropic shape', async () => {
  const r = await anthropic(media.url('/page.html'), { path: '/v1/messages/count_tokens' });
  assert_anthropic_400(r, /not a supported/);
  assert.equal(ctx.fake.requests({ rpc: 'countTokens' }).length, 0);
});
