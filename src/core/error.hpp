// The gateway's one error type: what went wrong, who caused it, what the client may see.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gw {

// What kind of failure; each dialect maps a kind to its own HTTP status and error shape.
enum class error_kind {
  bad_request,          // the client's request is invalid (400)
  unauthenticated,      // missing or unknown client key (401)
  permission_denied,    // revoked key, forbidden model/dialect (403)
  not_found,            // unknown route or model (404)
  payload_too_large,    // request body over the limit (413)
  rate_limited,         // short-lived quota; retry after retry_after (429)
  quota_exhausted,      // daily quota of a credential (429)
  capacity_exhausted,   // upstream server capacity, not the account's quota (429/503)
  no_credentials,       // no credential able to serve the request (503, or 429 when all cool)
  credential_invalid,   // OAuth refresh failed: invalid_grant, revoked (upstream 401)
  validation_required,  // the account must be verified by a human (403 with a URL)
  upstream_unavailable, // 5xx or connection failure talking to Google
  upstream_timeout,     // Google did not answer in time
  upstream_protocol,    // Google answered something we cannot read
  cancelled,            // the client went away
  internal,             // a bug or an unexpected state of the gateway
};

enum class error_source { client, upstream, internal };

struct error {
  error_kind kind = error_kind::internal;
  error_source source = error_source::internal;
  std::string message;  // public: safe to show the client (never secrets)
  std::string detail;   // for logs only (still never secrets)
  int upstream_status = 0;             // HTTP status Google answered, 0 if none
  std::string google_status;           // Google's canonical status, e.g. "RESOURCE_EXHAUSTED"
  std::string reason;                  // ErrorInfo.reason, e.g. "RATE_LIMIT_EXCEEDED"
  std::optional<std::chrono::milliseconds> retry_after;
  bool credential_scoped = false;      // another credential could succeed: retry there
  std::string help_url;                // validation link or activation URL, when Google gave one

  // The HTTP status the gateway answers with for this error (dialect-neutral default).
  int http_status() const noexcept;
  // Google's canonical status string for this error ("INVALID_ARGUMENT", ...).
  std::string_view canonical_status() const noexcept;
};

error make_error(error_kind kind, error_source source, std::string message, std::string detail = {});
inline error client_error(error_kind kind, std::string message) {
  return make_error(kind, error_source::client, std::move(message));
}
inline error internal_error(std::string message, std::string detail = {}) {
  return make_error(error_kind::internal, error_source::internal, std::move(message), std::move(detail));
}

std::string_view to_string(error_kind kind) noexcept;

}  // namespace gw
