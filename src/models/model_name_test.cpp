// Tests of the model-name grammar: every convention users bring from other gateways, and apply().
#include "models/model_name.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

using gw::models::apply;
using gw::models::catalog;
using gw::models::model_spec;
using gw::models::parse;

const catalog& cat() {
  static const catalog c = catalog::defaults();
  return c;
}

model_spec p(std::string_view name) { return parse(name, cat()); }

boost::json::object obj(std::string_view s) { return boost::json::parse(s).as_object(); }

boost::json::object applied(std::string_view name, std::string_view body = "{}") {
  auto req = obj(body);
  apply(p(name), req);
  return req;
}

TEST(ModelName, PlainIdHasNoParameters) {
  const auto s = p("gemini-2.5-pro");
  EXPECT_EQ(s.requested, "gemini-2.5-pro");
  EXPECT_EQ(s.base, "gemini-2.5-pro");
  EXPECT_EQ(s.upstream, "gemini-2.5-pro");
  EXPECT_FALSE(s.search);
  EXPECT_FALSE(s.include_thoughts);
  EXPECT_FALSE(s.thinking_budget);
  EXPECT_FALSE(s.thinking_level);
  EXPECT_FALSE(s.fake_stream);
  EXPECT_FALSE(s.anti_truncation);
  EXPECT_TRUE(s.params.empty());
}

TEST(ModelName, ModelsPrefixIsDropped) {
  const auto s = p("models/gemini-2.5-flash-thinking");
  EXPECT_EQ(s.requested, "gemini-2.5-flash-thinking");
  EXPECT_EQ(s.base, "gemini-2.5-flash");
}

TEST(ModelName, ThinkingOn25SetsIncludeThoughtsAndGeminiCliBudget) {
  const auto s = p("gemini-2.5-pro-thinking");
  EXPECT_EQ(s.base, "gemini-2.5-pro");
  EXPECT_EQ(s.include_thoughts, true);
  EXPECT_EQ(s.thinking_budget, 8192);
  EXPECT_FALSE(s.thinking_level);
  EXPECT_EQ(s.params, (std::vector<std::string>{"-thinking"}));
}

TEST(ModelName, ThinkingOn3xSetsLevelHigh) {
  const auto s = p("gemini-3-pro-preview-thinking");
  EXPECT_EQ(s.base, "gemini-3-pro-preview");
  EXPECT_EQ(s.include_thoughts, true);
  EXPECT_EQ(s.thinking_level, "HIGH");
  EXPECT_FALSE(s.thinking_budget);
}

TEST(ModelName, NoThinkingUsesZeroBudgetExceptOnProWhichCannotDisable) {
  EXPECT_EQ(p("gemini-2.5-flash-nothinking").thinking_budget, 0);
  EXPECT_EQ(p("gemini-2.5-flash-nothinking").include_thoughts, false);
  EXPECT_EQ(p("gemini-2.5-flash-lite-nothinking").thinking_budget, 0);
  EXPECT_EQ(p("gemini-2.5-pro-nothinking").thinking_budget, 128);
}

TEST(ModelName, NoThinkingOn3xUsesTheLowestLevelTheModelAllows) {
  EXPECT_EQ(p("gemini-3-flash-preview-nothinking").thinking_level, "MINIMAL");
  EXPECT_EQ(p("gemini-3-pro-preview-nothinking").thinking_level, "LOW");
  EXPECT_EQ(p("gemini-3.1-pro-preview-nothinking").thinking_level, "LOW");
  EXPECT_EQ(p("gemini-3-pro-preview-nothinking").include_thoughts, false);
}

TEST(ModelName, MaxThinkingUsesTheModelMaximum) {
  EXPECT_EQ(p("gemini-2.5-pro-maxthinking").thinking_budget, 32768);
  EXPECT_EQ(p("gemini-2.5-flash-maxthinking").thinking_budget, 24576);
  EXPECT_EQ(p("gemini-3.1-pro-preview-maxthinking").thinking_level, "HIGH");
  EXPECT_FALSE(p("gemini-2.5-pro-maxthinking").include_thoughts);
}

