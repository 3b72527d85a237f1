// Non-stream responses (chat.completion) from Gemini responses (translation.md §9 B), and agreement with the stream.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "translate/openai/chat.hpp"
#include "translate/openai/tool_ids.hpp"

namespace gw::translate::openai {
namespace {
namespace json = boost::json;

response_context context() {
  response_context c;
  c.model = "gemini-2.5-flash";
  c.upstream_model = "gemini-2.5-flash";
  c.id = "chatcmpl-xyz";
  c.id_seed = "xyz";
  c.created = 1700000001;
  c.show_reasoning = true;
  return c;
}

json::object whole(std::string_view gemini, const response_context& ctx = context()) {
  auto r = from_gemini(json::parse(gemini).as_object(), ctx);
  EXPECT_TRUE(r);
  return json::parse(*r).as_object();
}

// §9 B21
TEST(OpenaiFromGemini, TextResponseWithUsage) {
  auto r = whole(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hello"}]},"finishReason":"STOP"}],
    "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2,"thoughtsTokenCount":3,"totalTokenCount":10},
    "modelVersion":"gemini-2.5-flash","responseId":"r1"})");
  EXPECT_EQ(
      r, json::parse(R"({"id":"chatcmpl-xyz","object":"chat.completion","created":1700000001,"model":"gemini-2.5-flash",
    "system_fingerprint":null,"choices":[{"index":0,"message":{"role":"assistant","content":"Hello","refusal":null},
    "logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10,
    "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":3}}})"));
}

// §9 B24
TEST(OpenaiFromGemini, ThoughtsGoToReasoningContentWhenShown) {
  const char* g =
      R"({"candidates":[{"content":{"parts":[{"text":"think","thought":true},{"text":"answer"}]},"finishReason":"STOP"}]})";
  auto r = whole(g);
  EXPECT_EQ(r.at("choices").at(0).at("message").at("reasoning_content"), "think");
  EXPECT_EQ(r.at("choices").at(0).at("message").at("content"), "answer");
  response_context hidden = context();
  hidden.show_reasoning = false;
  auto h = whole(g, hidden);
  EXPECT_FALSE(h.at("choices").at(0).at("message").as_object().contains("reasoning_content"));
}

// §9 B26, B28
TEST(OpenaiFromGemini, FunctionCallsHaveNullContentAndStringArguments) {
  auto r = whole(R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"get","args":{"a":1}}},
    {"functionCall":{"name":"now"}}]},"finishReason":"STOP"}]})");
  const auto& m = r.at("choices").at(0).at("message").as_object();
  EXPECT_TRUE(m.at("content").is_null());
  const auto& calls = m.at("tool_calls").as_array();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].at("type"), "function");
  EXPECT_EQ(calls[0].at("function"), json::parse(R"({"name":"get","arguments":"{\"a\":1}"})"));
  EXPECT_EQ(calls[1].at("function").at("arguments"), "{}");
  EXPECT_FALSE(calls[0].as_object().contains("index"));
  EXPECT_NE(calls[0].at("id"), calls[1].at("id"));
  EXPECT_EQ(r.at("choices").at(0).at("finish_reason"), "tool_calls");
}

TEST(OpenaiFromGemini, TextAndCallsTogether) {
  auto r = whole(R"({"candidates":[{"content":{"parts":[{"text":"Checking."},
    {"functionCall":{"name":"get","args":{}},"thoughtSignature":"U0lH"}]},"finishReason":"STOP"}]})");
  const auto& m = r.at("choices").at(0).at("message").as_object();
  EXPECT_EQ(m.at("content"), "Checking.");
  EXPECT_EQ(m.at("tool_calls").at(0).at("extra_content").at("google").at("thought_signature"), "U0lH");
  EXPECT_EQ(
      decode_tool_call_id(std::string(m.at("tool_calls").at(0).at("id").as_string()), "gemini-2.5-flash").signature,
      "U0lH");
}

// §9 B29
TEST(OpenaiFromGemini, MaxTokensWithoutPartsIsLengthAndEmptyContent) {
  auto r = whole(R"({"candidates":[{"content":{"role":"model"},"finishReason":"MAX_TOKENS"}],
    "usageMetadata":{"promptTokenCount":50,"thoughtsTokenCount":100,"totalTokenCount":150}})");
  EXPECT_EQ(r.at("choices").at(0).at("finish_reason"), "length");
  EXPECT_EQ(r.at("choices").at(0).at("message").at("content"), "");
  EXPECT_EQ(r.at("usage").at("completion_tokens"), 100);
}

