// The Anthropic alias table: glob matching, defaults, and the config reader.
#include "translate/anthropic/aliases.hpp"

#include <boost/json.hpp>

namespace gw::translate::anthropic {
namespace json = boost::json;

namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool has_wildcard(std::string_view p) noexcept { return p.find_first_of("*?") != std::string_view::npos; }

error bad_config(std::string message) {
  return client_error(error_kind::bad_request, "anthropic model aliases: " + std::move(message));
}

result<std::optional<std::string>> read_target(const json::value& v, const std::string& where) {
  if (v.is_null()) return std::optional<std::string>{};
  if (!v.is_string()) return bad_config(where + " must be a model name string or null");
  if (v.get_string().empty()) return bad_config(where + " must not be empty");
  return std::optional<std::string>{std::string(v.get_string())};
}

}  // namespace

bool glob_match(std::string_view p, std::string_view s) noexcept {
  // Greedy with one backtrack point (the last '*'): linear for the patterns people write.
  std::size_t pi = 0, si = 0, star = std::string_view::npos, star_si = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      star_si = si;
    } else if (pi < p.size() && (p[pi] == '?' || lower(p[pi]) == lower(s[si]))) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++star_si;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

alias_table alias_table::defaults() {
  // Claude Code's main model (opus/sonnet) needs the strongest model; haiku does its small background tasks
  // (titles, summaries), where a flash model is the fast and cheap match. Other claude-* names (claude-2.1,
  // claude-instant, future families) go to the pro model rather than failing upstream with a 404.
  return alias_table({
      {"opus", "gemini-2.5-pro"},
      {"sonnet", "gemini-2.5-pro"},
      {"haiku", "gemini-2.5-flash"},
      {"claude-*haiku*", "gemini-2.5-flash"},
      {"claude-*opus*", "gemini-2.5-pro"},
      {"claude-*sonnet*", "gemini-2.5-pro"},
      {"claude-*", "gemini-2.5-pro"},
  });
}

result<alias_table> alias_table::from_json(const json::value& v) {
  std::vector<alias_rule> rules;
  if (const json::object* o = v.if_object()) {
    for (const auto& kv : *o) {
      if (kv.key().empty()) return bad_config("a pattern must not be empty");
      auto t = read_target(kv.value(), "the model for \"" + std::string(kv.key()) + "\"");
      if (!t) return std::move(t).err();
      rules.push_back({std::string(kv.key()), std::move(*t)});
    }
  } else if (const json::array* a = v.if_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string where = "[" + std::to_string(i) + "]";
      const json::object* e = (*a)[i].if_object();
      if (!e) return bad_config(where + " must be an object {\"pattern\", \"model\"}");
      for (const auto& kv : *e)
        if (kv.key() != "pattern" && kv.key() != "model")
          return bad_config(where + " has an unknown key \"" + std::string(kv.key()) + "\"");
      const json::value* p = e->if_contains("pattern");
      if (!p || !p->is_string() || p->get_string().empty())
        return bad_config(where + ".pattern must be a non-empty string");
      const json::value* m = e->if_contains("model");
      if (!m) return bad_config(where + ".model is missing (use null to pass names through)");
      auto t = read_target(*m, where + ".model");
      if (!t) return std::move(t).err();
      rules.push_back({std::string(p->get_string()), std::move(*t)});
    }
  } else {
    return bad_config("must be an object {\"pattern\": \"model\"} or an array of {\"pattern\", \"model\"}");
  }
  for (auto& r : defaults().rules_) rules.push_back(std::move(r));
  return alias_table(std::move(rules));
}

const alias_rule* alias_table::match(std::string_view name) const noexcept {
  for (const auto& r : rules_)
    if (!has_wildcard(r.pattern) && glob_match(r.pattern, name)) return &r;
  for (const auto& r : rules_)
    if (has_wildcard(r.pattern) && glob_match(r.pattern, name)) return &r;
  return nullptr;
}

std::string alias_table::resolve(std::string_view name) const {
  const alias_rule* r = match(name);
  return r && r->target ? *r->target : std::string(name);
}

}  // namespace gw::translate::anthropic
