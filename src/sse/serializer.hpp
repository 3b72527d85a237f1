// Server-Sent Events writer: appends framed events to a caller-owned output string.
#pragma once
#include <string>
#include <string_view>

namespace gw::sse {

// All functions only append to out, so a caller that reserves once per upstream read makes one
// client write per read without further allocations. A line break inside a value never breaks the
// framing: data is split into several "data:" lines (which a reader joins back with '\n'), a
// comment into several comment lines, and an event name is cut at its first line break.

// "data: " + json + "\n\n". The JSON is expected on one line (Boost.JSON serialize output).
void append_data_event(std::string& out, std::string_view json_one_line);
// "event: name\ndata: ...\n\n"; no event line when name is empty.
void append_event(std::string& out, std::string_view name, std::string_view data);
// ": text\n\n", a heartbeat that every SSE client ignores.
void append_comment(std::string& out, std::string_view text);

}  // namespace gw::sse
