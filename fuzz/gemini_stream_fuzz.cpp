// Fuzz target: an upstream Code Assist SSE byte stream through the pipeline's pump into the Gemini-native
// gemini::stream_from_gemini, in both framings; SSE output is one JSON object per event, array output one
// JSON array, the same however the upstream bytes were split.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "translate/gemini/stream.hpp"

using namespace gw;
namespace json = boost::json;
using fuzz::check;
namespace gm = gw::translate::gemini;

namespace {

void check_stream(const std::string& out, gm::framing f, fuzz::stream_end end) {
  if (f == gm::framing::json_array) {
    const json::value v = fuzz::must_parse(out, "array framing output is not one JSON value");
    check(v.is_array(), "array framing output is not a JSON array", out);
    const auto& a = v.get_array();
    for (const auto& e : a) check(e.is_object(), "an array element is not an object", out);
    if (end != fuzz::stream_end::finished)
      check(!a.empty() && a.back().get_object().contains("error"), "a failed stream's last element is no error",
            out);
    return;
  }
  const auto events = fuzz::read_events(out);
  for (const auto& ev : events) {
    check(ev.name.empty(), "an event: line in the native stream", out);
    const json::value v = fuzz::must_parse(ev.data, "an event's data is not JSON");
    check(v.is_object(), "an event's data is not an object", ev.data);
  }
  if (end != fuzz::stream_end::finished) {
    check(!events.empty(), "a failed stream has no error event", out);
    const json::value v = fuzz::must_parse(events.back().data, "error event is not JSON");
    const json::object& o = v.get_object();
    const json::value* e = o.if_contains("error");
    check(o.size() == 1 && e && e->is_object() && e->get_object().contains("code") &&
              e->get_object().contains("message") && e->get_object().contains("status"),
          "a failed stream does not end with Google's error body", out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  const std::uint64_t h = fuzz::fnv1a(in);
  for (gm::framing f : {gm::framing::sse, gm::framing::json_array}) {
    std::string whole;
    gm::stream_from_gemini a(f);
    const auto end = fuzz::pump(a, in, {}, whole);
    check_stream(whole, f, end);

    const bool beat = (h >> 8) & 1;
    std::string split;
    gm::stream_from_gemini b(f);
    const auto end_split = fuzz::pump(b, in, fuzz::cuts_from_hash(h >> 12, size), split,
                                      beat ? std::optional<std::size_t>(0) : std::nullopt);
    check(end_split == end, "splitting the upstream bytes changes how the stream ends");
    check_stream(split, f, end_split);
    if (!beat) check(split == whole, "splitting the upstream bytes changes the output", whole + "\n----\n" + split);
  }
  return 0;
}
