// Gateway configuration: defaults, then a JSON config file, then GCLI_GATEWAY_* environment variables,
// then command-line flags (each later source overrides the earlier ones).
#pragma once
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "credentials/io/manager.hpp"
#include "models/catalog.hpp"
#include "pipeline/gateway.hpp"
#include "server/http_server.hpp"
#include "upstream/code_assist.hpp"
#include "upstream/http_client.hpp"

namespace gw::app {

struct config {
  std::string data_dir = "./data";
  std::string log_level = "info";
  std::string admin_key;  // GCLI_GATEWAY_ADMIN_KEY (secret)
  server::server_settings server;
  upstream::code_assist_settings code_assist;
  upstream::client_settings client;
  credentials::oauth_settings oauth;
  credentials::manager_settings manager;
  pipeline::settings pipeline;
  std::optional<boost::json::value> models;  // the configured model list, when not the default
};

// Applies a JSON config object (unknown keys are an error, so typos do not pass silently).
result<void> apply_json(config& c, const boost::json::value& v);
result<void> apply_file(config& c, const std::string& path);
// Reads GCLI_GATEWAY_* variables from the environment.
result<void> apply_env(config& c);
result<void> set_listen(config& c, std::string_view host_port);
result<models::catalog> make_catalog(const config& c);
// A commented list of every setting and its environment variable (for --help and the docs).
std::string describe();

}  // namespace gw::app
