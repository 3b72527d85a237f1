// Tests for Anthropic Messages -> Gemini request translation (translation.md §3.1, §9 C and F).
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "models/catalog.hpp"
#include "translate/anthropic/messages.hpp"
#include "translate/anthropic/signature.hpp"
#include "translate/common/repair.hpp"

namespace gw::translate::anthropic {
namespace {
namespace json = boost::json;

const models::catalog& cat() {
  static const models::catalog c = models::catalog::defaults();
  return c;
}

result<translated> translate(std::string_view body, const alias_table& aliases = alias_table::defaults()) {
  return to_gemini(json::parse(body), cat(), aliases, request_env{1700000000, "abc123"});
}

translated ok(std::string_view body) {
  auto r = translate(body);
  EXPECT_TRUE(r) << (r ? "" : r.err().message);
  return r ? std::move(*r) : translated{};
}

std::string bad(std::string_view body) {
  auto r = translate(body);
  EXPECT_FALSE(r) << "expected bad_request for " << body;
  if (r) return {};
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  EXPECT_EQ(r.err().source, error_source::client);
  return r.err().message;
}

// A minimal valid body around the given fields.
std::string body(std::string_view extra, std::string_view messages = R"([{"role":"user","content":"hi"}])",
                 std::string_view model = "gemini-2.5-pro") {
  std::string b = R"({"model":")" + std::string(model) + R"(","max_tokens":1000,"messages":)" + std::string(messages);
  if (!extra.empty()) b += "," + std::string(extra);
  return b + "}";
}

const json::value& contents(const translated& t) { return t.request.at("contents"); }

TEST(AnthropicToGemini, StringContentAndRolesMapToUserAndModel) {
  auto t = ok(body("", R"([{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},
                           {"role":"user","content":[{"type":"text","text":"more"}]}])"));
  EXPECT_EQ(contents(t), json::parse(R"([{"role":"user","parts":[{"text":"hi"}]},{"role":"model","parts":[{"text":"hello"}]},
                                         {"role":"user","parts":[{"text":"more"}]}])"));
  EXPECT_FALSE(t.stream);
  EXPECT_EQ(t.ctx.message_id, "msg_abc123");
  EXPECT_EQ(t.ctx.tool_id_prefix, "toolu_abc123_");
}

// Test 36.
TEST(AnthropicToGemini, SystemBlocksBecomeSystemInstructionPartsWithoutCacheControl) {
  auto t = ok(body(R"("system":[{"type":"text","text":"A","cache_control":{"type":"ephemeral"}},{"type":"text","text":"B"}])"));
  EXPECT_EQ(t.request.at("systemInstruction"), json::parse(R"({"role":"user","parts":[{"text":"A"},{"text":"B"}]})"));
  EXPECT_EQ(json::serialize(t.request).find("cache_control"), std::string::npos);
  auto s = ok(body(R"("system":"Be brief.")"));
  EXPECT_EQ(s.request.at("systemInstruction").at("parts"), json::parse(R"([{"text":"Be brief."}])"));
}

TEST(AnthropicToGemini, ClaudeCodeBillingHeaderBlockIsNotSentAsAnInstruction) {
  auto t = ok(body(R"("system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.0.14; cc_entrypoint=cli"},
                               {"type":"text","text":"You are Claude Code."}])"));
  EXPECT_EQ(t.request.at("systemInstruction").at("parts"), json::parse(R"([{"text":"You are Claude Code."}])"));
}

// Test 37.
TEST(AnthropicToGemini, MissingMaxTokensIsBadRequest) {
  EXPECT_EQ(bad(R"({"model":"m","messages":[{"role":"user","content":"x"}]})"), "max_tokens: field required");
  const auto e = translate(R"({"model":"m","messages":[{"role":"user","content":"x"}]})").err();
  const auto r = render_error(e);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(json::parse(r.body).at("error").at("type"), "invalid_request_error");
  EXPECT_EQ(json::parse(r.body).at("type"), "error");
}

// Test 38.
TEST(AnthropicToGemini, GenerationParametersMapWithoutInjectedStops) {
  auto t = ok(body(R"("stop_sequences":["X"],"temperature":0.2,"top_p":0.9,"top_k":40)"));
  EXPECT_EQ(t.request.at("generationConfig"),
            json::parse(R"({"maxOutputTokens":1000,"stopSequences":["X"],"temperature":0.2,"topP":0.9,"topK":40})"));
}

TEST(AnthropicToGemini, MaxTokensIsCappedAtTheModelsOutputLimit) {
  auto t = ok(R"({"model":"gemini-2.5-pro","max_tokens":200000,"messages":[{"role":"user","content":"x"}]})");
  const auto* info = cat().find("gemini-2.5-pro");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(t.request.at("generationConfig").at("maxOutputTokens"), info->output_token_limit);
}

// Test 39.
TEST(AnthropicToGemini, ToolUseAndToolResultBecomeFunctionCallAndNamedFunctionResponse) {
  auto t = ok(body(R"("tools":[{"name":"get","description":"Get a thing","input_schema":{"type":"object","properties":{"a":{"type":"integer"}}}}])",
                   R"([{"role":"user","content":"go"},
                       {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get","input":{"a":1}}]},
                       {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"42"}]}]}])"));
  EXPECT_EQ(contents(t).at(1), json::parse(R"({"role":"model","parts":[{"functionCall":{"name":"get","args":{"a":1}}}]})"));
  EXPECT_EQ(contents(t).at(2),
            json::parse(R"({"role":"user","parts":[{"functionResponse":{"name":"get","response":{"output":"42"}}}]})"));
  EXPECT_EQ(t.request.at("tools"), json::parse(R"([{"functionDeclarations":[{"name":"get","description":"Get a thing",
    "parametersJsonSchema":{"type":"object","properties":{"a":{"type":"integer"}}}}]}])"));
}