TEST(ModelName, EffortLevelsMapToGcli2apiBudgetsOn25) {
  EXPECT_EQ(p("gemini-2.5-pro-max").thinking_budget, 32768);
  EXPECT_EQ(p("gemini-2.5-flash-max").thinking_budget, 24576);
  EXPECT_EQ(p("gemini-2.5-pro-high").thinking_budget, 16000);
  EXPECT_EQ(p("gemini-2.5-pro-medium").thinking_budget, 8192);
  EXPECT_EQ(p("gemini-2.5-pro-low").thinking_budget, 1024);
  EXPECT_EQ(p("gemini-2.5-flash-minimal").thinking_budget, 0);
  EXPECT_EQ(p("gemini-2.5-pro-minimal").thinking_budget, 128);
}

TEST(ModelName, EffortLevelsMapToThinkingLevelsOn3x) {
  EXPECT_EQ(p("gemini-3-flash-preview-minimal").thinking_level, "MINIMAL");
  EXPECT_EQ(p("gemini-3-flash-preview-low").thinking_level, "LOW");
  EXPECT_EQ(p("gemini-3-flash-preview-medium").thinking_level, "MEDIUM");
  EXPECT_EQ(p("gemini-3-flash-preview-high").thinking_level, "HIGH");
  EXPECT_EQ(p("gemini-3-flash-preview-max").thinking_level, "HIGH");
  EXPECT_FALSE(p("gemini-3-flash-preview-high").thinking_budget);
}

TEST(ModelName, LevelsTheModelDoesNotAllowSnapToTheNearestOne) {
  EXPECT_EQ(p("gemini-3-pro-preview-medium").thinking_level, "HIGH");  // LOW/HIGH only; tie rounds up
  EXPECT_EQ(p("gemini-3-pro-preview-minimal").thinking_level, "LOW");
  EXPECT_EQ(p("gemini-3.1-pro-preview-medium").thinking_level, "MEDIUM");
  EXPECT_EQ(p("gemini-3.1-pro-preview-minimal").thinking_level, "LOW");
}

TEST(ModelName, SearchAddsTheSearchTool) {
  const auto s = p("gemini-2.5-flash-search");
  EXPECT_TRUE(s.search);
  EXPECT_EQ(s.base, "gemini-2.5-flash");
  EXPECT_FALSE(s.thinking_budget);
}

TEST(ModelName, ParameterOrderDoesNotMatter) {
  const auto a = p("gemini-2.5-pro-thinking-search");
  const auto b = p("gemini-2.5-pro-search-thinking");
  EXPECT_EQ(a.base, b.base);
  EXPECT_EQ(a.upstream, b.upstream);
  EXPECT_EQ(a.search, b.search);
  EXPECT_EQ(a.include_thoughts, b.include_thoughts);
  EXPECT_EQ(a.thinking_budget, b.thinking_budget);
  EXPECT_TRUE(a.search);
  EXPECT_EQ(a.thinking_budget, 8192);
  EXPECT_EQ(a.params, (std::vector<std::string>{"-thinking", "-search"}));
  EXPECT_EQ(b.params, (std::vector<std::string>{"-search", "-thinking"}));
}

TEST(ModelName, LaterParameterWinsAndThinkingComposesWithEffort) {
  EXPECT_EQ(p("gemini-2.5-flash-nothinking-thinking").include_thoughts, true);
  EXPECT_EQ(p("gemini-2.5-flash-thinking-nothinking").include_thoughts, false);
  const auto s = p("gemini-2.5-pro-thinking-low");
  EXPECT_EQ(s.include_thoughts, true);
  EXPECT_EQ(s.thinking_budget, 1024);
  EXPECT_EQ(p("gemini-3-flash-preview-thinking-low").thinking_level, "LOW");
}

