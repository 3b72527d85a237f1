// The HTTP/1.1 server; see http_server.hpp.
#include "server/http_server.hpp"

#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse_query.hpp>
#include <spdlog/spdlog.h>
#include <list>
#include <thread>

#include "core/ids.hpp"

namespace gw::server {

using tcp = net::ip::tcp;

// A connection: the socket and what the worker needs to close it on shutdown.
class session_state {
 public:
  session_state(tcp::socket sock, const server_settings& s) : stream(std::move(sock)), settings(s) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  const server_settings& settings;
  bool idle = true;  // waiting for the next request (may be closed at shutdown)
  bool broken = false;
  const bool* stopping = nullptr;  // the worker's shutdown flag: answers then say Connection: close
};

struct exchange::watch {
  std::function<void()> on_gone;
  bool stopped = false;
  bool gone = false;
  std::optional<net::steady_timer> parked;
};

exchange::exchange(std::shared_ptr<session_state> s, http::request<http::string_body> req, std::size_t id)
    : s_(std::move(s)), req_(std::move(req)) {
  std::string_view target = req_.target();
  auto q = target.find('?');
  path_ = std::string(target.substr(0, q));
  if (q != std::string_view::npos) query_ = std::string(target.substr(q + 1));
  keep_alive_ = req_.keep_alive();
  http10_ = req_.version() == 10;
  head_only_ = req_.method() == http::verb::head;
  request_id_ = random_hex(8);
  (void)id;
}

exchange::~exchange() { stop_watching(); }

std::optional<std::string> exchange::query_param(std::string_view name) const {
  auto params = boost::urls::parse_query(query_);
  if (!params) return std::nullopt;
  for (auto p : *params) {
    if (p.key == name) return p.has_value ? std::string(p.value) : std::string();
  }
  return std::nullopt;
}

std::string exchange::head(unsigned status, std::string_view content_type, const header_list& extra, bool chunked,
                           std::size_t length) {
  std::string h;
  h.reserve(256);
  h += "HTTP/1.1 ";
  h += std::to_string(status);
  h += ' ';
  h += http::obsolete_reason(static_cast<http::status>(status));
  h += "\r\n";
  if (s_->stopping && *s_->stopping) keep_alive_ = false;
  if (!content_type.empty()) {
    h += "Content-Type: ";
    h += content_type;
    h += "\r\n";
  }
  if (chunked) {
    if (http10_)
      keep_alive_ = false;  // HTTP/1.0 has no chunked encoding: the body ends when the connection closes
    else
      h += "Transfer-Encoding: chunked\r\n";
  } else if (status >= 200 && status != 204 && status != 304) {
    h += "Content-Length: ";
    h += std::to_string(length);
    h += "\r\n";
  }
  h += "x-request-id: ";
  h += request_id_;
  h += "\r\nrequest-id: req_";  // the name Anthropic's SDKs and Claude Code report
  h += request_id_;
  h += "\r\n";
  if (req_.find(http::field::origin) != req_.end()) {  // browsers drop cross-origin answers without it
    h += "Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: x-request-id, retry-after\r\n";
  }
  for (auto& [k, v] : extra) {
    h += k;
    h += ": ";
    h += v;
    h += "\r\n";
  }
  if (!keep_alive_)
    h += "Connection: close\r\n";
  else if (http10_)
    h += "Connection: keep-alive\r\n";
  h += "\r\n";
  return h;
}

net::awaitable<bool> exchange::write_buffers(std::string_view a, std::string_view b, std::string_view c) {
  if (s_->broken) co_return false;
  std::array<net::const_buffer, 3> bufs{net::buffer(a), net::buffer(b), net::buffer(c)};
  boost::system::error_code ec;
  s_->stream.expires_after(s_->settings.write_timeout);
  co_await net::async_write(s_->stream, bufs, net::redirect_error(net::use_awaitable, ec));
  s_->stream.expires_never();
  if (ec) {
    s_->broken = true;
    keep_alive_ = false;
    co_return false;
  }
  co_return true;
}

net::awaitable<void> exchange::respond(unsigned status, std::string_view content_type, std::string body,
                                       const header_list& extra) {
  if (committed_) co_return;
  committed_ = true;
  std::string h = head(status, content_type, extra, false, body.size());
  std::string_view payload = body;
  if (head_only_) payload = {};
  co_await write_buffers(h, payload, {});
}

net::awaitable<bool> exchange::begin_stream(unsigned status, std::string_view content_type,
                                            const header_list& extra) {
  if (committed_) co_return false;
  committed_ = true;
  header_list all = extra;
  all.emplace_back("Cache-Control", "no-cache");
  all.emplace_back("X-Accel-Buffering", "no");
  std::string h = head(status, content_type, all, true, 0);
  co_return co_await write_buffers(h, {}, {});
}

net::awaitable<bool> exchange::write_chunk(std::string_view data) {
  if (data.empty()) co_return !s_->broken;
  if (http10_) co_return co_await write_buffers(data, {}, {});
  char size[24];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string_view crlf = "\r\n";
  co_return co_await write_buffers(std::string_view(size, static_cast<std::size_t>(n)), data, crlf);
}

net::awaitable<void> exchange::end_stream() {
  if (http10_) co_return;  // the connection's close ends the body
  std::string_view last = "0\r\n\r\n";
  co_await write_buffers(last, {}, {});
}

bool exchange::client_gone() const noexcept { return s_->broken || (watch_ && watch_->gone); }

void exchange::watch_disconnect(std::function<void()> on_gone) {
  stop_watching();
  auto w = std::make_shared<watch>();
  w->on_gone = std::move(on_gone);
  watch_ = w;
  auto s = s_;
  net::co_spawn(
      s_->stream.get_executor(),
      [w, s]() -> net::awaitable<void> {
        auto& sock = s->stream.socket();
        for (;;) {
          boost::system::error_code ec;
          co_await sock.async_wait(tcp::socket::wait_read, net::redirect_error(net::use_awaitable, ec));
          if (w->stopped || ec == net::error::operation_aborted) co_return;
          char byte;
          ssize_t n = ec ? -1 : ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
          if (n > 0) co_return;  // the client sent more (pipelining): it is alive; stop watching
          if (n < 0 && !ec && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;  // spurious wake-up
          break;
        }
        w->gone = true;
        s->broken = true;
        if (w->on_gone) w->on_gone();
      },
      net::detached);
}

void exchange::stop_watching() {
  if (!watch_) return;
  watch_->stopped = true;
  watch_->on_gone = nullptr;
  boost::system::error_code ec;
  s_->stream.socket().cancel(ec);  // completes the pending wait with operation_aborted
  watch_.reset();
}

// ---------------------------------------------------------------------------------------------

struct http_server::worker {
  net::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::list<std::weak_ptr<session_state>> sessions;
  bool stopping = false;
};

struct http_server::impl {
  server_settings settings;
  handler h;
  std::function<void(net::io_context&, int)> on_thread_start;
  std::vector<std::unique_ptr<worker>> workers;
  std::uint16_t port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> next_id{0};

  net::awaitable<void> accept_loop(worker& w) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket sock = co_await w.acceptor->async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        if (w.stopping || ec == net::error::operation_aborted) co_return;
        spdlog::warn("accept failed: {}", ec.message());
        if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space) {  // back off on fd exhaustion
          net::steady_timer t(w.ioc, std::chrono::milliseconds(50));
          co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
        }
        continue;
      }
      sock.set_option(tcp::no_delay(true), ec);
      auto s = std::make_shared<session_state>(std::move(sock), settings);
      s->stopping = &w.stopping;
      w.sessions.remove_if([](auto& p) { return p.expired(); });
      w.sessions.push_back(s);
      net::co_spawn(w.ioc, session(w, std::move(s)), net::detached);
    }
  }

  net::awaitable<void> session(worker& w, std::shared_ptr<session_state> s) {
    bool first = true;
    for (;;) {
      if (w.stopping) break;
      http::request_parser<http::string_body> parser;
      parser.header_limit(64 * 1024);
      parser.body_limit(settings.max_body_bytes);
      boost::system::error_code ec;
      s->idle = true;
      s->stream.expires_after(first ? settings.header_timeout : settings.idle_timeout);
      co_await http::async_read_header(s->stream, s->buffer, parser, net::redirect_error(net::use_awaitable, ec));
      s->idle = false;
      first = false;
      if (ec && ec != http::error::body_limit) break;  // timeout, EOF, garbage: close
      if (!ec && parser.is_header_done()) {  // (content_length() requires a complete header)
        auto len = parser.content_length();
        if (len && *len > settings.max_body_bytes) ec = http::error::body_limit;
      }
      if (!ec && !parser.is_done()) {
        if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
          std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
          s->stream.expires_after(settings.write_timeout);
          co_await net::async_write(s->stream, net::buffer(cont), net::redirect_error(net::use_awaitable, ec));
          if (ec) break;
        }
        s->stream.expires_after(settings.body_timeout);
        co_await http::async_read(s->stream, s->buffer, parser, net::redirect_error(net::use_awaitable, ec));
      }
      s->stream.expires_never();
      if (ec == http::error::body_limit) {
        http::request<http::string_body> head_only;
        head_only.base() = parser.get().base();
        exchange ex(s, std::move(head_only), ++next_id);
        std::string body = R"({"error":{"code":413,"message":"request body larger than )" +
                           std::to_string(settings.max_body_bytes) + R"( bytes","status":"INVALID_ARGUMENT"}})";
        std::string_view type = "application/json";
        header_list extra{{"Connection", "close"}};
        co_await ex.respond(413, type, std::move(body), extra);
        // Lingering close: read and discard what the client is still sending for a moment, so that closing
        // with unread data does not reset the connection before the client has read the 413.
        s->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        s->stream.expires_after(std::chrono::seconds(2));
        std::size_t drained = 0;
        while (drained < 64 * 1024 * 1024) {
          s->buffer.clear();
          auto n = co_await s->stream.async_read_some(s->buffer.prepare(64 * 1024),
                                                      net::redirect_error(net::use_awaitable, ec));
          if (ec) break;
          drained += n;
        }
        break;
      }
      if (ec) break;
      bool keep;
      {
        exchange ex(s, parser.release(), ++next_id);
        bool threw = false;
        try {
          co_await h(ex);
        } catch (const std::exception& e) {  // a bug: answer 500 (if still possible) and log it
          spdlog::error("request {}: unhandled exception: {}", ex.request_id(), e.what());
          threw = true;
        }
        if (threw && ex.committed()) s->broken = true;  // a half-written answer: the connection is unusable
        if (!ex.committed()) {
          std::string body = R"({"error":{"code":500,"message":"no response","status":"INTERNAL"}})";
          std::string_view type = "application/json";
          co_await ex.respond(500, type, std::move(body));
        }
        keep = ex.keep_alive() && !s->broken;
      }
      if (!keep) break;
    }
    boost::system::error_code ec;
    s->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    s->stream.close();
  }

  std::atomic<std::size_t> drained{0};

  // Waits until this worker has no connection left (or the grace period is over), then stops it. Worker 0
  // is also the control executor (token refresh, project setup) that the others' requests may still need,
  // so it stops last.
  net::awaitable<void> drain(worker& w, bool control, std::chrono::steady_clock::time_point deadline) {
    net::steady_timer t(w.ioc);
    bool counted = false;
    for (;;) {
      w.sessions.remove_if([](auto& p) { return p.expired(); });
      bool empty = w.sessions.empty();
      if (empty && !counted) {
        counted = true;
        drained.fetch_add(1);
      }
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      if (empty && (!control || drained.load() == workers.size())) break;
      t.expires_after(std::chrono::milliseconds(20));
      boost::system::error_code ec;
      co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    w.ioc.stop();
  }

  void begin_shutdown(worker& w) {
    w.stopping = true;
    boost::system::error_code ec;
    if (w.acceptor) w.acceptor->close(ec);
    for (auto& wp : w.sessions)
      if (auto s = wp.lock(); s && s->idle) s->stream.socket().close(ec);
  }
};

