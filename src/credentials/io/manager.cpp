// The credential manager; see manager.hpp. Every refresh and setup runs on the control executor (one
// thread), so "single flight" is a plain flag plus a timer the waiters sleep on; request threads read
// the in-memory state under a mutex and only hop to the control thread when a credential is not ready.
#include "credentials/io/manager.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <spdlog/spdlog.h>

#include "credentials/setup.hpp"
#include "upstream/proto/google_error.hpp"

namespace gw::credentials {

namespace json = boost::json;

struct manager::entry {
  credential c;
  std::map<std::string, std::int64_t, std::less<>> cool_until;  // model -> epoch ms
  std::shared_ptr<net::steady_timer> flight;                    // set while a refresh/setup runs
  std::int64_t failed_at = 0;                                   // last transient setup failure
  std::string failure;                                          // its public message
};

namespace {
std::string form_encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}
std::string jstr(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
}  // namespace

net::awaitable<result<token_set>> refresh_token_grant(upstream::client& c, const oauth_settings& o,
                                                      const std::string& refresh_token) {
  auto u = upstream::parse_url(o.token_url);
  if (!u) co_return std::move(u).err();
  upstream::request req;
  req.method = upstream::http::verb::post;
  req.target = u->path;
  req.content_type = "application/x-www-form-urlencoded";
  req.body = "grant_type=refresh_token&refresh_token=" + form_encode(refresh_token) +
             "&client_id=" + form_encode(o.client_id) + "&client_secret=" + form_encode(o.client_secret);
  req.headers.emplace_back("accept", "application/json");
  req.headers.emplace_back("user-agent", "google-api-nodejs-client/10.9.0");
  auto r = co_await c.send(*u, std::move(req));
  if (!r) co_return std::move(r).err();
  boost::system::error_code ec;
  auto v = json::parse(r->body, ec);
  const json::object* obj = !ec && v.is_object() ? &v.get_object() : nullptr;
  if (r->status != 200 || !obj) {
    std::string err = obj ? jstr(*obj, "error") : "";
    if (err == "invalid_grant" || err == "unauthorized_client" || err == "invalid_client") {
      auto e = make_error(error_kind::credential_invalid, error_source::upstream,
                          "the account's refresh token was rejected (" + err + "): log in again or re-import it");
      e.reason = err;
      e.upstream_status = static_cast<int>(r->status);
      e.credential_scoped = true;
      co_return e;
    }
    auto e = make_error(error_kind::upstream_unavailable, error_source::upstream, "token refresh failed",
                        "OAuth token endpoint answered HTTP " + std::to_string(r->status));
    e.upstream_status = static_cast<int>(r->status);
    e.credential_scoped = true;
    co_return e;
  }
  token_set t;
  t.access_token = jstr(*obj, "access_token");
  t.refresh_token = jstr(*obj, "refresh_token");
  t.scope = jstr(*obj, "scope");
  if (auto* ei = obj->if_contains("expires_in"); ei && ei->is_number()) t.expires_in_s = static_cast<std::int64_t>(ei->to_number<double>());
  if (t.access_token.empty())
    co_return make_error(error_kind::upstream_protocol, error_source::upstream, "token refresh failed",
                         "no access_token in the token endpoint's answer");
  if (t.expires_in_s <= 0) t.expires_in_s = 3599;
  co_return t;
}

manager::manager(store::store& st, upstream::code_assist ca, oauth_settings o, manager_settings s,
                 net::any_io_executor control)
    : store_(st), ca_(std::move(ca)), oauth_(std::move(o)), settings_(s), control_(std::move(control)) {}

manager::~manager() = default;

result<void> manager::reload() {
  auto all = store_.list_credentials();
  if (!all) return std::move(all).err();
  std::lock_guard lock(mu_);
  std::vector<std::unique_ptr<entry>> next;
  for (auto& c : all.value()) {
    auto e = std::make_unique<entry>();
    for (auto& old : entries_)
      if (old->c.id == c.id) {
        e->cool_until = old->cool_until;  // (only at start today: running refreshes hold entry pointers)
      }
    e->c = std::move(c);
    next.push_back(std::move(e));
  }
  entries_ = std::move(next);
  return {};
}

manager::entry* manager::find(std::int64_t id) {
  for (auto& e : entries_)
    if (e->c.id == id) return e.get();
  return nullptr;
}

std::vector<credential> manager::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<credential> out;
  for (auto& e : entries_) out.push_back(e->c);
  return out;
}

std::optional<lease> manager::try_lease(entry& e, std::int64_t now) const {
  if (!e.c.usable() || !e.c.setup_done() || needs_refresh(e.c, now)) return std::nullopt;
  return lease{e.c.id, e.c.access_token, e.c.project_id, e.c.email};
}

