// Tests for the Anthropic stream translator: recorded transcripts replayed whole, split at every byte and
// byte by byte, every output checked against the Messages event grammar and against the whole-message form.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "translate/anthropic/messages.hpp"
#include "translate/anthropic/signature.hpp"
#include "translate/anthropic/test_support.hpp"

namespace gw::translate::anthropic {
namespace {
namespace json = boost::json;
using namespace test;

const char* const transcripts[] = {
    "text_split.sse",          "thinking_then_text.sse",       "gemini3_function_call.sse",
    "parallel_calls.sse",      "code_execution.sse",           "grounding.sse",
    "max_tokens_thoughts_only.sse", "safety.sse",              "prompt_blocked.sse",
    "empty_candidates.sse",    "finish_then_usage.sse",        "signature_before_call.sse",
    "text_signature_at_end.sse", "thinking_call_own_signature.sse", "error_mid_stream.sse",
};

response_context ctx_for(const std::string& name) {
  response_context ctx = make_ctx(name.find("gemini3") != std::string::npos || name.find("call") != std::string::npos ||
                                          name.find("signature") != std::string::npos
                                      ? "gemini-3-flash-preview"
                                      : "gemini-2.5-pro");
  (void)ctx.tool_names.add("mcp__fs__read file");  // the request declared this tool (sent as mcp__fs__read_file)
  return ctx;
}

// The non-stream equivalent of a transcript: every chunk's parts in order, the last finishReason and counts.
json::object merged_response(const std::string& raw) {
  json::array parts;
  json::object usage, merged;
  std::string finish;
  sse::parser p;
  std::string inner;
  p.feed(raw, [&](const sse::event& ev) {
    if (!upstream::unwrap_event_text(ev.data, inner)) return;
    json::object r = json::parse(inner).as_object();
    if (auto* pf = r.if_contains("promptFeedback")) merged["promptFeedback"] = *pf;
    if (auto* um = r.if_contains("usageMetadata"))
      for (auto& kv : um->as_object()) usage[kv.key()] = kv.value();
    if (auto* cs = r.if_contains("candidates"); cs && !cs->as_array().empty()) {
      auto& c = cs->as_array()[0].as_object();
      if (auto* f = c.if_contains("finishReason")) finish = f->as_string().c_str();
      if (auto* content = c.if_contains("content"))
        if (auto* ps = content->as_object().if_contains("parts"))
          for (auto& part : ps->as_array()) parts.push_back(part);
    }
  });
  json::object cand{{"content", json::object{{"role", "model"}, {"parts", parts}}}};
  if (!finish.empty()) cand["finishReason"] = finish;
  if (!parts.empty() || !finish.empty()) merged["candidates"] = json::array{cand};
  merged["usageMetadata"] = usage;
  return merged;
}

TEST(AnthropicStreamFromGemini, EveryTranscriptIsIdenticalForEveryByteSplitAndFollowsTheGrammar) {
  for (const char* name : transcripts) {
    SCOPED_TRACE(name);
    const std::string raw = testdata(name);
    ASSERT_FALSE(raw.empty());
    const response_context ctx = ctx_for(name);
    const std::string whole = replay(raw, {}, ctx);
    check_grammar(whole);
    for (std::size_t cut = 0; cut <= raw.size(); ++cut) {
      const std::string split = replay(raw, {cut}, ctx);
      ASSERT_EQ(split, whole) << "split at byte " << cut;
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < raw.size(); ++i) every.push_back(i);
    EXPECT_EQ(replay(raw, every, ctx), whole) << "fed byte by byte";
  }
}

TEST(AnthropicStreamFromGemini, StreamBuildsTheSameBlocksAsTheWholeMessage) {
  for (const char* name : transcripts) {
    if (std::string(name) == "error_mid_stream.sse") continue;
    SCOPED_TRACE(name);
    const std::string raw = testdata(name);
    response_context ctx = ctx_for(name);
    const json::array streamed = check_grammar(replay(raw, {}, ctx));
    ctx.stream = false;
    auto whole = from_gemini(merged_response(raw), ctx);
    ASSERT_TRUE(whole);
    const json::object msg = json::parse(*whole).as_object();
    EXPECT_EQ(msg.at("content"), json::value(streamed));
    // stop_reason and usage agree too.
    const auto events = parse_events(replay(raw, {}, ctx));
    const json::object* delta = nullptr;
    for (const auto& e : events)
      if (e.name == "message_delta") delta = &e.data;
    ASSERT_NE(delta, nullptr);
    EXPECT_EQ(delta->at("delta").at("stop_reason"), msg.at("stop_reason"));
    EXPECT_EQ(delta->at("usage"), msg.at("usage"));
  }
}

// Test 47: text "Hi", STOP -> exactly the six events, each with its event: line.
TEST(AnthropicStreamFromGemini, SimpleTextGivesExactEventSequence) {
  stream_from_gemini s(make_ctx());
  std::string out;
  s.on_chunk(json::parse(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"finishReason":"STOP"}],
    "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":1,"totalTokenCount":6}})").as_object(), out);
  s.on_finish(out);
  EXPECT_EQ(out,
            "event: message_start\n"
            "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_test1\",\"type\":\"message\",\"role\":\"assistant\","
            "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
            "\"usage\":{\"input_tokens\":5,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0}}}\n\n"
            "event: content_block_start\n"
            "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
            "event: content_block_delta\n"
            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
            "event: content_block_stop\n"
            "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            "event: message_delta\n"
            "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
            "\"usage\":{\"input_tokens\":5,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}\n\n"
            "event: message_stop\n"
            "data: {\"type\":\"message_stop\"}\n\n");
  EXPECT_TRUE(s.ended());
}

