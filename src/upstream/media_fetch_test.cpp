// Tests of the media fetcher: the address policy, and downloads from a tiny HTTP(S) server on 127.0.0.1.
#include "upstream/media_fetch.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>

namespace gw::upstream {
namespace {

using namespace std::string_literals;
using namespace std::chrono_literals;
namespace json = boost::json;
using tcp = net::ip::tcp;

net::ip::address ip(const char* s) { return net::ip::make_address(s); }

// ---------------------------------------------------------------------------------------------------------------
// Address policy

TEST(MediaAddressPolicy, ClassifiesIPv4Ranges) {
  struct row {
    const char* addr;
    address_class c;
  };
  for (auto [a, c] : std::initializer_list<row>{
           {"127.0.0.1", address_class::loopback},          {"127.255.255.254", address_class::loopback},
           {"0.0.0.0", address_class::unspecified},         {"10.0.0.1", address_class::private_network},
           {"172.16.0.1", address_class::private_network},  {"172.31.255.255", address_class::private_network},
           {"192.168.1.1", address_class::private_network}, {"169.254.1.1", address_class::link_local},
           {"169.254.169.254", address_class::metadata},    {"169.254.170.2", address_class::metadata},
           {"100.100.100.200", address_class::metadata},    {"100.64.0.1", address_class::shared},
           {"100.127.255.255", address_class::shared},      {"224.0.0.1", address_class::multicast},
           {"239.255.255.250", address_class::multicast},   {"255.255.255.255", address_class::reserved},
           {"240.0.0.1", address_class::reserved},          {"0.1.2.3", address_class::reserved},
           {"192.0.2.1", address_class::reserved},          {"198.18.0.1", address_class::reserved},
           {"203.0.113.5", address_class::reserved},        {"8.8.8.8", address_class::global},
           {"172.15.255.255", address_class::global},       {"172.32.0.0", address_class::global},
           {"100.63.255.255", address_class::global},       {"100.128.0.0", address_class::global},
           {"142.250.74.78", address_class::global}})
    EXPECT_EQ(classify_address(ip(a)), c) << a;
}

TEST(MediaAddressPolicy, ClassifiesIPv6Ranges) {
  struct row {
    const char* addr;
    address_class c;
  };
  for (auto [a, c] : std::initializer_list<row>{{"::1", address_class::loopback},
                                                {"::", address_class::unspecified},
                                                {"fc00::1", address_class::private_network},
                                                {"fd12:3456::1", address_class::private_network},
                                                {"fec0::1", address_class::private_network},
                                                {"fe80::1", address_class::link_local},
                                                {"febf::1", address_class::link_local},
                                                {"fd00:ec2::254", address_class::metadata},
                                                {"ff02::1", address_class::multicast},
                                                {"2001:db8::1", address_class::reserved},
                                                {"2001::1", address_class::reserved},
                                                {"100::1", address_class::reserved},
                                                {"4000::1", address_class::reserved},
                                                {"64:ff9b:1::a00:1", address_class::private_network},
                                                {"2001:4860:4860::8888", address_class::global},
                                                {"2a00:1450:4001::1", address_class::global}})
    EXPECT_EQ(classify_address(ip(a)), c) << a;
}

TEST(MediaAddressPolicy, IPv6FormsOfIPv4AddressesAreClassifiedByTheIPv4Address) {
  struct row {
    const char* addr;
    address_class c;
  };
  for (auto [a, c] : std::initializer_list<row>{{"::ffff:127.0.0.1", address_class::loopback},
                                                {"::ffff:10.1.2.3", address_class::private_network},
                                                {"::ffff:169.254.169.254", address_class::metadata},
                                                {"::ffff:100.64.1.1", address_class::shared},
                                                {"::ffff:0.0.0.0", address_class::unspecified},
                                                {"::ffff:8.8.8.8", address_class::global},
                                                {"::127.0.0.1", address_class::loopback},
                                                {"::ffff:0:127.0.0.1", address_class::loopback},
                                                {"64:ff9b::10.0.0.1", address_class::private_network},
                                                {"64:ff9b::8.8.8.8", address_class::global},
                                                {"2002:7f00:1::", address_class::loopback},
                                                {"2002:a9fe:a9fe::1", address_class::metadata},
                                                {"2002:808:808::1", address_class::global}})
    EXPECT_EQ(classify_address(ip(a)), c) << a;
}

TEST(MediaAddressPolicy, DefaultPolicyRefusesEverythingButPublicAddresses) {
  media_policy p;
  for (auto* a : {"127.0.0.1", "::1", "0.0.0.0", "::", "10.0.0.1", "172.16.5.4", "192.168.0.1", "fd00::1",
                  "169.254.1.1", "fe80::1", "100.64.0.1", "224.0.0.1", "ff02::1", "169.254.169.254", "fd00:ec2::254",
                  "::ffff:127.0.0.1", "::ffff:192.168.0.1", "255.255.255.255"})
    EXPECT_TRUE(address_refused(ip(a), p)) << a;
  for (auto* a : {"8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"})
    EXPECT_FALSE(address_refused(ip(a), p)) << a;
}

TEST(MediaAddressPolicy, AllowPrivateOpensLocalNetworksButNotMetadataOrMulticast) {
  media_policy p;
  p.allow_private = true;
  for (auto* a : {"127.0.0.1", "::1", "10.0.0.1", "192.168.0.1", "fd00::1", "169.254.1.1", "fe80::1", "100.64.0.1",
                  "::ffff:127.0.0.1"})
    EXPECT_FALSE(address_refused(ip(a), p)) << a;
  for (auto* a :
       {"169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "100.100.100.200", "224.0.0.1", "ff02::1"})
    EXPECT_TRUE(address_refused(ip(a), p)) << a;
}

TEST(MediaAddressPolicy, AllowListAddressWithPortOpensOnlyThatPort) {
  media_policy p;
  p.allow_hosts = {"127.0.0.1:8080", "[::1]:9000"};
  EXPECT_FALSE(address_refused(ip("127.0.0.1"), p, "127.0.0.1", 8080));
  EXPECT_FALSE(address_refused(ip("::ffff:127.0.0.1"), p, "localhost", 8080));
  EXPECT_TRUE(address_refused(ip("127.0.0.1"), p, "127.0.0.1", 8081));
  EXPECT_TRUE(address_refused(ip("127.0.0.2"), p, "127.0.0.2", 8080));
  EXPECT_FALSE(address_refused(ip("::1"), p, "::1", 9000));
  EXPECT_TRUE(address_refused(ip("::1"), p, "::1", 8080));
}

TEST(MediaAddressPolicy, AllowListNetworksOpenEveryAddressInside) {
  media_policy p;
  p.allow_hosts = {"10.20.0.0/16", "fd00:1234::/32", "::ffff:192.168.7.0/120"};
  EXPECT_FALSE(address_refused(ip("10.20.3.4"), p, "", 443));
  EXPECT_TRUE(address_refused(ip("10.21.3.4"), p, "", 443));
  EXPECT_FALSE(address_refused(ip("fd00:1234:5::1"), p, "", 80));
  EXPECT_TRUE(address_refused(ip("fd00:1235::1"), p, "", 80));
  EXPECT_FALSE(address_refused(ip("192.168.7.9"), p, "", 80));
  EXPECT_TRUE(address_refused(ip("192.168.8.9"), p, "", 80));
}

TEST(MediaAddressPolicy, AllowListNamesOpenTheHostWhateverItResolvesTo) {
  media_policy p;
  p.allow_hosts = {"Files.LAN", "*.corp.internal", "metadata.google.internal:80"};
  EXPECT_FALSE(address_refused(ip("10.0.0.5"), p, "files.lan", 443));
  EXPECT_FALSE(address_refused(ip("10.0.0.5"), p, "FILES.lan.", 8080));
  EXPECT_TRUE(address_refused(ip("10.0.0.5"), p, "other.lan", 443));
  EXPECT_FALSE(address_refused(ip("192.168.1.1"), p, "a.b.corp.internal", 443));
  EXPECT_TRUE(address_refused(ip("192.168.1.1"), p, "corp.internal", 443));
  EXPECT_TRUE(address_refused(ip("192.168.1.1"), p, "xcorp.internal", 443));
  EXPECT_FALSE(address_refused(ip("169.254.169.254"), p, "metadata.google.internal", 80));
  EXPECT_TRUE(address_refused(ip("169.254.169.254"), p, "metadata.google.internal", 8080));
}

TEST(MediaAddressPolicy, MetadataHostNamesAreRefusedBeforeResolving) {
  media_policy p;
  for (auto* h : {"metadata.google.internal", "METADATA.Google.Internal.", "metadata", "metadata.goog"})
    EXPECT_TRUE(host_name_refused(h, 80, p)) << h;
  EXPECT_FALSE(host_name_refused("example.com", 80, p));
  EXPECT_FALSE(host_name_refused("metadata.example.com", 80, p));
  p.allow_hosts = {"metadata.google.internal"};
  EXPECT_FALSE(host_name_refused("metadata.google.internal", 80, p));
  EXPECT_TRUE(host_name_refused("metadata", 80, p));
}

TEST(MediaAddressPolicy, CheckNamesTheFirstMalformedAllowListEntry) {
  media_policy p;
  p.allow_hosts = {"files.lan", "*.corp.internal", "127.0.0.1:8080", "[::1]:9", "10.0.0.0/8", "fd00::/8", "::1"};
  EXPECT_TRUE(check_media_policy(p));
  for (auto* bad : {"", "10.0.0.0/33", "[::1", "host:99999", "host:0", "a b", "fd00::/129", "*.", "[::1]x",
                    "files.lan/8", "::ffff:10.0.0.0/90"}) {
    media_policy q;
    q.allow_hosts = {"ok.lan", bad};
    auto r = check_media_policy(q);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.err().message.find("\"" + std::string(bad) + "\""), std::string::npos) << r.err().message;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A local HTTP(S) server scripted per request

struct reply {
  enum class then { close, stall, stream_chunks };
  std::string data;  // raw bytes written first (status line, headers, maybe body)
  then after = then::close;
  std::size_t chunk_bytes = 0;  // for stream_chunks: how much to stream as 16 KiB chunks
};

std::string http_response(int status, std::string_view body, std::string_view type = "application/octet-stream") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + std::string(type) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string(body);
}

std::string redirect(int status, std::string_view location) {
  return "HTTP/1.1 " + std::to_string(status) + " Moved\r\nLocation: " + std::string(location) +
         "\r\nContent-Length: 0\r\n\r\n";
}

const std::string png = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"s;
const std::string pdf = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"s;

class local_server {
 public:
  using handler = std::function<reply(const std::string& head)>;
  local_server(net::io_context& io, handler h, std::shared_ptr<net::ssl::context> tls = nullptr)
      : acceptor_(io, tcp::endpoint(ip("127.0.0.1"), 0)), handler_(std::move(h)), tls_(std::move(tls)) {
    net::co_spawn(io, accept_loop(), net::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(std::string_view path, std::string_view host = "127.0.0.1") const {
    return (tls_ ? "https://" : "http://") + std::string(host) + ":" + std::to_string(port()) + std::string(path);
  }
  std::string allow_entry() const { return "127.0.0.1:" + std::to_string(port()); }

  std::vector<std::string> heads;  // request heads received, in order
  std::vector<std::string> sni;    // TLS server names received
  int connections = 0;

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
      ++connections;
      if (tls_)
        net::co_spawn(acceptor_.get_executor(), tls_session(std::move(s)), net::detached);
      else
        net::co_spawn(acceptor_.get_executor(), session(std::move(s)), net::detached);
    }
  }

  net::awaitable<void> tls_session(tcp::socket s) {
    net::ssl::stream<tcp::socket> stream(std::move(s), *tls_);
    boost::system::error_code ec;
    co_await stream.async_handshake(net::ssl::stream_base::server, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    sni.push_back(name ? name : "");
    co_await serve(stream);
  }

  net::awaitable<void> session(tcp::socket s) { co_await serve(s); }

  template <class Stream>
  net::awaitable<void> serve(Stream& s) {
    std::string buf;
    boost::system::error_code ec;
    std::string_view end_of_head = "\r\n\r\n";
    co_await net::async_read_until(s, net::dynamic_buffer(buf), end_of_head,
                                   net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    heads.push_back(buf.substr(0, buf.find("\r\n\r\n")));
    reply r = handler_(heads.back());
    co_await net::async_write(s, net::buffer(r.data), net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    if (r.after == reply::then::stall) {
      net::steady_timer t(s.get_executor());
      t.expires_after(30s);
      co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
    } else if (r.after == reply::then::stream_chunks) {
      std::string chunk = "4000\r\n" + std::string(0x4000, 'a') + "\r\n";
      for (std::size_t sent = 0; sent < r.chunk_bytes && !ec; sent += 0x4000)
        co_await net::async_write(s, net::buffer(chunk), net::redirect_error(net::use_awaitable, ec));
      std::string last = "0\r\n\r\n";
      if (!ec) co_await net::async_write(s, net::buffer(last), net::redirect_error(net::use_awaitable, ec));
    }
  }

  tcp::acceptor acceptor_;
  handler handler_;
  std::shared_ptr<net::ssl::context> tls_;
};

net::awaitable<void> fetch_into(std::optional<result<fetched_media>>& out, std::shared_ptr<net::ssl::context> tls,
                                std::string url, media_policy policy) {
  auto ex = co_await net::this_coro::executor;
  out.emplace(co_await fetch_media(ex, tls, url, policy));
}

net::awaitable<void> resolve_into(std::optional<result<void>>& out, json::object& request, media_policy policy) {
  auto ex = co_await net::this_coro::executor;
  out.emplace(co_await resolve_remote_media(ex, nullptr, request, policy));
}

class MediaFetch : public ::testing::Test {
 protected:
  result<fetched_media> fetch(const std::string& url, const media_policy& p,
                              std::shared_ptr<net::ssl::context> tls = nullptr) {
    std::optional<result<fetched_media>> out;
    net::co_spawn(io_, fetch_into(out, std::move(tls), url, p), [this](std::exception_ptr e) {
      io_.stop();
      if (e) std::rethrow_exception(e);
    });
    run();
    return std::move(*out);
  }

  result<void> resolve(json::object& request, const media_policy& p) {
    std::optional<result<void>> out;
    net::co_spawn(io_, resolve_into(out, request, p), [this](std::exception_ptr e) {
      io_.stop();
      if (e) std::rethrow_exception(e);
    });
    run();
    return std::move(*out);
  }

  void run() {
    io_.restart();
    io_.run();
    io_.restart();
    io_.run_for(20ms);  // let the server see what the client did (or did not) send
  }

  static media_policy loopback_open() {
    media_policy p;
    p.allow_private = true;
    return p;
  }

  static std::string message(const result<fetched_media>& r) { return r ? "(success)" : r.err().message; }

  net::io_context io_;
};

std::string b64(std::string_view s) {
  std::string out(boost::beast::detail::base64::encoded_size(s.size()), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), s.data(), s.size()));
  return out;
}

TEST_F(MediaFetch, DownloadsAndSniffsTheType) {
  local_server srv(io_, [](const std::string&) { return reply{http_response(200, png, "text/plain")}; });
  auto r = fetch(srv.url("/img/cat.png?size=1"), loopback_open());
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->mime, "image/png");  // from the bytes, not the server's Content-Type
  EXPECT_EQ(r->bytes, png);
  ASSERT_EQ(srv.heads.size(), 1u);
  EXPECT_TRUE(srv.heads[0].starts_with("GET /img/cat.png?size=1 HTTP/1.1\r\n")) << srv.heads[0];
  EXPECT_NE(srv.heads[0].find("Host: 127.0.0.1:" + std::to_string(srv.port())), std::string::npos);
  EXPECT_NE(srv.heads[0].find("Accept-Encoding: identity"), std::string::npos);
}

TEST_F(MediaFetch, ReadsChunkedAndCloseDelimitedBodies) {
  local_server srv(io_, [](const std::string& head) {
    if (head.starts_with("GET /chunked"))
      return reply{
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n%PDF-\r\n"
          "3\r\n1.4\r\n0\r\n\r\n"};
    return reply{"HTTP/1.0 200 OK\r\n\r\n" + pdf};
  });
  auto a = fetch(srv.url("/chunked"), loopback_open());
  ASSERT_TRUE(a) << a.err().message;
  EXPECT_EQ(a->bytes, "%PDF-1.4");
  EXPECT_EQ(a->mime, "application/pdf");
  auto b = fetch(srv.url("/close"), loopback_open());
  ASSERT_TRUE(b) << b.err().message;
  EXPECT_EQ(b->bytes, pdf);
}

TEST_F(MediaFetch, FollowsRedirectsUpToTheLimitAndResolvesRelativeLocations) {
  std::string origin;
  local_server srv(io_, [&origin](const std::string& head) {
    if (head.starts_with("GET /a/start ")) return reply{redirect(301, "next")};    // relative: /a/next
    if (head.starts_with("GET /a/next ")) return reply{redirect(302, "/b/last")};  // absolute path
    if (head.starts_with("GET /b/last ")) return reply{redirect(307, origin + "/file")};
    if (head.starts_with("GET /file ")) return reply{http_response(200, png)};
    return reply{http_response(404, "")};
  });
  origin = srv.url("");
  auto r = fetch(srv.url("/a/start"), loopback_open());
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->mime, "image/png");
  EXPECT_EQ(srv.heads.size(), 4u);

  media_policy two = loopback_open();
  two.max_redirects = 2;
  auto refused = fetch(srv.url("/a/start"), two);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.err().kind, error_kind::bad_request);
  EXPECT_NE(refused.err().message.find("too many redirects (more than 2)"), std::string::npos) << message(refused);
}

TEST_F(MediaFetch, RedirectLoopStopsAtTheLimit) {
  local_server srv(io_, [](const std::string&) { return reply{redirect(302, "/again")}; });
  auto r = fetch(srv.url("/loop"), loopback_open());
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("too many redirects (more than 3)"), std::string::npos) << message(r);
  EXPECT_EQ(srv.heads.size(), 4u);  // the first request and three redirects
}

TEST_F(MediaFetch, RedirectToARefusedAddressIsRefusedBeforeConnecting) {
  local_server inner(io_, [](const std::string&) { return reply{http_response(200, png)}; });
  std::string target = inner.url("/secret");
  local_server outer(io_, [&](const std::string&) { return reply{redirect(302, target)}; });
  media_policy p;
  p.allow_hosts = {outer.allow_entry()};  // only the first host:port is opened
  auto r = fetch(outer.url("/x"), p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  EXPECT_EQ(message(r), "media URL " + outer.url("/x") + " could not be fetched: redirected to " + target +
                            ": host resolves to a loopback address");
  EXPECT_EQ(outer.heads.size(), 1u);
  EXPECT_EQ(inner.connections, 0);
}

TEST_F(MediaFetch, RedirectToAnotherSchemeIsRefused) {
  local_server srv(io_, [](const std::string&) { return reply{redirect(302, "file:///etc/passwd")}; });
  auto r = fetch(srv.url("/x"), loopback_open());
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("redirected to file:///etc/passwd: only http and https URLs can be fetched"),
            std::string::npos)
      << message(r);
}

TEST_F(MediaFetch, ContentLengthOverTheLimitFailsBeforeTheBody) {
  local_server srv(io_, [](const std::string&) {
    return reply{"HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n" + png, reply::then::stall};
  });
  media_policy p = loopback_open();
  p.max_bytes = 1 << 20;
  auto start = std::chrono::steady_clock::now();
  auto r = fetch(srv.url("/big"), p);
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("the content is larger than the limit of 1 MiB"), std::string::npos) << message(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(MediaFetch, ChunkedBodyOverTheLimitIsAbortedWhileReading) {
  local_server srv(io_, [](const std::string&) {
    return reply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", reply::then::stream_chunks, 64u << 20};
  });
  media_policy p = loopback_open();
  p.max_bytes = 256 << 10;
  auto r = fetch(srv.url("/endless"), p);
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("the content is larger than the limit of 256 KiB"), std::string::npos) << message(r);
}

TEST_F(MediaFetch, CloseDelimitedBodyOverTheLimitIsAborted) {
  local_server srv(io_,
                   [](const std::string&) { return reply{"HTTP/1.0 200 OK\r\n\r\n" + png + std::string(5000, 'x')}; });
  media_policy p = loopback_open();
  p.max_bytes = 4096;
  auto r = fetch(srv.url("/x"), p);
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("larger than the limit of 4 KiB"), std::string::npos) << message(r);
}

