// Model-name grammar: parsing parameters off a model name and writing them into a Gemini request.
// The grammar and the budget/level choices are documented at the top of model_name.hpp.
#include "models/model_name.hpp"
#include "models/thinking.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <boost/json.hpp>

namespace gw::models {
namespace {

char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

enum class effort { minimal, low, medium, high, max };

enum class action { thinking, nothinking, maxthinking, effort, budget, dynamic, search, fake_stream, anti_truncation };

struct param {
  action act;
  effort eff = effort::high;
  std::int64_t budget = 0;
};

struct named_param {
  std::string_view token;
  param p;
};

constexpr std::array<named_param, 11> suffix_table = {{
    {"thinking", {action::thinking}},
    {"nothinking", {action::nothinking}},
    {"maxthinking", {action::maxthinking}},
    {"search", {action::search}},
    {"minimal", {action::effort, effort::minimal}},
    {"low", {action::effort, effort::low}},
    {"medium", {action::effort, effort::medium}},
    {"high", {action::effort, effort::high}},
    {"max", {action::effort, effort::max}},
    {"假流式", {action::fake_stream}},
    {"流式抗截断", {action::anti_truncation}},
}};

constexpr std::array<std::pair<std::string_view, action>, 3> prefix_table = {{
    {"假流式/", action::fake_stream},
    {"流式抗截断/", action::anti_truncation},
    {"anti-", action::anti_truncation},
}};

std::optional<param> suffix_param(std::string_view token) {
  for (const auto& np : suffix_table) {
    if (iequals(token, np.token)) return np.p;
  }
  return std::nullopt;
}

// CLIProxyAPI's parenthesised value: a budget, a level, or none/auto.
std::optional<param> paren_param(std::string_view v) {
  if (iequals(v, "none")) return param{action::nothinking};
  if (iequals(v, "auto")) return param{action::dynamic};
  if (auto p = suffix_param(v); p && p->act == action::effort) return p;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || n < -1) return std::nullopt;
  if (n == -1) return param{action::dynamic};
  if (n == 0) return param{action::nothinking};
  return param{action::budget, effort::high, n};
}





std::int64_t budget_for(effort e, const budget_range& r) {
  switch (e) {
    case effort::minimal: return r.can_off ? 0 : r.min_on;
    case effort::low: return fit_budget(1024, r);
    case effort::medium: return fit_budget(8192, r);
    case effort::high: return fit_budget(16000, r);
    case effort::max: return r.max;
  }
  return r.max;
}




int level_for(effort e) {
  switch (e) {
    case effort::minimal: return 0;
    case effort::low: return 1;
    case effort::medium: return 2;
    case effort::high:
    case effort::max: return 3;
  }
  return 3;
}

int level_for_budget(std::int64_t n) { return n <= 1024 ? 1 : n <= 8192 ? 2 : 3; }

int lowest_level(unsigned allowed) {
  for (int i = 0; i < 4; ++i) {
    if (allowed >> i & 1u) return i;
  }
  return 3;
}


void resolve(model_spec& spec, const std::vector<param>& params, const model_info* info) {
  const thinking_family fam = thinking_family_of(info, spec.upstream);
  const budget_range range = budget_range_for(spec.upstream);
  const unsigned levels = allowed_levels(spec.upstream);
  auto set_budget = [&](std::int64_t b) { spec.thinking_budget = b; };
  auto set_level = [&](int l) { spec.thinking_level = level_name(l, levels); };
  for (const param& p : params) {
    switch (p.act) {
      case action::search: spec.search = true; continue;
      case action::fake_stream: spec.fake_stream = true; continue;
      case action::anti_truncation: spec.anti_truncation = true; continue;
      default: break;
    }
    if (fam == thinking_family::none) continue;
    const bool budgets = fam == thinking_family::budget;
    switch (p.act) {
      case action::thinking:
        spec.include_thoughts = true;
        budgets ? set_budget(fit_budget(8192, range)) : set_level(3);
        break;
      case action::nothinking:
        spec.include_thoughts = false;
        budgets ? set_budget(fit_budget(0, range)) : set_level(lowest_level(levels));
        break;
      case action::maxthinking:
        budgets ? set_budget(range.max) : set_level(3);
        break;
      case action::effort:
        budgets ? set_budget(budget_for(p.eff, range)) : set_level(level_for(p.eff));
        break;
      case action::budget:
        budgets ? set_budget(fit_budget(p.budget, range)) : set_level(level_for_budget(p.budget));
        break;
      case action::dynamic:
        budgets ? set_budget(-1) : set_level(3);
        break;
      default:
        break;
    }
  }
}

// The object at obj[camel] (or at the snake_case spelling the body already used), created if absent
// or not an object.
boost::json::object& child_object(boost::json::object& obj, std::string_view camel, std::string_view snake) {
  if (auto* v = obj.if_contains(camel); v && v->is_object()) return v->get_object();
  if (auto* v = obj.if_contains(snake); v && v->is_object()) return v->get_object();
  obj.erase(snake);
  return obj[camel].emplace_object();
}

void set_field(boost::json::object& obj, std::string_view camel, std::string_view snake, boost::json::value v) {
  obj.erase(snake);
  obj[camel] = std::move(v);
}

void erase_field(boost::json::object& obj, std::string_view camel, std::string_view snake) {
  obj.erase(camel);
  obj.erase(snake);
}

}  // namespace

