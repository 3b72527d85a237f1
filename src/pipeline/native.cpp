// The Gemini-native dialect's glue: routes under /v1beta/models (and /v1, /v1alpha), model listings,
// countTokens, and generate / stream through the generic flow with Google's error shape.
#include <boost/json.hpp>
#include <boost/url/decode_view.hpp>

#include "pipeline/gateway.hpp"
#include "translate/gemini/native.hpp"
#include "translate/gemini/stream.hpp"

namespace gw::pipeline {

namespace json = boost::json;
using server::exchange;

namespace {

rendered google_error(const error& e) {
  rendered r;
  r.status = static_cast<unsigned>(e.http_status());
  r.content_type = "application/json; charset=utf-8";
  r.body = translate::gemini::error_body(e);
  if (e.retry_after) r.headers.emplace_back("Retry-After", std::to_string(std::max<std::int64_t>((e.retry_after->count() + 999) / 1000, 1)));
  return r;
}

std::string decode(std::string_view s) {
  if (s.find('%') == std::string_view::npos) return std::string(s);
  auto dv = boost::urls::make_pct_string_view(s);
  if (!dv) return std::string(s);
  std::string out;
  for (char ch : dv->decode()) out += ch;
  return out;
}

json::object describe(const models::model_info& m, std::string_view name) {
  json::object o;
  o["name"] = "models/" + std::string(name);
  o["version"] = "001";
  o["displayName"] = m.display_name.empty() ? m.id : m.display_name;
  o["description"] = "Gemini model served through Code Assist by gcli-gateway";
  o["inputTokenLimit"] = m.input_token_limit;
  o["outputTokenLimit"] = m.output_token_limit;
  o["supportedGenerationMethods"] = json::array{"generateContent", "streamGenerateContent", "countTokens"};
  o["temperature"] = 1;
  o["maxTemperature"] = 2;
  o["topP"] = 0.95;
  o["topK"] = 64;
  o["thinking"] = m.thinking;
  return o;
}

// The native response side: the unwrapped response is already the client's answer.
class native_translator final : public response_translator {
 public:
  explicit native_translator(translate::gemini::framing f) : s_(f) {}
  result<std::string> whole(const json::object& r) override { return json::serialize(r); }
  void on_chunk_text(std::string_view text, std::string& out) override { s_.on_chunk_text(text, out); }
  void on_chunk(const json::object& r, std::string& out) override { s_.on_chunk(r, out); }
  void on_finish(std::string& out) override { s_.on_finish(out); }
  void on_error(const error& e, std::string& out) override { s_.on_error(e, out); }
  void heartbeat(std::string& out) override { s_.heartbeat(out); }

 private:
  translate::gemini::stream_from_gemini s_;
};

}  // namespace

net::awaitable<void> gateway::gemini_models(exchange& ex, std::string_view model) {
  rendered r;
  r.content_type = "application/json; charset=utf-8";
  if (model.empty()) {
    json::array list;
    for (auto& m : catalog_.models()) list.push_back(describe(m, m.id));
    json::object body;
    body["models"] = std::move(list);
    r.body = json::serialize(body);
    co_await send(ex, r);
    co_return;
  }
  std::string_view name = model.starts_with("models/") ? model.substr(7) : model;
  auto spec = models::parse(name, catalog_);
  if (auto* m = catalog_.find(spec.base)) {
    r.body = json::serialize(describe(*m, spec.requested));
    co_await send(ex, r);
    co_return;
  }
  co_await send(ex, google_error(client_error(error_kind::not_found, "model '" + std::string(name) +
                                                                         "' is not among the configured models")));
}

net::awaitable<void> gateway::gemini_route(exchange& ex, std::string_view rest) {
  auto method = ex.req().method();
  auto who = co_await authenticate(ex, google_error);
  if (!who) co_return;

  if (rest.empty() || rest == "/") {
    if (method != server::http::verb::get) {
      co_await send(ex, google_error(client_error(error_kind::not_found, "use GET to list models")));
      co_return;
    }
    co_await gemini_models(ex, {});
    co_return;
  }
  std::string target = decode(rest.substr(1));
  auto colon = target.rfind(':');
  if (colon == std::string::npos || target.find('/', colon) != std::string::npos) {
    if (method != server::http::verb::get) {
      co_await send(ex, google_error(client_error(error_kind::not_found, "no route for " + std::string(ex.path()))));
      co_return;
    }
    co_await gemini_models(ex, target);
    co_return;
  }
  if (method != server::http::verb::post) {
    co_await send(ex, google_error(client_error(error_kind::not_found, "use POST for model actions")));
    co_return;
  }
  dialect_call call;
  call.dialect = "gemini";
  call.render_error = google_error;
  call.spec = models::parse(std::string_view(target).substr(0, colon), catalog_);
  std::string action = target.substr(colon + 1);

  boost::system::error_code ec;
  auto body = parse_client_json(ex.req().body().empty() ? std::string_view("{}") : std::string_view(ex.req().body()), ec);
  if (ec) {
    co_await send(ex, google_error(client_error(error_kind::bad_request, "request body is not valid JSON: " + ec.message())));
    co_return;
  }
  if (action == "countTokens") {
    auto contents = translate::gemini::count_tokens_contents(std::move(body));
    if (!contents) {
      co_await send(ex, google_error(contents.err()));
      co_return;
    }
    auto n = co_await count_tokens(call.spec, std::move(contents.value()));
    if (!n) {
      co_await send(ex, google_error(n.err()));
      co_return;
    }
    json::object answer;
    answer["totalTokens"] = n.value();
    rendered r;
    r.body = json::serialize(answer);
    co_await send(ex, r);
    co_return;
  }
  call.stream = action == "streamGenerateContent";
  if (!call.stream && action != "generateContent") {
    co_await send(ex, google_error(client_error(
                          error_kind::not_found,
                          "unknown model action '" + action + "': use generateContent, streamGenerateContent or countTokens")));
    co_return;
  }
  translate::gemini::native_options opt;
  opt.gemini3 = models::is_gemini3(call.spec.upstream);
  auto req = translate::gemini::request_to_upstream(std::move(body), opt);
  if (!req) {
    co_await send(ex, google_error(req.err()));
    co_return;
  }
  call.request = std::move(req.value());
  models::apply(call.spec, call.request);
  call.repaired = true;
  auto alt = ex.query_param("alt");
  bool sse = alt && *alt == "sse";
  call.stream_content_type = sse ? "text/event-stream" : "application/json; charset=utf-8";
  call.translator = std::make_unique<native_translator>(sse ? translate::gemini::framing::sse
                                                            : translate::gemini::framing::json_array);
  co_await execute(ex, call);
}

}  // namespace gw::pipeline
