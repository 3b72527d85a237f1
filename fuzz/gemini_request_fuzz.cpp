// Fuzz target: a Gemini-native body through gemini::request_to_upstream and count_tokens_contents, with the
// model-name parameters applied as the pipeline does.
#include <cstdint>

#include "fuzz_support.hpp"
#include "models/model_name.hpp"
#include "translate/gemini/native.hpp"
#include "translate/gemini/stream.hpp"

using namespace gw;
namespace json = boost::json;
namespace gm = gw::translate::gemini;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const models::catalog cat = models::catalog::defaults();
  static const models::model_spec spec = models::parse("gemini-2.5-pro-maxthinking-search", cat);
  boost::system::error_code ec;
  const auto body = fuzz::parse_client_json(fuzz::as_view(data, size), ec);
  if (ec) return -1;  // the pipeline answers a JSON parse error itself; keep such inputs out of the corpus
  const bool gemini3 = fuzz::fnv1a(fuzz::as_view(data, size)) & 1;
  auto r = gm::request_to_upstream(body, gm::native_options{gemini3});
  if (!r) {
    fuzz::check_client_error(r.err());
    fuzz::must_parse(gm::error_body(r.err()), "Gemini error body is not JSON");
  } else {
    models::apply(spec, *r);
    fuzz::check_gemini_request(*r, false);
    fuzz::must_parse(json::serialize(*r), "repaired request does not serialize to JSON");
  }
  auto c = gm::count_tokens_contents(body);
  if (!c) {
    fuzz::check_client_error(c.err());
  } else {
    json::object wrapped{{"contents", std::move(*c)}};
    fuzz::check_gemini_request(wrapped, false);
  }
  return 0;
}