TEST(AnthropicToGemini, ToolResultContentStringAndEmpty) {
  auto t = ok(body("", R"([{"role":"user","content":"go"},
       {"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":{}},{"type":"tool_use","id":"b","name":"g"}]},
       {"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":"plain"},{"type":"tool_result","tool_use_id":"b"}]}])"));
  EXPECT_EQ(contents(t).at(1).at("parts").at(1), json::parse(R"({"functionCall":{"name":"g","args":{}}})"));
  EXPECT_EQ(contents(t).at(2).at("parts"), json::parse(R"([{"functionResponse":{"name":"f","response":{"output":"plain"}}},
                                                          {"functionResponse":{"name":"g","response":{"output":""}}}])"));
}

// Test 40.
TEST(AnthropicToGemini, ToolResultErrorCarriesAnErrorKey) {
  auto t = ok(body("", R"([{"role":"user","content":"go"},
       {"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":{}}]},
       {"role":"user","content":[{"type":"tool_result","tool_use_id":"a","is_error":true,"content":"boom"}]}])"));
  EXPECT_EQ(contents(t).at(2).at("parts").at(0).at("functionResponse").at("response"), json::parse(R"({"error":"boom"})"));
}

// Test 41.
TEST(AnthropicToGemini, ImageInToolResultGoesNextToTheFunctionResponse) {
  auto t = ok(body("", R"([{"role":"user","content":"shot"},
       {"role":"assistant","content":[{"type":"tool_use","id":"a","name":"screenshot","input":{}}]},
       {"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":[
          {"type":"text","text":"here"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0K"}}]},
        {"type":"text","text":"what do you see?"}]}])"));
  EXPECT_EQ(contents(t).at(2), json::parse(R"({"role":"user","parts":[
    {"functionResponse":{"name":"screenshot","response":{"output":"here"}}},
    {"text":"what do you see?"},
    {"inlineData":{"mimeType":"image/png","data":"iVBORw0K"}}]})"));
}

