// The OpenAI Chat Completions dialect (POST /v1/chat/completions) <-> Gemini, pure.
//
// Request side (to_gemini), translation.md §1:
//  - leading system/developer messages -> systemInstruction; later ones stay in place as user text; a request
//    with nothing but system messages sends them as the user turn. user -> user, assistant -> model (text, then
//    one functionCall per tool call), tool -> functionResponse {"output": <content>} in one user turn per
//    assistant turn, in call order, names recovered from the call ids. Consecutive same-role turns are merged
//    (never two model turns that both call functions); empty text and empty turns are dropped.
//  - Content parts: text; image_url / video_url / input_audio / file. Data URIs (and bare base64 with a
//    format or file name) become inlineData with the MIME type they state; an http(s) URL becomes the
//    contract's {"fileData":{"fileUri","mimeType":<hint from the extension, or "">},"_gw_fetch":true} part,
//    which the pipeline downloads. image/gif and other image types Gemini does not read are a 400.
//  - Tools: function declarations with their JSON Schema cleaned (translate/common/schema.hpp) in
//    parametersJsonSchema (or the OpenAPI `parameters` slot when request_env::openapi_parameters), names
//    sanitized to Gemini's rule and mapped back in responses. A function tool named exactly `codeExecution`,
//    `googleSearch` or `urlContext` (and a tool of type web_search / web_search_preview) becomes that built-in
//    Gemini tool, in its own Tool object. tool_choice none/auto/required/{function} -> NONE/AUTO/ANY(+names),
//    {"type":"allowed_tools"} -> AUTO, or ANY with the declared names when its mode is "required"; naming a
//    function that is not among the tools is a 400 (as OpenAI does); naming a built-in sets nothing (it cannot
//    be forced); without function declarations no toolConfig is sent. The deprecated functions/function_call
//    fields are read the same way. A functionCall part without a name (a streamed-arguments continuation) is
//    not reported as a call.
//  - temperature, top_p, top_k, max_completion_tokens (preferred) / max_tokens (clamped to the catalog's output
//    limit), stop (<= 5), n (-> candidateCount when > 1), seed, presence_penalty / frequency_penalty (omitted
//    when 0: many clients always send 0 and some models refuse penalties), response_format (json_object ->
//    responseMimeType; json_schema -> responseMimeType + responseJsonSchema, cleaned for root `any`),
//    modalities ["text","image"] -> responseModalities, reasoning_effort (below). Unknown fields are ignored.
//  - reasoning_effort: 2.5 models get a thinkingBudget (minimal/low 1024, medium 8192, high 24576, xhigh the
//    model's maximum, none 0; clamped to the model's range), 3.x models a thinkingLevel (minimal, low, medium,
//    high; xhigh -> high; none -> the lowest the model allows; a level the model lacks -> the nearest, ties
//    up). Models the catalog marks as not thinking, and unknown families, get no thinkingConfig.
//  - Reasoning is shown (thought parts -> reasoning_content, includeThoughts:true requested) when the model
//    name's parameters say so (spec.include_thoughts, e.g. "-thinking"; "-nothinking" hides it), else when the
//    request asks: reasoning_effort other than "none", or the non-standard `include_reasoning: true`, or
//    Google's `extra_body.google.thinking_config.include_thoughts` (also read at top level `google`). Google's
//    thinking_config.thinking_budget / thinking_level are honoured the same way. Otherwise hidden.
//  - Errors are bad_request (source client) whose `reason` names the offending request field (the OpenAI
//    `param`, e.g. "messages[2].tool_call_id"); render_error reports it. A missing model and an empty or
//    missing messages array are 400s.
//
// Response side (from_gemini / stream_from_gemini), translation.md §2 and §7: one choice per candidate
// (candidate index = choice index). Text -> content; thought text -> reasoning_content when shown;
// executableCode / codeExecutionResult -> fenced blocks in content (```python ... ``` then ```output ... ```);
// inline images -> a markdown image with a data URI; groundingMetadata -> a "Sources:" list of the web
// citations appended to content when the candidate finishes, plus the raw object as the non-standard
// `grounding_metadata` on the message (stream: on the delta that carries the sources).
// functionCall -> tool call {id, type:"function", function:{name (client's name), arguments (JSON text, "{}"
// when absent)}}. finish_reason: STOP -> stop (tool_calls when the choice called a function), MAX_TOKENS ->
// length, SAFETY/RECITATION/BLOCKLIST/PROHIBITED_CONTENT/SPII/LANGUAGE/IMAGE_*/OTHER -> content_filter,
// anything else -> stop; a prompt blocked before any candidate -> one choice, content "", content_filter.
// usage: prompt_tokens = promptTokenCount + toolUsePromptTokenCount, completion_tokens = candidatesTokenCount +
// thoughtsTokenCount, total = their sum, prompt_tokens_details.cached_tokens = cachedContentTokenCount,
// completion_tokens_details.reasoning_tokens = thoughtsTokenCount.
//
// Thought signatures (translation.md §6.3): a functionCall's thoughtSignature (or, for the first call of a
// choice, one that arrived on a thought or empty-text part before it) reaches the client twice:
//  - as `extra_content.google.thought_signature` on the tool call (Google's own OpenAI-compatible channel);
//  - inside the tool-call id, for clients that keep nothing but the id (stateless, no server cache):
//      <base id>__gsig_<8 hex: FNV-1a of the upstream model id><count of '=' padding>_<signature, base64url, unpadded>
//    where <base id> is Gemini's functionCall.id, else a minted "call_<24 base62>".
// On replay the id's signature is used when its tag names the current upstream model, a foreign tag drops it
// (a signature from another model fails as "Corrupted thought signature"), and an untagged id falls back to
// extra_content.google.thought_signature (also LiteLLM's "<id>__thought__<signature>"). It goes back on the
// same functionCall part; without one the pipeline's ensure_thought_signatures adds the sentinel. A base id
// that is not a minted "call_<24 alnum>" is sent upstream as functionCall.id and functionResponse.id.
#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"
#include "models/catalog.hpp"
#include "models/model_name.hpp"

