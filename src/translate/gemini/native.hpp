// The Gemini-native dialect, client side to upstream: validate and repair a generateContent/countTokens body.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/result.hpp"

namespace gw::translate::gemini {

struct native_options {
  // The target is a Gemini 3 model. Informational today: the signature sentinel is added for every model
  // (harmless before Gemini 3, and history may move between models), but callers should still set it.
  bool gemini3 = false;
};

// Turns a client's native GenerateContentRequest body into the inner Code Assist request:
//  - must be a JSON object ("request body must be a JSON object"); snake_case field names are accepted;
//  - "contents" must be an array of objects; a missing role becomes "user"; any role but user/model is a
//    bad_request naming the index; "parts" must be an array of objects;
//  - thought parts are stripped and the Gemini 3 signature rule applied (see translate/common/repair.hpp);
//  - a string systemInstruction becomes {"role":"user","parts":[{"text":...}]}, as gemini-cli sends it;
//  - only fields of the inner Code Assist request are kept: contents, systemInstruction, cachedContent, tools,
//    toolConfig, labels, safetySettings, generationConfig, session_id ("model", "stream", ... are dropped).
result<boost::json::object> request_to_upstream(boost::json::value body, const native_options& opt);

// A countTokens body, {"contents":[...]} or {"generateContentRequest":{model?, contents, systemInstruction,
// tools, ...}}, into the contents to send upstream (Code Assist countTokens takes nothing but contents):
// names normalized, roles validated, thought parts stripped. systemInstruction parts and the tools (as one
// JSON text part) are folded in front of the contents, into the first user turn (or a new leading user turn),
// so the count is not an under-estimate of what a generateContent with that request would be charged.
// No contents at all -> bad_request.
result<boost::json::array> count_tokens_contents(boost::json::value body);

}  // namespace gw::translate::gemini
