// OpenAI request -> Gemini request: messages, media, tools, parameters, reasoning, errors (translation.md §9 A).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

#include "translate/common/repair.hpp"
#include "translate/common/schema.hpp"
#include "translate/openai/chat.hpp"
#include "translate/openai/tool_ids.hpp"

namespace gw::translate::openai {
namespace {
namespace json = boost::json;

const models::catalog& cat() {
  static const models::catalog c = models::catalog::defaults();
  return c;
}

request_env env() { return request_env{1700000000, "req123", false}; }

result<translated> tr(std::string_view body, request_env e = env()) { return to_gemini(json::parse(body), cat(), e); }

translated ok(std::string_view body, request_env e = env()) {
  auto r = tr(body, e);
  EXPECT_TRUE(r) << (r ? "" : r.err().message);
  if (!r) return {};
  return std::move(*r);
}

void expect_bad(std::string_view body, std::string_view param) {
  auto r = tr(body);
  ASSERT_FALSE(r) << body;
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  EXPECT_EQ(r.err().source, error_source::client);
  EXPECT_EQ(r.err().reason, param) << r.err().message;
}

json::value J(std::string_view s) { return json::parse(s); }

// §9 A1
TEST(OpenaiToGemini, LeadingSystemBecomesSystemInstruction) {
  auto t =
      ok(R"({"model":"gemini-2.5-flash","messages":[{"role":"system","content":"S"},{"role":"user","content":"hi"}]})");
  EXPECT_EQ(t.request.at("systemInstruction").at("parts"), J(R"([{"text":"S"}])"));
  EXPECT_EQ(t.request.at("contents"), J(R"([{"role":"user","parts":[{"text":"hi"}]}])"));
  EXPECT_EQ(t.spec.upstream, "gemini-2.5-flash");
  EXPECT_FALSE(t.request.contains("generationConfig"));
  EXPECT_FALSE(t.request.contains("tools"));
}

// §9 A2
TEST(OpenaiToGemini, DeveloperRoleIsSystem) {
  auto a = ok(R"({"model":"m","messages":[{"role":"system","content":"S"},{"role":"user","content":"hi"}]})");
  auto b = ok(
      R"({"model":"m","messages":[{"role":"developer","content":[{"type":"text","text":"S"}]},{"role":"user","content":"hi"}]})");
  EXPECT_EQ(a.request, b.request);
}

// §9 A3
TEST(OpenaiToGemini, LaterSystemMessageStaysInPlaceAsUserText) {
  auto t = ok(R"({"model":"m","messages":[{"role":"system","content":"S1"},{"role":"user","content":"a"},
    {"role":"assistant","content":"b"},{"role":"system","content":"S2"},{"role":"assistant","content":"c"}]})");
  EXPECT_EQ(t.request.at("systemInstruction").at("parts"), J(R"([{"text":"S1"}])"));
  EXPECT_EQ(t.request.at("contents"),
            J(R"([{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"text":"b"}]},
    {"role":"user","parts":[{"text":"S2"}]},{"role":"model","parts":[{"text":"c"}]}])"));
}

// §9 A4
TEST(OpenaiToGemini, OnlySystemMessagesBecomeTheUserTurn) {
  auto t = ok(R"({"model":"m","messages":[{"role":"system","content":"S"},{"role":"developer","content":"T"}]})");
  EXPECT_FALSE(t.request.contains("systemInstruction"));
  EXPECT_EQ(t.request.at("contents"), J(R"([{"role":"user","parts":[{"text":"S"},{"text":"T"}]}])"));
}

// §9 A5
TEST(OpenaiToGemini, DataUriImageBecomesInlineDataInOrder) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is it"},
    {"type":"image_url","image_url":{"url":"data:image/png;base64,AAA","detail":"high"}}]}]})");
  EXPECT_EQ(t.request.at("contents"), J(R"([{"role":"user","parts":[{"text":"what is it"},
    {"inlineData":{"mimeType":"image/png","data":"AAA"}}]}])"));
}

