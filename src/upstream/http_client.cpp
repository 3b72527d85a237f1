// HTTP/1.1 client for Google's endpoints; see http_client.hpp.
#include "upstream/http_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace gw::upstream {

namespace {
thread_local client* current_client = nullptr;
constexpr std::size_t body_piece = 64 * 1024;  // large reads: one client write per upstream read

error transport_error(std::string_view what, const boost::system::error_code& ec) {
  auto kind = ec == beast::error::timeout ? error_kind::upstream_timeout : error_kind::upstream_unavailable;
  auto e = make_error(kind, error_source::upstream, "upstream connection failed",
                      std::string(what) + ": " + ec.message());
  return e;
}
}  // namespace

result<url> parse_url(std::string_view text) {
  url u;
  std::string_view rest;
  if (text.starts_with("https://")) {
    u.tls = true;
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    u.tls = false;
    rest = text.substr(7);
  } else {
    return client_error(error_kind::bad_request, "URL must start with http:// or https://: " + std::string(text));
  }
  auto slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  u.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (hostport.starts_with('[')) {  // [v6]:port
    auto close = hostport.find(']');
    if (close == std::string_view::npos) return client_error(error_kind::bad_request, "bad IPv6 host in URL");
    u.host = std::string(hostport.substr(1, close - 1));
    auto after = hostport.substr(close + 1);
    u.port = after.starts_with(':') ? std::string(after.substr(1)) : "";
  } else {
    auto colon = hostport.rfind(':');
    u.host = std::string(hostport.substr(0, colon));
    u.port = colon == std::string_view::npos ? "" : std::string(hostport.substr(colon + 1));
  }
  if (u.port.empty()) u.port = u.tls ? "443" : "80";
  if (u.host.empty()) return client_error(error_kind::bad_request, "URL has no host: " + std::string(text));
  return u;
}

std::shared_ptr<net::ssl::context> make_client_tls_context() {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  ctx->set_default_verify_paths();
  ctx->set_verify_mode(net::ssl::verify_peer);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
  return ctx;
}

