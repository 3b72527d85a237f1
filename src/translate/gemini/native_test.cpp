// Tests for the Gemini-native request path: validation, repairs, field filtering, countTokens shapes.
#include "translate/gemini/native.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gw::translate::gemini {
namespace {
namespace json = boost::json;

result<json::object> to_upstream(std::string_view text, native_options opt = {}) {
  return request_to_upstream(json::parse(text), opt);
}

TEST(NativeRequestToUpstream, SnakeCaseRequestIsAcceptedAndNormalized) {
  auto r = to_upstream(R"({"system_instruction": {"parts": [{"text": "sys"}]},
    "generation_config": {"max_output_tokens": 5, "thinking_config": {"include_thoughts": true}},
    "contents": [{"role": "user", "parts": [{"text": "hi"}, {"inline_data": {"mime_type": "image/png", "data": "AA"}}]}]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, json::parse(R"({"systemInstruction": {"parts": [{"text": "sys"}]},
    "generationConfig": {"maxOutputTokens": 5, "thinkingConfig": {"includeThoughts": true}},
    "contents": [{"role": "user", "parts": [{"text": "hi"}, {"inlineData": {"mimeType": "image/png", "data": "AA"}}]}]})"));
}

TEST(NativeRequestToUpstream, NonObjectBodyIsBadRequest) {
  for (auto text : {"[]", "\"x\"", "null", "3"}) {
    auto r = to_upstream(text);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().kind, error_kind::bad_request);
    EXPECT_EQ(r.err().source, error_source::client);
    EXPECT_EQ(r.err().message, "request body must be a JSON object");
  }
}

TEST(NativeRequestToUpstream, ContentsMustBeAnArrayOfObjects) {
  auto a = to_upstream(R"({"contents": {"role": "user"}})");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.err().message, "contents must be an array");
  auto b = to_upstream(R"({"contents": [{"parts": [{"text": "x"}]}, "oops"]})");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.err().message, "contents[1] must be an object");
  auto c = to_upstream(R"({"contents": [{"parts": "x"}]})");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.err().message, "contents[0].parts must be an array");
}

TEST(NativeRequestToUpstream, MissingRoleBecomesUser) {
  auto r = to_upstream(R"({"contents": [{"parts": [{"text": "x"}]}, {"role": "", "parts": [{"text": "y"}]}]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("contents").at(0).at("role"), "user");
  EXPECT_EQ(r->at("contents").at(1).at("role"), "user");
}

TEST(NativeRequestToUpstream, SystemOrOtherRoleIsBadRequestNamingTheIndex) {
  auto s = to_upstream(R"({"contents": [{"role": "user", "parts": [{"text": "x"}]}, {"role": "system", "parts": [{"text": "y"}]}]})");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.err().kind, error_kind::bad_request);
  EXPECT_NE(s.err().message.find("contents[1].role"), std::string::npos);
  EXPECT_NE(s.err().message.find("\"system\""), std::string::npos);
  EXPECT_NE(s.err().message.find("systemInstruction"), std::string::npos);
  auto a = to_upstream(R"({"contents": [{"role": "assistant", "parts": [{"text": "y"}]}]})");
  ASSERT_FALSE(a);
  EXPECT_NE(a.err().message.find("contents[0].role must be \"user\" or \"model\", got \"assistant\""), std::string::npos);
  auto n = to_upstream(R"({"contents": [{"role": 1, "parts": []}]})");
  ASSERT_FALSE(n);
  EXPECT_EQ(n.err().message, "contents[0].role must be a string");
}