// §9 A6 (the pure half: the pipeline fetches the marked part)
TEST(OpenaiToGemini, HttpImageUrlBecomesAFetchPart) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":[
    {"type":"image_url","image_url":{"url":"https://example.com/x.JPG?size=2"}},
    {"type":"image_url","image_url":"http://example.com/noext"},
    {"type":"video_url","video_url":{"url":"https://example.com/clip.mp4"}}]}]})");
  EXPECT_EQ(t.request.at("contents").at(0).at("parts"), J(R"([
    {"fileData":{"fileUri":"https://example.com/x.JPG?size=2","mimeType":"image/jpeg"},"_gw_fetch":true},
    {"fileData":{"fileUri":"http://example.com/noext","mimeType":""},"_gw_fetch":true},
    {"fileData":{"fileUri":"https://example.com/clip.mp4","mimeType":"video/mp4"},"_gw_fetch":true}])"));
}

// §9 A7
TEST(OpenaiToGemini, GifAndUnsupportedImageDataAreRejected) {
  expect_bad(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/gif;base64,R0lG"}}]}]})",
      "messages[0].content[0].image_url.url");
  expect_bad(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/svg+xml;base64,PHN2"}}]}]})",
      "messages[0].content[0].image_url.url");
  expect_bad(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]})",
      "messages[0].content[0].image_url.url");
  expect_bad(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,notbase64"}}]}]})",
      "messages[0].content[0].image_url.url");
}

TEST(OpenaiToGemini, JpgMimeIsNormalized) {
  auto t = ok(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpg;base64,/9j/"}}]}]})");
  EXPECT_EQ(t.request.at("contents").at(0).at("parts").at(0).at("inlineData").at("mimeType"), "image/jpeg");
}

// §9 A8
TEST(OpenaiToGemini, InputAudioBecomesInlineData) {
  auto t = ok(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"SUQz","format":"mp3"}},
    {"type":"input_audio","input_audio":{"data":"UklG","format":"wav"}}]}]})");
  EXPECT_EQ(t.request.at("contents").at(0).at("parts"), J(R"([{"inlineData":{"mimeType":"audio/mp3","data":"SUQz"}},
    {"inlineData":{"mimeType":"audio/wav","data":"UklG"}}])"));
  expect_bad(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"x","format":"midi"}}]}]})",
      "messages[0].content[0].input_audio.format");
}

TEST(OpenaiToGemini, FileDataBecomesInlineData) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":[
    {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0x","filename":"a.pdf"}},
    {"type":"file","file":{"file_data":"JVBERi0x"}},
    {"type":"file","file":{"file_data":"aGVsbG8=","filename":"notes.txt"}}]}]})");
  EXPECT_EQ(t.request.at("contents").at(0).at("parts"), J(R"([
    {"inlineData":{"mimeType":"application/pdf","data":"JVBERi0x"}},
    {"inlineData":{"mimeType":"application/pdf","data":"JVBERi0x"}},
    {"inlineData":{"mimeType":"text/plain","data":"aGVsbG8="}}])"));
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-abc"}}]}]})",
             "messages[0].content[0].file.file_id");
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_data":"AAAA"}}]}]})",
             "messages[0].content[0].file.file_data");
}

// §9 A9
TEST(OpenaiToGemini, AssistantToolCallAndToolResult) {
  auto t = ok(R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":"Let me check","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get","arguments":"{\"a\":1}"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"42"}]})");
  EXPECT_EQ(t.request.at("contents"), J(R"([{"role":"user","parts":[{"text":"q"}]},
    {"role":"model","parts":[{"text":"Let me check"},{"functionCall":{"name":"get","args":{"a":1},"id":"call_1"}}]},
    {"role":"user","parts":[{"functionResponse":{"name":"get","id":"call_1","response":{"output":"42"}}}]}])"));
}

TEST(OpenaiToGemini, MintedIdsAreNotSentUpstream) {
  const std::string id = mint_tool_call_id("x", 0, 0);
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[{"id":")" +
              id + R"(","type":"function","function":{"name":"get","arguments":""}}]},
    {"role":"tool","tool_call_id":")" +
              id + R"(","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]})");
  EXPECT_EQ(t.request.at("contents").at(1),
            J(R"({"role":"model","parts":[{"functionCall":{"name":"get","args":{}}}]})"));
  EXPECT_EQ(t.request.at("contents").at(2),
            J(R"({"role":"user","parts":[{"functionResponse":{"name":"get","response":{"output":"a\nb"}}}]})"));
}

