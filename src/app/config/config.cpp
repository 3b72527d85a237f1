// Gateway configuration; see config.hpp.
#include "app/config/config.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace gw::app {

namespace json = boost::json;

namespace {

using setter = result<void> (*)(config&, std::string_view);

result<std::int64_t> to_int(std::string_view name, std::string_view v) {
  try {
    std::size_t used = 0;
    auto n = std::stoll(std::string(v), &used);
    if (used != v.size()) throw std::invalid_argument("trailing");
    return static_cast<std::int64_t>(n);
  } catch (...) {
    return client_error(error_kind::bad_request, std::string(name) + ": not a whole number: " + std::string(v));
  }
}

struct option {
  const char* key;  // config-file key
  const char* env;  // environment variable
  const char* help;
  result<void> (*set)(config&, std::string_view);
};

#define GW_INT_OPT(KEY, ENV, HELP, EXPR)                                   \
  option {                                                                \
    KEY, ENV, HELP, [](config& c, std::string_view v) -> result<void> {   \
      auto n = to_int(KEY, v);                                            \
      if (!n) return std::move(n).err();                                  \
      auto x = n.value();                                                 \
      EXPR;                                                               \
      return {};                                                          \
    }                                                                     \
  }
#define GW_STR_OPT(KEY, ENV, HELP, FIELD)                                \
  option {                                                              \
    KEY, ENV, HELP, [](config& c, std::string_view v) -> result<void> { \
      c.FIELD = std::string(v);                                         \
      return {};                                                        \
    }                                                                   \
  }

using ms = std::chrono::milliseconds;

const option options[] = {
    option{"listen", "GCLI_GATEWAY_LISTEN", "HOST:PORT to listen on (default 127.0.0.1:8080)",
           [](config& c, std::string_view v) { return set_listen(c, v); }},
    GW_STR_OPT("data_dir", "GCLI_GATEWAY_DATA_DIR", "data directory (SQLite database)", data_dir),
    GW_STR_OPT("log_level", "GCLI_GATEWAY_LOG_LEVEL", "trace, debug, info, warn, error", log_level),
    GW_STR_OPT("admin_key", "GCLI_GATEWAY_ADMIN_KEY", "the operator's key for the admin API", admin_key),
    GW_INT_OPT("threads", "GCLI_GATEWAY_THREADS", "worker threads (0 = one per core)", c.server.threads = int(x)),
    GW_INT_OPT("max_body_bytes", "GCLI_GATEWAY_MAX_BODY_BYTES", "request body limit (413 beyond)",
               c.server.max_body_bytes = std::size_t(x)),
    GW_INT_OPT("header_timeout_ms", "GCLI_GATEWAY_HEADER_TIMEOUT_MS", "time to receive request headers",
               c.server.header_timeout = ms(x)),
    GW_INT_OPT("idle_timeout_ms", "GCLI_GATEWAY_IDLE_TIMEOUT_MS", "keep-alive idle time", c.server.idle_timeout = ms(x)),
    GW_INT_OPT("shutdown_grace_ms", "GCLI_GATEWAY_SHUTDOWN_GRACE_MS", "time in-flight requests get after SIGTERM",
               c.server.shutdown_grace = ms(x)),
    GW_STR_OPT("code_assist_endpoint", "GCLI_GATEWAY_CODE_ASSIST_ENDPOINT",
               "Code Assist origin (the gateway appends /v1internal:<method>)", code_assist.endpoint),
    GW_STR_OPT("code_assist_api_version", "GCLI_GATEWAY_CODE_ASSIST_API_VERSION", "Code Assist API version",
               code_assist.api_version),
    GW_STR_OPT("oauth_token_url", "GCLI_GATEWAY_OAUTH_TOKEN_URL", "Google OAuth token endpoint", oauth.token_url),
    GW_STR_OPT("userinfo_url", "GCLI_GATEWAY_USERINFO_URL", "Google userinfo endpoint (empty: do not ask)",
               oauth.userinfo_url),
    GW_STR_OPT("cli_version", "GCLI_GATEWAY_CLI_VERSION", "gemini-cli version named in User-Agent",
               code_assist.cli_version),
    GW_INT_OPT("upstream_timeout_ms", "GCLI_GATEWAY_UPSTREAM_TIMEOUT_MS", "whole non-stream upstream request",
               c.client.request_timeout = ms(x)),
    GW_INT_OPT("stream_idle_timeout_ms", "GCLI_GATEWAY_STREAM_IDLE_TIMEOUT_MS", "silence allowed inside a stream",
               c.client.stream_idle_timeout = ms(x)),
    GW_INT_OPT("onboard_poll_ms", "GCLI_GATEWAY_ONBOARD_POLL_MS", "onboarding operation poll interval",
               c.manager.onboard_poll = ms(x)),
    GW_INT_OPT("max_attempts", "GCLI_GATEWAY_MAX_ATTEMPTS", "credentials tried per request",
               c.pipeline.max_attempts = int(x)),
    GW_INT_OPT("heartbeat_ms", "GCLI_GATEWAY_HEARTBEAT_MS", "stream keep-alive interval during upstream silence",
               c.pipeline.heartbeat = ms(x)),
    GW_INT_OPT("media_max_bytes", "GCLI_GATEWAY_MEDIA_MAX_BYTES", "largest media file fetched by URL",
               c.pipeline.media.max_bytes = std::size_t(x)),
    GW_INT_OPT("media_timeout_ms", "GCLI_GATEWAY_MEDIA_TIMEOUT_MS", "time allowed to fetch one media URL",
               c.pipeline.media.timeout = ms(x)),
    option{"media_allow_hosts", "GCLI_GATEWAY_MEDIA_ALLOW_HOSTS",
           "hosts / addresses (comma-separated, optional :port) media URLs may reach despite the private-address rules",
           [](config& c, std::string_view v) -> result<void> {
             c.pipeline.media.allow_hosts.clear();
             std::string_view s = v;
             if (!s.empty() && s.front() == '[' && s.back() == ']') {  // a JSON array in the config file
               auto a = boost::json::parse(s);
               for (auto& e : a.as_array())
                 if (e.is_string()) c.pipeline.media.allow_hosts.emplace_back(e.get_string());
             } else {
               std::size_t start = 0;
               while (start <= s.size()) {
                 auto end = s.find(',', start);
                 auto item = s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
                 while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
                 while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
                 if (!item.empty()) c.pipeline.media.allow_hosts.emplace_back(item);
                 if (end == std::string_view::npos) break;
                 start = end + 1;
               }
             }
             return upstream::check_media_policy(c.pipeline.media);
           }},
    GW_STR_OPT("base_path", "GCLI_GATEWAY_BASE_PATH", "extra mount point of every route (default /gemini_cli)",
               pipeline.base_path),
};

}  // namespace

