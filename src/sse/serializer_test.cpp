// Tests of the SSE writer: exact framing, line breaks in values, no reallocation, round trip through the parser.
#include "sse/serializer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sse/parser.hpp"

namespace {

TEST(SseSerializer, DataEventIsOneDataLineAndABlankLine) {
  std::string out = "x";
  gw::sse::append_data_event(out, R"({"a":1})");
  EXPECT_EQ(out, "xdata: {\"a\":1}\n\n");
}

TEST(SseSerializer, NamedEventHasEventLineThenData) {
  std::string out;
  gw::sse::append_event(out, "message_start", R"({"type":"message_start"})");
  EXPECT_EQ(out, "event: message_start\ndata: {\"type\":\"message_start\"}\n\n");
}

TEST(SseSerializer, DataWithLineBreaksBecomesSeveralDataLines) {
  std::string out;
  gw::sse::append_event(out, "e", "a\nb\r\nc\rd");
  EXPECT_EQ(out, "event: e\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
  out.clear();
  gw::sse::append_data_event(out, "{\n}");
  EXPECT_EQ(out, "data: {\ndata: }\n\n");
}

TEST(SseSerializer, EmptyNameWritesNoEventLine) {
  std::string out;
  gw::sse::append_event(out, "", "[DONE]");
  EXPECT_EQ(out, "data: [DONE]\n\n");
}

TEST(SseSerializer, EventNameIsCutAtALineBreak) {
  std::string out;
  gw::sse::append_event(out, "ping\ndata: injected", "x");
  EXPECT_EQ(out, "event: ping\ndata: x\n\n");
}

TEST(SseSerializer, CommentIsAHeartbeatLine) {
  std::string out;
  gw::sse::append_comment(out, "keep-alive");
  EXPECT_EQ(out, ": keep-alive\n\n");
  out.clear();
  gw::sse::append_comment(out, "");
  EXPECT_EQ(out, ":\n\n");
  out.clear();
  gw::sse::append_comment(out, "a\nb");
  EXPECT_EQ(out, ": a\n: b\n\n");
}

TEST(SseSerializer, AppendsWithoutReallocatingWhenCapacitySuffices) {
  std::string out;
  out.reserve(4096);
  const char* before = out.data();
  for (int i = 0; i < 20; ++i) {
    gw::sse::append_data_event(out, R"({"candidates":[{"content":{"parts":[{"text":"hi"}]}}]})");
    gw::sse::append_event(out, "content_block_delta", "{\"i\":1}");
    gw::sse::append_comment(out, "ping");
  }
  EXPECT_EQ(out.data(), before);
}

TEST(SseSerializer, RoundTripsThroughTheParser) {
  struct in_event {
    std::string name, data;
  };
  const std::vector<in_event> events = {
      {"", R"({"choices":[{"delta":{"content":"Hello"}}]})"},
      {"message_delta", R"({"type":"message_delta","usage":{"output_tokens":12}})"},
      {"multi", "line one\nline two\n\nline four"},
      {"", ""},
      {"", " leading space kept"},
      {"error", R"({"type":"error","error":{"message":"x: y"}})"},
  };
  std::string wire;
  for (const auto& e : events) {
    if (e.name.empty()) gw::sse::append_data_event(wire, e.data);
    else gw::sse::append_event(wire, e.name, e.data);
    gw::sse::append_comment(wire, "heartbeat");
  }
  std::vector<in_event> got;
  gw::sse::parser p;
  p.feed(wire, [&](const gw::sse::event& e) { got.push_back({std::string(e.name), std::string(e.data)}); });
  ASSERT_EQ(got.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(got[i].name, events[i].name);
    EXPECT_EQ(got[i].data, events[i].data);
  }
  EXPECT_FALSE(p.has_partial());
}

TEST(SseSerializer, CarriageReturnsInDataComeBackAsNewlines) {
  std::string wire;
  gw::sse::append_data_event(wire, "a\r\nb\rc");
  gw::sse::parser p;
  std::string got;
  p.feed(wire, [&](const gw::sse::event& e) { got = e.data; });
  EXPECT_EQ(got, "a\nb\nc");
}

}  // namespace