// One upstream connection: the socket (plain or TLS), its read buffer and the current response parser.
class connection {
 public:
  connection(net::any_io_executor ex, std::shared_ptr<net::ssl::context> ssl, const url& u)
      : key_(u.origin_key()), host_(u.host) {
    if (u.tls)
      tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ex, *ssl);
    else
      plain_ = std::make_unique<beast::tcp_stream>(ex);
    buf_.reserve(body_piece);
    body_ = std::make_unique<char[]>(body_piece);
  }

  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
  template <class F>
  auto with(F&& f) {
    return tls_ ? f(*tls_) : f(*plain_);
  }

  net::awaitable<result<void>> connect(const url& u, const client_settings& s) {
    boost::system::error_code ec;
    net::ip::tcp::resolver resolver(lowest().get_executor());
    // The resolver has no deadline of its own: cancel it when the connect timeout passes.
    net::steady_timer deadline(lowest().get_executor(), s.connect_timeout);
    deadline.async_wait([&resolver](boost::system::error_code e) {
      if (!e) resolver.cancel();
    });
    auto results = co_await resolver.async_resolve(u.host, u.port, net::redirect_error(net::use_awaitable, ec));
    deadline.cancel();
    if (ec == net::error::operation_aborted) ec = beast::error::timeout;
    if (ec) co_return transport_error("resolve " + u.host, ec);
    lowest().expires_after(s.connect_timeout);
    co_await lowest().async_connect(results, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return transport_error("connect " + u.host, ec);
    lowest().socket().set_option(net::ip::tcp::no_delay(true), ec);
    if (tls_) {
      // SNI carries DNS names only (RFC 6066 §3); an IP-literal host is still checked against the cert's IP SANs.
      boost::system::error_code not_ip;
      net::ip::make_address(u.host, not_ip);
      if (not_ip && !SSL_set_tlsext_host_name(tls_->native_handle(), u.host.c_str()))
        co_return make_error(error_kind::upstream_unavailable, error_source::upstream, "upstream connection failed",
                             "SNI setup failed");
      tls_->set_verify_callback(net::ssl::host_name_verification(u.host));
      co_await tls_->async_handshake(net::ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return transport_error("TLS handshake with " + u.host, ec);
    }
    co_return result<void>{};
  }

  void close() noexcept {
    boost::system::error_code ec;
    lowest().socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
    closed_ = true;
  }

  const std::string& key() const noexcept { return key_; }
  const std::string& host() const noexcept { return host_; }
  bool closed() const noexcept { return closed_ || !lowest_const().socket().is_open(); }
  bool reused = false;
  std::chrono::steady_clock::time_point idle_since{};
  beast::flat_buffer buf_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::unique_ptr<char[]> body_;
  client* owner_ = nullptr;
  std::weak_ptr<bool> owner_alive_;

 private:
  const beast::tcp_stream& lowest_const() const {
    return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
  }
  std::string key_;
  std::string host_;
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
  bool closed_ = false;
};

client::client(net::any_io_executor ex, std::shared_ptr<net::ssl::context> ssl, client_settings settings)
    : ex_(std::move(ex)), ssl_(std::move(ssl)), settings_(settings), alive_(std::make_shared<bool>(true)) {}

client::~client() = default;

client* client::current() noexcept { return current_client; }
void client::set_current(client* c) noexcept { current_client = c; }

void client::release(std::unique_ptr<connection> c) {
  if (!c || c->closed()) return;
  auto& q = idle_[c->key()];
  if (q.size() >= settings_.max_idle_per_origin) return;
  c->idle_since = std::chrono::steady_clock::now();
  c->parser_.reset();
  q.push_back(std::move(c));
}

net::awaitable<result<std::unique_ptr<connection>>> client::checkout(const url& origin, bool fresh) {
  auto it = fresh ? idle_.end() : idle_.find(origin.origin_key());
  auto now = std::chrono::steady_clock::now();
  while (it != idle_.end() && !it->second.empty()) {
    auto c = std::move(it->second.back());
    it->second.pop_back();
    if (c->closed() || now - c->idle_since > settings_.idle_keepalive) continue;
    c->reused = true;
    co_return c;
  }
  auto c = std::make_unique<connection>(ex_, ssl_, origin);
  auto r = co_await c->connect(origin, settings_);
  if (!r) co_return std::move(r).err();
  co_return c;
}

// Writes the request and reads the response header; retries once on a fresh connection when a pooled
// keep-alive connection turns out to have been closed by the server (nothing of the answer was read).
void cancel_handle::cancel() noexcept {
  cancelled_ = true;
  if (conn_) conn_->close();
}

namespace {
error cancelled_error() {
  return make_error(error_kind::cancelled, error_source::client, "the client closed the connection");
}
}  // namespace

net::awaitable<result<std::unique_ptr<connection>>> client::send_headers(const url& origin, request& req,
                                                                         cancel_handle* cancel) {
  http::request<http::string_body> msg{req.method, req.target, 11};
  bool default_port = origin.port == (origin.tls ? "443" : "80");
  bool v6 = origin.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + origin.host + "]" : origin.host;
  msg.set(http::field::host, default_port ? host : host + ":" + origin.port);
  if (!req.content_type.empty()) msg.set(http::field::content_type, req.content_type);
  for (auto& [k, v] : req.headers) msg.set(k, v);
  msg.keep_alive(true);
  msg.body() = std::move(req.body);
  msg.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    auto got = co_await checkout(origin, /*fresh=*/attempt > 0);
    if (!got) co_return std::move(got).err();
    auto conn = std::move(got.value());
    if (cancel) {
      if (cancel->cancelled()) co_return cancelled_error();
      cancel->attach(conn.get());
    }
    conn->owner_ = this;
    conn->owner_alive_ = alive_;
    boost::system::error_code ec;
    conn->lowest().expires_after(settings_.request_timeout);
    co_await conn->with([&](auto& s) { return http::async_write(s, msg, net::redirect_error(net::use_awaitable, ec)); });
    bool sent = !ec;
    if (!ec) {
      conn->lowest().expires_after(req.header_timeout.value_or(settings_.request_timeout));
      conn->parser_.emplace();
      conn->parser_->body_limit(boost::none);
      co_await conn->with(
          [&](auto& s) { return http::async_read_header(s, conn->buf_, *conn->parser_, net::redirect_error(net::use_awaitable, ec)); });
    }
    if (!ec) co_return conn;
    if (cancel && cancel->cancelled()) {
      cancel->attach(nullptr);
      co_return cancelled_error();
    }
    if (cancel) cancel->attach(nullptr);
    // A TLS peer that drops an idle connection without close_notify shows up as stream_truncated.
    bool stale = conn->reused && (ec == http::error::end_of_stream || ec == net::error::eof ||
                                  ec == net::error::connection_reset || ec == net::error::broken_pipe ||
                                  ec == net::ssl::error::stream_truncated);
    conn->close();
    if (!stale) {
      auto e = transport_error("request to " + origin.host, ec);
      // The request went out and Google may still be generating: a retry elsewhere would spend twice.
      if (e.kind == error_kind::upstream_timeout && sent) e.reason = "timeout_after_send";
      co_return e;
    }
    idle_.erase(origin.origin_key());  // its siblings idled as long: do not try them either
    // the body was moved into msg, which is intact for the second attempt
  }
  co_return make_error(error_kind::upstream_unavailable, error_source::upstream, "upstream connection failed",
                       "stale connection retry failed");
}

