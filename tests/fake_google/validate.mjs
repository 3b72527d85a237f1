// Strict checks of Code Assist request bodies, answered with the 400 wording Google uses.
// Two phases, like Google: proto-JSON parsing (unknown names, wrong types; all violations reported
// together), then semantic validation (first violation wins).

import {
  invalid_argument, missing_signature, corrupted_signature, google_error,
} from './google_errors.mjs';

const to_snake = (s) => s.replace(/[A-Z]/g, (m) => '_' + m.toLowerCase());
const to_camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

export const SENTINEL_SIGNATURES = new Set(['skip_thought_signature_validator', 'context_engineering_is_the_way_to_go']);

// Reads a field by its lowerCamel json name or its snake_case proto name (proto-JSON accepts both).
export function field(obj, camel) {
  if (!obj || typeof obj !== 'object') return undefined;
  if (obj[camel] !== undefined) return obj[camel];
  return obj[to_snake(camel)];
}

// ---- proto-JSON message specs ----------------------------------------------------------------
// A spec maps lowerCamel field names to kinds: 'string' | 'bool' | 'number' | 'int' | 'bytes' |
// 'struct' (google.protobuf.Struct: an object) | 'any' (not checked) | 'schema' | {msg} | {list} | {map}.
const list = (of) => ({ list: of });
const map = (of) => ({ map: of });
const msg = (name, fields) => ({ msg: fields, name });

const Blob = msg('Blob', { mimeType: 'string', data: 'bytes', displayName: 'string' });
const FileData = msg('FileData', { mimeType: 'string', fileUri: 'string', displayName: 'string' });
const FunctionCall = msg('FunctionCall', { id: 'string', name: 'string', args: 'struct', partialArgs: 'any', willContinue: 'bool' });
const FunctionResponsePart = msg('FunctionResponsePart', { inlineData: Blob, fileData: FileData });
const FunctionResponse = msg('FunctionResponse', {
  id: 'string', name: 'string', response: 'struct', parts: list(FunctionResponsePart), willContinue: 'bool', scheduling: 'string',
});
const Part = msg('Part', {
  text: 'string', inlineData: Blob, fileData: FileData, functionCall: FunctionCall, functionResponse: FunctionResponse,
  executableCode: msg('ExecutableCode', { language: 'string', code: 'string', id: 'string' }),
  codeExecutionResult: msg('CodeExecutionResult', { outcome: 'string', output: 'string', id: 'string' }),
  thought: 'bool', thoughtSignature: 'bytes', videoMetadata: 'any', partMetadata: 'any', mediaResolution: 'any',
});
export const PART_DATA_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];
const Content = msg('Content', { role: 'string', parts: list(Part) });
const FunctionDeclaration = msg('FunctionDeclaration', {
  name: 'string', description: 'string', parameters: 'schema', parametersJsonSchema: 'any',
  response: 'schema', responseJsonSchema: 'any', behavior: 'string',
});
const Tool = msg('Tool', {
  functionDeclarations: list(FunctionDeclaration), googleSearch: 'any', googleSearchRetrieval: 'any', codeExecution: 'any',
  urlContext: 'any', retrieval: 'any', googleMaps: 'any', computerUse: 'any', enterpriseWebSearch: 'any', fileSearch: 'any',
});
const ToolConfig = msg('ToolConfig', {
  functionCallingConfig: msg('FunctionCallingConfig', { mode: 'string', allowedFunctionNames: list('string'), streamFunctionCallArguments: 'bool' }),
  retrievalConfig: 'any', includeServerSideToolInvocations: 'bool',
});
const ThinkingConfig = msg('ThinkingConfig', { includeThoughts: 'bool', thinkingBudget: 'int', thinkingLevel: 'string' });
const GenerationConfig = msg('GenerationConfig', {
  temperature: 'number', topP: 'number', topK: 'number', candidateCount: 'int', maxOutputTokens: 'int',
  stopSequences: list('string'), responseLogprobs: 'bool', logprobs: 'int', presencePenalty: 'number',
  frequencyPenalty: 'number', seed: 'int', responseMimeType: 'string', responseSchema: 'schema',
  responseJsonSchema: 'any', routingConfig: 'any', modelSelectionConfig: 'any', responseModalities: list('string'),
  mediaResolution: 'string', speechConfig: 'any', audioTimestamp: 'bool', thinkingConfig: ThinkingConfig,
  enableEnhancedCivicAnswers: 'bool', imageConfig: 'any',
});
const InnerRequest = msg('VertexGenerateContentRequest', {
  contents: list(Content), systemInstruction: Content, cachedContent: 'string', tools: list(Tool), toolConfig: ToolConfig,
  labels: map('string'), safetySettings: list(msg('SafetySetting', { category: 'string', threshold: 'string', method: 'string' })),
  generationConfig: GenerationConfig, sessionId: 'string',
});
export const GenerateEnvelope = msg('GenerateContentRequest', {
  model: 'string', project: 'string', userPromptId: 'string', request: InnerRequest, enabledCreditTypes: list('string'),
});
export const CountTokensEnvelope = msg('CountTokensRequest', {
  request: msg('VertexCountTokenRequest', { model: 'string', contents: list(Content) }),
});