TEST(ModelName, ParametersAreCaseInsensitive) {
  const auto s = p("gemini-2.5-pro-Thinking-SEARCH");
  EXPECT_EQ(s.base, "gemini-2.5-pro");
  EXPECT_TRUE(s.search);
  EXPECT_EQ(s.params, (std::vector<std::string>{"-Thinking", "-SEARCH"}));
}

TEST(ModelName, ParenthesisedBudgetSetsTheBudgetClampedToTheModel) {
  EXPECT_EQ(p("gemini-2.5-pro(8192)").thinking_budget, 8192);
  EXPECT_EQ(p("gemini-2.5-pro(8192)").base, "gemini-2.5-pro");
  EXPECT_EQ(p("gemini-2.5-pro(8192)").params, (std::vector<std::string>{"(8192)"}));
  EXPECT_EQ(p("gemini-2.5-pro(100000)").thinking_budget, 32768);
  EXPECT_EQ(p("gemini-2.5-flash(100000)").thinking_budget, 24576);
  EXPECT_EQ(p("gemini-2.5-pro(0)").thinking_budget, 128);
  EXPECT_EQ(p("gemini-2.5-flash(0)").thinking_budget, 0);
  EXPECT_EQ(p("gemini-2.5-flash-lite(100)").thinking_budget, 512);
}

TEST(ModelName, ParenthesisedLevelsAndSpecialValues) {
  EXPECT_EQ(p("gemini-3-flash-preview(high)").thinking_level, "HIGH");
  EXPECT_EQ(p("gemini-3-flash-preview(low)").thinking_level, "LOW");
  EXPECT_EQ(p("gemini-2.5-pro(high)").thinking_budget, 16000);
  EXPECT_EQ(p("gemini-2.5-flash(none)").thinking_budget, 0);
  EXPECT_EQ(p("gemini-2.5-flash(none)").include_thoughts, false);
  EXPECT_EQ(p("gemini-2.5-flash(auto)").thinking_budget, -1);
  EXPECT_EQ(p("gemini-2.5-flash(-1)").thinking_budget, -1);
  EXPECT_EQ(p("gemini-3-flash-preview(-1)").thinking_level, "HIGH");
  EXPECT_EQ(p("gemini-3-flash-preview(auto)").thinking_level, "HIGH");
  EXPECT_EQ(p("gemini-3-flash-preview(512)").thinking_level, "LOW");
  EXPECT_EQ(p("gemini-3-flash-preview(4096)").thinking_level, "MEDIUM");
  EXPECT_EQ(p("gemini-3-flash-preview(24576)").thinking_level, "HIGH");
  EXPECT_EQ(p("gemini-3-flash-preview(0)").thinking_level, "MINIMAL");
}

TEST(ModelName, ParenthesisedSuffixCombinesWithHyphenParametersEitherSide) {
  for (const char* name : {"gemini-2.5-pro(8192)-search", "gemini-2.5-pro-search(8192)"}) {
    const auto s = p(name);
    EXPECT_EQ(s.base, "gemini-2.5-pro") << name;
    EXPECT_TRUE(s.search) << name;
    EXPECT_EQ(s.thinking_budget, 8192) << name;
  }
}

TEST(ModelName, UnrecognisedParenthesisedValueIsPartOfTheId) {
  for (const char* name : {"gemini-2.5-pro(foo)", "gemini-2.5-pro(-2)", "gemini-2.5-pro()", "(8192)"}) {
    const auto s = p(name);
    EXPECT_EQ(s.base, name);
    EXPECT_TRUE(s.params.empty()) << name;
  }
}

TEST(ModelName, DatedPreviewIdIsNotMistakenForParameters) {
  const auto s = p("gemini-2.5-flash-preview-09-2025");
  EXPECT_EQ(s.base, "gemini-2.5-flash-preview-09-2025");
  EXPECT_EQ(s.upstream, "gemini-2.5-flash-preview-09-2025");
  EXPECT_TRUE(s.params.empty());
  const auto t = p("gemini-2.5-flash-preview-09-2025-thinking");
  EXPECT_EQ(t.base, "gemini-2.5-flash-preview-09-2025");
  EXPECT_EQ(t.thinking_budget, 8192);
  EXPECT_EQ(p("gemini-2.5-flash-lite").base, "gemini-2.5-flash-lite");
}