void manager::cool_down(std::int64_t id, std::string_view model, std::chrono::milliseconds d) {
  std::lock_guard lock(mu_);
  if (auto* e = find(id)) {
    auto until = epoch_ms(now_ms()) + d.count();
    auto it = e->cool_until.find(model);
    if (it == e->cool_until.end())
      e->cool_until.emplace(std::string(model), until);
    else
      it->second = std::max(it->second, until);
  }
}

void manager::set_state(entry& e, state st, std::string reason, std::string url) {
  std::string email;
  {
    std::lock_guard lock(mu_);
    e.c.st = st;
    e.c.state_reason = reason;
    e.c.state_url = url;
    if (st != state::active) e.failed_at = epoch_ms(now_ms());
    email = e.c.email;
  }
  if (auto r = store_.update_state(e.c.id, st, reason, url); !r)
    spdlog::error("credential {}: could not persist state: {}", e.c.id, r.err().message);
  spdlog::warn("credential {} ({}) is now {}: {}", e.c.id, email, to_string(st), reason);
}

void manager::mark(std::int64_t id, state st, std::string_view reason, std::string_view url) {
  entry* e = nullptr;
  {
    std::lock_guard lock(mu_);
    e = find(id);
  }
  if (e) set_state(*e, st, std::string(reason), std::string(url));
}

net::awaitable<result<lease>> manager::acquire(std::string_view model, const std::vector<std::int64_t>& exclude_in) {
  std::vector<std::int64_t> exclude = exclude_in;
  std::optional<error> last_failure;
  for (;;) {
    std::int64_t pick = 0;
    {
      std::lock_guard lock(mu_);
      auto now = epoch_ms(now_ms());
      std::int64_t soonest = 0;
      std::size_t n = entries_.size();
      std::size_t unusable = 0;
      // One pass in round-robin order: a ready credential is taken at once; otherwise the first one that
      // could be made ready (refresh / setup on the control thread) is picked.
      for (std::size_t i = 0; i < n; ++i) {
        auto& e = *entries_[(rr_ + i) % n];
        if (std::find(exclude.begin(), exclude.end(), e.c.id) != exclude.end()) continue;
        bool backing_off = e.failed_at && now - e.failed_at < settings_.setup_retry.count();
        if (!e.c.usable() && (e.c.st != state::error || backing_off)) {
          ++unusable;
          continue;
        }
        if (auto it = e.cool_until.find(model); it != e.cool_until.end() && it->second > now) {
          if (soonest == 0 || it->second < soonest) soonest = it->second;
          continue;
        }
        if (auto l = try_lease(e, now)) {
          rr_ = (rr_ + i + 1) % n;
          co_return *l;
        }
        if (backing_off) {  // its refresh or setup failed moments ago: do not hammer Google
          ++unusable;
          continue;
        }
        if (pick == 0) pick = e.c.id;
      }
      if (pick == 0) {
        if (soonest) {
          auto e = make_error(error_kind::rate_limited, error_source::upstream,
                              "every credential able to serve " + std::string(model) + " is cooling down");
          e.retry_after = std::chrono::milliseconds(std::max<std::int64_t>(soonest - now, 1));
          e.google_status = "RESOURCE_EXHAUSTED";
          co_return e;
        }
        if (last_failure) co_return *last_failure;
        if (n == 0)
          co_return make_error(error_kind::no_credentials, error_source::internal,
                               "the gateway has no Google credentials: add one with `gcli-gateway creds import`");
        co_return make_error(error_kind::no_credentials, error_source::internal,
                             "no usable Google credential (" + std::to_string(unusable) + " of " + std::to_string(n) +
                                 " unavailable: see `gcli-gateway creds list`)");
      }
      rr_ = (rr_ + 1) % n;
    }
    auto ready = co_await net::co_spawn(control_, ensure_ready(pick, false), net::use_awaitable);
    if (!ready) {
      last_failure = std::move(ready).err();
      exclude.push_back(pick);
      continue;
    }
    std::lock_guard lock(mu_);
    if (auto* e = find(pick))
      if (auto l = try_lease(*e, epoch_ms(now_ms()))) co_return *l;
    exclude.push_back(pick);
  }
}

net::awaitable<result<lease>> manager::refresh_after_unauthorized(std::int64_t id) {
  auto ready = co_await net::co_spawn(control_, ensure_ready(id, true), net::use_awaitable);
  if (!ready) co_return std::move(ready).err();
  std::lock_guard lock(mu_);
  if (auto* e = find(id))
    if (auto l = try_lease(*e, epoch_ms(now_ms()))) co_return *l;
  co_return make_error(error_kind::credential_invalid, error_source::upstream, "credential is not usable after refresh");
}

