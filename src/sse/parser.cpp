// Sans-I/O Server-Sent Events parser: line scanning, field handling and the tail kept between feeds.
#include "sse/parser.hpp"

#include <algorithm>
#include <cstring>

namespace gw::sse {
namespace {

constexpr std::size_t npos = std::string_view::npos;
// Buffers that grew past this for one huge event are released afterwards, so a stream does not
// pin its largest event's memory for its whole life.
constexpr std::size_t keep_capacity = std::size_t{1} << 20;
constexpr std::string_view bom = "\xEF\xBB\xBF";

std::size_t find_byte(std::string_view s, std::size_t from, char ch) noexcept {
  if (from >= s.size()) return npos;
  const void* p = std::memchr(s.data() + from, ch, s.size() - from);
  return p ? static_cast<std::size_t>(static_cast<const char*>(p) - s.data()) : npos;
}

void release_if_huge(std::string& s) {
  if (s.capacity() > keep_capacity) {
    s.clear();
    s.shrink_to_fit();
  }
}

}  // namespace

parser::cursor::cursor(std::string_view b) noexcept
    : in(b), lf(find_byte(b, 0, '\n')), cr(find_byte(b, 0, '\r')) {}

void parser::reset() {
  current_ = {};
  name_ = id_ = data_ = {};
  name_home_ = id_home_ = data_home_ = home::none;
  data_lines_ = 0;
  started_ = false;
  event_bytes_ = 0;
  line_.clear();
  held_.clear();
  name_own_.clear();
  id_own_.clear();
  data_own_.clear();
  skip_lf_ = false;
  first_line_ = true;
  overflowed_ = false;
}

bool parser::next_event(cursor& c) {
  if (overflowed_) return false;
  const std::string_view in = c.in;
  if (skip_lf_ && c.pos < in.size()) {
    if (in[c.pos] == '\n') ++c.pos;
    skip_lf_ = false;
  }
  while (true) {
    if (c.lf < c.pos) c.lf = find_byte(in, c.pos, '\n');
    if (c.cr < c.pos) c.cr = find_byte(in, c.pos, '\r');
    const std::size_t eol = std::min(c.lf, c.cr);
    if (eol == npos) {
      // No complete line left: keep the tail, and copy out whatever still views the caller's buffer.
      const std::size_t rest = in.size() - c.pos;
      if (rest != 0) {
        if (event_bytes_ + line_.size() + rest > max_event_bytes_) {
          overflowed_ = true;
          return false;
        }
        line_.append(in.data() + c.pos, rest);
      }
      c.pos = in.size();
      keep_views();
      return false;
    }

    std::size_t next = eol + 1;
    if (in[eol] == '\r') {
      if (next < in.size()) {
        if (in[next] == '\n') ++next;
      } else {
        skip_lf_ = true;
      }
    }
    std::string_view line = in.substr(c.pos, eol - c.pos);
    const bool from_line_buffer = !line_.empty();
    if (from_line_buffer) {
      if (event_bytes_ + line_.size() + line.size() > max_event_bytes_) {
        overflowed_ = true;
        return false;
      }
      line_.append(line);
      line = line_;
    }
    c.pos = next;

    if (first_line_) {
      first_line_ = false;
      if (line.substr(0, bom.size()) == bom) line.remove_prefix(bom.size());
    }

    if (line.empty()) {  // blank line: the event, if any, is complete
      if (from_line_buffer) line_.clear();  // only a lone BOM can get here
      if (data_lines_ != 0) {
        current_ = event{name_, data_, id_};
        return true;
      }
      end_event();
      continue;
    }

    event_bytes_ += line.size() + 1;
    if (event_bytes_ > max_event_bytes_) {
      overflowed_ = true;
      return false;
    }
    if (line.front() != ':') field_line(line, from_line_buffer);
    if (from_line_buffer) line_.clear();
  }
}

void parser::field_line(std::string_view line, bool from_line_buffer) {
  started_ = true;
  const std::size_t colon = find_byte(line, 0, ':');
  const std::string_view field = line.substr(0, colon);
  // Empty, but pointing into the line: add_data takes the value's offset in the line buffer.
  std::string_view value = line.substr(line.size());
  if (colon != npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    add_data(value, from_line_buffer);
  } else if (field == "event") {
    set_single(value, from_line_buffer, name_, name_home_, name_own_);
  } else if (field == "id") {
    // The spec ignores an id holding NUL, since it could not be sent back in Last-Event-ID.
    if (find_byte(value, 0, '\0') == npos) set_single(value, from_line_buffer, id_, id_home_, id_own_);
  }
  // "retry" and unknown fields: nothing a gateway reading one response needs.
}

void parser::add_data(std::string_view value, bool from_line_buffer) {
  if (data_lines_ == 0) {
    if (from_line_buffer) {
      // The line was assembled in line_; take that buffer instead of copying the payload again.
      // The offset is recomputed because a short (SSO) string moves its bytes when swapped.
      const std::size_t offset = static_cast<std::size_t>(value.data() - line_.data());
      held_.swap(line_);
      data_ = std::string_view(held_).substr(offset, value.size());
      data_home_ = home::held;
    } else {
      data_ = value;
      data_home_ = home::input;
    }
  } else {
    if (data_home_ != home::own) {
      data_own_.assign(data_);
      data_home_ = home::own;
    }
    data_own_ += '\n';
    data_own_ += value;
    data_ = data_own_;
  }
  ++data_lines_;
}

void parser::set_single(std::string_view value, bool from_line_buffer, std::string_view& view, home& where,
                        std::string& own) {
  if (from_line_buffer) {
    own.assign(value);
    view = own;
    where = home::own;
  } else {
    view = value;
    where = home::input;
  }
}

void parser::keep_views() {
  if (data_home_ == home::input) {
    data_own_.assign(data_);
    data_ = data_own_;
    data_home_ = home::own;
  }
  if (name_home_ == home::input) {
    name_own_.assign(name_);
    name_ = name_own_;
    name_home_ = home::own;
  }
  if (id_home_ == home::input) {
    id_own_.assign(id_);
    id_ = id_own_;
    id_home_ = home::own;
  }
}

void parser::end_event() {
  current_ = {};
  name_ = id_ = data_ = {};
  name_home_ = id_home_ = data_home_ = home::none;
  data_lines_ = 0;
  started_ = false;
  event_bytes_ = 0;
  release_if_huge(held_);
  release_if_huge(line_);
  release_if_huge(data_own_);
}

}  // namespace gw::sse
