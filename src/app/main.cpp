// gcli-gateway: command line (serve, keys, creds) and the wiring of the server.
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/config/config.hpp"
#include "credentials/io/manager.hpp"
#include "pipeline/gateway.hpp"
#include "server/auth.hpp"
#include "server/http_server.hpp"
#include "store/store.hpp"
#include "upstream/http_client.hpp"

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace gw;

[[noreturn]] void die(const std::string& msg) {
  std::cerr << "gcli-gateway: " << msg << "\n";
  std::exit(1);
}

std::unique_ptr<store::store> open_store(const app::config& c) {
  auto s = store::open_sqlite((fs::path(c.data_dir) / "gateway.db").string());
  if (!s) die(s.err().message + (s.err().detail.empty() ? "" : " (" + s.err().detail + ")"));
  return std::move(s.value());
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("gw");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) die("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int cmd_serve(app::config& cfg) {
  setup_logging(cfg.log_level);
  auto st = open_store(cfg);
  auto catalog = app::make_catalog(cfg);
  if (!catalog) die(catalog.err().message);
  cfg.code_assist.default_model = "gemini-2.5-pro";
  auto ca = upstream::code_assist::create(cfg.code_assist);
  if (!ca) die("code_assist_endpoint: " + ca.err().message);
  for (auto* u : {&cfg.oauth.token_url, &cfg.oauth.userinfo_url})
    if (!u->empty())
      if (auto p = upstream::parse_url(*u); !p) die(p.err().message);

  server::key_cache keys(*st);
  if (auto r = keys.reload(); !r) die(r.err().message);

  auto tls = upstream::make_client_tls_context();
  std::vector<std::unique_ptr<upstream::client>> clients;
  std::mutex clients_mu;
  std::unique_ptr<credentials::manager> creds;
  std::unique_ptr<pipeline::gateway> gateway;

  server::http_server srv(
      cfg.server, [&](server::exchange& ex) { return gateway->handle(ex); },
      [&](server::net::io_context& ioc, int index) {
        auto c = std::make_unique<upstream::client>(ioc.get_executor(), tls, cfg.client);
        upstream::client::set_current(c.get());
        std::lock_guard lock(clients_mu);
        clients.push_back(std::move(c));
        if (index == 0) server::net::co_spawn(ioc, creds->prepare_all(), server::net::detached);
      });
  creds = std::make_unique<credentials::manager>(*st, ca.value(), cfg.oauth, cfg.manager, srv.context(0).get_executor());
  if (auto r = creds->reload(); !r) die(r.err().message);
  gateway = std::make_unique<pipeline::gateway>(cfg.pipeline, std::move(catalog.value()), keys, *creds, ca.value(), tls);

  if (auto r = srv.listen(); !r) die(r.err().message);
  std::string host = cfg.server.host.find(':') != std::string::npos ? "[" + cfg.server.host + "]" : cfg.server.host;
  std::string origin = "http://" + host + ":" + std::to_string(srv.port());
  std::size_t ncreds = creds->snapshot().size();
  std::cout << "gcli-gateway listening on " << origin << " (also under " << cfg.pipeline.base_path << ")\n"
            << "  Gemini API:  " << origin << cfg.pipeline.base_path << "/v1beta/models\n"
            << "  data:        " << fs::absolute(cfg.data_dir).string() << " (" << ncreds << " credential(s))\n"
            << "  add a key:        gcli-gateway keys create --data-dir " << cfg.data_dir << " --name NAME\n"
            << "  add a credential: gcli-gateway creds import --data-dir " << cfg.data_dir
            << " [--project ID] ~/.gemini/oauth_creds.json\n"
            << std::flush;
  spdlog::info("serving on {} with {} threads", origin, srv.threads());
  srv.run();
  // Pooled upstream sockets belong to the servers' io_contexts: close them while those still exist.
  clients.clear();
  spdlog::info("stopped");
  return 0;
}

json::object cred_json(const credentials::credential& c) {
  return json::object{{"id", c.id},
                      {"email", c.email},
                      {"project", c.project_id},
                      {"configured_project", c.configured_project},
                      {"tier", c.tier_id},
                      {"tier_name", c.tier_name},
                      {"state", credentials::to_string(c.st)},
                      {"reason", c.state_reason},
                      {"url", c.state_url.empty() ? json::value(nullptr) : json::value(c.state_url)},
                      {"expiry", c.expiry_ms},
                      {"last_error", c.last_error},
                      {"source", c.source}};
}

