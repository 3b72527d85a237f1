// A strict fake of Google's Code Assist (v1internal) and OAuth endpoints on 127.0.0.1, scriptable per request.
// Run: node tests/fake_google/server.mjs --port 0 [--accounts FILE] [--crlf] [--tls-key F --tls-cert F]
//      (prints {"port":N} when listening; with TLS also "url")
// Import: const fake = await startFakeGoogle({accounts:[...], tls?:{key, cert, urlHost?}}); ... await fake.close();

import http from 'node:http';
import https from 'node:https';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

import {
  google_error, unauthenticated, invalid_argument, model_not_found, project_denied, validation_required_error,
  oauth_error,
} from './google_errors.mjs';
import {
  GenerateEnvelope, CountTokensEnvelope, parse_check, semantic_check_generate, field, base_model,
} from './validate.mjs';
import {
  plan_answer, stream_chunks, single_response, estimate_tokens, trace_id, response_id, create_time,
} from './answers.mjs';

export const CLIENT_ID = '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com';
export const CLIENT_SECRET = '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';
export const SCOPE = 'openid https://www.googleapis.com/auth/userinfo.profile https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email';

// upstream-code-assist.md §8.1/§8.3 ids served by Code Assist, plus their `_vertex` twins (§8.5). `gemini-3.5-flash`
// is deliberately absent: gemini-cli sends it as `gemini-3-flash` (§12.7), so an unmapped name must fail.
export const DEFAULT_MODELS = (() => {
  const base = ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.0-flash',
    'gemini-3-pro-preview', 'gemini-3.1-pro-preview', 'gemini-3-flash-preview', 'gemini-3-flash',
    'gemini-3.1-flash-lite', 'gemini-3.1-flash-lite-preview',
    // gemini-cli 0.61's LATEST_GEMINI_FLASH_MODEL / LATEST_GEMINI_FLASH_LITE_MODEL (sent to Code Assist when the
    // account has latest-flash GA access: getBackendModelMappings in its packages/core/src/config/models.ts)
    'gemini-3.8-flash', 'gemini-3.5-flash-lite'];
  return [...base, ...base.map((m) => `${m}_vertex`)];
})();

const TIER_NAMES = {
  'free-tier': 'Gemini Code Assist for individuals',
  'standard-tier': 'Gemini Code Assist',
  'legacy-tier': 'Gemini Code Assist (legacy)',
};
const UNSUPPORTED_CLIENT_MESSAGE = 'This client is no longer supported for Gemini Code Assist for individuals. To continue '
  + 'using Gemini, please migrate to the Antigravity suite of products: https://antigravity.google';

