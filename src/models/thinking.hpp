// Thinking controls per model family (upstream-code-assist.md §9.1): Gemini 2.5 takes a token budget in
// a per-model range, Gemini 3.x a level among those the model accepts. Shared by the model-name grammar
// and every dialect that maps its own reasoning knobs (reasoning_effort, thinking.budget_tokens, ...).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "models/catalog.hpp"

namespace gw::models {

enum class thinking_family { none, budget, level };
// none for models that do not think (or unknown families not listed as thinking).
thinking_family thinking_family_of(const model_info* info, std::string_view upstream);

struct budget_range {
  std::int64_t min_on;  // smallest budget when thinking is on
  std::int64_t max;
  bool can_off;         // 0 turns thinking off (2.5 Pro cannot)
};
budget_range budget_range_for(std::string_view upstream);
// Clamps a budget into the range; -1 (dynamic) stays; 0 becomes the minimum where thinking cannot be off.
std::int64_t fit_budget(std::int64_t n, const budget_range& r);

inline constexpr std::array<std::string_view, 4> level_names = {"MINIMAL", "LOW", "MEDIUM", "HIGH"};
// Levels a model accepts, as a bitmask over level_names.
unsigned allowed_levels(std::string_view upstream);
// The allowed level nearest to `want` (an index into level_names), ties rounding up.
std::string level_name(int want, unsigned allowed);

}  // namespace gw::models
