// Tests for the schema cleaners (JSON-Schema slot and OpenAPI-subset slot) and function-name sanitizing.
#include "translate/common/schema.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

namespace gw::translate {
namespace {
namespace json = boost::json;

json::object clean(std::string_view text, schema_root root = schema_root::function_parameters) {
  return clean_schema(json::parse(text), root);
}
json::object proto(std::string_view text, schema_root root = schema_root::function_parameters) {
  return clean_schema_openapi(json::parse(text), root);
}

// The Schema proto's fields, as the strict fake Google checks them.
bool only_proto_keys(const json::value& v) {
  static const std::set<std::string> ok = {
      "type",      "format",    "title",      "description", "nullable",      "enum",
      "maxItems",  "minItems",  "properties", "required",    "minProperties", "maxProperties",
      "minLength", "maxLength", "pattern",    "example",     "anyOf",         "propertyOrdering",
      "default",   "items",     "minimum",    "maximum"};
  const json::object* o = v.if_object();
  if (!o) return true;
  for (const auto& [k, sub] : *o) {
    if (!ok.count(std::string(k))) return false;
    if (k == "properties") {
      for (const auto& [name, p] : sub.as_object())
        if (!only_proto_keys(p)) return false;
    } else if (k == "items") {
      if (!only_proto_keys(sub)) return false;
    } else if (k == "anyOf") {
      for (const auto& b : sub.as_array())
        if (!only_proto_keys(b)) return false;
    }
  }
  return true;
}

// §9 G 72: a nullable type list in "required".
TEST(CleanSchema, TypeListWithNullIsKeptInTheJsonSchemaSlot) {
  const char* in = R"({"type":"object","properties":{"a":{"type":["string","null"]}},"required":["a"]})";
  EXPECT_EQ(clean(in), json::parse(in));
}

TEST(CleanSchemaOpenapi, TypeListWithNullBecomesNullableAndLeavesRequired) {
  auto s = proto(R"({"type":"object","properties":{"a":{"type":["string","null"]},"b":{"type":"integer"}},
                     "required":["a","b"]})");
  EXPECT_EQ(s, json::parse(R"({"type":"OBJECT","properties":{"a":{"type":"STRING","nullable":true},
                               "b":{"type":"INTEGER"}},"required":["b"]})"));
}

// §9 G 73.
TEST(CleanSchema, ArrayWithoutItemsGetsItems) {
  auto s = clean(R"({"type":"object","properties":{"tags":{"type":"array"},"maybe":{"type":["array","null"]}}})");
  EXPECT_EQ(s.at("properties").at("tags").at("items"), json::object());
  EXPECT_EQ(s.at("properties").at("maybe").at("items"), json::object());
  auto p = proto(R"({"type":"object","properties":{"tags":{"type":"array"}}})");
  EXPECT_EQ(p.at("properties").at("tags"), json::parse(R"({"type":"ARRAY","items":{}})"));
}

// §9 G 74.
TEST(CleanSchema, PropertyNamesThatLookLikeKeywordsArePreserved) {
  const char* in = R"({"type":"object","properties":{
      "properties":{"type":"string"},"format":{"type":"string","format":"uri"},"$ref":{"type":"string"},
      "const":{"type":"number"},"x-name":{"type":"string"},"type":{"type":"string"},"items":{"type":"string"}},
    "required":["properties","format","$ref","type"]})";
  auto s = clean(in);
  const auto& props = s.at("properties").as_object();
  for (auto name : {"properties", "format", "$ref", "const", "x-name", "type", "items"})
    EXPECT_TRUE(props.contains(name)) << name;
  EXPECT_EQ(props.at("$ref"), json::parse(R"({"type":"string"})"));
  EXPECT_EQ(props.at("const"), json::parse(R"({"type":"number"})"));
  EXPECT_EQ(s.at("required"), json::parse(R"(["properties","format","$ref","type"])"));
  auto p = proto(in);
  EXPECT_EQ(p.at("properties").as_object().size(), 7u);
  EXPECT_EQ(p.at("properties").at("format"), json::parse(R"({"type":"STRING","description":"Format: uri."})"));
  EXPECT_TRUE(only_proto_keys(p));
}

