// The Code Assist envelope: wraps inner Gemini requests for cloudcode-pa and unwraps its answers.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/result.hpp"

namespace gw::upstream {

struct envelope_params {
  std::string_view model;           // bare id, no "models/" prefix
  std::string_view project;         // cloudaicompanion project id; omitted from the envelope when empty
  std::string_view user_prompt_id;  // opaque logging id
  std::string_view session_id;      // goes INSIDE "request"; empty keeps whatever the request carries
};

// {"model","project"?,"user_prompt_id","request":{...gemini_request, "session_id"?}} as JSON text.
// A non-empty p.session_id replaces a "session_id" the inner request already has.
std::string wrap_generate(const boost::json::object& gemini_request, const envelope_params& p);

// {"request":{"model":"models/<model>","contents":[...]}} as JSON text (countTokens takes nothing else).
std::string wrap_count_tokens(std::string_view model, const boost::json::array& contents);

// Unwraps {response, traceId, ...} into the inner GenerateContentResponse. "responseId" is filled from
// traceId when the inner one is missing (gemini-cli uses traceId as the SDK responseId); a missing or null
// "response" yields {"candidates":[]}. Non-object input, or a non-object "response" -> upstream_protocol.
// An {"error":{...}} object (an error event inside a 200 stream) comes back as the classified upstream error.
result<boost::json::object> unwrap_response(boost::json::value envelope);

// Same semantics as unwrap_response, straight from one event's JSON text; the serialized inner response is
// written to `out` (cleared first). Parses into a per-thread arena, so steady state does not allocate.
result<void> unwrap_event_text(std::string_view envelope_json, std::string& out);

// countTokens answer {"totalTokens":N} -> N (missing -> 0, as gemini-cli does).
result<std::int64_t> parse_count_tokens(std::string_view body);

}  // namespace gw::upstream