TEST_F(MediaFetch, StalledServerTimesOut) {
  local_server srv(io_, [](const std::string&) { return reply{"", reply::then::stall}; });
  media_policy p = loopback_open();
  p.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = fetch(srv.url("/slow"), p);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("timed out after 300 ms"), std::string::npos) << message(r);
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);
}

TEST_F(MediaFetch, ServerStallingMidBodyTimesOut) {
  local_server srv(io_, [](const std::string&) {
    return reply{"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + png, reply::then::stall};
  });
  media_policy p = loopback_open();
  p.timeout = 300ms;
  auto r = fetch(srv.url("/slow"), p);
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("timed out"), std::string::npos) << message(r);
}

TEST_F(MediaFetch, UnsupportedBytesAreRefusedWithTheServersType) {
  local_server srv(io_, [](const std::string&) {
    return reply{http_response(200, "<!doctype html><p>hello</p>", "text/html; charset=utf-8")};
  });
  auto r = fetch(srv.url("/page"), loopback_open());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  EXPECT_EQ(message(r), "media URL " + srv.url("/page") +
                            " could not be fetched: the content is not a supported image, audio, video or PDF format "
                            "(the server says text/html; charset=utf-8)");
}

TEST_F(MediaFetch, EmptyBodyIsAnError) {
  local_server srv(io_, [](const std::string&) { return reply{http_response(200, "")}; });
  auto r = fetch(srv.url("/empty"), loopback_open());
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("the content is empty"), std::string::npos) << message(r);
}

