// Tests of the SSE parser: recorded Code Assist stream split everywhere, line endings, fields, tail, overflow.
#include "sse/parser.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct owned_event {
  std::string name, data, id;
  bool operator==(const owned_event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const owned_event& e) {
  return os << "{name=" << e.name << " id=" << e.id << " data=" << e.data << "}";
}

struct collector {
  std::vector<owned_event> events;
  void operator()(const gw::sse::event& e) {
    events.push_back({std::string(e.name), std::string(e.data), std::string(e.id)});
  }
};

std::vector<owned_event> parse_chunks(gw::sse::parser& p, const std::vector<std::string_view>& chunks) {
  collector c;
  for (auto chunk : chunks) p.feed(chunk, c);
  return c.events;
}

std::vector<owned_event> parse_all(std::string_view bytes) {
  gw::sse::parser p;
  return parse_chunks(p, {bytes});
}

std::string read_testdata(const std::string& name) {
  std::ifstream f(std::string(GW_TESTDATA_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string with_line_endings(std::string_view lf_text, std::string_view eol) {
  std::string out;
  for (char ch : lf_text) {
    if (ch == '\n') out.append(eol);
    else out.push_back(ch);
  }
  return out;
}

const std::string& recorded_stream() {
  static const std::string s = read_testdata("code_assist_stream.sse");
  return s;
}

TEST(SseParser, RecordedCodeAssistStreamGivesFiveJsonEvents) {
  const auto events = parse_all(recorded_stream());
  ASSERT_EQ(events.size(), 5u);
  for (const auto& e : events) {
    EXPECT_TRUE(e.name.empty());
    EXPECT_TRUE(e.id.empty());
    boost::system::error_code ec;
    auto v = boost::json::parse(e.data, ec);
    ASSERT_FALSE(ec) << e.data;
    EXPECT_TRUE(v.as_object().contains("traceId"));
  }
  auto first = boost::json::parse(events[0].data);
  EXPECT_EQ(first.at_pointer("/response/candidates/0/content/parts/0/thought"), true);
  auto call = boost::json::parse(events[3].data);
  EXPECT_EQ(call.at_pointer("/response/candidates/0/content/parts/0/functionCall/name"), "get_weather");
  EXPECT_TRUE(call.at_pointer("/response/candidates/0/content/parts/0").as_object().contains("thoughtSignature"));
  auto last = boost::json::parse(events[4].data);
  EXPECT_EQ(last.at_pointer("/response/candidates/0/finishReason"), "STOP");
  EXPECT_EQ(last.at_pointer("/response/usageMetadata/totalTokenCount"), 530);
}

class SseParserLineEndings : public ::testing::TestWithParam<const char*> {};

TEST_P(SseParserLineEndings, SplitAtEveryByteBoundaryGivesTheSameEvents) {
  const std::string text = with_line_endings(recorded_stream(), GetParam());
  const auto expected = parse_all(recorded_stream());
  ASSERT_EQ(expected.size(), 5u);
  for (std::size_t i = 0; i <= text.size(); ++i) {
    gw::sse::parser p;
    std::string_view all(text);
    const auto got = parse_chunks(p, {all.substr(0, i), all.substr(i)});
    ASSERT_EQ(got, expected) << "split at " << i;
    EXPECT_FALSE(p.has_partial()) << "split at " << i;
  }
}

TEST_P(SseParserLineEndings, ByteAtATimeGivesTheSameEvents) {
  const std::string text = with_line_endings(recorded_stream(), GetParam());
  gw::sse::parser p;
  collector c;
  for (char ch : text) p.feed(std::string_view(&ch, 1), c);
  EXPECT_EQ(c.events, parse_all(recorded_stream()));
  EXPECT_FALSE(p.has_partial());
}

TEST_P(SseParserLineEndings, ThreeWaySplitsAroundEveryEventBoundaryGiveTheSameEvents) {
  const std::string text = with_line_endings(recorded_stream(), GetParam());
  const auto expected = parse_all(recorded_stream());
  // Every (i, j) pair near the first event boundary, where line-ending state crosses feeds.
  const std::size_t boundary = text.find('}') + 1;
  for (std::size_t i = boundary - 3; i < boundary + 6; ++i) {
    for (std::size_t j = i; j < boundary + 8; ++j) {
      gw::sse::parser p;
      std::string_view all(text);
      ASSERT_EQ(parse_chunks(p, {all.substr(0, i), all.substr(i, j - i), all.substr(j)}), expected)
          << i << "," << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Endings, SseParserLineEndings, ::testing::Values("\n", "\r\n", "\r"),
                         [](const auto& info) {
                           std::string s = info.param;
                           return s == "\n" ? std::string("lf") : s == "\r\n" ? std::string("crlf") : std::string("cr");
                         });

TEST(SseParser, CrlfSplitBetweenCrAndLfIsOneLineEnding) {
  gw::sse::parser p;
  const auto got = parse_chunks(p, {"data: a\r", "\ndata: b\r", "\n\r", "\n"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "a\nb");
}

TEST(SseParser, LoneCrThenLfAtNextFeedIsNotAnExtraBlankLine) {
  // "\r" ends the line; the "\n" that follows in the next feed completes CRLF, not a blank line.
  gw::sse::parser p;
  EXPECT_TRUE(parse_chunks(p, {"data: a\r", "\n"}).empty());
  EXPECT_TRUE(p.has_partial());
  EXPECT_EQ(parse_chunks(p, {"\n"}).size(), 1u);
}

TEST(SseParser, MixedLineEndingsInOneStream) {
  const auto got = parse_all("data: a\r\n\r\ndata: b\n\ndata: c\r\rdata: d\r\n\n");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3].data, "d");
}

TEST(SseParser, OneLeadingSpaceIsRemovedFromTheValue) {
  const auto got = parse_all("data:x\n\ndata: x\n\ndata:  x\n\ndata:\n\n");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].data, "x");
  EXPECT_EQ(got[1].data, "x");
  EXPECT_EQ(got[2].data, " x");
  EXPECT_EQ(got[3].data, "");
}

TEST(SseParser, MultipleDataLinesAreJoinedWithNewline) {
  const auto got = parse_all("data: {\ndata:  \"a\": 1\ndata: }\n\n");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "{\n \"a\": 1\n}");
}

TEST(SseParser, MultiLineDataSplitAtEveryByteBoundary) {
  const std::string text = "event: delta\nid: 7\ndata: one\ndata:\ndata: three\n\n";
  const auto expected = parse_all(text);
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(expected[0], (owned_event{"delta", "one\n\nthree", "7"}));
  for (std::size_t i = 0; i <= text.size(); ++i) {
    for (std::size_t j = i; j <= text.size(); ++j) {
      gw::sse::parser p;
      std::string_view all(text);
      ASSERT_EQ(parse_chunks(p, {all.substr(0, i), all.substr(i, j - i), all.substr(j)}), expected)
          << i << "," << j;
    }
  }
}

TEST(SseParser, EventNameAndIdBelongToTheirOwnEvent) {
  const auto got = parse_all("event: message_start\nid: 1\ndata: {}\n\ndata: {}\n\n");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (owned_event{"message_start", "{}", "1"}));
  EXPECT_EQ(got[1], (owned_event{"", "{}", ""}));
}