json::array blocks_of(const std::string& transcript, response_context ctx) {
  return check_grammar(replay(testdata(transcript), {}, ctx));
}

const json::object* delta_of(const std::vector<client_event>& events) {
  for (const auto& e : events)
    if (e.name == "message_delta") return &e.data;
  return nullptr;
}

// Test 48: thought then text -> thinking block (with the signature) then text block.
TEST(AnthropicStreamFromGemini, ThoughtPartsBecomeAThinkingBlockCarryingTheTaggedSignature) {
  const json::array b = blocks_of("thinking_then_text.sse", make_ctx());
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].at("type"), "thinking");
  EXPECT_EQ(b[0].at("thinking"), "**Planning the answer**\n\nThe user wants a haiku. Five, seven, five.");
  EXPECT_EQ(b[0].at("signature"),
            json::value(encode_signature("gemini-2.5-pro", "CsYBAdHtim9sK2xQ7vT3pQ0mHn1R8cW4yJ6fB2aD5eG9iL3oN7qS1uV4xZ0==")));
  EXPECT_EQ(b[1].at("type"), "text");
  EXPECT_EQ(b[1].at("text"), "Autumn moonlight—\na worm digs silently\ninto the chestnut.");
}

// Test 49: functionCall -> tool_use with one input_json_delta, stop_reason tool_use; its signature on a
// thinking block right before it.
TEST(AnthropicStreamFromGemini, FunctionCallBecomesToolUseWithItsSignatureOnTheThinkingBlockBefore) {
  const std::string out = replay(testdata("gemini3_function_call.sse"), {}, make_ctx("gemini-3-flash-preview"));
  const json::array b = check_grammar(out);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[0].at("type"), "thinking");
  EXPECT_EQ(b[0].at("signature"), "");
  EXPECT_EQ(b[1].at("type"), "text");
  EXPECT_EQ(b[2].at("type"), "thinking");
  EXPECT_EQ(b[2].at("thinking"), "");
  EXPECT_EQ(b[2].at("signature"),
            json::value(encode_signature("gemini-3-flash-preview",
                             "CiQBjz1rX0Vx3nYq2m8Hk1fJ5r0c7WZp9tQeL4uA6bN2sD8gHjKlMnOpQrStUvWxYz+/AbCdEfGh==")));
  EXPECT_EQ(b[3].at("type"), "tool_use");
  EXPECT_EQ(b[3].at("id"), "toolu_test1_1");
  EXPECT_EQ(b[3].at("name"), "get_weather");
  EXPECT_EQ(b[3].at("input"), json::parse(R"({"city":"Zürich","unit":"celsius","day":"tomorrow"})"));
  const auto events = parse_events(out);
  int json_deltas = 0;
  for (const auto& e : events)
    if (e.name == "content_block_delta" && e.data.at("delta").at("type") == "input_json_delta") ++json_deltas;
  EXPECT_EQ(json_deltas, 1);
  EXPECT_EQ(delta_of(events)->at("delta").at("stop_reason"), "tool_use");
}

