// Default HTTP status and Google canonical status for each error kind.
#include "core/error.hpp"

namespace gw {

error make_error(error_kind kind, error_source source, std::string message, std::string detail) {
  error e;
  e.kind = kind;
  e.source = source;
  e.message = std::move(message);
  e.detail = std::move(detail);
  return e;
}

int error::http_status() const noexcept {
  switch (kind) {
    case error_kind::bad_request: return upstream_status >= 400 && upstream_status < 500 ? upstream_status : 400;
    case error_kind::unauthenticated: return 401;
    case error_kind::permission_denied: return 403;
    case error_kind::not_found: return 404;
    case error_kind::payload_too_large: return 413;
    case error_kind::rate_limited:
    case error_kind::quota_exhausted: return 429;
    case error_kind::capacity_exhausted: return upstream_status == 503 ? 503 : 429;
    case error_kind::no_credentials: return retry_after ? 429 : 503;
    case error_kind::credential_invalid: return 502;  // the gateway's Google account failed; the client's key is fine
    case error_kind::validation_required: return 403;
    case error_kind::upstream_unavailable:  // error.code of an in-stream error is not a checked HTTP status
      return upstream_status >= 500 && upstream_status <= 599 ? upstream_status : 502;
    case error_kind::upstream_timeout: return 504;
    case error_kind::upstream_protocol: return 502;
    case error_kind::cancelled: return 499;
    case error_kind::internal: return 500;
  }
  return 500;
}

std::string_view error::canonical_status() const noexcept {
  // Google's own status word only while the HTTP status is Google's too: a 401 of the gateway's Google
  // account is not the client's UNAUTHENTICATED (the client's key was fine).
  if (!google_status.empty() && http_status() == upstream_status) return google_status;
  switch (kind) {
    case error_kind::bad_request: return "INVALID_ARGUMENT";
    case error_kind::unauthenticated: return "UNAUTHENTICATED";
    case error_kind::permission_denied:
    case error_kind::validation_required: return "PERMISSION_DENIED";
    case error_kind::not_found: return "NOT_FOUND";
    case error_kind::payload_too_large: return "INVALID_ARGUMENT";
    case error_kind::rate_limited:
    case error_kind::quota_exhausted:
    case error_kind::capacity_exhausted: return "RESOURCE_EXHAUSTED";
    case error_kind::no_credentials: return retry_after ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE";
    case error_kind::credential_invalid:
    case error_kind::upstream_unavailable: return "UNAVAILABLE";
    case error_kind::upstream_timeout: return "DEADLINE_EXCEEDED";
    case error_kind::upstream_protocol: return "INTERNAL";
    case error_kind::cancelled: return "CANCELLED";
    case error_kind::internal: return "INTERNAL";
  }
  return "INTERNAL";
}

std::string_view to_string(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::bad_request: return "bad_request";
    case error_kind::unauthenticated: return "unauthenticated";
    case error_kind::permission_denied: return "permission_denied";
    case error_kind::not_found: return "not_found";
    case error_kind::payload_too_large: return "payload_too_large";
    case error_kind::rate_limited: return "rate_limited";
    case error_kind::quota_exhausted: return "quota_exhausted";
    case error_kind::capacity_exhausted: return "capacity_exhausted";
    case error_kind::no_credentials: return "no_credentials";
    case error_kind::credential_invalid: return "credential_invalid";
    case error_kind::validation_required: return "validation_required";
    case error_kind::upstream_unavailable: return "upstream_unavailable";
    case error_kind::upstream_timeout: return "upstream_timeout";
    case error_kind::upstream_protocol: return "upstream_protocol";
    case error_kind::cancelled: return "cancelled";
    case error_kind::internal: return "internal";
  }
  return "internal";
}

}  // namespace gw