namespace gw::translate::openai {

struct response_context {
  std::string model;           // the model name the client asked for; every response reports it
  std::string upstream_model;  // spec.upstream: tags the signatures carried in tool-call ids
  std::string id;              // "chatcmpl-<request_env::id>"
  std::string id_seed;         // request_env::id: seeds the tool-call ids minted for calls Gemini gave none
  std::int64_t created = 0;    // request_env::now_s
  bool stream = false;
  bool include_usage = false;                                  // stream_options.include_usage
  bool show_reasoning = false;                                 // thought parts -> reasoning_content (else dropped)
  int n = 1;                                                   // choices asked for
  std::map<std::string, std::string, std::less<>> tool_names;  // upstream function name -> client tool name,
                                                               // only for names that had to be rewritten
};

struct translated {
  boost::json::object request;  // Gemini GenerateContentRequest (not wrapped in the Code Assist envelope)
  models::model_spec spec;      // models::parse(<client model>, catalog)
  response_context ctx;
  bool stream = false;
};

struct request_env {
  std::int64_t now_s = 0;           // Unix seconds: the response's "created"
  std::string id;                   // random id for the response, made by the caller ([A-Za-z0-9] best)
  bool openapi_parameters = false;  // declare tools with the proto `parameters` slot (fallback for backends
                                    // that reject parametersJsonSchema), instead of parametersJsonSchema
};

// A Chat Completions request body -> Gemini request.
result<translated> to_gemini(boost::json::value body, const models::catalog& cat, const request_env& env);

// Non-stream: the `chat.completion` object as JSON text.
result<std::string> from_gemini(const boost::json::object& gemini_response, const response_context& ctx);

// Stream: `data: <chat.completion.chunk>` events, no `event:` lines. Per choice: an opener delta
// {"role":"assistant","content":"","refusal":null} when the choice first appears, then deltas each carrying
// one of content / reasoning_content / one tool call ({index (the call's ordinal in the choice), id, type,
// function{name, arguments}} with the whole arguments), then a chunk with an empty delta and finish_reason
// when the candidate finishes (on_finish finishes the rest: stop, or tool_calls). After every choice:
// the usage chunk ({"choices":[],"usage":{...}}, zeros when upstream gave none) if include_usage, then
// `data: [DONE]`. A prompt blocked upstream gives choice 0 an opener and a content_filter finish.
// After an upstream failure: `data: {"error":{...}}` and nothing else (no finish_reason, no [DONE]), so SDKs
// raise instead of reporting a truncated answer as complete.
class stream_from_gemini {
 public:
  explicit stream_from_gemini(response_context ctx);
  ~stream_from_gemini();
  stream_from_gemini(stream_from_gemini&&) noexcept;
  stream_from_gemini& operator=(stream_from_gemini&&) noexcept;

  void on_chunk(const boost::json::object& gemini_response, std::string& out);
  void on_finish(std::string& out);
  void on_error(const gw::error& e, std::string& out);
  // ": keep-alive" comment; nothing once the stream has ended.
  void heartbeat(std::string& out);

  struct usage {
    std::int64_t input = 0, output = 0, thinking = 0, cached = 0;
  };
  // From the last usageMetadata with counts: input = promptTokenCount (cached included) +
  // toolUsePromptTokenCount, output = candidatesTokenCount, thinking = thoughtsTokenCount,
  // cached = cachedContentTokenCount.
  usage totals() const;
  bool ended() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

struct rendered_error {
  unsigned status;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Before the response is committed: {"error":{"message","type","param","code"}} with, by kind (§2.5, §8):
// 400/413 invalid_request_error, 401 authentication_error (code invalid_api_key), 403 permission_error,
// 404 invalid_request_error (code model_not_found when upstream said so), 429 rate_limit_error (code
// rate_limit_exceeded, insufficient_quota for an exhausted daily quota), 5xx server_error; the upstream's
// own 401 (its OAuth token) is the gateway's problem: 502 server_error. param = the error's `reason` for
// client errors (see to_gemini), else null. Retry-After (whole seconds, rounded up) on 429 and 503 when the
// delay is known.
rendered_error render_error(const gw::error& e);
// The {"error":{...}} object as JSON text, shared by render_error and the in-stream error event.
std::string error_body(const gw::error& e);

}  // namespace gw::translate::openai