// §9 G 75.
TEST(CleanSchema, BarePropertyMapBecomesAnObjectSchema) {
  auto s = clean(R"({"cornerRadius":{"type":"number"},"color":{"type":"string","description":"hex"}})");
  EXPECT_EQ(s, json::parse(R"({"type":"object","properties":{"cornerRadius":{"type":"number"},
                               "color":{"type":"string","description":"hex"}}})"));
}

TEST(CleanSchema, NestedBarePropertyMapInItemsIsRepaired) {
  auto s = clean(R"({"type":"object","properties":{"shapes":{"type":"array",
                     "items":{"cornerRadius":{"type":"number"}}}}})");
  EXPECT_EQ(s.at("properties").at("shapes").at("items"),
            json::parse(R"({"type":"object","properties":{"cornerRadius":{"type":"number"}}})"));
}

TEST(CleanSchema, ObjectWithUnknownKeysThatAreNotSchemasIsNotTakenForAPropertyMap) {
  auto s = clean(R"({"type":"object","properties":{"a":{"foo":1}}})");
  EXPECT_EQ(s.at("properties").at("a"), json::parse(R"({"foo":1})"));
}

TEST(CleanSchema, MetaKeywordsAreDroppedAndConstBecomesEnum) {
  auto s = clean(R"({"$schema":"http://json-schema.org/draft-07/schema#","$id":"urn:x","$comment":"c",
    "type":"object","strict":true,"x-foo":1,"additionalProperties":false,
    "properties":{"kind":{"const":"circle"},"n":{"type":"integer","examples":[1],"exclusiveMinimum":0},
                  "m":{"type":"object","propertyNames":{"pattern":"^a"},"patternProperties":{"^a":{}}}},
    "if":{"properties":{"kind":{"const":"x"}}},"then":{},"else":{},"not":{}})");
  EXPECT_EQ(s, json::parse(R"({"type":"object","additionalProperties":false,
    "properties":{"kind":{"enum":["circle"]},"n":{"type":"integer","exclusiveMinimum":0},"m":{"type":"object"}}})"));
}

TEST(CleanSchema, LocalRefsAreInlinedAndDefsDropped) {
  auto s = clean(R"({"type":"object","$defs":{"Point":{"type":"object","properties":{"x":{"type":"number"}}}},
    "definitions":{"Name":{"type":"string"}},
    "properties":{"p":{"$ref":"#/$defs/Point","description":"where"},"n":{"$ref":"#/definitions/Name"},
                  "q":{"$ref":"#/properties/n"}}})");
  EXPECT_EQ(s, json::parse(R"({"type":"object","properties":{
    "p":{"type":"object","properties":{"x":{"type":"number"}},"description":"where"},
    "n":{"type":"string"},"q":{"type":"string"}}})"));
}

TEST(CleanSchema, PointerEscapesAreDecoded) {
  auto s =
      clean(R"({"type":"object","$defs":{"a/b":{"type":"string"},"c~d":{"type":"integer"},"e f":{"type":"boolean"}},
    "properties":{"x":{"$ref":"#/$defs/a~1b"},"y":{"$ref":"#/$defs/c~0d"},"z":{"$ref":"#/$defs/e%20f"}}})");
  EXPECT_EQ(s.at("properties"),
            json::parse(R"({"x":{"type":"string"},"y":{"type":"integer"},"z":{"type":"boolean"}})"));
}

TEST(CleanSchema, CyclicRefIsCutWithANote) {
  auto s = clean(R"({"type":"object","$defs":{"Node":{"type":"object","properties":{
      "value":{"type":"string"},"next":{"$ref":"#/$defs/Node"}}}},
    "properties":{"head":{"$ref":"#/$defs/Node"}}})");
  const auto& head = s.at("properties").at("head").as_object();
  EXPECT_EQ(head.at("properties").at("value"), json::parse(R"({"type":"string"})"));
  const auto& next = head.at("properties").at("next").as_object();
  EXPECT_EQ(next.at("type"), "object");
  EXPECT_NE(std::string(next.at("description").as_string()).find("Recursive"), std::string::npos);
  EXPECT_FALSE(next.contains("properties"));
}

