// Fuzz target: gw::sse::parser gives the same events however the bytes are split, and serializer output
// parses back to the same events.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "sse/parser.hpp"
#include "sse/serializer.hpp"

namespace {

using namespace gw;
namespace json = boost::json;
using gw::fuzz::check;

struct outcome {
  std::vector<std::string> events;  // name, data, id joined with a separator that cannot occur in them
  bool partial = false;
  bool overflowed = false;
  // After an overflow the parser ignores input (the pipeline stops reading), so the tail state is moot.
  bool operator==(const outcome& o) const {
    return events == o.events && overflowed == o.overflowed && (overflowed || partial == o.partial);
  }
};

std::string describe(const sse::event& ev) {
  std::string s;
  s.reserve(ev.name.size() + ev.data.size() + ev.id.size() + 2);
  s.append(ev.name).push_back('\n');  // no field can hold a line break except data's joins: '\n' separates
  s.append(ev.id).push_back('\n');
  s.append(ev.data);
  return s;
}

// Feeds `in` cut at `cuts` (sorted positions).
outcome run(std::string_view in, const std::vector<std::size_t>& cuts, std::size_t cap) {
  sse::parser p(cap);
  outcome o;
  std::size_t from = 0;
  auto on_event = [&](const sse::event& ev) {
    check(ev.name.find_first_of("\r\n") == std::string_view::npos, "event name holds a line break");
    check(ev.id.find_first_of("\r\n") == std::string_view::npos, "event id holds a line break");
    check(ev.data.find('\r') == std::string_view::npos, "event data holds a CR");
    o.events.push_back(describe(ev));
  };
  for (std::size_t c : cuts) {
    p.feed(in.substr(from, c - from), on_event);
    from = c;
  }
  p.feed(in.substr(from), on_event);
  o.partial = p.has_partial();
  o.overflowed = p.overflowed();
  return o;
}

std::string explain(const outcome& a, const outcome& b, std::size_t cap, const std::vector<std::size_t>& cuts) {
  std::string s = "cap " + std::to_string(cap) + ", cuts";
  for (auto c : cuts) s += " " + std::to_string(c);
  for (const outcome* o : {&a, &b}) {
    s += "\n" + std::string(o == &a ? "whole" : "split") + ": " + std::to_string(o->events.size()) +
         " events, partial " + std::to_string(o->partial) + ", overflowed " + std::to_string(o->overflowed);
  }
  for (std::size_t i = 0; i < std::min(a.events.size(), b.events.size()); ++i)
    if (a.events[i] != b.events[i]) {
      s += "\nfirst difference at event " + std::to_string(i) + ":\n" + a.events[i] + "\n----\n" + b.events[i];
      break;
    }
  return s;
}

void same(const outcome& whole, std::string_view in, const std::vector<std::size_t>& cuts, std::size_t cap,
          std::string_view what) {
  const outcome o = run(in, cuts, cap);
  if (!(o == whole)) gw::fuzz::fail(what, explain(whole, o, cap, cuts));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  const std::uint64_t h = fuzz::fnv1a(in);
  // The default cap, and a small one so that overflow and its recovery are explored too.
  const std::size_t caps[] = {sse::parser::default_max_event_bytes, 1 + (h >> 32) % 512};
  std::string with_blank;  // outlives the loop: `in` may view it
  for (std::size_t cap : caps) {
    // A leading BOM counts toward the cap while it sits in the line buffer (split) but not once the whole
    // first line is seen: a 3-byte slack, moot at the real 64 MB cap. Small caps read such an input after a
    // blank line, which turns the BOM into plain content.
    if (cap != sse::parser::default_max_event_bytes && in.starts_with("\xEF\xBB\xBF")) {
      with_blank = "\n" + std::string(in);
      in = with_blank;
    }
    const std::size_t n = in.size();
    const outcome whole = run(in, {}, cap);
    same(whole, in, fuzz::cuts_from_hash(h, n), cap, "one split changes the events");
    // Two more cut points; and every byte alone for inputs small enough to keep the target fast.
    std::vector<std::size_t> three = {static_cast<std::size_t>(h % (n + 1)),
                                      static_cast<std::size_t>((h >> 20) % (n + 1)),
                                      static_cast<std::size_t>((h >> 40) % (n + 1))};
    std::sort(three.begin(), three.end());
    same(whole, in, three, cap, "three splits change the events");
    if (n <= 1024) {
      std::vector<std::size_t> each;
      for (std::size_t i = 1; i < n; ++i) each.push_back(i);
      same(whole, in, each, cap, "feeding byte by byte changes the events");
    }
    if (whole.overflowed) continue;
    // Each event, written back by the serializer, reads back the same (the id is not serialized).
    sse::parser back;
    std::string out;
    for (const auto& e : whole.events) {
      const auto nl1 = e.find('\n');
      const auto nl2 = e.find('\n', nl1 + 1);
      const std::string_view name = std::string_view(e).substr(0, nl1);
      const std::string_view ev_data = std::string_view(e).substr(nl2 + 1);
      out.clear();
      sse::append_event(out, name, ev_data);
      int n = 0;
      back.feed(out, [&](const sse::event& ev) {
        ++n;
        check(ev.name == name && ev.data == ev_data, "serializer output reads back differently", out);
      });
      check(n == 1 && !back.has_partial(), "serializer output is not exactly one event", out);
    }
  }
  return 0;
}
