// Client model names -> gateway model names for the Anthropic dialect (Claude Code asks for claude-* models).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "core/result.hpp"

namespace gw::translate::anthropic {

struct alias_rule {
  std::string pattern;                // an exact name, or a glob with '*' (any run) and '?' (one character)
  std::optional<std::string> target;  // gateway model name (model-name parameters allowed); nullopt: keep the
                                      // client's name as is, which lets an operator switch a default rule off
};

// Matching is ASCII case-insensitive. An exact rule (no wildcard) beats every glob; globs are tried in order,
// first match wins. A name no rule matches is used unchanged, so Gemini names work on this surface too.
class alias_table {
 public:
  alias_table() = default;
  explicit alias_table(std::vector<alias_rule> rules) : rules_(std::move(rules)) {}

  // opus / sonnet (and any other claude-*) -> gemini-2.5-pro, haiku -> gemini-2.5-flash; also the bare
  // "opus", "sonnet", "haiku" that some clients send.
  static alias_table defaults();

  // Operator config, either {"<pattern>": "<model>" | null, ...} (in written order) or
  // [{"pattern": "...", "model": "..." | null}, ...]. The configured rules come first and the defaults after
  // them, so a config only has to name what it changes ({"claude-opus-*": "gemini-3-pro-preview"}); mapping
  // a pattern to null passes matching names through unchanged (e.g. {"claude-*": null} disables the defaults).
  // Wrong types, empty patterns, empty model names or unknown keys are bad_request errors naming the place.
  static result<alias_table> from_json(const boost::json::value& v);

  // The gateway model for a client model name: the target of the matching rule, else the name itself.
  std::string resolve(std::string_view client_model) const;
  // The matching rule, or nullptr.
  const alias_rule* match(std::string_view client_model) const noexcept;

  const std::vector<alias_rule>& rules() const noexcept { return rules_; }

 private:
  std::vector<alias_rule> rules_;
};

// Glob match, ASCII case-insensitive: '*' matches any run (also empty), '?' exactly one byte.
bool glob_match(std::string_view pattern, std::string_view name) noexcept;

}  // namespace gw::translate::anthropic
