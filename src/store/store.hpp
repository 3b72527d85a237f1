// The store interface: client keys, credentials and usage. SQLite by default (sqlite_store.cpp).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "credentials/credential.hpp"

namespace gw::store {

struct api_key {
  std::int64_t id = 0;
  std::string name;
  std::string prefix;        // first characters of the key, shown in listings (not secret enough to use)
  std::string hash;          // hex SHA-256 of the whole key; the key itself is never stored
  bool revoked = false;
  std::int64_t created_ms = 0;
  std::int64_t revoked_ms = 0;
};

struct usage_record {
  std::int64_t key_id = 0;
  std::int64_t credential_id = 0;
  std::string dialect;       // "gemini", "openai", "anthropic"
  std::string model;         // as the client asked
  std::string upstream_model;
  int status = 0;
  std::int64_t input_tokens = 0, output_tokens = 0, thinking_tokens = 0, cached_tokens = 0;
  std::int64_t latency_ms = 0, ttft_ms = 0;
  std::int64_t at_ms = 0;
};

class store {
 public:
  virtual ~store() = default;

  // keys
  virtual result<api_key> insert_key(const api_key& k) = 0;           // returns it with id set
  virtual result<std::vector<api_key>> list_keys() = 0;
  virtual result<bool> revoke_key(std::string_view id_or_name) = 0;   // false: no such key
  virtual result<std::int64_t> keys_version() = 0;  // changes whenever keys change (cache invalidation)

  // credentials; upsert matches an existing row by refresh_token (re-import updates it)
  virtual result<std::int64_t> upsert_credential(const credentials::credential& c) = 0;
  virtual result<std::vector<credentials::credential>> list_credentials() = 0;
  virtual result<std::optional<credentials::credential>> get_credential(std::int64_t id) = 0;
  // After a refresh: the new access token and expiry (refresh token kept unless a new one came).
  virtual result<void> update_tokens(std::int64_t id, std::string_view access_token, std::int64_t expiry_ms,
                                     std::string_view refresh_token_or_empty) = 0;
  virtual result<void> update_setup(std::int64_t id, std::string_view project_id, std::string_view tier_id,
                                    std::string_view tier_name, std::string_view email_or_empty) = 0;
  virtual result<void> update_state(std::int64_t id, credentials::state st, std::string_view reason,
                                    std::string_view url) = 0;
  virtual result<bool> remove_credential(std::int64_t id) = 0;

  // usage (one row per request; batching is the caller's job)
  virtual result<void> insert_usage(const std::vector<usage_record>& rows) = 0;
};

// Opens (creating if needed, mode 0600) the SQLite database at path and applies migrations.
result<std::unique_ptr<store>> open_sqlite(const std::string& path);

// Client keys: a new random key ("gcg-" + 48 hex chars from OpenSSL's RAND_bytes) and its hash.
std::string generate_key();
std::string hash_key(std::string_view key);  // lowercase hex SHA-256; empty if OpenSSL fails (matches nothing)
// Constant-time comparison of two equal-length strings (CRYPTO_memcmp); false when lengths differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace gw::store
