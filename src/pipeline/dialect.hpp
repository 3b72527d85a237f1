// What the generic request flow needs from a client dialect: the Gemini request it translated, how to
// render the answer (whole or streamed) and how to render an error before the response is committed.
#pragma once
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "models/model_name.hpp"
#include "server/http_server.hpp"

namespace gw::pipeline {

// Parses a client's JSON body; real tool schemas nest deeper than Boost.JSON's default depth of 32.
boost::json::value parse_client_json(std::string_view body, boost::system::error_code& ec);

struct rendered {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  server::header_list headers;
};

// The response side of one request (type-erased over each dialect's pure translators).
class response_translator {
 public:
  virtual ~response_translator() = default;
  virtual result<std::string> whole(const boost::json::object& response) = 0;  // non-stream answer body
  // One upstream event, given as the unwrapped response's JSON text. Default: parse, then on_chunk.
  virtual void on_chunk_text(std::string_view json, std::string& out);
  virtual void on_chunk(const boost::json::object& response, std::string& out) = 0;
  virtual void on_finish(std::string& out) = 0;
  virtual void on_error(const error& e, std::string& out) = 0;
  virtual void heartbeat(std::string& out) = 0;
};

// Adapts a dialect's pure pieces — its response_context, stream_from_gemini and from_gemini — to
// response_translator.
template <class Context, class Stream, result<std::string> (*FromGemini)(const boost::json::object&, const Context&)>
class translator_adapter final : public response_translator {
 public:
  explicit translator_adapter(Context ctx) : ctx_(ctx), s_(std::move(ctx)) {}
  result<std::string> whole(const boost::json::object& r) override { return FromGemini(r, ctx_); }
  void on_chunk(const boost::json::object& r, std::string& out) override { s_.on_chunk(r, out); }
  void on_finish(std::string& out) override { s_.on_finish(out); }
  void on_error(const error& e, std::string& out) override { s_.on_error(e, out); }
  void heartbeat(std::string& out) override { s_.heartbeat(out); }

 private:
  Context ctx_;
  Stream s_;
};

// A dialect's rendered_error (status, body, headers) as the pipeline's rendered answer.
template <class Rendered>
rendered as_rendered(Rendered r) {
  rendered out;
  out.status = r.status;
  out.body = std::move(r.body);
  out.headers = std::move(r.headers);
  return out;
}

struct dialect_call {
  std::string dialect;                  // "gemini", "openai", "anthropic" (logs, usage)
  boost::json::object request;          // the Gemini request (not yet wrapped in the Code Assist envelope)
  models::model_spec spec;
  bool stream = false;
  std::string stream_content_type = "text/event-stream";
  std::unique_ptr<response_translator> translator;
  std::function<rendered(const error&)> render_error;
  bool repaired = false;  // the dialect already applied the model parameters and the common repairs
};

// The call for a dialect's translated request (`translated` has request, spec, stream and ctx).
template <class Translator, class Translated>
dialect_call make_call(std::string dialect, Translated&& t, rendered (*render_error)(const error&)) {
  dialect_call call;
  call.dialect = std::move(dialect);
  call.request = std::move(t.request);
  call.spec = std::move(t.spec);
  call.stream = t.stream;
  call.render_error = render_error;
  call.translator = std::make_unique<Translator>(std::move(t.ctx));
  return call;
}

}  // namespace gw::pipeline