result<void> set_listen(config& c, std::string_view hp) {
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos) return client_error(error_kind::bad_request, "listen: expected HOST:PORT");
  auto port = to_int("listen", hp.substr(colon + 1));
  if (!port || port.value() < 0 || port.value() > 65535)
    return client_error(error_kind::bad_request, "listen: bad port in " + std::string(hp));
  std::string host(hp.substr(0, colon));
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  c.server.host = host.empty() ? "0.0.0.0" : host;
  c.server.port = static_cast<std::uint16_t>(port.value());
  return {};
}

result<void> apply_json(config& c, const json::value& v) {
  if (!v.is_object()) return client_error(error_kind::bad_request, "config: the file must hold a JSON object");
  for (auto& [k, val] : v.get_object()) {
    if (k == "models") {
      c.models = val;
      continue;
    }
    if (k == "anthropic_aliases") {  // [{"pattern":"claude-opus-*","model":"gemini-2.5-pro"}, ...]
      auto t = translate::anthropic::alias_table::from_json(val);
      if (!t) return std::move(t).err();
      c.pipeline.anthropic_aliases = std::move(t.value());
      continue;
    }
    if (k == "anthropic_aliases") {
      auto t = translate::anthropic::alias_table::from_json(val);
      if (!t) return std::move(t).err();
      c.pipeline.anthropic_aliases = std::move(t.value());
      continue;
    }
    const option* opt = nullptr;
    for (auto& o : options)
      if (k == o.key) opt = &o;
    if (!opt) return client_error(error_kind::bad_request, "config: unknown setting '" + std::string(k) + "'");
    std::string text = val.is_string() ? std::string(val.get_string()) : json::serialize(val);
    if (auto r = opt->set(c, text); !r) return r;
  }
  return {};
}

result<void> apply_file(config& c, const std::string& path) {
  std::ifstream in(path);
  if (!in) return client_error(error_kind::bad_request, "config: cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  auto v = json::parse(ss.str(), ec);
  if (ec) return client_error(error_kind::bad_request, "config: " + path + " is not valid JSON: " + ec.message());
  return apply_json(c, v);
}

result<void> apply_env(config& c) {
  for (auto& o : options) {
    if (const char* v = std::getenv(o.env)) {
      if (auto r = o.set(c, v); !r) return r;
    }
  }
  if (const char* m = std::getenv("GCLI_GATEWAY_MODELS")) {  // comma-separated ids or a JSON array
    std::string_view s(m);
    boost::system::error_code ec;
    auto v = json::parse(s, ec);
    if (ec) {
      json::array a;
      std::size_t start = 0;
      while (start <= s.size()) {
        auto end = s.find(',', start);
        auto id = s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (!id.empty()) a.emplace_back(id);
        if (end == std::string_view::npos) break;
        start = end + 1;
      }
      v = std::move(a);
    }
    c.models = std::move(v);
  }
  return {};
}

result<models::catalog> make_catalog(const config& c) {
  if (!c.models) return models::catalog::defaults();
  return models::catalog::from_json(*c.models);
}

std::string describe() {
  std::string out = "Settings (config-file key / environment variable):\n";
  for (auto& o : options) {
    out += "  ";
    out += o.key;
    out += " / ";
    out += o.env;
    out += "\n      ";
    out += o.help;
    out += "\n";
  }
  out += "  models / GCLI_GATEWAY_MODELS\n      the model list (JSON array, or comma-separated ids)\n";
  out += "  anthropic_aliases (config file only)\n      Claude model names -> gateway models (patterns allowed)\n";
  return out;
}

}  // namespace gw::app