// The Schema proto (OpenAPI 3.0 subset): anything else is "Cannot find field".
const SCHEMA_FIELDS = new Set(['type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems',
  'properties', 'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf',
  'propertyOrdering', 'default', 'items', 'minimum', 'maximum']);
const SCHEMA_TYPES = new Set(['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL']);

const B64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const show = (v) => JSON.stringify(v);

function unknown_name(name, path) {
  return path
    ? `Invalid JSON payload received. Unknown name "${name}" at '${path}': Cannot find field.`
    : `Invalid JSON payload received. Unknown name "${name}": Cannot find field.`;
}

function parse_value(kind, v, path, errs) {
  if (v === null) return;  // proto-JSON: null means "default"
  const bad = (type) => errs.push({ field: path, description: `Invalid value at '${path}' (${type}), ${show(v)}` });
  if (kind === 'any') return;
  if (kind === 'string') { if (typeof v !== 'string') bad('TYPE_STRING'); return; }
  if (kind === 'bool') { if (typeof v !== 'boolean') bad('TYPE_BOOL'); return; }
  if (kind === 'number') { if (typeof v !== 'number' && !(typeof v === 'string' && v.trim() !== '' && !isNaN(+v))) bad('TYPE_DOUBLE'); return; }
  if (kind === 'int') { if (!(Number.isInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v)))) bad('TYPE_INT32'); return; }
  if (kind === 'bytes') {
    if (typeof v !== 'string') { bad('TYPE_BYTES'); return; }
    if (!B64.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
      errs.push({ field: path, description: `Invalid value at '${path}' (TYPE_BYTES), Base64 decoding failed for ${show(v)}` });
    }
    return;
  }
  if (kind === 'struct') {
    if (typeof v !== 'object' || Array.isArray(v)) bad('type.googleapis.com/google.protobuf.Struct');
    return;
  }
  if (kind === 'schema') { parse_schema(v, path, errs); return; }
  if (kind.list) {
    if (!Array.isArray(v)) { bad(kind.list.name ? `type.googleapis.com/google.cloud.aiplatform.v1.${kind.list.name}` : 'TYPE_STRING'); return; }
    v.forEach((e, i) => parse_value(kind.list, e, `${path}[${i}]`, errs));
    return;
  }
  if (kind.map) {
    if (typeof v !== 'object' || Array.isArray(v)) { bad('map'); return; }
    for (const [k, e] of Object.entries(v)) parse_value(kind.map, e, `${path}[${k}]`, errs);
    return;
  }
  if (kind.msg) parse_message(kind, v, path, errs);
}