TEST_F(MediaFetch, ErrorStatusIsNamed) {
  local_server srv(io_, [](const std::string&) { return reply{http_response(404, "nope", "text/plain")}; });
  auto r = fetch(srv.url("/missing.png"), loopback_open());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  EXPECT_EQ(r.err().http_status(), 400);
  EXPECT_EQ(message(r), "media URL " + srv.url("/missing.png") + " could not be fetched: the server answered HTTP 404");
}

TEST_F(MediaFetch, DefaultPolicyRefusesLoopbackLocalhostAndMetadataWithoutConnecting) {
  local_server srv(io_, [](const std::string&) { return reply{http_response(200, png)}; });
  std::string port = std::to_string(srv.port());
  media_policy p;
  struct row {
    std::string url;
    std::string why;
  };
  for (auto& [url, why] : std::vector<row>{
           {"http://127.0.0.1/x", "host resolves to a loopback address"},
           {"http://127.0.0.1:" + port + "/x", "host resolves to a loopback address"},
           {"http://localhost:" + port + "/x", "host resolves to a loopback address"},
           {"http://LOCALHOST./x", "host resolves to a loopback address"},
           {"http://[::1]:" + port + "/x", "host resolves to a loopback address"},
           {"http://[::ffff:127.0.0.1]:" + port + "/x", "host resolves to a loopback address"},
           {"http://2130706433:" + port + "/x", "host resolves to a loopback address"},  // 127.0.0.1 in decimal
           {"http://0.0.0.0:" + port + "/x", "host resolves to an unspecified address"},
           {"http://10.1.2.3/x", "host resolves to a private address"},
           {"http://169.254.169.254/latest/meta-data/", "host resolves to a cloud metadata address"},
           {"http://[fd00:ec2::254]/latest/", "host resolves to a cloud metadata address"},
           {"http://metadata.google.internal/computeMetadata/v1/", "the host is a cloud metadata endpoint"},
       }) {
    auto r = fetch(url, p);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.err().kind, error_kind::bad_request);
    EXPECT_NE(message(r).find(" could not be fetched: " + why), std::string::npos) << url << ": " << message(r);
  }
  EXPECT_EQ(srv.connections, 0);
}

