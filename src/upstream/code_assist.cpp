// Code Assist method requests with gemini-cli's headers; see code_assist.hpp.
#include "upstream/code_assist.hpp"

namespace gw::upstream {

result<code_assist> code_assist::create(code_assist_settings s) {
  auto u = parse_url(s.endpoint);
  if (!u) return std::move(u).err();
  code_assist ca;
  ca.settings_ = std::move(s);
  ca.origin_ = u.value();
  ca.base_path_ = ca.origin_.path;
  while (!ca.base_path_.empty() && ca.base_path_.back() == '/') ca.base_path_.pop_back();
  return ca;
}

std::string code_assist::user_agent(std::string_view model) const {
  std::string ua = "GeminiCLI/" + settings_.cli_version + "/";
  ua += model.empty() ? std::string_view(settings_.default_model) : model;
  ua += " (" + settings_.platform + "; " + settings_.arch + "; " + settings_.surface + ") google-api-nodejs-client/" +
        settings_.auth_library_version;
  return ua;
}

request code_assist::method_request(std::string_view method, std::string body, std::string_view access_token,
                                    std::string_view model, bool sse) const {
  request r;
  r.method = http::verb::post;
  r.target = base_path_ + "/" + settings_.api_version + ":" + std::string(method);
  if (sse) r.target += "?alt=sse";
  r.body = std::move(body);
  r.headers.emplace_back("authorization", "Bearer " + std::string(access_token));
  r.headers.emplace_back("user-agent", user_agent(model));
  r.headers.emplace_back("x-goog-api-client", "gl-node/" + settings_.node_version);
  r.headers.emplace_back("accept", sse ? "*/*" : "application/json");
  return r;
}

request code_assist::operation_request(std::string_view name, std::string_view access_token) const {
  request r = method_request("", {}, access_token, {}, false);
  r.method = http::verb::get;
  r.content_type = "application/json";  // gemini-cli sends it on every call, GETs included
  r.target = base_path_ + "/" + settings_.api_version + "/" + std::string(name);
  return r;
}

net::awaitable<result<response>> code_assist::call(client& c, std::string_view method, std::string body,
                                                   std::string_view access_token, std::string_view model,
                                                   cancel_handle* cancel) const {
  co_return co_await c.send(origin_, method_request(method, std::move(body), access_token, model, false), cancel);
}

net::awaitable<result<std::unique_ptr<stream_response>>> code_assist::stream(client& c, std::string_view method,
                                                                             std::string body,
                                                                             std::string_view access_token,
                                                                             std::string_view model,
                                                                             cancel_handle* cancel) const {
  bool sse = method == "streamGenerateContent";
  auto req = method_request(method, std::move(body), access_token, model, sse);
  // A generation may think for minutes before the first byte (gemini-cli sets no timeout): wait for the
  // headers as long as a stream may stay silent.
  req.header_timeout = c.settings().stream_idle_timeout;
  co_return co_await c.open_stream(origin_, std::move(req), cancel);
}

net::awaitable<result<response>> code_assist::get_operation(client& c, std::string_view name,
                                                            std::string_view access_token) const {
  co_return co_await c.send(origin_, operation_request(name, access_token));
}

}  // namespace gw::upstream