const DEFAULT_OPTIONS = {
  host: '127.0.0.1',
  port: 0,
  knownModels: DEFAULT_MODELS,
  crlf: false,                  // SSE line endings \r\n instead of \n
  chunkDelayMs: 5,              // pause between default stream chunks
  tokenDelayMs: 0,              // pause before answering /token (widens single-flight races)
  accessTokenTtlS: 3599,
  onboardPolls: 1,              // operation polls (GET or re-POST) before onboarding is done; 0 = done at once
  strictHeaders: true,          // 400 when User-Agent / x-goog-api-client are not gemini-cli's
  requireUserPromptId: true,
  rejectBothThinkingFields: true,
  functionCallIds: false,       // whether functionCall parts carry an `id` (UNCONFIRMED upstream, §10.2)
  missingProjectStatus: 500,    // reported behaviour when `project` is omitted (§2.1, UNCONFIRMED)
  apiVersion: 'v1internal',
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand_hex = (n) => crypto.randomBytes(n).toString('hex');
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

function numeric_id(email) {
  const h = crypto.createHash('sha256').update(String(email)).digest();
  return '1' + (h.readBigUInt64BE(0) % 10n ** 20n).toString().padStart(20, '0');
}

// Account config (see README): {refreshToken, email, project, tier, onboarded, allowedTiers, projectFromServer,
// ineligible:{reasonCode, reasonMessage, validationUrl, ...}, onboardPolls, authCode, revoked, refreshDelayMs,
// accessTokenTtlS, refreshError:{status, body}}
function normalize_account(cfg, prev = {}) {
  const a = { ...prev, ...cfg };
  if (!a.refreshToken) throw new Error('fake account needs refreshToken');
  a.email = a.email || `${a.refreshToken.replace(/[^A-Za-z0-9]/g, '')}@example.com`;
  a.id = String(a.id || numeric_id(a.email));
  a.tier = a.tier || 'standard-tier';
  a.tierName = a.tierName || TIER_NAMES[a.tier] || a.tier;
  if (a.onboarded === undefined) a.onboarded = true;
  if (a.projectFromServer === undefined) a.projectFromServer = true;
  if (a.project === undefined) a.project = `fake-project-${a.id.slice(-6)}`;
  if (a.ineligible && !a.ineligible.reasonMessage) {
    a.ineligible = {
      ...a.ineligible,
      reasonMessage: a.ineligible.reasonCode === 'UNSUPPORTED_CLIENT' ? UNSUPPORTED_CLIENT_MESSAGE : 'Verify your account to continue.',
    };
  }
  return a;
}

function new_state(options) {
  return {
    options,
    accounts: new Map(),       // refreshToken -> account
    tokens: new Map(),         // access token -> {refreshToken, expiresAt}
    operations: new Map(),     // operation id -> {refreshToken, polls, needed, done}
    issuedSignatures: new Set(),
    script: [],                // queued scripted answers
    requests: [],              // recorded upstream requests (control calls excluded)
    tlsErrors: [],             // failed TLS handshakes (TLS mode): what a client that rejected the cert looks like
    stats: { refreshes: {}, refreshTotal: 0, tokenRequests: 0, methods: {}, activeStreams: 0 },
    nextRequestId: 1,
  };
}

// ---- tokens --------------------------------------------------------------------------------------------
function issue_access_token(state, acct, ttlS) {
  const ttl = ttlS ?? acct.accessTokenTtlS ?? state.options.accessTokenTtlS;
  const token = `ya29.fake-${rand_hex(24)}`;
  state.tokens.set(token, { refreshToken: acct.refreshToken, expiresAt: Date.now() + ttl * 1000 });
  return { access_token: token, expires_in: ttl, scope: SCOPE, token_type: 'Bearer', id_token: make_id_token(acct, ttl) };
}

// An unverifiable JWT with Google's claims (the email is what a gateway may read from it).
function make_id_token(acct, ttl) {
  const now = Math.floor(Date.now() / 1000);
  return [
    b64url({ alg: 'RS256', kid: 'fake-google', typ: 'JWT' }),
    b64url({ iss: 'https://accounts.google.com', azp: CLIENT_ID, aud: CLIENT_ID, sub: acct.id, email: acct.email, email_verified: true, iat: now, exp: now + ttl }),
    crypto.randomBytes(32).toString('base64url'),
  ].join('.');
}

function account_for_bearer(state, req) {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization || '');
  if (!m) return null;
  const t = state.tokens.get(m[1]);
  if (!t || t.expiresAt <= Date.now()) return null;
  const acct = state.accounts.get(t.refreshToken);
  return acct && !acct.revoked ? acct : null;
}

// ---- HTTP helpers -----------------------------------------------------------------------------------
const GOOGLE_HEADERS = {
  server: 'ESF', vary: 'Origin, X-Origin, Referer', 'x-xss-protection': '0',
  'x-frame-options': 'SAMEORIGIN', 'x-content-type-options': 'nosniff',
};

function send_json(res, status, body, extra = {}) {
  if (res.writableEnded || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...GOOGLE_HEADERS, ...extra });
  res.end(text);
}

async function read_body(req, limit = 256 * 1024 * 1024) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > limit) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