TEST(AnthropicToGemini, FunctionResponsesComeFirstInTheirTurnEvenAfterASystemMessage) {
  // Claude Code can put a system message between a tool_use and its tool_result.
  auto t = ok(body("", R"([{"role":"user","content":"go"},
       {"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":{}}]},
       {"role":"system","content":"Reminder"},
       {"role":"user","content":[{"type":"text","text":"note"},{"type":"tool_result","tool_use_id":"a","content":"ok"}]}])"));
  ASSERT_EQ(contents(t).as_array().size(), 3u);
  const auto& parts = contents(t).at(2).at("parts").as_array();
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_TRUE(parts[0].as_object().contains("functionResponse"));
  EXPECT_EQ(parts[1].at("text"), "<system-reminder>\nReminder\n</system-reminder>");
  EXPECT_EQ(parts[2].at("text"), "note");
}

// Test 42.
TEST(AnthropicToGemini, ThinkingEnabledOn25SetsBudgetAndIncludeThoughts) {
  auto t = ok(body(R"("thinking":{"type":"enabled","budget_tokens":2048})"));
  EXPECT_EQ(t.request.at("generationConfig").at("thinkingConfig"),
            json::parse(R"({"includeThoughts":true,"thinkingBudget":2048})"));
}

TEST(AnthropicToGemini, ThinkingDisabledTurnsThoughtsOffWithinTheModelsRange) {
  auto pro = ok(body(R"("thinking":{"type":"disabled"})"));
  EXPECT_EQ(pro.request.at("generationConfig").at("thinkingConfig"),
            json::parse(R"({"includeThoughts":false,"thinkingBudget":128})"));  // 2.5 pro cannot turn it off
  auto flash = ok(body(R"("thinking":{"type":"disabled"})", R"([{"role":"user","content":"x"}])", "gemini-2.5-flash"));
  EXPECT_EQ(flash.request.at("generationConfig").at("thinkingConfig"),
            json::parse(R"({"includeThoughts":false,"thinkingBudget":0})"));
}

TEST(AnthropicToGemini, ThinkingBudgetIsClampedToTheModelsRange) {
  auto t = ok(body(R"("thinking":{"type":"enabled","budget_tokens":100000})", R"([{"role":"user","content":"x"}])",
                   "gemini-2.5-flash"));
  EXPECT_EQ(t.request.at("generationConfig").at("thinkingConfig").at("thinkingBudget"), 24576);
}

TEST(AnthropicToGemini, ThinkingOnGemini3BecomesALevel) {
  const std::string msgs = R"([{"role":"user","content":"x"}])";
  auto low = ok(body(R"("thinking":{"type":"enabled","budget_tokens":1024})", msgs, "gemini-3-flash-preview"));
  EXPECT_EQ(low.request.at("generationConfig").at("thinkingConfig"),
            json::parse(R"({"includeThoughts":true,"thinkingLevel":"LOW"})"));
  auto high = ok(body(R"("thinking":{"type":"enabled","budget_tokens":31999})", msgs, "gemini-3-flash-preview"));
  EXPECT_EQ(high.request.at("generationConfig").at("thinkingConfig").at("thinkingLevel"), "HIGH");
  auto adaptive = ok(body(R"("thinking":{"type":"adaptive"},"output_config":{"effort":"medium"})", msgs,
                          "gemini-3-flash-preview"));
  EXPECT_EQ(adaptive.request.at("generationConfig").at("thinkingConfig"),
            json::parse(R"({"includeThoughts":true,"thinkingLevel":"MEDIUM"})"));
  auto dynamic = ok(body(R"("thinking":{"type":"adaptive"})", msgs, "gemini-3-flash-preview"));
  EXPECT_EQ(dynamic.request.at("generationConfig").at("thinkingConfig").at("thinkingLevel"), "HIGH");
}

TEST(AnthropicToGemini, AdaptiveThinkingOn25IsDynamicAndEffortAloneSetsOnlyTheBudget) {
  auto adaptive = ok(body(R"("thinking":{"type":"adaptive"})"));
  EXPECT_EQ(adaptive.request.at("generationConfig").at("thinkingConfig"),
            json::parse(R"({"includeThoughts":true,"thinkingBudget":-1})"));
  auto effort = ok(body(R"("output_config":{"effort":"low"})"));
  EXPECT_EQ(effort.request.at("generationConfig").at("thinkingConfig"), json::parse(R"({"thinkingBudget":1024})"));
  auto unknown = ok(body(R"("output_config":{"effort":"ultra"})"));
  EXPECT_FALSE(unknown.request.at("generationConfig").as_object().contains("thinkingConfig"));
}

