// HTTP/1.1 client for Google's endpoints: TLS (peer verification + SNI) or plain TCP, keep-alive pool
// per io_context, whole-body requests and streamed responses read in large pieces.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace gw::upstream {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// An origin plus base path, parsed from a configured URL ("https://host[:port][/path]").
struct url {
  bool tls = true;
  std::string host;
  std::string port;
  std::string path;  // path and query, "/" when empty
  std::string origin_key() const { return (tls ? "s:" : "p:") + host + ":" + port; }
};
result<url> parse_url(std::string_view text);

struct request {
  http::verb method = http::verb::post;
  std::string target;  // path + query
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // How long to wait for the response headers; unset: client_settings::request_timeout. Generation calls
  // set the stream idle timeout: Google sends a non-stream answer's headers only when it is complete.
  std::optional<std::chrono::milliseconds> header_timeout;
  // How long the body may stay silent; unset: client_settings::request_timeout for send(), the stream
  // idle timeout for open_stream().
  std::optional<std::chrono::milliseconds> body_timeout;
};

struct response {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string trace_id;  // x-cloudaicompanion-trace-id
};

struct client_settings {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{120'000};   // whole non-stream request
  std::chrono::milliseconds stream_idle_timeout{600'000};  // silence allowed inside a stream (long thinking)
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  std::size_t max_idle_per_origin = 64;
  std::chrono::seconds idle_keepalive{60};
};

class connection;

// Lets a request be cancelled from outside (client went away) whatever phase it is in: connecting,
// waiting for headers or reading the body. Lives in the caller's frame; one thread only.
class cancel_handle {
 public:
  void cancel() noexcept;
  bool cancelled() const noexcept { return cancelled_; }
  void attach(connection* c) noexcept { conn_ = c; }

 private:
  bool cancelled_ = false;
  connection* conn_ = nullptr;
};

// A streamed response: headers known; body read piece by piece (chunked encoding removed).
class stream_response {
 public:
  stream_response(std::unique_ptr<connection> conn, unsigned status, std::string content_type, std::string trace_id);
  ~stream_response();
  stream_response(const stream_response&) = delete;
  stream_response& operator=(const stream_response&) = delete;

  unsigned status() const noexcept { return status_; }
  const std::string& content_type() const noexcept { return content_type_; }
  const std::string& trace_id() const noexcept { return trace_id_; }
  // Next piece of the body; an empty view at the end. The view is valid until the next call.
  net::awaitable<result<std::string_view>> read_some();
  // Reads the rest of the body (for error answers), up to max bytes.
  net::awaitable<result<std::string>> read_all(std::size_t max);
  void set_idle_timeout(std::chrono::milliseconds t) noexcept { idle_timeout_ = t; }
  // Closes the connection at once: a pending read_some completes with an error. Safe to call twice.
  void cancel() noexcept;
  bool done() const noexcept { return done_; }

 private:
  std::unique_ptr<connection> conn_;
  unsigned status_;
  std::string content_type_;
  std::string trace_id_;
  bool done_ = false;
  std::chrono::milliseconds idle_timeout_{600'000};
};

// One per io_context thread; not thread-safe (every use is on its own thread).
class client {
 public:
  client(net::any_io_executor ex, std::shared_ptr<net::ssl::context> ssl, client_settings settings);
  ~client();
  // Sends a request and reads the whole answer (any status).
  net::awaitable<result<response>> send(const url& origin, request req, cancel_handle* cancel = nullptr);
  // Sends a request and returns once the response headers arrived.
  net::awaitable<result<std::unique_ptr<stream_response>>> open_stream(const url& origin, request req,
                                                                      cancel_handle* cancel = nullptr);
  const client_settings& settings() const noexcept { return settings_; }
  // The connection returns here when a response was fully read and keep-alive holds.
  void release(std::unique_ptr<connection> c);

  // The client of the calling thread (set by the server for each io_context thread).
  static client* current() noexcept;
  static void set_current(client* c) noexcept;

 private:
  net::awaitable<result<std::unique_ptr<connection>>> checkout(const url& origin, bool fresh);
  net::awaitable<result<std::unique_ptr<connection>>> send_headers(const url& origin, request& req,
                                                                   cancel_handle* cancel);

  net::any_io_executor ex_;
  std::shared_ptr<net::ssl::context> ssl_;
  client_settings settings_;
  std::map<std::string, std::deque<std::unique_ptr<connection>>> idle_;
  std::shared_ptr<bool> alive_;
};

// TLS context for Google: system trust store, peer verification on.
std::shared_ptr<net::ssl::context> make_client_tls_context();

}  // namespace gw::upstream