function parse_message(spec, v, path, errs) {
  if (typeof v !== 'object' || Array.isArray(v)) {
    errs.push({ field: path, description: Array.isArray(v)
      ? `Invalid JSON payload received. Unknown name "${path.split('.').pop()}": Proto field is not repeating, cannot start list.`
      : `Invalid value at '${path}' (type.googleapis.com/google.cloud.aiplatform.v1.${spec.name}), ${show(v)}` });
    return;
  }
  for (const [k, e] of Object.entries(v)) {
    const camel = to_camel(k);
    const kind = spec.msg[camel];
    if (!kind) { errs.push({ field: path, description: unknown_name(k, path) }); continue; }
    parse_value(kind, e, path ? `${path}.${to_snake(camel)}` : to_snake(camel), errs);
  }
}

function parse_schema(s, path, errs) {
  if (typeof s !== 'object' || Array.isArray(s)) {
    errs.push({ field: path, description: `Invalid value at '${path}' (type.googleapis.com/google.cloud.aiplatform.v1.Schema), ${show(s)}` });
    return;
  }
  for (const [k, v] of Object.entries(s)) {
    const camel = to_camel(k);
    if (!SCHEMA_FIELDS.has(camel)) { errs.push({ field: path, description: unknown_name(k, path) }); continue; }
    if (v === null) continue;
    const p = `${path}.${to_snake(camel)}`;
    switch (camel) {
      case 'type':
        if (Array.isArray(v)) errs.push({ field: path, description: `Invalid JSON payload received. Unknown name "type" at '${path}': Proto field is not repeating, cannot start list.` });
        else if (typeof v !== 'string' || !SCHEMA_TYPES.has(v.toUpperCase())) errs.push({ field: p, description: `Invalid value at '${p}' (type.googleapis.com/google.cloud.aiplatform.v1.Type), ${show(v)}` });
        break;
      case 'properties':
        if (typeof v !== 'object' || Array.isArray(v)) { parse_value('struct', v, p, errs); break; }
        Object.values(v).forEach((sub, i) => parse_schema(sub, `${p}[${i}].value`, errs));
        break;
      case 'items': parse_schema(v, p, errs); break;
      case 'anyOf':
        if (!Array.isArray(v)) parse_value(list('string'), v, p, errs);
        else v.forEach((sub, i) => parse_schema(sub, `${p}[${i}]`, errs));
        break;
      case 'enum': case 'required': case 'propertyOrdering': parse_value(list('string'), v, p, errs); break;
      case 'nullable': parse_value('bool', v, p, errs); break;
      case 'minimum': case 'maximum': parse_value('number', v, p, errs); break;
      case 'maxItems': case 'minItems': case 'minProperties': case 'maxProperties': case 'minLength': case 'maxLength':
        parse_value('int', v, p, errs); break;
      case 'format': case 'title': case 'description': case 'pattern': parse_value('string', v, p, errs); break;
      default: break;  // example, default: any Value
    }
  }
}

// Phase 1: returns a Google 400 body or null.
export function parse_check(spec, body) {
  const errs = [];
  parse_message(spec, body, '', errs);
  if (!errs.length) return null;
  return invalid_argument(errs.map((e) => e.description).join('\n'), errs);
}

// ---- semantic validation --------------------------------------------------------------------
const semantic = (msg_text) => invalid_argument(msg_text);

function data_fields(part) {
  return PART_DATA_FIELDS.filter((f) => field(part, f) !== undefined && field(part, f) !== null);
}

function check_parts(parts, path, g) {
  if (!Array.isArray(parts) || parts.length === 0) return semantic(`* ${g}.parts: contents.parts must not be empty.\n`);
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j];
    const data = data_fields(p);
    if (data.length === 0) return semantic(`* ${g}.parts[${j}].data: required oneof field 'data' must have one initialized field\n`);
    if (data.length > 1) {
      return semantic(`Invalid value at '${path}.parts[${j}]' (oneof), oneof field 'data' is already set. Cannot set '${data[1]}'`);
    }
    if (field(p, 'thought') === true) {
      return semantic(`Invalid value at '${path}.parts[${j}].thought': thought parts are output only and must not be sent back `
        + '(fake Google: gemini-cli strips them, see upstream-code-assist.md §2.2)');
    }
    const fc = field(p, 'functionCall');
    if (fc && !fc.name) return semantic(`* ${g}.parts[${j}].function_call.name: Name cannot be empty.\n`);
    const fr = field(p, 'functionResponse');
    if (fr && !fr.name) return semantic(`* ${g}.parts[${j}].function_response.name: Name cannot be empty.\n`);
  }
  return null;
}

