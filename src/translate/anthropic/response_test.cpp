// Tests for the whole Anthropic message (non-stream) and the Claude Code signature round trip end to end.
#include <boost/json.hpp>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "models/catalog.hpp"
#include "translate/anthropic/messages.hpp"
#include "translate/anthropic/signature.hpp"
#include "translate/anthropic/test_support.hpp"
#include "translate/common/repair.hpp"

namespace gw::translate::anthropic {
namespace {
namespace json = boost::json;
using namespace test;

json::object whole(std::string_view gemini_response, const response_context& ctx = make_ctx()) {
  auto r = from_gemini(json::parse(gemini_response).as_object(), ctx);
  EXPECT_TRUE(r);
  return r ? json::parse(*r).as_object() : json::object{};
}

// Test 55.
TEST(AnthropicFromGemini, MessageHasTheAnthropicEnvelopeAndNumericUsage) {
  const json::object m = whole(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"finishReason":"STOP"}],
    "usageMetadata":{"promptTokenCount":100,"cachedContentTokenCount":40,"candidatesTokenCount":10,"thoughtsTokenCount":5}})");
  EXPECT_EQ(json::value(m), json::parse(R"({"id":"msg_test1","type":"message","role":"assistant",
    "model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,
    "usage":{"input_tokens":60,"cache_creation_input_tokens":0,"cache_read_input_tokens":40,"output_tokens":15}})"));
}

TEST(AnthropicFromGemini, MissingUsageIsZerosNotAbsent) {
  const json::object m = whole(R"({"candidates":[{"content":{"parts":[{"text":"x"}]}}]})");
  EXPECT_EQ(m.at("usage"), json::parse(R"({"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0})"));
  EXPECT_EQ(m.at("stop_reason"), "end_turn");
}

TEST(AnthropicFromGemini, ToolCallsGiveToolUseBlocksAndStopReason) {
  response_context ctx = make_ctx("gemini-3-flash-preview");
  const json::object m = whole(R"({"candidates":[{"content":{"parts":[{"text":"Reading."},
      {"functionCall":{"name":"Read","args":{"file_path":"/a"}},"thoughtSignature":"S1"},
      {"functionCall":{"id":"call_given","name":"Read","args":{"file_path":"/b"}}}]},"finishReason":"STOP"}]})", ctx);
  EXPECT_EQ(m.at("stop_reason"), "tool_use");
  const auto& c = m.at("content").as_array();
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0], json::parse(R"({"type":"text","text":"Reading."})"));
  EXPECT_EQ(c[1].at("type"), "thinking");
  EXPECT_EQ(c[1].at("signature"), json::value(encode_signature("gemini-3-flash-preview", "S1")));
  EXPECT_EQ(c[2], json::parse(R"({"type":"tool_use","id":"toolu_test1_1","name":"Read","input":{"file_path":"/a"}})"));
  EXPECT_EQ(c[3], json::parse(R"({"type":"tool_use","id":"call_given","name":"Read","input":{"file_path":"/b"}})"));
}

TEST(AnthropicFromGemini, FinishReasonTable) {
  struct row { const char* finish; bool call; const char* stop; };
  for (const row r : {row{"STOP", false, "end_turn"}, row{"STOP", true, "tool_use"}, row{"", true, "tool_use"},
                      row{"MAX_TOKENS", false, "max_tokens"}, row{"MAX_TOKENS", true, "max_tokens"},
                      row{"SAFETY", false, "refusal"}, row{"RECITATION", false, "refusal"},
                      row{"PROHIBITED_CONTENT", false, "refusal"}, row{"OTHER", false, "end_turn"},
                      row{"MALFORMED_FUNCTION_CALL", false, "end_turn"}, row{"FINISH_REASON_UNSPECIFIED", false, "end_turn"}}) {
    SCOPED_TRACE(std::string(r.finish) + (r.call ? " with call" : ""));
    json::object cand{{"content", json::object{{"parts", r.call ? json::parse(R"([{"functionCall":{"name":"f"}}])")
                                                                : json::parse(R"([{"text":"t"}])")}}}};
    if (*r.finish) cand["finishReason"] = r.finish;
    json::object resp{{"candidates", json::array{cand}}};
    EXPECT_EQ(whole(json::serialize(resp)).at("stop_reason"), r.stop);
  }
}

