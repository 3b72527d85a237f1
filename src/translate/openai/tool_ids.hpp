// Tool-call ids that carry a Gemini thought signature, so clients that keep only the id still replay it.
#pragma once
#include <string>
#include <string_view>

namespace gw::translate::openai {

// "call_" + 24 base62 characters derived from (seed, choice, ordinal): distinct per call, stable per input.
std::string mint_tool_call_id(std::string_view seed, int choice, int ordinal);

// True for ids of the minted shape (also OpenAI's own): "call_" + 24 ASCII letters or digits.
bool is_minted_tool_call_id(std::string_view id) noexcept;

// <base>__gsig_<8 hex model tag><count of '=' removed>_<signature as unpadded base64url>; base alone when the signature
// is empty.
std::string encode_tool_call_id(std::string_view base, std::string_view signature, std::string_view upstream_model);

struct decoded_tool_call_id {
  std::string base;       // the id without any signature suffix
  std::string signature;  // standard base64, as Gemini sent it; empty when none or not usable
  bool tagged = false;    // carried our "__gsig_" suffix
  bool foreign = false;   // tagged by another upstream model: the signature was dropped
};

// Reverses encode_tool_call_id for `upstream_model`; also reads LiteLLM's "<base>__thought__<signature>".
decoded_tool_call_id decode_tool_call_id(std::string_view id, std::string_view upstream_model);

}  // namespace gw::translate::openai
