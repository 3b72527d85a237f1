// Errors in the OpenAI shape: statuses, types, codes, param, Retry-After, and the in-stream event (§2.5, §8, §9 B32).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "translate/openai/chat.hpp"
#include "upstream/proto/google_error.hpp"

namespace gw::translate::openai {
namespace {
namespace json = boost::json;

json::object body_of(const rendered_error& r) { return json::parse(r.body).as_object().at("error").as_object(); }

std::string header(const rendered_error& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

// §9 B32
TEST(OpenaiRenderError, UpstreamRateLimitIs429WithRetryAfter) {
  const gw::error e =
      upstream::classify_google_error(429, R"({"error":{"code":429,"message":"Resource has been exhausted",
    "status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"30s"}]}})",
                                      0);
  const rendered_error r = render_error(e);
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(header(r, "Retry-After"), "30");
  const auto b = body_of(r);
  EXPECT_EQ(b.at("type"), "rate_limit_error");
  EXPECT_EQ(b.at("code"), "rate_limit_exceeded");
  EXPECT_TRUE(b.at("param").is_null());
  EXPECT_EQ(b.at("message"), "Resource has been exhausted");
}

TEST(OpenaiRenderError, RetryAfterIsRoundedUpToWholeSeconds) {
  gw::error e = make_error(error_kind::rate_limited, error_source::upstream, "slow down");
  e.retry_after = std::chrono::milliseconds(1500);
  EXPECT_EQ(header(render_error(e), "Retry-After"), "2");
  e.retry_after = std::chrono::milliseconds(0);
  EXPECT_EQ(header(render_error(e), "Retry-After"), "1");
  e.retry_after.reset();
  EXPECT_TRUE(render_error(e).headers.empty());
}

TEST(OpenaiRenderError, StatusTypeAndCodeByKind) {
  struct row {
    error_kind kind;
    error_source source;
    int upstream_status;
    unsigned status;
    const char* type;
    const char* code;  // nullptr: null
  };
  const row rows[] = {
      {error_kind::bad_request, error_source::client, 0, 400, "invalid_request_error", nullptr},
      {error_kind::bad_request, error_source::upstream, 400, 400, "invalid_request_error", nullptr},
      {error_kind::unauthenticated, error_source::client, 0, 401, "authentication_error", "invalid_api_key"},
      {error_kind::unauthenticated, error_source::upstream, 401, 502, "server_error", nullptr},
      {error_kind::credential_invalid, error_source::upstream, 401, 502, "server_error", nullptr},
      {error_kind::permission_denied, error_source::upstream, 403, 403, "permission_error", nullptr},
      {error_kind::not_found, error_source::upstream, 404, 404, "invalid_request_error", "model_not_found"},
      {error_kind::not_found, error_source::client, 0, 404, "invalid_request_error", nullptr},
      {error_kind::payload_too_large, error_source::client, 0, 413, "invalid_request_error", "request_too_large"},
      {error_kind::quota_exhausted, error_source::upstream, 429, 429, "rate_limit_error", "insufficient_quota"},
      {error_kind::capacity_exhausted, error_source::upstream, 503, 503, "server_error", nullptr},
      {error_kind::upstream_unavailable, error_source::upstream, 500, 500, "server_error", nullptr},
      {error_kind::upstream_timeout, error_source::upstream, 504, 504, "server_error", nullptr},
      {error_kind::internal, error_source::internal, 0, 500, "server_error", nullptr},
  };
  for (const auto& r : rows) {
    gw::error e = make_error(r.kind, r.source, "m");
    e.upstream_status = r.upstream_status;
    const rendered_error out = render_error(e);
    EXPECT_EQ(out.status, r.status) << to_string(r.kind);
    const auto b = body_of(out);
    EXPECT_EQ(b.at("type"), r.type) << to_string(r.kind);
    if (r.code) {
      EXPECT_EQ(b.at("code"), r.code) << to_string(r.kind);
    } else {
      EXPECT_TRUE(b.at("code").is_null()) << to_string(r.kind);
    }
    EXPECT_EQ(b.at("message"), "m");
  }
}

TEST(OpenaiRenderError, ServiceUnavailableCarriesRetryAfter) {
  gw::error e = make_error(error_kind::capacity_exhausted, error_source::upstream, "busy");
  e.upstream_status = 503;
  e.retry_after = std::chrono::seconds(4);
  EXPECT_EQ(header(render_error(e), "Retry-After"), "4");
}

TEST(OpenaiRenderError, ClientErrorsNameTheParam) {
  auto r =
      to_gemini(json::parse(R"({"model":"m","messages":[]})"), models::catalog::defaults(), request_env{0, "x", false});
  ASSERT_FALSE(r);
  const rendered_error out = render_error(r.err());
  EXPECT_EQ(out.status, 400u);
  EXPECT_EQ(body_of(out).at("param"), "messages");
  EXPECT_EQ(body_of(out).at("type"), "invalid_request_error");
}

TEST(OpenaiRenderError, EmptyMessageGetsADefault) {
  const auto b = body_of(render_error(make_error(error_kind::internal, error_source::internal, "")));
  EXPECT_FALSE(b.at("message").as_string().empty());
}

TEST(OpenaiRenderError, ErrorBodyIsTheInStreamErrorObject) {
  const gw::error e = make_error(error_kind::upstream_unavailable, error_source::upstream, "gone");
  EXPECT_EQ(json::parse(error_body(e)),
            json::parse(R"({"error":{"message":"gone","type":"server_error","param":null,"code":null}})"));
}

}  // namespace
}  // namespace gw::translate::openai