TEST(SseParser, CommentsRetryAndUnknownFieldsAreIgnored) {
  const auto got = parse_all(": keep-alive\n\n:\nretry: 1000\nfoo: bar\ndata: x\n: inside\n\n");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (owned_event{"", "x", ""}));
}

TEST(SseParser, EventWithoutDataLinesIsNotReported) {
  EXPECT_TRUE(parse_all("event: ping\nid: 3\n\n").empty());
}

TEST(SseParser, FieldNameWithoutColonHasEmptyValue) {
  const auto got = parse_all("data\ndata\n\n");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "\n");
}

TEST(SseParser, FieldNamesAreCaseSensitive) {
  EXPECT_TRUE(parse_all("Data: x\n\n").empty());
}

TEST(SseParser, IdContainingNulIsIgnored) {
  const auto got = parse_all(std::string("id: a\0b\ndata: x\n\n", 18));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, "");
}

TEST(SseParser, LeadingByteOrderMarkIsSkippedEvenWhenSplit) {
  gw::sse::parser p;
  const auto got = parse_chunks(p, {"\xEF\xBB", "\xBF" "data: x\n\n", "\xEF\xBB\xBF" "data: y\n\n"});
  ASSERT_EQ(got.size(), 1u);  // a BOM later in the stream is part of the field name, so that line is unknown
  EXPECT_EQ(got[0].data, "x");
}