TEST(AnthropicStreamFromGemini, ParallelCallsKeepTheSignatureOnlyBeforeTheFirst) {
  const json::array b = blocks_of("parallel_calls.sse", make_ctx("gemini-3-flash-preview"));
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].at("type"), "thinking");
  EXPECT_EQ(b[0].at("signature"), json::value(encode_signature("gemini-3-flash-preview", "EpcCCpQCAdHtim8pAr4llelF1rst==")));
  EXPECT_EQ(b[1].at("input").at("file_path"), "/src/a.cpp");
  EXPECT_EQ(b[2].at("input").at("file_path"), "/src/b.cpp");
  EXPECT_NE(b[1].at("id"), b[2].at("id"));
}

TEST(AnthropicStreamFromGemini, SignatureOnlyPartDoesNotOpenTextBlock) {
  // A signature arriving alone before a call goes with that call.
  const json::array b = blocks_of("signature_before_call.sse", make_ctx("gemini-3-flash-preview"));
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].at("type"), "thinking");
  EXPECT_EQ(b[0].at("signature"), json::value(encode_signature("gemini-3-flash-preview", "Ck8BPendingSigBeforeTheCall/xyz==")));
  EXPECT_EQ(b[1].at("type"), "tool_use");
  // A signature arriving alone after the answer text: no empty text block, no stray thinking block.
  const json::array t = blocks_of("text_signature_at_end.sse", make_ctx("gemini-3-flash-preview"));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].at("type"), "text");
  EXPECT_EQ(t[0].at("text"), "Sure: 42.");
}

TEST(AnthropicStreamFromGemini, CallWithItsOwnSignatureAfterSignedThoughtsGetsItsOwnThinkingBlock) {
  response_context ctx = make_ctx("gemini-3-flash-preview");
  (void)ctx.tool_names.add("mcp__fs__read file");
  const json::array b = blocks_of("thinking_call_own_signature.sse", ctx);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].at("signature"), json::value(encode_signature("gemini-3-flash-preview", "ThoughtPartSignatureAAAA==")));
  EXPECT_EQ(b[1].at("thinking"), "");
  EXPECT_EQ(b[1].at("signature"), json::value(encode_signature("gemini-3-flash-preview", "CallPartSignatureBBBB==")));
  EXPECT_EQ(b[2].at("name"), "mcp__fs__read file");  // the client's tool name, not the sanitized one
}

// Test 50.
TEST(AnthropicStreamFromGemini, MaxTokensWithOnlyThoughtsEndsWithMaxTokensAndNoTextBlock) {
  const auto events = parse_events(replay(testdata("max_tokens_thoughts_only.sse"), {}, make_ctx()));
  EXPECT_EQ(delta_of(events)->at("delta").at("stop_reason"), "max_tokens");
  EXPECT_EQ(delta_of(events)->at("usage").at("output_tokens"), 128);
  const json::array b = blocks_of("max_tokens_thoughts_only.sse", make_ctx());
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].at("type"), "thinking");
}