TEST(CleanSchema, RootRecursionIsCut) {
  auto s = clean(R"({"type":"object","properties":{"child":{"$ref":"#"}}})");
  EXPECT_EQ(s.at("properties").at("child").at("properties").at("child").at("type"), "object");
  EXPECT_FALSE(s.at("properties").at("child").at("properties").at("child").as_object().contains("properties"));
}

TEST(CleanSchema, UnresolvableRefsBecomeEmptySchemasWithANote) {
  auto s = clean(R"({"type":"object","properties":{"a":{"$ref":"https://example.com/s.json"},
                     "b":{"$ref":"#/$defs/Missing"},"c":{"$ref":"#anchor"}}})");
  for (auto k : {"a", "b", "c"}) {
    const auto& p = s.at("properties").at(k).as_object();
    EXPECT_EQ(p.size(), 1u) << k;
    EXPECT_TRUE(p.contains("description")) << k;
  }
}

TEST(CleanSchema, ReferenceBombIsBounded) {
  // Each level refers to the next twice: 2^30 nodes if expanded naively.
  std::string defs;
  for (int i = 0; i < 30; ++i) {
    defs += "\"L" + std::to_string(i) + "\":{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/L" +
            std::to_string(i + 1) + "\"},\"b\":{\"$ref\":\"#/$defs/L" + std::to_string(i + 1) + "\"}}},";
  }
  defs += "\"L30\":{\"type\":\"string\"}";
  auto s = clean("{\"type\":\"object\",\"$defs\":{" + defs + "},\"properties\":{\"root\":{\"$ref\":\"#/$defs/L0\"}}}");
  EXPECT_LT(json::serialize(s).size(), std::size_t{4} << 20);
}

TEST(CleanSchema, DeepNestingIsBounded) {
  std::string in;
  for (int i = 0; i < 200; ++i) in += R"({"type":"object","properties":{"a":)";
  in += R"({"type":"string"})";
  for (int i = 0; i < 200; ++i) in += "}}";
  json::parse_options opt;
  opt.max_depth = 1000;
  auto s = clean_schema(json::parse(in, {}, opt));
  EXPECT_EQ(s.at("type"), "object");
  EXPECT_LT(json::serialize(s).size(), in.size());
}

TEST(CleanSchema, PropertiesWithoutTypeGetObjectType) {
  auto s = clean(R"({"properties":{"a":{"properties":{"b":{"type":"string"}}}}})");
  EXPECT_EQ(s.at("type"), "object");
  EXPECT_EQ(s.at("properties").at("a").at("type"), "object");
}

TEST(CleanSchema, RequiredKeepsOnlyDeclaredUniqueNames) {
  auto s = clean(R"({"type":"object","properties":{"a":{},"b":{}},"required":["a","zz","a",3,"b"]})");
  EXPECT_EQ(s.at("required"), json::parse(R"(["a","b"])"));
  auto t = clean(R"({"type":"object","properties":{"a":{}},"required":["zz"]})");
  EXPECT_FALSE(t.contains("required"));
}

TEST(CleanSchema, BooleanSubSchemas) {
  auto s = clean(R"({"type":"object","properties":{"any":true,"never":false},"required":["any","never"],
                     "additionalProperties":true})");
  EXPECT_EQ(s, json::parse(R"({"type":"object","properties":{"any":{}},"required":["any"],
                               "additionalProperties":true})"));
}

TEST(CleanSchema, TupleItemsBecomePrefixItems) {
  auto s = clean(R"({"type":"object","properties":{"pt":{"type":"array","items":[{"type":"number"},{"type":"number"}],
                     "additionalItems":false}}})");
  EXPECT_EQ(s.at("properties").at("pt"), json::parse(R"({"type":"array",
      "prefixItems":[{"type":"number"},{"type":"number"}],"items":false})"));
}

