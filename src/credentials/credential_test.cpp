// Tests of credential state names and of the credential-file parser.
#include "credentials/credential.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gw::credentials {
namespace {

// Fake secrets, distinctive so a test can assert they never leak into a message.
constexpr std::string_view kRefresh = "1//0gFAKEREFRESHxyz";
constexpr std::string_view kAccess = "ya29.FAKEACCESSabc";

void expect_no_secret(const error& e) {
  for (std::string_view s : {kRefresh, kAccess, std::string_view("FAKE")}) {
    EXPECT_EQ(e.message.find(s), std::string::npos) << e.message;
    EXPECT_EQ(e.detail.find(s), std::string::npos) << e.detail;
  }
}

TEST(CredentialState, EveryStateRoundTripsThroughItsName) {
  for (auto st : {state::active, state::needs_login, state::ineligible, state::validation_required,
                  state::needs_project, state::disabled, state::error}) {
    auto back = state_from_string(to_string(st));
    ASSERT_TRUE(back.has_value()) << to_string(st);
    EXPECT_EQ(*back, st);
  }
  EXPECT_EQ(to_string(state::needs_login), "needs_login");
}

TEST(CredentialState, UnknownNameIsNullopt) {
  EXPECT_FALSE(state_from_string("ACTIVE").has_value());
  EXPECT_FALSE(state_from_string("").has_value());
}

TEST(ParseOauthCreds, GeminiCliFileWithFractionalExpiry) {
  std::string text = R"({
  "access_token": "ya29.FAKEACCESSabc",
  "refresh_token": "1//0gFAKEREFRESHxyz",
  "scope": "openid https://www.googleapis.com/auth/cloud-platform",
  "token_type": "Bearer",
  "id_token": "eyJhbGciOiJub25lIn0.eyJlbWFpbCI6InVzZXJAZXhhbXBsZS5jb20iLCJzdWIiOiIxMjMifQ.sig",
  "expiry_date": 1769159945362.7791
})";
  auto r = parse_oauth_creds_json(text);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->access_token, kAccess);
  EXPECT_EQ(r->refresh_token, kRefresh);
  EXPECT_EQ(r->scope, "openid https://www.googleapis.com/auth/cloud-platform");
  EXPECT_EQ(r->token_type, "Bearer");
  EXPECT_EQ(r->expiry_ms, 1769159945362);
  EXPECT_EQ(r->email, "user@example.com");  // from the id_token payload
  EXPECT_EQ(r->st, state::active);
  EXPECT_TRUE(r->configured_project.empty());
}