TEST(AnthropicToGemini, ThinkingOnAModelWithoutThinkingSetsNothing) {
  auto t = ok(body(R"("thinking":{"type":"enabled","budget_tokens":2048})", R"([{"role":"user","content":"x"}])",
                   "gemini-2.0-flash"));
  EXPECT_FALSE(t.request.at("generationConfig").as_object().contains("thinkingConfig"));
}

// Test 43.
TEST(AnthropicToGemini, ToolChoiceMapsToFunctionCallingModes) {
  const std::string tools = R"("tools":[{"name":"get","input_schema":{"type":"object"}}])";
  auto tool = ok(body(tools + R"(,"tool_choice":{"type":"tool","name":"get"})"));
  EXPECT_EQ(tool.request.at("toolConfig"),
            json::parse(R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get"]}})"));
  auto none = ok(body(tools + R"(,"tool_choice":{"type":"none"})"));
  EXPECT_EQ(none.request.at("toolConfig").at("functionCallingConfig").at("mode"), "NONE");
  auto any = ok(body(tools + R"(,"tool_choice":{"type":"any","disable_parallel_tool_use":true})"));
  EXPECT_EQ(any.request.at("toolConfig").at("functionCallingConfig").at("mode"), "ANY");
  auto aut = ok(body(tools + R"(,"tool_choice":{"type":"auto"})"));
  EXPECT_EQ(aut.request.at("toolConfig").at("functionCallingConfig").at("mode"), "AUTO");
  EXPECT_NE(bad(body(tools + R"(,"tool_choice":{"type":"tool","name":"nope"})")).find("tool_choice.name"), std::string::npos);
  EXPECT_NE(bad(body(tools + R"(,"tool_choice":{"type":"sometimes"})")).find("tool_choice.type"), std::string::npos);
}

// Test 44.
TEST(AnthropicToGemini, ConsecutiveSameRoleMessagesMerge) {
  auto t = ok(body("", R"([{"role":"user","content":"a"},{"role":"user","content":[{"type":"text","text":"b"}]},
                           {"role":"assistant","content":"c"},{"role":"assistant","content":"d"}])"));
  EXPECT_EQ(contents(t), json::parse(R"([{"role":"user","parts":[{"text":"a"},{"text":"b"}]},
                                         {"role":"model","parts":[{"text":"c"},{"text":"d"}]}])"));
}

TEST(AnthropicToGemini, EmptyTextIsDroppedAndEmptiedTurnsMergeTheirNeighbours) {
  auto t = ok(body("", R"([{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"text","text":""}]},
                           {"role":"user","content":"b"}])"));
  EXPECT_EQ(contents(t), json::parse(R"([{"role":"user","parts":[{"text":"a"},{"text":"b"}]}])"));
  EXPECT_NE(bad(body("", R"([{"role":"user","content":""}])")).find("at least one message"), std::string::npos);
}

// Test 45.
TEST(AnthropicToGemini, ToolSchemasAreCleanedForGemini) {
  auto t = ok(body(R"("tools":[{"name":"s","input_schema":{"$schema":"http://json-schema.org/draft-07/schema#",
     "type":"object","properties":{"kind":{"const":"a"},"n":{"type":"integer","exclusiveMinimum":0,"examples":[1]},
     "u":{"type":"string","format":"uri"},"item":{"$ref":"#/$defs/Item"}},
     "$defs":{"Item":{"type":"object","properties":{"x":{"type":"string"}}}},"additionalProperties":false}}])"));
  const json::object& schema =
      t.request.at("tools").at(0).at("functionDeclarations").at(0).at("parametersJsonSchema").as_object();
  const std::string text = json::serialize(schema);
  for (const char* gone : {"$schema", "$defs", "$ref", "\"const\"", "examples"})
    EXPECT_EQ(text.find(gone), std::string::npos) << gone << " in " << text;
  EXPECT_EQ(schema.at("properties").at("kind").at("enum"), json::parse(R"(["a"])"));
  EXPECT_EQ(schema.at("properties").at("item").at("properties").at("x").at("type"), "string");
}

