// Tests for the shared request repairs: snake_case names, thought stripping, the Gemini 3 signature rule.
#include "translate/common/repair.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gw::translate {
namespace {
namespace json = boost::json;

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(NormalizeFieldNames, RenamesTopLevelAndNestedMessageFields) {
  auto r = obj(R"({
    "system_instruction": {"parts": [{"text": "be brief"}]},
    "generation_config": {"max_output_tokens": 10, "top_p": 0.5, "top_k": 3, "stop_sequences": ["x"],
      "response_mime_type": "application/json", "candidate_count": 1, "presence_penalty": 0.1,
      "frequency_penalty": 0.2, "response_modalities": ["TEXT"], "media_resolution": "MEDIA_RESOLUTION_LOW",
      "thinking_config": {"thinking_budget": 128, "include_thoughts": true, "thinking_level": "LOW"}},
    "contents": [{"role": "user", "parts": [
      {"inline_data": {"mime_type": "image/png", "data": "AAAA"}},
      {"file_data": {"mime_type": "application/pdf", "file_uri": "gs://b/f.pdf"}},
      {"function_response": {"name": "f", "response": {"output": "ok"}}},
      {"executable_code": {"language": "PYTHON", "code": "x = 1"}},
      {"code_execution_result": {"outcome": "OUTCOME_OK", "output": "1"}}]},
      {"role": "model", "parts": [{"function_call": {"name": "f", "args": {}}, "thought_signature": "U0lH"}]}],
    "tools": [{"function_declarations": [{"name": "f", "parameters_json_schema": {"type": "object"}}]},
              {"google_search": {}}, {"url_context": {}}, {"code_execution": {}}],
    "tool_config": {"function_calling_config": {"mode": "ANY", "allowed_function_names": ["f"]}},
    "safety_settings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    "cached_content": "cachedContents/x"
  })");
  normalize_field_names(r);
  EXPECT_EQ(r, json::parse(R"({
    "systemInstruction": {"parts": [{"text": "be brief"}]},
    "generationConfig": {"maxOutputTokens": 10, "topP": 0.5, "topK": 3, "stopSequences": ["x"],
      "responseMimeType": "application/json", "candidateCount": 1, "presencePenalty": 0.1,
      "frequencyPenalty": 0.2, "responseModalities": ["TEXT"], "mediaResolution": "MEDIA_RESOLUTION_LOW",
      "thinkingConfig": {"thinkingBudget": 128, "includeThoughts": true, "thinkingLevel": "LOW"}},
    "contents": [{"role": "user", "parts": [
      {"inlineData": {"mimeType": "image/png", "data": "AAAA"}},
      {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://b/f.pdf"}},
      {"functionResponse": {"name": "f", "response": {"output": "ok"}}},
      {"executableCode": {"language": "PYTHON", "code": "x = 1"}},
      {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}}]},
      {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "U0lH"}]}],
    "tools": [{"functionDeclarations": [{"name": "f", "parametersJsonSchema": {"type": "object"}}]},
              {"googleSearch": {}}, {"urlContext": {}}, {"codeExecution": {}}],
    "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f"]}},
    "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    "cachedContent": "cachedContents/x"
  })"));
}

