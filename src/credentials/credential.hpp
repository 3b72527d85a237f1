// The credential model: one Google account's OAuth tokens, its Code Assist project and its state.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gw::credentials {

enum class state {
  active,               // usable
  needs_login,          // refresh failed with invalid_grant / revoked: a new login is needed
  ineligible,           // loadCodeAssist reported an ineligible tier (e.g. UNSUPPORTED_CLIENT)
  validation_required,  // the account must be verified at state_url
  needs_project,        // the account requires a project and none is known
  disabled,             // turned off by the operator
  error,                // setup failed for another reason (see state_reason); retried later
};
std::string_view to_string(state s) noexcept;
std::optional<state> state_from_string(std::string_view s) noexcept;

struct credential {
  std::int64_t id = 0;
  std::string email;
  std::string refresh_token;       // secret: never logged
  std::string access_token;        // secret: never logged
  std::int64_t expiry_ms = 0;      // epoch ms; 0 = unknown (refresh before first use)
  std::string scope;
  std::string token_type = "Bearer";
  std::string configured_project;  // operator's --project (sent as gemini-cli sends GOOGLE_CLOUD_PROJECT)
  std::string project_id;          // the project Code Assist serves this account under
  std::string tier_id;
  std::string tier_name;
  state st = state::active;
  std::string state_reason;        // human-readable reason for a non-active state
  std::string state_url;           // validation / activation URL when Google gave one
  std::string last_error;
  std::string source;              // where it came from (file name, "login")
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;

  bool usable() const noexcept { return st == state::active; }
  bool setup_done() const noexcept { return !project_id.empty(); }
};

// Parses gemini-cli's oauth_creds.json (expiry_date in epoch ms, possibly fractional). Also accepts
// an object with only refresh_token, and CLIProxyAPI's {"token":{...},"project_id":...} shape.
result<credential> parse_oauth_creds_json(std::string_view text);

// Proactive refresh threshold, as gemini-cli's auth library: fewer than 5 minutes left.
inline constexpr std::int64_t refresh_margin_ms = 5 * 60 * 1000;
inline bool needs_refresh(const credential& c, std::int64_t now_ms) noexcept {
  return c.access_token.empty() || c.expiry_ms - refresh_margin_ms <= now_ms;
}

}  // namespace gw::credentials
