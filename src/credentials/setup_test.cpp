// Project discovery decisions against the loadCodeAssist / onboardUser shapes of upstream-code-assist.md §4.
#include "credentials/setup.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gw::credentials {
namespace {
namespace json = boost::json;

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(SetupLoadBody, WithoutProjectSendsOnlyMetadata) {
  EXPECT_EQ(json::parse(load_code_assist_body("")),
            json::parse(R"({"metadata":{"ideType":"IDE_UNSPECIFIED","platform":"PLATFORM_UNSPECIFIED","pluginType":"GEMINI"}})"));
}

TEST(SetupLoadBody, ConfiguredProjectIsSentAsGeminiCliSendsGoogleCloudProject) {
  auto v = json::parse(load_code_assist_body("my-proj")).as_object();
  EXPECT_EQ(v.at("cloudaicompanionProject"), "my-proj");
  EXPECT_EQ(v.at("metadata").at("duetProject"), "my-proj");
}

TEST(SetupDecide, OnboardedAccountUsesTheServersProject) {
  auto d = decide_after_load(obj(R"({"currentTier":{"id":"standard-tier","name":"Standard"},"cloudaicompanionProject":"srv-proj"})"), "");
  EXPECT_EQ(d.act, load_decision::action::use_project);
  EXPECT_EQ(d.project_id, "srv-proj");
  EXPECT_EQ(d.tier_id, "standard-tier");
}

TEST(SetupDecide, PaidTierIdWinsOverCurrentTier) {
  auto d = decide_after_load(obj(R"({"currentTier":{"id":"standard-tier"},"paidTier":{"id":"g1-pro-tier","name":"Pro"},"cloudaicompanionProject":"p"})"), "");
  EXPECT_EQ(d.tier_id, "g1-pro-tier");
}

TEST(SetupDecide, OnboardedWithoutServerProjectFallsBackToConfiguredProject) {
  auto d = decide_after_load(obj(R"({"currentTier":{"id":"standard-tier"}})"), "env-proj");
  EXPECT_EQ(d.act, load_decision::action::use_project);
  EXPECT_EQ(d.project_id, "env-proj");
}

TEST(SetupDecide, OnboardedWithoutAnyProjectNeedsOne) {
  auto d = decide_after_load(obj(R"({"currentTier":{"id":"standard-tier"}})"), "");
  EXPECT_EQ(d.act, load_decision::action::fail);
  EXPECT_EQ(d.fail_state, state::needs_project);
}

TEST(SetupDecide, OnboardedWithoutProjectButIneligibleTiersIsIneligible) {
  auto d = decide_after_load(obj(R"({"currentTier":{"id":"free-tier"},"ineligibleTiers":[{"reasonCode":"UNSUPPORTED_CLIENT","reasonMessage":"no longer supported"}]})"), "");
  EXPECT_EQ(d.fail_state, state::ineligible);
  EXPECT_NE(d.reason.find("no longer supported"), std::string::npos);
}

TEST(SetupDecide, ValidationRequiredKeepsTheUrl) {
  auto d = decide_after_load(obj(R"({"ineligibleTiers":[{"reasonCode":"VALIDATION_REQUIRED","reasonMessage":"Verify your account","validationUrl":"https://accounts.google.com/verify"}]})"), "");
  EXPECT_EQ(d.act, load_decision::action::fail);
  EXPECT_EQ(d.fail_state, state::validation_required);
  EXPECT_EQ(d.url, "https://accounts.google.com/verify");
}

TEST(SetupDecide, UnsupportedClientWithNothingAllowedIsIneligibleWithItsCode) {
  auto d = decide_after_load(obj(R"({"ineligibleTiers":[{"reasonCode":"UNSUPPORTED_CLIENT","tierId":"free-tier","reasonMessage":"This client is no longer supported"}]})"), "");
  EXPECT_EQ(d.fail_state, state::ineligible);
  EXPECT_EQ(d.reason.rfind("UNSUPPORTED_CLIENT", 0), 0u);
}

TEST(SetupDecide, NotOnboardedPicksTheDefaultAllowedTier) {
  auto d = decide_after_load(obj(R"({"allowedTiers":[{"id":"free-tier"},{"id":"standard-tier","isDefault":true}]})"), "p");
  EXPECT_EQ(d.act, load_decision::action::onboard);
  EXPECT_EQ(d.tier_id, "standard-tier");
  EXPECT_FALSE(d.free_tier);
}

TEST(SetupDecide, NotOnboardedWithoutAllowedTiersUsesLegacyTier) {
  auto d = decide_after_load(obj("{}"), "");
  EXPECT_EQ(d.act, load_decision::action::onboard);
  EXPECT_EQ(d.tier_id, "legacy-tier");
}

TEST(SetupOnboardBody, FreeTierNeverSendsAProject) {
  load_decision d;
  d.tier_id = "free-tier";
  d.free_tier = true;
  auto v = json::parse(onboard_user_body(d, "p")).as_object();
  EXPECT_FALSE(v.contains("cloudaicompanionProject"));
  EXPECT_FALSE(v.at("metadata").as_object().contains("duetProject"));
}

TEST(SetupOnboardBody, OtherTiersSendTheConfiguredProject) {
  load_decision d;
  d.tier_id = "standard-tier";
  auto v = json::parse(onboard_user_body(d, "p")).as_object();
  EXPECT_EQ(v.at("tierId"), "standard-tier");
  EXPECT_EQ(v.at("cloudaicompanionProject"), "p");
  EXPECT_EQ(v.at("metadata").at("duetProject"), "p");
}

TEST(SetupOperation, PendingOperationKeepsItsName) {
  auto s = parse_operation(R"({"name":"operations/42","done":false})");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->done);
  EXPECT_EQ(s->name, "operations/42");
}

TEST(SetupOperation, DoneOperationGivesTheProjectId) {
  auto s = parse_operation(R"({"done":true,"response":{"cloudaicompanionProject":{"id":"server-project","name":"x"}}})");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->done);
  EXPECT_EQ(s->project_id, "server-project");
}

TEST(SetupOperation, NonJsonIsAProtocolError) {
  auto s = parse_operation("<html>");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.err().kind, error_kind::upstream_protocol);
}

}  // namespace
}  // namespace gw::credentials