TEST_F(MediaFetch, NameIsCheckedByTheAddressItResolvesTo) {
  // localhost resolves to 127.0.0.1 (and maybe ::1): the allow-list entry for the address opens it, and the
  // connection goes to that checked address.
  local_server srv(io_, [](const std::string&) { return reply{http_response(200, png)}; });
  media_policy p;
  p.allow_hosts = {srv.allow_entry()};
  auto r = fetch(srv.url("/x", "localhost"), p);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->mime, "image/png");
  ASSERT_EQ(srv.heads.size(), 1u);
  EXPECT_NE(srv.heads[0].find("Host: localhost:" + std::to_string(srv.port())), std::string::npos);
}

TEST_F(MediaFetch, ConnectionRefusedIsReported) {
  std::uint16_t port;
  {
    tcp::acceptor a(io_, tcp::endpoint(ip("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto r = fetch("http://127.0.0.1:" + std::to_string(port) + "/x", loopback_open());
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("the connection failed"), std::string::npos) << message(r);
}

TEST_F(MediaFetch, MalformedAndForbiddenUrlsAreRefused) {
  media_policy p = loopback_open();
  struct row {
    std::string url;
    std::string why;
  };
  for (auto& [url, why] : std::vector<row>{
           {"ftp://example.com/a.png", "only http and https URLs can be fetched"},
           {"file:///etc/passwd", "only http and https URLs can be fetched"},
           {"example.com/a.png", "only http and https URLs can be fetched"},
           {"http:///a.png", "the URL has no host"},
           {"http://example.com:0/a", "the URL's port is malformed"},
           {"http://example.com:99999/a", "the URL's port is malformed"},
           {"http://exa mple.com/a", "the URL's host is malformed"},
           {"http://[::1/a", "the URL's IPv6 host is malformed"},
           {"http://example.com/a\r\nX-Injected: 1", "the URL contains control characters"},
           {"http://user:hunter2@example.com/a.png", "URLs with a user name or password are not fetched"},
       }) {
    auto r = fetch(url, p);
    ASSERT_FALSE(r) << url;
    EXPECT_NE(message(r).find(why), std::string::npos) << url << ": " << message(r);
  }
}

TEST_F(MediaFetch, MessagesHideQueryAndUserInfo) {
  auto r = fetch("http://user:hunter2@10.0.0.1/a.png?X-Amz-Signature=topsecret#frag", media_policy{});
  ASSERT_FALSE(r);
  EXPECT_EQ(message(r),
            "media URL http://10.0.0.1/a.png?... could not be fetched: URLs with a user name or "
            "password are not fetched");
  auto s = fetch("http://10.0.0.1/a.png?token=topsecret", media_policy{});
  ASSERT_FALSE(s);
  EXPECT_EQ(message(s), "media URL http://10.0.0.1/a.png?... could not be fetched: host resolves to a private address");
}

TEST_F(MediaFetch, SpacesAndNonAsciiInThePathAreEscaped) {
  local_server srv(io_, [](const std::string&) { return reply{http_response(200, png)}; });
  auto r = fetch(srv.url("/my file \xC3\xA9.png"), loopback_open());
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_EQ(srv.heads.size(), 1u);
  EXPECT_TRUE(srv.heads[0].starts_with("GET /my%20file%20%C3%A9.png HTTP/1.1")) << srv.heads[0];
}

// ---------------------------------------------------------------------------------------------------------------
// HTTPS: a certificate made here, trusted (or not) by the client context

struct test_cert {
  std::string cert_pem, key_pem;
};

test_cert make_cert(const char* san) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("media test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(x, key, EVP_sha256());
  auto to_pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
  };
  test_cert c;
  c.cert_pem = to_pem([&](BIO* b) { PEM_write_bio_X509(b, x); });
  c.key_pem = to_pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  return c;
}

std::shared_ptr<net::ssl::context> server_context(const test_cert& c) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  ctx->use_certificate_chain(net::buffer(c.cert_pem));
  ctx->use_private_key(net::buffer(c.key_pem), net::ssl::context::pem);
  return ctx;
}

std::shared_ptr<net::ssl::context> client_context(const test_cert* trusted) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  if (trusted) ctx->add_certificate_authority(net::buffer(trusted->cert_pem));
  return ctx;  // verify mode deliberately left at none: fetch_media must turn verification on itself
}

