// Tests for the Code Assist envelope: wrapping requests and unwrapping (streamed) responses.
#include "upstream/proto/envelope.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gw::upstream {
namespace {
namespace json = boost::json;

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(WrapGenerate, BuildsEnvelopeWithSessionInsideRequest) {
  auto req = obj(R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"topK":3}})");
  auto text = wrap_generate(req, {"gemini-2.5-pro", "proj-1", "sess########1", "sess"});
  auto env = json::parse(text).as_object();
  EXPECT_EQ(env.at("model"), "gemini-2.5-pro");
  EXPECT_EQ(env.at("project"), "proj-1");
  EXPECT_EQ(env.at("user_prompt_id"), "sess########1");
  auto& inner = env.at("request").as_object();
  EXPECT_EQ(inner.at("session_id"), "sess");
  EXPECT_EQ(inner.at("contents"), req.at("contents"));
  EXPECT_EQ(inner.at("generationConfig"), req.at("generationConfig"));
  EXPECT_EQ(env.size(), 4u);
}

TEST(WrapGenerate, OmitsEmptyProjectAndSession) {
  auto text = wrap_generate(obj(R"({"contents":[]})"), {"m", "", "p", ""});
  auto env = json::parse(text).as_object();
  EXPECT_FALSE(env.contains("project"));
  EXPECT_FALSE(env.at("request").as_object().contains("session_id"));
  EXPECT_EQ(env.at("user_prompt_id"), "p");
}

TEST(WrapGenerate, SessionParamReplacesInnerSessionOtherwiseInnerIsKept) {
  auto req = obj(R"({"contents":[],"session_id":"client"})");
  auto replaced = json::parse(wrap_generate(req, {"m", "p", "u", "ours"})).as_object();
  EXPECT_EQ(replaced.at("request").at("session_id"), "ours");
  auto kept = json::parse(wrap_generate(req, {"m", "p", "u", ""})).as_object();
  EXPECT_EQ(kept.at("request").at("session_id"), "client");
}

TEST(WrapGenerate, EmptyRequestObjectGetsOnlySession) {
  auto env = json::parse(wrap_generate(json::object(), {"m", "p", "u", "s"})).as_object();
  EXPECT_EQ(env.at("request"), json::parse(R"({"session_id":"s"})"));
  auto env2 = json::parse(wrap_generate(json::object(), {"m", "p", "u", ""})).as_object();
  EXPECT_EQ(env2.at("request"), json::object());
}

TEST(WrapGenerate, EscapesStrings) {
  auto env = json::parse(wrap_generate(obj(R"({"contents":[]})"), {"m\"x", "p\\", "u\n", "s"})).as_object();
  EXPECT_EQ(env.at("model"), "m\"x");
  EXPECT_EQ(env.at("project"), "p\\");
  EXPECT_EQ(env.at("user_prompt_id"), "u\n");
}

TEST(WrapCountTokens, PrefixesModelsOnce) {
  json::array contents = json::parse(R"([{"role":"user","parts":[{"text":"x"}]}])").as_array();
  auto env = json::parse(wrap_count_tokens("gemini-2.5-flash", contents)).as_object();
  EXPECT_EQ(env, json::parse(R"({"request":{"model":"models/gemini-2.5-flash","contents":[{"role":"user","parts":[{"text":"x"}]}]}})"));
  auto env2 = json::parse(wrap_count_tokens("models/gemini-2.5-flash", contents)).as_object();
  EXPECT_EQ(env2.at("request").at("model"), "models/gemini-2.5-flash");
}

constexpr std::string_view sample_envelope = R"({
  "response": {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "Hi", "thoughtSignature": "c2ln"}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 17, "totalTokenCount": 51, "thoughtsTokenCount": 24},
    "modelVersion": "gemini-2.5-flash",
    "createTime": "2026-01-10T01:55:33.450396Z"
  },
  "traceId": "bf3a5eb6636774d2",
  "consumedCredits": [{"creditType": "GOOGLE_ONE_AI", "creditAmount": "3"}]
})";

TEST(UnwrapResponse, ReturnsInnerResponseWithTraceIdAsResponseId) {
  auto r = unwrap_response(json::parse(sample_envelope));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("responseId"), "bf3a5eb6636774d2");
  EXPECT_EQ(r->at("modelVersion"), "gemini-2.5-flash");
  EXPECT_EQ(r->at("candidates").as_array()[0].at("content").at("parts").as_array()[0].at("thoughtSignature"), "c2ln");
  EXPECT_FALSE(r->contains("traceId"));
  EXPECT_FALSE(r->contains("consumedCredits"));
}