TEST(SseParser, UnterminatedEventAtEndOfStreamIsReportedAsPartialAndLost) {
  gw::sse::parser p;
  collector c;
  p.feed("data: {\"a\":1}\n\ndata: {\"b\":", c);
  EXPECT_EQ(c.events.size(), 1u);
  EXPECT_TRUE(p.has_partial());
  p.feed("2}\n", c);
  EXPECT_EQ(c.events.size(), 1u);
  EXPECT_TRUE(p.has_partial());  // complete line, but no blank line yet
  p.feed("\n", c);
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[1].data, "{\"b\":2}");
  EXPECT_FALSE(p.has_partial());
}

TEST(SseParser, HasPartialIgnoresTrailingCommentsAndIsSetByAnyField) {
  gw::sse::parser p;
  collector c;
  p.feed(": heartbeat\n", c);
  EXPECT_FALSE(p.has_partial());
  p.feed(": heart", c);
  EXPECT_TRUE(p.has_partial());  // an incomplete line is held
  p.feed("beat\n\nevent: x\n", c);
  EXPECT_TRUE(p.has_partial());
  p.feed("\n", c);
  EXPECT_FALSE(p.has_partial());
  EXPECT_TRUE(c.events.empty());
}

TEST(SseParser, ResetForgetsThePartialEvent) {
  gw::sse::parser p;
  collector c;
  p.feed("data: old\n", c);
  p.reset();
  EXPECT_FALSE(p.has_partial());
  p.feed("data: new\n\n", c);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, "new");
}

TEST(SseParser, WholeEventInTheBufferIsDeliveredWithoutCopying) {
  const std::string buf = "data: {\"x\":1}\n\nevent: e\ndata: {\"y\":2}\n\n";
  const char* lo = buf.data();
  const char* hi = buf.data() + buf.size();
  gw::sse::parser p;
  int seen = 0;
  p.feed(buf, [&](const gw::sse::event& e) {
    ++seen;
    EXPECT_TRUE(e.data.data() >= lo && e.data.data() + e.data.size() <= hi);
    if (!e.name.empty()) {
      EXPECT_TRUE(e.name.data() >= lo && e.name.data() < hi);
    }
  });
  EXPECT_EQ(seen, 2);
}

TEST(SseParser, EventCompletedInALaterFeedSurvivesTheCallerReusingItsBuffer) {
  gw::sse::parser p;
  collector c;
  std::string buf = "event: big\ndata: first-line\ndata: sec";
  p.feed(buf, c);
  buf.assign(buf.size(), '#');  // the caller's read buffer is overwritten by the next read
  buf = "ond\n\n";
  p.feed(buf, c);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0], (owned_event{"big", "first-line\nsecond", ""}));
}

TEST(SseParser, ManyEventsInOneFeedArriveInOrder) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "data: " + std::to_string(i) + "\n\n";
  const auto got = parse_all(text);
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got[i].data, std::to_string(i));
}

TEST(SseParser, EventLargerThanTheCapOverflowsWhenBuffered) {
  gw::sse::parser p(64);
  collector c;
  const std::string chunk(40, 'a');
  p.feed("data: " + chunk, c);
  EXPECT_FALSE(p.overflowed());
  p.feed(chunk, c);
  EXPECT_TRUE(p.overflowed());
  p.feed("\n\ndata: x\n\n", c);  // ignored after overflow
  EXPECT_TRUE(c.events.empty());
  p.reset();
  EXPECT_FALSE(p.overflowed());
  p.feed("data: x\n\n", c);
  EXPECT_EQ(c.events.size(), 1u);
}

TEST(SseParser, EventLargerThanTheCapOverflowsEvenWhenWhollyInOneBuffer) {
  gw::sse::parser p(64);
  collector c;
  p.feed("data: " + std::string(30, 'a') + "\ndata: " + std::string(30, 'b') + "\n\n", c);
  EXPECT_TRUE(p.overflowed());
  EXPECT_TRUE(c.events.empty());
}

TEST(SseParser, CapAppliesPerEventNotPerStream) {
  gw::sse::parser p(64);
  collector c;
  for (int i = 0; i < 1000; ++i) p.feed("data: " + std::string(40, 'z') + "\n\n", c);
  EXPECT_FALSE(p.overflowed());
  EXPECT_EQ(c.events.size(), 1000u);
}

TEST(SseParser, DefaultCapIs64MiB) {
  EXPECT_EQ(gw::sse::parser().max_event_bytes(), std::size_t{64} * 1024 * 1024);
}

}  // namespace