TEST(ModelName, VertexIdsPassThroughAndTakeParameters) {
  const auto plain = p("gemini-2.5-pro_vertex");
  EXPECT_EQ(plain.base, "gemini-2.5-pro_vertex");
  EXPECT_EQ(plain.upstream, "gemini-2.5-pro_vertex");
  const auto s = p("gemini-2.5-pro_vertex-thinking");
  EXPECT_EQ(s.base, "gemini-2.5-pro_vertex");
  EXPECT_EQ(s.upstream, "gemini-2.5-pro_vertex");
  EXPECT_EQ(s.thinking_budget, 8192);
  const auto v3 = p("gemini-3-flash-preview_vertex-search-high");
  EXPECT_EQ(v3.upstream, "gemini-3-flash-preview_vertex");
  EXPECT_EQ(v3.thinking_level, "HIGH");
  EXPECT_TRUE(v3.search);
  const auto unlisted = p("gemini-3.1-pro-preview_vertex-nothinking");
  EXPECT_EQ(unlisted.upstream, "gemini-3.1-pro-preview_vertex");
  EXPECT_EQ(unlisted.thinking_level, "LOW");
}

TEST(ModelName, Gemini35FlashMapsToItsBackendNameWithParameters) {
  const auto s = p("gemini-3.5-flash-thinking-search");
  EXPECT_EQ(s.base, "gemini-3.5-flash");
  EXPECT_EQ(s.upstream, "gemini-3-flash");
  EXPECT_EQ(s.thinking_level, "HIGH");
  EXPECT_TRUE(s.search);
  EXPECT_EQ(p("models/gemini-3.5-flash").upstream, "gemini-3-flash");
}

TEST(ModelName, UnknownIdsPassThroughUnchanged) {
  const auto s = p("gemini-4-ultra-exp-0901");
  EXPECT_EQ(s.base, "gemini-4-ultra-exp-0901");
  EXPECT_EQ(s.upstream, "gemini-4-ultra-exp-0901");
  const auto t = p("gemini-4-ultra-thinking");  // unlisted but Gemini 3 or later: level family
  EXPECT_EQ(t.upstream, "gemini-4-ultra");
  EXPECT_EQ(t.thinking_level, "HIGH");
  const auto other = p("gpt-4o-thinking-search");  // unknown family: recorded, no thinking config
  EXPECT_EQ(other.upstream, "gpt-4o");
  EXPECT_TRUE(other.search);
  EXPECT_FALSE(other.include_thoughts);
  EXPECT_FALSE(other.thinking_budget);
  EXPECT_FALSE(other.thinking_level);
}

TEST(ModelName, ThinkingParametersOnANonThinkingModelSetNothing) {
  const auto s = p("gemini-2.0-flash-thinking");
  EXPECT_EQ(s.base, "gemini-2.0-flash");
  EXPECT_EQ(s.params, (std::vector<std::string>{"-thinking"}));
  EXPECT_FALSE(s.include_thoughts);
  EXPECT_FALSE(s.thinking_budget);
  EXPECT_FALSE(s.thinking_level);
}

TEST(ModelName, ExactCatalogIdIsNeverTakenApart) {
  auto c = catalog::from_json(boost::json::parse(R"(["gemini-3-pro-high", "gemini-2.5-pro"])"));
  ASSERT_TRUE(c);
  EXPECT_EQ(parse("gemini-3-pro-high", *c).base, "gemini-3-pro-high");
  EXPECT_FALSE(parse("gemini-3-pro-high", *c).thinking_level);
  const auto s = parse("gemini-3-pro-high-search", *c);
  EXPECT_EQ(s.base, "gemini-3-pro-high");
  EXPECT_TRUE(s.search);
  EXPECT_EQ(parse("gemini-3-pro-low", *c).base, "gemini-3-pro");  // not listed: -low is a parameter
}