TEST(UnwrapResponse, KeepsInnerResponseId) {
  auto r = unwrap_response(json::parse(R"({"response":{"candidates":[],"responseId":"inner"},"traceId":"t"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("responseId"), "inner");
}

TEST(UnwrapResponse, MissingResponseYieldsEmptyCandidates) {
  auto r = unwrap_response(json::parse(R"({"traceId":"t"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, json::parse(R"({"candidates":[],"responseId":"t"})"));
  auto n = unwrap_response(json::parse(R"({"response":null})"));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, json::parse(R"({"candidates":[]})"));
}

TEST(UnwrapResponse, NonObjectIsProtocolError) {
  for (auto text : {"[]", "1", "\"x\"", "null", R"({"response":[1]})"}) {
    auto r = unwrap_response(json::parse(text));
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.err().kind, error_kind::upstream_protocol);
    EXPECT_EQ(r.err().source, error_source::upstream);
  }
}

TEST(UnwrapResponse, ErrorObjectInsideStreamIsClassified) {
  auto r = unwrap_response(json::parse(R"({"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::upstream_unavailable);
  EXPECT_EQ(r.err().upstream_status, 503);
}

TEST(UnwrapResponse, SnakeAndCamelMixSurvivesUntouched) {
  // The envelope is snake_case outside and camelCase inside; inner keys are not renamed either way.
  auto r = unwrap_response(json::parse(R"({"response":{"candidates":[{"finish_reason":"STOP","finishReason":"STOP"}],"usage_metadata":{"x":1}},"trace_id":"ignored"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, json::parse(R"({"candidates":[{"finish_reason":"STOP","finishReason":"STOP"}],"usage_metadata":{"x":1}})"));
}

TEST(UnwrapResponse, WrapThenUnwrapRoundTripsTheInnerObject) {
  // A fake upstream echoing request into response: what we wrap is what we read back.
  auto req = obj(R"({"contents":[{"role":"user","parts":[{"text":"é \u0001 \"q\""}]}],"labels":{"a_b":"c"}})");
  auto env = json::parse(wrap_generate(req, {"m", "p", "u", ""})).as_object();
  json::object answer;
  answer["response"] = env.at("request");
  answer["traceId"] = "abc";
  auto r = unwrap_response(answer);
  ASSERT_TRUE(r);
  r->erase("responseId");
  EXPECT_EQ(*r, req);
}

std::string unwrap_text(std::string_view text) {
  std::string out = "stale";
  auto r = unwrap_event_text(text, out);
  EXPECT_TRUE(r) << text;
  return out;
}

TEST(UnwrapEventText, EqualsUnwrapResponse) {
  for (std::string_view text :
       {sample_envelope, std::string_view(R"({"traceId":"t"})"), std::string_view(R"({"response":{"candidates":[],"responseId":"x"},"traceId":"t"})"),
        std::string_view(R"({"response": {"candidates": [{"content": {"role": "model","parts": [{"text":"a"}]},"finishReason": "STOP"}],"usageMetadata": {"trafficType":"ON_DEMAND"}}, "traceId": "55650653afd3c738"})")}) {
    auto expected = unwrap_response(json::parse(text));
    ASSERT_TRUE(expected);
    EXPECT_EQ(json::parse(unwrap_text(text)), json::value(*expected)) << text;
  }
}

TEST(UnwrapEventText, ErrorsMatchUnwrapResponse) {
  std::string out = "stale";
  auto bad = unwrap_event_text("{not json", out);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.err().kind, error_kind::upstream_protocol);
  EXPECT_TRUE(out.empty());
  auto arr = unwrap_event_text("[1]", out);
  ASSERT_FALSE(arr);
  EXPECT_EQ(arr.err().kind, error_kind::upstream_protocol);
  auto err = unwrap_event_text(R"({"error":{"code":429,"message":"m","status":"RESOURCE_EXHAUSTED"}})", out);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.err().kind, error_kind::rate_limited);
}

TEST(UnwrapEventText, ReusesArenaAcrossManyAndLargeEvents) {
  std::string big(300 * 1024, 'x');  // larger than the initial arena
  std::string text = R"({"response":{"candidates":[{"content":{"parts":[{"text":")" + big + R"("}]}}]},"traceId":"t"})";
  for (int i = 0; i < 3; ++i) {
    auto out = unwrap_text(text);
    auto v = json::parse(out);
    EXPECT_EQ(v.at("candidates").as_array()[0].at("content").at("parts").as_array()[0].at("text").as_string().size(),
              big.size());
    EXPECT_EQ(unwrap_text(sample_envelope).find("\"responseId\":\"bf3a5eb6636774d2\"") != std::string::npos, true);
  }
}

TEST(ParseCountTokens, ReadsTotalTokens) {
  EXPECT_EQ(*parse_count_tokens(R"({"totalTokens": 42})"), 42);
  EXPECT_EQ(*parse_count_tokens(R"({"totalTokens": "7"})"), 7);
  EXPECT_EQ(*parse_count_tokens(R"({})"), 0);
  EXPECT_FALSE(parse_count_tokens("nope"));
  EXPECT_FALSE(parse_count_tokens("[]"));
  EXPECT_FALSE(parse_count_tokens(R"({"totalTokens":"x"})"));
}

}  // namespace
}  // namespace gw::upstream