// Test 46.
TEST(AnthropicToGemini, SystemRoleInsideMessagesBecomesUserTextInPlace) {
  auto t = ok(body("", R"([{"role":"user","content":"a"},{"role":"assistant","content":"b"},
                           {"role":"system","content":[{"type":"text","text":"Mode changed"}]},{"role":"assistant","content":"c"}])"));
  EXPECT_EQ(contents(t), json::parse(R"([{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"text":"b"}]},
    {"role":"user","parts":[{"text":"<system-reminder>\nMode changed\n</system-reminder>"}]},{"role":"model","parts":[{"text":"c"}]}])"));
}

TEST(AnthropicToGemini, ImageSourcesBase64UrlAndDataUri) {
  auto t = ok(body("", R"([{"role":"user","content":[
      {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}},
      {"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}},
      {"type":"image","source":{"type":"url","url":"data:image/webp;base64,UklGR"}},
      {"type":"text","text":"compare"}]}])"));
  EXPECT_EQ(contents(t).at(0).at("parts"), json::parse(R"([
      {"inlineData":{"mimeType":"image/jpeg","data":"/9j/4AAQ"}},
      {"fileData":{"fileUri":"https://example.com/cat.png","mimeType":""},"_gw_fetch":true},
      {"inlineData":{"mimeType":"image/webp","data":"UklGR"}},
      {"text":"compare"}])"));
  EXPECT_NE(bad(body("", R"([{"role":"user","content":[{"type":"image","source":{"type":"url","url":"file:///etc/passwd"}}]}])"))
                .find("http(s)"),
            std::string::npos);
  EXPECT_NE(bad(body("", R"([{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"file_1"}}]}])"))
                .find("not supported"),
            std::string::npos);
}

TEST(AnthropicToGemini, DocumentSourcesPdfUrlTextAndContent) {
  auto t = ok(body("", R"([{"role":"user","content":[
      {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"},"title":"spec"},
      {"type":"document","source":{"type":"url","url":"https://example.com/a.pdf"}},
      {"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain doc"}},
      {"type":"document","source":{"type":"content","content":[{"type":"text","text":"chunk"},
         {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA"}}]}}]}])"));
  EXPECT_EQ(contents(t).at(0).at("parts"), json::parse(R"([
      {"inlineData":{"mimeType":"application/pdf","data":"JVBERi0x"}},
      {"fileData":{"fileUri":"https://example.com/a.pdf","mimeType":"application/pdf"},"_gw_fetch":true},
      {"text":"plain doc"},
      {"text":"chunk"},
      {"inlineData":{"mimeType":"image/png","data":"AA"}}])"));
}

TEST(AnthropicToGemini, UnknownFieldsAndBlocksAndCacheControlAreIgnored) {
  auto t = ok(body(R"("metadata":{"user_id":"u"},"context_management":{"edits":[]},"service_tier":"auto",
     "container":"c","mcp_servers":[],"anthropic_future_field":{"x":1})",
                   R"([{"role":"user","content":[{"type":"text","text":"a","cache_control":{"type":"ephemeral","ttl":"1h"},"citations":null},
                       {"type":"future_block","x":1},{"type":"redacted_thinking","data":"xx"}]}])"));
  EXPECT_EQ(contents(t), json::parse(R"([{"role":"user","parts":[{"text":"a"}]}])"));
}

TEST(AnthropicToGemini, InvalidShapesAreBadRequestNamingThePlace) {
  EXPECT_EQ(bad("[]"), "request body must be a JSON object");
  EXPECT_EQ(bad(R"({"max_tokens":1,"messages":[]})"), "model: field required (a string)");
  EXPECT_NE(bad(R"({"model":"m","max_tokens":1,"messages":{}})").find("messages"), std::string::npos);
  EXPECT_NE(bad(body("", R"([{"role":"tool","content":"x"}])")).find("messages[0].role"), std::string::npos);
  EXPECT_NE(bad(body("", R"([{"role":"user","content":5}])")).find("messages[0].content"), std::string::npos);
  EXPECT_NE(bad(body("", R"([{"role":"user","content":[{"text":"no type"}]}])")).find("messages[0].content[0].type"),
            std::string::npos);
  EXPECT_NE(bad(body("", R"([{"role":"user","content":[{"type":"tool_use","id":"a","name":"f","input":{}}]}])"))
                .find("assistant"),
            std::string::npos);
  EXPECT_NE(bad(body("", R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"nope","content":"x"}]}])"))
                .find("does not match"),
            std::string::npos);
  EXPECT_NE(bad(body(R"("tools":[{"name":"f"}])")).find("tools[0].input_schema"), std::string::npos);
  EXPECT_NE(bad(body(R"("tools":[{"name":"f","input_schema":{}},{"name":"f","input_schema":{}}])")).find("duplicate"),
            std::string::npos);
  EXPECT_NE(bad(body(R"("temperature":"hot")")).find("temperature"), std::string::npos);
  EXPECT_NE(bad(body(R"("thinking":{"type":"sometimes"})")).find("thinking.type"), std::string::npos);
  EXPECT_NE(bad(body(R"("thinking":{"type":"enabled"})")).find("budget_tokens"), std::string::npos);
  EXPECT_NE(bad(body(R"("stream":"yes")")).find("stream"), std::string::npos);
  EXPECT_NE(bad(R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})").find("max_tokens"),
            std::string::npos);
  EXPECT_NE(bad(body(R"("system":[{"type":"image"}])")).find("system[0]"), std::string::npos);
}

