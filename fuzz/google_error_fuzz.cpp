// Fuzz target: upstream::classify_google_error (and the duration / timestamp parsers it uses) on any body,
// and the classified error rendered by each dialect.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "translate/anthropic/messages.hpp"
#include "translate/gemini/stream.hpp"
#include "translate/openai/chat.hpp"

using namespace gw;
namespace json = boost::json;
using fuzz::check;

namespace {

void check_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (name != "Retry-After") continue;
    check(!value.empty() && value.size() <= 19 && value.find_first_not_of("0123456789") == std::string::npos &&
              value != "0",
          "Retry-After is not a positive whole number of seconds", value);
  }
}

void check_error(const gw::error& e) {
  check(e.source == error_source::upstream, "a Google error not attributed to the upstream", e.message);
  check(e.http_status() >= 400 && e.http_status() <= 599, "classified error maps to a non-error HTTP status",
        std::to_string(e.http_status()));
  if (e.retry_after) check(e.retry_after->count() >= 0, "negative retry delay", std::to_string(e.retry_after->count()));
  auto o = translate::openai::render_error(e);
  fuzz::must_parse(o.body, "OpenAI error body is not JSON");
  check_headers(o.headers);
  auto a = translate::anthropic::render_error(e);
  fuzz::must_parse(a.body, "Anthropic error body is not JSON");
  check_headers(a.headers);
  fuzz::must_parse(translate::gemini::error_body(e), "Gemini error body is not JSON");
  // In-stream renderings too: the error may arrive after the response was committed.
  std::string out;
  translate::openai::response_context oc;
  oc.model = "m";
  translate::openai::stream_from_gemini os(oc);
  os.on_error(e, out);
  translate::anthropic::stream_from_gemini as(translate::anthropic::response_context{});
  as.on_error(e, out);
  for (const auto& ev : fuzz::read_events(out)) fuzz::must_parse(ev.data, "in-stream error event is not JSON");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  const std::uint64_t h = fuzz::fnv1a(in);
  static constexpr int statuses[] = {400, 401, 403, 404, 429, 500, 503, 504};
  // 200: an error object inside a 200 stream (the status then comes from error.code).
  for (int status : {200, statuses[h % 8]}) check_error(upstream::classify_google_error(status, in, fuzz::fixed_now_ms));
  boost::system::error_code ec;
  const json::value v = json::parse(in, ec);
  if (!ec) check_error(upstream::classify_parsed_google_error(statuses[(h >> 3) % 8], v, fuzz::fixed_now_ms));
  // The field parsers alone, on short inputs (the values they read are short strings).
  if (size <= 64) {
    if (auto d = upstream::parse_duration(in)) check(d->count() >= 0, "negative duration", in);
    upstream::parse_rfc3339_ms(in);
  }
  return 0;
}