// §9 A10
TEST(OpenaiToGemini, ParallelResultsGoInOneUserTurnInCallOrder) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":null,"tool_calls":[
      {"id":"call_A","type":"function","function":{"name":"fa","arguments":"{}"}},
      {"id":"call_B","type":"function","function":{"name":"fb","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"call_B","content":"rb"},
    {"role":"tool","tool_call_id":"call_A","content":"ra"}]})");
  const auto& contents = t.request.at("contents").as_array();
  ASSERT_EQ(contents.size(), 3u);
  EXPECT_EQ(contents[2], J(R"({"role":"user","parts":[
    {"functionResponse":{"name":"fa","id":"call_A","response":{"output":"ra"}}},
    {"functionResponse":{"name":"fb","id":"call_B","response":{"output":"rb"}}}]})"));
}

TEST(OpenaiToGemini, MissingToolResultIsAnsweredWhenTheConversationMovesOn) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[{"id":"call_A","type":"function","function":{"name":"fa","arguments":"{}"}},
                                      {"id":"call_B","type":"function","function":{"name":"fb","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"call_A","content":"ra"},
    {"role":"user","content":"never mind"}]})");
  const auto& contents = t.request.at("contents").as_array();
  ASSERT_EQ(contents.size(), 3u);
  const auto& parts = contents[2].at("parts").as_array();
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].at("functionResponse").at("response"), J(R"({"output":"ra"})"));
  EXPECT_TRUE(parts[1].at("functionResponse").at("response").as_object().contains("error"));
  EXPECT_EQ(parts[2], J(R"({"text":"never mind"})"));
}

TEST(OpenaiToGemini, TrailingUnansweredCallsAreLeftAlone) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[{"id":"call_A","type":"function","function":{"name":"fa","arguments":"{}"}}]}]})");
  EXPECT_EQ(t.request.at("contents").as_array().size(), 2u);
}

TEST(OpenaiToGemini, ToolResultWithImageCarriesTheMediaAfterTheResponses) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[{"id":"call_A","type":"function","function":{"name":"shot","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"call_A","content":[{"type":"text","text":"here"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,AAA"}}]}]})");
  EXPECT_EQ(t.request.at("contents").at(2).at("parts"), J(R"([
    {"functionResponse":{"name":"shot","id":"call_A","response":{"output":"here"}}},
    {"inlineData":{"mimeType":"image/png","data":"AAA"}}])"));
}

TEST(OpenaiToGemini, DeprecatedFunctionCallAndFunctionRole) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":null,"function_call":{"name":"get","arguments":"{\"x\":2}"}},
    {"role":"function","name":"get","content":"7"}]})");
  EXPECT_EQ(t.request.at("contents").at(1),
            J(R"({"role":"model","parts":[{"functionCall":{"name":"get","args":{"x":2}}}]})"));
  EXPECT_EQ(t.request.at("contents").at(2),
            J(R"({"role":"user","parts":[{"functionResponse":{"name":"get","response":{"output":"7"}}}]})"));
}

// §9 A11
TEST(OpenaiToGemini, ToolResultForAnUnknownCallIsBadRequest) {
  expect_bad(
      R"({"model":"m","messages":[{"role":"user","content":"q"},{"role":"tool","tool_call_id":"call_zz","content":"x"}]})",
      "messages[1].tool_call_id");
}

TEST(OpenaiToGemini, InvalidToolCallArgumentsAreBadRequest) {
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]})",
             "messages[1].tool_calls[0].function.arguments");
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]})",
             "messages[1].tool_calls[0].function.arguments");
}