TEST(AnthropicToGemini, ServerWebSearchToolAloneBecomesGoogleSearch) {
  auto alone = ok(body(R"("tools":[{"type":"web_search_20250305","name":"web_search","max_uses":8}])"));
  EXPECT_EQ(alone.request.at("tools"), json::parse(R"([{"googleSearch":{}}])"));
  auto mixed = ok(body(R"("tools":[{"type":"web_search_20250305","name":"web_search"},
                                   {"type":"bash_20250124","name":"bash"},{"name":"f","input_schema":{"type":"object"}}])"));
  EXPECT_EQ(mixed.request.at("tools").as_array().size(), 1u);
  EXPECT_TRUE(mixed.request.at("tools").at(0).as_object().contains("functionDeclarations"));
}

TEST(AnthropicToGemini, ToolNamesGeminiRejectsAreRewrittenAndMappedBack) {
  auto t = ok(body(R"("tools":[{"name":"1st tool","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"1st tool"})",
                   R"([{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"1st tool","input":{}}]},
                       {"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":"ok"}]}])"));
  const auto& decl = t.request.at("tools").at(0).at("functionDeclarations").at(0);
  EXPECT_EQ(decl.at("name"), "_1st_tool");
  EXPECT_EQ(contents(t).at(1).at("parts").at(0).at("functionCall").at("name"), "_1st_tool");
  EXPECT_EQ(contents(t).at(2).at("parts").at(0).at("functionResponse").at("name"), "_1st_tool");
  EXPECT_EQ(t.request.at("toolConfig").at("functionCallingConfig").at("allowedFunctionNames"), json::parse(R"(["_1st_tool"])"));
  EXPECT_EQ(t.ctx.tool_names.to_client("_1st_tool"), "1st tool");
}

