// Fuzz target: an upstream Code Assist SSE byte stream through the pipeline's pump into
// openai::stream_from_gemini; the output must be a well-formed chat.completion.chunk stream, the same
// however the upstream bytes were split.
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "fuzz_support.hpp"
#include "translate/openai/chat.hpp"

using namespace gw;
namespace json = boost::json;
using fuzz::check;
namespace oa = gw::translate::openai;

namespace {

oa::response_context context(std::uint64_t h) {
  oa::response_context c;
  c.model = "gemini-test";
  c.upstream_model = (h & 1) ? "gemini-3-flash-preview" : "gemini-2.5-pro";
  c.id = "chatcmpl-fuzz";
  c.id_seed = "fuzz";
  c.created = 1700000000;
  c.stream = true;
  c.include_usage = h & 2;
  c.show_reasoning = h & 4;
  c.n = 1 + static_cast<int>((h >> 3) % 3);
  if (h & 32) {
    c.tool_names.emplace("get_weather", "get weather");
    c.tool_names.emplace("Read", "read-file");
  }
  return c;
}

// The chunk grammar openai-node's ChatCompletionStream relies on (chat.hpp, stream_from_gemini).
void check_stream(const std::string& out, const oa::response_context& ctx, fuzz::stream_end end) {
  struct choice_seen {
    bool finished = false;
    std::int64_t next_tool = 0;
  };
  std::map<std::int64_t, choice_seen> seen;
  bool done = false, error = false, usage_seen = false;
  for (const auto& ev : fuzz::read_events(out)) {
    check(ev.name.empty(), "an OpenAI stream event has an event: line", out);
    check(!done && !error, "an event after [DONE] or after the error", out);
    if (ev.data == "[DONE]") {
      done = true;
      continue;
    }
    const json::value v = fuzz::must_parse(ev.data, "a chunk is not JSON");
    check(v.is_object(), "a chunk is not a JSON object", ev.data);
    const json::object& c = v.get_object();
    if (c.contains("error")) {
      check(c.at("error").is_object() && c.at("error").at("message").is_string(), "malformed error event", ev.data);
      error = true;
      continue;
    }
    check(!usage_seen, "a chunk after the usage chunk", out);
    check(c.contains("id") && c.at("id") == json::value(ctx.id), "chunk id is not the context's", ev.data);
    check(c.contains("object") && c.at("object") == "chat.completion.chunk", "chunk object type", ev.data);
    check(c.contains("model") && c.at("model") == json::value(ctx.model), "chunk model is not the client's", ev.data);
    check(c.contains("choices") && c.at("choices").is_array(), "chunk without choices", ev.data);
    const json::array& choices = c.at("choices").get_array();
    if (choices.empty()) {
      check(ctx.include_usage, "a usage chunk nobody asked for", ev.data);
      const json::value* u = c.if_contains("usage");
      check(u && u->is_object(), "usage chunk without usage", ev.data);
      const auto& uo = u->get_object();
      check(uo.contains("prompt_tokens") && uo.contains("completion_tokens") && uo.contains("total_tokens") &&
                uo.at("prompt_tokens").is_int64() && uo.at("completion_tokens").is_int64() &&
                uo.at("total_tokens").is_int64(),
            "usage counts are not integers", ev.data);
      usage_seen = true;
      continue;
    }
    check(choices.size() == 1, "more than one choice in a chunk", ev.data);
    check(choices[0].is_object(), "choice is not an object", ev.data);
    const json::object& ch = choices[0].get_object();
    check(ch.contains("index") && ch.at("index").is_int64(), "choice without an integer index", ev.data);
    const std::int64_t index = ch.at("index").get_int64();
    const bool first = !seen.contains(index);
    choice_seen& s = seen[index];
    check(!s.finished, "a delta after the choice's finish_reason", out);
    check(ch.contains("delta") && ch.at("delta").is_object(), "choice without delta", ev.data);
    const json::object& d = ch.at("delta").get_object();
    if (first) check(d.contains("role") && d.at("role") == "assistant", "first delta of a choice has no role", ev.data);
    int kinds = 0;
    if (const json::value* t = d.if_contains("content"); t && t->is_string() && !t->get_string().empty()) ++kinds;
    if (d.contains("reasoning_content")) {
      ++kinds;
      check(ctx.show_reasoning, "reasoning_content shown although the request did not ask", ev.data);
    }
    if (const json::value* tc = d.if_contains("tool_calls")) {
      ++kinds;
      check(tc->is_array() && tc->get_array().size() == 1, "not exactly one tool call in a delta", ev.data);
      const json::value& call = tc->get_array()[0];
      check(call.is_object(), "tool call is not an object", ev.data);
      const json::object& co = call.get_object();
      check(co.contains("index") && co.at("index") == json::value(s.next_tool++), "tool call index out of order",
            ev.data);
      check(co.contains("id") && co.at("id").is_string() && !co.at("id").get_string().empty(), "tool call id",
            ev.data);
      const json::value* fn = co.if_contains("function");
      check(fn && fn->is_object(), "tool call without function", ev.data);
      const json::value* name = fn->get_object().if_contains("name");
      check(name && name->is_string() && !name->get_string().empty(), "tool call without a name", ev.data);
      const json::value* args = fn->get_object().if_contains("arguments");
      check(args && args->is_string(), "tool call arguments are not a string", ev.data);
      fuzz::must_parse(args->get_string(), "tool call arguments are not JSON text");
    }
    check(kinds <= 1, "one delta carries more than one of content, reasoning_content, tool_calls", ev.data);
    const json::value* fr = ch.if_contains("finish_reason");
    check(fr != nullptr, "choice without finish_reason (null or a value)", ev.data);
    if (!fr->is_null()) {
      static const std::set<std::string, std::less<>> valid = {"stop", "length", "tool_calls", "content_filter"};
      check(fr->is_string() && valid.contains(std::string_view(fr->get_string())), "unknown finish_reason",
            ev.data);
      check(d.empty(), "the finish chunk's delta is not empty", ev.data);
      s.finished = true;
    }
  }
  if (end == fuzz::stream_end::finished) {
    check(done && !error, "a stream that ended normally has no [DONE], or has an error", out);
    for (const auto& [i, s] : seen) check(s.finished, "a choice has no finish_reason at the end", out);
    check(usage_seen == ctx.include_usage, "usage chunk missing at the end", out);
  } else {
    check(error && !done, "a failed stream does not end with exactly one error event", out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  const std::uint64_t h = fuzz::fnv1a(in);
  const auto ctx = context(h);
  std::string whole;
  oa::stream_from_gemini a(ctx);
  const auto end = fuzz::pump(a, in, {}, whole);
  check_stream(whole, ctx, end);

  const bool beat = (h >> 8) & 1;
  std::string split;
  oa::stream_from_gemini b(ctx);
  const auto end_split = fuzz::pump(b, in, fuzz::cuts_from_hash(h >> 12, size), split,
                                    beat ? std::optional<std::size_t>(0) : std::nullopt);
  check(end_split == end, "splitting the upstream bytes changes how the stream ends");
  check_stream(split, ctx, end_split);
  if (!beat) check(split == whole, "splitting the upstream bytes changes the output", whole + "\n----\n" + split);
  auto ta = a.totals(), tb = b.totals();
  check(ta.input == tb.input && ta.output == tb.output && ta.thinking == tb.thinking && ta.cached == tb.cached,
        "splitting the upstream bytes changes the usage totals");
  return 0;
}