// §9 A12
TEST(OpenaiToGemini, ToolsGoToParametersJsonSchemaCleaned) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"tools":[{"type":"function","function":{
    "name":"get","description":"Get it","strict":true,"parameters":{"$schema":"http://json-schema.org/draft-07/schema#",
    "type":"object","properties":{"a":{"type":["string","null"]}},"required":["a"],"additionalProperties":false}}},
    {"type":"function","function":{"name":"noargs"}}]})");
  EXPECT_EQ(t.request.at("tools"), J(R"([{"functionDeclarations":[
    {"name":"get","description":"Get it","parametersJsonSchema":{"type":"object","properties":{"a":{"type":["string","null"]}},
      "required":["a"],"additionalProperties":false}},
    {"name":"noargs"}]}])"));
}

TEST(OpenaiToGemini, OpenapiParametersSlotWhenAskedFor) {
  request_env e = env();
  e.openapi_parameters = true;
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"tools":[{"type":"function","function":{
    "name":"get","parameters":{"type":"object","properties":{"a":{"type":["string","null"]},"b":{"type":"array"}},
    "required":["a","b"],"additionalProperties":false}}},{"type":"function","function":{"name":"none","parameters":{"type":"object","properties":{}}}}]})",
              e);
  EXPECT_EQ(t.request.at("tools"), J(R"([{"functionDeclarations":[
    {"name":"get","parameters":{"type":"OBJECT","properties":{"a":{"type":"STRING","nullable":true},
      "b":{"type":"ARRAY","items":{}}},"required":["b"]}},{"name":"none"}]}])"));
}

// §9 A13, A14
TEST(OpenaiToGemini, ToolChoiceModes) {
  const std::string head =
      R"({"model":"m","messages":[{"role":"user","content":"q"}],"tools":[{"type":"function","function":{"name":"get"}}],"tool_choice":)";
  EXPECT_EQ(ok(head + R"("required"})").request.at("toolConfig"), J(R"({"functionCallingConfig":{"mode":"ANY"}})"));
  EXPECT_EQ(ok(head + R"("none"})").request.at("toolConfig"), J(R"({"functionCallingConfig":{"mode":"NONE"}})"));
  EXPECT_EQ(ok(head + R"("auto"})").request.at("toolConfig"), J(R"({"functionCallingConfig":{"mode":"AUTO"}})"));
  EXPECT_EQ(ok(head + R"({"type":"function","function":{"name":"get"}}})").request.at("toolConfig"),
            J(R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get"]}})"));
  expect_bad(head + R"("sometimes"})", "tool_choice");
  expect_bad(head + R"({"type":"function","function":{"name":"other"}}})", "tool_choice");
  // a built-in cannot be forced: no toolConfig
  EXPECT_FALSE(
      ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"tools":[{"type":"function","function":{"name":"get"}},
    {"type":"function","function":{"name":"googleSearch"}}],"tool_choice":{"type":"function","function":{"name":"googleSearch"}}})")
          .request.contains("toolConfig"));
  EXPECT_EQ(
      ok(head +
         R"({"type":"allowed_tools","allowed_tools":{"mode":"required","tools":[{"type":"function","function":{"name":"get"}},
    {"type":"function","function":{"name":"undeclared"}}]}}})")
          .request.at("toolConfig"),
      J(R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get"]}})"));
  // no function declared: no toolConfig (ANY without functions is an upstream 400)
  EXPECT_FALSE(ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"tool_choice":"required"})")
                   .request.contains("toolConfig"));
}

TEST(OpenaiToGemini, BuiltinToolsBecomeGeminiTools) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"tools":[
    {"type":"function","function":{"name":"codeExecution"}},{"type":"function","function":{"name":"get"}},
    {"type":"function","function":{"name":"googleSearch","parameters":{}}},{"type":"function","function":{"name":"urlContext"}},
    {"type":"web_search_preview"},{"type":"custom","custom":{"name":"x"}}]})");
  EXPECT_EQ(
      t.request.at("tools"),
      J(R"([{"functionDeclarations":[{"name":"get"}]},{"codeExecution":{}},{"googleSearch":{}},{"urlContext":{}}])"));
}

