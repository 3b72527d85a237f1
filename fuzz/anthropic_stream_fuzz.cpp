// Fuzz target: an upstream Code Assist SSE byte stream through the pipeline's pump into
// anthropic::stream_from_gemini; the output must follow the Messages stream grammar, the same however the
// upstream bytes were split.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "translate/anthropic/messages.hpp"

using namespace gw;
namespace json = boost::json;
using fuzz::check;
namespace an = gw::translate::anthropic;

namespace {

an::response_context context(std::uint64_t h) {
  an::response_context c;
  c.model = "claude-sonnet-4-5";
  c.upstream_model = (h & 1) ? "gemini-3-pro-preview" : "gemini-2.5-pro";
  c.message_id = "msg_fuzz";
  c.tool_id_prefix = "toolu_fuzz_";
  c.stream = true;
  if (h & 2) {
    c.tool_names.add("get weather");
    c.tool_names.add("Read");
    c.tool_names.add("mcp__server__tool/with:odd*chars");
  }
  return c;
}

const json::object& obj(const json::object& o, std::string_view key, std::string_view data) {
  const json::value* v = o.if_contains(key);
  check(v && v->is_object(), "missing object field", std::string(key) + " in " + std::string(data));
  return v->get_object();
}
std::string_view str(const json::object& o, std::string_view key, std::string_view data) {
  const json::value* v = o.if_contains(key);
  check(v && v->is_string(), "missing string field", std::string(key) + " in " + std::string(data));
  return v->get_string();
}

// The grammar of messages.hpp (stream_from_gemini), as the Anthropic SDKs' accumulators read it:
//   message_start ping* (content_block_start (delta | ping)+ content_block_stop ping*)* message_delta message_stop
//   or, after an upstream failure, whatever was open stays open and `event: error` ends the stream.
void check_stream(const std::string& out, fuzz::stream_end end) {
  enum class st { start, message, block, delta_sent, stopped, failed };
  st state = st::start;
  std::string block_type, partial_json;
  std::int64_t next_index = 0;
  int deltas = 0;
  bool signature_seen = false;
  for (const auto& ev : fuzz::read_events(out)) {
    check(state != st::stopped && state != st::failed, "an event after message_stop or error", out);
    const json::value v = fuzz::must_parse(ev.data, "an event's data is not JSON");
    check(v.is_object(), "an event's data is not an object", ev.data);
    const json::object& d = v.get_object();
    check(str(d, "type", ev.data) == ev.name, "event: line differs from data.type", ev.data);
    const std::string& name = ev.name;
    if (name == "error") {
      const auto& e = obj(d, "error", ev.data);
      str(e, "type", ev.data);
      str(e, "message", ev.data);
      state = st::failed;
    } else if (name == "ping") {
      check(state != st::start, "ping before message_start", out);
    } else if (name == "message_start") {
      check(state == st::start, "second message_start", out);
      const auto& m = obj(d, "message", ev.data);
      check(str(m, "id", ev.data).starts_with("msg_"), "message id", ev.data);
      check(m.contains("content") && m.at("content").is_array() && m.at("content").get_array().empty(),
            "message_start content is not []", ev.data);
      const auto& u = obj(m, "usage", ev.data);
      check(u.contains("input_tokens") && u.at("input_tokens").is_int64() && u.contains("output_tokens") &&
                u.at("output_tokens").is_int64(),
            "message_start usage counts are not integers", ev.data);
      state = st::message;
    } else if (name == "content_block_start") {
      check(state == st::message, "content_block_start outside a message or inside a block", out);
      check(d.contains("index") && d.at("index") == json::value(next_index), "block index out of order", ev.data);
      const auto& cb = obj(d, "content_block", ev.data);
      block_type = str(cb, "type", ev.data);
      check(block_type == "text" || block_type == "thinking" || block_type == "tool_use", "unknown block type",
            ev.data);
      if (block_type == "tool_use") {
        check(str(cb, "id", ev.data).size() > 0, "tool_use without id", ev.data);
        str(cb, "name", ev.data);  // may be empty: a nameless functionCall becomes a nameless tool_use (reported)
        check(obj(cb, "input", ev.data).empty(), "tool_use start with input", ev.data);
      } else {
        check(str(cb, block_type, ev.data).empty(), "block start with content", ev.data);
      }
      deltas = 0;
      signature_seen = false;
      partial_json.clear();
      state = st::block;
    } else if (name == "content_block_delta") {
      check(state == st::block, "delta outside a block", out);
      check(d.contains("index") && d.at("index") == json::value(next_index), "delta index", ev.data);
      check(!signature_seen, "signature_delta is not the thinking block's last delta", out);
      const auto& delta = obj(d, "delta", ev.data);
      const std::string_view dt = str(delta, "type", ev.data);
      if (block_type == "text") {
        check(dt == "text_delta", "text block with a non-text delta", ev.data);
        str(delta, "text", ev.data);
      } else if (block_type == "thinking") {
        check(dt == "thinking_delta" || dt == "signature_delta", "thinking block delta type", ev.data);
        if (dt == "thinking_delta") str(delta, "thinking", ev.data);
        if (dt == "signature_delta") {
          check(!str(delta, "signature", ev.data).empty(), "empty signature_delta", ev.data);
          signature_seen = true;
        }
      } else {
        check(dt == "input_json_delta", "tool_use block delta type", ev.data);
        partial_json += str(delta, "partial_json", ev.data);
      }
      ++deltas;
    } else if (name == "content_block_stop") {
      check(state == st::block, "content_block_stop outside a block", out);
      check(d.contains("index") && d.at("index") == json::value(next_index), "stop index", ev.data);
      check(deltas >= 1, "a block without deltas", out);
      if (block_type == "tool_use") {
        const json::value input = fuzz::must_parse(partial_json, "tool_use input_json_delta pieces are not JSON");
        check(input.is_object(), "tool_use input is not an object", partial_json);
      }
      ++next_index;
      state = st::message;
    } else if (name == "message_delta") {
      check(state == st::message, "message_delta inside a block or before message_start", out);
      const auto& delta = obj(d, "delta", ev.data);
      str(delta, "stop_reason", ev.data);
      const auto& u = obj(d, "usage", ev.data);
      check(u.contains("output_tokens") && u.at("output_tokens").is_int64(), "message_delta output_tokens",
            ev.data);
      state = st::delta_sent;
    } else if (name == "message_stop") {
      check(state == st::delta_sent, "message_stop without message_delta", out);
      state = st::stopped;
    } else {
      check(false, "unknown event", ev.data);
    }
  }
  if (end == fuzz::stream_end::finished)
    check(state == st::stopped, "a stream that ended normally does not end with message_stop", out);
  else
    check(state == st::failed || state == st::stopped, "a failed stream does not end with an error event", out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  const std::uint64_t h = fuzz::fnv1a(in);
  const auto ctx = context(h);
  std::string whole;
  an::stream_from_gemini a(ctx);
  const auto end = fuzz::pump(a, in, {}, whole);
  check_stream(whole, end);

  const bool beat = (h >> 8) & 1;
  std::string split;
  an::stream_from_gemini b(ctx);
  const auto end_split = fuzz::pump(b, in, fuzz::cuts_from_hash(h >> 12, size), split,
                                    beat ? std::optional<std::size_t>(0) : std::nullopt);
  check(end_split == end, "splitting the upstream bytes changes how the stream ends");
  check_stream(split, end_split);
  if (!beat) check(split == whole, "splitting the upstream bytes changes the output", whole + "\n----\n" + split);
  auto ta = a.totals(), tb = b.totals();
  check(ta.input == tb.input && ta.output == tb.output && ta.thinking == tb.thinking && ta.cached == tb.cached,
        "splitting the upstream bytes changes the usage totals");
  return 0;
}
