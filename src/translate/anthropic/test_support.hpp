// Test helpers for the Anthropic dialect: transcript replay (as the pipeline feeds it) and an event-grammar checker.
#pragma once
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "sse/parser.hpp"
#include "translate/anthropic/messages.hpp"
#include "upstream/proto/envelope.hpp"

namespace gw::translate::anthropic::test {
namespace json = boost::json;

inline std::string testdata(const std::string& name) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / "testdata" / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline response_context make_ctx(std::string upstream = "gemini-2.5-pro") {
  response_context ctx;
  ctx.model = "claude-sonnet-4-5-20250929";
  ctx.upstream_model = std::move(upstream);
  ctx.message_id = "msg_test1";
  ctx.tool_id_prefix = "toolu_test1_";
  ctx.stream = true;
  return ctx;
}

// Feeds raw upstream SSE bytes, cut into the given pieces, through sse::parser + unwrap_event_text into a
// stream translator, as the pipeline does; an error event ends the stream with on_error, else on_finish.
inline std::string replay(const std::string& raw, const std::vector<std::size_t>& cuts, const response_context& ctx) {
  stream_from_gemini s(ctx);
  sse::parser p;
  std::string out, inner;
  bool failed = false;
  std::size_t from = 0;
  auto feed = [&](std::string_view bytes) {
    p.feed(bytes, [&](const sse::event& ev) {
      if (failed) return;
      auto r = upstream::unwrap_event_text(ev.data, inner);
      if (!r) {
        s.on_error(r.err(), out);
        failed = true;
        return;
      }
      s.on_chunk(json::parse(inner).as_object(), out);
    });
  };
  for (std::size_t c : cuts) {
    feed(std::string_view(raw).substr(from, c - from));
    from = c;
  }
  feed(std::string_view(raw).substr(from));
  if (!failed) s.on_finish(out);
  return out;
}

struct client_event {
  std::string name;
  json::object data;
};

inline std::vector<client_event> parse_events(const std::string& out) {
  std::vector<client_event> events;
  sse::parser p;
  p.feed(out, [&](const sse::event& ev) {
    json::error_code ec;
    json::value v = json::parse(ev.data, ec);
    EXPECT_FALSE(ec) << ev.data;
    EXPECT_TRUE(v.is_object()) << ev.data;
    events.push_back({std::string(ev.name), v.is_object() ? v.as_object() : json::object{}});
  });
  EXPECT_FALSE(p.has_partial()) << "output ends inside an event";
  return events;
}

// The whole Messages stream grammar, as the Anthropic SDK's accumulator enforces it (and a bit stricter):
//   message_start ping* (block ping*)* message_delta message_stop   |   ... error (end)
//   block := content_block_start(i) (ping | delta(i))+ content_block_stop(i), i = 0, 1, 2, ...
// Every event has an `event:` line equal to data.type; deltas match their block's type; a signature_delta is
// the last delta of a thinking block; input_json_delta fragments concatenate to a JSON object.
// Returns the content blocks the stream built (as the SDK would), for comparison with the whole message.
inline json::array check_grammar(const std::string& out, bool* ended_with_error = nullptr) {
  enum class st { start, message, block, delta_sent, stopped };
  st state = st::start;
  json::array blocks;
  std::string block_type, partial_json;
  int next_index = 0, deltas = 0;
  bool signature_seen = false, error_seen = false;
  auto events = parse_events(out);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& [name, data] = events[i];
    SCOPED_TRACE("event " + std::to_string(i) + " " + name + ": " + json::serialize(data));
    EXPECT_FALSE(name.empty()) << "every event needs an event: line";
    if (!data.contains("type")) {
      ADD_FAILURE() << "event data without type";
      continue;
    }
    EXPECT_EQ(name, data.at("type").as_string().c_str());
    EXPECT_NE(state, st::stopped) << "nothing may follow message_stop";
    EXPECT_FALSE(error_seen) << "nothing may follow an error event";
    if (name == "error") {
      EXPECT_TRUE(data.at("error").at("type").is_string());
      EXPECT_TRUE(data.at("error").at("message").is_string());
      error_seen = true;
      continue;
    }
    if (name == "ping") {
      EXPECT_NE(state, st::start) << "ping before message_start";
      continue;
    }
    if (name == "message_start") {
      EXPECT_EQ(state, st::start);
      const auto& m = data.at("message").as_object();
      EXPECT_TRUE(m.at("id").as_string().starts_with("msg_"));
      EXPECT_EQ(m.at("type"), "message");
      EXPECT_EQ(m.at("role"), "assistant");
      EXPECT_TRUE(m.at("content").as_array().empty());
      EXPECT_TRUE(m.at("stop_reason").is_null());
      EXPECT_TRUE(m.at("usage").at("input_tokens").is_int64());
      EXPECT_TRUE(m.at("usage").at("output_tokens").is_int64());
      state = st::message;
    } else if (name == "content_block_start") {
      EXPECT_EQ(state, st::message);
      EXPECT_EQ(data.at("index").as_int64(), next_index);
      const auto& cb = data.at("content_block").as_object();
      block_type = cb.at("type").as_string().c_str();
      EXPECT_TRUE(block_type == "text" || block_type == "thinking" || block_type == "tool_use") << block_type;
      json::object b = cb;
      if (block_type == "tool_use") {
        EXPECT_TRUE(cb.at("id").as_string().starts_with("toolu_"));
        EXPECT_FALSE(cb.at("name").as_string().empty());
        EXPECT_TRUE(cb.at("input").as_object().empty());
      } else {
        EXPECT_TRUE(cb.at(block_type).as_string().empty());
      }
      blocks.push_back(std::move(b));
      deltas = 0;
      signature_seen = false;
      partial_json.clear();
      state = st::block;
    } else if (name == "content_block_delta") {
      EXPECT_EQ(state, st::block);
      EXPECT_EQ(data.at("index").as_int64(), next_index);
      EXPECT_FALSE(signature_seen) << "signature_delta must be the thinking block's last delta";
      const auto& d = data.at("delta").as_object();
      const std::string dt = d.at("type").as_string().c_str();
      json::object& b = blocks.back().as_object();
      if (block_type == "text") {
        EXPECT_EQ(dt, "text_delta");
        b["text"].as_string().append(d.at("text").as_string());
      } else if (block_type == "thinking") {
        EXPECT_TRUE(dt == "thinking_delta" || dt == "signature_delta") << dt;
        if (dt == "thinking_delta") b["thinking"].as_string().append(d.at("thinking").as_string());
        if (dt == "signature_delta") {
          EXPECT_FALSE(d.at("signature").as_string().empty());
          b["signature"] = d.at("signature");
          signature_seen = true;
        }
      } else {
        EXPECT_EQ(dt, "input_json_delta");
        partial_json += d.at("partial_json").as_string().c_str();
      }
      ++deltas;
    } else if (name == "content_block_stop") {
      EXPECT_EQ(state, st::block);
      EXPECT_EQ(data.at("index").as_int64(), next_index);
      EXPECT_GE(deltas, 1) << "a block needs at least one delta";
      if (block_type == "tool_use") {
        json::error_code ec;
        json::value input = json::parse(partial_json, ec);
        EXPECT_FALSE(ec) << partial_json;
        EXPECT_TRUE(input.is_object());
        blocks.back().as_object()["input"] = input;
      }
      ++next_index;
      state = st::message;
    } else if (name == "message_delta") {
      EXPECT_EQ(state, st::message);
      const auto& d = data.at("delta").as_object();
      EXPECT_TRUE(d.at("stop_reason").is_string());
      EXPECT_TRUE(d.at("stop_sequence").is_null());
      EXPECT_TRUE(data.at("usage").at("output_tokens").is_int64());
      EXPECT_TRUE(data.at("usage").at("input_tokens").is_int64());
      state = st::delta_sent;
    } else if (name == "message_stop") {
      EXPECT_EQ(state, st::delta_sent);
      state = st::stopped;
    } else {
      ADD_FAILURE() << "unknown event " << name;
    }
  }
  if (ended_with_error) *ended_with_error = error_seen;
  EXPECT_TRUE(state == st::stopped || error_seen) << "stream must end with message_stop or an error event";
  return blocks;
}

}  // namespace gw::translate::anthropic::test
