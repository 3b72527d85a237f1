// How a Gemini thought signature rides in an Anthropic thinking block's `signature`, tagged with its model.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace gw::translate::anthropic {

// "gw1#<upstream model>#<signature>". '#' appears neither in model ids nor in base64.
std::string encode_signature(std::string_view upstream_model, std::string_view gemini_signature);

// The Gemini signature inside `tagged` when it is ours and was minted by `upstream_model`; nullopt for a
// signature of another model, another provider (a real Anthropic signature), or malformed text.
std::optional<std::string_view> decode_signature(std::string_view tagged, std::string_view upstream_model);

}  // namespace gw::translate::anthropic
