// Shared pieces of the libFuzzer targets: a failing check that libFuzzer records as a crash, the pipeline's
// stream pump (sse::parser -> error check / envelope unwrap -> translator) and output grammar checks.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/error.hpp"
#include "sse/parser.hpp"
#include "upstream/proto/envelope.hpp"
#include "upstream/proto/google_error.hpp"

namespace gw::fuzz {

namespace json = boost::json;

// abort() so libFuzzer saves the input as a crash; the message says which property broke.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "\n*** fuzz check failed: %.*s\n", static_cast<int>(what.size()), what.data());
  if (!detail.empty())
    std::fprintf(stderr, "*** detail: %.*s\n", static_cast<int>(std::min<std::size_t>(detail.size(), 4000)),
                 detail.data());
  std::abort();
}

inline void check(bool ok, std::string_view what, std::string_view detail = {}) {
  if (!ok) fail(what, detail);
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Control bits for inputs that are natural documents (JSON, SSE): taken from a hash of the whole input, so
// the committed seeds stay plain files and any mutation can flip a choice.
inline std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// As the pipeline parses a client body (pipeline::parse_client_json): real tool schemas nest deeper than
// Boost.JSON's default depth of 32.
inline json::value parse_client_json(std::string_view body, boost::system::error_code& ec) {
  json::parse_options opt;
  opt.max_depth = 512;
  return json::parse(body, ec, {}, opt);
}

// Every string a translator emits goes to a JSON parser on the client: it must parse.
// Known and reported, not checked here: Boost.JSON 1.81 parses a number beyond double range to an infinity
// (1e400) or a NaN (0e400) and serializes those as `Infinity` / `NaN`, which are not JSON; such output is
// parsed again with them spelled as a number and as null.
inline json::value must_parse(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::parse_options opt;
  opt.max_depth = 100000;
  auto v = json::parse(text, ec, {}, opt);
  if (ec && (text.find("Infinity") != std::string_view::npos || text.find("NaN") != std::string_view::npos)) {
    std::string spelled(text);
    for (std::size_t at; (at = spelled.find("Infinity")) != std::string::npos;) spelled.replace(at, 8, "1e999");
    for (std::size_t at; (at = spelled.find("NaN")) != std::string::npos;) spelled.replace(at, 3, "null");
    boost::system::error_code again;
    v = json::parse(spelled, again, {}, opt);
    if (!again) return v;
  }
  if (ec) fail(what, std::string(text) + "\n(" + ec.message() + ")");
  return v;
}

// The pipeline's test for an upstream error event inside a 200 stream (pipeline/gateway.cpp is_error_event).
inline bool is_error_event(std::string_view data) {
  if (data.find("\"error\"") == std::string_view::npos) return false;
  boost::system::error_code ec;
  auto v = json::parse(data, ec);
  if (ec) return false;
  if (v.is_array())
    return !v.get_array().empty() && v.get_array()[0].is_object() && v.get_array()[0].get_object().contains("error");
  return v.is_object() && v.get_object().contains("error") && !v.get_object().contains("response");
}

// A fixed clock: fuzzing must be deterministic (quotaResetTimeStamp turns into a delay against it).
inline constexpr std::int64_t fixed_now_ms = 1767225600000;  // 2026-01-01T00:00:00Z

enum class stream_end { finished, upstream_error, broken };

// One upstream stream through a translator, exactly as pipeline::gateway::pump does it: the bytes arrive in
// the given pieces; an error event ends the stream with on_error; malformed events are dropped; an
// oversized event or a stream cut inside an event ends it with on_error; else on_finish. `heartbeat_after`
// (a piece index) calls heartbeat() between two reads, as the heartbeat coroutine may.
template <class Translator>
stream_end pump(Translator& tr, std::string_view bytes, const std::vector<std::size_t>& cuts, std::string& out,
                std::optional<std::size_t> heartbeat_after = {}) {
  sse::parser parser;
  std::string inner;
  bool ended = false;
  std::optional<gw::error> broke;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t to = i < cuts.size() ? cuts[i] : bytes.size();
    if (to == from) continue;  // the pipeline never feeds an empty read: that is the end of the stream
    parser.feed(bytes.substr(from, to - from), [&](const sse::event& ev) {
      if (ev.data.empty() || ended) return;
      if (is_error_event(ev.data)) {
        auto e = upstream::classify_google_error(500, ev.data, fixed_now_ms);
        tr.on_error(e, out);
        ended = true;
        return;
      }
      if (upstream::unwrap_event_text(ev.data, inner)) {
        if constexpr (requires { tr.on_chunk_text(std::string_view{}, out); }) {
          tr.on_chunk_text(inner, out);
        } else {  // pipeline::response_translator::on_chunk_text's default
          boost::system::error_code ec;
          auto v = json::parse(inner, ec);
          if (!ec && v.is_object()) tr.on_chunk(v.get_object(), out);
        }
      }
    });
    from = to;
    if (parser.overflowed()) {
      broke = make_error(error_kind::upstream_protocol, error_source::upstream, "upstream event too large");
      break;
    }
    if (ended) break;
    if (heartbeat_after && *heartbeat_after == i) tr.heartbeat(out);
  }
  // The upstream's end of stream (an empty read) when nothing stopped the loop early.
  if (!broke && !ended && parser.has_partial())
    broke = make_error(error_kind::upstream_protocol, error_source::upstream, "upstream stream was truncated");
  if (broke) {
    auto e = *broke;
    e.message = "upstream stream ended unexpectedly: " + e.message;
    tr.on_error(e, out);
    return stream_end::broken;
  }
  if (ended) return stream_end::upstream_error;
  tr.on_finish(out);
  return stream_end::finished;
}

