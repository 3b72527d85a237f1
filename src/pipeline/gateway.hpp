// One request's phases: route -> auth -> translate -> pick credential -> send -> (retry before the
// response is committed) -> stream back. Dialect code is pure (translate/); this file is the glue.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>

#include "credentials/io/manager.hpp"
#include "models/catalog.hpp"
#include "models/model_name.hpp"
#include "server/auth.hpp"
#include "server/http_server.hpp"
#include "upstream/code_assist.hpp"

namespace gw::pipeline {

namespace net = boost::asio;

struct settings {
  int max_attempts = 3;                 // credentials tried for one request before giving up
  std::string base_path = "/gemini_cli";
};

class gateway {
 public:
  gateway(settings s, models::catalog cat, server::key_cache& keys, credentials::manager& creds,
          upstream::code_assist ca);
  net::awaitable<void> handle(server::exchange& ex);

 private:
  struct call;
  net::awaitable<void> gemini_models(server::exchange& ex, std::string_view model);
  net::awaitable<void> gemini_action(server::exchange& ex, std::string_view model, std::string_view action);
  net::awaitable<void> gemini_generate(server::exchange& ex, call& c, bool stream, bool sse);
  net::awaitable<void> gemini_count_tokens(server::exchange& ex, call& c);
  net::awaitable<void> fail(server::exchange& ex, const error& e);
  error not_found_model(std::string_view model) const;

  settings settings_;
  models::catalog catalog_;
  server::key_cache& keys_;
  credentials::manager& creds_;
  upstream::code_assist ca_;
};

}  // namespace gw::pipeline