TEST(CleanSchema, FunctionParametersRootIsAlwaysAnObjectSchema) {
  EXPECT_EQ(clean("{}"), json::parse(R"({"type":"object","properties":{}})"));
  EXPECT_EQ(clean("null"), json::parse(R"({"type":"object","properties":{}})"));
  EXPECT_EQ(clean("true"), json::parse(R"({"type":"object","properties":{}})"));
  EXPECT_EQ(clean(R"({"type":"object"})"), json::parse(R"({"type":"object","properties":{}})"));
  EXPECT_EQ(clean("{}", schema_root::any), json::object());
  EXPECT_EQ(clean(R"({"type":"string"})", schema_root::any), json::parse(R"({"type":"string"})"));
}

TEST(CleanSchema, EnumDefaultAndExampleValuesAreNotWalked) {
  const char* in = R"({"type":"object","properties":{"a":{"type":"object","default":{"$ref":"#/nope","x-y":1},
                       "example":{"$schema":"keep"},"enum":[{"const":1}]}}})";
  EXPECT_EQ(clean(in), json::parse(in));
}

TEST(CleanSchema, AnyOfAndAllOfBranchesAreCleanedAndKept) {
  auto s = clean(R"({"type":"object","properties":{"v":{"anyOf":[{"type":"string","$id":"x"},{"type":"null"}]},
                     "w":{"allOf":[{"$ref":"#/$defs/A"}]}},"$defs":{"A":{"type":"integer"}}})");
  EXPECT_EQ(s.at("properties"), json::parse(R"({"v":{"anyOf":[{"type":"string"},{"type":"null"}]},
                                              "w":{"allOf":[{"type":"integer"}]}})"));
}

TEST(CleanSchemaOpenapi, OnlyProtoFieldsSurviveAComplexSchema) {
  auto s = proto(R"({"$schema":"x","type":"object","additionalProperties":false,
    "$defs":{"Tag":{"type":"object","properties":{"k":{"const":"v"},"n":{"type":"integer","exclusiveMinimum":0,
      "multipleOf":2,"format":"uint32"}},"required":["k"]}},
    "properties":{
      "tags":{"type":"array","items":{"$ref":"#/$defs/Tag"},"uniqueItems":true},
      "choice":{"oneOf":[{"type":"string"},{"type":"integer"}]},
      "opt":{"anyOf":[{"type":"number"},{"type":"null"}]},
      "mode":{"enum":[1,"two",null,true]},
      "when":{"type":"string","format":"date-time"},
      "url":{"type":"string","format":"uri","examples":["https://a"]},
      "both":{"allOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},
                       {"properties":{"b":{"type":"string"}},"required":["b"]}]},
      "tuple":{"type":"array","items":[{"type":"string"},{"type":"number"}]}},
    "required":["tags","opt","mode"]})");
  EXPECT_TRUE(only_proto_keys(s)) << json::serialize(s);
  const auto& p = s.at("properties");
  EXPECT_EQ(p.at("tags").at("type"), "ARRAY");
  EXPECT_EQ(p.at("tags").at("items").at("properties").at("k"), json::parse(R"({"enum":["v"],"type":"STRING"})"));
  const auto& n = p.at("tags").at("items").at("properties").at("n").as_object();
  EXPECT_EQ(n.at("type"), "INTEGER");
  EXPECT_FALSE(n.contains("format"));
  EXPECT_NE(std::string(n.at("description").as_string()).find("exclusiveMinimum: 0"), std::string::npos);
  EXPECT_EQ(p.at("choice").at("anyOf"), json::parse(R"([{"type":"STRING"},{"type":"INTEGER"}])"));
  EXPECT_EQ(p.at("opt"), json::parse(R"({"type":"NUMBER","nullable":true})"));
  EXPECT_EQ(p.at("mode"), json::parse(R"({"enum":["1","two","true"],"type":"STRING","nullable":true})"));
  EXPECT_EQ(p.at("when"), json::parse(R"({"type":"STRING","format":"date-time"})"));
  EXPECT_EQ(p.at("url"), json::parse(R"({"type":"STRING","description":"Format: uri."})"));
  EXPECT_EQ(p.at("both"), json::parse(R"({"type":"OBJECT","properties":{"a":{"type":"STRING"},"b":{"type":"STRING"}},
                                        "required":["a","b"]})"));
  EXPECT_EQ(p.at("tuple"), json::parse(R"({"type":"ARRAY","items":{"type":"STRING"}})"));
  EXPECT_EQ(s.at("required"), json::parse(R"(["tags"])"));
}