TEST(OpenaiFromGemini, FinishReasonTable) {
  const std::pair<const char*, const char*> table[] = {{"STOP", "stop"},
                                                       {"MAX_TOKENS", "length"},
                                                       {"SAFETY", "content_filter"},
                                                       {"RECITATION", "content_filter"},
                                                       {"BLOCKLIST", "content_filter"},
                                                       {"PROHIBITED_CONTENT", "content_filter"},
                                                       {"SPII", "content_filter"},
                                                       {"OTHER", "content_filter"},
                                                       {"MALFORMED_FUNCTION_CALL", "stop"},
                                                       {"FINISH_REASON_UNSPECIFIED", "stop"},
                                                       {"SOMETHING_NEW", "stop"}};
  for (const auto& [g, o] : table) {
    auto r = whole(std::string(R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":")") + g + "\"}]}");
    EXPECT_EQ(r.at("choices").at(0).at("finish_reason"), o) << g;
  }
  auto none = whole(R"({"candidates":[{"content":{"parts":[{"text":"x"}]}}]})");
  EXPECT_EQ(none.at("choices").at(0).at("finish_reason"), "stop");
}

// §9 B31
TEST(OpenaiFromGemini, BlockedPromptIsOneContentFilterChoice) {
  auto r = whole(
      R"({"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":4,"totalTokenCount":4}})");
  EXPECT_EQ(r.at("choices"), json::parse(R"([{"index":0,"message":{"role":"assistant","content":"","refusal":null},
    "logprobs":null,"finish_reason":"content_filter"}])"));
  EXPECT_EQ(r.at("usage").at("prompt_tokens"), 4);
}

TEST(OpenaiFromGemini, EmptyCandidatesGiveOneEmptyChoice) {
  auto r = whole(R"({"candidates":[]})");
  EXPECT_EQ(r.at("choices").at(0).at("message").at("content"), "");
  EXPECT_EQ(r.at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_EQ(r.at("usage").at("total_tokens"), 0);
}

TEST(OpenaiFromGemini, SeveralCandidatesAreIndexedChoices) {
  auto r = whole(R"({"candidates":[{"content":{"parts":[{"text":"b"}]},"finishReason":"STOP","index":1},
    {"content":{"parts":[{"text":"a"}]},"finishReason":"MAX_TOKENS","index":0}]})");
  const auto& c = r.at("choices").as_array();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].at("index"), 0);
  EXPECT_EQ(c[0].at("message").at("content"), "a");
  EXPECT_EQ(c[0].at("finish_reason"), "length");
  EXPECT_EQ(c[1].at("message").at("content"), "b");
}

TEST(OpenaiFromGemini, CodeExecutionGroundingAndImages) {
  auto r = whole(R"j({"candidates":[{"content":{"parts":[{"executableCode":{"language":"PYTHON","code":"print(1)"}},
    {"codeExecutionResult":{"outcome":"OUTCOME_FAILED","output":"Traceback"}},{"text":"Done."},
    {"inlineData":{"mimeType":"image/png","data":"iVBO"}}]},"finishReason":"STOP",
    "groundingMetadata":{"groundingChunks":[{"web":{"uri":"https://a.example","title":"A"}},{"retrievedContext":{}},{"web":{"uri":"https://b.example"}}]}}]})j");
  const auto& m = r.at("choices").at(0).at("message").as_object();
  EXPECT_EQ(m.at("content"),
            "```python\nprint(1)\n```\nCode execution ended with OUTCOME_FAILED:\n```output\nTraceback\n```\n"
            "Done.\n![image](data:image/png;base64,iVBO)\n\nSources:\n1. [A](https://a.example)\n"
            "3. [https://b.example](https://b.example)\n");
  EXPECT_TRUE(m.at("grounding_metadata").as_object().contains("groundingChunks"));
}

TEST(OpenaiFromGemini, UsageCountsToolPromptAndCache) {
  auto r = whole(R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}],
    "usageMetadata":{"promptTokenCount":100,"cachedContentTokenCount":40,"candidatesTokenCount":10,"thoughtsTokenCount":5,
    "toolUsePromptTokenCount":7,"totalTokenCount":122}})");
  EXPECT_EQ(r.at("usage"), json::parse(R"({"prompt_tokens":107,"completion_tokens":15,"total_tokens":122,
    "prompt_tokens_details":{"cached_tokens":40},"completion_tokens_details":{"reasoning_tokens":5}})"));
}