net::awaitable<void> manager::prepare_all() {
  std::vector<std::int64_t> ids;
  {
    std::lock_guard lock(mu_);
    for (auto& e : entries_)
      if (e->c.usable()) ids.push_back(e->c.id);
  }
  for (auto id : ids) {
    auto r = co_await ensure_ready(id, false);
    if (!r) spdlog::warn("credential {}: not ready: {}", id, r.err().message);
  }
}

net::awaitable<result<void>> manager::ensure_ready(std::int64_t id, bool force_refresh) {
  entry* e = nullptr;
  {
    std::lock_guard lock(mu_);
    e = find(id);
  }
  if (!e) co_return make_error(error_kind::no_credentials, error_source::internal, "credential was removed");
  if (auto flight = e->flight) {  // someone is already refreshing / setting up: wait for it
    boost::system::error_code ec;
    co_await flight->async_wait(net::redirect_error(net::use_awaitable, ec));
    std::lock_guard lock(mu_);
    if (e->c.usable() && e->c.setup_done() && !needs_refresh(e->c, epoch_ms(now_ms()))) co_return result<void>{};
    co_return make_error(e->c.usable() ? error_kind::upstream_unavailable : error_kind::no_credentials,
                         error_source::upstream, e->failure.empty() ? "credential is not ready" : e->failure);
  }
  auto flight = std::make_shared<net::steady_timer>(control_, net::steady_timer::time_point::max());
  e->flight = flight;
  struct done_guard {
    entry* e;
    std::shared_ptr<net::steady_timer> f;
    ~done_guard() {
      f->cancel();
      if (e->flight == f) e->flight.reset();
    }
  } guard{e, flight};

  result<void> r;
  bool refresh = force_refresh;
  {
    std::lock_guard lock(mu_);
    refresh = refresh || needs_refresh(e->c, epoch_ms(now_ms()));
  }
  if (refresh) r = co_await do_refresh(*e);
  bool needs_setup = false;
  {
    std::lock_guard lock(mu_);
    needs_setup = !e->c.setup_done() || e->c.st == state::error;  // an error state is retried through setup
  }
  if (r && needs_setup) r = co_await do_setup(*e);
  std::lock_guard lock(mu_);
  if (r) {
    e->failed_at = 0;
    e->failure.clear();
  } else {
    e->failed_at = epoch_ms(now_ms());
    e->failure = r.err().message;
  }
  co_return r;
}

net::awaitable<result<void>> manager::do_refresh(entry& e) {
  auto* cl = upstream::client::current();
  std::string refresh_token;
  {
    std::lock_guard lock(mu_);
    refresh_token = e.c.refresh_token;
  }
  auto t = co_await refresh_token_grant(*cl, oauth_, refresh_token);
  if (!t) {
    if (t.err().kind == error_kind::credential_invalid) set_state(e, state::needs_login, t.err().message, "");
    co_return std::move(t).err();
  }
  auto expiry = epoch_ms(now_ms()) + t->expires_in_s * 1000;
  {
    std::lock_guard lock(mu_);
    e.c.access_token = t->access_token;
    e.c.expiry_ms = expiry;
    if (!t->refresh_token.empty()) e.c.refresh_token = t->refresh_token;
  }
  if (auto s = store_.update_tokens(e.c.id, t->access_token, expiry, t->refresh_token); !s)
    spdlog::error("credential {}: could not persist the refreshed token: {}", e.c.id, s.err().message);
  spdlog::info("credential {}: access token refreshed", e.c.id);

  if (e.c.email.empty() && !oauth_.userinfo_url.empty()) {  // best effort: the account's email for listings
    if (auto u = upstream::parse_url(oauth_.userinfo_url)) {
      upstream::request req;
      req.method = upstream::http::verb::get;
      req.target = u->path;
      req.content_type.clear();
      req.headers.emplace_back("authorization", "Bearer " + t->access_token);
      req.headers.emplace_back("user-agent", "google-api-nodejs-client/10.9.0");
      auto r = co_await cl->send(*u, std::move(req));
      if (r && r->status == 200) {
        boost::system::error_code ec;
        auto v = json::parse(r->body, ec);
        if (!ec && v.is_object()) {
          std::string email = jstr(v.get_object(), "email");
          if (!email.empty()) {
            {
              std::lock_guard lock(mu_);
              e.c.email = email;
            }
            (void)store_.update_setup(e.c.id, e.c.project_id, e.c.tier_id, e.c.tier_name, email);
          }
        }
      }
    }
  }
  co_return result<void>{};
}