TEST_F(MediaFetch, HttpsVerifiesTheCertificateAndSendsSni) {
  auto cert = make_cert("DNS:localhost,IP:127.0.0.1");
  local_server srv(
      io_, [](const std::string&) { return reply{http_response(200, pdf)}; }, server_context(cert));
  media_policy p;
  p.allow_hosts = {srv.allow_entry()};
  auto by_name = fetch(srv.url("/doc.pdf", "localhost"), p, client_context(&cert));
  ASSERT_TRUE(by_name) << by_name.err().message;
  EXPECT_EQ(by_name->mime, "application/pdf");
  auto by_ip = fetch(srv.url("/doc.pdf"), p, client_context(&cert));
  ASSERT_TRUE(by_ip) << by_ip.err().message;
  ASSERT_EQ(srv.sni.size(), 2u);
  EXPECT_EQ(srv.sni[0], "localhost");
  EXPECT_EQ(srv.sni[1], "");  // no SNI for an address
}

TEST_F(MediaFetch, HttpsRefusesAnUntrustedCertificate) {
  auto cert = make_cert("DNS:localhost,IP:127.0.0.1");
  local_server srv(
      io_, [](const std::string&) { return reply{http_response(200, pdf)}; }, server_context(cert));
  auto r = fetch(srv.url("/doc.pdf"), loopback_open(), client_context(nullptr));
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("the TLS handshake failed"), std::string::npos) << message(r);
  EXPECT_TRUE(srv.heads.empty());
}

