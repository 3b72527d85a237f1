// Server-Sent Events writer: framing of data events, named events and comments.
#include "sse/serializer.hpp"

#include <cstring>

namespace gw::sse {
namespace {

bool has_line_break(std::string_view s) noexcept {
  return std::memchr(s.data(), '\n', s.size()) != nullptr || std::memchr(s.data(), '\r', s.size()) != nullptr;
}

// Writes value as one "<prefix><line>\n" per line, treating LF, CRLF and CR as line breaks, the
// way a reader will split them.
void append_lines(std::string& out, std::string_view prefix, std::string_view value) {
  std::size_t start = 0;
  while (true) {
    std::size_t i = start;
    while (i < value.size() && value[i] != '\n' && value[i] != '\r') ++i;
    out.append(prefix);
    out.append(value.data() + start, i - start);
    out.push_back('\n');
    if (i == value.size()) return;
    start = i + 1;
    if (value[i] == '\r' && start < value.size() && value[start] == '\n') ++start;
  }
}

}  // namespace

void append_data_event(std::string& out, std::string_view json_one_line) {
  if (!has_line_break(json_one_line)) {
    out.append("data: ");
    out.append(json_one_line);
    out.append("\n\n");
    return;
  }
  append_lines(out, "data: ", json_one_line);
  out.push_back('\n');
}

void append_event(std::string& out, std::string_view name, std::string_view data) {
  if (const std::size_t cut = name.find_first_of("\r\n"); cut != std::string_view::npos) name = name.substr(0, cut);
  if (!name.empty()) {
    out.append("event: ");
    out.append(name);
    out.push_back('\n');
  }
  if (!has_line_break(data)) {
    out.append("data: ");
    out.append(data);
    out.append("\n\n");
    return;
  }
  append_lines(out, "data: ", data);
  out.push_back('\n');
}

void append_comment(std::string& out, std::string_view text) {
  if (text.empty()) {
    out.append(":\n\n");
    return;
  }
  append_lines(out, ": ", text);
  out.push_back('\n');
}

}  // namespace gw::sse
