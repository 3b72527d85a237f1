// The OpenAI Chat Completions dialect's glue: /v1/chat/completions and /v1/models with OpenAI's error
// shape, through the generic flow.
#include <boost/json.hpp>

#include "core/ids.hpp"
#include "pipeline/gateway.hpp"
#include "translate/openai/chat.hpp"

namespace gw::pipeline {

namespace json = boost::json;
using server::exchange;
namespace oa = translate::openai;

namespace {

rendered openai_error(const error& e) { return as_rendered(oa::render_error(e)); }

using openai_translator = translator_adapter<oa::response_context, oa::stream_from_gemini, oa::from_gemini>;

json::object model_object(std::string_view id) {
  json::object o;
  o["id"] = id;
  o["object"] = "model";
  o["created"] = 1700000000;
  o["owned_by"] = "google";
  return o;
}

}  // namespace

net::awaitable<void> gateway::openai_models(exchange& ex, std::string_view id) {
  auto who = co_await authenticate(ex, openai_error);
  if (!who) co_return;
  rendered r;
  if (id.empty()) {
    json::array data;
    for (auto& m : catalog_.models()) data.push_back(model_object(m.id));
    json::object body;
    body["object"] = "list";
    body["data"] = std::move(data);
    r.body = json::serialize(body);
    co_await send(ex, r);
    co_return;
  }
  auto spec = models::parse(id, catalog_);
  if (!catalog_.find(spec.base)) {
    co_await send(ex, openai_error(client_error(error_kind::not_found, "The model '" + std::string(id) +
                                                                          "' does not exist")));
    co_return;
  }
  r.body = json::serialize(model_object(spec.requested));
  co_await send(ex, r);
}

net::awaitable<void> gateway::openai_chat(exchange& ex) {
  if (ex.req().method() != server::http::verb::post) {
    co_await send(ex, openai_error(client_error(error_kind::not_found, "use POST /v1/chat/completions")));
    co_return;
  }
  auto who = co_await authenticate(ex, openai_error);
  if (!who) co_return;
  boost::system::error_code ec;
  auto body = parse_client_json(ex.req().body(), ec);
  if (ec) {
    co_await send(ex, openai_error(client_error(error_kind::bad_request,
                                                "We could not parse the JSON body of your request: " + ec.message())));
    co_return;
  }
  oa::request_env env;
  env.now_s = epoch_ms(now_ms()) / 1000;
  env.id = random_hex(12);
  auto t = oa::to_gemini(std::move(body), catalog_, env);
  if (!t) {
    co_await send(ex, openai_error(t.err()));
    co_return;
  }
  auto call = make_call<openai_translator>("openai", std::move(t.value()), openai_error);
  co_await execute(ex, call);
}

}  // namespace gw::pipeline
