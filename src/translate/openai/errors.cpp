// gw::error -> OpenAI's error body and status (translation.md §2.5, §8), before and after the stream started.
#include <boost/json.hpp>
#include <string>

#include "translate/openai/chat.hpp"

namespace gw::translate::openai {
namespace json = boost::json;

namespace {

unsigned status_of(const gw::error& e) {
  // The upstream rejecting the gateway's own OAuth token is not the client's authentication failing.
  if (e.source == error_source::upstream && e.kind == error_kind::unauthenticated) return 502;
  const int s = e.http_status();
  return s >= 400 && s <= 599 ? static_cast<unsigned>(s) : 500;
}

const char* type_of(unsigned status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 429:
      return "rate_limit_error";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

json::value code_of(const gw::error& e, unsigned status) {
  if (status == 401) return "invalid_api_key";
  if (e.kind == error_kind::not_found && e.source == error_source::upstream) return "model_not_found";
  if (e.kind == error_kind::quota_exhausted) return "insufficient_quota";
  if (status == 429) return "rate_limit_exceeded";
  if (e.kind == error_kind::payload_too_large) return "request_too_large";
  return nullptr;
}

std::string default_message(unsigned status) {
  switch (status) {
    case 400:
      return "invalid request";
    case 401:
      return "invalid API key";
    case 403:
      return "permission denied";
    case 404:
      return "not found";
    case 429:
      return "rate limit reached; retry later";
    default:
      return status >= 500 ? "the server had an error while processing the request" : "request failed";
  }
}

json::object error_object(const gw::error& e) {
  const unsigned status = status_of(e);
  json::value param = nullptr;
  if (e.source == error_source::client && !e.reason.empty()) param = e.reason;
  // help_url (an account's validation link) is for the operator, not for API clients.
  std::string message = e.message.empty() ? default_message(status) : e.message;
  return json::object{{"error", json::object{{"message", message},
                                             {"type", type_of(status)},
                                             {"param", std::move(param)},
                                             {"code", code_of(e, status)}}}};
}

}  // namespace

std::string error_body(const gw::error& e) { return json::serialize(error_object(e)); }

rendered_error render_error(const gw::error& e) {
  rendered_error r{status_of(e), error_body(e), {}};
  if ((r.status == 429 || r.status == 503) && e.retry_after) {
    const auto ms = e.retry_after->count();
    const long long secs = ms <= 0 ? 1 : (ms + 999) / 1000;
    r.headers.emplace_back("Retry-After", std::to_string(secs));
  }
  return r;
}

}  // namespace gw::translate::openai
