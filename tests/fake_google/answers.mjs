// The fake's default model answers: deterministic text/thought/function-call responses derived from the request,
// shaped like Code Assist's (usage arithmetic §12.1, streaming chunk pattern §2.4, signatures §9.3-9.4).

import crypto from 'node:crypto';
import { field, is_gemini3 } from './validate.mjs';

// Tokens the fake charges: ceil(characters / 4) over text, call names+args and response payloads, plus 258 per
// media part. Exported so tests can compute the expected promptTokenCount / totalTokens.
export function estimate_tokens(contents) {
  let chars = 0;
  let media = 0;
  for (const c of contents || []) {
    for (const p of (c && c.parts) || []) {
      const text = field(p, 'text');
      if (typeof text === 'string') chars += text.length;
      const fc = field(p, 'functionCall');
      if (fc) chars += String(fc.name || '').length + JSON.stringify(fc.args || {}).length;
      const fr = field(p, 'functionResponse');
      if (fr) chars += String(fr.name || '').length + JSON.stringify(fr.response || {}).length;
      if (field(p, 'inlineData') || field(p, 'fileData')) media += 1;
      const code = field(p, 'executableCode');
      if (code) chars += String(code.code || '').length;
      const out = field(p, 'codeExecutionResult');
      if (out) chars += String(out.output || '').length;
    }
  }
  return Math.ceil(chars / 4) + 258 * media;
}

export const trace_id = () => crypto.randomBytes(8).toString('hex');
export const response_id = () => crypto.randomBytes(16).toString('base64url').slice(0, 22);
export function create_time() {
  const iso = new Date().toISOString();  // ms precision; Google prints microseconds
  return iso.replace('Z', String(crypto.randomInt(0, 1000)).padStart(3, '0') + 'Z');
}

function last_user(contents) {
  for (let i = contents.length - 1; i >= 0; i--) if (contents[i].role === 'user') return contents[i];
  return null;
}

function user_text(content) {
  if (!content) return '';
  return content.parts.map((p) => field(p, 'text')).filter((t) => typeof t === 'string').join('');
}

function function_results(content) {
  if (!content) return [];
  return content.parts.map((p) => field(p, 'functionResponse')).filter(Boolean);
}

function declarations(req) {
  const out = [];
  for (const t of req.tools || []) for (const d of field(t, 'functionDeclarations') || []) out.push(d);
  return out;
}

function dummy_value(schema) {
  const type = String((schema && schema.type) || 'string').toLowerCase();
  if (Array.isArray(schema && schema.enum) && schema.enum.length) return schema.enum[0];
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return true;
  if (type === 'array') return [];
  if (type === 'object') return {};
  return 'test';
}

// Arguments for a call: JSON after "with" in the prompt, else a dummy value for each required property.
function call_args(decl, text) {
  const m = /\bwith\s+(\{.*\})\s*$/s.exec(text);
  if (m) { try { return JSON.parse(m[1]); } catch { /* fall through to the schema */ } }
  const schema = field(decl, 'parameters') || field(decl, 'parametersJsonSchema') || {};
  const args = {};
  const props = schema.properties || {};
  for (const name of schema.required || []) args[name] = dummy_value(props[name]);
  return args;
}

