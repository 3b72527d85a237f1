// The credential manager: hands out ready credentials (fresh token, known project), refreshing
// tokens single-flight and running project discovery / onboarding, and keeps per-model cooldowns.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "credentials/credential.hpp"
#include "store/store.hpp"
#include "upstream/code_assist.hpp"

namespace gw::credentials {

namespace net = boost::asio;

struct oauth_settings {
  std::string token_url = "https://oauth2.googleapis.com/token";
  std::string userinfo_url = "https://www.googleapis.com/oauth2/v2/userinfo";
  // gemini-cli's public "installed application" client (upstream-code-assist.md §5.1)
  std::string client_id = "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com";
  std::string client_secret = "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";
};

struct manager_settings {
  std::chrono::milliseconds onboard_poll{5000};  // gemini-cli polls the operation every 5 s
  int onboard_max_polls = 60;
  std::chrono::milliseconds setup_retry{30'000};  // after a transient setup failure
};

// What a request needs to call Code Assist with one credential.
struct lease {
  std::int64_t id = 0;
  std::string access_token;
  std::string project;
  std::string email;
};

struct token_set {
  std::string access_token;
  std::int64_t expires_in_s = 0;
  std::string refresh_token;  // usually empty: Google keeps the old one valid
  std::string scope;
};
// One refresh_token grant at the OAuth token endpoint. invalid_grant -> credential_invalid.
net::awaitable<result<token_set>> refresh_token_grant(upstream::client& c, const oauth_settings& o,
                                                      const std::string& refresh_token);

class manager {
 public:
  manager(store::store& st, upstream::code_assist ca, oauth_settings o, manager_settings s,
          net::any_io_executor control);
  ~manager();

  result<void> reload();  // (re)reads credentials from the store, keeping in-memory cooldowns

  // A ready credential for `model`, skipping `exclude` and those cooling for the model. Round robin.
  // When every able credential is cooling: rate_limited with retry_after = the soonest recovery.
  net::awaitable<result<lease>> acquire(std::string_view model, const std::vector<std::int64_t>& exclude);
  // After an upstream 401 with this credential: refresh once (single-flight) and return a new lease.
  net::awaitable<result<lease>> refresh_after_unauthorized(std::int64_t id);
  // Prepares every credential (refresh + setup) in the background at start.
  net::awaitable<void> prepare_all();

  void cool_down(std::int64_t id, std::string_view model, std::chrono::milliseconds d);
  // Marks the credential as needing attention after an upstream error (validation, permission).
  void mark(std::int64_t id, state st, std::string_view reason, std::string_view url);

  std::vector<credential> snapshot() const;  // for listings (secrets included: callers must not print them)

 private:
  struct entry;
  net::awaitable<result<void>> ensure_ready(std::int64_t id, bool force_refresh);  // runs on control_
  net::awaitable<result<void>> do_refresh(entry& e);
  net::awaitable<result<void>> do_setup(entry& e);
  std::optional<lease> try_lease(entry& e, std::int64_t now) const;
  entry* find(std::int64_t id);
  void set_state(entry& e, state st, std::string reason, std::string url);

  store::store& store_;
  upstream::code_assist ca_;
  oauth_settings oauth_;
  manager_settings settings_;
  net::any_io_executor control_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<entry>> entries_;
  std::size_t rr_ = 0;
};

}  // namespace gw::credentials