TEST(AnthropicToGemini, ClaudeModelNamesGoThroughTheAliasTableAndTheResponseKeepsTheAskedName) {
  auto t = ok(body("", R"([{"role":"user","content":"x"}])", "claude-opus-4-1-20250805"));
  EXPECT_EQ(t.spec.upstream, "gemini-2.5-pro");
  EXPECT_EQ(t.ctx.model, "claude-opus-4-1-20250805");
  EXPECT_EQ(t.ctx.upstream_model, "gemini-2.5-pro");
  auto h = ok(body(R"("stream":true)", R"([{"role":"user","content":"x"}])", "claude-3-5-haiku-20241022"));
  EXPECT_EQ(h.spec.upstream, "gemini-2.5-flash");
  EXPECT_TRUE(h.stream);
  EXPECT_TRUE(h.ctx.stream);
  // An alias target may carry model-name parameters.
  auto custom = translate(body("", R"([{"role":"user","content":"x"}])", "claude-sonnet-4-5"),
                          alias_table(std::vector<alias_rule>{{"claude-sonnet-*", "gemini-2.5-flash-search"}}));
  ASSERT_TRUE(custom);
  EXPECT_EQ(custom->spec.upstream, "gemini-2.5-flash");
  EXPECT_TRUE(custom->spec.search);
  // Gemini names pass through.
  EXPECT_EQ(ok(body("", R"([{"role":"user","content":"x"}])", "gemini-3-flash-preview")).spec.upstream,
            "gemini-3-flash-preview");
}

// ---- thought signatures (§9 F) ----

std::string signed_thinking(std::string_view model, std::string_view sig) {
  return R"({"type":"thinking","thinking":"plan","signature":")" + encode_signature(model, sig) + R"("})";
}

// Test 69: Claude-Code-style replay of [thinking, tool_use] gives the signature back on the call.
TEST(AnthropicToGemini, ReplayedThinkingSignatureGoesOnTheFirstFunctionCall) {
  const std::string msgs = R"([{"role":"user","content":"weather?"},{"role":"assistant","content":[)" +
                           signed_thinking("gemini-3-flash-preview", "SIG1") +
                           R"(,{"type":"text","text":"Checking."},{"type":"tool_use","id":"t1","name":"w","input":{}},
                              {"type":"tool_use","id":"t2","name":"w","input":{"x":1}}]},
                            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"sun"},
                                                      {"type":"tool_result","tool_use_id":"t2","content":"rain"}]}])";
  auto t = ok(body("", msgs, "gemini-3-flash-preview"));
  EXPECT_EQ(contents(t).at(1), json::parse(R"({"role":"model","parts":[{"text":"Checking."},
      {"functionCall":{"name":"w","args":{}},"thoughtSignature":"SIG1"},{"functionCall":{"name":"w","args":{"x":1}}}]})"));
  EXPECT_EQ(ensure_thought_signatures(t.request), 0);
}

// Test 70.
TEST(AnthropicToGemini, SignatureFromAnotherModelOrProviderIsDroppedAndTheSentinelTakesItsPlace) {
  for (const std::string thinking :
       {signed_thinking("gemini-2.5-pro", "OTHER"),
        std::string(R"({"type":"thinking","thinking":"t","signature":"EqQBCkgIARABGAIiQLj8realAnthropicSig"})"),
        std::string(R"({"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"})")}) {
    SCOPED_TRACE(thinking);
    const std::string msgs = R"([{"role":"user","content":"go"},{"role":"assistant","content":[)" + thinking +
                             R"(,{"type":"tool_use","id":"t1","name":"w","input":{}}]},
                              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}])";
    auto t = ok(body("", msgs, "gemini-3-flash-preview"));
    const auto& call = contents(t).at(1).at("parts").at(0).as_object();
    EXPECT_FALSE(call.contains("thoughtSignature"));
    EXPECT_EQ(ensure_thought_signatures(t.request), 1);
    EXPECT_EQ(contents(t).at(1).at("parts").at(0).at("thoughtSignature"), json::value(synthetic_thought_signature));
  }
}