http_server::http_server(server_settings s, handler h, std::function<void(net::io_context&, int)> on_thread_start)
    : impl_(std::make_unique<impl>()) {
  impl_->settings = std::move(s);
  impl_->h = std::move(h);
  impl_->on_thread_start = std::move(on_thread_start);
  int n = impl_->settings.threads > 0 ? impl_->settings.threads
                                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) impl_->workers.push_back(std::make_unique<worker>());
}

http_server::~http_server() = default;

int http_server::threads() const noexcept { return static_cast<int>(impl_->workers.size()); }
net::io_context& http_server::context(int i) { return impl_->workers.at(static_cast<std::size_t>(i))->ioc; }
std::uint16_t http_server::port() const noexcept { return impl_->port; }

result<void> http_server::listen() {
  boost::system::error_code ec;
  auto addr = net::ip::make_address(impl_->settings.host, ec);
  if (ec) return client_error(error_kind::bad_request, "bad listen address: " + impl_->settings.host);
  std::uint16_t port = impl_->settings.port;
  if (port != 0) {
    // SO_REUSEPORT would let a second gateway silently share the port: probe it without that option first.
    tcp::acceptor probe(impl_->workers[0]->ioc);
    probe.open(addr.is_v6() ? tcp::v6() : tcp::v4(), ec);
    if (!ec) probe.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(tcp::endpoint(addr, port), ec);
    if (ec)
      return client_error(error_kind::bad_request, "cannot listen on " + impl_->settings.host + ":" +
                                                       std::to_string(port) + ": " + ec.message());
  }
  for (auto& w : impl_->workers) {
    tcp::endpoint ep(addr, port);
    auto& a = w->acceptor.emplace(w->ioc);
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        ec = boost::system::error_code(errno, boost::system::system_category());
    }
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return client_error(error_kind::bad_request, "cannot listen on " + impl_->settings.host + ":" +
                                                             std::to_string(port) + ": " + ec.message());
    port = a.local_endpoint().port();  // port 0: the others join the port the first one got
  }
  impl_->port = port;
  return {};
}