net::awaitable<result<void>> manager::do_setup(entry& e) {
  auto* cl = upstream::client::current();
  std::string configured = e.c.configured_project;
  std::string token = e.c.access_token;
  auto fail_transient = [&](error err) -> result<void> {
    std::lock_guard lock(mu_);
    e.c.last_error = err.message;
    return err;
  };

  auto resp = co_await ca_.call(*cl, "loadCodeAssist", load_code_assist_body(configured), token);
  if (!resp) co_return fail_transient(std::move(resp).err());
  load_decision d;
  if (resp->status != 200) {
    auto ge = upstream::classify_google_error(static_cast<int>(resp->status), resp->body, epoch_ms(now_ms()));
    if (ge.reason == "SECURITY_POLICY_VIOLATED") {  // VPC-SC: gemini-cli assumes standard-tier and carries on
      d.act = load_decision::action::use_project;
      d.tier_id = "standard-tier";
      d.project_id = configured;
      if (configured.empty()) d = decide_after_load(json::object{{"currentTier", json::object{}}}, configured);
    } else if (ge.kind == error_kind::validation_required) {
      set_state(e, state::validation_required, ge.message, ge.help_url);
      co_return ge;
    } else if (ge.kind == error_kind::permission_denied) {
      set_state(e, state::error, ge.message, ge.help_url);
      co_return ge;
    } else {
      co_return fail_transient(std::move(ge));
    }
  } else {
    boost::system::error_code ec;
    auto v = json::parse(resp->body, ec);
    if (ec || !v.is_object())
      co_return fail_transient(make_error(error_kind::upstream_protocol, error_source::upstream,
                                          "loadCodeAssist answered something that is not a JSON object"));
    d = decide_after_load(v.get_object(), configured);
  }

  if (d.act == load_decision::action::onboard) {
    spdlog::info("credential {}: onboarding to {}", e.c.id, d.tier_id);
    std::string body = onboard_user_body(d, configured);
    auto op = co_await ca_.call(*cl, "onboardUser", body, token);
    for (int polls = 0;; ++polls) {
      if (!op) co_return fail_transient(std::move(op).err());
      if (op->status != 200) {
        auto ge = upstream::classify_google_error(static_cast<int>(op->status), op->body, epoch_ms(now_ms()));
        if (ge.kind == error_kind::validation_required) set_state(e, state::validation_required, ge.message, ge.help_url);
        else if (ge.kind == error_kind::permission_denied || ge.kind == error_kind::bad_request)
          set_state(e, state::error, "onboarding failed: " + ge.message, ge.help_url);
        co_return ge;
      }
      auto st = parse_operation(op->body);
      if (!st) co_return fail_transient(std::move(st).err());
      if (!st->error.empty()) {
        set_state(e, state::error, "onboarding failed: " + st->error, "");
        co_return make_error(error_kind::no_credentials, error_source::upstream, "onboarding failed: " + st->error);
      }
      if (st->done) {
        d.project_id = !st->project_id.empty() ? st->project_id : configured;
        break;
      }
      if (polls >= settings_.onboard_max_polls)
        co_return fail_transient(make_error(error_kind::upstream_timeout, error_source::upstream,
                                            "onboarding did not complete in time"));
      net::steady_timer wait(control_, settings_.onboard_poll);
      boost::system::error_code ec;
      co_await wait.async_wait(net::redirect_error(net::use_awaitable, ec));
      if (!st->name.empty())
        op = co_await ca_.get_operation(*cl, st->name, token);
      else
        op = co_await ca_.call(*cl, "onboardUser", body, token);
    }
    if (d.project_id.empty()) {
      set_state(e, state::needs_project, "This account requires a Google Cloud project: import it with --project ID", "");
      co_return make_error(error_kind::no_credentials, error_source::upstream, "credential needs a project");
    }
    d.act = load_decision::action::use_project;
  }

  if (d.act == load_decision::action::fail) {
    set_state(e, d.fail_state, d.reason, d.url);
    co_return make_error(error_kind::no_credentials, error_source::upstream, "credential is " +
                                                                                 std::string(to_string(d.fail_state)));
  }
  bool recovered = false;
  std::string email;
  {
    std::lock_guard lock(mu_);
    e.c.project_id = d.project_id;
    e.c.tier_id = d.tier_id;
    e.c.tier_name = d.tier_name;
    if (e.c.st == state::error) {
      e.c.st = state::active;
      e.c.state_reason.clear();
      e.c.state_url.clear();
      recovered = true;
    }
    email = e.c.email;
  }
  if (auto s = store_.update_setup(e.c.id, d.project_id, d.tier_id, d.tier_name, email); !s)
    spdlog::error("credential {}: could not persist its project: {}", e.c.id, s.err().message);
  if (recovered) (void)store_.update_state(e.c.id, state::active, "", "");
  spdlog::info("credential {}: project {} ({})", e.c.id, d.project_id, d.tier_id);
  co_return result<void>{};
}

}  // namespace gw::credentials