// Decides what the model "says". ctx: {issueSignature(), functionCallIds}.
export function plan_answer(req, model, ctx) {
  const contents = req.contents;
  const gc = field(req, 'generationConfig') || {};
  const tc = field(gc, 'thinkingConfig') || {};
  const last = last_user(contents);
  const text_in = user_text(last);
  const plan = {
    model, thought: null, text: null, calls: [], finishReason: 'STOP', grounding: null,
    candidateCount: Math.max(1, Number(field(gc, 'candidateCount') || 1)),
    textSignature: null,
  };
  if (field(tc, 'includeThoughts') === true) {
    plan.thought = `**Considering the request**\n\nThe user wrote: ${text_in.slice(0, 200) || '(function results)'}`;
  }

  const decls = declarations(req);
  const fcc = field(field(req, 'toolConfig') || {}, 'functionCallingConfig') || {};
  const mode = String(fcc.mode || 'AUTO').toUpperCase();
  const allowed = Array.isArray(field(fcc, 'allowedFunctionNames')) ? field(fcc, 'allowedFunctionNames') : null;
  const callable = decls.filter((d) => !allowed || allowed.includes(d.name));
  const wants = /\bcall tools?\b/i.exec(text_in);
  if (callable.length && mode !== 'NONE' && (wants || mode === 'ANY')) {
    let chosen;
    if (wants && /call tools\b/i.test(text_in)) chosen = callable.slice(0, 3);
    else {
      const named = /\bcall tool\s+([A-Za-z_][A-Za-z0-9_.:-]*)/i.exec(text_in);
      chosen = [callable.find((d) => named && d.name === named[1]) || callable[0]];
    }
    plan.calls = chosen.map((d, i) => {
      const call = { name: d.name, args: call_args(d, text_in) };
      if (ctx.functionCallIds) call.id = `call_${crypto.randomBytes(6).toString('hex')}_${i}`;
      return call;
    });
    plan.callSignature = ctx.issueSignature(model);
  } else {
    const results = function_results(last);
    const echo = text_in || results.map((r) => `function ${r.name} returned ${JSON.stringify(r.response ?? {})}`).join('; ');
    plan.text = String(field(gc, 'responseMimeType') || '').startsWith('application/json')
      ? JSON.stringify({ echo })
      : `echo: ${echo}`;
    const max = Number(field(gc, 'maxOutputTokens') || 0);
    if (max > 0 && Math.ceil(plan.text.length / 4) > max) {
      plan.text = Array.from(plan.text).slice(0, max * 4).join('');
      plan.finishReason = 'MAX_TOKENS';
    }
    if (is_gemini3(model)) plan.textSignature = ctx.issueSignature(model);
    if ((req.tools || []).some((t) => field(t, 'googleSearch') != null)) {
      const q = text_in.slice(0, 100);
      plan.grounding = {
        webSearchQueries: [q],
        groundingChunks: [{ web: { uri: `https://example.com/search?q=${encodeURIComponent(q)}`, title: 'example.com' } }],
        groundingSupports: [{ segment: { startIndex: 0, endIndex: Buffer.byteLength(plan.text), text: plan.text }, groundingChunkIndices: [0] }],
      };
    }
  }

  const prompt = estimate_tokens(contents) + (field(req, 'systemInstruction') ? estimate_tokens([field(req, 'systemInstruction')]) : 0);
  const out_chars = plan.text != null ? plan.text.length : JSON.stringify(plan.calls).length;
  const candidates = Math.ceil(out_chars / 4) * plan.candidateCount;
  const thoughts = plan.thought ? Math.ceil(plan.thought.length / 4) * plan.candidateCount : 0;
  plan.usage = {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + thoughts,
    trafficType: 'ON_DEMAND',
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
  };
  return plan;
}

function split3(text) {
  const cps = Array.from(text);
  if (cps.length < 3) return [text];
  const a = Math.ceil(cps.length / 3);
  const b = Math.ceil((2 * cps.length) / 3);
  return [cps.slice(0, a).join(''), cps.slice(a, b).join(''), cps.slice(b).join('')];
}

function candidates(plan, parts, extra) {
  const out = [];
  for (let i = 0; i < plan.candidateCount; i++) {
    const c = { content: { role: 'model', parts }, ...extra };
    if (plan.candidateCount > 1) c.index = i;
    out.push(c);
  }
  return out;
}

function call_parts(plan) {
  return plan.calls.map((call, i) => (i === 0 && plan.callSignature
    ? { functionCall: call, thoughtSignature: plan.callSignature }
    : { functionCall: call }));
}

// The inner GenerateContentResponse objects of a stream: thoughts first, text in three pieces (the last with
// finishReason and full usage), or one chunk with every function call. meta: {responseId, createTime}.
export function stream_chunks(plan, meta) {
  const common = { modelVersion: plan.model, createTime: meta.createTime, responseId: meta.responseId };
  const chunks = [];
  const traffic = { trafficType: plan.usage.trafficType };
  if (plan.thought) {
    chunks.push({ candidates: candidates(plan, [{ text: plan.thought, thought: true }], {}), usageMetadata: traffic, ...common });
  }
  const final_extra = { finishReason: plan.finishReason, ...(plan.grounding ? { groundingMetadata: plan.grounding } : {}) };
  if (plan.calls.length) {
    chunks.push({ candidates: candidates(plan, call_parts(plan), final_extra), usageMetadata: plan.usage, ...common });
    return chunks;
  }
  const pieces = split3(plan.text);
  pieces.forEach((piece, i) => {
    const last = i === pieces.length - 1;
    const part = { text: piece };
    if (last && plan.textSignature) part.thoughtSignature = plan.textSignature;
    chunks.push({
      candidates: candidates(plan, [part], last ? final_extra : {}),
      usageMetadata: last ? plan.usage : traffic,
      ...common,
    });
  });
  return chunks;
}

export function single_response(plan, meta) {
  const parts = [];
  if (plan.thought) parts.push({ text: plan.thought, thought: true });
  if (plan.calls.length) parts.push(...call_parts(plan));
  else parts.push(plan.textSignature ? { text: plan.text, thoughtSignature: plan.textSignature } : { text: plan.text });
  return {
    candidates: candidates(plan, parts, {
      finishReason: plan.finishReason, avgLogprobs: -0.3141592653589793,
      ...(plan.grounding ? { groundingMetadata: plan.grounding } : {}),
    }),
    usageMetadata: plan.usage,
    modelVersion: plan.model,
    createTime: meta.createTime,
    responseId: meta.responseId,
  };
}