net::awaitable<result<std::unique_ptr<stream_response>>> client::open_stream(const url& origin, request req,
                                                                            cancel_handle* cancel) {
  auto got = co_await send_headers(origin, req, cancel);
  if (!got) co_return std::move(got).err();
  auto conn = std::move(got.value());
  auto& h = conn->parser_->get();
  std::string ct(h[http::field::content_type]);
  std::string trace(h["x-cloudaicompanion-trace-id"]);
  unsigned status = h.result_int();
  auto sr = std::make_unique<stream_response>(std::move(conn), status, std::move(ct), std::move(trace));
  sr->set_idle_timeout(req.body_timeout.value_or(settings_.stream_idle_timeout));
  co_return sr;
}

net::awaitable<result<response>> client::send(const url& origin, request req, cancel_handle* cancel) {
  if (!req.body_timeout) req.body_timeout = settings_.request_timeout;
  auto opened = co_await open_stream(origin, std::move(req), cancel);
  if (!opened) co_return std::move(opened).err();
  auto& s = *opened.value();
  response out;
  out.status = s.status();
  out.content_type = s.content_type();
  out.trace_id = s.trace_id();
  auto body = co_await s.read_all(settings_.max_response_bytes);
  if (cancel) cancel->attach(nullptr);
  if (!body) {
    if (cancel && cancel->cancelled()) co_return cancelled_error();
    co_return std::move(body).err();
  }
  out.body = std::move(body.value());
  co_return out;
}

stream_response::stream_response(std::unique_ptr<connection> conn, unsigned status, std::string content_type,
                                 std::string trace_id)
    : conn_(std::move(conn)), status_(status), content_type_(std::move(content_type)), trace_id_(std::move(trace_id)) {
  done_ = conn_->parser_->is_done();
}

stream_response::~stream_response() {
  if (!conn_) return;
  if (done_ && conn_->parser_ && conn_->parser_->keep_alive() && !conn_->owner_alive_.expired() && conn_->owner_) {
    auto* owner = conn_->owner_;
    owner->release(std::move(conn_));
    return;
  }
  conn_->close();
}

void stream_response::cancel() noexcept {
  if (conn_) conn_->close();
  done_ = false;  // a cancelled connection never goes back to the pool
}

net::awaitable<result<std::string_view>> stream_response::read_some() {
  auto& c = *conn_;
  auto& p = *c.parser_;
  for (;;) {
    if (p.is_done()) {
      done_ = true;
      co_return std::string_view{};
    }
    if (c.closed()) co_return make_error(error_kind::cancelled, error_source::upstream, "upstream stream cancelled");
    p.get().body().data = c.body_.get();
    p.get().body().size = body_piece;
    boost::system::error_code ec;
    c.lowest().expires_after(idle_timeout_);
    co_await c.with([&](auto& s) { return http::async_read_some(s, c.buf_, p, net::redirect_error(net::use_awaitable, ec)); });
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return transport_error("reading stream from " + c.host(), ec);
    std::size_t n = body_piece - p.get().body().size;
    if (n > 0) {
      if (p.is_done()) done_ = true;
      co_return std::string_view(c.body_.get(), n);
    }
  }
}

net::awaitable<result<std::string>> stream_response::read_all(std::size_t max) {
  std::string out;
  for (;;) {
    auto piece = co_await read_some();
    if (!piece) co_return std::move(piece).err();
    if (piece->empty()) break;
    if (out.size() + piece->size() > max)
      co_return make_error(error_kind::upstream_protocol, error_source::upstream, "upstream response too large");
    out.append(*piece);
  }
  co_return out;
}

}  // namespace gw::upstream