// §9 A15
TEST(OpenaiToGemini, GenerationParameters) {
  auto t = ok(R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"q"}],"temperature":0.3,"top_p":0.9,
    "max_completion_tokens":100,"max_tokens":50,"stop":"END","seed":7,"presence_penalty":0.5,"frequency_penalty":0,
    "top_k":40,"user":"u","metadata":{"a":"b"},"store":false,"logit_bias":{"1":2},"service_tier":"auto","some_future_field":[1]})");
  EXPECT_EQ(t.request.at("generationConfig"), J(R"({"temperature":0.3,"topP":0.9,"presencePenalty":0.5,"topK":40,
    "maxOutputTokens":100,"stopSequences":["END"],"seed":7})"));
  auto u = ok(
      R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"q"}],"max_tokens":9999999,"stop":["a","","b"]})");
  EXPECT_EQ(u.request.at("generationConfig").at("maxOutputTokens"), 65536);
  EXPECT_EQ(u.request.at("generationConfig").at("stopSequences"), J(R"(["a","b"])"));
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":"q"}],"stop":["1","2","3","4","5","6"]})", "stop");
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":"q"}],"temperature":"hot"})", "temperature");
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":"q"}],"max_tokens":0})", "max_tokens");
}

// §9 A16
TEST(OpenaiToGemini, ResponseFormat) {
  auto s = ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"response_format":{"type":"json_schema",
    "json_schema":{"name":"x","strict":true,"schema":{"type":"object","properties":{"a":{"type":["string","null"]}},"additionalProperties":false}}}})");
  EXPECT_EQ(s.request.at("generationConfig"), J(R"({"responseMimeType":"application/json","responseJsonSchema":
    {"type":"object","properties":{"a":{"type":["string","null"]}},"additionalProperties":false}})"));
  auto o = ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"response_format":{"type":"json_object"}})");
  EXPECT_EQ(o.request.at("generationConfig"), J(R"({"responseMimeType":"application/json"})"));
  auto x = ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"response_format":{"type":"text"}})");
  EXPECT_FALSE(x.request.contains("generationConfig"));
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":"q"}],"response_format":{"type":"yaml"}})",
             "response_format.type");
}

// §9 A17
TEST(OpenaiToGemini, ReasoningEffortIsABudgetOn25AndALevelOn3) {
  auto a = ok(R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"q"}],"reasoning_effort":"high"})");
  EXPECT_EQ(a.request.at("generationConfig").at("thinkingConfig"),
            J(R"({"includeThoughts":true,"thinkingBudget":24576})"));
  EXPECT_TRUE(a.ctx.show_reasoning);
  auto b =
      ok(R"({"model":"gemini-3-flash-preview","messages":[{"role":"user","content":"q"}],"reasoning_effort":"high"})");
  EXPECT_EQ(b.request.at("generationConfig").at("thinkingConfig"),
            J(R"({"includeThoughts":true,"thinkingLevel":"HIGH"})"));
  auto c =
      ok(R"({"model":"gemini-3-pro-preview","messages":[{"role":"user","content":"q"}],"reasoning_effort":"medium"})");
  EXPECT_EQ(c.request.at("generationConfig").at("thinkingConfig").at("thinkingLevel"), "HIGH");  // 3-pro: LOW/HIGH only
  auto d = ok(R"({"model":"gemini-2.5-pro","messages":[{"role":"user","content":"q"}],"reasoning_effort":"none"})");
  EXPECT_EQ(d.request.at("generationConfig").at("thinkingConfig"), J(R"({"thinkingBudget":128})"));
  EXPECT_FALSE(d.ctx.show_reasoning);
  auto e = ok(R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"q"}],"reasoning_effort":"none"})");
  EXPECT_EQ(e.request.at("generationConfig").at("thinkingConfig"), J(R"({"thinkingBudget":0})"));
  auto f =
      ok(R"({"model":"gemini-3-pro-preview","messages":[{"role":"user","content":"q"}],"reasoning_effort":"none"})");
  EXPECT_EQ(f.request.at("generationConfig").at("thinkingConfig"), J(R"({"thinkingLevel":"LOW"})"));
  auto g = ok(R"({"model":"gemini-2.0-flash","messages":[{"role":"user","content":"q"}],"reasoning_effort":"high"})");
  EXPECT_FALSE(g.request.contains("generationConfig"));  // the catalog marks it as not thinking
  auto h =
      ok(R"({"model":"gemini-2.5-flash-lite","messages":[{"role":"user","content":"q"}],"reasoning_effort":"xhigh"})");
  EXPECT_EQ(h.request.at("generationConfig").at("thinkingConfig").at("thinkingBudget"), 24576);
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":"q"}],"reasoning_effort":"extreme"})",
             "reasoning_effort");
}