TEST_F(MediaFetch, HttpsRefusesACertificateForAnotherHost) {
  auto cert = make_cert("DNS:other.example");
  local_server srv(
      io_, [](const std::string&) { return reply{http_response(200, pdf)}; }, server_context(cert));
  auto r = fetch(srv.url("/doc.pdf", "localhost"), loopback_open(), client_context(&cert));
  ASSERT_FALSE(r);
  EXPECT_NE(message(r).find("the TLS handshake failed"), std::string::npos) << message(r);
  EXPECT_TRUE(srv.heads.empty());
}

// ---------------------------------------------------------------------------------------------------------------
// resolve_remote_media

TEST_F(MediaFetch, ResolveInlinesEveryMarkedPartOnceAndKeepsTheRest) {
  local_server srv(io_, [](const std::string& head) {
    if (head.starts_with("GET /doc.pdf ")) return reply{http_response(200, pdf)};
    return reply{http_response(200, png)};
  });
  std::string img = srv.url("/cat.png"), doc = srv.url("/doc.pdf");
  json::object req = json::parse(R"({
    "contents": [
      {"role": "user", "parts": [
        {"text": "look"},
        {"fileData": {"fileUri": ")" +
                                 img + R"(", "mimeType": ""}, "_gw_fetch": true},
        {"fileData": {"fileUri": ")" +
                                 img + R"(", "mimeType": "image/png"}, "_gw_fetch": true,
         "videoMetadata": {"startOffset": "1s"}}
      ]},
      {"role": "model", "parts": [{"functionCall": {"name": "read", "args": {}}}]},
      {"role": "user", "parts": [
        {"functionResponse": {"name": "read", "response": {"ok": true}, "parts": [
          {"fileData": {"fileUri": ")" +
                                 doc + R"(", "mimeType": "application/pdf"}, "_gw_fetch": true}
        ]}},
        {"fileData": {"fileUri": "gs://bucket/kept", "mimeType": "image/png"}}
      ]}
    ]})")
                         .as_object();
  auto r = resolve(req, loopback_open());
  ASSERT_TRUE(r) << r.err().message;
  json::object expected = json::parse(R"({
    "contents": [
      {"role": "user", "parts": [
        {"text": "look"},
        {"inlineData": {"mimeType": "image/png", "data": ")" +
                                      b64(png) + R"("}},
        {"videoMetadata": {"startOffset": "1s"}, "inlineData": {"mimeType": "image/png", "data": ")" +
                                      b64(png) + R"("}}
      ]},
      {"role": "model", "parts": [{"functionCall": {"name": "read", "args": {}}}]},
      {"role": "user", "parts": [
        {"functionResponse": {"name": "read", "response": {"ok": true}, "parts": [
          {"inlineData": {"mimeType": "application/pdf", "data": ")" +
                                      b64(pdf) + R"("}}
        ]}},
        {"fileData": {"fileUri": "gs://bucket/kept", "mimeType": "image/png"}}
      ]}
    ]})")
                              .as_object();
  EXPECT_EQ(req, expected) << json::serialize(req);
  EXPECT_EQ(srv.heads.size(), 2u);  // the image URL used twice is fetched once
}