// Test 52 (whole form).
TEST(AnthropicFromGemini, BlockedPromptIsARefusalWithEmptyContent) {
  const json::object m = whole(R"({"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":7}})");
  EXPECT_EQ(m.at("content"), json::array{});
  EXPECT_EQ(m.at("stop_reason"), "refusal");
  EXPECT_EQ(m.at("usage").at("input_tokens"), 7);
}

TEST(AnthropicFromGemini, CandidateWithoutContentOrPartsIsAnEmptyMessage) {
  EXPECT_EQ(whole(R"({"candidates":[{"finishReason":"STOP"}]})").at("content"), json::array{});
  EXPECT_EQ(whole(R"({"candidates":[{"content":{"role":"model"},"finishReason":"MAX_TOKENS"}]})").at("stop_reason"),
            "max_tokens");
  EXPECT_EQ(whole(R"({})").at("content"), json::array{});
}

TEST(AnthropicFromGemini, InlineDataAndEmptyPartsAreSkipped) {
  const json::object m = whole(R"({"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"AA"}},
      {"text":""},{},{"text":"after"}]},"finishReason":"STOP"}]})");
  EXPECT_EQ(m.at("content"), json::parse(R"([{"type":"text","text":"after"}])"));
}

TEST(AnthropicFromGemini, RenamedToolNamesComeBackAsTheClientWroteThem) {
  response_context ctx = make_ctx();
  EXPECT_EQ(ctx.tool_names.add("my tool!"), "my_tool_");
  const json::object m = whole(R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"my_tool_","args":{"q":1}}}]}}]})", ctx);
  EXPECT_EQ(m.at("content").at(0).at("name"), "my tool!");
}

// ---- Claude Code round trip (§9 F 69): response -> what Claude Code stores -> replayed request ----

const models::catalog& cat() {
  static const models::catalog c = models::catalog::defaults();
  return c;
}

// Plays one turn: the client's body goes through to_gemini; the upstream answer (a transcript) goes through the
// stream translator; returns the assistant content blocks as Claude Code would store and replay them.
json::array play(const json::object& body, const std::string& transcript, json::object* upstream_request) {
  auto t = to_gemini(body, cat(), alias_table::defaults(), request_env{0, "rt"});
  EXPECT_TRUE(t) << (t ? "" : t.err().message);
  if (!t) return {};
  // The pipeline's repairs, in its order.
  models::apply(t->spec, t->request);
  strip_thought_parts(t->request);
  ensure_thought_signatures(t->request);
  if (upstream_request) *upstream_request = t->request;
  return check_grammar(replay(testdata(transcript), {}, t->ctx));
}

TEST(AnthropicRoundTrip, ClaudeCodeReplayGivesGemini3ItsOwnSignatureBackOnTheRightCall) {
  json::object body = json::parse(R"({"model":"claude-opus-4-5","max_tokens":32000,"stream":true,
      "thinking":{"type":"enabled","budget_tokens":10000},
      "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
      "messages":[{"role":"user","content":"Weather in Zürich tomorrow?"}]})").as_object();
  // Route claude-opus to Gemini 3 for this test.
  const alias_table aliases(std::vector<alias_rule>{{"claude-opus-*", "gemini-3-flash-preview"}});
  auto first = to_gemini(body, cat(), aliases, request_env{0, "one"});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->request.at("generationConfig").at("thinkingConfig"),
            json::parse(R"({"includeThoughts":true,"thinkingLevel":"HIGH"})"));
  const json::array assistant = check_grammar(replay(testdata("gemini3_function_call.sse"), {}, first->ctx));

  // Claude Code stores the blocks and sends them back with the tool result.
  json::array& messages = body["messages"].as_array();
  messages.push_back(json::object{{"role", "assistant"}, {"content", assistant}});
  const std::string tool_id(assistant.back().at("id").as_string());
  messages.push_back(json::parse(R"({"role":"user","content":[{"type":"tool_result","tool_use_id":")" + tool_id +
                                 R"(","content":"12°C, light rain"}]})"));
  auto second = to_gemini(body, cat(), aliases, request_env{0, "two"});
  ASSERT_TRUE(second) << second.err().message;
  strip_thought_parts(second->request);
  EXPECT_EQ(ensure_thought_signatures(second->request), 0) << "no sentinel needed: the real signature came back";
  const json::array& contents = second->request.at("contents").as_array();
  ASSERT_EQ(contents.size(), 3u);
  EXPECT_EQ(contents[1], json::parse(R"({"role":"model","parts":[{"text":"Let me look up tomorrow's forecast for Zürich."},
      {"functionCall":{"name":"get_weather","args":{"city":"Zürich","unit":"celsius","day":"tomorrow"}},
       "thoughtSignature":"CiQBjz1rX0Vx3nYq2m8Hk1fJ5r0c7WZp9tQeL4uA6bN2sD8gHjKlMnOpQrStUvWxYz+/AbCdEfGh=="}]})"));
  EXPECT_EQ(contents[2].at("parts").at(0).at("functionResponse").at("name"), "get_weather");
  EXPECT_EQ(json::serialize(second->request).find("Checking the forecast"), std::string::npos) << "thoughts stay local";
}