TEST(NormalizeFieldNames, SchemaPropertiesWithMessageFieldNamesSurvive) {
  auto r = obj(R"({"tools": [{"function_declarations": [
    {"name": "f",
     "parameters": {"type": "object", "properties": {"generation_config": {"type": "string"},
                                                     "function_call": {"type": "object", "properties": {"max_output_tokens": {"type": "integer"}}}},
                    "required": ["generation_config"]},
     "response_json_schema": {"properties": {"inline_data": {}}}},
    {"name": "g", "parameters_json_schema": {"properties": {"system_instruction": {"type": "string"}}}}]}],
    "generation_config": {"response_json_schema": {"properties": {"top_k": {}}}, "response_schema": {"properties": {"top_p": {}}}}})");
  normalize_field_names(r);
  auto& decls = r.at("tools").at(0).at("functionDeclarations").as_array();
  EXPECT_EQ(decls[0].at("parameters"), json::parse(R"({"type": "object", "properties": {"generation_config": {"type": "string"},
    "function_call": {"type": "object", "properties": {"max_output_tokens": {"type": "integer"}}}}, "required": ["generation_config"]})"));
  EXPECT_EQ(decls[0].at("responseJsonSchema"), json::parse(R"({"properties": {"inline_data": {}}})"));
  EXPECT_EQ(decls[1].at("parametersJsonSchema"), json::parse(R"({"properties": {"system_instruction": {"type": "string"}}})"));
  EXPECT_EQ(r.at("generationConfig").at("responseJsonSchema"), json::parse(R"({"properties": {"top_k": {}}})"));
  EXPECT_EQ(r.at("generationConfig").at("responseSchema"), json::parse(R"({"properties": {"top_p": {}}})"));
}

TEST(NormalizeFieldNames, FreeFormPayloadsAndLabelsKeepTheirKeys) {
  auto r = obj(R"({"labels": {"team_name": "a"}, "session_id": "s", "contents": [
    {"role": "model", "parts": [{"function_call": {"name": "f", "args": {"file_path": "/x", "nested": {"max_output_tokens": 1}}}}]},
    {"role": "user", "parts": [{"function_response": {"name": "f", "response": {"exit_code": 0, "inline_data": "x"},
                                                     "parts": [{"inline_data": {"mime_type": "image/png", "data": "AA"}}]}}]}]})");
  normalize_field_names(r);
  EXPECT_EQ(r.at("labels"), json::parse(R"({"team_name": "a"})"));
  EXPECT_EQ(r.at("session_id"), "s");
  EXPECT_EQ(r.at("contents").at(0).at("parts").at(0).at("functionCall").at("args"),
            json::parse(R"({"file_path": "/x", "nested": {"max_output_tokens": 1}})"));
  auto& fr = r.at("contents").at(1).at("parts").at(0).at("functionResponse");
  EXPECT_EQ(fr.at("response"), json::parse(R"({"exit_code": 0, "inline_data": "x"})"));
  EXPECT_EQ(fr.at("parts"), json::parse(R"([{"inlineData": {"mimeType": "image/png", "data": "AA"}}])"));
}

TEST(NormalizeFieldNames, UnknownSnakeNamesAreLeftAlone) {
  auto r = obj(R"({"generation_config": {"made_up_field": 1}, "some_unknown": 2})");
  normalize_field_names(r);
  EXPECT_EQ(r, json::parse(R"({"generationConfig": {"made_up_field": 1}, "some_unknown": 2})"));
}

TEST(NormalizeFieldNames, CamelSpellingWinsOverDuplicateSnake) {
  auto r = obj(R"({"generation_config": {"topK": 1}, "generationConfig": {"topK": 2}})");
  normalize_field_names(r);
  EXPECT_EQ(r, json::parse(R"({"generationConfig": {"topK": 2}})"));
}

TEST(NormalizeFieldNames, DeeperConfigMessages) {
  auto r = obj(R"({"generation_config": {"speech_config": {"voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}}},
    "routing_config": {"auto_mode": {"model_routing_preference": "BALANCED"}}},
    "tool_config": {"retrieval_config": {"lat_lng": {"latitude": 1}, "language_code": "en"}}})");
  normalize_field_names(r);
  EXPECT_EQ(r, json::parse(R"({"generationConfig": {"speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
    "routingConfig": {"autoMode": {"modelRoutingPreference": "BALANCED"}}},
    "toolConfig": {"retrievalConfig": {"latLng": {"latitude": 1}, "languageCode": "en"}}})"));
}