TEST_F(MediaFetch, ResolveFetchesManyUrlsConcurrentlyAndInOrder) {
  local_server srv(io_, [](const std::string&) { return reply{http_response(200, png)}; });
  json::array parts;
  for (int i = 0; i < 9; ++i)
    parts.push_back(
        json::object{{"fileData", json::object{{"fileUri", srv.url("/" + std::to_string(i))}}}, {"_gw_fetch", true}});
  json::object req{{"contents", json::array{json::object{{"role", "user"}, {"parts", parts}}}}};
  auto r = resolve(req, loopback_open());
  ASSERT_TRUE(r) << r.err().message;
  auto& out = req["contents"].as_array()[0].as_object()["parts"].as_array();
  ASSERT_EQ(out.size(), 9u);
  for (auto& p : out) EXPECT_EQ(p.as_object().at("inlineData").at("mimeType"), "image/png");
  EXPECT_EQ(srv.heads.size(), 9u);
}

TEST_F(MediaFetch, ResolveReturnsTheFirstFailureNamedByItsHintAndLeavesTheRequestAlone) {
  local_server srv(io_, [](const std::string& head) {
    if (head.starts_with("GET /gone")) return reply{http_response(410, "")};
    return reply{http_response(200, png)};
  });
  std::string gone = srv.url("/gone.mp3");
  json::object req = json::parse(R"({"contents": [{"role": "user", "parts": [
      {"fileData": {"fileUri": ")" +
                                 srv.url("/ok.png") + R"("}, "_gw_fetch": true},
      {"fileData": {"fileUri": ")" +
                                 gone + R"(", "mimeType": "audio/mpeg"}, "_gw_fetch": true}]}]})")
                         .as_object();
  json::object before = req;
  auto r = resolve(req, loopback_open());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  EXPECT_EQ(r.err().message, "audio URL " + gone + " could not be fetched: the server answered HTTP 410");
  EXPECT_EQ(req, before);
}

