// The Anthropic Messages dialect (POST /v1/messages, /v1/messages/count_tokens) <-> Gemini, pure.
//
// Request side (to_gemini): the client model name goes through the alias table, then models::parse. Content
// blocks map as translation.md §3.1 describes: `system` (string or text blocks; Claude Code's
// "x-anthropic-billing-header:" block dropped) -> systemInstruction; role "system" inside `messages` -> user
// text wrapped in <system-reminder> at its place; consecutive same-role messages merged (as Anthropic does);
// in a user turn the functionResponses go first. Thinking blocks carry no text upstream (thought parts are
// output-only), only their signature (see "Signatures" below). max_tokens is capped at the catalog's output
// limit; thinking budgets/levels use the model-name grammar's mapping. Server tools: web_search becomes
// {"googleSearch":{}} when no client tools are declared, the others are dropped. Unknown fields and unknown
// block types are ignored; shapes the Messages API itself rejects are bad_request with the place named.
//
// Response side (from_gemini / stream_from_gemini): one content block per run of parts of the same kind:
// thought parts -> "thinking", text (and executableCode / codeExecutionResult, rendered as fenced text) ->
// "text", each functionCall -> "tool_use" (Gemini's id reused, else "<tool_id_prefix><n>"; the client's tool
// name restored). Thinking blocks are shown whenever Gemini returned thought parts. inlineData and grounding
// metadata are not rendered. stop_reason: MAX_TOKENS -> max_tokens, a tool_use emitted -> tool_use, safety
// stops and blocked prompts -> refusal, else end_turn; "stop_sequence" is never reported because Gemini does
// not say that a stop sequence fired (stop_sequence stays null). usage: input_tokens = prompt - cached,
// cache_read_input_tokens = cached, output_tokens = candidates + thoughts.
//
// Signatures: Gemini 3 needs each model turn's first functionCall replayed with the thoughtSignature it came
// with, and Claude Code replays assistant messages block for block, thinking blocks included. So a signature
// travels in the `signature` of a thinking block placed before the tool_use, tagged with the upstream model:
//   "gw1#<upstream model>#<Gemini signature>"
// A thought signature lands on the thinking block that is open when it arrives; a functionCall's own
// signature lands on the open thinking block when that has none yet, else on a new thinking block with empty
// text emitted just before the tool_use. A signature-only part never opens a block: with no thinking block
// open it waits for the next thinking block or call (and is dropped if neither comes). A signature on answer
// text goes to the thinking block still open right before it, if that has none; otherwise it is dropped (a
// text block has no place for it, and Gemini only enforces the ones on function calls). On replay the
// signature of the last thinking block before a tool_use goes on that functionCall part (so the first call of
// a turn gets the one that came with it). A signature that is not ours, or was minted by another upstream
// model, is dropped (a foreign signature fails with "Corrupted thought signature"); the pipeline's
// ensure_thought_signatures then puts the sentinel where Gemini 3 requires one.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "core/result.hpp"
#include "models/catalog.hpp"
#include "models/model_name.hpp"
#include "translate/anthropic/aliases.hpp"
#include "translate/anthropic/blocks.hpp"
#include "translate/anthropic/context.hpp"

namespace gw::translate::anthropic {

struct translated {
  boost::json::object request;  // Gemini GenerateContentRequest (not wrapped in the Code Assist envelope)
  models::model_spec spec;      // models::parse(alias of the client model, catalog)
  response_context ctx;
  bool stream = false;
};

struct request_env {
  std::int64_t now_s = 0;  // unused by this dialect (Anthropic messages carry no timestamp); kept for the contract
  std::string id;          // random id for the response, made by the caller ([A-Za-z0-9_-] kept)
};

// A Messages request body -> Gemini request. Errors are bad_request (source client).
result<translated> to_gemini(boost::json::value body, const models::catalog& cat, const alias_table& aliases,
                             const request_env& env);

// Non-stream: the Anthropic `message` object as JSON text.
result<std::string> from_gemini(const boost::json::object& gemini_response, const response_context& ctx);

// Stream: one object per request. Every event carries an `event:` line equal to its data's "type". Grammar:
//   message_start (ping)* ( content_block_start delta+ content_block_stop (ping)* )* message_delta message_stop
// or, after an upstream failure, whatever was open stays open and `event: error` ends the stream.
class stream_from_gemini {
 public:
  explicit stream_from_gemini(response_context ctx) : ctx_(std::move(ctx)) {}
  stream_from_gemini(stream_from_gemini&& o) noexcept;
  stream_from_gemini& operator=(stream_from_gemini&&) = delete;

  // Appends the events this chunk completes. message_start goes out with the first chunk (its usage is
  // the chunk's, else zeros; message_delta carries the final input_tokens too). When a chunk carries a
  // finishReason together with its usage, the message is closed right there; a finishReason without usage
  // waits for on_finish (Code Assist sends the usage with the last chunk). Chunks after the close only
  // update totals().
  void on_chunk(const boost::json::object& gemini_response, std::string& out);
  // Upstream ended normally: closes the open block, message_delta (stop_reason, usage), message_stop.
  void on_finish(std::string& out);
  // Upstream failed mid-stream: `event: error` and nothing after it (no block stop, no message_stop).
  void on_error(const gw::error& e, std::string& out);
  // `event: ping` (after message_start, which it sends first if nothing was sent yet). Nothing once ended.
  void heartbeat(std::string& out);

  struct usage {
    std::int64_t input = 0, output = 0, thinking = 0, cached = 0;
  };
  // From the last usageMetadata seen: input = promptTokenCount (cached included), output =
  // candidatesTokenCount, thinking = thoughtsTokenCount, cached = cachedContentTokenCount.
  usage totals() const { return usage_; }
  bool ended() const noexcept { return state_ == state::ended; }

 private:
  enum class state : std::uint8_t { before_start, streaming, ended };
  void start(std::string& out);
  void finish(std::string& out);

  response_context ctx_;
  block_assembler blocks_{ctx_};  // points at ctx_: the move constructor re-points it
  state state_ = state::before_start;
  std::string finish_reason_;
  bool blocked_ = false;
  bool usage_seen_ = false;  // a usageMetadata with token counts arrived
  usage usage_;
};

struct rendered_error {
  unsigned status;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Before the response is committed: {"type":"error","error":{"type","message"}} with the status for the
// kind: 400 invalid_request_error, 401 authentication_error, 403 permission_error, 404 not_found_error,
// 413 request_too_large, 429 rate_limit_error, 529 overloaded_error (upstream capacity, and Google 503),
// 5xx api_error. Retry-After (whole seconds, rounded up) on 429 and 529 when the error knows the delay.
rendered_error render_error(const gw::error& e);
// The Anthropic error type for an error ("rate_limit_error", ...), shared by render_error and the stream.
std::string_view error_type(const gw::error& e);

// count_tokens. Code Assist countTokens takes only `contents`, so the request is translated as for
// /v1/messages (max_tokens not required) and then the system prompt (as its text parts) and the tool
// declarations (as one JSON text part) are folded in front of the contents -- into the first user turn, or
// a new leading user turn -- so they are counted as generateContent would charge them. Remote media stay
// `_gw_fetch` parts: the pipeline resolves them as for generation.
struct count_tokens_request {
  models::model_spec spec;        // model to count with (alias applied)
  boost::json::array contents;
};
result<count_tokens_request> count_tokens_contents(boost::json::value body, const models::catalog& cat,
                                                   const alias_table& aliases);
// {"input_tokens":N}
std::string render_count_tokens(std::int64_t input_tokens);

}  // namespace gw::translate::anthropic
