// Client JSON Schemas made acceptable to Gemini (both schema slots) and function names made valid, with a map back.
#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::translate {

// What the schema describes. Function parameters must be an object schema at the root (Gemini declares a
// function's arguments as the properties of one object); response schemas may be anything.
enum class schema_root { function_parameters, any };

// For the JSON-Schema slots, FunctionDeclaration.parametersJsonSchema and GenerationConfig.responseJsonSchema
// (translation.md §5.1, §5.3 [Design]). Conservative: what is valid there stays (type arrays such as
// ["string","null"], anyOf/oneOf/allOf, additionalProperties, enum, format, min/max...), and only what Code
// Assist rejects or cannot use is repaired:
//  - local "$ref"s ("#", "#/$defs/X", "#/definitions/X", any JSON pointer into the document) are inlined and
//    "$defs"/"definitions" dropped; a cyclic reference is cut at its second visit, and an unresolvable one
//    (remote, "#anchor", missing), an over-deep nesting or an expansion over the size budget becomes "{}" with
//    a note in "description", so neither a cycle nor a reference bomb can blow the schema up;
//  - "$schema", "$id", "$comment", "$anchor", "$dynamic*", "$recursive*", "$vocabulary", "x-*" extensions,
//    "strict", "examples", "propertyNames", "patternProperties", "if"/"then"/"else", "not", "contains",
//    "dependencies", "dependent*", "unevaluated*", "content*", "readOnly", "writeOnly", "deprecated" dropped;
//  - "const" becomes a one-value "enum"; tuple "items":[...] becomes "prefixItems";
//  - an array (type "array", or a type list naming it) without "items"/"prefixItems" gets "items":{};
//  - a schema with "properties" but no "type" gets "type":"object";
//  - a bare property map (malformed MCP schemas: no keyword, every value a schema) becomes
//    {"type":"object","properties":<map>};
//  - "required" keeps only unique string names of declared properties (when "properties" is present);
//  - boolean sub-schemas: true -> {}, a property declared false is removed (it may not occur).
// Property names, enum/default/example values are data: never read as keywords, never altered.
// For schema_root::function_parameters the root always comes back as an object schema: a non-object or empty
// input gives {"type":"object","properties":{}}, a missing root type becomes "object".
boost::json::object clean_schema(const boost::json::value& schema, schema_root root = schema_root::function_parameters);

// For the OpenAPI-subset slots, FunctionDeclaration.parameters and GenerationConfig.responseSchema (the Schema
// proto; any other key is an "Unknown name" 400, §5.2). Runs clean_schema first, then:
//  - type lists become one type: null removed and "nullable":true set, a second non-null type noted in the
//    description; an anyOf/oneOf null branch likewise becomes "nullable"; a property that is nullable is taken
//    out of its parent's "required" (the proto rejects a null for a required field);
//  - oneOf -> anyOf; a single remaining anyOf branch is merged into its parent; allOf is merged into its parent
//    (properties and required united, other keywords first one wins);
//  - "enum" values become strings ("type":"STRING"), null members become "nullable";
//  - types are upper-case proto enum names (STRING, NUMBER, INTEGER, BOOLEAN, ARRAY, OBJECT);
//  - "format" kept only where the proto accepts it (string: enum, date-time; number: float, double; integer:
//    int32, int64), else moved into the description, as are exclusiveMinimum/exclusiveMaximum/multipleOf;
//  - tuple items -> the first; "additionalProperties" and every key outside
//    the proto's fields dropped; an object's empty "properties" removed (the old API rejected it).
boost::json::object clean_schema_openapi(const boost::json::value& schema,
                                         schema_root root = schema_root::function_parameters);

// Gemini's function-name rule (§5.4): ^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$.
bool is_valid_function_name(std::string_view name) noexcept;

// A valid name close to `name`: every other character (each UTF-8 sequence counts as one) becomes '_', a
// leading '_' is added when the first character is not a letter or '_', cut to 64 characters; "" -> "_".
std::string sanitize_function_name(std::string_view name);

// The per-request map between the tool names a client uses and the names sent upstream. Valid names map to
// themselves; others are sanitized, and a sanitized name already taken by another client name gets a numeric
// suffix ("_2", "_3", ...), so two client tools never collide upstream (Gemini rejects duplicate declarations).
// Deterministic: the same client names in the same order map to the same upstream names on every turn.
class function_name_map {
 public:
  // The upstream name for `client_name`, registering it on first use.
  std::string add(std::string_view client_name);
  // The client's name for an upstream name; the upstream name itself when it was never renamed.
  std::string_view to_client(std::string_view upstream_name) const noexcept;
  // The upstream name already registered for a client name, else the name itself.
  std::string_view to_upstream(std::string_view client_name) const noexcept;
  // True when no name was renamed.
  bool identity() const noexcept;
  // Every (client name, upstream name) pair, in registration order.
  const std::vector<std::pair<std::string, std::string>>& entries() const noexcept { return names_; }

 private:
  std::vector<std::pair<std::string, std::string>> names_;  // (client, upstream), in registration order
};

}  // namespace gw::translate