TEST(NativeRequestToUpstream, StringSystemInstructionBecomesUserContent) {
  auto r = to_upstream(R"({"systemInstruction": "be brief", "contents": [{"role": "user", "parts": [{"text": "x"}]}]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("systemInstruction"), json::parse(R"({"role": "user", "parts": [{"text": "be brief"}]})"));
  auto bad = to_upstream(R"({"systemInstruction": 5})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.err().kind, error_kind::bad_request);
}

TEST(NativeRequestToUpstream, KeepsOnlyInnerRequestFields) {
  auto r = to_upstream(R"({"model": "models/gemini-2.5-pro", "stream": true, "contents": [], "cachedContent": "c",
    "tools": [], "toolConfig": {}, "labels": {"a": "b"}, "safetySettings": [], "generationConfig": {},
    "session_id": "s", "user_prompt_id": "u", "project": "p", "systemInstruction": {"parts": [{"text": "s"}]}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, json::parse(R"({"contents": [], "cachedContent": "c", "tools": [], "toolConfig": {},
    "labels": {"a": "b"}, "safetySettings": [], "generationConfig": {}, "session_id": "s",
    "systemInstruction": {"parts": [{"text": "s"}]}})"));
}

TEST(NativeRequestToUpstream, ThoughtPartsAreNeverSentUpstream) {
  auto r = to_upstream(R"({"contents": [{"role": "user", "parts": [{"text": "q"}]},
    {"role": "model", "parts": [{"text": "secret reasoning", "thought": true}, {"text": "a"}]},
    {"role": "model", "parts": [{"thought": true, "text": "only thoughts"}]},
    {"role": "user", "parts": [{"text": "more"}]}]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("contents"), json::parse(R"([{"role": "user", "parts": [{"text": "q"}]},
    {"role": "model", "parts": [{"text": "a"}]}, {"role": "user", "parts": [{"text": "more"}]}])"));
}

TEST(NativeRequestToUpstream, FunctionCallFromAnotherModelGetsSentinelOnFirstCallOnly) {
  // translation.md §9 E.62: history from another model; a real signature in the request is forwarded as is.
  auto r = to_upstream(R"({"contents": [
    {"role": "user", "parts": [{"text": "weather?"}]},
    {"role": "model", "parts": [{"function_call": {"name": "w", "args": {"city": "A"}}}, {"functionCall": {"name": "w", "args": {"city": "B"}}}]},
    {"role": "user", "parts": [{"functionResponse": {"name": "w", "response": {}}}, {"functionResponse": {"name": "w", "response": {}}}]},
    {"role": "model", "parts": [{"functionCall": {"name": "w", "args": {"city": "C"}}, "thought_signature": "UkVBTC1TSUc="}]},
    {"role": "user", "parts": [{"functionResponse": {"name": "w", "response": {}}}]}]})",
                       native_options{.gemini3 = true});
  ASSERT_TRUE(r);
  auto& c = r->at("contents").as_array();
  EXPECT_EQ(c[1].at("parts").at(0).at("thoughtSignature"), "skip_thought_signature_validator");
  EXPECT_FALSE(c[1].at("parts").at(1).as_object().contains("thoughtSignature"));
  EXPECT_EQ(c[3].at("parts").at(0).at("thoughtSignature"), "UkVBTC1TSUc=");
  EXPECT_FALSE(c[3].at("parts").at(0).as_object().contains("thought_signature"));
}

TEST(NativeRequestToUpstream, SignatureRuleAppliesWithoutTheGemini3Flag) {
  auto r = to_upstream(R"({"contents": [{"role": "user", "parts": [{"text": "go"}]},
    {"role": "model", "parts": [{"functionCall": {"name": "a", "args": {}}}]}]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("contents").at(1).at("parts").at(0).at("thoughtSignature"), "skip_thought_signature_validator");
}

TEST(NativeRequestToUpstream, SchemaPropertyNamedLikeAFieldSurvives) {
  auto r = to_upstream(R"({"contents": [{"parts": [{"text": "x"}]}], "tools": [{"function_declarations": [{"name": "f",
    "parameters": {"type": "object", "properties": {"generation_config": {"type": "string"}, "function_call": {"type": "string"}}}}]}]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("tools").at(0).at("functionDeclarations").at(0).at("parameters").at("properties"),
            json::parse(R"({"generation_config": {"type": "string"}, "function_call": {"type": "string"}})"));
}

TEST(NativeCountTokensContents, PlainContentsShape) {
  auto r = count_tokens_contents(json::parse(R"({"contents": [{"parts": [{"text": "hi"}]},
    {"role": "model", "parts": [{"text": "t", "thought": true}, {"text": "a"}]}]})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, json::parse(R"([{"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [{"text": "a"}]}])"));
}

TEST(NativeCountTokensContents, GenerateContentRequestShapeFoldsSystemAndToolsIntoFirstUserTurn) {
  auto r = count_tokens_contents(json::parse(R"({"generateContentRequest": {"model": "models/gemini-2.5-pro",
    "system_instruction": "be brief",
    "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "object"}}]}],
    "generationConfig": {"temperature": 1},
    "contents": [{"role": "user", "parts": [{"text": "hi"}]}]}})"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  auto& parts = r->at(0).at("parts").as_array();
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], json::parse(R"({"text": "be brief"})"));
  EXPECT_EQ(json::parse(parts[1].at("text").as_string()),
            json::parse(R"([{"functionDeclarations": [{"name": "f", "parameters": {"type": "object"}}]}])"));
  EXPECT_EQ(parts[2], json::parse(R"({"text": "hi"})"));
}

TEST(NativeCountTokensContents, SnakeCaseWrapperAndLeadingModelTurnGetANewUserTurn) {
  auto r = count_tokens_contents(json::parse(R"({"generate_content_request": {
    "system_instruction": {"parts": [{"text": "sys"}]},
    "contents": [{"role": "model", "parts": [{"text": "a"}]}]}})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, json::parse(R"([{"role": "user", "parts": [{"text": "sys"}]}, {"role": "model", "parts": [{"text": "a"}]}])"));
}

TEST(NativeCountTokensContents, ErrorsAreBadRequests) {
  for (auto text : {"[]", R"({})", R"({"contents": []})", R"({"contents": 1})", R"({"generateContentRequest": 1})",
                    R"({"contents": [{"role": "system", "parts": [{"text": "x"}]}]})"}) {
    auto r = count_tokens_contents(json::parse(text));
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.err().kind, error_kind::bad_request) << text;
  }
}

}  // namespace
}  // namespace gw::translate::gemini
