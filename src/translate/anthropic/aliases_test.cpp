// Tests for the Anthropic model alias table: glob matching, defaults, precedence and the config reader.
#include "translate/anthropic/aliases.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gw::translate::anthropic {
namespace {
namespace json = boost::json;

TEST(AnthropicGlobMatch, StarQuestionMarkAndCase) {
  EXPECT_TRUE(glob_match("claude-opus-*", "claude-opus-4-1-20250805"));
  EXPECT_TRUE(glob_match("claude-opus-*", "claude-opus-"));
  EXPECT_FALSE(glob_match("claude-opus-*", "claude-opus"));
  EXPECT_TRUE(glob_match("CLAUDE-*", "claude-x"));
  EXPECT_TRUE(glob_match("claude-*haiku*", "claude-3-5-haiku-20241022"));
  EXPECT_TRUE(glob_match("claude-*haiku*", "claude-haiku-4-5"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("**a**", "xxaxx"));
  EXPECT_FALSE(glob_match("exact", "exactly"));
  EXPECT_TRUE(glob_match("*-[1m]", "claude-sonnet-4-5-[1m]"));  // no character classes: '[' is literal
}

TEST(AnthropicAliases, DefaultsSendOpusAndSonnetToProAndHaikuToFlash) {
  const alias_table t = alias_table::defaults();
  EXPECT_EQ(t.resolve("claude-opus-4-1-20250805"), "gemini-2.5-pro");
  EXPECT_EQ(t.resolve("claude-opus-4-5"), "gemini-2.5-pro");
  EXPECT_EQ(t.resolve("claude-sonnet-4-5-20250929"), "gemini-2.5-pro");
  EXPECT_EQ(t.resolve("claude-3-7-sonnet-latest"), "gemini-2.5-pro");
  EXPECT_EQ(t.resolve("claude-haiku-4-5-20251001"), "gemini-2.5-flash");
  EXPECT_EQ(t.resolve("claude-3-5-haiku-20241022"), "gemini-2.5-flash");
  EXPECT_EQ(t.resolve("claude-2.1"), "gemini-2.5-pro");
  EXPECT_EQ(t.resolve("haiku"), "gemini-2.5-flash");
  EXPECT_EQ(t.resolve("Opus"), "gemini-2.5-pro");
  // Not Claude names: unchanged.
  EXPECT_EQ(t.resolve("gemini-3-flash-preview"), "gemini-3-flash-preview");
  EXPECT_EQ(t.resolve("gemini-2.5-pro-thinking"), "gemini-2.5-pro-thinking");
}

TEST(AnthropicAliases, ConfigObjectRulesComeBeforeTheDefaults) {
  auto t = alias_table::from_json(json::parse(R"({"claude-opus-*":"gemini-3-pro-preview","my-model":"gemini-2.5-flash-lite"})"));
  ASSERT_TRUE(t) << t.err().message;
  EXPECT_EQ(t->resolve("claude-opus-4-1"), "gemini-3-pro-preview");
  EXPECT_EQ(t->resolve("claude-haiku-4-5"), "gemini-2.5-flash");  // default still there
  EXPECT_EQ(t->resolve("my-model"), "gemini-2.5-flash-lite");
}

TEST(AnthropicAliases, ExactRuleBeatsAnEarlierGlob) {
  auto t = alias_table::from_json(json::parse(R"j([{"pattern":"claude-*","model":"gemini-2.5-flash"},
                                                  {"pattern":"claude-opus-4-1","model":"gemini-3-pro-preview(high)"}])j"));
  ASSERT_TRUE(t) << t.err().message;
  EXPECT_EQ(t->resolve("claude-opus-4-1"), "gemini-3-pro-preview(high)");
  EXPECT_EQ(t->resolve("claude-opus-4-5"), "gemini-2.5-flash");
}

TEST(AnthropicAliases, NullTargetPassesNamesThroughAndSwitchesDefaultsOff) {
  auto t = alias_table::from_json(json::parse(R"({"claude-*":null})"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->resolve("claude-opus-4-1"), "claude-opus-4-1");
  EXPECT_EQ(t->resolve("haiku"), "gemini-2.5-flash");  // an exact default is not a claude-* name
}

TEST(AnthropicAliases, BadConfigIsAnErrorNamingThePlace) {
  struct bad_case { const char* json; const char* needle; };
  for (const bad_case& c : {bad_case{"3", "must be an object"}, bad_case{R"({"":"m"})", "pattern"},
                            bad_case{R"({"a":5})", "\"a\""}, bad_case{R"({"a":""})", "must not be empty"},
                            bad_case{R"([{"pattern":"a"}])", "[0].model"}, bad_case{R"([{"model":"m"}])", "[0].pattern"},
                            bad_case{R"([{"pattern":"a","model":"m","x":1}])", "unknown key"}, bad_case{R"(["a"])", "[0]"}}) {
    SCOPED_TRACE(c.json);
    auto t = alias_table::from_json(json::parse(c.json));
    ASSERT_FALSE(t);
    EXPECT_EQ(t.err().kind, error_kind::bad_request);
    EXPECT_NE(t.err().message.find(c.needle), std::string::npos) << t.err().message;
  }
}

TEST(AnthropicAliases, EmptyTableChangesNothing) {
  const alias_table t;
  EXPECT_EQ(t.resolve("claude-opus-4-1"), "claude-opus-4-1");
  EXPECT_EQ(t.match("x"), nullptr);
}

}  // namespace
}  // namespace gw::translate::anthropic
