// Tests for Anthropic error rendering: status and type per error kind, Retry-After, the in-stream twin.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "translate/anthropic/messages.hpp"

namespace gw::translate::anthropic {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

gw::error upstream(error_kind k, int status, std::string message = "m") {
  gw::error e = make_error(k, error_source::upstream, std::move(message));
  e.upstream_status = status;
  return e;
}

std::string type_of(const rendered_error& r) { return std::string(json::parse(r.body).at("error").at("type").as_string()); }

TEST(AnthropicRenderError, StatusAndTypePerKind) {
  struct row { gw::error e; unsigned status; const char* type; };
  const row rows[] = {
      {client_error(error_kind::bad_request, "bad"), 400, "invalid_request_error"},
      {upstream(error_kind::bad_request, 400), 400, "invalid_request_error"},
      {client_error(error_kind::unauthenticated, "key"), 401, "authentication_error"},
      {client_error(error_kind::permission_denied, "no"), 403, "permission_error"},
      {upstream(error_kind::validation_required, 403), 403, "permission_error"},
      {client_error(error_kind::not_found, "model"), 404, "not_found_error"},
      {client_error(error_kind::payload_too_large, "big"), 413, "request_too_large"},
      {upstream(error_kind::rate_limited, 429), 429, "rate_limit_error"},
      {upstream(error_kind::quota_exhausted, 429), 429, "rate_limit_error"},
      {upstream(error_kind::capacity_exhausted, 429), 529, "overloaded_error"},
      {upstream(error_kind::capacity_exhausted, 503), 529, "overloaded_error"},
      {upstream(error_kind::upstream_unavailable, 503), 529, "overloaded_error"},
      {upstream(error_kind::upstream_unavailable, 500), 500, "api_error"},
      {upstream(error_kind::upstream_unavailable, 0), 502, "api_error"},
      {upstream(error_kind::upstream_timeout, 504), 504, "api_error"},
      {upstream(error_kind::upstream_protocol, 200), 502, "api_error"},
      {upstream(error_kind::credential_invalid, 401), 500, "api_error"},
      {make_error(error_kind::no_credentials, error_source::internal, "none"), 529, "overloaded_error"},
      {internal_error("bug"), 500, "api_error"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(std::string(to_string(r.e.kind)) + " " + std::to_string(r.e.upstream_status));
    const rendered_error out = render_error(r.e);
    EXPECT_EQ(out.status, r.status);
    EXPECT_EQ(type_of(out), r.type);
    EXPECT_EQ(error_type(r.e), r.type);
    const json::value body = json::parse(out.body);
    EXPECT_EQ(body.at("type"), "error");
    EXPECT_EQ(body.at("error").at("message"), json::value(r.e.message));
  }
}

TEST(AnthropicRenderError, RetryAfterInWholeSecondsRoundedUpOn429And529) {
  gw::error e = upstream(error_kind::rate_limited, 429);
  e.retry_after = 1500ms;
  auto r = render_error(e);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "retry-after");
  EXPECT_EQ(r.headers[0].second, "2");
  gw::error c = upstream(error_kind::capacity_exhausted, 429);
  c.retry_after = 53000ms;
  r = render_error(c);
  EXPECT_EQ(r.status, 529u);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "53");
  gw::error n = make_error(error_kind::no_credentials, error_source::internal, "all cooling");
  n.retry_after = 10s;
  r = render_error(n);
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.headers.at(0).second, "10");
  EXPECT_TRUE(render_error(upstream(error_kind::rate_limited, 429)).headers.empty());
  gw::error b = client_error(error_kind::bad_request, "x");
  b.retry_after = 5s;
  EXPECT_TRUE(render_error(b).headers.empty());
}

TEST(AnthropicRenderError, EmptyMessageGetsADefaultAndHelpUrlIsAppended) {
  gw::error e = upstream(error_kind::capacity_exhausted, 503, "");
  EXPECT_EQ(json::parse(render_error(e).body).at("error").at("message"), "Overloaded");
  gw::error v = upstream(error_kind::validation_required, 403, "Verify your account");
  v.help_url = "https://accounts.google.com/signin/continue?x=1";
  EXPECT_EQ(json::parse(render_error(v).body).at("error").at("message"),
            "Verify your account (https://accounts.google.com/signin/continue?x=1)");
}

TEST(AnthropicRenderError, InStreamErrorEventCarriesTheSameBody) {
  gw::error e = upstream(error_kind::capacity_exhausted, 429, "No capacity available for model gemini-2.5-pro");
  stream_from_gemini s(response_context{});
  std::string out;
  s.on_error(e, out);
  EXPECT_EQ(out, "event: error\ndata: " + render_error(e).body + "\n\n");
  EXPECT_EQ(json::parse(render_error(e).body).at("error").at("type"), "overloaded_error");
}

}  // namespace
}  // namespace gw::translate::anthropic