TEST(ParseOauthCreds, IntegerExpiry) {
  auto r = parse_oauth_creds_json(R"({"refresh_token":"1//0gFAKEREFRESHxyz","expiry_date":1769159945362})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->expiry_ms, 1769159945362);
}

TEST(ParseOauthCreds, StringExpiry) {
  auto r = parse_oauth_creds_json(R"({"refresh_token":"1//0gFAKEREFRESHxyz","expiry_date":"1769159945362.5"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->expiry_ms, 1769159945362);
}

TEST(ParseOauthCreds, NullExpiryMeansUnknown) {
  auto r = parse_oauth_creds_json(R"({"refresh_token":"1//0gFAKEREFRESHxyz","expiry_date":null})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->expiry_ms, 0);
}

TEST(ParseOauthCreds, OnlyRefreshTokenIsEnough) {
  auto r = parse_oauth_creds_json(R"({"refresh_token": "1//0gFAKEREFRESHxyz"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->refresh_token, kRefresh);
  EXPECT_TRUE(r->access_token.empty());
  EXPECT_EQ(r->expiry_ms, 0);
  EXPECT_EQ(r->token_type, "Bearer");
  EXPECT_TRUE(needs_refresh(*r, 0));
}

TEST(ParseOauthCreds, CliProxyApiShapeWithRfc3339Expiry) {
  auto r = parse_oauth_creds_json(R"({
    "token": {"access_token": "ya29.FAKEACCESSabc", "refresh_token": "1//0gFAKEREFRESHxyz",
              "token_type": "Bearer", "expiry": "2026-01-23T09:19:05.362779+01:00"},
    "project_id": "my-project-123", "email": "someone@example.com", "auto": false, "checked": true,
    "type": "gemini"})");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->refresh_token, kRefresh);
  EXPECT_EQ(r->access_token, kAccess);
  EXPECT_EQ(r->configured_project, "my-project-123");
  EXPECT_EQ(r->email, "someone@example.com");
  // 2026-01-23T08:19:05.362Z
  EXPECT_EQ(r->expiry_ms, 1769156345362);
}

TEST(ParseOauthCreds, Rfc3339UtcAndGoZeroTime) {
  auto r = parse_oauth_creds_json(R"({"token":{"refresh_token":"1//x","expiry":"1970-01-01T00:00:01Z"}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->expiry_ms, 1000);
  auto z = parse_oauth_creds_json(R"({"token":{"refresh_token":"1//x","expiry":"0001-01-01T00:00:00Z"}})");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->expiry_ms, 0);
}

TEST(ParseOauthCreds, CliProxyApiTokenMayCarryExpiryDate) {
  auto r = parse_oauth_creds_json(R"({"token":{"refresh_token":"1//x","expiry_date":1769159945362.9}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->expiry_ms, 1769159945362);
}

TEST(ParseOauthCreds, KeychainCamelCaseFields) {
  auto r = parse_oauth_creds_json(
      R"({"accessToken":"ya29.FAKEACCESSabc","refreshToken":"1//0gFAKEREFRESHxyz","tokenType":"Bearer","expiresAt":1769159945362})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->refresh_token, kRefresh);
  EXPECT_EQ(r->access_token, kAccess);
  EXPECT_EQ(r->expiry_ms, 1769159945362);
}

TEST(ParseOauthCreds, PlainRefreshTokenLine) {
  auto r = parse_oauth_creds_json("1//0gFAKEREFRESHxyz\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->refresh_token, kRefresh);
  EXPECT_TRUE(r->access_token.empty());
}

TEST(ParseOauthCreds, PlainTextThatIsNotARefreshTokenIsRejectedWithoutEchoingIt) {
  auto r = parse_oauth_creds_json("ya29.FAKEACCESSabc");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  expect_no_secret(r.err());
  auto two = parse_oauth_creds_json("1//0gFAKEREFRESHxyz\n1//0gFAKEREFRESHxyz");
  ASSERT_FALSE(two);
  expect_no_secret(two.err());
}

TEST(ParseOauthCreds, MissingRefreshTokenIsBadRequestWithoutSecrets) {
  auto r = parse_oauth_creds_json(R"({"access_token":"ya29.FAKEACCESSabc","expiry_date":1})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  EXPECT_EQ(r.err().message, "no refresh_token in credentials file");
  expect_no_secret(r.err());
}

TEST(ParseOauthCreds, EmptyRefreshTokenCountsAsMissing) {
  auto r = parse_oauth_creds_json(R"({"refresh_token":""})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().message, "no refresh_token in credentials file");
}

TEST(ParseOauthCreds, WrongTypesNameTheFieldNotTheValue) {
  auto r = parse_oauth_creds_json(R"({"refresh_token":"1//0gFAKEREFRESHxyz","access_token":42})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("access_token"), std::string::npos);
  expect_no_secret(r.err());
  auto e = parse_oauth_creds_json(R"({"refresh_token":"1//0gFAKEREFRESHxyz","expiry_date":"soon FAKE"})");
  ASSERT_FALSE(e);
  EXPECT_NE(e.err().message.find("expiry_date"), std::string::npos);
  expect_no_secret(e.err());
  auto t = parse_oauth_creds_json(R"({"refresh_token":["1//0gFAKEREFRESHxyz"]})");
  ASSERT_FALSE(t);
  expect_no_secret(t.err());
}

TEST(ParseOauthCreds, BrokenJsonIsBadRequestWithoutSecrets) {
  auto r = parse_oauth_creds_json(R"({"refresh_token":"1//0gFAKEREFRESHxyz", )");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  expect_no_secret(r.err());
}

TEST(ParseOauthCreds, EmptyAndNonObjectInputsAreRejected) {
  EXPECT_FALSE(parse_oauth_creds_json(""));
  EXPECT_FALSE(parse_oauth_creds_json("  \n"));
  EXPECT_FALSE(parse_oauth_creds_json("[]"));
  EXPECT_FALSE(parse_oauth_creds_json("{}"));
}

TEST(ParseOauthCreds, Utf8BomIsIgnored) {
  auto r = parse_oauth_creds_json("\xEF\xBB\xBF{\"refresh_token\":\"1//x\"}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->refresh_token, "1//x");
}

}  // namespace
}  // namespace gw::credentials