const FN_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

function check_schema_semantics(s, g) {
  if (!s || typeof s !== 'object') return null;
  const type = typeof s.type === 'string' ? s.type.toUpperCase() : '';
  const props = field(s, 'properties');
  if (type === 'ARRAY' && field(s, 'items') == null) return semantic(`* ${g}.items: missing field.\n`);
  const req = field(s, 'required');
  if (Array.isArray(req) && props && typeof props === 'object') {
    for (let i = 0; i < req.length; i++) {
      if (!(req[i] in props)) return semantic(`* ${g}.required[${i}]: property is not defined\n`);
    }
  }
  if (props && typeof props === 'object') {
    for (const [name, sub] of Object.entries(props)) {
      const e = check_schema_semantics(sub, `${g}.properties[${name}]`);
      if (e) return e;
    }
  }
  const items = field(s, 'items');
  if (items) { const e = check_schema_semantics(items, `${g}.items`); if (e) return e; }
  const any = field(s, 'anyOf');
  if (Array.isArray(any)) {
    for (let i = 0; i < any.length; i++) { const e = check_schema_semantics(any[i], `${g}.any_of[${i}]`); if (e) return e; }
  }
  return null;
}

function check_tools(tools) {
  if (!Array.isArray(tools)) return null;
  const seen = new Set();
  for (let t = 0; t < tools.length; t++) {
    const decls = field(tools[t], 'functionDeclarations');
    if (!Array.isArray(decls)) continue;
    for (let d = 0; d < decls.length; d++) {
      const fd = decls[d];
      const g = `GenerateContentRequest.tools[${t}].function_declarations[${d}]`;
      if (typeof fd.name !== 'string' || !FN_NAME.test(fd.name)) {
        return semantic(`* ${g}.name: Invalid function name. Must start with a letter or an underscore. Must be alphameric `
          + '(a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n');
      }
      if (seen.has(fd.name)) return semantic(`Duplicate function declaration found: ${fd.name}`);
      seen.add(fd.name);
      const params = field(fd, 'parameters');
      if (params != null && field(fd, 'parametersJsonSchema') != null) {
        return semantic(`* ${g}: parameters and parameters_json_schema are mutually exclusive; set only one of them.\n`);
      }
      const e = check_schema_semantics(params, `${g}.parameters`);
      if (e) return e;
    }
  }
  return null;
}

function check_thinking(gc, model, opts) {
  const tc = field(gc, 'thinkingConfig');
  if (!tc) return null;
  const budget = field(tc, 'thinkingBudget');
  const level = field(tc, 'thinkingLevel');
  if (budget != null && level != null && opts.rejectBothThinkingFields !== false) {
    return semantic('Invalid thinking config: thinking_budget and thinking_level cannot both be set. Use only one of them.');
  }
  if (level != null && !['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH'].includes(String(level).toUpperCase())) {
    return semantic(`Invalid value at 'request.generation_config.thinking_config.thinking_level' (type.googleapis.com/google.cloud.aiplatform.v1.ThinkingConfig.ThinkingLevel), ${show(level)}`);
  }
  if (budget != null && base_model(model) === 'gemini-2.5-pro') {
    const b = Number(budget);
    if (b === 0) return semantic('Budget 0 is invalid. This model only works in thinking mode.');
    if (b !== -1 && (b < 128 || b > 32768)) return semantic(`The thinking budget ${b} is invalid. Please choose a value between 128 and 32768.`);
  }
  return null;
}

const is_fc = (p) => field(p, 'functionCall') != null;
const is_fr = (p) => field(p, 'functionResponse') != null;

