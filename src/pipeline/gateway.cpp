// Routing, client authentication and the dialect-independent request flow (see gateway.hpp). The
// upstream answer is unwrapped from the Code Assist envelope event by event and handed to the
// dialect's translator; one client write per upstream read.
#include "pipeline/gateway.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "sse/parser.hpp"
#include "translate/common/repair.hpp"
#include "translate/gemini/stream.hpp"
#include "upstream/proto/envelope.hpp"
#include "upstream/proto/google_error.hpp"

namespace gw::pipeline {

namespace json = boost::json;
using server::exchange;

boost::json::value parse_client_json(std::string_view body, boost::system::error_code& ec) {
  boost::json::parse_options opt;
  opt.max_depth = 512;
  return boost::json::parse(body, ec, {}, opt);
}

void response_translator::on_chunk_text(std::string_view text, std::string& out) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (!ec && v.is_object()) on_chunk(v.get_object(), out);
}

namespace {

// A bare error object (or array-wrapped one) where a response envelope was expected.
bool is_error_event(std::string_view data) {
  if (data.find("\"error\"") == std::string_view::npos) return false;
  boost::system::error_code ec;
  auto v = json::parse(data, ec);
  if (ec) return false;
  if (v.is_array()) return !v.get_array().empty() && v.get_array()[0].is_object() && v.get_array()[0].get_object().contains("error");
  return v.is_object() && v.get_object().contains("error") && !v.get_object().contains("response");
}

constexpr std::string_view gemini_prefixes[] = {"/v1beta/models", "/v1/models", "/v1alpha/models"};

bool starts_with_segment(std::string_view path, std::string_view prefix) {
  return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace

gateway::gateway(settings s, models::catalog cat, server::key_cache& keys, credentials::manager& creds,
                 upstream::code_assist ca, std::shared_ptr<net::ssl::context> tls)
    : settings_(std::move(s)),
      catalog_(std::move(cat)),
      keys_(keys),
      creds_(creds),
      ca_(std::move(ca)),
      tls_(std::move(tls)) {}

net::awaitable<void> gateway::send(exchange& ex, const rendered& r) {
  co_await ex.respond(r.status, r.content_type, r.body, r.headers);
}

error gateway::not_found_model(std::string_view model) const {
  std::string ids;
  for (auto& m : catalog_.models()) {
    if (!ids.empty()) ids += ", ";
    ids += m.id;
  }
  auto e = make_error(error_kind::not_found, error_source::upstream,
                      "model '" + std::string(model) + "' was not found upstream. Configured models: " + ids + ". " +
                          models::parameters_help());
  e.upstream_status = 404;
  e.google_status = "NOT_FOUND";
  return e;
}

net::awaitable<void> gateway::handle(exchange& ex) {
  std::string_view path = ex.path();
  const auto& base = settings_.base_path;
  if (!base.empty() && starts_with_segment(path, base)) {
    path.remove_prefix(base.size());
    if (path.empty()) path = "/";
  }
  auto method = ex.req().method();

  if (method == server::http::verb::options) {  // CORS preflight
    // (a named list: g++ 12 cannot keep an initializer_list temporary across co_await)
    // A '*' in Allow-Headers does not cover Authorization (Fetch standard): echo what was asked, or name them.
    std::string asked(ex.req()["access-control-request-headers"]);
    if (asked.empty())
      asked = "authorization, content-type, x-api-key, x-goog-api-key, anthropic-version, anthropic-beta";
    server::header_list cors{{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                             {"Access-Control-Allow-Headers", asked},
                             {"Access-Control-Max-Age", "86400"}};
    if (ex.req().find(server::http::field::origin) == ex.req().end())
      cors.emplace_back("Access-Control-Allow-Origin", "*");
    co_await ex.respond(204, "", "", cors);
    co_return;
  }
  if (path == "/healthz") {
    co_await ex.respond(200, "application/json", R"({"status":"ok"})");
    co_return;
  }
  if (path == "/" && (method == server::http::verb::head || method == server::http::verb::get)) {
    co_await ex.respond(200, "text/plain; charset=utf-8", "gcli-gateway\n");
    co_return;
  }
  if (path == "/v1/chat/completions" || path == "/v1/chat/completions/") {
    co_await openai_chat(ex);
    co_return;
  }
  if (path == "/v1/messages" || path == "/v1/messages/count_tokens") {
    co_await anthropic_messages(ex, path.ends_with("count_tokens"));
    co_return;
  }
  // /v1/models is both OpenAI's model list and the Gemini API's under apiVersion "v1": a Google client
  // authenticates with x-goog-api-key or ?key= and model actions have a ':'.
  if (starts_with_segment(path, "/v1/models")) {
    bool google = ex.req().find("x-goog-api-key") != ex.req().end() || ex.query_param("key") ||
                  path.find(':') != std::string_view::npos;
    if (!google) {
      auto rest = path.substr(10);
      // (no ?: inside co_await: g++ 12 miscompiles conditional temporaries there)
      std::string_view id = rest;
      if (!id.empty()) id.remove_prefix(1);
      co_await openai_models(ex, id);
      co_return;
    }
  }
  for (std::string_view prefix : gemini_prefixes) {
    if (starts_with_segment(path, prefix)) {
      co_await gemini_route(ex, path.substr(prefix.size()));
      co_return;
    }
  }
  rendered r;
  r.status = 404;
  r.body = translate::gemini::error_body(client_error(error_kind::not_found, "no route for " + std::string(path)));
  co_await send(ex, r);
}

net::awaitable<std::optional<server::client_key>> gateway::authenticate(
    exchange& ex, const std::function<rendered(const error&)>& render) {
  auto key = server::extract_key(ex.req(), ex.query_param("key"));
  server::client_key who;
  auto st = key ? keys_.check(*key, &who) : server::auth_status::missing;
  if (st == server::auth_status::ok) co_return who;
  error e = st == server::auth_status::revoked
                ? client_error(error_kind::permission_denied, "API key has been revoked")
            : st == server::auth_status::missing
                ? client_error(error_kind::unauthenticated,
                               "API key missing: send it as x-goog-api-key, Authorization: Bearer, x-api-key or ?key=")
                : client_error(error_kind::unauthenticated, "API key not valid. Please pass a valid API key.");
  co_await send(ex, render(e));
  co_return std::nullopt;
}

net::awaitable<result<std::int64_t>> gateway::count_tokens(const models::model_spec& spec, json::array contents) {
  {  // media given by URL is counted as what it is: fetch and inline it first, as for a generation
    json::object holder;
    holder["contents"] = std::move(contents);
    auto exec = co_await net::this_coro::executor;
    auto media = co_await upstream::resolve_remote_media(exec, tls_, holder, settings_.media);
    if (!media) co_return std::move(media).err();
    contents = std::move(holder["contents"].as_array());
  }
  std::vector<std::int64_t> tried;
  std::optional<error> last;
  auto* cl = upstream::client::current();
  for (int attempt = 0; attempt < settings_.max_attempts; ++attempt) {
    auto l = co_await creds_.acquire(spec.upstream, tried);
    if (!l) {
      if (last) co_return *last;
      co_return std::move(l).err();
    }
    auto body = upstream::wrap_count_tokens(spec.upstream, contents);
    auto r = co_await ca_.call(*cl, "countTokens", std::move(body), l->access_token, spec.upstream);
    if (!r) {
      last = std::move(r).err();
      continue;
    }
    if (r->status == 200) co_return upstream::parse_count_tokens(r->body);
    auto ge = upstream::classify_google_error(static_cast<int>(r->status), r->body, epoch_ms(now_ms()));
    if (ge.kind == error_kind::not_found) co_return not_found_model(spec.requested);
    if (!ge.credential_scoped) co_return ge;
    tried.push_back(l->id);
    last = std::move(ge);
  }
  if (last) co_return *last;
  co_return internal_error("no attempt was made");
}

net::awaitable<void> gateway::execute(exchange& ex, dialect_call& call) {
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
  std::string prompt_id = random_hex(8);
  std::string session_id = random_uuid();

  auto fail = [&](const error& e) -> net::awaitable<void> {
    if (e.source == error_source::upstream)
      spdlog::warn("request {}: upstream error {} {}: {} {}", ex.request_id(), e.upstream_status, e.reason, e.message,
                   e.detail);
    else if (e.kind == error_kind::internal)
      spdlog::error("request {}: internal error: {} ({})", ex.request_id(), e.message, e.detail);
    co_await send(ex, call.render_error(e));
  };

  if (!call.repaired) {
    // Media given by URL is fetched (safely) and inlined before anything goes upstream.
    auto exec = co_await net::this_coro::executor;
    auto media = co_await upstream::resolve_remote_media(exec, tls_, call.request,
                                                         settings_.media);
    if (!media) {
      co_await fail(media.err());
      co_return;
    }
    models::apply(call.spec, call.request);
    translate::strip_thought_parts(call.request);
    translate::ensure_thought_signatures(call.request);
    call.repaired = true;
  }

  bool refreshed = false;
  for (int attempt = 0; attempt < settings_.max_attempts; ++attempt) {
    auto l = co_await creds_.acquire(call.spec.upstream, tried);
    if (!l) {
      error e = last ? *last : l.err();
      co_await fail(e);
      co_return;
    }
    std::string body = upstream::wrap_generate(
        call.request, upstream::envelope_params{call.spec.upstream, l->project, prompt_id, session_id});
    std::string_view rpc = call.stream ? "streamGenerateContent" : "generateContent";
    auto opened = co_await ca_.stream(*cl, rpc, std::move(body),
                                      l->access_token, call.spec.upstream, &cancel);
    if (cancel.cancelled() || ex.client_gone()) co_return;  // nobody is listening any more
    if (!opened) {
      spdlog::warn("request {}: upstream transport failure: {}", ex.request_id(), opened.err().detail);
      if (opened.err().reason == "timeout_after_send") {  // it may still be generating: never spend twice
        co_await fail(opened.err());
        co_return;
      }
      last = opened.err();
      continue;
    }
    auto& s = *opened.value();
    if (s.status() != 200) {
      auto err_body = co_await s.read_all(1 << 20);
      cancel.attach(nullptr);
      auto ge = upstream::classify_google_error(static_cast<int>(s.status()), err_body ? *err_body : std::string(),
                                                epoch_ms(now_ms()));
      if (s.status() == 401 && !refreshed) {  // the token was refused: refresh once, then try again
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
          creds_.cool_down(l->id, call.spec.upstream, ge.retry_after.value_or(std::chrono::seconds(60)));
          break;
        case error_kind::validation_required:
          creds_.mark(l->id, credentials::state::validation_required, ge.message, ge.help_url);
          break;
        case error_kind::permission_denied:
          creds_.mark(l->id, credentials::state::error, ge.message, ge.help_url);
          break;
        case error_kind::not_found:
          ge = not_found_model(call.spec.requested);
          break;
        default:
          break;
      }
      if (!ge.credential_scoped) {
        co_await fail(ge);
        co_return;
      }
      tried.push_back(l->id);
      last = std::move(ge);
      continue;
    }

    // 200: from here on the answer is committed to this credential.
    if (!call.stream) {
      auto all = co_await s.read_all(cl->settings().max_response_bytes);
      cancel.attach(nullptr);
      if (!all) {
        if (!cancel.cancelled()) co_await fail(all.err());
        co_return;
      }
      boost::system::error_code ec;
      auto v = json::parse(*all, ec);
      if (ec) {
        co_await fail(make_error(error_kind::upstream_protocol, error_source::upstream, "upstream answered invalid JSON"));
        co_return;
      }
      auto inner = upstream::unwrap_response(std::move(v));
      if (!inner) {
        co_await fail(inner.err());
        co_return;
      }
      auto text = call.translator->whole(inner.value());
      if (!text) {
        co_await fail(text.err());
        co_return;
      }
      co_await ex.respond(200, "application/json", std::move(text.value()));
      co_return;
    }
    auto early = co_await pump(ex, call, s);
    if (!early) co_return;
    // The upstream failed before its first event: nothing was sent, so this is an ordinary failure.
    spdlog::warn("request {}: upstream stream failed before its first event: {} {}", ex.request_id(),
                 early->message, early->detail);
    if (early->credential_scoped || early->kind == error_kind::upstream_unavailable ||
        early->kind == error_kind::upstream_protocol) {
      if (early->credential_scoped) tried.push_back(l->id);
      last = std::move(*early);
      continue;
    }
    co_await fail(*early);
    co_return;
  }
  error e = last ? *last : internal_error("no attempt was made");
  co_await fail(e);
}

// Streams the upstream answer to the client. The response is committed (200 + headers) only when the
// first client bytes exist or the first heartbeat is due, so an upstream that fails before its first
// event is still answered with a real HTTP error (and may be retried on another credential): such a
// failure is returned. A second coroutine writes heartbeats while the upstream is silent; both run on
// this connection's thread, and a flag plus a timer keep their writes apart.
net::awaitable<std::optional<error>> gateway::pump(exchange& ex, dialect_call& call, upstream::stream_response& s) {
  auto& tr = *call.translator;
  struct beat_state {
    bool reading = false;   // the pump waits on the upstream: a heartbeat may be written now
    bool writing = false;   // a heartbeat write is in flight: the pump must wait for it
    bool stop = false;
    bool beat_done = false;
    bool gone = false;      // a write failed: the client is gone
    std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
  };
  auto st = std::make_shared<beat_state>();
  auto exec = co_await net::this_coro::executor;
  auto beat_timer = std::make_shared<net::steady_timer>(exec);
  auto wake = std::make_shared<net::steady_timer>(exec, net::steady_timer::time_point::max());
  auto interval = settings_.heartbeat;
  const std::string content_type = call.stream_content_type;
  // Commits the response if not yet done; false when the client is gone.
  auto commit = [&ex, content_type]() -> net::awaitable<bool> {
    if (ex.committed()) co_return true;
    co_return co_await ex.begin_stream(200, content_type);
  };
  if (interval.count() <= 0) {  // heartbeats disabled
    st->beat_done = true;
  } else {
    net::co_spawn(
        exec,
        [st, beat_timer, wake, interval, &ex, &tr, commit]() -> net::awaitable<void> {
          std::string hb;
          while (!st->stop) {
            beat_timer->expires_at(st->last_write + interval);
            boost::system::error_code ec;
            co_await beat_timer->async_wait(net::redirect_error(net::use_awaitable, ec));
            if (st->stop) break;
            if (!st->reading || std::chrono::steady_clock::now() < st->last_write + interval) continue;
            hb.clear();
            tr.heartbeat(hb);
            st->writing = true;
            bool ok = co_await commit();  // a long silence before the first event: keep the client alive
            if (ok && !hb.empty()) ok = co_await ex.write_chunk(hb);
            st->writing = false;
            st->last_write = std::chrono::steady_clock::now();
            wake->cancel();
            if (!ok) {
              st->gone = true;
              break;
            }
          }
          st->beat_done = true;
          wake->cancel();
        },
        net::detached);
  }
  // Stops the heartbeat coroutine and waits until it no longer touches the exchange.
  auto stop_beats = [&]() -> net::awaitable<void> {
    st->stop = true;
    beat_timer->cancel();
    while (!st->beat_done) {
      boost::system::error_code ec;
      wake->expires_at(net::steady_timer::time_point::max());
      co_await wake->async_wait(net::redirect_error(net::use_awaitable, ec));
    }
  };
  auto wait_for_beat = [&]() -> net::awaitable<void> {
    while (st->writing) {
      boost::system::error_code ec;
      wake->expires_at(net::steady_timer::time_point::max());
      co_await wake->async_wait(net::redirect_error(net::use_awaitable, ec));
    }
  };

  sse::parser parser;
  std::string out, inner;
  out.reserve(64 * 1024);
  std::optional<error> broke;
  bool ended = false;  // the translator ended the stream (an in-stream error event)
  std::optional<error> upstream_error_event;
  for (;;) {
    st->reading = true;
    auto piece = co_await s.read_some();
    st->reading = false;
    co_await wait_for_beat();
    if (st->gone || ex.client_gone()) break;
    if (!piece) {
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
      if (ev.data.empty() || ended || upstream_error_event) return;
      if (is_error_event(ev.data)) {
        auto e = upstream::classify_google_error(500, ev.data, epoch_ms(now_ms()));
        if (!ex.committed() && out.empty()) {  // nothing sent yet: answer it as a real HTTP error
          upstream_error_event = std::move(e);
          return;
        }
        tr.on_error(e, out);
        ended = true;
        return;
      }
      if (upstream::unwrap_event_text(ev.data, inner)) tr.on_chunk_text(inner, out);
      // malformed events are dropped, as gemini-cli drops them
    });
    if (upstream_error_event) break;
    if (parser.overflowed()) {
      broke = make_error(error_kind::upstream_protocol, error_source::upstream, "upstream event too large");
      break;
    }
    if (!out.empty()) {
      st->last_write = std::chrono::steady_clock::now();
      if (!co_await commit() || !co_await ex.write_chunk(out)) {
        st->gone = true;
        break;
      }
    }
    if (ended) break;
  }
  co_await stop_beats();
  if (!s.done()) s.cancel();  // whatever is left unread is not wanted; a finished one goes back to the pool
  if (st->gone || ex.client_gone()) co_return std::nullopt;
  if (!ex.committed()) {  // nothing reached the client: let the caller answer (or retry) with a real error
    if (upstream_error_event) co_return upstream_error_event;
    if (broke) {
      auto e = *broke;
      if (e.kind == error_kind::cancelled) e.kind = error_kind::upstream_unavailable;
      e.message = "upstream stream ended before its first event: " + e.message;
      co_return e;
    }
    if (!co_await commit()) co_return std::nullopt;  // an empty but complete stream
  }
  out.clear();
  if (broke) {
    spdlog::warn("request {}: upstream stream broke: {} {}", ex.request_id(), broke->message, broke->detail);
    auto e = *broke;
    if (e.kind == error_kind::cancelled) e.kind = error_kind::upstream_unavailable;
    e.message = "upstream stream ended unexpectedly: " + e.message;
    tr.on_error(e, out);
  } else if (!ended) {
    tr.on_finish(out);
  }
  if (!out.empty()) co_await ex.write_chunk(out);
  co_await ex.end_stream();
  co_return std::nullopt;
}

}  // namespace gw::pipeline
