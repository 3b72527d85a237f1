// Client authentication: finds the API key in any of the places clients put it and checks it against
// an in-memory copy of the store's keys (hashes only), reloaded when the store's keys change.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "store/store.hpp"

namespace gw::server {

struct client_key {
  std::int64_t id = 0;
  std::string name;
  bool revoked = false;
};

// The key a request carries: Authorization: Bearer, x-goog-api-key, x-api-key or ?key= (first found).
std::optional<std::string> extract_key(const boost::beast::http::request<boost::beast::http::string_body>& req,
                                       const std::optional<std::string>& key_param);

enum class auth_status { ok, missing, unknown, revoked };

class key_cache {
 public:
  explicit key_cache(store::store& st, std::chrono::milliseconds recheck = std::chrono::milliseconds(1000));
  // Checks a key; reloads from the store at most once per `recheck` when keys changed.
  auth_status check(std::string_view key, client_key* out);
  result<void> reload();

 private:
  void maybe_reload();
  store::store& store_;
  std::chrono::milliseconds recheck_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, client_key> by_hash_;
  std::int64_t version_ = -1;
  std::mutex reload_mu_;
  std::chrono::steady_clock::time_point last_check_{};
};

}  // namespace gw::server
