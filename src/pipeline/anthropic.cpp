// The Anthropic Messages dialect's glue: /v1/messages and /v1/messages/count_tokens with Anthropic's
// error shape, through the generic flow.
#include <boost/json.hpp>

#include "core/ids.hpp"
#include "pipeline/gateway.hpp"
#include "translate/anthropic/messages.hpp"

namespace gw::pipeline {

namespace json = boost::json;
using server::exchange;
namespace an = translate::anthropic;

namespace {

rendered anthropic_error(const error& e) { return as_rendered(an::render_error(e)); }

using anthropic_translator = translator_adapter<an::response_context, an::stream_from_gemini, an::from_gemini>;

}  // namespace

net::awaitable<void> gateway::anthropic_messages(exchange& ex, bool count_only) {
  if (ex.req().method() != server::http::verb::post) {
    co_await send(ex, anthropic_error(client_error(error_kind::not_found, "use POST")));
    co_return;
  }
  auto who = co_await authenticate(ex, anthropic_error);
  if (!who) co_return;
  boost::system::error_code ec;
  auto body = parse_client_json(ex.req().body(), ec);
  if (ec) {
    co_await send(ex, anthropic_error(client_error(error_kind::bad_request, "invalid JSON body: " + ec.message())));
    co_return;
  }
  if (count_only) {
    auto c = an::count_tokens_contents(std::move(body), catalog_, settings_.anthropic_aliases);
    if (!c) {
      co_await send(ex, anthropic_error(c.err()));
      co_return;
    }
    auto n = co_await count_tokens(c->spec, std::move(c->contents));
    if (!n) {
      co_await send(ex, anthropic_error(n.err()));
      co_return;
    }
    rendered r;
    r.body = an::render_count_tokens(n.value());
    co_await send(ex, r);
    co_return;
  }
  an::request_env env;
  env.now_s = epoch_ms(now_ms()) / 1000;
  env.id = random_hex(12);
  auto t = an::to_gemini(std::move(body), catalog_, settings_.anthropic_aliases, env);
  if (!t) {
    co_await send(ex, anthropic_error(t.err()));
    co_return;
  }
  auto call = make_call<anthropic_translator>("anthropic", std::move(t.value()), anthropic_error);
  co_await execute(ex, call);
}

}  // namespace gw::pipeline
