// Anthropic error shape and status for gateway errors (translation.md §3.4, §8).
#include <string>

#include <boost/json.hpp>

#include "translate/anthropic/messages.hpp"

namespace gw::translate::anthropic {
namespace json = boost::json;

namespace {

// Anthropic's own status for upstream capacity trouble; its SDKs retry it like a 5xx.
constexpr unsigned overloaded_status = 529;

unsigned status_for(const gw::error& e) {
  switch (e.kind) {
    case error_kind::capacity_exhausted:
      return overloaded_status;
    case error_kind::no_credentials:
      return e.retry_after ? 429 : overloaded_status;
    case error_kind::upstream_unavailable:
      return e.upstream_status == 503 || e.upstream_status == 529 ? overloaded_status
                                                                  : static_cast<unsigned>(e.http_status());
    case error_kind::credential_invalid:
      // The gateway's own Google account failed, not the client's key: a server-side error for the client.
      return 500;
    default:
      return static_cast<unsigned>(e.http_status());
  }
}

std::string_view type_for_status(unsigned status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case overloaded_status: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string default_message(std::string_view type) {
  if (type == "overloaded_error") return "Overloaded";
  if (type == "rate_limit_error") return "Rate limited";
  if (type == "api_error") return "Internal server error";
  return "Request failed";
}

}  // namespace

std::string_view error_type(const gw::error& e) { return type_for_status(status_for(e)); }

rendered_error render_error(const gw::error& e) {
  rendered_error r;
  r.status = status_for(e);
  const std::string_view type = type_for_status(r.status);
  std::string message = e.message.empty() ? default_message(type) : e.message;
  if (!e.help_url.empty() && message.find(e.help_url) == std::string::npos) message += " (" + e.help_url + ")";
  r.body = json::serialize(
      json::object{{"type", "error"}, {"error", json::object{{"type", type}, {"message", std::move(message)}}}});
  if ((r.status == 429 || r.status == overloaded_status) && e.retry_after) {
    const auto ms = e.retry_after->count();
    const long long seconds = ms <= 0 ? 0 : (ms + 999) / 1000;
    r.headers.emplace_back("retry-after", std::to_string(seconds));
  }
  return r;
}

}  // namespace gw::translate::anthropic