std::string expiry_text(std::int64_t ms) {
  if (ms == 0) return "unknown";
  auto left = ms - epoch_ms(now_ms());
  if (left <= 0) return "expired";
  return std::to_string(left / 60000) + " min";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"gcli-gateway: serves Gemini Code Assist accounts as the Gemini, OpenAI and Anthropic APIs"};
  cli.require_subcommand(1);
  app::config cfg;
  std::string config_file;
  std::string listen;
  std::string data_dir;

  auto common = [&](CLI::App* sub) {
    sub->add_option("--data-dir", data_dir, "data directory (default ./data or GCLI_GATEWAY_DATA_DIR)");
    sub->add_option("--config", config_file, "JSON config file (default DATA_DIR/config.json when present)");
  };

  auto* serve = cli.add_subcommand("serve", "run the gateway");
  common(serve);
  serve->add_option("--listen", listen, "HOST:PORT (default 127.0.0.1:8080)");
  serve->footer(app::describe());

  auto* keys = cli.add_subcommand("keys", "client API keys");
  keys->require_subcommand(1);
  auto* kc = keys->add_subcommand("create", "create a key; the key is printed alone on the last line");
  std::string key_name;
  common(kc);
  kc->add_option("--name", key_name, "a unique name for the key")->required();
  auto* kl = keys->add_subcommand("list", "list keys");
  bool as_json = false;
  common(kl);
  kl->add_flag("--json", as_json, "one JSON object per key");
  auto* kr = keys->add_subcommand("revoke", "revoke a key by id or name");
  std::string key_ref;
  common(kr);
  kr->add_option("key", key_ref, "id or name")->required();

  auto* creds = cli.add_subcommand("creds", "Google credentials");
  creds->require_subcommand(1);
  auto* ci = creds->add_subcommand("import", "import gemini-cli oauth_creds.json files (or directories of them)");
  std::vector<std::string> files;
  std::string project;
  common(ci);
  ci->add_option("--project", project, "Google Cloud project to use (as GOOGLE_CLOUD_PROJECT for gemini-cli)");
  ci->add_option("files", files, "files or directories")->required();
  auto* cl = creds->add_subcommand("list", "list credentials and their state");
  common(cl);
  cl->add_flag("--json", as_json, "one JSON object per credential");

  CLI11_PARSE(cli, argc, argv);

  // defaults < config file < environment < flags
  if (auto r = app::apply_env(cfg); !r) die(r.err().message);
  if (!data_dir.empty()) cfg.data_dir = data_dir;
  if (config_file.empty() && fs::exists(fs::path(cfg.data_dir) / "config.json"))
    config_file = (fs::path(cfg.data_dir) / "config.json").string();
  if (!config_file.empty()) {
    if (auto r = app::apply_file(cfg, config_file); !r) die(r.err().message);
    if (auto r = app::apply_env(cfg); !r) die(r.err().message);
    if (!data_dir.empty()) cfg.data_dir = data_dir;
  }
  if (!listen.empty())
    if (auto r = app::set_listen(cfg, listen); !r) die(r.err().message);

  if (*serve) return cmd_serve(cfg);

  auto st = open_store(cfg);
  if (*kc) {
    store::api_key k;
    std::string secret = store::generate_key();
    k.name = key_name;
    k.prefix = secret.substr(0, 8);
    k.hash = store::hash_key(secret);
    k.created_ms = epoch_ms(now_ms());
    auto r = st->insert_key(k);
    if (!r) die(r.err().message);
    std::cout << "created key '" << key_name << "' (id " << r->id << "); it is shown only once:\n" << secret << "\n";
    return 0;
  }
  if (*kl) {
    auto r = st->list_keys();
    if (!r) die(r.err().message);
    for (auto& k : r.value()) {
      if (as_json)
        std::cout << json::serialize(json::object{{"id", k.id},
                                                  {"name", k.name},
                                                  {"prefix", k.prefix},
                                                  {"revoked", k.revoked},
                                                  {"created_ms", k.created_ms}})
                  << "\n";
      else
        std::cout << k.id << "\t" << k.name << "\t" << k.prefix << "...\t" << (k.revoked ? "revoked" : "active") << "\n";
    }
    return 0;
  }
  if (*kr) {
    auto r = st->revoke_key(key_ref);
    if (!r) die(r.err().message);
    if (!r.value()) die("no key '" + key_ref + "'");
    std::cout << "revoked key '" << key_ref << "'\n";
    return 0;
  }
  if (*ci) {
    std::vector<fs::path> paths;
    for (auto& f : files) {
      if (fs::is_directory(f)) {
        for (auto& e : fs::directory_iterator(f))
          if (e.is_regular_file()) paths.push_back(e.path());
      } else {
        paths.emplace_back(f);
      }
    }
    int failed = 0;
    for (auto& p : paths) {
      auto c = credentials::parse_oauth_creds_json(read_file(p));
      if (!c) {
        std::cerr << "gcli-gateway: " << p.string() << ": " << c.err().message << "\n";
        ++failed;
        continue;
      }
      if (!project.empty()) c->configured_project = project;
      c->source = p.filename().string();
      c->created_ms = c->updated_ms = epoch_ms(now_ms());
      auto id = st->upsert_credential(c.value());
      if (!id) {
        std::cerr << "gcli-gateway: " << p.string() << ": " << id.err().message << "\n";
        ++failed;
        continue;
      }
      std::cout << "imported " << p.string() << " as credential " << id.value() << "\n";
    }
    return failed ? 1 : 0;
  }
  if (*cl) {
    auto r = st->list_credentials();
    if (!r) die(r.err().message);
    for (auto& c : r.value()) {
      if (as_json) {
        std::cout << json::serialize(cred_json(c)) << "\n";
      } else {
        std::cout << c.id << "\t" << (c.email.empty() ? "-" : c.email) << "\t"
                  << (c.project_id.empty() ? (c.configured_project.empty() ? "-" : c.configured_project) : c.project_id)
                  << "\t" << (c.tier_id.empty() ? "-" : c.tier_id) << "\t" << credentials::to_string(c.st)
                  << "\ttoken " << expiry_text(c.expiry_ms);
        if (!c.state_reason.empty()) std::cout << "\t" << c.state_reason;
        if (!c.state_url.empty()) std::cout << " (" << c.state_url << ")";
        std::cout << "\n";
      }
    }
    return 0;
  }
  return 0;
}
