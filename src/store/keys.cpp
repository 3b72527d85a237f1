// Client API keys: generation from OpenSSL's CSPRNG, SHA-256 hashing, constant-time comparison.
#include "store/store.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace gw::store {

namespace {
constexpr char hexdig[] = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += hexdig[p[i] >> 4];
    out += hexdig[p[i] & 15];
  }
  return out;
}
}  // namespace

std::string generate_key() {
  unsigned char buf[24];
  // A failing CSPRNG must never produce a guessable key; this runs at the operator's command, not
  // on the request path, so an exception is the honest outcome.
  if (RAND_bytes(buf, sizeof buf) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed: cannot generate a key");
  std::string key = "gcg-" + to_hex(buf, sizeof buf);
  OPENSSL_cleanse(buf, sizeof buf);
  return key;
}

std::string hash_key(std::string_view key) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // This runs on the request path (client auth), so no exception: an empty hash matches no stored
  // key (insert_key refuses empty hashes), so a failure denies access instead of granting it.
  if (EVP_Digest(key.data(), key.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  return to_hex(md, len);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace gw::store