TEST(CleanSchemaOpenapi, SeveralNonNullTypesKeepTheFirstWithANote) {
  auto s = proto(R"({"type":["string","number"],"description":"value"})", schema_root::any);
  EXPECT_EQ(s, json::parse(R"({"type":"STRING","description":"value. Accepts: string | number."})"));
}

TEST(CleanSchemaOpenapi, EmptyObjectPropertiesAreRemoved) {
  EXPECT_EQ(proto("{}"), json::parse(R"({"type":"OBJECT"})"));
  EXPECT_EQ(proto(R"({"type":"object","properties":{},"required":["x"]})"), json::parse(R"({"type":"OBJECT"})"));
}

TEST(FunctionNames, ValidityFollowsGeminisRule) {
  EXPECT_TRUE(is_valid_function_name("get_weather"));
  EXPECT_TRUE(is_valid_function_name("_x.y:z-1"));
  EXPECT_TRUE(is_valid_function_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_function_name(std::string(65, 'a')));
  EXPECT_FALSE(is_valid_function_name(""));
  EXPECT_FALSE(is_valid_function_name("1abc"));
  EXPECT_FALSE(is_valid_function_name("-abc"));
  EXPECT_FALSE(is_valid_function_name("my tool/v2"));
}

TEST(FunctionNames, SanitizeProducesValidNames) {
  EXPECT_EQ(sanitize_function_name("my tool/v2"), "my_tool_v2");
  EXPECT_EQ(sanitize_function_name("1st"), "_1st");
  EXPECT_EQ(sanitize_function_name(""), "_");
  EXPECT_EQ(sanitize_function_name("天气"), "__");
  EXPECT_EQ(sanitize_function_name("mcp__srv__tool"), "mcp__srv__tool");
  EXPECT_EQ(sanitize_function_name(std::string(100, 'b')).size(), 64u);
  for (auto n : {"a b", "9", "é", "x/y/z", "$$$"}) EXPECT_TRUE(is_valid_function_name(sanitize_function_name(n))) << n;
}

TEST(FunctionNameMap, RenamesOnlyInvalidNamesAndMapsBack) {
  function_name_map m;
  EXPECT_EQ(m.add("get"), "get");
  EXPECT_EQ(m.add("my tool/v2"), "my_tool_v2");
  EXPECT_FALSE(m.identity());
  EXPECT_EQ(m.to_client("my_tool_v2"), "my tool/v2");
  EXPECT_EQ(m.to_client("get"), "get");
  EXPECT_EQ(m.to_client("unknown"), "unknown");
  EXPECT_EQ(m.to_upstream("my tool/v2"), "my_tool_v2");
  EXPECT_EQ(m.add("my tool/v2"), "my_tool_v2");
}

TEST(FunctionNameMap, CollisionsGetDistinctSuffixes) {
  function_name_map m;
  EXPECT_EQ(m.add("a b"), "a_b");
  EXPECT_EQ(m.add("a/b"), "a_b_2");
  EXPECT_EQ(m.add("a_b"), "a_b_3");
  EXPECT_EQ(m.to_client("a_b_2"), "a/b");
  EXPECT_EQ(m.to_client("a_b_3"), "a_b");
  function_name_map long_names;
  const std::string base(70, 'x');
  const std::string first = long_names.add(base + "1");
  const std::string second = long_names.add(base + "2");
  EXPECT_NE(first, second);
  EXPECT_TRUE(is_valid_function_name(second));
}

TEST(FunctionNameMap, AllValidNamesIsIdentity) {
  function_name_map m;
  m.add("a");
  m.add("b");
  EXPECT_TRUE(m.identity());
}

}  // namespace
}  // namespace gw::translate
