// Client authentication; see auth.hpp. Lookup is by SHA-256 of the presented key, then a constant-time
// comparison of the stored hash, so the time taken does not depend on how much of a key matched.
#include "server/auth.hpp"

#include <spdlog/spdlog.h>

namespace gw::server {

namespace http = boost::beast::http;

std::optional<std::string> extract_key(const http::request<http::string_body>& req,
                                       const std::optional<std::string>& key_param) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  if (auto it = req.find(http::field::authorization); it != req.end()) {
    std::string_view v = trim(it->value());
    if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer ")) return std::string(trim(v.substr(7)));
  }
  for (const char* name : {"x-goog-api-key", "x-api-key"}) {
    if (auto it = req.find(name); it != req.end() && !trim(it->value()).empty()) return std::string(trim(it->value()));
  }
  if (key_param && !key_param->empty()) return key_param;
  return std::nullopt;
}

key_cache::key_cache(store::store& st, std::chrono::milliseconds recheck) : store_(st), recheck_(recheck) {}

result<void> key_cache::reload() {
  auto v = store_.keys_version();
  if (!v) return std::move(v).err();
  auto keys = store_.list_keys();
  if (!keys) return std::move(keys).err();
  std::unordered_map<std::string, client_key> next;
  for (auto& k : keys.value()) next.emplace(k.hash, client_key{k.id, k.name, k.revoked});
  std::unique_lock lock(mu_);
  by_hash_ = std::move(next);
  version_ = v.value();
  return {};
}

void key_cache::maybe_reload() {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(reload_mu_);
    if (now - last_check_ < recheck_) return;
    last_check_ = now;
  }
  auto v = store_.keys_version();
  if (!v) return;
  {
    std::shared_lock lock(mu_);
    if (v.value() == version_) return;
  }
  if (auto r = reload(); !r) spdlog::error("could not reload client keys: {}", r.err().message);
}

auth_status key_cache::check(std::string_view key, client_key* out) {
  if (key.empty()) return auth_status::missing;
  maybe_reload();
  std::string h = store::hash_key(key);
  std::shared_lock lock(mu_);
  auto it = by_hash_.find(h);
  if (it == by_hash_.end() || !store::constant_time_equal(it->first, h)) return auth_status::unknown;
  if (out) *out = it->second;
  return it->second.revoked ? auth_status::revoked : auth_status::ok;
}

}  // namespace gw::server