TEST(OpenaiToGemini, ReasoningVisibility) {
  auto plain = ok(R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"q"}]})");
  EXPECT_FALSE(plain.ctx.show_reasoning);
  auto suffix = ok(R"({"model":"gemini-2.5-flash-thinking","messages":[{"role":"user","content":"q"}]})");
  EXPECT_TRUE(suffix.ctx.show_reasoning);
  auto hidden = ok(
      R"({"model":"gemini-2.5-flash-nothinking","messages":[{"role":"user","content":"q"}],"reasoning_effort":"high"})");
  EXPECT_FALSE(hidden.ctx.show_reasoning);
  auto flag = ok(R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"q"}],"include_reasoning":true})");
  EXPECT_TRUE(flag.ctx.show_reasoning);
  EXPECT_EQ(flag.request.at("generationConfig").at("thinkingConfig"), J(R"({"includeThoughts":true})"));
  auto off = ok(
      R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"q"}],"reasoning_effort":"low","include_reasoning":false})");
  EXPECT_FALSE(off.ctx.show_reasoning);
  auto google = ok(R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"q"}],
    "extra_body":{"google":{"thinking_config":{"thinking_budget":2048,"include_thoughts":true}}}})");
  EXPECT_TRUE(google.ctx.show_reasoning);
  EXPECT_EQ(google.request.at("generationConfig").at("thinkingConfig"),
            J(R"({"includeThoughts":true,"thinkingBudget":2048})"));
  auto level = ok(R"({"model":"gemini-3-flash-preview","messages":[{"role":"user","content":"q"}],
    "google":{"thinking_config":{"thinking_level":"low"}}})");
  EXPECT_EQ(level.request.at("generationConfig").at("thinkingConfig"), J(R"({"thinkingLevel":"LOW"})"));
}

// §9 A18
TEST(OpenaiToGemini, NMapsToCandidateCount) {
  auto two = ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"n":2})");
  EXPECT_EQ(two.request.at("generationConfig").at("candidateCount"), 2);
  EXPECT_EQ(two.ctx.n, 2);
  auto one = ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"n":1})");
  EXPECT_FALSE(one.request.contains("generationConfig"));
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":"q"}],"n":0})", "n");
}

// §9 A19
TEST(OpenaiToGemini, InvalidToolNamesAreSanitizedAndMappedBack) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"my tool/v2","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"ok"}],
    "tools":[{"type":"function","function":{"name":"my tool/v2"}},{"type":"function","function":{"name":"my_tool_v2"}}],
    "tool_choice":{"type":"function","function":{"name":"my tool/v2"}}})");
  const auto& decls = t.request.at("tools").at(0).at("functionDeclarations").as_array();
  EXPECT_EQ(decls.at(0).at("name"), "my_tool_v2");
  EXPECT_EQ(decls.at(1).at("name"), "my_tool_v2_2");
  for (const auto& d : decls) EXPECT_TRUE(is_valid_function_name(d.at("name").as_string()));
  EXPECT_EQ(t.request.at("contents").at(1).at("parts").at(0).at("functionCall").at("name"), "my_tool_v2");
  EXPECT_EQ(t.request.at("contents").at(2).at("parts").at(0).at("functionResponse").at("name"), "my_tool_v2");
  EXPECT_EQ(t.request.at("toolConfig").at("functionCallingConfig").at("allowedFunctionNames"), J(R"(["my_tool_v2"])"));
  ASSERT_EQ(t.ctx.tool_names.size(), 2u);
  EXPECT_EQ(t.ctx.tool_names.at("my_tool_v2"), "my tool/v2");
  EXPECT_EQ(t.ctx.tool_names.at("my_tool_v2_2"), "my_tool_v2");
}

