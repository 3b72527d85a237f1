// Sans-I/O Server-Sent Events parser: bytes in (split anywhere), complete events out, only the unfinished tail kept.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace gw::sse {

// One dispatched event. The views are valid only while the callback runs: they point either into
// the buffer passed to feed() (the usual, zero-copy case) or into the parser's own storage.
struct event {
  std::string_view name;  // the "event:" field of this event, empty if none (the spec's "message")
  std::string_view data;  // data lines joined with '\n'
  std::string_view id;    // the "id:" field of this event, empty if none (not carried over between events)
};

// Follows the WHATWG event-stream grammar for what a gateway needs: LF, CRLF and lone CR line
// endings; one leading space after the colon removed; ":" comments, "retry:" and unknown fields
// ignored; a leading UTF-8 BOM skipped. Deviation, on purpose: an event with at least one data
// line is reported even when its data is empty (the spec drops it); an event without data lines
// is not. Not reentrant: on_event must not call back into the same parser.
class parser {
 public:
  static constexpr std::size_t default_max_event_bytes = std::size_t{64} << 20;

  explicit parser(std::size_t max_event_bytes = default_max_event_bytes) noexcept
      : max_event_bytes_(max_event_bytes) {}

  // Calls on_event(const event&) for every event completed by these bytes. After an overflow the
  // parser ignores input until reset().
  template <class F>
  void feed(std::string_view bytes, F&& on_event) {
    cursor c(bytes);
    while (next_event(c)) {
      on_event(std::as_const(current_));
      end_event();
    }
  }

  // True if bytes that do not yet form a complete event are held: an incomplete line, or field
  // lines not yet closed by a blank line. Comment lines alone do not count. The stream's producer
  // ends every event with a blank line, so true at end of stream means it was cut short.
  bool has_partial() const noexcept { return !line_.empty() || started_; }
  // Forgets everything, including an overflow; the next byte is treated as a stream start.
  void reset();
  // True once one event (counting its lines since the previous blank line) exceeded the cap.
  bool overflowed() const noexcept { return overflowed_; }
  std::size_t max_event_bytes() const noexcept { return max_event_bytes_; }

 private:
  // Where a field's view points; input-backed views are copied out before feed() returns.
  enum class home { none, input, held, own };

  // Position in the buffer of one feed() call, with the next '\n' and '\r' cached so a stream
  // using only one kind of line ending is scanned once, by memchr, not once per line.
  struct cursor {
    explicit cursor(std::string_view b) noexcept;
    std::string_view in;
    std::size_t pos = 0;
    std::size_t lf;
    std::size_t cr;
  };

  bool next_event(cursor& c);
  void field_line(std::string_view line, bool from_line_buffer);
  void add_data(std::string_view value, bool from_line_buffer);
  static void set_single(std::string_view value, bool from_line_buffer, std::string_view& view, home& where,
                         std::string& own);
  void keep_views();  // copies input-backed views into own storage at the end of a feed
  void end_event();

  event current_;
  // Fields of the event being read.
  std::string_view name_, id_, data_;
  home name_home_ = home::none, id_home_ = home::none, data_home_ = home::none;
  std::size_t data_lines_ = 0;
  bool started_ = false;          // a field line was read since the last blank line
  std::size_t event_bytes_ = 0;   // bytes of completed lines since the last blank line
  // Storage for what outlives one feed() call.
  std::string line_;              // an incomplete line
  std::string held_;              // a completed line whose data is viewed in place (swapped out of line_)
  std::string name_own_, id_own_, data_own_;
  bool skip_lf_ = false;          // the last byte seen was a CR ending a line: a following LF belongs to it
  bool first_line_ = true;        // BOM check pending
  bool overflowed_ = false;
  std::size_t max_event_bytes_;
};

}  // namespace gw::sse