// ---- the server -----------------------------------------------------------------------------------------
export async function startFakeGoogle(opts = {}) {
  const options = { ...DEFAULT_OPTIONS, ...opts };
  delete options.accounts;
  // Kept out of `options` so the key never shows up in configure()'s answer.
  const tls = opts.tls || null;
  delete options.tls;
  const state = new_state(options);
  for (const a of opts.accounts || []) state.accounts.set(a.refreshToken, normalize_account(a));
  const timers = new Set();
  const nap = (ms) => (ms > 0 ? new Promise((r) => { const t = setTimeout(() => { timers.delete(t); r(); }, ms); timers.add(t); }) : Promise.resolve());

  const api = {
    state,
    script(answers) {
      for (const a of [].concat(answers)) state.script.push({ ...a, remaining: a.times ?? 1 });
      return state.script.length;
    },
    requests(filter = {}) {
      return state.requests.filter((r) => (!filter.method || r.method === filter.method)
        && (!filter.path || r.path === filter.path) && (!filter.rpc || r.rpc === filter.rpc));
    },
    reset({ all = false } = {}) {
      state.requests.length = 0;
      state.tlsErrors.length = 0;
      state.script.length = 0;
      state.stats = { refreshes: {}, refreshTotal: 0, tokenRequests: 0, methods: {}, activeStreams: state.stats.activeStreams };
      if (all) { state.accounts.clear(); state.tokens.clear(); state.operations.clear(); state.issuedSignatures.clear(); }
    },
    setAccounts(list) {
      for (const a of [].concat(list)) state.accounts.set(a.refreshToken, normalize_account(a, state.accounts.get(a.refreshToken)));
      return [...state.accounts.values()];
    },
    account(refreshToken) { return state.accounts.get(refreshToken); },
    stats() { return JSON.parse(JSON.stringify(state.stats)); },
    tlsErrors() { return state.tlsErrors.map((e) => ({ ...e })); },
    // TLS mode: serve another certificate from now on; open connections are dropped so the next request handshakes.
    setTls({ key, cert }) {
      if (!tls) throw new Error('setTls needs a fake started with {tls}');
      server.setSecureContext({ key, cert });
      server.closeAllConnections();
    },
    // A valid access token for an account without going through /token (for credentials imported as fresh).
    issueToken(refreshToken, { expiresInS } = {}) {
      const acct = state.accounts.get(refreshToken);
      if (!acct) throw new Error(`no fake account ${refreshToken}`);
      const t = issue_access_token(state, acct, expiresInS);
      return { ...t, expiry_date: Date.now() + t.expires_in * 1000 };
    },
    idToken(refreshToken) {
      const acct = state.accounts.get(refreshToken);
      if (!acct) throw new Error(`no fake account ${refreshToken}`);
      return make_id_token(acct, options.accessTokenTtlS);
    },
    expireTokens(refreshToken) {
      for (const t of state.tokens.values()) if (!refreshToken || t.refreshToken === refreshToken) t.expiresAt = 0;
    },
    configure(patch) { Object.assign(options, patch); return { ...options }; },
    issueSignature(model) { return issue_signature(model); },
  };

  function issue_signature(model) {
    // Opaque base64 like the real ones; the fake accepts exactly those it handed out (plus the sentinels).
    const sig = Buffer.concat([Buffer.from([0x12, 0x20]), Buffer.from(`fake:${base_model(model)}:`), crypto.randomBytes(24)]).toString('base64');
    state.issuedSignatures.add(sig);
    return sig;
  }

  function record(req, url, rpc) {
    const rec = {
      id: state.nextRequestId++, at: Date.now(), method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams),
      rpc, headers: { ...req.headers }, body: undefined, rawBody: undefined, account: null, model: null,
      // TLS mode: the SNI host name the client sent (null when it sent none), and the protocol version.
      servername: tls ? req.socket.servername || null : null, tlsProtocol: tls ? req.socket.getProtocol() : null,
      status: null, aborted: false, abortedAt: null, resetByFake: false, completed: false,
    };
    state.requests.push(rec);
    return rec;
  }

  const on_request = (req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send_json(res, 500, google_error(500, `fake Google internal error: ${err.message}`));
      else res.destroy();
    });
  };
  const server_opts = { requestTimeout: 0, keepAliveTimeout: 5000 };
  const server = tls
    ? https.createServer({ ...server_opts, key: tls.key, cert: tls.cert }, on_request)
    : http.createServer(server_opts, on_request);
  if (tls) {
    server.on('tlsClientError', (err, socket) => {
      state.tlsErrors.push({ at: Date.now(), code: err.code || null, message: err.message, servername: socket.servername || null });
    });
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://fake');
    if (url.pathname.startsWith('/__control/')) return control(req, res, url);

    const ver = options.apiVersion;
    let rpc = null;
    let opId = null;
    if (url.pathname.startsWith(`/${ver}:`)) rpc = url.pathname.slice(ver.length + 2);
    else if (url.pathname.startsWith(`/${ver}/operations/`)) { rpc = 'getOperation'; opId = url.pathname.slice(ver.length + 13); }
    const rec = record(req, url, rpc || url.pathname);
    res.on('close', () => {
      if (!res.writableFinished && !rec.resetByFake) { rec.aborted = true; rec.abortedAt = Date.now(); }
    });
    res.on('finish', () => { rec.completed = true; });
    const orig_writeHead = res.writeHead;
    res.writeHead = function (status, ...rest) { rec.status = status; return orig_writeHead.call(this, status, ...rest); };

    let raw;
    try { raw = await read_body(req); } catch { rec.aborted = true; return; }
    rec.rawBody = raw.length ? raw.toString('utf8') : '';

    if (url.pathname === '/token' || url.pathname === '/o/oauth2/token') return token_endpoint(req, res, rec);
    if (/^\/(oauth2\/v[123]\/)?userinfo$/.test(url.pathname)) return userinfo(req, res, url, rec);
    if (url.pathname === '/tokeninfo' || url.pathname === '/oauth2/v3/tokeninfo') return tokeninfo(req, res, url, rec);
    if (url.pathname === '/revoke' || url.pathname === '/o/oauth2/revoke') return revoke(req, res, url, rec);
    if (!rpc) return send_json(res, 404, google_error(404, `The requested URL ${url.pathname} was not found on this server.`));
    state.stats.methods[rpc] = (state.stats.methods[rpc] || 0) + 1;
    return code_assist(req, res, url, rec, rpc, opId);
  }

  // ---- OAuth --------------------------------------------------------------------------------------------
  async function token_endpoint(req, res, rec) {
    state.stats.tokenRequests++;
    if (req.method !== 'POST') return send_json(res, 405, oauth_error('invalid_request', 'Method not allowed'));
    if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] || '')) {
      return send_json(res, 400, oauth_error('invalid_request', 'Content-Type must be application/x-www-form-urlencoded (fake Google).'));
    }
    const form = Object.fromEntries(new URLSearchParams(rec.rawBody));
    rec.body = { ...form, ...(form.refresh_token ? { refresh_token: '<redacted>' } : {}), ...(form.client_secret ? { client_secret: '<redacted>' } : {}) };
    if (form.client_id !== CLIENT_ID) return send_json(res, 401, oauth_error('invalid_client', 'The OAuth client was not found.'));
    if (form.client_secret !== CLIENT_SECRET) return send_json(res, 401, oauth_error('invalid_client', 'Unauthorized'));

    if (form.grant_type === 'refresh_token') {
      if (!form.refresh_token) return send_json(res, 400, oauth_error('invalid_request', 'Missing required parameter: refresh_token'));
      state.stats.refreshes[form.refresh_token] = (state.stats.refreshes[form.refresh_token] || 0) + 1;
      state.stats.refreshTotal++;
      const acct = state.accounts.get(form.refresh_token);
      await nap(acct?.refreshDelayMs ?? options.tokenDelayMs);
      if (!acct || acct.revoked) return send_json(res, 400, oauth_error('invalid_grant', 'Token has been expired or revoked.'));
      rec.account = acct.email;
      if (acct.refreshError) return send_json(res, acct.refreshError.status || 500, acct.refreshError.body || oauth_error('internal_failure', 'Backend Error'));
      return send_json(res, 200, issue_access_token(state, acct));
    }
    if (form.grant_type === 'authorization_code') {
      if (!form.code) return send_json(res, 400, oauth_error('invalid_request', 'Missing required parameter: code'));
      if (!form.redirect_uri) return send_json(res, 400, oauth_error('invalid_request', 'Missing required parameter: redirect_uri'));
      const acct = [...state.accounts.values()].find((a) => a.authCode && a.authCode === form.code && !a.authCodeUsed);
      await nap(options.tokenDelayMs);
      if (!acct) return send_json(res, 400, oauth_error('invalid_grant', 'Bad Request'));
      acct.authCodeUsed = true;
      acct.lastRedirectUri = form.redirect_uri;
      acct.lastCodeVerifier = form.code_verifier || null;
      rec.account = acct.email;
      return send_json(res, 200, { ...issue_access_token(state, acct), refresh_token: acct.refreshToken });
    }
    return send_json(res, 400, oauth_error('unsupported_grant_type', `Invalid grant_type: ${form.grant_type || ''}`));
  }

  function userinfo(req, res, url, rec) {
    const acct = account_for_bearer(state, req);
    if (!acct) {
      return send_json(res, 401, google_error(401, 'Request is missing required authentication credential. Expected OAuth 2 access token, '
        + 'login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'));
    }
    rec.account = acct.email;
    const picture = 'https://lh3.googleusercontent.com/a/default-user=s96-c';
    if (url.pathname.includes('/v3/')) return send_json(res, 200, { sub: acct.id, email: acct.email, email_verified: true, picture });
    return send_json(res, 200, { id: acct.id, email: acct.email, verified_email: true, picture });
  }

  function tokeninfo(req, res, url, rec) {
    const token = url.searchParams.get('access_token') || new URLSearchParams(rec.rawBody).get('access_token');
    const t = token && state.tokens.get(token);
    const acct = t && t.expiresAt > Date.now() && state.accounts.get(t.refreshToken);
    if (!acct) return send_json(res, 400, oauth_error('invalid_token', 'Invalid Value'));
    const left = Math.floor((t.expiresAt - Date.now()) / 1000);
    return send_json(res, 200, {
      azp: CLIENT_ID, aud: CLIENT_ID, sub: acct.id, scope: SCOPE, exp: String(Math.floor(t.expiresAt / 1000)),
      expires_in: String(left), email: acct.email, email_verified: 'true', access_type: 'offline',
    });
  }

  function revoke(req, res, url, rec) {
    const token = url.searchParams.get('token') || new URLSearchParams(rec.rawBody).get('token');
    if (state.tokens.delete(token)) return send_json(res, 200, {});
    const acct = state.accounts.get(token);
    if (acct) { acct.revoked = true; return send_json(res, 200, {}); }
    return send_json(res, 400, oauth_error('invalid_token', 'Token expired or revoked'));
  }

  // ---- Code Assist --------------------------------------------------------------------------------------
  async function code_assist(req, res, url, rec, rpc, opId) {
    const acct = account_for_bearer(state, req);
    if (!acct) return send_json(res, 401, unauthenticated());
    rec.account = acct.email;
    if (options.strictHeaders) {
      const ua = req.headers['user-agent'] || '';
      const api_client = req.headers['x-goog-api-client'] || '';
      if (!ua.startsWith('GeminiCLI/')) return send_json(res, 400, invalid_argument(`fake Google: User-Agent must be gemini-cli's (GeminiCLI/...), got ${JSON.stringify(ua)}`));
      if (!api_client.startsWith('gl-node/')) return send_json(res, 400, invalid_argument(`fake Google: x-goog-api-client must be gl-node/<version>, got ${JSON.stringify(api_client)}`));
    }
    if (rpc === 'getOperation') {
      if (req.method !== 'GET') return send_json(res, 404, google_error(404, 'Method not found.'));
      return get_operation(res, acct, opId);
    }
    if (req.method !== 'POST') return send_json(res, 404, google_error(404, 'Method not found.'));
    if (!/^application\/json/i.test(req.headers['content-type'] || '')) {
      return send_json(res, 400, invalid_argument('fake Google: Content-Type must be application/json (gemini-cli always sends it).'));
    }
    let body;
    try { body = rec.rawBody === '' ? {} : JSON.parse(rec.rawBody); } catch (e) {
      return send_json(res, 400, invalid_argument(`Invalid JSON payload received. ${e.message}`));
    }
    rec.body = body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return send_json(res, 400, invalid_argument(`Invalid JSON payload received. Expected an object, got ${JSON.stringify(body).slice(0, 40)}.`));
    }
    switch (rpc) {
      case 'generateContent': return generate(req, res, url, rec, acct, body, false);
      case 'streamGenerateContent': return generate(req, res, url, rec, acct, body, true);
      case 'countTokens': return count_tokens(res, rec, acct, body);
      case 'loadCodeAssist': return load_code_assist(res, acct, body);
      case 'onboardUser': return onboard_user(res, acct, body);
      case 'retrieveUserQuota': return retrieve_user_quota(res, acct, body);
      case 'listExperiments': return list_experiments(res, acct, body);
      case 'fetchAdminControls': return send_json(res, 200, { adminControlsApplicable: false });
      case 'recordCodeAssistMetrics': return send_json(res, 200, {});
      case 'setCodeAssistGlobalUserSetting': return send_json(res, 200, body);
      default: return send_json(res, 404, google_error(404, 'Method not found.'));
    }
  }

  function account_problem(acct) {
    if (acct.ineligible?.reasonCode === 'VALIDATION_REQUIRED') return [403, validation_required_error(acct.ineligible.validationUrl || 'https://accounts.google.com/signin/continue')];
    if (acct.ineligible) return [403, google_error(403, acct.ineligible.reasonMessage)];
    if (!acct.onboarded) return [403, google_error(403, 'The caller does not have permission')];
    return null;
  }

  // An account with project null accepts any project the user names (a standard-tier user-defined project).
  function check_project(acct, project) {
    if (project === undefined || project === null || project === '') {
      return [options.missingProjectStatus, google_error(options.missingProjectStatus, 'Internal error encountered.')];
    }
    if (acct.project && project !== acct.project) return [403, project_denied(project)];
    return null;
  }

  function take_script(rpc, model, email, stream) {
    for (let i = 0; i < state.script.length; i++) {
      const a = state.script[i];
      if (a.model && a.model !== model) continue;
      if (a.account && a.account !== email) continue;
      if (a.method ? a.method !== rpc : rpc === 'countTokens') continue;
      if (a.sse && !stream) continue;
      if (--a.remaining <= 0) state.script.splice(i, 1);
      return a;
    }
    return null;
  }

  async function generate(req, res, url, rec, acct, body, stream) {
    const e1 = parse_check(GenerateEnvelope, body);
    if (e1) return send_error(res, 400, e1, stream);
    rec.model = body.model;
    const e2 = semantic_check_generate(body, {
      issuedSignatures: state.issuedSignatures, requireUserPromptId: options.requireUserPromptId,
      rejectBothThinkingFields: options.rejectBothThinkingFields,
    });
    if (e2) return send_error(res, e2.error.code, e2, stream);
    const problem = account_problem(acct) || check_project(acct, body.project);
    if (problem) return send_error(res, problem[0], problem[1], stream);

    const sse = url.searchParams.get('alt') === 'sse';
    const scripted = take_script(stream ? 'streamGenerateContent' : 'generateContent', body.model, acct.email, stream);
    if (scripted) return serve_script(req, res, rec, scripted, stream, sse);
    if (!options.knownModels.includes(body.model)) return send_error(res, 404, model_not_found(), stream);

    const plan = plan_answer(body.request, body.model, { issueSignature: issue_signature, functionCallIds: options.functionCallIds });
    const meta = { responseId: response_id(), createTime: create_time() };
    const trace = trace_id();
    if (!stream) return send_json(res, 200, { response: single_response(plan, meta), traceId: trace }, { 'x-cloudaicompanion-trace-id': trace });
    const events = stream_chunks(plan, meta).map((r, i) => ({ data: { response: r, traceId: trace }, delayMs: i ? options.chunkDelayMs : 0 }));
    return write_stream(res, rec, { sse: events }, sse, trace);
  }

  // Streaming errors come array-wrapped ([{"error":...}], §2.4) unless the script says arrayWrappedError:false.
  function send_error(res, status, body, stream, script = {}) {
    if (!stream || script.arrayWrappedError === false || typeof body !== 'object' || Array.isArray(body)) {
      return send_json(res, status, body, script.headers);
    }
    const ct = script.arrayWrappedError === true ? 'text/event-stream' : 'application/json; charset=UTF-8';
    return send_json(res, status, [body], { 'content-type': ct, ...script.headers });
  }

  async function serve_script(req, res, rec, a, stream, sse) {
    rec.scripted = true;
    await nap(a.delayMs);
    if (res.destroyed) return;
    const trace = trace_id();
    if (a.sse) return write_stream(res, rec, a, sse, trace);
    const status = a.status ?? 200;
    let body = a.body ?? {};
    const wrap = (b) => (b && typeof b === 'object' && !Array.isArray(b) && !('response' in b) && !('error' in b) ? { response: b, traceId: trace } : b);
    if (status < 300 && stream) return write_stream(res, rec, { ...a, sse: [{ data: body }] }, sse, trace);
    if (status < 300) body = wrap(body);
    if (status >= 400) return send_error(res, status, body, stream, a);
    return send_json(res, status, body, { 'x-cloudaicompanion-trace-id': trace, ...a.headers });
  }

  // Writes SSE (or the JSON-array framing when alt=sse is absent). a: {sse:[{data|raw, delayMs}], resetAfter, stallMs, status, headers}
  async function write_stream(res, rec, a, sse, trace) {
    const eol = options.crlf ? '\r\n' : '\n';
    state.stats.activeStreams++;
    try {
      res.writeHead(a.status ?? 200, {
        'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
        'x-cloudaicompanion-trace-id': trace, ...GOOGLE_HEADERS, ...a.headers,
      });
      res.flushHeaders();
      const events = a.sse || [];
      const reset_at = a.resetAfter ?? -1;
      for (let i = 0; i <= events.length; i++) {
        if (i === reset_at) {
          // Let the peer read what was sent first: an RST makes the peer's kernel drop unread data.
          await new Promise((r) => (res.socket ? res.write('', r) : r()));
          await nap(a.stallMs ?? 0);
          await nap(50);
          rec.resetByFake = true;
          if (a.resetMode === 'fin' || !res.socket || typeof res.socket.resetAndDestroy !== 'function') res.socket?.destroy();
          else res.socket.resetAndDestroy();
          return;
        }
        if (i === events.length) break;
        const ev = events[i];
        await nap(ev.delayMs);
        if (res.destroyed) return;
        let data = ev.data;
        if (data && typeof data === 'object' && !Array.isArray(data) && !('response' in data) && !('error' in data)) data = { response: data, traceId: trace };
        if (ev.raw !== undefined) res.write(ev.raw);
        else if (sse) res.write(`data: ${JSON.stringify(data)}${eol}${eol}`);
        else res.write(`${i === 0 ? '[' : `,${eol}`}${JSON.stringify(data)}`);
      }
      await nap(a.stallMs);
      if (res.destroyed) return;
      if (!sse) res.write(events.length ? ']' : '[]');
      res.end();
    } finally {
      state.stats.activeStreams--;
    }
  }

  function count_tokens(res, rec, acct, body) {
    const e1 = parse_check(CountTokensEnvelope, body);
    if (e1) return send_json(res, 400, e1);
    const r = body.request;
    if (!r || !r.model) return send_json(res, 400, invalid_argument('* CountTokensRequest.model: model is required.\n'));
    rec.model = r.model;
    const contents = r.contents || [];
    for (let i = 0; i < contents.length; i++) {
      const c = contents[i];
      if (!c || (c.role !== 'user' && c.role !== 'model')) return send_json(res, 400, invalid_argument('Please use a valid role: user, model.'));
      for (const p of c.parts || []) {
        if (field(p, 'thought') === true) return send_json(res, 400, invalid_argument(`Invalid value at 'request.contents[${i}]': thought parts cannot be counted (fake Google, §3).`));
      }
    }
    const scripted = take_script('countTokens', String(r.model).replace(/^models\//, ''), acct.email, false);
    if (scripted) return send_json(res, scripted.status ?? 200, scripted.body ?? {}, scripted.headers);
    if (!options.knownModels.includes(String(r.model).replace(/^models\//, ''))) return send_json(res, 404, model_not_found());
    return send_json(res, 200, { totalTokens: estimate_tokens(contents) });
  }

  // ---- setup ---------------------------------------------------------------------------------------------
  function tier_obj(acct, id = acct.tier) {
    return {
      id, name: TIER_NAMES[id] || acct.tierName, description: `${TIER_NAMES[id] || acct.tierName} (fake)`,
      userDefinedCloudaicompanionProject: id !== 'free-tier', privacyNotice: { showNotice: false },
    };
  }

  function load_code_assist(res, acct, body) {
    const requested = body.cloudaicompanionProject;
    if (acct.ineligible) {
      const t = acct.ineligible;
      const inel = {
        reasonCode: t.reasonCode, reasonMessage: t.reasonMessage, tierId: t.tierId || (t.reasonCode === 'UNSUPPORTED_CLIENT' ? 'free-tier' : acct.tier),
        tierName: t.tierName || TIER_NAMES[t.tierId || 'free-tier'],
      };
      if (t.validationUrl) {
        Object.assign(inel, {
          validationUrl: t.validationUrl, validationUrlLinkText: 'Verify your account',
          validationErrorMessage: 'Validation required to continue.',
          validationLearnMoreUrl: 'https://support.google.com/gemini', validationLearnMoreLinkText: 'Learn more',
        });
      }
      const out = { ineligibleTiers: [inel] };
      if (t.withCurrentTier) out.currentTier = tier_obj(acct);
      return send_json(res, 200, out);
    }
    if (requested && acct.project && requested !== acct.project) return send_json(res, 403, project_denied(requested));
    const allowed = acct.allowedTiers || [{ ...tier_obj(acct), isDefault: true }];
    const out = { allowedTiers: allowed, gcpManaged: false, manageSubscriptionUri: `https://accounts.google.com/AccountChooser?Email=${encodeURIComponent(acct.email)}` };
    if (acct.onboarded) {
      out.currentTier = tier_obj(acct);
      const project = acct.project ? (acct.projectFromServer || requested === acct.project ? acct.project : null) : requested;
      if (project) out.cloudaicompanionProject = project;
    }
    return send_json(res, 200, out);
  }

  function operation_body(op) {
    const out = { name: `operations/${op.id}`, done: op.done };
    if (op.done) {
      out.response = {
        '@type': 'type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse',
        cloudaicompanionProject: { id: op.project, name: op.project },
      };
    }
    return out;
  }

  function advance(op) {
    op.polls++;
    if (op.polls >= op.needed) {
      op.done = true;
      const acct = state.accounts.get(op.refreshToken);
      acct.onboarded = true;
      acct.tier = op.tierId;
      acct.tierName = TIER_NAMES[op.tierId] || acct.tierName;
    }
  }

  function onboard_user(res, acct, body) {
    if (acct.ineligible) return send_json(res, 400, google_error(400, acct.ineligible.reasonMessage, { status: 'FAILED_PRECONDITION' }));
    const tierId = body.tierId;
    if (!tierId) return send_json(res, 400, invalid_argument('* OnboardUserRequest.tier_id: tier_id is required.\n'));
    const allowed = (acct.allowedTiers || [tier_obj(acct)]).map((t) => t.id);
    if (!allowed.includes(tierId)) return send_json(res, 400, google_error(400, `Tier ${tierId} is not allowed for this user.`, { status: 'FAILED_PRECONDITION' }));
    const project = body.cloudaicompanionProject;
    if (tierId === 'free-tier' && project) return send_json(res, 400, google_error(400, 'Precondition check failed.', { status: 'FAILED_PRECONDITION' }));
    if (tierId !== 'free-tier') {
      if ((!acct.projectFromServer || !acct.project) && !project) {
        return send_json(res, 400, google_error(400, 'This account requires setting the GOOGLE_CLOUD_PROJECT env var.', { status: 'FAILED_PRECONDITION' }));
      }
      if (project && project !== acct.project) return send_json(res, 403, project_denied(project));
    }
    // Re-POST polling (pre-2026 gemini-cli, every third-party client) advances the pending operation.
    let op = [...state.operations.values()].find((o) => o.refreshToken === acct.refreshToken && !o.done);
    if (op) advance(op);
    else {
      op = { id: String(crypto.randomInt(1e9, 9e9)), refreshToken: acct.refreshToken, polls: 0, tierId, project: project || acct.project,
        needed: acct.onboardPolls ?? options.onboardPolls, done: false };
      state.operations.set(op.id, op);
      if (op.needed <= 0) advance(op);
    }
    return send_json(res, 200, operation_body(op));
  }

  function get_operation(res, acct, id) {
    const op = state.operations.get(id);
    if (!op || op.refreshToken !== acct.refreshToken) return send_json(res, 404, google_error(404, 'Requested entity was not found.'));
    if (!op.done) advance(op);
    return send_json(res, 200, operation_body(op));
  }

  function retrieve_user_quota(res, acct, body) {
    const problem = check_project(acct, body.project);
    if (problem) return send_json(res, problem[0], problem[1]);
    const reset = new Date(Date.now() + 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    return send_json(res, 200, {
      buckets: options.knownModels.map((m) => ({ modelId: m, tokenType: 'REQUESTS', remainingFraction: 1, remainingAmount: '1500', resetTime: reset })),
    });
  }

  function list_experiments(res, acct, body) {
    const problem = check_project(acct, body.project);
    if (problem) return send_json(res, problem[0], problem[1]);
    return send_json(res, 200, {
      experimentIds: [45740196, 45760185],
      flags: [{ flagId: 45740196, boolValue: true }, { flagId: 45760185, boolValue: true }, { flagId: 45780819, boolValue: true }],
      filteredFlags: [],
      debugString: 'fake Google',
    });
  }

  // ---- control API ---------------------------------------------------------------------------------------
  async function control(req, res, url) {
    let body = {};
    if (req.method === 'POST') {
      const raw = (await read_body(req)).toString('utf8');
      if (raw) {
        try { body = JSON.parse(raw); } catch (e) { return send_json(res, 400, { error: `bad control JSON: ${e.message}` }); }
      }
    }
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'POST /__control/script': {
        if (body.replace) state.script.length = 0;
        const answers = Array.isArray(body) ? body : body.answers ?? (body.replace !== undefined && Object.keys(body).length === 1 ? [] : [body]);
        return send_json(res, 200, { queued: api.script(answers) });
      }
      case 'GET /__control/requests': {
        const filter = Object.fromEntries(url.searchParams);
        let list = api.requests(filter);
        if (filter.since) list = list.filter((r) => r.id > Number(filter.since));
        return send_json(res, 200, { requests: list });
      }
      case 'POST /__control/reset': api.reset(body); return send_json(res, 200, { ok: true });
      case 'POST /__control/accounts': {
        const list = Array.isArray(body) ? body : body.accounts ?? [body];
        return send_json(res, 200, { accounts: api.setAccounts(list) });
      }
      case 'GET /__control/accounts': return send_json(res, 200, { accounts: [...state.accounts.values()] });
      case 'GET /__control/stats': return send_json(res, 200, api.stats());
      case 'GET /__control/tls_errors': return send_json(res, 200, { tlsErrors: api.tlsErrors() });
      case 'POST /__control/issue_token': return send_json(res, 200, api.issueToken(body.refreshToken, body));
      case 'POST /__control/expire_tokens': api.expireTokens(body.refreshToken); return send_json(res, 200, { ok: true });
      case 'POST /__control/config': return send_json(res, 200, api.configure(body));
      case 'POST /__control/signature': return send_json(res, 200, { signature: issue_signature(body.model || 'gemini-3-pro-preview') });
      default: return send_json(res, 404, { error: `unknown control route ${route}` });
    }
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const port = server.address().port;
  // TLS: a host name the certificate can be issued for (`localhost` by default; it must resolve to `host`).
  const url_host = tls ? (tls.urlHost || 'localhost') : options.host;
  return Object.assign(api, {
    port,
    url: `${tls ? 'https' : 'http'}://${url_host}:${port}`,
    server,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r()));
    },
  });
}

// ---- command line ----------------------------------------------------------------------------------------
async function main(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') opts.port = Number(argv[++i]);
    else if (a === '--host') opts.host = argv[++i];
    else if (a === '--accounts') opts.accounts = JSON.parse(fs.readFileSync(argv[++i], 'utf8'));
    else if (a === '--crlf') opts.crlf = true;
    else if (a === '--tls-key') opts.tls = { ...opts.tls, key: fs.readFileSync(argv[++i]) };
    else if (a === '--tls-cert') opts.tls = { ...opts.tls, cert: fs.readFileSync(argv[++i]) };
    else if (a === '--config') Object.assign(opts, JSON.parse(argv[++i]));
    else { process.stderr.write(`unknown argument ${a}\n`); process.exit(2); }
  }
  const fake = await startFakeGoogle(opts);
  process.stdout.write(JSON.stringify(opts.tls ? { port: fake.port, url: fake.url } : { port: fake.port }) + '\n');
  const stop = () => fake.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
}