TEST(OpenaiFromGemini, WholeAndStreamedAnswersAgree) {
  const char* g = R"({"candidates":[{"content":{"parts":[{"text":"a","thought":true},{"text":"Hi "},
    {"executableCode":{"language":"PYTHON","code":"x"}},{"functionCall":{"name":"f","args":{"k":[1,2]}},"thoughtSignature":"U0lH"},
    {"text":"bye"}]},"finishReason":"STOP","groundingMetadata":{"groundingChunks":[{"web":{"uri":"https://s","title":"S"}}]}}],
    "usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":2,"totalTokenCount":3}})";
  response_context ctx = context();
  auto w = whole(g, ctx);
  ctx.stream = true;
  stream_from_gemini s(ctx);
  std::string out;
  s.on_chunk(json::parse(g).as_object(), out);
  s.on_finish(out);
  std::string content, reasoning;
  json::array calls;
  std::string finish;
  std::size_t pos = 0;
  while ((pos = out.find("data: {", pos)) != std::string::npos) {
    const std::size_t end = out.find("\n\n", pos);
    json::object c = json::parse(out.substr(pos + 6, end - pos - 6)).as_object();
    pos = end;
    for (const auto& ch : c.at("choices").as_array()) {
      const auto& d = ch.at("delta").as_object();
      if (auto* v = d.if_contains("content")) content += v->as_string();
      if (auto* v = d.if_contains("reasoning_content")) reasoning += v->as_string();
      if (auto* v = d.if_contains("tool_calls")) {
        json::object call = v->at(0).as_object();
        call.erase("index");
        calls.push_back(call);
      }
      if (!ch.at("finish_reason").is_null()) finish = ch.at("finish_reason").as_string();
    }
  }
  const auto& m = w.at("choices").at(0).at("message").as_object();
  EXPECT_EQ(m.at("content"), json::value(content));
  EXPECT_EQ(m.at("reasoning_content"), json::value(reasoning));
  EXPECT_EQ(m.at("tool_calls"), calls);
  EXPECT_EQ(w.at("choices").at(0).at("finish_reason"), json::value(finish));
}

// §9 A19 and F66/F67 end to end: request -> (upstream answer) -> response -> the client replays the message.
TEST(OpenaiRoundTrip, SanitizedNamesAndSignaturesSurviveAFullTurn) {
  const models::catalog cat = models::catalog::defaults();
  auto first = to_gemini(json::parse(R"({"model":"gemini-3-flash-preview","messages":[{"role":"user","content":"go"}],
    "tools":[{"type":"function","function":{"name":"my tool/v2","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}]})"),
                         cat, request_env{1, "turn1", false});
  ASSERT_TRUE(first);
  const std::string upstream_name(
      first->request.at("tools").at(0).at("functionDeclarations").at(0).at("name").as_string());
  EXPECT_EQ(upstream_name, "my_tool_v2");
  auto answer = from_gemini(json::parse(R"({"candidates":[{"content":{"role":"model","parts":[
    {"functionCall":{"name":"my_tool_v2","args":{"q":"x"}},"thoughtSignature":"Q2lRQmp6MXI="},
    {"functionCall":{"name":"my_tool_v2","args":{"q":"y"}}}]},"finishReason":"STOP"}]})")
                                .as_object(),
                            first->ctx);
  ASSERT_TRUE(answer);
  json::object message = json::parse(*answer).at("choices").at(0).at("message").as_object();
  ASSERT_EQ(message.at("tool_calls").at(0).at("function").at("name"), "my tool/v2");
  for (bool keep_extra_content : {true, false}) {
    json::object replayed = message;
    json::array& calls = replayed.at("tool_calls").as_array();
    if (!keep_extra_content)
      for (auto& c : calls) c.as_object().erase("extra_content");  // a client that keeps only id/type/function
    json::array messages{json::object{{"role", "user"}, {"content", "go"}}, replayed};
    for (const auto& c : calls)
      messages.push_back(json::object{{"role", "tool"}, {"tool_call_id", c.at("id")}, {"content", "done"}});
    json::object body{{"model", "gemini-3-flash-preview"},
                      {"messages", messages},
                      {"tools", json::parse(R"([{"type":"function","function":{"name":"my tool/v2"}}])")}};
    auto second = to_gemini(body, cat, request_env{2, "turn2", false});
    ASSERT_TRUE(second);
    const auto& model_parts = second->request.at("contents").at(1).at("parts").as_array();
    ASSERT_EQ(model_parts.size(), 2u);
    EXPECT_EQ(model_parts[0].at("thoughtSignature"), "Q2lRQmp6MXI=");
    EXPECT_EQ(model_parts[0].at("functionCall"), json::parse(R"({"name":"my_tool_v2","args":{"q":"x"}})"));
    EXPECT_FALSE(model_parts[1].as_object().contains("thoughtSignature"));
    const auto& results = second->request.at("contents").at(2).at("parts").as_array();
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].at("functionResponse"), json::parse(R"({"name":"my_tool_v2","response":{"output":"done"}})"));
  }
}

}  // namespace
}  // namespace gw::translate::openai
