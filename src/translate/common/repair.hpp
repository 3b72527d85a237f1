// Repairs every dialect applies to an inner Gemini request: field spelling, thought parts, Gemini 3 signatures.
#pragma once
#include <string_view>

#include <boost/json/object.hpp>

namespace gw::translate {

// Renames proto-JSON snake_case field names (system_instruction, inline_data, function_declarations, ...) to
// lowerCamel, walking the GenerateContentRequest schema (Content, Part, Blob, FileData, FunctionCall,
// FunctionResponse, Tool, FunctionDeclaration, ToolConfig, GenerationConfig, ThinkingConfig, SpeechConfig,
// SafetySetting, ...). Only names known for the message at hand are renamed; unknown names are left alone.
// Never descends into free-form payloads: functionCall.args, functionResponse.response, every schema slot
// (parameters, parametersJsonSchema, response, responseJsonSchema, responseSchema), labels, partMetadata.
// "session_id" is the Code Assist spelling and is kept. When both spellings are present the lowerCamel one
// wins and the snake_case one is dropped (proto-JSON would reject the duplicate).
void normalize_field_names(boost::json::object& gemini_request);

// Drops parts with "thought": true from every content of "contents" (a content left with no parts is dropped
// too) and empty-text parts that carry nothing else. A signature that lived only on a dropped thought part of a
// model turn is moved onto that turn's first functionCall part when it has none (the signature sometimes rides
// on the thought part; gemini-cli keeps it for the call).
void strip_thought_parts(boost::json::object& gemini_request);

// The documented dummy signature; Code Assist and Vertex both accept it.
inline constexpr std::string_view synthetic_thought_signature = "skip_thought_signature_validator";

// The Gemini 3 rule: the active loop runs from the last user turn that has non-empty text and no
// functionResponse (the start of history if none) to the end. In each model turn of it, the first functionCall
// part gets the sentinel when it lacks a thoughtSignature; other parts and real signatures are left untouched.
// Returns how many sentinels were added.
int ensure_thought_signatures(boost::json::object& gemini_request);

}  // namespace gw::translate
