// The Code Assist API (v1internal) as gemini-cli speaks it: method URLs and the headers it sends.
#pragma once
#include <memory>
#include <string>

#include "upstream/http_client.hpp"

namespace gw::upstream {

struct code_assist_settings {
  std::string endpoint = "https://cloudcode-pa.googleapis.com";  // origin; /<version>:<method> is appended
  std::string api_version = "v1internal";
  // Identity sent in User-Agent / x-goog-api-client, as gemini-cli (upstream-code-assist.md §6.1).
  std::string cli_version = "0.56.0";
  std::string auth_library_version = "10.9.0";
  std::string node_version = "22.18.0";
  std::string platform = "linux";
  std::string arch = "x64";
  std::string surface = "terminal";
  std::string default_model = "gemini-2.5-pro";  // the model named in User-Agent for setup calls
};

class code_assist {
 public:
  static result<code_assist> create(code_assist_settings s);

  // POST <endpoint>/<version>:<method>[?alt=sse]
  request method_request(std::string_view method, std::string body, std::string_view access_token,
                         std::string_view model, bool sse) const;
  // GET <endpoint>/<version>/<operation name>
  request operation_request(std::string_view name, std::string_view access_token) const;
  std::string user_agent(std::string_view model) const;
  const url& origin() const noexcept { return origin_; }
  const code_assist_settings& settings() const noexcept { return settings_; }

  net::awaitable<result<response>> call(client& c, std::string_view method, std::string body,
                                        std::string_view access_token, std::string_view model = {},
                                        cancel_handle* cancel = nullptr) const;
  net::awaitable<result<std::unique_ptr<stream_response>>> stream(client& c, std::string_view method, std::string body,
                                                                  std::string_view access_token,
                                                                  std::string_view model,
                                                                  cancel_handle* cancel = nullptr) const;
  net::awaitable<result<response>> get_operation(client& c, std::string_view name, std::string_view access_token) const;

 private:
  code_assist_settings settings_;
  url origin_;
  std::string base_path_;  // origin path without trailing slash
};

}  // namespace gw::upstream
