// One request's phases: route -> auth -> translate -> pick credential -> send -> (retry before the
// response is committed) -> stream back. Dialect code is pure (translate/); this is the glue.
// gateway.cpp: routing, authentication and the dialect-independent flow; <dialect>.cpp: each dialect's glue.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "credentials/io/manager.hpp"
#include "models/catalog.hpp"
#include "models/model_name.hpp"
#include "pipeline/dialect.hpp"
#include "server/auth.hpp"
#include "server/http_server.hpp"
#include "translate/anthropic/aliases.hpp"
#include "upstream/code_assist.hpp"
#include "upstream/media_fetch.hpp"

namespace gw::pipeline {

namespace net = boost::asio;

struct settings {
  int max_attempts = 3;                 // credentials tried for one request before giving up
  std::string base_path = "/gemini_cli";
  std::chrono::milliseconds heartbeat{15'000};  // stream keep-alive during upstream silence
  upstream::media_policy media;                 // remote images / audio / video / PDFs given by URL
  translate::anthropic::alias_table anthropic_aliases = translate::anthropic::alias_table::defaults();
};

class gateway {
 public:
  gateway(settings s, models::catalog cat, server::key_cache& keys, credentials::manager& creds,
          upstream::code_assist ca, std::shared_ptr<net::ssl::context> tls);
  net::awaitable<void> handle(server::exchange& ex);

 private:
  // generic flow
  net::awaitable<std::optional<server::client_key>> authenticate(server::exchange& ex,
                                                                 const std::function<rendered(const error&)>& render);
  net::awaitable<void> execute(server::exchange& ex, dialect_call& call);
  // Streams the answer; returns the upstream's failure when it came before anything was sent.
  net::awaitable<std::optional<error>> pump(server::exchange& ex, dialect_call& call, upstream::stream_response& s);
  net::awaitable<result<std::int64_t>> count_tokens(const models::model_spec& spec, boost::json::array contents);
  net::awaitable<void> send(server::exchange& ex, const rendered& r);
  error not_found_model(std::string_view model) const;

  // OpenAI Chat Completions (openai.cpp)
  net::awaitable<void> openai_chat(server::exchange& ex);
  net::awaitable<void> openai_models(server::exchange& ex, std::string_view id);
  // Anthropic Messages (anthropic.cpp)
  net::awaitable<void> anthropic_messages(server::exchange& ex, bool count_only);

  // Gemini native (native.cpp)
  net::awaitable<void> gemini_route(server::exchange& ex, std::string_view rest);
  net::awaitable<void> gemini_models(server::exchange& ex, std::string_view model);

  settings settings_;
  models::catalog catalog_;
  server::key_cache& keys_;
  credentials::manager& creds_;
  upstream::code_assist ca_;
  std::shared_ptr<net::ssl::context> tls_;
};

}  // namespace gw::pipeline
