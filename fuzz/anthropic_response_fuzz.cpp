// Fuzz target: a non-stream Code Assist answer through upstream::unwrap_response and anthropic::from_gemini
// (the pipeline's non-stream path); the body must be a well-formed Messages `message`.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "translate/anthropic/messages.hpp"

using namespace gw;
namespace json = boost::json;
using fuzz::check;
namespace an = gw::translate::anthropic;

namespace {

void check_message(const std::string& text) {
  const json::value v = fuzz::must_parse(text, "message is not JSON");
  check(v.is_object(), "message is not an object", text);
  const json::object& m = v.get_object();
  check(m.contains("type") && m.at("type") == "message", "type is not message", text);
  check(m.contains("role") && m.at("role") == "assistant", "role is not assistant", text);
  check(m.contains("stop_reason") && m.at("stop_reason").is_string(), "stop_reason", text);
  check(m.contains("content") && m.at("content").is_array(), "content is not an array", text);
  for (const auto& b : m.at("content").get_array()) {
    check(b.is_object(), "a block is not an object", text);
    const json::object& bo = b.get_object();
    const json::value* t = bo.if_contains("type");
    check(t && t->is_string(), "a block without type", text);
    const std::string_view type = t->get_string();
    if (type == "tool_use") {
      check(bo.contains("id") && bo.at("id").is_string(), "tool_use id", text);
      // The name may be empty: a nameless functionCall becomes a nameless tool_use (reported, not enforced).
      check(bo.contains("name") && bo.at("name").is_string(), "tool_use name", text);
      check(bo.contains("input") && bo.at("input").is_object(), "tool_use input is not an object", text);
    } else if (type == "text") {
      check(bo.contains("text") && bo.at("text").is_string(), "text block text", text);
    } else if (type == "thinking") {
      check(bo.contains("thinking") && bo.at("thinking").is_string(), "thinking block thinking", text);
    } else {
      check(false, "unknown block type", text);
    }
  }
  const json::value* u = m.if_contains("usage");
  check(u && u->is_object(), "usage", text);
  check(u->get_object().contains("input_tokens") && u->get_object().at("input_tokens").is_int64() &&
            u->get_object().contains("output_tokens") && u->get_object().at("output_tokens").is_int64(),
        "usage counts are not integers", text);
}

void render(const gw::error& e) {
  auto r = an::render_error(e);
  check(r.status >= 400 && r.status <= 599, "rendered error status out of range");
  fuzz::must_parse(r.body, "Anthropic error body is not JSON");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  const std::uint64_t h = fuzz::fnv1a(in);
  boost::system::error_code ec;
  json::value v = json::parse(in, ec);
  if (ec) return -1;  // the pipeline answers "upstream answered invalid JSON" itself
  an::response_context ctx;
  ctx.model = "claude-sonnet-4-5";
  ctx.upstream_model = (h & 1) ? "gemini-3-pro-preview" : "gemini-2.5-pro";
  ctx.message_id = "msg_fuzz";
  ctx.tool_id_prefix = "toolu_fuzz_";
  if (h & 2) {
    ctx.tool_names.add("get weather");
    ctx.tool_names.add("Read");
  }
  if (v.is_object() && !v.get_object().contains("response")) {
    auto text = an::from_gemini(v.get_object(), ctx);
    if (text) check_message(*text); else render(text.err());
  }
  auto inner = upstream::unwrap_response(std::move(v));
  if (!inner) {
    render(inner.err());
    return 0;
  }
  auto text = an::from_gemini(*inner, ctx);
  if (text) check_message(*text); else render(text.err());
  return 0;
}
