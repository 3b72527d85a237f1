// Configuration precedence and validation: file keys, environment variables, listen parsing, models.
#include "app/config/config.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <stdlib.h>

namespace gw::app {
namespace {
namespace json = boost::json;

TEST(Config, FileKeysSetTheirFields) {
  config c;
  auto r = apply_json(c, json::parse(R"({"listen":"0.0.0.0:9000","max_body_bytes":1024,
      "code_assist_endpoint":"http://127.0.0.1:1","oauth_token_url":"http://127.0.0.1:1/token","threads":3,
      "shutdown_grace_ms":500,"models":["gemini-2.5-pro"]})"));
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9000);
  EXPECT_EQ(c.server.max_body_bytes, 1024u);
  EXPECT_EQ(c.code_assist.endpoint, "http://127.0.0.1:1");
  EXPECT_EQ(c.oauth.token_url, "http://127.0.0.1:1/token");
  EXPECT_EQ(c.server.threads, 3);
  EXPECT_EQ(c.server.shutdown_grace.count(), 500);
  auto cat = make_catalog(c);
  ASSERT_TRUE(cat);
  EXPECT_EQ(cat->models().size(), 1u);
}

TEST(Config, UnknownKeyIsAnErrorNamingIt) {
  config c;
  auto r = apply_json(c, json::parse(R"({"listne":"x"})"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("listne"), std::string::npos);
}

TEST(Config, NonNumberForANumberIsAnError) {
  config c;
  EXPECT_FALSE(apply_json(c, json::parse(R"({"max_body_bytes":"lots"})")));
}

TEST(Config, EnvironmentOverridesAndDefaultsStay) {
  config c;
  ::setenv("GCLI_GATEWAY_CODE_ASSIST_ENDPOINT", "http://127.0.0.1:7", 1);
  ::setenv("GCLI_GATEWAY_MAX_BODY_BYTES", "2048", 1);
  ::setenv("GCLI_GATEWAY_MODELS", "gemini-2.5-pro,gemini-2.5-flash", 1);
  auto r = apply_env(c);
  ::unsetenv("GCLI_GATEWAY_CODE_ASSIST_ENDPOINT");
  ::unsetenv("GCLI_GATEWAY_MAX_BODY_BYTES");
  ::unsetenv("GCLI_GATEWAY_MODELS");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(c.code_assist.endpoint, "http://127.0.0.1:7");
  EXPECT_EQ(c.server.max_body_bytes, 2048u);
  EXPECT_EQ(c.oauth.token_url, "https://oauth2.googleapis.com/token");  // untouched default
  auto cat = make_catalog(c);
  ASSERT_TRUE(cat);
  EXPECT_EQ(cat->models().size(), 2u);
}

TEST(Config, DefaultsPointAtGoogle) {
  config c;
  EXPECT_EQ(c.code_assist.endpoint, "https://cloudcode-pa.googleapis.com");
  EXPECT_EQ(c.code_assist.api_version, "v1internal");
  EXPECT_EQ(c.server.max_body_bytes, 50u * 1024 * 1024);
  EXPECT_EQ(c.pipeline.base_path, "/gemini_cli");
}

TEST(Config, ListenAcceptsIpv6AndRejectsBadPorts) {
  config c;
  ASSERT_TRUE(set_listen(c, "[::1]:8081"));
  EXPECT_EQ(c.server.host, "::1");
  EXPECT_EQ(c.server.port, 8081);
  EXPECT_FALSE(set_listen(c, "127.0.0.1:99999"));
  EXPECT_FALSE(set_listen(c, "127.0.0.1"));
  EXPECT_FALSE(set_listen(c, "127.0.0.1:http"));
}

}  // namespace
}  // namespace gw::app
