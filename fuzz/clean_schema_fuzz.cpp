// Fuzz target: translate::clean_schema / clean_schema_openapi on any JSON (cycles, reference bombs, deep
// nesting), and the function-name sanitizer on the raw input.
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_support.hpp"
#include "translate/common/schema.hpp"

using namespace gw;
namespace json = boost::json;
using fuzz::check;
namespace tr = gw::translate;

namespace {

// Serialized size bound: refs are inlined up to a node budget, so the output may grow, but boundedly.
void check_size(const json::object& o, std::size_t input_size, std::string_view what) {
  const std::string s = json::serialize(o);
  check(s.size() <= 64 * 1024 * 1024, what, std::to_string(s.size()) + " bytes from " + std::to_string(input_size));
  fuzz::must_parse(s, "cleaned schema does not serialize to JSON");
}

std::string_view type_of(const json::object& o) {
  const json::value* t = o.if_contains("type");
  return t && t->is_string() ? std::string_view(t->get_string()) : std::string_view{};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  {
    const std::string name = tr::sanitize_function_name(in);
    check(tr::is_valid_function_name(name), "sanitize_function_name gives an invalid name", name);
    if (tr::is_valid_function_name(in)) check(name == in, "sanitize_function_name changed a valid name", in);
    tr::function_name_map map;
    const std::string a = map.add(in), b = map.add(name), c = map.add(std::string(in) + "x");
    std::set<std::string> distinct{a, b, c};
    std::set<std::string> clients{std::string(in), name, std::string(in) + "x"};
    check(distinct.size() == clients.size(), "two client names map to one upstream name", in);
    check(map.to_client(a) == in && map.to_client(b) == name, "upstream names do not map back", in);
  }
  boost::system::error_code ec;
  const json::value v = fuzz::parse_client_json(in, ec);
  if (ec) return 0;
  // The documented root repairs: a non-object or empty input, or an object without a type (and without
  // keywords that imply one: enum/const become a STRING enum, a combinator leaves the type to its branches).
  bool untyped_root = !v.is_object() || v.get_object().empty();
  if (const json::object* o = v.if_object()) {
    untyped_root = untyped_root || !(o->contains("type") || o->contains("enum") || o->contains("const") ||
                                     o->contains("anyOf") || o->contains("oneOf") || o->contains("allOf") ||
                                     o->contains("$ref"));
  }
  for (auto root : {tr::schema_root::function_parameters, tr::schema_root::any}) {
    const json::object s = tr::clean_schema(v, root);
    check_size(s, size, "clean_schema output is unbounded");
    if (root == tr::schema_root::function_parameters && untyped_root)
      check(type_of(s) == "object", "function parameters root is not an object schema", json::serialize(s));
    const json::object o = tr::clean_schema_openapi(v, root);
    check_size(o, size, "clean_schema_openapi output is unbounded");
    if (root == tr::schema_root::function_parameters && untyped_root)
      check(type_of(o) == "OBJECT", "OpenAPI function parameters root is not an OBJECT schema", json::serialize(o));
  }
  return 0;
}
