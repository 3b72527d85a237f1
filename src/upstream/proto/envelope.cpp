// Code Assist envelope wrap/unwrap, written to serialize large inner requests without copying them.
#include "upstream/proto/envelope.hpp"

#include <limits>
#include <memory>

#include "upstream/proto/google_error.hpp"

namespace gw::upstream {
namespace json = boost::json;

namespace {

// Appends the JSON text of `v` without building an intermediate std::string.
template <class T>
void append_json(std::string& out, const T& v) {
  json::serializer sr;
  sr.reset(&v);
  char buf[4096];
  while (!sr.done()) out.append(sr.read(buf));
}

void append_json_string(std::string& out, std::string_view s) {
  json::serializer sr;
  sr.reset(s);
  char buf[1024];
  while (!sr.done()) out.append(sr.read(buf));
}

void append_key(std::string& out, std::string_view key) {
  append_json_string(out, key);
  out += ':';
}

error protocol_error(std::string detail) {
  return make_error(error_kind::upstream_protocol, error_source::upstream,
                    "upstream returned a response the gateway cannot read", std::move(detail));
}

// The shared core of both unwrap paths: checks the envelope, moves nothing, returns the inner object to emit
// (or nullptr for "no response") and the traceId to use as responseId when the inner one is missing.
struct unwrap_view {
  json::object* inner = nullptr;
  json::string_view trace_id;
};

result<unwrap_view> inspect(json::value& envelope) {
  json::object* env = envelope.if_object();
  if (!env) return protocol_error("response envelope is not a JSON object");
  unwrap_view v;
  if (json::value* t = env->if_contains("traceId"); t && t->is_string()) v.trace_id = t->get_string();
  json::value* r = env->if_contains("response");
  if (!r || r->is_null()) {
    if (json::value* e = env->if_contains("error"); e && (e->is_object() || e->is_string())) {
      return classify_parsed_google_error(0, envelope, 0);
    }
    return v;
  }
  v.inner = r->if_object();
  if (!v.inner) return protocol_error("\"response\" in the envelope is not a JSON object");
  return v;
}

bool needs_response_id(const json::object& inner) {
  const json::value* id = inner.if_contains("responseId");
  return !id || id->is_null() || (id->is_string() && id->get_string().empty());
}

// Per-thread arena for unwrap_event_text. Grows (rarely) to fit the largest event seen, then is reused.
// Function-call args are free-form JSON: allow deeper nesting than Boost.JSON's default of 32.
json::parse_options deep_parse_options() {
  json::parse_options o;
  o.max_depth = 512;
  return o;
}

struct event_arena {
  std::unique_ptr<unsigned char[]> buf;
  std::size_t size = 0;
  json::parser parser{json::storage_ptr(), deep_parse_options()};
  json::serializer serializer;
};

constexpr std::size_t min_arena = 64 * 1024;
constexpr std::size_t max_arena = 4 * 1024 * 1024;

event_arena& arena_for(std::size_t text_size) {
  thread_local event_arena a;
  // A DOM costs a few times its text; beyond max_arena the resource falls back to the heap.
  std::size_t want = std::min(std::max(min_arena, text_size * 4), max_arena);
  if (a.size < want) {
    a.buf.reset(new unsigned char[want]);
    a.size = want;
  }
  return a;
}

}  // namespace

std::string wrap_generate(const json::object& gemini_request, const envelope_params& p) {
  std::string out;
  out.reserve(256);
  out += '{';
  append_key(out, "model");
  append_json_string(out, p.model);
  if (!p.project.empty()) {
    out += ',';
    append_key(out, "project");
    append_json_string(out, p.project);
  }
  out += ',';
  append_key(out, "user_prompt_id");
  append_json_string(out, p.user_prompt_id);
  out += ',';
  append_key(out, "request");
  out += '{';
  bool first = true;
  for (const auto& kv : gemini_request) {
    if (!p.session_id.empty() && kv.key() == "session_id") continue;
    if (!first) out += ',';
    first = false;
    append_key(out, kv.key());
    append_json(out, kv.value());
  }
  if (!p.session_id.empty()) {
    if (!first) out += ',';
    append_key(out, "session_id");
    append_json_string(out, p.session_id);
  }
  out += "}}";
  return out;
}

std::string wrap_count_tokens(std::string_view model, const json::array& contents) {
  std::string out;
  out.reserve(64);
  out += "{\"request\":{";
  append_key(out, "model");
  std::string name = model.starts_with("models/") ? std::string(model) : "models/" + std::string(model);
  append_json_string(out, name);
  out += ',';
  append_key(out, "contents");
  append_json(out, contents);
  out += "}}";
  return out;
}

result<json::object> unwrap_response(json::value envelope) {
  auto v = inspect(envelope);
  if (!v) return std::move(v).err();
  json::object inner;
  if (v->inner) {
    inner = std::move(*v->inner);
  } else {
    inner.emplace("candidates", json::array());
  }
  if (!v->trace_id.empty() && needs_response_id(inner)) inner["responseId"] = v->trace_id;
  return inner;
}

result<void> unwrap_event_text(std::string_view envelope_json, std::string& out) {
  out.clear();
  event_arena& a = arena_for(envelope_json.size());
  json::monotonic_resource mr(a.buf.get(), a.size);
  std::error_code ec;
  a.parser.reset(json::storage_ptr(&mr));
  a.parser.write(envelope_json.data(), envelope_json.size(), ec);  // the whole text: fails if incomplete
  if (ec) {
    a.parser.reset();
    return protocol_error("stream event is not valid JSON: " + ec.message());
  }
  // Move-constructed so it keeps mr's storage (assignment would deep-copy onto the heap); declared after
  // mr so it is destroyed first.
  json::value jv = a.parser.release();
  a.parser.reset();
  auto v = inspect(jv);
  if (!v) return std::move(v).err();
  json::object empty{json::storage_ptr(&mr)};
  json::object& inner = v->inner ? *v->inner : empty;
  if (!v->inner) inner.emplace("candidates", json::array(json::storage_ptr(&mr)));
  if (!v->trace_id.empty() && needs_response_id(inner)) inner["responseId"] = v->trace_id;
  a.serializer.reset(&inner);
  char buf[4096];
  while (!a.serializer.done()) out.append(a.serializer.read(buf));
  return {};
}

result<std::int64_t> parse_count_tokens(std::string_view body) {
  std::error_code ec;
  json::value jv = json::parse(body, ec);
  if (ec) return protocol_error("countTokens answer is not valid JSON: " + ec.message());
  const json::object* o = jv.if_object();
  if (!o) return protocol_error("countTokens answer is not a JSON object");
  const json::value* n = o->if_contains("totalTokens");
  if (!n || n->is_null()) return std::int64_t{0};
  if (n->is_int64()) return n->get_int64();
  if (n->is_uint64()) return static_cast<std::int64_t>(n->get_uint64());
  if (n->is_double()) {  // saturated: converting a double outside int64 is undefined behaviour
    const double d = n->get_double();
    if (d >= 0x1p63) return std::numeric_limits<std::int64_t>::max();
    if (d < -0x1p63) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(d);
  }
  if (n->is_string()) {  // proto-JSON may quote 64-bit integers
    std::int64_t x = 0;
    auto s = n->get_string();
    if (s.empty() || s.size() > 18) return protocol_error("countTokens totalTokens is not a count");
    for (char c : s) {
      if (c < '0' || c > '9') return protocol_error("countTokens totalTokens is not a number");
      x = x * 10 + (c - '0');
    }
    return x;
  }
  return protocol_error("countTokens totalTokens is not a number");
}

}  // namespace gw::upstream
