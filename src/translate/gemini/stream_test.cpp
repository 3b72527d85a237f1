// Gemini-native stream framing: SSE events, the JSON array, honest endings and heartbeats.
#include "translate/gemini/stream.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gw::translate::gemini {
namespace {

TEST(GeminiStreamFromGemini, SseEventsAreDataLinesWithoutDone) {
  stream_from_gemini s(framing::sse);
  std::string out;
  s.on_chunk_text(R"({"candidates":[]})", out);
  s.on_finish(out);
  EXPECT_EQ(out, "data: {\"candidates\":[]}\n\n");
}

TEST(GeminiStreamFromGemini, ArrayFramingParsesAsOneJsonArray) {
  stream_from_gemini s(framing::json_array);
  std::string out;
  s.on_chunk_text(R"({"a":1})", out);
  s.heartbeat(out);
  s.on_chunk_text(R"({"a":2})", out);
  s.on_finish(out);
  auto v = boost::json::parse(out);
  ASSERT_TRUE(v.is_array());
  EXPECT_EQ(v.as_array().size(), 2u);
}

TEST(GeminiStreamFromGemini, EmptyArrayStreamIsAnEmptyArray) {
  stream_from_gemini s(framing::json_array);
  std::string out;
  s.heartbeat(out);
  s.on_finish(out);
  EXPECT_EQ(out, "[]");
}

TEST(GeminiStreamFromGemini, ErrorMidStreamEndsWithAGoogleErrorAndNothingAfter) {
  stream_from_gemini s(framing::sse);
  std::string out;
  s.on_chunk_text(R"({"x":1})", out);
  auto e = make_error(error_kind::upstream_unavailable, error_source::upstream, "upstream stream ended unexpectedly");
  s.on_error(e, out);
  s.on_finish(out);
  s.on_chunk_text(R"({"x":2})", out);
  EXPECT_EQ(out,
            "data: {\"x\":1}\n\ndata: {\"error\":{\"code\":502,\"message\":\"upstream stream ended unexpectedly\","
            "\"status\":\"UNAVAILABLE\"}}\n\n");
}

TEST(GeminiStreamFromGemini, ArrayErrorIsTheLastElement) {
  stream_from_gemini s(framing::json_array);
  std::string out;
  s.on_chunk_text(R"({"x":1})", out);
  s.on_error(make_error(error_kind::upstream_timeout, error_source::upstream, "slow"), out);
  auto v = boost::json::parse(out);
  ASSERT_EQ(v.as_array().size(), 2u);
  EXPECT_EQ(v.as_array()[1].at("error").at("code").as_int64(), 504);
}

TEST(GeminiStreamFromGemini, SseHeartbeatIsAComment) {
  stream_from_gemini s(framing::sse);
  std::string out;
  s.heartbeat(out);
  EXPECT_EQ(out, ": keep-alive\n\n");
}

}  // namespace
}  // namespace gw::translate::gemini