TEST(ModelName, FakeStreamingAndAntiTruncationPrefixes) {
  const auto f = p("假流式/gemini-2.5-pro-thinking");
  EXPECT_TRUE(f.fake_stream);
  EXPECT_EQ(f.requested, "假流式/gemini-2.5-pro-thinking");
  EXPECT_EQ(f.base, "gemini-2.5-pro");
  EXPECT_EQ(f.params, (std::vector<std::string>{"假流式/", "-thinking"}));
  const auto a = p("流式抗截断/gemini-3-flash-preview");
  EXPECT_TRUE(a.anti_truncation);
  EXPECT_EQ(a.base, "gemini-3-flash-preview");
  const auto b = p("anti-gemini-2.5-flash-search");
  EXPECT_TRUE(b.anti_truncation);
  EXPECT_TRUE(b.search);
  EXPECT_EQ(b.base, "gemini-2.5-flash");
  const auto both = p("models/假流式/流式抗截断/gemini-2.5-pro");
  EXPECT_TRUE(both.fake_stream);
  EXPECT_TRUE(both.anti_truncation);
  EXPECT_EQ(both.base, "gemini-2.5-pro");
  const auto old_suffix = p("gemini-2.5-pro-假流式");  // gcli2api README spelling
  EXPECT_TRUE(old_suffix.fake_stream);
  EXPECT_EQ(old_suffix.base, "gemini-2.5-pro");
}

TEST(ModelName, NamesMadeOnlyOfParametersStayWhole) {
  EXPECT_EQ(p("-thinking").base, "-thinking");
  EXPECT_EQ(p("thinking").base, "thinking");
  EXPECT_EQ(p("anti-").base, "anti-");
  EXPECT_EQ(p("").base, "");
  EXPECT_EQ(p("假流式/").base, "假流式/");
}

TEST(ModelName, IsGemini3CoversThreeAndLater) {
  EXPECT_TRUE(gw::models::is_gemini3("gemini-3-pro-preview"));
  EXPECT_TRUE(gw::models::is_gemini3("gemini-3-flash"));
  EXPECT_TRUE(gw::models::is_gemini3("gemini-3.1-flash-lite"));
  EXPECT_TRUE(gw::models::is_gemini3("gemini-3-flash-preview_vertex"));
  EXPECT_TRUE(gw::models::is_gemini3("models/gemini-3.5-flash"));
  EXPECT_TRUE(gw::models::is_gemini3("gemini-4"));
  EXPECT_FALSE(gw::models::is_gemini3("gemini-2.5-pro"));
  EXPECT_FALSE(gw::models::is_gemini3("gemini-2.0-flash"));
  EXPECT_FALSE(gw::models::is_gemini3("gemini-exp-1206"));
  EXPECT_FALSE(gw::models::is_gemini3("gemma-3-27b-it"));
  EXPECT_FALSE(gw::models::is_gemini3("gemini-3x"));
}

TEST(ModelNameApply, On25WritesIncludeThoughtsAndBudget) {
  const auto r = applied("gemini-2.5-pro-thinking", R"({"contents":[],"generationConfig":{"temperature":0.2}})");
  EXPECT_EQ(boost::json::serialize(r.at("generationConfig")),
            R"({"temperature":2E-1,"thinkingConfig":{"includeThoughts":true,"thinkingBudget":8192}})");
}

TEST(ModelNameApply, On3xWritesLevelAndRemovesAnyBudget) {
  const auto r = applied("gemini-3-flash-preview-low",
                         R"({"generationConfig":{"thinkingConfig":{"thinkingBudget":24576,"includeThoughts":true}}})");
  const auto& tc = r.at("generationConfig").at("thinkingConfig").as_object();
  EXPECT_EQ(tc.at("thinkingLevel"), "LOW");
  EXPECT_FALSE(tc.contains("thinkingBudget"));
  EXPECT_EQ(tc.at("includeThoughts"), true);  // untouched: -low says nothing about showing thoughts
}