void http_server::stop() {
  if (impl_->stopping.exchange(true)) {  // a second signal: stop now
    spdlog::warn("second stop request: closing every connection now");
    for (auto& w : impl_->workers) w->ioc.stop();
    return;
  }
  spdlog::info("shutting down: no new connections; in-flight requests get {} ms",
               impl_->settings.shutdown_grace.count());
  auto deadline = std::chrono::steady_clock::now() + impl_->settings.shutdown_grace;
  for (std::size_t i = 0; i < impl_->workers.size(); ++i) {
    auto* wp = impl_->workers[i].get();
    net::post(wp->ioc, [this, wp, i, deadline] {
      impl_->begin_shutdown(*wp);
      net::co_spawn(wp->ioc, impl_->drain(*wp, i == 0, deadline), net::detached);
    });
  }
}

void http_server::run() {
  auto& w0 = *impl_->workers[0];
  net::signal_set signals(w0.ioc, SIGINT, SIGTERM);
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int) {
    if (ec) return;
    stop();
    signals.async_wait(on_signal);  // a second signal stops at once
  };
  signals.async_wait(on_signal);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < impl_->workers.size(); ++i) {
    auto* w = impl_->workers[i].get();
    net::co_spawn(w->ioc, impl_->accept_loop(*w), net::detached);
    auto body = [this, w, i] {
      if (impl_->on_thread_start) impl_->on_thread_start(w->ioc, static_cast<int>(i));
      w->ioc.run();
    };
    if (i == 0) continue;
    threads.emplace_back(body);
  }
  if (impl_->on_thread_start) impl_->on_thread_start(w0.ioc, 0);
  w0.ioc.run();
  for (auto& t : threads) t.join();
}

}  // namespace gw::server
