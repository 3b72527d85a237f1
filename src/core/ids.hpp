// Random identifiers (request ids, session ids, UUIDs) from a per-thread CSPRNG-seeded engine.
#pragma once
#include <string>

namespace gw {
std::string random_hex(std::size_t bytes);
std::string random_uuid();  // RFC 4122 version 4, lowercase
}  // namespace gw