TEST(ModelNameApply, On25RemovesALevelFromTheBody) {
  const auto r = applied("gemini-2.5-flash(2048)",
                         R"({"generationConfig":{"thinkingConfig":{"thinkingLevel":"HIGH"}}})");
  const auto& tc = r.at("generationConfig").at("thinkingConfig").as_object();
  EXPECT_EQ(tc.at("thinkingBudget"), 2048);
  EXPECT_FALSE(tc.contains("thinkingLevel"));
}

TEST(ModelNameApply, ParametersOverrideTheBody) {
  const auto r = applied("gemini-2.5-flash-nothinking",
                         R"({"generationConfig":{"thinkingConfig":{"includeThoughts":true,"thinkingBudget":4000}}})");
  const auto& tc = r.at("generationConfig").at("thinkingConfig").as_object();
  EXPECT_EQ(tc.at("includeThoughts"), false);
  EXPECT_EQ(tc.at("thinkingBudget"), 0);
}

TEST(ModelNameApply, SnakeCaseBodyKeysAreUpdatedNotDuplicated) {
  const auto r = applied("gemini-2.5-pro-thinking",
                         R"({"generation_config":{"thinking_config":{"thinking_budget":100,"include_thoughts":false}}})");
  EXPECT_FALSE(r.contains("generationConfig"));
  const auto& tc = r.at("generation_config").at("thinking_config").as_object();
  EXPECT_EQ(tc.size(), 2u);
  EXPECT_EQ(tc.at("thinkingBudget"), 8192);
  EXPECT_EQ(tc.at("includeThoughts"), true);
}

TEST(ModelNameApply, NonObjectGenerationConfigIsReplaced) {
  const auto r = applied("gemini-3-pro-preview-thinking", R"({"generationConfig":null})");
  EXPECT_EQ(r.at("generationConfig").at("thinkingConfig").at("thinkingLevel"), "HIGH");
}

TEST(ModelNameApply, SearchAppendsGoogleSearchOnce) {
  const auto r = applied("gemini-2.5-flash-search", R"({"tools":[{"functionDeclarations":[{"name":"f"}]}]})");
  EXPECT_EQ(boost::json::serialize(r.at("tools")),
            R"([{"functionDeclarations":[{"name":"f"}]},{"googleSearch":{}}])");
  EXPECT_EQ(boost::json::serialize(applied("gemini-2.5-flash-search", "{}").at("tools")), R"([{"googleSearch":{}}])");
  const auto again = applied("gemini-2.5-flash-search", R"({"tools":[{"googleSearch":{}}]})");
  EXPECT_EQ(again.at("tools").as_array().size(), 1u);
  const auto snake = applied("gemini-2.5-flash-search", R"({"tools":[{"google_search":{}}]})");
  EXPECT_EQ(snake.at("tools").as_array().size(), 1u);
}

TEST(ModelNameApply, NothingToApplyLeavesTheRequestUntouched) {
  const std::string body = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"topK":64}})";
  EXPECT_EQ(applied("gemini-2.5-pro", body), obj(body));
  EXPECT_EQ(applied("gemini-2.0-flash-thinking", body), obj(body));
  EXPECT_EQ(applied("假流式/gemini-2.5-pro", body), obj(body));
}

TEST(ModelNameHelp, NamesEveryParameter) {
  const std::string h = gw::models::parameters_help();
  EXPECT_EQ(h.rfind("valid parameters: ", 0), 0u);
  for (const char* t : {"-thinking", "-nothinking", "-maxthinking", "-search", "-minimal", "-low", "-medium", "-high",
                        "-max", "(8192)", "(high)", "(none)", "(auto)", "(-1)", "假流式/", "流式抗截断/", "anti-"}) {
    EXPECT_NE(h.find(t), std::string::npos) << t;
  }
}

}  // namespace