// Test 51: prompt 100, cached 40, candidates 10, thoughts 5 -> input 60, cache_read 40, output 15.
TEST(AnthropicStreamFromGemini, UsageSplitsCacheAndCountsThoughtsAsOutput) {
  stream_from_gemini s(make_ctx());
  const auto events = parse_events(replay(testdata("text_split.sse"), {}, make_ctx()));
  const auto& u = delta_of(events)->at("usage");
  EXPECT_EQ(u.at("input_tokens"), 60);
  EXPECT_EQ(u.at("cache_read_input_tokens"), 40);
  EXPECT_EQ(u.at("cache_creation_input_tokens"), 0);
  EXPECT_EQ(u.at("output_tokens"), 15);
  // message_start had no usage yet: zeros, and message_delta carries the input tokens.
  EXPECT_EQ(events[0].data.at("message").at("usage").at("input_tokens"), 0);
}

TEST(AnthropicStreamFromGemini, TotalsReportTheLastUsageSeen) {
  stream_from_gemini s(make_ctx());
  std::string out;
  sse::parser p;
  std::string inner;
  p.feed(testdata("text_split.sse"), [&](const sse::event& ev) {
    ASSERT_TRUE(upstream::unwrap_event_text(ev.data, inner));
    s.on_chunk(json::parse(inner).as_object(), out);
  });
  const auto t = s.totals();
  EXPECT_EQ(t.input, 100);
  EXPECT_EQ(t.output, 10);
  EXPECT_EQ(t.thinking, 5);
  EXPECT_EQ(t.cached, 40);
}

// Test 52.
TEST(AnthropicStreamFromGemini, BlockedPromptGivesRefusalWithNoBlocks) {
  const std::string out = replay(testdata("prompt_blocked.sse"), {}, make_ctx());
  const auto events = parse_events(out);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].name, "message_start");
  EXPECT_EQ(events[1].name, "message_delta");
  EXPECT_EQ(events[1].data.at("delta").at("stop_reason"), "refusal");
  EXPECT_EQ(events[2].name, "message_stop");
}

TEST(AnthropicStreamFromGemini, SafetyStopIsRefusal) {
  const auto events = parse_events(replay(testdata("safety.sse"), {}, make_ctx()));
  EXPECT_EQ(delta_of(events)->at("delta").at("stop_reason"), "refusal");
}

// Test 53: an upstream error mid-stream -> event: error, nothing after it, no message_stop.
TEST(AnthropicStreamFromGemini, UpstreamErrorMidStreamEndsWithAnErrorEventOnly) {
  const std::string out = replay(testdata("error_mid_stream.sse"), {}, make_ctx());
  bool errored = false;
  check_grammar(out, &errored);
  EXPECT_TRUE(errored);
  const auto events = parse_events(out);
  EXPECT_EQ(events.back().name, "error");
  EXPECT_EQ(events.back().data.at("error").at("type"), "overloaded_error");
  for (const auto& e : events) EXPECT_NE(e.name, "message_stop");
  for (const auto& e : events) EXPECT_NE(e.name, "content_block_stop");
}

TEST(AnthropicStreamFromGemini, ErrorAfterFinishOrTwiceWritesNothing) {
  stream_from_gemini s(make_ctx());
  std::string out;
  s.on_finish(out);
  const std::string before = out;
  s.on_error(client_error(error_kind::internal, "x"), out);
  s.heartbeat(out);
  s.on_finish(out);
  EXPECT_EQ(out, before);
  check_grammar(out);
}

TEST(AnthropicStreamFromGemini, ErrorBeforeAnyChunkIsJustTheErrorEvent) {
  stream_from_gemini s(make_ctx());
  std::string out;
  gw::error e = make_error(error_kind::rate_limited, error_source::upstream, "slow down");
  s.on_error(e, out);
  EXPECT_EQ(out, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}\n\n");
  s.on_error(e, out);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3);
}

