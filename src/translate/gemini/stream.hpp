// The Gemini-native response side: the unwrapped GenerateContentResponse is already what the client
// wants, so the stream translator only frames it (SSE events or one JSON array) and ends it honestly.
#pragma once
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gw::translate::gemini {

// Google's error body {"error":{"code","message","status"}}.
std::string error_body(const gw::error& e);

enum class framing { sse, json_array };

class stream_from_gemini {
 public:
  explicit stream_from_gemini(framing f) : framing_(f) {}
  // One unwrapped GenerateContentResponse as JSON text (no re-serialisation on the hot path).
  void on_chunk_text(std::string_view response_json, std::string& out);
  void on_chunk(const boost::json::object& response, std::string& out);
  void on_finish(std::string& out);
  // Mid-stream failure: a final {"error":...} event (SSE) or array element, then the end. Never a fake success.
  void on_error(const gw::error& e, std::string& out);
  // SSE comment during upstream silence; whitespace inside the JSON array (insignificant to parsers).
  void heartbeat(std::string& out);

 private:
  enum class state { before_first, streaming, ended };
  void element(std::string_view json, std::string& out);
  framing framing_;
  state state_ = state::before_first;
};

}  // namespace gw::translate::gemini
