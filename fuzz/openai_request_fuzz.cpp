// Fuzz target: an OpenAI Chat Completions body through openai::to_gemini and the pipeline's common repairs.
#include <cstdint>

#include "fuzz_support.hpp"
#include "models/model_name.hpp"
#include "translate/common/repair.hpp"
#include "translate/openai/chat.hpp"

using namespace gw;
namespace json = boost::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const models::catalog cat = models::catalog::defaults();
  boost::system::error_code ec;
  const auto body = fuzz::parse_client_json(fuzz::as_view(data, size), ec);
  if (ec) return -1;  // the pipeline answers a JSON parse error itself; keep such inputs out of the corpus
  for (bool openapi : {false, true}) {
    auto t = translate::openai::to_gemini(body, cat, translate::openai::request_env{1700000000, "fuzz123", openapi});
    if (!t) {
      fuzz::check_client_error(t.err());
      auto r = translate::openai::render_error(t.err());
      fuzz::check(r.status == 400, "a rejected request does not render as 400");
      fuzz::must_parse(r.body, "OpenAI error body is not JSON");
      continue;
    }
    // What pipeline::gateway::execute does before sending.
    models::apply(t->spec, t->request);
    translate::strip_thought_parts(t->request);
    translate::ensure_thought_signatures(t->request);
    fuzz::check_gemini_request(t->request, true);
    fuzz::must_parse(json::serialize(t->request), "translated request does not serialize to JSON");
  }
  return 0;
}
