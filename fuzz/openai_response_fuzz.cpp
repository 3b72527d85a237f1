// Fuzz target: a non-stream Code Assist answer through upstream::unwrap_response and openai::from_gemini
// (the pipeline's non-stream path); the body must be a well-formed chat.completion.
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_support.hpp"
#include "translate/openai/chat.hpp"

using namespace gw;
namespace json = boost::json;
using fuzz::check;
namespace oa = gw::translate::openai;

namespace {

void check_completion(const std::string& text, const oa::response_context& ctx) {
  const json::value v = fuzz::must_parse(text, "chat.completion is not JSON");
  check(v.is_object(), "chat.completion is not an object", text);
  const json::object& c = v.get_object();
  check(c.contains("object") && c.at("object") == "chat.completion", "object type", text);
  check(c.contains("model") && c.at("model") == json::value(ctx.model), "model is not the client's", text);
  check(c.contains("choices") && c.at("choices").is_array(), "no choices array", text);
  for (const auto& chv : c.at("choices").get_array()) {
    check(chv.is_object(), "choice is not an object", text);
    const json::object& ch = chv.get_object();
    check(ch.contains("index") && ch.at("index").is_int64(), "choice index", text);
    const json::value* m = ch.if_contains("message");
    check(m && m->is_object(), "choice without message", text);
    check(m->get_object().contains("role") && m->get_object().at("role") == "assistant", "message role", text);
    const json::value* fr = ch.if_contains("finish_reason");
    static const std::set<std::string, std::less<>> valid = {"stop", "length", "tool_calls", "content_filter"};
    check(fr && fr->is_string() && valid.contains(std::string_view(fr->get_string())), "finish_reason", text);
    if (const json::value* tc = m->get_object().if_contains("tool_calls")) {
      check(tc->is_array(), "tool_calls is not an array", text);
      for (const auto& call : tc->get_array()) {
        check(call.is_object(), "tool call is not an object", text);
        const json::value* fn = call.get_object().if_contains("function");
        check(fn && fn->is_object(), "tool call without function", text);
        const json::value* name = fn->get_object().if_contains("name");
        check(name && name->is_string() && !name->get_string().empty(), "tool call without name", text);
        const json::value* args = fn->get_object().if_contains("arguments");
        check(args && args->is_string(), "arguments are not a string", text);
        fuzz::must_parse(args->get_string(), "tool call arguments are not JSON text");
      }
    }
  }
  if (const json::value* u = c.if_contains("usage")) {
    check(u->is_object(), "usage is not an object", text);
    const auto& uo = u->get_object();
    check(uo.contains("prompt_tokens") && uo.at("prompt_tokens").is_int64() && uo.contains("completion_tokens") &&
              uo.at("completion_tokens").is_int64() && uo.contains("total_tokens") &&
              uo.at("total_tokens").is_int64(),
          "usage counts are not integers", text);
  }
}

void render(const gw::error& e) {
  auto r = oa::render_error(e);
  check(r.status >= 400 && r.status <= 599, "rendered error status out of range");
  fuzz::must_parse(r.body, "OpenAI error body is not JSON");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  const std::uint64_t h = fuzz::fnv1a(in);
  boost::system::error_code ec;
  json::value v = json::parse(in, ec);
  if (ec) return -1;  // the pipeline answers "upstream answered invalid JSON" itself
  oa::response_context ctx;
  ctx.model = "gemini-test";
  ctx.upstream_model = (h & 1) ? "gemini-3-flash-preview" : "gemini-2.5-pro";
  ctx.id = "chatcmpl-fuzz";
  ctx.id_seed = "fuzz";
  ctx.created = 1700000000;
  ctx.show_reasoning = h & 2;
  ctx.n = 1 + static_cast<int>((h >> 2) % 3);
  if (h & 16) ctx.tool_names.emplace("get_weather", "get weather");
  // Also straight as an inner response, so the fuzzer reaches the translator without the envelope.
  if (v.is_object() && !v.get_object().contains("response")) {
    auto text = oa::from_gemini(v.get_object(), ctx);
    if (text) check_completion(*text, ctx); else render(text.err());
  }
  auto inner = upstream::unwrap_response(std::move(v));
  if (!inner) {
    render(inner.err());
    return 0;
  }
  auto text = oa::from_gemini(*inner, ctx);
  if (text) check_completion(*text, ctx); else render(text.err());
  return 0;
}
