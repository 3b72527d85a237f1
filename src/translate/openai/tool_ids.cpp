// Tool-call id minting and the signature-carrying id format (see chat.hpp, "Thought signatures").
#include "translate/openai/tool_ids.hpp"

#include <algorithm>
#include <cstdint>

namespace gw::translate::openai {
namespace {

constexpr std::string_view sig_marker = "__gsig_";
constexpr std::string_view litellm_marker = "__thought__";
constexpr char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string model_tag(std::string_view upstream_model) {
  std::uint32_t h = 0x811c9dc5u;
  for (unsigned char c : upstream_model) {
    h ^= c;
    h *= 0x01000193u;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = hex[h & 0xf];
  return out;
}

bool alnum(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string mint_tool_call_id(std::string_view seed, int choice, int ordinal) {
  std::uint64_t state = fnv1a64(seed);
  state = fnv1a64(std::to_string(choice) + ":" + std::to_string(ordinal), state);
  std::string id = "call_";
  for (int i = 0; i < 24; ++i) id += base62[splitmix(state) % 62];
  return id;
}

bool is_minted_tool_call_id(std::string_view id) noexcept {
  if (id.size() != 29 || !id.starts_with("call_")) return false;
  for (char c : id.substr(5))
    if (!alnum(c)) return false;
  return true;
}

std::string encode_tool_call_id(std::string_view base, std::string_view signature, std::string_view upstream_model) {
  std::string id(base);
  if (signature.empty()) return id;
  std::size_t padding = 0;
  while (padding < signature.size() && signature[signature.size() - 1 - padding] == '=') ++padding;
  signature.remove_suffix(padding);
  id += sig_marker;
  id += model_tag(upstream_model);
  id += static_cast<char>('0' + std::min<std::size_t>(padding, 9));  // kept as a count: the id stays [A-Za-z0-9_-]
  id += '_';
  for (char c : signature) id += c == '+' ? '-' : c == '/' ? '_' : c;
  return id;
}

decoded_tool_call_id decode_tool_call_id(std::string_view id, std::string_view upstream_model) {
  decoded_tool_call_id d;
  if (const std::size_t at = id.find(sig_marker); at != std::string_view::npos) {
    d.base = std::string(id.substr(0, at));
    d.tagged = true;
    std::string_view rest = id.substr(at + sig_marker.size());
    if (rest.size() < 11 || rest[9] != '_' || rest[8] < '0' || rest[8] > '9' ||
        rest.substr(0, 8) != model_tag(upstream_model)) {
      d.foreign = true;
      return d;
    }
    const std::size_t padding = static_cast<std::size_t>(rest[8] - '0');
    rest.remove_prefix(10);
    for (char c : rest) d.signature += c == '-' ? '+' : c == '_' ? '/' : c;
    d.signature.append(padding, '=');
    return d;
  }
  if (const std::size_t at = id.find(litellm_marker); at != std::string_view::npos) {
    d.base = std::string(id.substr(0, at));
    d.signature = std::string(id.substr(at + litellm_marker.size()));
    return d;
  }
  d.base = std::string(id);
  return d;
}

}  // namespace gw::translate::openai
