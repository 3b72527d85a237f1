// Request repairs shared by all dialects: a schema-aware snake_case walker, thought stripping, signature rule.
#include "translate/common/repair.hpp"

#include <cstdint>
#include <span>
#include <string>

#include <boost/json.hpp>

namespace gw::translate {
namespace json = boost::json;

namespace {

// The message types of a GenerateContentRequest the walker knows. `leaf` means "do not descend": scalars,
// enums, and the free-form payloads (args, response, schemas, labels) whose keys belong to the user.
enum class node : std::uint8_t {
  leaf, request, content, part, blob, file_data, function_call, function_response, function_response_part,
  executable_code, code_execution_result, video_metadata, tool, function_declaration, google_search, interval,
  google_search_retrieval, dynamic_retrieval_config, tool_config, function_calling_config, retrieval_config,
  lat_lng, generation_config, thinking_config, speech_config, voice_config, prebuilt_voice_config,
  multi_speaker_voice_config, speaker_voice_config, image_config, routing_config, routing_auto, routing_manual,
  model_selection_config, safety_setting,
};

struct field {
  std::string_view name;  // lowerCamel, as Google documents it
  node child = node::leaf;
  bool repeated = false;
};

using fields = std::span<const field>;

fields fields_of(node n) {
  static constexpr field request[] = {
      {"contents", node::content, true}, {"systemInstruction", node::content}, {"cachedContent"},
      {"tools", node::tool, true}, {"toolConfig", node::tool_config}, {"labels"},
      {"safetySettings", node::safety_setting, true}, {"generationConfig", node::generation_config}, {"model"}};
  static constexpr field content[] = {{"role"}, {"parts", node::part, true}};
  static constexpr field part[] = {
      {"text"}, {"inlineData", node::blob}, {"fileData", node::file_data}, {"functionCall", node::function_call},
      {"functionResponse", node::function_response}, {"executableCode", node::executable_code},
      {"codeExecutionResult", node::code_execution_result}, {"thought"}, {"thoughtSignature"},
      {"videoMetadata", node::video_metadata}, {"partMetadata"}, {"mediaResolution"}};
  static constexpr field blob[] = {{"mimeType"}, {"data"}, {"displayName"}};
  static constexpr field file_data[] = {{"mimeType"}, {"fileUri"}, {"displayName"}};
  static constexpr field function_call[] = {{"id"}, {"name"}, {"args"}, {"partialArgs"}, {"willContinue"}};
  static constexpr field function_response[] = {{"id"}, {"name"}, {"response"},
                                                {"parts", node::function_response_part, true},
                                                {"willContinue"}, {"scheduling"}};
  static constexpr field function_response_part[] = {{"inlineData", node::blob}, {"fileData", node::file_data}};
  static constexpr field executable_code[] = {{"language"}, {"code"}, {"id"}};
  static constexpr field code_execution_result[] = {{"outcome"}, {"output"}, {"id"}};
  static constexpr field video_metadata[] = {{"startOffset"}, {"endOffset"}, {"fps"}};
  static constexpr field tool[] = {
      {"functionDeclarations", node::function_declaration, true}, {"googleSearch", node::google_search},
      {"googleSearchRetrieval", node::google_search_retrieval}, {"codeExecution"}, {"urlContext"},
      {"retrieval"}, {"computerUse"}, {"fileSearch"}, {"googleMaps"}, {"enterpriseWebSearch"}};
  static constexpr field function_declaration[] = {{"name"}, {"description"}, {"parameters"},
                                                   {"parametersJsonSchema"}, {"response"},
                                                   {"responseJsonSchema"}, {"behavior"}};
  static constexpr field google_search[] = {{"timeRangeFilter", node::interval}, {"excludeDomains"}};
  static constexpr field interval[] = {{"startTime"}, {"endTime"}};
  static constexpr field google_search_retrieval[] = {{"dynamicRetrievalConfig", node::dynamic_retrieval_config}};
  static constexpr field dynamic_retrieval_config[] = {{"mode"}, {"dynamicThreshold"}};
  static constexpr field tool_config[] = {{"functionCallingConfig", node::function_calling_config},
                                          {"retrievalConfig", node::retrieval_config}};
  static constexpr field function_calling_config[] = {{"mode"}, {"allowedFunctionNames"},
                                                      {"streamFunctionCallArguments"}};
  static constexpr field retrieval_config[] = {{"latLng", node::lat_lng}, {"languageCode"}};
  static constexpr field lat_lng[] = {{"latitude"}, {"longitude"}};
  static constexpr field generation_config[] = {
      {"temperature"}, {"topP"}, {"topK"}, {"candidateCount"}, {"maxOutputTokens"}, {"stopSequences"},
      {"responseLogprobs"}, {"logprobs"}, {"presencePenalty"}, {"frequencyPenalty"}, {"seed"},
      {"responseMimeType"}, {"responseSchema"}, {"responseJsonSchema"}, {"routingConfig", node::routing_config},
      {"modelSelectionConfig", node::model_selection_config}, {"responseModalities"}, {"mediaResolution"},
      {"speechConfig", node::speech_config}, {"audioTimestamp"}, {"thinkingConfig", node::thinking_config},
      {"enableEnhancedCivicAnswers"}, {"imageConfig", node::image_config}, {"enableAffectiveDialog"}};
  static constexpr field thinking_config[] = {{"includeThoughts"}, {"thinkingBudget"}, {"thinkingLevel"}};
  static constexpr field speech_config[] = {{"voiceConfig", node::voice_config},
                                            {"multiSpeakerVoiceConfig", node::multi_speaker_voice_config},
                                            {"languageCode"}};
  static constexpr field voice_config[] = {{"prebuiltVoiceConfig", node::prebuilt_voice_config}};
  static constexpr field prebuilt_voice_config[] = {{"voiceName"}};
  static constexpr field multi_speaker_voice_config[] = {{"speakerVoiceConfigs", node::speaker_voice_config, true}};
  static constexpr field speaker_voice_config[] = {{"speaker"}, {"voiceConfig", node::voice_config}};
  static constexpr field image_config[] = {{"aspectRatio"}, {"imageSize"}};
  static constexpr field routing_config[] = {{"autoMode", node::routing_auto}, {"manualMode", node::routing_manual}};
  static constexpr field routing_auto[] = {{"modelRoutingPreference"}};
  static constexpr field routing_manual[] = {{"modelName"}};
  static constexpr field model_selection_config[] = {{"featureSelectionPreference"}};
  static constexpr field safety_setting[] = {{"category"}, {"threshold"}, {"method"}};

  switch (n) {
    case node::leaf: return {};
    case node::request: return request;
    case node::content: return content;
    case node::part: return part;
    case node::blob: return blob;
    case node::file_data: return file_data;
    case node::function_call: return function_call;
    case node::function_response: return function_response;
    case node::function_response_part: return function_response_part;
    case node::executable_code: return executable_code;
    case node::code_execution_result: return code_execution_result;
    case node::video_metadata: return video_metadata;
    case node::tool: return tool;
    case node::function_declaration: return function_declaration;
    case node::google_search: return google_search;
    case node::interval: return interval;
    case node::google_search_retrieval: return google_search_retrieval;
    case node::dynamic_retrieval_config: return dynamic_retrieval_config;
    case node::tool_config: return tool_config;
    case node::function_calling_config: return function_calling_config;
    case node::retrieval_config: return retrieval_config;
    case node::lat_lng: return lat_lng;
    case node::generation_config: return generation_config;
    case node::thinking_config: return thinking_config;
    case node::speech_config: return speech_config;
    case node::voice_config: return voice_config;
    case node::prebuilt_voice_config: return prebuilt_voice_config;
    case node::multi_speaker_voice_config: return multi_speaker_voice_config;
    case node::speaker_voice_config: return speaker_voice_config;
    case node::image_config: return image_config;
    case node::routing_config: return routing_config;
    case node::routing_auto: return routing_auto;
    case node::routing_manual: return routing_manual;
    case node::model_selection_config: return model_selection_config;
    case node::safety_setting: return safety_setting;
  }
  return {};
}

// "max_output_tokens" -> "maxOutputTokens". Empty when `key` has no '_' to fold.
std::string to_camel(std::string_view key) {
  if (key.find('_') == std::string_view::npos) return {};
  std::string out;
  out.reserve(key.size());
  bool upper = false;
  for (char c : key) {
    if (c == '_' && !out.empty()) {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out;
}

const field* find_field(fields fs, std::string_view name) {
  for (const auto& f : fs)
    if (f.name == name) return &f;
  return nullptr;
}

void normalize(json::object& o, node n) {
  fields fs = fields_of(n);
  if (fs.empty()) return;

  bool rename = false;
  for (const auto& kv : o) {
    if (auto camel = to_camel(kv.key()); !camel.empty() && find_field(fs, camel)) {
      rename = true;
      break;
    }
  }
  if (rename) {
    // boost::json::object cannot rename a key in place; rebuild it, moving the values.
    json::object out(o.storage());
    out.reserve(o.size());
    for (auto& kv : o) {
      auto camel = to_camel(kv.key());
      if (camel.empty() || !find_field(fs, camel)) {
        out.emplace(kv.key(), std::move(kv.value()));
      } else if (!o.contains(camel)) {
        out.emplace(camel, std::move(kv.value()));
      }  // else: both spellings present; the lowerCamel one wins
    }
    o = std::move(out);
  }

  for (const auto& f : fs) {
    if (f.child == node::leaf) continue;
    json::value* v = o.if_contains(f.name);
    if (!v) continue;
    if (f.repeated) {
      if (json::array* a = v->if_array())
        for (auto& el : *a)
          if (json::object* eo = el.if_object()) normalize(*eo, f.child);
    } else if (json::object* co = v->if_object()) {
      normalize(*co, f.child);
    }
  }
}

// Reads a field under either spelling (callers may run before normalize_field_names).
const json::value* get(const json::object& o, std::string_view camel, std::string_view snake) {
  if (const json::value* v = o.if_contains(camel)) return v;
  return o.if_contains(snake);
}

std::string_view signature_of(const json::object& part) {
  const json::value* v = get(part, "thoughtSignature", "thought_signature");
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

bool is_function_call(const json::object& part) { return get(part, "functionCall", "function_call") != nullptr; }

bool is_thought(const json::object& part) {
  const json::value* t = part.if_contains("thought");
  return t && t->is_bool() && t->get_bool();
}

// {"text":""} (optionally with "thought": false): nothing to send, and the upstream rejects empty data.
bool is_empty_text_only(const json::object& part) {
  bool has_empty_text = false;
  for (const auto& kv : part) {
    if (kv.key() == "text" && kv.value().is_string() && kv.value().get_string().empty()) {
      has_empty_text = true;
    } else if (!(kv.key() == "thought" && kv.value().is_bool())) {
      return false;
    }
  }
  return has_empty_text;
}

std::string_view role_of(const json::object& content) {
  const json::value* r = content.if_contains("role");
  return r && r->is_string() ? std::string_view(r->get_string()) : std::string_view();
}

}  // namespace

void normalize_field_names(json::object& gemini_request) { normalize(gemini_request, node::request); }

void strip_thought_parts(json::object& gemini_request) {
  json::value* cv = gemini_request.if_contains("contents");
  if (!cv || !cv->is_array()) return;
  json::array& contents = cv->get_array();
  json::array kept_contents(contents.storage());
  kept_contents.reserve(contents.size());
  for (auto& c : contents) {
    json::object* content = c.if_object();
    if (!content) {  // not ours to judge here; validation reports it
      kept_contents.push_back(std::move(c));
      continue;
    }
    json::value* pv = content->if_contains("parts");
    json::array* parts = pv ? pv->if_array() : nullptr;
    if (!parts) continue;  // a content with no parts is rejected upstream
    json::array kept(parts->storage());
    kept.reserve(parts->size());
    json::string dropped_signature;
    for (auto& p : *parts) {
      json::object* part = p.if_object();
      if (part && is_thought(*part)) {
        if (auto sig = signature_of(*part); !sig.empty()) dropped_signature = sig;
        continue;
      }
      if (part && is_empty_text_only(*part)) continue;
      kept.push_back(std::move(p));
    }
    if (kept.empty()) continue;
    if (!dropped_signature.empty() && role_of(*content) == "model") {
      for (auto& p : kept) {
        json::object* part = p.if_object();
        if (!part || !is_function_call(*part)) continue;
        if (signature_of(*part).empty()) (*part)["thoughtSignature"] = std::move(dropped_signature);
        break;
      }
    }
    *pv = std::move(kept);
    kept_contents.push_back(std::move(c));
  }
  *cv = std::move(kept_contents);
}

int ensure_thought_signatures(json::object& gemini_request) {
  json::value* cv = gemini_request.if_contains("contents");
  if (!cv || !cv->is_array()) return 0;
  json::array& contents = cv->get_array();

  // The active loop starts at the last user turn carrying ordinary text (not a tool result).
  std::size_t start = 0;
  for (std::size_t i = contents.size(); i-- > 0;) {
    const json::object* content = contents[i].if_object();
    if (!content) continue;
    auto role = role_of(*content);
    if (!(role.empty() || role == "user")) continue;
    const json::value* pv = content->if_contains("parts");
    if (!pv || !pv->is_array()) continue;
    bool has_text = false, has_function_response = false;
    for (const auto& p : pv->get_array()) {
      const json::object* part = p.if_object();
      if (!part) continue;
      if (get(*part, "functionResponse", "function_response")) has_function_response = true;
      if (const json::value* t = part->if_contains("text"); t && t->is_string() && !t->get_string().empty())
        has_text = true;
    }
    if (has_text && !has_function_response) {
      start = i;
      break;
    }
  }

  int added = 0;
  for (std::size_t i = start; i < contents.size(); ++i) {
    json::object* content = contents[i].if_object();
    if (!content || role_of(*content) != "model") continue;
    json::value* pv = content->if_contains("parts");
    if (!pv || !pv->is_array()) continue;
    for (auto& p : pv->get_array()) {
      json::object* part = p.if_object();
      if (!part || !is_function_call(*part)) continue;
      // Only the first call of a step is validated; parallel siblings stay unsigned.
      if (signature_of(*part).empty()) {
        part->erase("thought_signature");  // an empty snake_case one must not shadow ours
        (*part)["thoughtSignature"] = synthetic_thought_signature;
        ++added;
      }
      break;
    }
  }
  return added;
}

}  // namespace gw::translate
