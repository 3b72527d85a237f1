// Fuzz target: the model-name grammar (models::parse, apply) with a fuzzed operator catalog and request.
// Input: "<model name>\n<catalog JSON>\n<request JSON>"; missing parts use the defaults.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "models/catalog.hpp"
#include "models/model_name.hpp"

using namespace gw;
namespace json = boost::json;
using fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const models::catalog defaults = models::catalog::defaults();
  std::string_view in = fuzz::as_view(data, size);
  auto next_line = [&in]() {
    const auto nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
    return line;
  };
  const std::string_view name = next_line();
  const std::string_view catalog_text = next_line();
  const std::string_view request_text = in;

  const models::catalog* cat = &defaults;
  models::catalog configured;
  boost::system::error_code ec;
  if (!catalog_text.empty()) {
    const json::value cv = json::parse(catalog_text, ec);
    if (!ec) {
      if (auto c = models::catalog::from_json(cv)) {
        configured = std::move(*c);
        cat = &configured;
        for (const auto& m : configured.models()) check(!m.id.empty(), "catalog accepted an empty id");
      }
    }
  }

  const models::model_spec spec = models::parse(name, *cat);
  const std::string_view bare = name.starts_with("models/") ? name.substr(7) : name;
  check(spec.requested == bare, "requested is not the name as written", name);
  check(spec.upstream == cat->upstream_id_for(spec.base), "upstream id is not the catalog's mapping of the base",
        name);
  // The base ends where parsing stopped: parsing it again finds no parameter.
  const models::model_spec again = models::parse(spec.base, *cat);
  check(again.params.empty(), "the parsed base still has parameters", spec.base);
  models::is_gemini3(spec.upstream);

  json::object request;
  if (!request_text.empty()) {
    json::value rv = json::parse(request_text, ec);
    if (!ec && rv.is_object()) request = std::move(rv.get_object());
  }
  models::apply(spec, request);
  if (const json::value* gc = request.if_contains("generationConfig"); gc && gc->is_object()) {
    if (const json::value* tc = gc->get_object().if_contains("thinkingConfig"); tc && tc->is_object()) {
      const auto& t = tc->get_object();
      check(!(t.contains("thinkingBudget") && t.contains("thinkingLevel")),
            "thinkingBudget and thinkingLevel both set", json::serialize(request));
      if (spec.thinking_budget)
        check(t.contains("thinkingBudget") && t.at("thinkingBudget") == json::value(*spec.thinking_budget),
              "the name's budget was not applied", json::serialize(request));
      if (spec.thinking_level)
        check(t.contains("thinkingLevel") && t.at("thinkingLevel") == json::value(*spec.thinking_level),
              "the name's level was not applied", json::serialize(request));
    }
  }
  if (spec.search) {
    const json::value* tools = request.if_contains("tools");
    check(tools && tools->is_array(), "-search did not leave a tools array", json::serialize(request));
  }
  json::serialize(request);
  return 0;
}
