// Fuzz target: an Anthropic Messages body through anthropic::to_gemini (and count_tokens) and the
// pipeline's common repairs.
#include <cstdint>

#include "fuzz_support.hpp"
#include "models/model_name.hpp"
#include "translate/anthropic/messages.hpp"
#include "translate/common/repair.hpp"

using namespace gw;
namespace json = boost::json;
namespace an = gw::translate::anthropic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const models::catalog cat = models::catalog::defaults();
  static const an::alias_table aliases = an::alias_table::defaults();
  boost::system::error_code ec;
  const auto body = fuzz::parse_client_json(fuzz::as_view(data, size), ec);
  if (ec) return -1;  // the pipeline answers a JSON parse error itself; keep such inputs out of the corpus
  auto t = an::to_gemini(body, cat, aliases, an::request_env{1700000000, "fuzz123"});
  if (!t) {
    fuzz::check_client_error(t.err());
    auto r = an::render_error(t.err());
    fuzz::check(r.status == 400, "a rejected request does not render as 400");
    fuzz::must_parse(r.body, "Anthropic error body is not JSON");
  } else {
    models::apply(t->spec, t->request);
    translate::strip_thought_parts(t->request);
    translate::ensure_thought_signatures(t->request);
    fuzz::check_gemini_request(t->request, true);
    fuzz::must_parse(json::serialize(t->request), "translated request does not serialize to JSON");
  }
  auto c = an::count_tokens_contents(body, cat, aliases);
  if (!c) {
    fuzz::check_client_error(c.err());
  } else {
    json::object wrapped{{"contents", c->contents}};
    fuzz::check_gemini_request(wrapped, false);
  }
  return 0;
}