TEST(StripThoughtParts, DropsThoughtPartsAndEmptyContents) {
  auto r = obj(R"({"contents": [
    {"role": "user", "parts": [{"text": "q"}]},
    {"role": "model", "parts": [{"text": "thinking...", "thought": true}]},
    {"role": "model", "parts": [{"text": "plan", "thought": true}, {"text": "answer"}, {"text": ""}, {"text": "", "thought": false}]}]})");
  strip_thought_parts(r);
  EXPECT_EQ(r, json::parse(R"({"contents": [
    {"role": "user", "parts": [{"text": "q"}]},
    {"role": "model", "parts": [{"text": "answer"}]}]})"));
}

TEST(StripThoughtParts, KeepsSignatureOnlyPartsAndThoughtFalse) {
  auto r = obj(R"({"contents": [{"role": "model", "parts": [{"text": "a", "thought": false}, {"text": "", "thoughtSignature": "U0lH"}]}]})");
  auto before = r;
  strip_thought_parts(r);
  EXPECT_EQ(r, before);
}

TEST(StripThoughtParts, MovesSignatureFromDroppedThoughtOntoFirstFunctionCall) {
  auto r = obj(R"({"contents": [{"role": "model", "parts": [
    {"text": "hmm", "thought": true, "thoughtSignature": "VEhPVUdIVA=="},
    {"functionCall": {"name": "a", "args": {}}},
    {"functionCall": {"name": "b", "args": {}}}]}]})");
  strip_thought_parts(r);
  EXPECT_EQ(r, json::parse(R"({"contents": [{"role": "model", "parts": [
    {"functionCall": {"name": "a", "args": {}}, "thoughtSignature": "VEhPVUdIVA=="},
    {"functionCall": {"name": "b", "args": {}}}]}]})"));
}

TEST(StripThoughtParts, DoesNotOverwriteAnExistingCallSignature) {
  auto r = obj(R"({"contents": [{"role": "model", "parts": [
    {"text": "", "thought": true, "thoughtSignature": "T0xE"},
    {"functionCall": {"name": "a", "args": {}}, "thoughtSignature": "UkVBTA=="}]}]})");
  strip_thought_parts(r);
  EXPECT_EQ(r.at("contents").at(0).at("parts"),
            json::parse(R"([{"functionCall": {"name": "a", "args": {}}, "thoughtSignature": "UkVBTA=="}])"));
}

// The user -> FC1 -> FR1 -> FC2 -> FR2 loop of translation.md §9 F.71, after an earlier completed turn.
json::object multi_step_history() {
  return obj(R"({"contents": [
    {"role": "user", "parts": [{"text": "earlier question"}]},
    {"role": "model", "parts": [{"functionCall": {"name": "old", "args": {}}}]},
    {"role": "user", "parts": [{"functionResponse": {"name": "old", "response": {"output": "x"}}}]},
    {"role": "model", "parts": [{"text": "earlier answer"}]},
    {"role": "user", "parts": [{"text": "weather in Paris then London?"}]},
    {"role": "model", "parts": [{"functionCall": {"name": "weather", "args": {"city": "Paris"}}}]},
    {"role": "user", "parts": [{"functionResponse": {"name": "weather", "response": {"output": "sun"}}}]},
    {"role": "model", "parts": [{"text": "Now London."}, {"functionCall": {"name": "weather", "args": {"city": "London"}}}]},
    {"role": "user", "parts": [{"functionResponse": {"name": "weather", "response": {"output": "rain"}}}]}]})");
}

TEST(EnsureThoughtSignatures, EveryStepOfTheActiveLoopGetsTheSentinel) {
  auto r = multi_step_history();
  EXPECT_EQ(ensure_thought_signatures(r), 2);
  auto& c = r.at("contents").as_array();
  EXPECT_EQ(c[5].at("parts").at(0).at("thoughtSignature"), "skip_thought_signature_validator");
  EXPECT_FALSE(c[7].at("parts").at(0).as_object().contains("thoughtSignature"));  // the text part
  EXPECT_EQ(c[7].at("parts").at(1).at("thoughtSignature"), "skip_thought_signature_validator");
  // The earlier, completed turn is outside the loop and is not validated: untouched.
  EXPECT_FALSE(c[1].at("parts").at(0).as_object().contains("thoughtSignature"));
}