// Function-call turn ordering and counts, with the Gemini API's wording (gemini-cli #4217, #5443).
function check_turn_order(contents) {
  for (let i = 0; i < contents.length; i++) {
    const c = contents[i];
    const calls = c.parts.filter(is_fc).length;
    const responses = c.parts.filter(is_fr).length;
    if (calls > 0) {
      if (c.role !== 'model') return semantic(`* GenerateContentRequest.contents[${i}]: function call parts are only allowed in model turns.\n`);
      if (i === 0 || contents[i - 1].role !== 'user') {
        return semantic('Please ensure that function call turn comes immediately after a user turn or after a function response turn.');
      }
      const next = contents[i + 1];
      if (next) {
        const got = next.role === 'user' ? next.parts.filter(is_fr).length : 0;
        if (got !== calls) {
          return semantic('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
        }
      }
    }
    if (responses > 0) {
      const prev = contents[i - 1];
      if (c.role !== 'user' || !prev || prev.role !== 'model' || !prev.parts.some(is_fc)) {
        return semantic('Please ensure that function response turn comes immediately after a function call turn.');
      }
    }
  }
  return null;
}

export const base_model = (model) => String(model || '').replace(/^models\//, '').replace(/_vertex$/, '');
export const is_gemini3 = (model) => base_model(model).startsWith('gemini-3');

// Gemini 3: the first functionCall of every model turn in the active loop must carry a valid signature;
// the active loop starts at the last user turn holding anything other than function responses (§9.4).
function check_signatures(contents, issued) {
  let start = -1;
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i];
    if (c.role === 'user' && c.parts.some((p) => !is_fr(p))) { start = i; break; }
  }
  for (let i = start + 1; i < contents.length; i++) {
    const c = contents[i];
    if (c.role !== 'model') continue;
    for (const p of c.parts) {
      const sig = field(p, 'thoughtSignature');
      if (sig != null && !SENTINEL_SIGNATURES.has(sig) && !issued.has(sig)) return corrupted_signature();
    }
    const first = c.parts.find(is_fc);
    if (first && !field(first, 'thoughtSignature')) return missing_signature(field(first, 'functionCall').name, i + 1);
  }
  return null;
}

// Phase 2 for generate/stream envelopes. opts: {issuedSignatures:Set, requireUserPromptId, rejectBothThinkingFields}.
export function semantic_check_generate(env, opts) {
  if (!env.model) return semantic('* GenerateContentRequest.model: model is required.\n');
  if (opts.requireUserPromptId && !field(env, 'userPromptId')) {
    return semantic('* GenerateContentRequest.user_prompt_id: user_prompt_id is required (fake Google: gemini-cli always sends it).\n');
  }
  const req = env.request;
  if (!req || typeof req !== 'object') return semantic('* GenerateContentRequest.request: request is required.\n');
  return semantic_check_contents_request(req, env.model, opts);
}

export function semantic_check_contents_request(req, model, opts) {
  const contents = req.contents;
  if (!Array.isArray(contents) || contents.length === 0) return semantic('* GenerateContentRequest.contents: contents is not specified\n');
  for (let i = 0; i < contents.length; i++) {
    const c = contents[i];
    if (!c || typeof c !== 'object' || (c.role !== 'user' && c.role !== 'model')) return semantic('Please use a valid role: user, model.');
    const e = check_parts(c.parts, `request.contents[${i}]`, `GenerateContentRequest.contents[${i}]`);
    if (e) return e;
  }
  const si = field(req, 'systemInstruction');
  if (si) {
    if (si.role != null && !['user', 'system', ''].includes(si.role)) return semantic('Please use a valid role: user, model.');
    const e = check_parts(si.parts, 'request.system_instruction', 'GenerateContentRequest.system_instruction');
    if (e) return e;
  }
  let e = check_turn_order(contents);
  if (e) return e;
  e = check_tools(req.tools);
  if (e) return e;
  const gc = field(req, 'generationConfig');
  if (gc) {
    e = check_thinking(gc, model, opts);
    if (e) return e;
    e = check_schema_semantics(field(gc, 'responseSchema'), 'GenerateContentRequest.generation_config.response_schema');
    if (e) return e;
  }
  if (is_gemini3(model)) { e = check_signatures(contents, opts.issuedSignatures || new Set()); if (e) return e; }
  return null;
}

export { google_error };
