// Never a crash or an exception: every node of rich requests and responses replaced by every JSON type.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <vector>

#include "translate/openai/chat.hpp"

namespace gw::translate::openai {
namespace {
namespace json = boost::json;

// Calls f with a copy of `doc` in which one node (each in turn, the root excluded) is replaced by `with`.
void each_mutation(const json::value& doc, const json::value& with, const std::function<void(json::value)>& f) {
  std::vector<std::function<json::value*(json::value&)>> paths;
  std::function<void(const json::value&, std::function<json::value*(json::value&)>)> walk =
      [&](const json::value& v, std::function<json::value*(json::value&)> get) {
        if (const json::object* o = v.if_object()) {
          for (const auto& [k, sub] : *o) {
            std::string key(k);
            auto child = [get, key](json::value& root) -> json::value* { return &get(root)->as_object()[key]; };
            paths.push_back(child);
            walk(sub, child);
          }
        } else if (const json::array* a = v.if_array()) {
          for (std::size_t i = 0; i < a->size(); ++i) {
            auto child = [get, i](json::value& root) -> json::value* { return &get(root)->as_array()[i]; };
            paths.push_back(child);
            walk((*a)[i], child);
          }
        }
      };
  walk(doc, [](json::value& root) { return &root; });
  for (const auto& p : paths) {
    json::value copy = doc;
    *p(copy) = with;
    f(std::move(copy));
  }
}

const json::value replacements[] = {
    nullptr, 7, -1, 2.5, "x", "", true, json::array(), json::object(), json::array{1, "a"}, json::object{{"k", "v"}}};

TEST(OpenaiRobustness, MangledRequestsAreTranslatedOrRejectedAsBadRequests) {
  const json::value body =
      json::parse(R"({"model":"gemini-3-flash-preview","stream":true,"stream_options":{"include_usage":true},
    "messages":[{"role":"system","content":[{"type":"text","text":"S"}]},{"role":"user","content":[{"type":"text","text":"hi"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,AAA"}},{"type":"input_audio","input_audio":{"data":"AA","format":"wav"}},
      {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBE","filename":"a.pdf"}}]},
    {"role":"assistant","content":"ok","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get","arguments":"{\"a\":1}"},
      "extra_content":{"google":{"thought_signature":"U0lH"}}}]},
    {"role":"tool","tool_call_id":"call_1","content":"42"},{"role":"developer","content":"D"},{"role":"user","content":"again"}],
    "tools":[{"type":"function","function":{"name":"get","description":"d","parameters":{"type":"object","properties":{"a":{"type":"integer"}},
      "required":["a"],"$defs":{"x":{"type":"string"}}}}},{"type":"function","function":{"name":"codeExecution"}}],
    "tool_choice":{"type":"function","function":{"name":"get"}},"temperature":0.5,"top_p":0.9,"max_tokens":100,"stop":["x"],
    "n":2,"seed":1,"presence_penalty":0.1,"frequency_penalty":0.2,"response_format":{"type":"json_schema","json_schema":{"schema":{"type":"object"}}},
    "reasoning_effort":"low","extra_body":{"google":{"thinking_config":{"thinking_level":"high","include_thoughts":true}}},"modalities":["text","image"]})");
  const models::catalog cat = models::catalog::defaults();
  ASSERT_TRUE(to_gemini(body, cat, request_env{1, "id", false}));
  int accepted = 0, rejected = 0;
  for (const auto& with : replacements) {
    each_mutation(body, with, [&](json::value mutated) {
      result<translated> r = to_gemini(std::move(mutated), cat, request_env{1, "id", false});
      if (r) {
        ++accepted;
        json::serialize(r->request);
      } else {
        ++rejected;
        EXPECT_EQ(r.err().kind, error_kind::bad_request);
        EXPECT_FALSE(r.err().message.empty());
      }
    });
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
}

TEST(OpenaiRobustness, MangledResponsesNeverBreakTheTranslators) {
  const json::value resp = json::parse(R"({"candidates":[{"index":0,"content":{"role":"model","parts":[
      {"text":"t","thought":true,"thoughtSignature":"U0lH"},{"text":"hello"},{"functionCall":{"id":"f1","name":"get","args":{"a":1}},"thoughtSignature":"U0lH"},
      {"executableCode":{"language":"PYTHON","code":"x"}},{"codeExecutionResult":{"outcome":"OUTCOME_OK","output":"1"}},
      {"inlineData":{"mimeType":"image/png","data":"AA"}},{"fileData":{"fileUri":"https://x","mimeType":"image/png"}}]},
    "finishReason":"STOP","groundingMetadata":{"groundingChunks":[{"web":{"uri":"https://s","title":"S"}}]}}],
    "promptFeedback":{"blockReason":"SAFETY"},
    "usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":2,"thoughtsTokenCount":3,"cachedContentTokenCount":1,
      "toolUsePromptTokenCount":1,"totalTokenCount":7}})");
  response_context ctx;
  ctx.model = "m";
  ctx.id = "chatcmpl-x";
  ctx.show_reasoning = true;
  ctx.include_usage = true;
  ctx.tool_names = {{"get", "Get It"}};
  for (const auto& with : replacements) {
    each_mutation(resp, with, [&](json::value mutated) {
      if (!mutated.is_object()) return;
      auto w = from_gemini(mutated.as_object(), ctx);
      ASSERT_TRUE(w);
      json::parse(*w);
      stream_from_gemini s(ctx);
      std::string out;
      s.on_chunk(mutated.as_object(), out);
      s.on_chunk(mutated.as_object(), out);
      s.on_finish(out);
      EXPECT_TRUE(out.ends_with("data: [DONE]\n\n"));
    });
  }
}

}  // namespace
}  // namespace gw::translate::openai
