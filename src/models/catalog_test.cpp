// Tests of the model catalog: built-in defaults, id mapping, and the operator's JSON config.
#include "models/catalog.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

using gw::models::catalog;

boost::json::value json(std::string_view s) { return boost::json::parse(s); }

TEST(ModelsCatalog, DefaultsListTheModelsCodeAssistServes) {
  const catalog c = catalog::defaults();
  for (const char* id : {"gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro",
                         "gemini-3-flash-preview", "gemini-3-pro-preview", "gemini-3.1-pro-preview",
                         "gemini-3.1-flash-lite", "gemini-3.5-flash", "gemini-2.0-flash_vertex",
                         "gemini-2.5-flash_vertex", "gemini-2.5-flash-lite_vertex", "gemini-2.5-pro_vertex",
                         "gemini-3-flash-preview_vertex"}) {
    EXPECT_NE(c.find(id), nullptr) << id;
  }
}

TEST(ModelsCatalog, Gemini35FlashIsSentUpstreamAsGemini3Flash) {
  const catalog c = catalog::defaults();
  EXPECT_EQ(c.upstream_id_for("gemini-3.5-flash"), "gemini-3-flash");
  EXPECT_EQ(c.find("gemini-3.5-flash")->display_name, "Gemini 3.5 Flash");
}

TEST(ModelsCatalog, VertexTwinsPassThroughAndKeepTheirBaseLimits) {
  const catalog c = catalog::defaults();
  const auto* v = c.find("gemini-2.5-pro_vertex");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->upstream_id, "gemini-2.5-pro_vertex");
  EXPECT_EQ(v->input_token_limit, 1048576);
  EXPECT_EQ(v->output_token_limit, 65536);
  EXPECT_TRUE(v->thinking);
  EXPECT_FALSE(c.find("gemini-2.0-flash_vertex")->thinking);
}

TEST(ModelsCatalog, Gemini20FlashHasNoThinkingAndASmallerOutputLimit) {
  const catalog c = catalog::defaults();
  const auto* m = c.find("gemini-2.0-flash");
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->thinking);
  EXPECT_EQ(m->output_token_limit, 8192);
}

TEST(ModelsCatalog, UnknownIdsPassThroughUnchanged) {
  const catalog c = catalog::defaults();
  EXPECT_EQ(c.find("gemini-4-ultra"), nullptr);
  EXPECT_EQ(c.upstream_id_for("gemini-4-ultra"), "gemini-4-ultra");
}

TEST(ModelsCatalog, FromJsonAcceptsIdStringsAndInheritsKnownMappings) {
  auto c = catalog::from_json(json(R"(["gemini-2.5-pro", "gemini-3.5-flash", "gemini-2.5-flash-preview-09-2025"])"));
  ASSERT_TRUE(c) << c.err().message;
  ASSERT_EQ(c->models().size(), 3u);
  EXPECT_EQ(c->models()[0].display_name, "Gemini 2.5 Pro");
  EXPECT_EQ(c->upstream_id_for("gemini-3.5-flash"), "gemini-3-flash");
  const auto* preview = c->find("gemini-2.5-flash-preview-09-2025");
  ASSERT_NE(preview, nullptr);
  EXPECT_EQ(preview->upstream_id, "gemini-2.5-flash-preview-09-2025");
  EXPECT_EQ(preview->display_name, "gemini-2.5-flash-preview-09-2025");
  EXPECT_TRUE(preview->thinking);
  EXPECT_EQ(c->find("gemini-2.0-flash"), nullptr);  // only what the operator listed
}

TEST(ModelsCatalog, FromJsonObjectsOverrideFields) {
  auto c = catalog::from_json(json(R"([
    {"id": "fast", "upstream_id": "gemini-2.5-flash", "display_name": "Fast", "input_token_limit": 200000,
     "output_token_limit": 8192},
    {"id": "gemini-3.5-flash", "upstream_id": "gemini-3.5-flash"},
    {"id": "gemma-4-31b-it", "thinking": false}
  ])"));
  ASSERT_TRUE(c) << c.err().message;
  const auto* fast = c->find("fast");
  ASSERT_NE(fast, nullptr);
  EXPECT_EQ(fast->upstream_id, "gemini-2.5-flash");
  EXPECT_EQ(fast->display_name, "Fast");
  EXPECT_EQ(fast->input_token_limit, 200000);
  EXPECT_EQ(fast->output_token_limit, 8192);
  EXPECT_EQ(c->upstream_id_for("gemini-3.5-flash"), "gemini-3.5-flash");
  EXPECT_FALSE(c->find("gemma-4-31b-it")->thinking);
}

TEST(ModelsCatalog, FromJsonRejectsMalformedConfig) {
  const char* bad[] = {
      R"({"models": []})",                                   // not an array
      R"([])",                                               // empty
      R"([42])",                                             // neither string nor object
      R"([""])",                                             // empty id
      R"(["gemini 2.5"])",                                   // whitespace in id
      R"([{"upstream_id": "gemini-2.5-pro"}])",              // no id
      R"([{"id": 7}])",                                      // id not a string
      R"([{"id": "a", "upstream": "b"}])",                   // unknown key (typo)
      R"([{"id": "a", "input_token_limit": -5}])",           // not positive
      R"([{"id": "a", "output_token_limit": "8192"}])",      // wrong type
      R"([{"id": "a", "thinking": "yes"}])",                 // wrong type
      R"([{"id": "a", "display_name": ""}])",                // empty string
      R"(["gemini-2.5-pro", {"id": "gemini-2.5-pro"}])",     // duplicate
  };
  for (const char* text : bad) {
    auto c = catalog::from_json(json(text));
    EXPECT_FALSE(c) << text;
    if (!c) {
      EXPECT_NE(c.err().message.find("models config"), std::string::npos);
    }
  }
}

TEST(ModelsCatalog, FromJsonNamesTheBadEntry) {
  auto c = catalog::from_json(json(R"(["gemini-2.5-pro", {"id": "x", "uptream_id": "y"}])"));
  ASSERT_FALSE(c);
  EXPECT_NE(c.err().message.find("models[1]"), std::string::npos);
  EXPECT_NE(c.err().message.find("uptream_id"), std::string::npos);
}

}  // namespace
