// Gemini parts -> Anthropic content blocks, shared by the whole-message and the streaming translators.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "translate/anthropic/context.hpp"

namespace gw::translate::anthropic {

// Assembles content blocks from the parts of candidate 0, in order, one part at a time. In stream mode
// (`out` given) it appends content_block_start / _delta / _stop events as blocks open, grow and close; in
// whole mode (`out` null) it builds the content array. Both modes make the same blocks from the same parts
// (the tests check that a stream's blocks equal the whole message's). See messages.hpp for the rules.
class block_assembler {
 public:
  enum class kind : std::uint8_t { none, text, thinking };

  explicit block_assembler(const response_context& ctx) : ctx_(&ctx) {}
  void rebind(const response_context& ctx) noexcept { ctx_ = &ctx; }

  void on_part(const boost::json::object& part, std::string* out);
  // Closes the open block (with its signature_delta if it has a signature).
  void close(std::string* out);

  bool saw_tool_use() const noexcept { return tool_uses_ > 0; }
  boost::json::array& blocks() noexcept { return blocks_; }

 private:
  void open(kind k, std::string* out);
  void append(std::string_view text, std::string* out);
  void tool_use(const boost::json::object& call, std::string_view signature, std::string* out);
  void signature_block(std::string_view signature, std::string* out);

  const response_context* ctx_;
  kind open_ = kind::none;
  int index_ = -1;             // index of the open (or last) block
  std::string signature_;      // Gemini signature for the open thinking block
  std::string pending_;        // a signature that arrived with no thinking block open, for what comes next
  int tool_uses_ = 0;
  boost::json::array blocks_;  // whole mode
};

// The Anthropic stop_reason for a candidate's finishReason (empty when none came).
std::string_view stop_reason(std::string_view finish_reason, bool saw_tool_use, bool prompt_blocked);

// Anthropic usage from Gemini usageMetadata values: input = prompt - cached, output = candidates + thoughts.
boost::json::object usage_json(std::int64_t prompt, std::int64_t cached, std::int64_t candidates,
                               std::int64_t thoughts);

}  // namespace gw::translate::anthropic