TEST(AnthropicRoundTrip, ParallelCallsReplayWithTheSignatureOnTheFirstOnly) {
  json::object body = json::parse(R"({"model":"gemini-3-flash-preview","max_tokens":1000,
      "tools":[{"name":"Read","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"read both"}]})").as_object();
  const json::array assistant = play(body, "parallel_calls.sse", nullptr);
  json::array results;
  for (const auto& b : assistant)
    if (b.at("type") == "tool_use")
      results.push_back(json::object{{"type", "tool_result"}, {"tool_use_id", b.at("id")}, {"content", "x"}});
  body["messages"].as_array().push_back(json::object{{"role", "assistant"}, {"content", assistant}});
  body["messages"].as_array().push_back(json::object{{"role", "user"}, {"content", results}});
  json::object upstream;
  play(body, "text_split.sse", &upstream);
  const auto& parts = upstream.at("contents").at(1).at("parts").as_array();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].at("thoughtSignature"), "EpcCCpQCAdHtim8pAr4llelF1rst==");
  EXPECT_FALSE(parts[1].as_object().contains("thoughtSignature"));
  EXPECT_EQ(upstream.at("contents").at(2).at("parts").as_array().size(), 2u);
}

TEST(AnthropicRoundTrip, SwitchingModelsMidConversationUsesTheSentinelNotTheOldSignature) {
  json::object body = json::parse(R"({"model":"gemini-3-flash-preview","max_tokens":1000,
      "tools":[{"name":"Bash","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"list"}]})").as_object();
  const json::array assistant = play(body, "signature_before_call.sse", nullptr);
  body["model"] = "gemini-3-pro-preview";
  body["messages"].as_array().push_back(json::object{{"role", "assistant"}, {"content", assistant}});
  body["messages"].as_array().push_back(json::parse(R"({"role":"user","content":[{"type":"tool_result","tool_use_id":")" +
                                                    std::string(assistant.back().at("id").as_string()) +
                                                    R"(","content":"a b c"}]})"));
  json::object upstream;
  play(body, "text_split.sse", &upstream);
  EXPECT_EQ(upstream.at("contents").at(1).at("parts").at(0).at("thoughtSignature"),
            json::value(synthetic_thought_signature));
}

// How many failures the grammar checker reports for a stream (intercepted, so they do not fail this test).
int grammar_failures(const std::string& stream) {
  testing::TestPartResultArray results;
  {
    testing::ScopedFakeTestPartResultReporter reporter(
        testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    check_grammar(stream);
  }
  return results.size();
}

// The checker itself must catch broken streams, or the tests above prove nothing.
TEST(AnthropicGrammarChecker, RejectsBrokenStreams) {
  const std::string start =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
      "\"role\":\"assistant\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}\n\n";
  const std::string end =
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
      "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  const std::string block_start =
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
  const std::string block_stop = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
  const std::string delta =
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}\n\n";
  EXPECT_EQ(grammar_failures(start + block_start + delta + block_stop + end), 0);  // the good one passes
  EXPECT_GT(grammar_failures(block_start + start + end), 0);             // block before message_start
  EXPECT_GT(grammar_failures(start + block_start + block_stop + end), 0);  // block without delta
  EXPECT_GT(grammar_failures(start + block_start + delta + end), 0);     // block never stopped
  EXPECT_GT(grammar_failures(start + block_start + delta + block_stop), 0);  // no message_stop
  EXPECT_GT(grammar_failures(start + start + end), 0);                   // two message_starts
  EXPECT_GT(grammar_failures("data: {\"type\":\"ping\"}\n\n" + start + end), 0);  // no event: line
  EXPECT_GT(grammar_failures(start + end + block_start), 0);            // after message_stop
}

}  // namespace
}  // namespace gw::translate::anthropic
