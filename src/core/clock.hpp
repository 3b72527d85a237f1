// Clock interface: pure code takes time as a parameter; I/O code reads it here (tests can fake it).
#pragma once
#include <chrono>
#include <cstdint>

namespace gw {
using sys_ms = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;
inline sys_ms now_ms() { return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()); }
inline std::int64_t epoch_ms(sys_ms t) { return t.time_since_epoch().count(); }
inline sys_ms from_epoch_ms(std::int64_t ms) { return sys_ms{std::chrono::milliseconds{ms}}; }
}  // namespace gw