TEST_F(MediaFetch, ResolveWithoutMarkedPartsDoesNothing) {
  json::object req = json::parse(R"({"contents": [{"role": "user", "parts": [{"text": "hi"},
      {"fileData": {"fileUri": "https://example.com/a.png", "mimeType": "image/png"}}]}],
      "systemInstruction": {"parts": [{"text": "be brief"}]}})")
                         .as_object();
  json::object before = req;
  auto r = resolve(req, media_policy{});
  ASSERT_TRUE(r);
  EXPECT_EQ(req, before);
}

TEST_F(MediaFetch, ResolveDropsAMalformedMarker) {
  json::object req = json::parse(R"({"contents": [{"role": "user", "parts": [
      {"text": "hi", "_gw_fetch": true}, {"fileData": {"fileUri": "https://x/y"}, "_gw_fetch": false}]}]})")
                         .as_object();
  auto r = resolve(req, media_policy{});
  ASSERT_TRUE(r);
  EXPECT_EQ(req, json::parse(R"({"contents": [{"role": "user", "parts": [
      {"text": "hi"}, {"fileData": {"fileUri": "https://x/y"}}]}]})"));
}

TEST_F(MediaFetch, ResolveRefusesTooManyUrls) {
  json::array parts;
  for (int i = 0; i < 3; ++i)
    parts.push_back(json::object{{"fileData", json::object{{"fileUri", "http://10.0.0.1/" + std::to_string(i)}}},
                                 {"_gw_fetch", true}});
  json::object req{{"contents", json::array{json::object{{"role", "user"}, {"parts", parts}}}}};
  media_policy p;
  p.max_urls = 2;
  auto r = resolve(req, p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().message, "too many media URLs in one request (3, the limit is 2)");
}

TEST_F(MediaFetch, ResolveBoundsTheTotalBytesOfARequest) {
  local_server srv(io_, [](const std::string&) { return reply{http_response(200, png + std::string(1000, 'x'))}; });
  json::array parts;
  for (int i = 0; i < 3; ++i)
    parts.push_back(
        json::object{{"fileData", json::object{{"fileUri", srv.url("/" + std::to_string(i))}}}, {"_gw_fetch", true}});
  json::object req{{"contents", json::array{json::object{{"role", "user"}, {"parts", parts}}}}};
  media_policy p = loopback_open();
  p.max_total_bytes = 2500;
  auto r = resolve(req, p);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("add up to more than 2500 bytes"), std::string::npos) << r.err().message;
}

}  // namespace
}  // namespace gw::upstream
