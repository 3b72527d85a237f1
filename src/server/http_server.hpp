// The HTTP/1.1 server: one io_context per thread, each with its own SO_REUSEPORT acceptor, keep-alive
// sessions as coroutines, chunked streaming flushed per write, timeouts and graceful shutdown.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace gw::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using header_list = std::vector<std::pair<std::string, std::string>>;

struct server_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int threads = 0;                              // 0: one per core
  std::size_t max_body_bytes = 50 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{30'000};
  std::chrono::milliseconds body_timeout{120'000};
  std::chrono::milliseconds idle_timeout{75'000};  // keep-alive idle
  std::chrono::milliseconds write_timeout{120'000};
  std::chrono::milliseconds shutdown_grace{30'000};  // in-flight streams get this long after SIGTERM
};

class session_state;

// One request and its response on a connection.
class exchange {
 public:
  exchange(std::shared_ptr<session_state> s, http::request<http::string_body> req, std::size_t id);
  ~exchange();
  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  const http::request<http::string_body>& req() const noexcept { return req_; }
  http::request<http::string_body>& req() noexcept { return req_; }
  std::string_view path() const noexcept { return path_; }
  std::string_view query() const noexcept { return query_; }
  std::optional<std::string> query_param(std::string_view name) const;  // percent-decoded
  const std::string& request_id() const noexcept { return request_id_; }

  // A whole response. Adds Content-Length, Date-less minimal headers, x-request-id.
  net::awaitable<void> respond(unsigned status, std::string_view content_type, std::string body,
                               const header_list& extra = {});
  // A streamed response (chunked). Each write_chunk is one socket write; false when the client is gone.
  net::awaitable<bool> begin_stream(unsigned status, std::string_view content_type, const header_list& extra = {});
  net::awaitable<bool> write_chunk(std::string_view data);
  net::awaitable<void> end_stream();

  bool committed() const noexcept { return committed_; }
  bool keep_alive() const noexcept { return keep_alive_; }
  // Calls on_gone once if the client closes its connection before stop_watching(). The callback runs
  // on this connection's thread; use it to cancel the upstream request.
  void watch_disconnect(std::function<void()> on_gone);
  void stop_watching();
  bool client_gone() const noexcept;

 private:
  net::awaitable<bool> write_buffers(std::string_view a, std::string_view b, std::string_view c);
  std::string head(unsigned status, std::string_view content_type, const header_list& extra, bool chunked,
                   std::size_t length);

  std::shared_ptr<session_state> s_;
  http::request<http::string_body> req_;
  std::string path_;
  std::string query_;
  std::string request_id_;
  bool committed_ = false;
  bool keep_alive_ = true;
  bool head_only_ = false;
  bool http10_ = false;
  struct watch;
  std::shared_ptr<watch> watch_;
};

using handler = std::function<net::awaitable<void>(exchange&)>;

class http_server {
 public:
  // on_thread_start runs on each worker thread before it serves (e.g. to create its upstream client).
  http_server(server_settings s, handler h, std::function<void(net::io_context&, int)> on_thread_start);
  ~http_server();
  result<void> listen();          // binds every thread's acceptor (same port, SO_REUSEPORT)
  std::uint16_t port() const noexcept;
  void run();                     // serves until SIGTERM/SIGINT (or stop()), then drains gracefully
  void stop();                    // begins a graceful shutdown (thread-safe)
  net::io_context& context(int i);  // io_context of worker i (0 is the control thread)
  int threads() const noexcept;

 private:
  struct worker;
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gw::server
