// One choice's view of Gemini candidates: the deltas both the whole and the streamed response are made of.
#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "translate/openai/chat.hpp"

namespace gw::translate::openai::detail {

enum class delta_kind { reasoning, content, tool_call };

struct delta {
  delta_kind kind = delta_kind::content;
  std::string text;               // reasoning or content text
  boost::json::object tool_call;  // {index, id, type, function{name, arguments}, extra_content?}
  boost::json::value grounding;   // the candidate's groundingMetadata, on the delta that carries the sources
};

// The parts of successive chunks of one candidate, turned into deltas in order. Keeps what spans chunks:
// the tool-call ordinal, a signature seen before the first call, the last content character (so fenced blocks
// start on their own line), the last groundingMetadata and the finishReason.
class choice_state {
 public:
  explicit choice_state(int index) : index_(index) {}

  void consume(const boost::json::object& candidate, const response_context& ctx, std::vector<delta>& out);
  // The closing deltas (the sources of the grounding metadata, if any) and the OpenAI finish_reason.
  std::string finish(std::vector<delta>& out);

  bool finish_seen() const noexcept { return gemini_finish_.has_value(); }
  int index() const noexcept { return index_; }
  bool called() const noexcept { return calls_ > 0; }

 private:
  void content(std::string text, std::vector<delta>& out);
  void block(std::string text, std::vector<delta>& out);  // starts on a new line

  int index_;
  int calls_ = 0;
  std::string pending_signature_;  // from a thought / empty-text part before the first call
  char last_char_ = 0;
  boost::json::value grounding_;
  std::optional<std::string> gemini_finish_;
};

// Gemini finishReason (empty when none) -> OpenAI finish_reason (translation.md §7.11).
std::string_view finish_reason(std::string_view gemini, bool called) noexcept;

struct usage_counts {
  std::int64_t prompt = 0, candidates = 0, thoughts = 0, cached = 0, tool_use = 0;
};
// nullopt when usageMetadata has no counts (Code Assist's interim {"trafficType":...}).
std::optional<usage_counts> read_usage(const boost::json::object& response);
boost::json::object usage_json(const usage_counts& u);

}  // namespace gw::translate::openai::detail
