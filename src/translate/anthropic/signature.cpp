// Thought-signature tagging for the Anthropic thinking-block channel.
#include "translate/anthropic/signature.hpp"

namespace gw::translate::anthropic {
namespace {
constexpr std::string_view tag = "gw1#";
}

std::string encode_signature(std::string_view upstream_model, std::string_view gemini_signature) {
  std::string out;
  out.reserve(tag.size() + upstream_model.size() + 1 + gemini_signature.size());
  out.append(tag).append(upstream_model).push_back('#');
  out.append(gemini_signature);
  return out;
}

std::optional<std::string_view> decode_signature(std::string_view tagged, std::string_view upstream_model) {
  if (!tagged.starts_with(tag)) return std::nullopt;
  tagged.remove_prefix(tag.size());
  const std::size_t hash = tagged.find('#');
  if (hash == std::string_view::npos || tagged.substr(0, hash) != upstream_model) return std::nullopt;
  std::string_view sig = tagged.substr(hash + 1);
  if (sig.empty()) return std::nullopt;
  return sig;
}

}  // namespace gw::translate::anthropic
