// One request's phases (see gateway.hpp). The Gemini-native dialect is served here; the upstream
// answer is unwrapped from the Code Assist envelope event by event, one client write per upstream read.
#include "pipeline/gateway.hpp"

#include <boost/json.hpp>
#include <boost/url/decode_view.hpp>
#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "sse/parser.hpp"
#include "sse/serializer.hpp"
#include "translate/gemini/native.hpp"
#include "upstream/proto/envelope.hpp"
#include "upstream/proto/google_error.hpp"

namespace gw::pipeline {

namespace json = boost::json;
using server::exchange;

struct gateway::call {
  server::client_key key;
  models::model_spec spec;
  json::object request;
  std::string prompt_id;
  std::string session_id;
};

namespace {

constexpr std::string_view json_type = "application/json; charset=utf-8";
constexpr std::string_view model_prefixes[] = {"/v1beta/models", "/v1/models", "/v1alpha/models"};

std::string google_error_body(int code, std::string_view message, std::string_view status) {
  json::object inner{{"code", code}, {"message", message}, {"status", status}};
  return json::serialize(json::object{{"error", std::move(inner)}});
}

std::string retry_after_seconds(std::chrono::milliseconds d) {
  auto s = (d.count() + 999) / 1000;
  return std::to_string(std::max<std::int64_t>(s, 1));
}

// True when an upstream stream event is a bare error object rather than a response envelope.
bool is_error_event(std::string_view data) {
  if (data.find("\"error\"") == std::string_view::npos) return false;
  boost::system::error_code ec;
  auto v = json::parse(data, ec);
  if (ec) return false;
  if (v.is_array() && !v.get_array().empty()) return v.get_array()[0].is_object() && v.get_array()[0].get_object().contains("error");
  return v.is_object() && v.get_object().contains("error") && !v.get_object().contains("response");
}

std::string decode(std::string_view s) {
  if (s.find('%') == std::string_view::npos) return std::string(s);
  auto dv = boost::urls::make_pct_string_view(s);
  if (!dv) return std::string(s);
  std::string out;
  for (char ch : dv->decode()) out += ch;
  return out;
}

}  // namespace

gateway::gateway(settings s, models::catalog cat, server::key_cache& keys, credentials::manager& creds,
                 upstream::code_assist ca)
    : settings_(std::move(s)), catalog_(std::move(cat)), keys_(keys), creds_(creds), ca_(std::move(ca)) {}

net::awaitable<void> gateway::fail(exchange& ex, const error& e) {
  server::header_list extra;
  if (e.retry_after) extra.emplace_back("Retry-After", retry_after_seconds(*e.retry_after));
  int status = e.http_status();
  if (e.source == error_source::internal && e.kind == error_kind::internal)
    spdlog::error("request {}: internal error: {} ({})", ex.request_id(), e.message, e.detail);
  else if (e.source == error_source::upstream)
    spdlog::warn("request {}: upstream error {} {}: {} {}", ex.request_id(), e.upstream_status, e.reason, e.message,
                 e.detail);
  co_await ex.respond(static_cast<unsigned>(status), json_type,
                      google_error_body(status, e.message, e.canonical_status()), extra);
}

error gateway::not_found_model(std::string_view model) const {
  std::string ids;
  for (auto& m : catalog_.models()) {
    if (!ids.empty()) ids += ", ";
    ids += m.id;
  }
  auto e = client_error(error_kind::not_found, "model '" + std::string(model) +
                                                    "' was not found upstream. Configured models: " + ids + ". " +
                                                    models::parameters_help());
  return e;
}

net::awaitable<void> gateway::handle(exchange& ex) {
  std::string_view path = ex.path();
  const auto& base = settings_.base_path;
  if (!base.empty() && path.starts_with(base) && (path.size() == base.size() || path[base.size()] == '/')) {
    path.remove_prefix(base.size());
    if (path.empty()) path = "/";
  }
  auto method = ex.req().method();

  if (method == server::http::verb::options) {  // CORS preflight
    // (a named list: g++ 12 cannot keep an initializer_list temporary across co_await)
    server::header_list cors{{"Access-Control-Allow-Origin", "*"},
                             {"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                             {"Access-Control-Allow-Headers", "*"},
                             {"Access-Control-Max-Age", "86400"}};
    co_await ex.respond(204, "", "", cors);
    co_return;
  }
  if (path == "/healthz") {
    co_await ex.respond(200, json_type, R"({"status":"ok"})");
    co_return;
  }
  if (path == "/" && (method == server::http::verb::head || method == server::http::verb::get)) {
    co_await ex.respond(200, "text/plain; charset=utf-8", "gcli-gateway\n");
    co_return;
  }

  std::string_view rest;
  bool gemini = false;
  for (std::string_view prefix : model_prefixes) {
    if (path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/')) {
      rest = path.substr(prefix.size());
      gemini = true;
      break;
    }
  }
  if (!gemini) {
    co_await fail(ex, client_error(error_kind::not_found, "no route for " + std::string(path)));
    co_return;
  }

  // Authentication
  auto key = server::extract_key(ex.req(), ex.query_param("key"));
  server::client_key who;
  auto st = key ? keys_.check(*key, &who) : server::auth_status::missing;
  if (st != server::auth_status::ok) {
    error e = st == server::auth_status::revoked
                  ? client_error(error_kind::permission_denied, "API key has been revoked")
              : st == server::auth_status::missing
                  ? client_error(error_kind::unauthenticated,
                                 "API key missing: send it as x-goog-api-key, Authorization: Bearer, x-api-key or ?key=")
                  : client_error(error_kind::unauthenticated, "API key not valid. Please pass a valid API key.");
    co_await fail(ex, e);
    co_return;
  }

  if (rest.empty() || rest == "/") {
    if (method != server::http::verb::get) {
      co_await fail(ex, client_error(error_kind::not_found, "use GET to list models"));
      co_return;
    }
    co_await gemini_models(ex, {});
    co_return;
  }
  std::string target = decode(rest.substr(1));
  auto colon = target.rfind(':');
  if (colon == std::string::npos || target.find('/', colon) != std::string::npos) {
    if (method != server::http::verb::get) {
      co_await fail(ex, client_error(error_kind::not_found, "no route for " + std::string(path)));
      co_return;
    }
    co_await gemini_models(ex, target);
    co_return;
  }
  if (method != server::http::verb::post) {
    co_await fail(ex, client_error(error_kind::not_found, "use POST for model actions"));
    co_return;
  }
  call c;
  c.key = who;
  c.spec = models::parse(std::string_view(target).substr(0, colon), catalog_);
  std::string action = target.substr(colon + 1);

  boost::system::error_code ec;
  auto body = json::parse(ex.req().body().empty() ? std::string_view("{}") : std::string_view(ex.req().body()), ec);
  if (ec) {
    co_await fail(ex, client_error(error_kind::bad_request, "request body is not valid JSON: " + ec.message()));
    co_return;
  }
  if (action == "countTokens") {
    auto contents = translate::gemini::count_tokens_contents(std::move(body));
    if (!contents) {
      co_await fail(ex, contents.err());
      co_return;
    }
    c.request["contents"] = std::move(contents.value());
    co_await gemini_count_tokens(ex, c);
    co_return;
  }
  bool stream = action == "streamGenerateContent";
  if (!stream && action != "generateContent") {
    co_await fail(ex, client_error(error_kind::not_found, "unknown model action '" + action +
                                                              "': use generateContent, streamGenerateContent or countTokens"));
    co_return;
  }
  translate::gemini::native_options opt;
  opt.gemini3 = models::is_gemini3(c.spec.upstream);
  auto req = translate::gemini::request_to_upstream(std::move(body), opt);
  if (!req) {
    co_await fail(ex, req.err());
    co_return;
  }
  c.request = std::move(req.value());
  models::apply(c.spec, c.request);
  c.prompt_id = random_hex(8);
  c.session_id = random_uuid();
  auto alt = ex.query_param("alt");
  bool sse = alt && *alt == "sse";
  co_await gemini_generate(ex, c, stream, sse);
}

net::awaitable<void> gateway::gemini_models(exchange& ex, std::string_view model) {
  auto describe = [](const models::model_info& m, std::string_view name) {
    return json::object{{"name", "models/" + std::string(name)},
                        {"version", "001"},
                        {"displayName", m.display_name.empty() ? m.id : m.display_name},
                        {"description", "Gemini model served through Code Assist by gcli-gateway"},
                        {"inputTokenLimit", m.input_token_limit},
                        {"outputTokenLimit", m.output_token_limit},
                        {"supportedGenerationMethods", json::array{"generateContent", "streamGenerateContent", "countTokens"}},
                        {"temperature", 1},
                        {"maxTemperature", 2},
                        {"topP", 0.95},
                        {"topK", 64},
                        {"thinking", m.thinking}};
  };
  if (model.empty()) {
    json::array list;
    for (auto& m : catalog_.models()) list.push_back(describe(m, m.id));
    json::object body;
    body["models"] = std::move(list);
    co_await ex.respond(200, json_type, json::serialize(body));
    co_return;
  }
  std::string_view name = model.starts_with("models/") ? model.substr(7) : model;
  auto spec = models::parse(name, catalog_);
  if (auto* m = catalog_.find(spec.base)) {
    co_await ex.respond(200, json_type, json::serialize(describe(*m, spec.requested)));
    co_return;
  }
  co_await fail(ex, client_error(error_kind::not_found, "model '" + std::string(name) +
                                                            "' is not among the configured models"));
}

net::awaitable<void> gateway::gemini_count_tokens(exchange& ex, call& c) {
  std::vector<std::int64_t> tried;
  std::optional<error> last;
  auto* cl = upstream::client::current();
  for (int attempt = 0; attempt < settings_.max_attempts; ++attempt) {
    auto l = co_await creds_.acquire(c.spec.upstream, tried);
    if (!l) {
      co_await fail(ex, last ? *last : l.err());
      co_return;
    }
    auto body = upstream::wrap_count_tokens(c.spec.upstream, c.request.at("contents").as_array());
    auto r = co_await ca_.call(*cl, "countTokens", std::move(body), l->access_token, c.spec.upstream);
    if (!r) {
      last = r.err();
      continue;
    }
    if (r->status == 200) {
      auto n = upstream::parse_count_tokens(r->body);
      if (!n) {
        co_await fail(ex, n.err());
        co_return;
      }
      json::object body;
      body["totalTokens"] = n.value();
      co_await ex.respond(200, json_type, json::serialize(body));
      co_return;
    }
    auto ge = upstream::classify_google_error(static_cast<int>(r->status), r->body, epoch_ms(now_ms()));
    if (ge.kind == error_kind::not_found) ge = not_found_model(c.spec.requested);
    if (!ge.credential_scoped) {
      co_await fail(ex, ge);
      co_return;
    }
    tried.push_back(l->id);
    last = std::move(ge);
  }
  co_await fail(ex, last ? *last : internal_error("no attempt was made"));
}

net::awaitable<void> gateway::gemini_generate(exchange& ex, call& c, bool stream, bool sse) {
  std::vector<std::int64_t> tried;
  std::optional<error> last;
  auto* cl = upstream::client::current();
  upstream::cancel_handle cancel;
  ex.watch_disconnect([&cancel] { cancel.cancel(); });
  struct unwatch {
    exchange& ex;
    upstream::cancel_handle& c;
    ~unwatch() {
      ex.stop_watching();
      c.attach(nullptr);
    }
  } unwatch_guard{ex, cancel};

  bool refreshed = false;
  for (int attempt = 0; attempt < settings_.max_attempts; ++attempt) {
    auto l = co_await creds_.acquire(c.spec.upstream, tried);
    if (!l) {
      co_await fail(ex, last ? *last : l.err());
      co_return;
    }
    std::string body = upstream::wrap_generate(
        c.request, upstream::envelope_params{c.spec.upstream, l->project, c.prompt_id, c.session_id});
    auto opened = co_await ca_.stream(*cl, stream ? "streamGenerateContent" : "generateContent", std::move(body),
                                      l->access_token, c.spec.upstream, &cancel);
    if (cancel.cancelled() || ex.client_gone()) co_return;  // nobody is listening any more
    if (!opened) {
      last = opened.err();
      spdlog::warn("request {}: upstream transport failure: {}", ex.request_id(), opened.err().detail);
      continue;
    }
    auto& s = *opened.value();
    if (s.status() != 200) {
      auto err_body = co_await s.read_all(1 << 20);
      cancel.attach(nullptr);
      auto ge = upstream::classify_google_error(static_cast<int>(s.status()), err_body ? *err_body : std::string(),
                                                epoch_ms(now_ms()));
      if (s.status() == 401 && !refreshed) {
        refreshed = true;
        --attempt;
        auto fresh = co_await creds_.refresh_after_unauthorized(l->id);
        if (!fresh) tried.push_back(l->id);
        last = std::move(ge);
        continue;
      }
      switch (ge.kind) {
        case error_kind::rate_limited:
        case error_kind::quota_exhausted:
          creds_.cool_down(l->id, c.spec.upstream, ge.retry_after.value_or(std::chrono::seconds(60)));
          break;
        case error_kind::validation_required:
          creds_.mark(l->id, credentials::state::validation_required, ge.message, ge.help_url);
          break;
        case error_kind::permission_denied:
          creds_.mark(l->id, credentials::state::error, ge.message, ge.help_url);
          break;
        case error_kind::not_found:
          ge = not_found_model(c.spec.requested);
          break;
        default:
          break;
      }
      if (!ge.credential_scoped) {
        co_await fail(ex, ge);
        co_return;
      }
      tried.push_back(l->id);
      last = std::move(ge);
      continue;
    }

    // 200: commit.
    if (!stream) {
      auto all = co_await s.read_all(cl->settings().max_response_bytes);
      cancel.attach(nullptr);
      if (!all) {
        if (cancel.cancelled()) co_return;
        co_await fail(ex, all.err());
        co_return;
      }
      boost::system::error_code ec;
      auto v = json::parse(*all, ec);
      if (ec) {
        co_await fail(ex, make_error(error_kind::upstream_protocol, error_source::upstream,
                                     "upstream answered invalid JSON"));
        co_return;
      }
      auto inner = upstream::unwrap_response(std::move(v));
      if (!inner) {
        co_await fail(ex, inner.err());
        co_return;
      }
      co_await ex.respond(200, json_type, json::serialize(inner.value()));
      co_return;
    }

    if (!co_await ex.begin_stream(200, sse ? "text/event-stream" : json_type)) {
      s.cancel();
      co_return;
    }
    sse::parser parser;
    std::string out, inner;
    out.reserve(64 * 1024);
    bool first = true;
    auto append_element = [&](std::string_view json_text) {
      if (sse) {
        sse::append_data_event(out, json_text);
      } else {
        out += first ? "[" : ",\r\n";
        out += json_text;
      }
      first = false;
    };
    std::optional<error> broke;
    for (;;) {
      auto piece = co_await s.read_some();
      if (!piece) {
        if (cancel.cancelled() || ex.client_gone()) co_return;
        broke = piece.err();
        break;
      }
      if (piece->empty()) {
        if (parser.has_partial())
          broke = make_error(error_kind::upstream_protocol, error_source::upstream, "upstream stream was truncated");
        break;
      }
      out.clear();
      parser.feed(*piece, [&](const sse::event& ev) {
        if (ev.data.empty()) return;
        if (is_error_event(ev.data)) {
          std::string_view d = ev.data;
          json::value v = json::parse(d);
          if (v.is_array()) v = v.get_array()[0];
          append_element(json::serialize(v));
          return;
        }
        if (upstream::unwrap_event_text(ev.data, inner)) append_element(inner);
        // malformed events are dropped, as gemini-cli drops them
      });
      if (parser.overflowed()) {
        broke = make_error(error_kind::upstream_protocol, error_source::upstream, "upstream event too large");
        break;
      }
      if (!out.empty() && !co_await ex.write_chunk(out)) {
        s.cancel();
        co_return;
      }
    }
    out.clear();
    if (broke) {
      spdlog::warn("request {}: upstream stream broke: {} {}", ex.request_id(), broke->message, broke->detail);
      auto e = *broke;
      if (e.kind == error_kind::cancelled) e.kind = error_kind::upstream_unavailable;
      e.message = "upstream stream ended unexpectedly: " + e.message;
      append_element(google_error_body(e.http_status(), e.message, e.canonical_status()));
    }
    if (!sse) out += first ? "[]" : "]";
    if (!out.empty()) co_await ex.write_chunk(out);
    co_await ex.end_stream();
    co_return;
  }
  co_await fail(ex, last ? *last : internal_error("no attempt was made"));
}

}  // namespace gw::pipeline
