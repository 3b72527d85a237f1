// Gemini-native stream framing; see stream.hpp.
#include "translate/gemini/stream.hpp"

#include <boost/json.hpp>

#include "sse/serializer.hpp"

namespace gw::translate::gemini {

std::string error_body(const gw::error& e) {
  boost::json::object inner;
  inner["code"] = e.http_status();
  inner["message"] = e.message;
  inner["status"] = e.canonical_status();
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return boost::json::serialize(outer);
}

void stream_from_gemini::element(std::string_view json, std::string& out) {
  if (framing_ == framing::sse) {
    sse::append_data_event(out, json);
  } else {
    out += state_ == state::before_first ? "[" : ",\r\n";
    out += json;
  }
  state_ = state::streaming;
}

void stream_from_gemini::on_chunk_text(std::string_view response_json, std::string& out) {
  if (state_ == state::ended) return;
  element(response_json, out);
}

void stream_from_gemini::on_chunk(const boost::json::object& response, std::string& out) {
  on_chunk_text(boost::json::serialize(response), out);
}

void stream_from_gemini::on_finish(std::string& out) {
  if (state_ == state::ended) return;
  if (framing_ == framing::json_array) out += state_ == state::before_first ? "[]" : "]";
  state_ = state::ended;
}

void stream_from_gemini::on_error(const gw::error& e, std::string& out) {
  if (state_ == state::ended) return;
  element(error_body(e), out);
  if (framing_ == framing::json_array) out += "]";
  state_ = state::ended;
}

void stream_from_gemini::heartbeat(std::string& out) {
  if (state_ == state::ended) return;
  if (framing_ == framing::sse)
    sse::append_comment(out, "keep-alive");
  else if (state_ == state::streaming)
    out += "\r\n";  // whitespace between elements; before '[' nothing may be sent to array clients
}

}  // namespace gw::translate::gemini