// One cut point chosen from the input's hash (0 and size included), sorted.
inline std::vector<std::size_t> cuts_from_hash(std::uint64_t h, std::size_t size) {
  std::vector<std::size_t> cuts;
  if (size == 0) return cuts;
  cuts.push_back(static_cast<std::size_t>(h % (size + 1)));
  return cuts;
}

// A translator's output re-read as a client reads it: complete SSE events, nothing half-written.
struct client_event {
  std::string name;
  std::string data;
};

inline std::vector<client_event> read_events(std::string_view out) {
  std::vector<client_event> events;
  sse::parser p;
  p.feed(out, [&](const sse::event& ev) { events.push_back({std::string(ev.name), std::string(ev.data)}); });
  check(!p.has_partial(), "translator output ends inside an SSE event", out);
  return events;
}

}  // namespace gw::fuzz

#include "translate/common/schema.hpp"

namespace gw::fuzz {

// What every dialect promises about the Gemini request it hands upstream: contents are Content objects with
// role user or model and an array of Part objects (the upstream answers 400 otherwise); a thinkingConfig
// never carries both a budget and a level. With `sanitized_names`, declared function names follow Gemini's
// rule (the OpenAI and Anthropic dialects rename tools; the native one passes names through).
inline void check_gemini_request(const json::object& req, bool sanitized_names) {
  const std::string text = json::serialize(req);
  if (const json::value* cv = req.if_contains("contents")) {
    check(cv->is_array(), "contents is not an array", text);
    for (const auto& c : cv->get_array()) {
      check(c.is_object(), "a content is not an object", text);
      const json::value* role = c.get_object().if_contains("role");
      check(role && role->is_string() && (role->get_string() == "user" || role->get_string() == "model"),
            "a content's role is not user or model", text);
      const json::value* parts = c.get_object().if_contains("parts");
      check(!parts || parts->is_array(), "a content's parts is not an array", text);
      if (parts)
        for (const auto& p : parts->get_array()) check(p.is_object(), "a part is not an object", text);
    }
  }
  if (const json::value* gc = req.if_contains("generationConfig"); gc && gc->is_object()) {
    if (const json::value* tc = gc->get_object().if_contains("thinkingConfig"); tc && tc->is_object()) {
      const auto& t = tc->get_object();
      check(!(t.contains("thinkingBudget") && t.contains("thinkingLevel")), "thinkingBudget and thinkingLevel both sent",
            text);
    }
  }
  if (!sanitized_names) return;
  if (const json::value* tools = req.if_contains("tools"); tools && tools->is_array()) {
    for (const auto& tool : tools->get_array()) {
      if (!tool.is_object()) continue;
      const json::value* decls = tool.get_object().if_contains("functionDeclarations");
      if (!decls || !decls->is_array()) continue;
      for (const auto& d : decls->get_array()) {
        const json::value* name = d.is_object() ? d.get_object().if_contains("name") : nullptr;
        check(name && name->is_string() && translate::is_valid_function_name(name->get_string()),
              "a declared function name breaks Gemini's rule", text);
      }
    }
  }
}

// A client error from a request translator: a 400 from the client, with something to say.
inline void check_client_error(const gw::error& e) {
  check(e.kind == error_kind::bad_request, "request translation failed with a kind other than bad_request",
        e.message);
  check(e.source == error_source::client, "request translation error not attributed to the client", e.message);
  check(!e.message.empty(), "request translation error without a message");
}

}  // namespace gw::fuzz
