// Model-name grammar: parameters users append to model names (from other gateways' conventions) and how they apply.
//
// Grammar (documented for users in docs/models.md):
//   name    := ["models/"] prefix* id param*
//   prefix  := "假流式/"                      fake streaming (gcli2api)
//            | "流式抗截断/" | "anti-"          anti-truncation (gcli2api, AIClient-2-API)
//   param   := "-thinking" | "-nothinking" | "-maxthinking" | "-search"
//            | "-minimal" | "-low" | "-medium" | "-high" | "-max"           (gcli2api effort levels)
//            | "-假流式" | "-流式抗截断"                                     (gcli2api's old suffix spelling)
//            | "(" budget-or-level ")"                                      (CLIProxyAPI)
//   budget-or-level := integer >= -1 | minimal | low | medium | high | max | none | auto
// Parameters are taken off the END of the name one at a time, in any order and ASCII
// case-insensitively, until a token is not a parameter; what remains is the id. The id is sent
// upstream as is (after the catalog's mapping) even when it is not listed, so
// "gemini-2.5-flash-preview-09-2025" stays whole ("-2025" is not a parameter). An id the catalog
// lists exactly is never taken apart, so an operator can list an id that looks like a parameter
// (e.g. "gemini-3-pro-high"). "_vertex" is part of the id: parameters go after it
// ("gemini-2.5-pro_vertex-thinking"). When parameters disagree, the one written last wins.
//
// What they set, by family (decided from the upstream id):
//   2.5 (thinkingBudget; range pro 128..32768 and cannot be off, flash 0..24576, flash-lite 0 or 512..24576):
//     -thinking     includeThoughts=true,  budget 8192 (gemini-cli's DEFAULT_THINKING_MODE)
//     -nothinking   includeThoughts=false, budget 0 (128 on pro)   also (none) and (0)
//     -maxthinking / -max   budget = the model's maximum
//     -high 16000, -medium 8192, -low 1024, -minimal 0 (128 on pro)   (gcli2api's values)
//     (N)           budget N clamped to the model's range; (auto) and (-1) = -1, dynamic
//   3.x and later (thinkingLevel; 3-pro allows LOW/HIGH, other pro LOW/MEDIUM/HIGH, flash all four):
//     -thinking     includeThoughts=true, HIGH (gemini-cli's main-chat default)
//     -nothinking   includeThoughts=false, the lowest level the model allows (Gemini 3 cannot turn thinking off)
//     -maxthinking / -max / -high HIGH, -medium MEDIUM, -low LOW, -minimal MINIMAL
//     (N)           N<=1024 LOW, N<=8192 MEDIUM, else HIGH; (auto) and (-1) HIGH (the dynamic default)
//     A level the model does not allow becomes the nearest it does, ties rounding up.
//   Other models (gemini-2.0-flash, unknown families, catalog entries with thinking=false): the
//     parameters are recognised and recorded but set nothing, since a thinkingConfig makes them fail.
//   -search adds {"googleSearch":{}} to tools for every model.
// Budget and level are never both sent (several SDKs document a 400 for that), and parameters
// override what the request body says, as CLIProxyAPI's suffix does.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "models/catalog.hpp"

namespace gw::models {

struct model_spec {
  std::string requested;   // as the client wrote it, minus a leading "models/"
  std::string base;        // what remains after parameters are parsed off
  std::string upstream;    // id to send upstream (catalog mapping applied; unknown ids unchanged)
  bool search = false;     // "-search": add {"googleSearch":{}} tool
  std::optional<bool> include_thoughts;
  std::optional<std::int64_t> thinking_budget;  // 2.5 family only
  std::optional<std::string> thinking_level;    // 3.x family only: "MINIMAL", "LOW", "MEDIUM", "HIGH"
  bool fake_stream = false;
  bool anti_truncation = false;
  std::vector<std::string> params;  // recognised parameters as written, in written order ("假流式/", "-thinking", "(8192)")
};

// Never fails: a name that is not understood passes through whole as the id.
model_spec parse(std::string_view name, const catalog& cat);

// Gemini 3 or later ("gemini-3-flash", "gemini-3.1-pro-preview", "gemini-3-pro-preview_vertex"):
// the thinkingLevel family, and the one that enforces the thought-signature rule.
bool is_gemini3(std::string_view upstream_id);

// Writes the parsed parameters into a Gemini GenerateContentRequest (camelCase keys; a snake_case
// spelling already in the body is replaced rather than duplicated). Leaves the request untouched
// when the spec carries nothing to apply.
void apply(const model_spec& spec, boost::json::object& gemini_request);

// One sentence naming the valid parameters, for "model not found" messages.
std::string parameters_help();

}  // namespace gw::models