// §9 A20
TEST(OpenaiToGemini, EmptyAssistantBetweenUsersMergesTheUserTurns) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":""},
    {"role":"user","content":[{"type":"text","text":""},{"type":"text","text":"b"}]}]})");
  EXPECT_EQ(t.request.at("contents"), J(R"([{"role":"user","parts":[{"text":"a"},{"text":"b"}]}])"));
}

TEST(OpenaiToGemini, TwoModelTurnsThatCallFunctionsStayApart) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":"thinking aloud"},
    {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"a","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"1"},
    {"role":"assistant","tool_calls":[{"id":"call_2","type":"function","function":{"name":"b","arguments":"{}"}}]},
    {"role":"assistant","tool_calls":[{"id":"call_3","type":"function","function":{"name":"c","arguments":"{}"}}]}]})");
  const auto& c = t.request.at("contents").as_array();
  ASSERT_EQ(c.size(), 6u);
  EXPECT_EQ(c[1].at("parts").as_array().size(), 2u);  // text + call_1 merged
  EXPECT_EQ(c[3].at("role"), "model");
  EXPECT_EQ(c[4].at("role"), "user");  // call_2 unanswered before the next assistant message: answered with an error
  EXPECT_EQ(c[5].at("role"), "model");
}

TEST(OpenaiToGemini, AssistantRefusalAndReasoningContent) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":[{"type":"refusal","refusal":"no"}],"reasoning_content":"hidden"},{"role":"user","content":"r"}]})");
  EXPECT_EQ(t.request.at("contents").at(1), J(R"({"role":"model","parts":[{"text":"no"}]})"));
}

TEST(OpenaiToGemini, ModelAndMessagesAreRequired) {
  expect_bad(R"({"messages":[{"role":"user","content":"q"}]})", "model");
  expect_bad(R"({"model":"","messages":[{"role":"user","content":"q"}]})", "model");
  expect_bad(R"({"model":"m"})", "messages");
  expect_bad(R"({"model":"m","messages":[]})", "messages");
  expect_bad(R"({"model":"m","messages":{}})", "messages");
  expect_bad(R"({"model":"m","messages":[{"role":"user","content":""}]})", "messages");
  expect_bad(R"({"model":"m","messages":["hi"]})", "messages[0]");
  expect_bad(R"({"model":"m","messages":[{"role":"robot","content":"x"}]})", "messages[0].role");
  expect_bad(R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role");
  auto r = to_gemini(J("[]"), cat(), env());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
}

TEST(OpenaiToGemini, ContextCarriesWhatTheResponseNeeds) {
  auto t = ok(R"({"model":"models/gemini-3.5-flash-thinking","messages":[{"role":"user","content":"q"}],"stream":true,
    "stream_options":{"include_usage":true}})");
  EXPECT_TRUE(t.stream);
  EXPECT_EQ(t.ctx.model, "gemini-3.5-flash-thinking");
  EXPECT_EQ(t.ctx.upstream_model, "gemini-3-flash");
  EXPECT_EQ(t.ctx.id, "chatcmpl-req123");
  EXPECT_EQ(t.ctx.id_seed, "req123");
  EXPECT_EQ(t.ctx.created, 1700000000);
  EXPECT_TRUE(t.ctx.stream);
  EXPECT_TRUE(t.ctx.include_usage);
  EXPECT_TRUE(t.ctx.show_reasoning);
  auto s = ok(R"({"model":"m","messages":[{"role":"user","content":"q"}],"stream_options":{"include_usage":true}})");
  EXPECT_FALSE(s.ctx.include_usage);  // only streams have a usage chunk
}