TEST(AnthropicStreamFromGemini, HeartbeatIsAPingAfterMessageStart) {
  stream_from_gemini s(make_ctx());
  std::string out;
  s.heartbeat(out);
  s.heartbeat(out);
  s.on_chunk(json::parse(R"({"candidates":[{"content":{"parts":[{"text":"a"}]}}]})").as_object(), out);
  s.heartbeat(out);  // inside an open block: still legal
  s.on_chunk(json::parse(R"({"candidates":[{"content":{"parts":[{"text":"b"}]},"finishReason":"STOP"}]})").as_object(), out);
  s.heartbeat(out);
  s.on_finish(out);
  const auto events = parse_events(out);
  EXPECT_EQ(events[0].name, "message_start");
  EXPECT_EQ(events[1].name, "ping");
  EXPECT_EQ(events[1].data, json::parse(R"({"type":"ping"})"));
  EXPECT_EQ(events[2].name, "ping");
  check_grammar(out);
  const auto b = check_grammar(out);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].at("text"), "ab");
  s.heartbeat(out);
  EXPECT_EQ(parse_events(out).back().name, "message_stop");  // nothing after the end
}

TEST(AnthropicStreamFromGemini, FinishReasonWithUsageClosesAtOnceAndLaterChunksOnlyUpdateTotals) {
  stream_from_gemini s(make_ctx());
  std::string out;
  s.on_chunk(json::parse(R"({"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP"}],
    "usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1}})").as_object(), out);
  EXPECT_TRUE(s.ended());
  const std::string closed = out;
  s.on_chunk(json::parse(R"({"candidates":[{"content":{"parts":[{"text":"late"}]}}],
    "usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2}})").as_object(), out);
  s.on_finish(out);
  EXPECT_EQ(out, closed);
  EXPECT_EQ(s.totals().output, 2);
}

TEST(AnthropicStreamFromGemini, FinishReasonWithoutUsageWaitsForTheUsage) {
  const auto events = parse_events(replay(testdata("finish_then_usage.sse"), {}, make_ctx()));
  EXPECT_EQ(delta_of(events)->at("usage").at("input_tokens"), 7);
  EXPECT_EQ(delta_of(events)->at("usage").at("output_tokens"), 2);
}

TEST(AnthropicStreamFromGemini, StreamEndingWithoutFinishReasonIsEndTurn) {
  stream_from_gemini s(make_ctx());
  std::string out;
  s.on_chunk(json::parse(R"({"candidates":[{"content":{"parts":[{"text":"cut"}]}}]})").as_object(), out);
  s.on_finish(out);
  const auto events = parse_events(out);
  EXPECT_EQ(delta_of(events)->at("delta").at("stop_reason"), "end_turn");
  EXPECT_EQ(delta_of(events)->at("usage").at("output_tokens"), 0);
  check_grammar(out);
}

TEST(AnthropicStreamFromGemini, NoChunkAtAllStillGivesAWellFormedEmptyMessage) {
  stream_from_gemini s(make_ctx());
  std::string out;
  s.on_finish(out);
  const auto events = parse_events(out);
  ASSERT_EQ(events.size(), 3u);
  check_grammar(out);
}

TEST(AnthropicStreamFromGemini, CodeExecutionPartsBecomeFencedText) {
  const json::array b = blocks_of("code_execution.sse", make_ctx());
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].at("text"),
            "I'll compute it.\n```python\nprint(sum(range(101)))\n```\n\n```\n5050\n```\nThe sum is 5050.");
}

TEST(AnthropicStreamFromGemini, MovedTranslatorKeepsWorking) {
  stream_from_gemini a(make_ctx("gemini-3-flash-preview"));
  std::string out;
  a.on_chunk(json::parse(R"({"candidates":[{"content":{"parts":[{"text":"t","thought":true}]}}]})").as_object(), out);
  stream_from_gemini b(std::move(a));
  b.on_chunk(json::parse(R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}},
    "thoughtSignature":"S"}]},"finishReason":"STOP"}]})").as_object(), out);
  b.on_finish(out);
  const json::array blocks = check_grammar(out);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].at("signature"), json::value(encode_signature("gemini-3-flash-preview", "S")));
  EXPECT_EQ(blocks[1].at("id"), "toolu_test1_1");
}

}  // namespace
}  // namespace gw::translate::anthropic