// Test 71: every step of the active loop keeps its own signature.
TEST(AnthropicToGemini, MultiStepLoopReplaysEachStepsSignature) {
  const std::string m = "gemini-3-flash-preview";
  const std::string msgs = R"([{"role":"user","content":"task"},
      {"role":"assistant","content":[)" + signed_thinking(m, "STEP1") + R"(,{"type":"tool_use","id":"a","name":"f","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":"1"}]},
      {"role":"assistant","content":[)" + signed_thinking(m, "STEP2") + R"(,{"type":"tool_use","id":"b","name":"f","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"b","content":"2"}]}])";
  auto t = ok(body("", msgs, m));
  EXPECT_EQ(contents(t).at(1).at("parts").at(0).at("thoughtSignature"), "STEP1");
  EXPECT_EQ(contents(t).at(3).at("parts").at(0).at("thoughtSignature"), "STEP2");
  EXPECT_EQ(ensure_thought_signatures(t.request), 0);
}

TEST(AnthropicToGemini, ThinkingAndToolUseSplitAcrossAssistantMessagesStillPair) {
  // Claude Code may send one assistant message per content block.
  const std::string m = "gemini-3-flash-preview";
  const std::string msgs = R"([{"role":"user","content":"go"},
      {"role":"assistant","content":[)" + signed_thinking(m, "SPLIT") + R"(]},
      {"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":{}}]},
      {"role":"assistant","content":[{"type":"tool_use","id":"b","name":"f","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":"1"},{"type":"tool_result","tool_use_id":"b","content":"2"}]}])";
  auto t = ok(body("", msgs, m));
  ASSERT_EQ(contents(t).as_array().size(), 3u);
  EXPECT_EQ(contents(t).at(1), json::parse(R"({"role":"model","parts":[{"functionCall":{"name":"f","args":{}},"thoughtSignature":"SPLIT"},
                                                                      {"functionCall":{"name":"f","args":{}}}]})"));
}

TEST(AnthropicToGemini, ThinkingTextIsNeverSentUpstream) {
  auto t = ok(body("", R"([{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"thinking","thinking":"secret plan","signature":"x"},
                           {"type":"text","text":"answer"}]},{"role":"user","content":"b"}])"));
  EXPECT_EQ(json::serialize(t.request).find("secret plan"), std::string::npos);
  EXPECT_EQ(contents(t).at(1), json::parse(R"({"role":"model","parts":[{"text":"answer"}]})"));
}

// ---- count_tokens ----

TEST(AnthropicCountTokens, FoldsSystemAndToolsIntoTheFirstUserTurnAndNeedsNoMaxTokens) {
  auto r = count_tokens_contents(json::parse(R"({"model":"claude-sonnet-4-5","system":"Be brief.",
      "tools":[{"name":"get","description":"d","input_schema":{"type":"object"}}],
      "messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"hi"}]})"),
                                 cat(), alias_table::defaults());
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->spec.upstream, "gemini-2.5-pro");
  ASSERT_EQ(r->contents.size(), 2u);
  const auto& parts = r->contents[0].at("parts").as_array();
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].at("text"), "Be brief.");
  EXPECT_EQ(json::parse(parts[1].at("text").as_string()),
            json::parse(R"([{"functionDeclarations":[{"name":"get","description":"d","parametersJsonSchema":{"type":"object","properties":{}}}]}])"));
  EXPECT_EQ(parts[2].at("text"), "hello");
}

TEST(AnthropicCountTokens, LeadingModelTurnGetsANewUserTurnInFront) {
  auto r = count_tokens_contents(json::parse(R"({"model":"gemini-2.5-flash","system":"S",
      "messages":[{"role":"assistant","content":"prefill"}]})"),
                                 cat(), alias_table::defaults());
  ASSERT_TRUE(r);
  EXPECT_EQ(json::value(r->contents), json::parse(R"([{"role":"user","parts":[{"text":"S"}]},{"role":"model","parts":[{"text":"prefill"}]}])"));
}

TEST(AnthropicCountTokens, InvalidBodyIsBadRequestAndTheAnswerShape) {
  auto r = count_tokens_contents(json::parse(R"({"model":"m","messages":[]})"), cat(), alias_table::defaults());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  EXPECT_EQ(render_count_tokens(1234), R"({"input_tokens":1234})");
}

}  // namespace
}  // namespace gw::translate::anthropic
