// Tests for classify_google_error and parse_duration against the Google error shapes in the reference.
#include "upstream/proto/google_error.hpp"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gw::upstream {
namespace {
using std::chrono::milliseconds;

std::string testdata(const std::string& name) {
  std::ifstream f(std::string(GW_TESTDATA_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(f.good()) << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The same body as streaming calls deliver it: [{"error":{...}}].
std::string array_wrapped(const std::string& body) { return "[" + body + "]"; }

constexpr std::int64_t no_clock = 0;

void expect_common(const gw::error& e, int status, std::string_view google_status) {
  EXPECT_EQ(e.source, error_source::upstream);
  EXPECT_EQ(e.upstream_status, status);
  EXPECT_EQ(e.google_status, google_status);
}

TEST(ParseDuration, ProtoJsonSecondsRoundUpToMilliseconds) {
  EXPECT_EQ(parse_duration("0.539477544s"), milliseconds(540));
  EXPECT_EQ(parse_duration("21599.960323804s"), milliseconds(21599961));
  EXPECT_EQ(parse_duration("40s"), milliseconds(40000));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
  EXPECT_EQ(parse_duration("0.5s"), milliseconds(500));
  EXPECT_EQ(parse_duration("0.539s"), milliseconds(539));
}

TEST(ParseDuration, GoStyleCompoundDurations) {
  EXPECT_EQ(parse_duration("5h59m59.960323804s"), milliseconds(21599961));
  EXPECT_EQ(parse_duration("539.477544ms"), milliseconds(540));
  EXPECT_EQ(parse_duration("1m30s"), milliseconds(90000));
  EXPECT_EQ(parse_duration("2h"), milliseconds(7200000));
  EXPECT_EQ(parse_duration("250us"), milliseconds(1));
  EXPECT_EQ(parse_duration("1500000ns"), milliseconds(2));
  EXPECT_EQ(parse_duration("\xC2\xB5s"), std::nullopt);
  EXPECT_EQ(parse_duration("1000\xC2\xB5s"), milliseconds(1));
}

TEST(ParseDuration, RejectsMalformedInput) {
  EXPECT_EQ(parse_duration(""), std::nullopt);
  EXPECT_EQ(parse_duration("40"), std::nullopt);
  EXPECT_EQ(parse_duration("-1s"), std::nullopt);
  EXPECT_EQ(parse_duration("s"), std::nullopt);
  EXPECT_EQ(parse_duration("1.5x"), std::nullopt);
  EXPECT_EQ(parse_duration("."), std::nullopt);
  EXPECT_EQ(parse_duration("1s2"), std::nullopt);
}

TEST(ParseRfc3339, ParsesUtcAndOffsets) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("2025-12-03T07:45:40Z"), 1764747940000);
  EXPECT_EQ(parse_rfc3339_ms("2025-12-03T07:45:40.250Z"), 1764747940250);
  EXPECT_EQ(parse_rfc3339_ms("2025-12-03T08:45:40+01:00"), 1764747940000);
  EXPECT_EQ(parse_rfc3339_ms("2026-01-10T01:55:33.450396Z"), 1768010133450);
  EXPECT_EQ(parse_rfc3339_ms("2025-12-03 07:45:40"), std::nullopt);
  EXPECT_EQ(parse_rfc3339_ms("garbage"), std::nullopt);
}

TEST(ClassifyGoogleError, BadRequestIsRequestScopedWithGooglesMessage) {
  auto e = classify_google_error(400, testdata("400_missing_thought_signature.json"), no_clock);
  expect_common(e, 400, "INVALID_ARGUMENT");
  EXPECT_EQ(e.kind, error_kind::bad_request);
  EXPECT_FALSE(e.credential_scoped);
  EXPECT_NE(e.message.find("missing a thought_signature"), std::string::npos);
  EXPECT_EQ(e.http_status(), 400);
}

TEST(ClassifyGoogleError, ArrayWrappedBadRequestWithBadRequestDetail) {
  auto e = classify_google_error(400, testdata("400_unknown_schema_field.json"), no_clock);
  expect_common(e, 400, "INVALID_ARGUMENT");
  EXPECT_EQ(e.kind, error_kind::bad_request);
  EXPECT_NE(e.message.find("Unknown name \"$schema\""), std::string::npos);
}

TEST(ClassifyGoogleError, UnauthenticatedInvalidatesTheCredential) {
  auto e = classify_google_error(401, testdata("401_unauthenticated.json"), no_clock);
  expect_common(e, 401, "UNAUTHENTICATED");
  EXPECT_EQ(e.kind, error_kind::credential_invalid);
  EXPECT_TRUE(e.credential_scoped);
  EXPECT_EQ(e.reason, "ACCESS_TOKEN_EXPIRED");
}

TEST(ClassifyGoogleError, ServiceDisabledIsPermissionDeniedWithActivationUrl) {
  for (auto body : {testdata("403_service_disabled.json"), array_wrapped(testdata("403_service_disabled.json"))}) {
    auto e = classify_google_error(403, body, no_clock);
    expect_common(e, 403, "PERMISSION_DENIED");
    EXPECT_EQ(e.kind, error_kind::permission_denied);
    EXPECT_TRUE(e.credential_scoped);
    EXPECT_EQ(e.reason, "SERVICE_DISABLED");
    EXPECT_EQ(e.help_url,
              "https://console.developers.google.com/apis/api/cloudaicompanion.googleapis.com/overview?project=my-proj-123");
    // The project id stays out of the public message; the log detail keeps Google's text.
    EXPECT_EQ(e.message.find("my-proj-123"), std::string::npos);
    EXPECT_NE(e.detail.find("my-proj-123"), std::string::npos);
  }
}

TEST(ClassifyGoogleError, CloudCodePrivateApiDisabled) {
  auto e = classify_google_error(403, testdata("403_cloud_code_private_disabled.json"), no_clock);
  EXPECT_EQ(e.kind, error_kind::permission_denied);
  EXPECT_EQ(e.reason, "SERVICE_DISABLED");
  EXPECT_NE(e.help_url.find("cloudcode-pa.googleapis.com"), std::string::npos);
}

TEST(ClassifyGoogleError, ConsumerInvalidKeepsReasonAndHelpLink) {
  auto e = classify_google_error(403, testdata("403_consumer_invalid.json"), no_clock);
  EXPECT_EQ(e.kind, error_kind::permission_denied);
  EXPECT_TRUE(e.credential_scoped);
  EXPECT_EQ(e.reason, "CONSUMER_INVALID");
  EXPECT_EQ(e.help_url, "https://console.developers.google.com/project/default/apiui/credential");
}

TEST(ClassifyGoogleError, SubscriptionRequired) {
  auto e = classify_google_error(403, testdata("403_subscription_required.json"), no_clock);
  EXPECT_EQ(e.kind, error_kind::permission_denied);
  EXPECT_EQ(e.reason, "SUBSCRIPTION_REQUIRED");
  EXPECT_EQ(e.help_url, "https://goo.gle/set-up-gemini-code-assist");
}

TEST(ClassifyGoogleError, LegacyForbiddenWithoutDetailsUsesLegacyReason) {
  auto e = classify_google_error(403, testdata("403_named_user_forbidden.json"), no_clock);
  EXPECT_EQ(e.kind, error_kind::permission_denied);
  EXPECT_TRUE(e.credential_scoped);
  EXPECT_EQ(e.reason, "forbidden");
  EXPECT_TRUE(e.help_url.empty());
}

TEST(ClassifyGoogleError, IamPermissionDenied) {
  auto e = classify_google_error(403, testdata("403_iam_permission_denied.json"), no_clock);
  EXPECT_EQ(e.kind, error_kind::permission_denied);
  EXPECT_EQ(e.reason, "IAM_PERMISSION_DENIED");
  EXPECT_EQ(e.message.find("my-proj"), std::string::npos);
}

TEST(ClassifyGoogleError, ValidationRequiredTakesFirstHelpLink) {
  auto e = classify_google_error(403, testdata("403_validation_required.json"), no_clock);
  expect_common(e, 403, "PERMISSION_DENIED");
  EXPECT_EQ(e.kind, error_kind::validation_required);
  EXPECT_TRUE(e.credential_scoped);
  EXPECT_EQ(e.reason, "VALIDATION_REQUIRED");
  EXPECT_EQ(e.help_url, "https://accounts.google.com/signin/continue?help-link");
}

TEST(ClassifyGoogleError, ValidationRequiredFallsBackToMetadataLink) {
  auto body = boost::json::parse(testdata("403_validation_required.json"));
  auto& details = body.at("error").at("details").as_array();
  details.erase(details.begin() + 1);  // drop the Help detail
  auto e = classify_google_error(403, boost::json::serialize(body), no_clock);
  EXPECT_EQ(e.kind, error_kind::validation_required);
  EXPECT_EQ(e.help_url, "https://accounts.google.com/signin/continue?metadata-link");
}

TEST(ClassifyGoogleError, NotFoundIsRequestScoped) {
  auto e = classify_google_error(404, testdata("404_not_found.json"), no_clock);
  expect_common(e, 404, "NOT_FOUND");
  EXPECT_EQ(e.kind, error_kind::not_found);
  EXPECT_FALSE(e.credential_scoped);
  EXPECT_EQ(e.message, "Requested entity was not found.");
}

TEST(ClassifyGoogleError, RateLimitExceededRetriesAfterRetryInfo) {
  for (auto body : {testdata("429_rate_limit_exceeded.json"), array_wrapped(testdata("429_rate_limit_exceeded.json"))}) {
    auto e = classify_google_error(429, body, no_clock);
    expect_common(e, 429, "RESOURCE_EXHAUSTED");
    EXPECT_EQ(e.kind, error_kind::rate_limited);
    EXPECT_TRUE(e.credential_scoped);
    EXPECT_EQ(e.reason, "RATE_LIMIT_EXCEEDED");
    EXPECT_EQ(e.retry_after, milliseconds(540));
  }
}

TEST(ClassifyGoogleError, RateLimitExceededFallsBackToQuotaResetDelay) {
  auto body = boost::json::parse(testdata("429_rate_limit_exceeded.json"));
  body.at("error").at("details").as_array().pop_back();  // drop RetryInfo
  auto e = classify_google_error(429, boost::json::serialize(body), no_clock);
  EXPECT_EQ(e.kind, error_kind::rate_limited);
  EXPECT_EQ(e.retry_after, milliseconds(540));  // "539.477544ms"
}

TEST(ClassifyGoogleError, DailyQuotaExhaustedUsesResetTimestampWhenClockGiven) {
  auto body = testdata("429_quota_exhausted_daily.json");
  auto now = *parse_rfc3339_ms("2025-12-03T06:45:40Z");  // one hour before the reset
  auto e = classify_google_error(429, body, now);
  expect_common(e, 429, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(e.kind, error_kind::quota_exhausted);
  EXPECT_TRUE(e.credential_scoped);
  EXPECT_EQ(e.reason, "QUOTA_EXHAUSTED");
  EXPECT_EQ(e.retry_after, milliseconds(3600 * 1000));
}

TEST(ClassifyGoogleError, DailyQuotaExhaustedUsesRetryInfoWithoutClockOrPastTimestamp) {
  auto body = testdata("429_quota_exhausted_daily.json");
  EXPECT_EQ(classify_google_error(429, body, no_clock).retry_after, milliseconds(21599961));
  auto later = *parse_rfc3339_ms("2025-12-04T00:00:00Z");
  EXPECT_EQ(classify_google_error(429, array_wrapped(body), later).retry_after, milliseconds(21599961));
}

TEST(ClassifyGoogleError, QuotaFailurePerDayIsQuotaExhausted) {
  auto e = classify_google_error(429, testdata("429_quota_failure_per_day.json"), no_clock);
  EXPECT_EQ(e.kind, error_kind::quota_exhausted);
  EXPECT_TRUE(e.credential_scoped);
  EXPECT_EQ(e.retry_after, milliseconds(40000));
  EXPECT_TRUE(e.reason.empty());
}

TEST(ClassifyGoogleError, QuotaFailurePerMinuteIsRateLimitedForAMinute) {
  auto e = classify_google_error(429, testdata("429_quota_failure_per_minute.json"), no_clock);
  EXPECT_EQ(e.kind, error_kind::rate_limited);
  EXPECT_TRUE(e.credential_scoped);
  EXPECT_EQ(e.retry_after, milliseconds(60000));
}

TEST(ClassifyGoogleError, ModelCapacityIsNotTheAccountsFault) {
  auto e = classify_google_error(429, testdata("429_model_capacity_exhausted.json"), no_clock);
  expect_common(e, 429, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(e.kind, error_kind::capacity_exhausted);
  EXPECT_FALSE(e.credential_scoped);
  EXPECT_EQ(e.reason, "MODEL_CAPACITY_EXHAUSTED");
  EXPECT_FALSE(e.retry_after.has_value());
  EXPECT_EQ(e.http_status(), 429);
}

TEST(ClassifyGoogleError, ModelCapacityAs503WithRetryInfo) {
  auto e = classify_google_error(503, testdata("503_model_capacity_exhausted.json"), no_clock);
  expect_common(e, 503, "UNAVAILABLE");
  EXPECT_EQ(e.kind, error_kind::capacity_exhausted);
  EXPECT_FALSE(e.credential_scoped);
  EXPECT_EQ(e.retry_after, milliseconds(40000));
  EXPECT_EQ(e.http_status(), 503);
}

TEST(ClassifyGoogleError, ModelCapacityWithLegacyErrorsStillCapacity) {
  auto e = classify_google_error(429, testdata("429_capacity_with_legacy_errors.json"), no_clock);
  EXPECT_EQ(e.kind, error_kind::capacity_exhausted);
  EXPECT_EQ(e.reason, "MODEL_CAPACITY_EXHAUSTED");
}

TEST(ClassifyGoogleError, ModelCapacityExceededSpellingAlsoCounts) {
  auto body = testdata("429_model_capacity_exhausted.json");
  body.replace(body.find("MODEL_CAPACITY_EXHAUSTED"), 24, "MODEL_CAPACITY_EXCEEDED");
  EXPECT_EQ(classify_google_error(429, body, no_clock).kind, error_kind::capacity_exhausted);
}

TEST(ClassifyGoogleError, VertexStyle429WithoutDetailsIsCredentialScopedRateLimit) {
  for (auto name : {"429_vertex_generic.json", "429_resource_has_been_exhausted.json"}) {
    auto e = classify_google_error(429, testdata(name), no_clock);
    expect_common(e, 429, "RESOURCE_EXHAUSTED");
    EXPECT_EQ(e.kind, error_kind::rate_limited) << name;
    EXPECT_TRUE(e.credential_scoped);
    EXPECT_FALSE(e.retry_after.has_value());
  }
  EXPECT_EQ(classify_google_error(429, testdata("429_vertex_generic.json"), no_clock).reason, "rateLimitExceeded");
}

TEST(ClassifyGoogleError, PleaseRetryInMessageGivesDelayOnlyWithoutDetails) {
  auto e = classify_google_error(429, testdata("429_please_retry_in.json"), no_clock);
  EXPECT_EQ(e.kind, error_kind::rate_limited);
  EXPECT_EQ(e.retry_after, milliseconds(32500));
}

TEST(ClassifyGoogleError, LimitZeroIsQuotaExhausted) {
  auto e = classify_google_error(429, testdata("429_limit_zero.json"), no_clock);
  EXPECT_EQ(e.kind, error_kind::quota_exhausted);
  EXPECT_TRUE(e.credential_scoped);
}

TEST(ClassifyGoogleError, ToleratesDuplicateCommasAndSpacedTypeKey) {
  auto e = classify_google_error(429, testdata("429_stream_quirks.txt"), no_clock);
  expect_common(e, 429, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(e.kind, error_kind::rate_limited);
  EXPECT_EQ(e.reason, "RATE_LIMIT_EXCEEDED");
  EXPECT_EQ(e.retry_after, milliseconds(2250));
}

TEST(ClassifyGoogleError, ToleratesDataPrefix) {
  auto e = classify_google_error(429, "data: " + testdata("429_rate_limit_exceeded.json"), no_clock);
  EXPECT_EQ(e.reason, "RATE_LIMIT_EXCEEDED");
}

TEST(ClassifyGoogleError, RepairDoesNotTouchCommasInsideStrings) {
  auto e = classify_google_error(400, R"({"error":{"code":400,,"message":"a,, b \",,\" c","status":"INVALID_ARGUMENT"}})",
                                 no_clock);
  EXPECT_EQ(e.kind, error_kind::bad_request);
  EXPECT_EQ(e.message, "a,, b \",,\" c");
}

TEST(ClassifyGoogleError, ServerErrorsAreNotCredentialScoped) {
  auto e = classify_google_error(500, testdata("500_internal.json"), no_clock);
  expect_common(e, 500, "INTERNAL");
  EXPECT_EQ(e.kind, error_kind::upstream_unavailable);
  EXPECT_FALSE(e.credential_scoped);
  auto t = classify_google_error(504, testdata("504_deadline.json"), no_clock);
  EXPECT_EQ(t.kind, error_kind::upstream_timeout);
  EXPECT_FALSE(t.credential_scoped);
  EXPECT_EQ(classify_google_error(502, "<html>Bad Gateway</html>", no_clock).kind, error_kind::upstream_unavailable);
  EXPECT_EQ(classify_google_error(503, "", no_clock).kind, error_kind::upstream_unavailable);
}

TEST(ClassifyGoogleError, UnparsableBodyGetsGenericMessageAndKindByStatus) {
  auto e = classify_google_error(429, "Too Many Requests", no_clock);
  EXPECT_EQ(e.kind, error_kind::rate_limited);
  EXPECT_TRUE(e.credential_scoped);
  EXPECT_EQ(e.message, "upstream returned HTTP 429");
  EXPECT_TRUE(e.google_status.empty());
  EXPECT_EQ(e.source, error_source::upstream);
  EXPECT_EQ(classify_google_error(400, "nope", no_clock).message, "upstream returned HTTP 400");
  EXPECT_EQ(classify_google_error(401, "nope", no_clock).kind, error_kind::credential_invalid);
  EXPECT_EQ(classify_google_error(403, "nope", no_clock).kind, error_kind::permission_denied);
  EXPECT_EQ(classify_google_error(404, "nope", no_clock).kind, error_kind::not_found);
}

TEST(ClassifyGoogleError, InStreamErrorTakesStatusFromBody) {
  auto e = classify_google_error(200, testdata("429_rate_limit_exceeded.json"), no_clock);
  EXPECT_EQ(e.upstream_status, 429);
  EXPECT_EQ(e.kind, error_kind::rate_limited);
  auto f = classify_google_error(0, R"({"error":{"message":"x","status":"UNAVAILABLE"}})", no_clock);
  EXPECT_EQ(f.upstream_status, 503);
  EXPECT_EQ(f.kind, error_kind::upstream_unavailable);
}

TEST(ClassifyGoogleError, ParsedValueOverloadMatchesTextOverload) {
  auto text = testdata("429_quota_exhausted_daily.json");
  auto a = classify_google_error(429, text, no_clock);
  auto b = classify_parsed_google_error(429, boost::json::parse(text), no_clock);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.retry_after, b.retry_after);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.message, b.message);
}

}  // namespace
}  // namespace gw::upstream