TEST(EnsureThoughtSignatures, ParallelCallsOnlyTheFirstIsSigned) {
  auto r = obj(R"({"contents": [
    {"role": "user", "parts": [{"text": "two cities"}]},
    {"role": "model", "parts": [{"functionCall": {"name": "w", "args": {"c": "A"}}}, {"functionCall": {"name": "w", "args": {"c": "B"}}}]},
    {"role": "user", "parts": [{"functionResponse": {"name": "w", "response": {}}}, {"functionResponse": {"name": "w", "response": {}}}]}]})");
  EXPECT_EQ(ensure_thought_signatures(r), 1);
  auto& parts = r.at("contents").at(1).at("parts").as_array();
  EXPECT_EQ(parts[0].at("thoughtSignature"), "skip_thought_signature_validator");
  EXPECT_FALSE(parts[1].as_object().contains("thoughtSignature"));
}

TEST(EnsureThoughtSignatures, RealSignaturesAreForwardedByteForByte) {
  const std::string real = "CiQBcsjafP8+/x9yZ3k=\\u002Bodd";  // escaped in JSON text on purpose
  auto r = obj(R"({"contents": [
    {"role": "user", "parts": [{"text": "go"}]},
    {"role": "model", "parts": [{"functionCall": {"name": "a", "args": {}}, "thoughtSignature": ")" + real + R"("},
                                {"functionCall": {"name": "b", "args": {}}}]},
    {"role": "user", "parts": [{"functionResponse": {"name": "a", "response": {}}}, {"functionResponse": {"name": "b", "response": {}}}]}]})");
  auto before = r;
  EXPECT_EQ(ensure_thought_signatures(r), 0);
  EXPECT_EQ(r, before);
  EXPECT_EQ(r.at("contents").at(1).at("parts").at(0).at("thoughtSignature"), "CiQBcsjafP8+/x9yZ3k=+odd");
}

TEST(EnsureThoughtSignatures, SnakeCaseSignatureCountsAsPresent) {
  auto r = obj(R"({"contents": [{"role": "user", "parts": [{"text": "go"}]},
    {"role": "model", "parts": [{"function_call": {"name": "a"}, "thought_signature": "UkVBTA=="}]}]})");
  EXPECT_EQ(ensure_thought_signatures(r), 0);
}

TEST(EnsureThoughtSignatures, NoUserTextMeansTheWholeHistoryIsTheLoop) {
  auto r = obj(R"({"contents": [
    {"role": "model", "parts": [{"functionCall": {"name": "a", "args": {}}}]},
    {"role": "user", "parts": [{"functionResponse": {"name": "a", "response": {}}}]}]})");
  EXPECT_EQ(ensure_thought_signatures(r), 1);
}

TEST(EnsureThoughtSignatures, UserTurnWithTextAndFunctionResponseDoesNotStartTheLoop) {
  auto r = obj(R"({"contents": [
    {"role": "user", "parts": [{"text": "start"}]},
    {"role": "model", "parts": [{"functionCall": {"name": "a", "args": {}}}]},
    {"role": "user", "parts": [{"functionResponse": {"name": "a", "response": {}}}, {"text": "extra note"}]},
    {"role": "model", "parts": [{"functionCall": {"name": "b", "args": {}}}]}]})");
  EXPECT_EQ(ensure_thought_signatures(r), 2);
}

TEST(EnsureThoughtSignatures, TrailingUserTextStartsAFreshLoop) {
  auto r = multi_step_history();
  r.at("contents").as_array().push_back(json::parse(R"({"role": "user", "parts": [{"text": "thanks"}]})"));
  EXPECT_EQ(ensure_thought_signatures(r), 0);
}

}  // namespace
}  // namespace gw::translate