// §9 F66 (request half), F68, F70
TEST(OpenaiToGemini, SignatureFromExtraContentGoesBackOnTheSamePart) {
  auto t = ok(R"({"model":"gemini-3-flash-preview","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[
      {"id":"call_1","type":"function","function":{"name":"a","arguments":"{}"},"extra_content":{"google":{"thought_signature":"SIG"}}},
      {"id":"call_2","type":"function","function":{"name":"b","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"1"},{"role":"tool","tool_call_id":"call_2","content":"2"}]})");
  const auto& parts = t.request.at("contents").at(1).at("parts").as_array();
  EXPECT_EQ(parts[0].at("thoughtSignature"), "SIG");
  EXPECT_FALSE(parts[1].as_object().contains("thoughtSignature"));
}

// §9 F67: a client that keeps only the id
TEST(OpenaiToGemini, SignatureInTheIdIsReplayedForTheSameModelOnly) {
  const std::string sig = "CiQBjz1r+/AbCd==";
  const std::string id = encode_tool_call_id(mint_tool_call_id("s", 0, 0), sig, "gemini-3-flash-preview");
  const std::string body = R"({"model":"MODEL","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[{"id":")" +
                           id + R"(","type":"function","function":{"name":"a","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":")" +
                           id + R"(","content":"1"}]})";
  auto same = ok(std::regex_replace(body, std::regex("MODEL"), "gemini-3-flash-preview"));
  const auto& part = same.request.at("contents").at(1).at("parts").at(0).as_object();
  EXPECT_EQ(part.at("thoughtSignature"), json::value(sig));
  EXPECT_FALSE(part.at("functionCall").as_object().contains("id"));  // the minted base id stays ours
  EXPECT_FALSE(same.request.at("contents").at(2).at("parts").at(0).at("functionResponse").as_object().contains("id"));
  // §9 F70: another model's signature is never forwarded; the pipeline's sentinel takes its place
  auto other = ok(std::regex_replace(body, std::regex("MODEL"), "gemini-3-pro-preview"));
  EXPECT_FALSE(other.request.at("contents").at(1).at("parts").at(0).as_object().contains("thoughtSignature"));
  EXPECT_EQ(ensure_thought_signatures(other.request), 1);
  EXPECT_EQ(other.request.at("contents").at(1).at("parts").at(0).at("thoughtSignature"),
            json::value(synthetic_thought_signature));
}

TEST(OpenaiToGemini, LitellmStyleIdSignatureIsRead) {
  auto t = ok(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[{"id":"call_x__thought__QUJD","type":"function","function":{"name":"a","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"call_x__thought__QUJD","content":"1"}]})");
  const auto& part = t.request.at("contents").at(1).at("parts").at(0).as_object();
  EXPECT_EQ(part.at("thoughtSignature"), "QUJD");
  EXPECT_EQ(part.at("functionCall").at("id"), "call_x");
  EXPECT_EQ(t.request.at("contents").at(2).at("parts").at(0).at("functionResponse").at("id"), "call_x");
}

// §9 F71: each step of the current turn carries a signature (real or the pipeline's sentinel)
TEST(OpenaiToGemini, MultiStepTurnKeepsEachStepsSignature) {
  const std::string id1 = encode_tool_call_id("call_one", "U0lHMQ==", "gemini-3-flash-preview");
  const std::string id2 = encode_tool_call_id("call_two", "", "gemini-3-flash-preview");
  auto t = ok(R"({"model":"gemini-3-flash-preview","messages":[{"role":"user","content":"q"},
    {"role":"assistant","tool_calls":[{"id":")" +
              id1 + R"(","type":"function","function":{"name":"a","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":")" +
              id1 + R"(","content":"1"},
    {"role":"assistant","tool_calls":[{"id":")" +
              id2 + R"(","type":"function","function":{"name":"b","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":")" +
              id2 + R"(","content":"2"}]})");
  EXPECT_EQ(ensure_thought_signatures(t.request), 1);
  const auto& c = t.request.at("contents").as_array();
  EXPECT_EQ(c[1].at("parts").at(0).at("thoughtSignature"), "U0lHMQ==");
  EXPECT_EQ(c[3].at("parts").at(0).at("thoughtSignature"), json::value(synthetic_thought_signature));
}

TEST(OpenaiToGemini, UnknownContentPartTypesAreIgnored) {
  auto t = ok(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"hologram","x":1},{"type":"text","text":"hi"}],"name":"bob"}]})");
  EXPECT_EQ(t.request.at("contents"), J(R"([{"role":"user","parts":[{"text":"hi"}]}])"));
}

}  // namespace
}  // namespace gw::translate::openai
