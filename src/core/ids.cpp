// Random identifiers; seeded from std::random_device once per thread (not for secrets: keys use OpenSSL).
#include "core/ids.hpp"

#include <random>

namespace gw {
namespace {
std::mt19937_64& engine() {
  thread_local std::mt19937_64 eng{(static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()};
  return eng;
}
constexpr char hexdig[] = "0123456789abcdef";
}  // namespace

std::string random_hex(std::size_t bytes) {
  std::string out;
  out.reserve(bytes * 2);
  auto& eng = engine();
  for (std::size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned>(eng() & 0xff);
    out += hexdig[b >> 4];
    out += hexdig[b & 15];
  }
  return out;
}

std::string random_uuid() {
  std::string h = random_hex(16);
  h[12] = '4';
  h[16] = hexdig[(std::stoi(std::string(1, h[16]), nullptr, 16) & 0x3) | 0x8];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}
}  // namespace gw