bool is_gemini3(std::string_view id) {
  if (id.starts_with("models/")) id.remove_prefix(7);
  if (!id.starts_with("gemini-")) return false;
  id.remove_prefix(7);
  int major = 0;
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), major);
  if (ec != std::errc{} || end == id.data()) return false;
  const bool id_ends = end == id.data() + id.size();
  return major >= 3 && (id_ends || *end == '.' || *end == '-' || *end == '_');
}

model_spec parse(std::string_view name, const catalog& cat) {
  model_spec spec;
  if (name.starts_with("models/")) name.remove_prefix(7);
  spec.requested = std::string(name);

  std::vector<param> params;
  std::string_view s = name;
  // Prefixes, written first.
  bool more = true;
  while (more && !cat.find(s)) {
    more = false;
    for (const auto& [text, act] : prefix_table) {
      if (istarts_with(s, text) && s.size() > text.size()) {
        spec.params.emplace_back(s.substr(0, text.size()));
        params.push_back(param{act});
        s.remove_prefix(text.size());
        more = true;
        break;
      }
    }
    if (!more && s.starts_with("models/") && s.size() > 7) {
      s.remove_prefix(7);
      more = true;
    }
  }

  // Suffixes, taken off the end; collected in reverse and flipped to written order below.
  std::vector<std::string_view> suffix_text;
  std::vector<param> suffix_params;
  while (!cat.find(s)) {
    if (s.ends_with(')')) {
      const std::size_t open = s.rfind('(');
      if (open != std::string_view::npos && open > 0) {
        if (auto p = paren_param(s.substr(open + 1, s.size() - open - 2))) {
          suffix_text.push_back(s.substr(open));
          suffix_params.push_back(*p);
          s = s.substr(0, open);
          continue;
        }
      }
      break;
    }
    const std::size_t dash = s.rfind('-');
    if (dash == std::string_view::npos || dash == 0) break;
    auto p = suffix_param(s.substr(dash + 1));
    if (!p) break;
    suffix_text.push_back(s.substr(dash));
    suffix_params.push_back(*p);
    s = s.substr(0, dash);
  }
  for (std::size_t i = suffix_text.size(); i-- > 0;) {
    spec.params.emplace_back(suffix_text[i]);
    params.push_back(suffix_params[i]);
  }

  spec.base = std::string(s);
  const model_info* info = cat.find(s);
  spec.upstream = info ? info->upstream_id : spec.base;
  resolve(spec, params, info);
  return spec;
}

void apply(const model_spec& spec, boost::json::object& req) {
  if (spec.include_thoughts || spec.thinking_budget || spec.thinking_level) {
    auto& gen = child_object(req, "generationConfig", "generation_config");
    auto& think = child_object(gen, "thinkingConfig", "thinking_config");
    if (spec.include_thoughts) set_field(think, "includeThoughts", "include_thoughts", *spec.include_thoughts);
    if (spec.thinking_budget) {
      set_field(think, "thinkingBudget", "thinking_budget", *spec.thinking_budget);
      erase_field(think, "thinkingLevel", "thinking_level");
    }
    if (spec.thinking_level) {
      set_field(think, "thinkingLevel", "thinking_level", boost::json::string(*spec.thinking_level));
      erase_field(think, "thinkingBudget", "thinking_budget");
    }
  }
  if (spec.search) {
    auto* tools_v = req.if_contains("tools");
    if (!tools_v || !tools_v->is_array()) tools_v = &(req["tools"] = boost::json::array());
    auto& tools = tools_v->get_array();
    for (const auto& t : tools) {
      if (t.is_object() && (t.get_object().contains("googleSearch") || t.get_object().contains("google_search"))) return;
    }
    boost::json::object search_tool;
    search_tool["googleSearch"].emplace_object();
    tools.emplace_back(std::move(search_tool));
  }
}

std::string parameters_help() {
  return "valid parameters: -thinking, -nothinking, -maxthinking, -search, -minimal, -low, -medium, -high, -max, "
         "or a thinking budget or level in parentheses such as (8192), (-1), (high), (none), (auto), written after "
         "the model id in any order (e.g. gemini-2.5-pro-thinking-search), and the prefixes 假流式/ (fake streaming) "
         "and 流式抗截断/ or anti- (anti-truncation)";
}

}  // namespace gw::models
