// Thinking controls per model family; see thinking.hpp.
#include "models/thinking.hpp"

#include <algorithm>

#include "models/model_name.hpp"

namespace gw::models {

thinking_family thinking_family_of(const model_info* info, std::string_view upstream) {
  if (info && !info->thinking) return thinking_family::none;
  if (upstream.starts_with("gemini-2.5")) return thinking_family::budget;
  if (is_gemini3(upstream)) return thinking_family::level;
  return info ? thinking_family::budget : thinking_family::none;  // listed as thinking, family unknown
}

budget_range budget_range_for(std::string_view upstream) {
  if (upstream.find("-pro") != std::string_view::npos) return {128, 32768, false};
  if (upstream.find("flash-lite") != std::string_view::npos) return {512, 24576, true};
  return {1, 24576, true};
}

std::int64_t fit_budget(std::int64_t n, const budget_range& r) {
  if (n < 0) return -1;
  if (n == 0) return r.can_off ? 0 : r.min_on;
  return std::clamp(n, r.min_on, r.max);
}

unsigned allowed_levels(std::string_view upstream) {
  if (upstream.starts_with("gemini-3-pro")) return 0b1010;
  if (upstream.find("-pro") != std::string_view::npos) return 0b1110;
  return 0b1111;
}

std::string level_name(int want, unsigned allowed) {
  for (int d = 0; d < 4; ++d) {
    if (want + d < 4 && (allowed >> (want + d) & 1u)) return std::string(level_names[want + d]);
    if (want - d >= 0 && (allowed >> (want - d) & 1u)) return std::string(level_names[want - d]);
  }
  return std::string(level_names[3]);
}

}  // namespace gw::models
