// Safe remote-media download and inlining; see media_fetch.hpp.
#include "upstream/media_fetch.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <map>

#include "translate/common/mime.hpp"

namespace gw::upstream {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t max_url_length = 8192;
constexpr std::size_t max_shown_url = 200;
constexpr std::size_t parallel_fetches = 4;

// ---------------------------------------------------------------------------------------------------------------
// Addresses

address_class classify_v4(std::uint32_t a) noexcept {
  auto in = [a](std::uint32_t net, int len) { return (a >> (32 - len)) == (net >> (32 - len)); };
  if (a == 0) return address_class::unspecified;
  // The instance-metadata services: AWS/GCP/Azure/Oracle/OpenStack, AWS ECS task metadata, Alibaba.
  if (a == 0xA9FEA9FE || a == 0xA9FEAA02 || a == 0x646464C8) return address_class::metadata;
  if (in(0x7F000000, 8)) return address_class::loopback;
  if (in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16)) return address_class::private_network;
  if (in(0xA9FE0000, 16)) return address_class::link_local;
  if (in(0x64400000, 10)) return address_class::shared;
  if (in(0xE0000000, 4)) return address_class::multicast;
  // "this network" 0/8, 240/4 with the broadcast address, IETF protocol assignments 192.0.0/24, the
  // documentation nets and the benchmarking 198.18/15: none is a place a public file lives.
  if (in(0x00000000, 8) || in(0xF0000000, 4) || in(0xC0000000, 24) || in(0xC0000200, 24) || in(0xC6120000, 15) ||
      in(0xC6336400, 24) || in(0xCB007100, 24))
    return address_class::reserved;
  return address_class::global;
}

std::uint32_t v4_at(const net::ip::address_v6::bytes_type& b, int i) {
  return std::uint32_t{b[i]} << 24 | std::uint32_t{b[i + 1]} << 16 | std::uint32_t{b[i + 2]} << 8 | b[i + 3];
}

bool zeros(const net::ip::address_v6::bytes_type& b, int from, int to) {
  for (int i = from; i < to; ++i)
    if (b[i]) return false;
  return true;
}

// The IPv4 address an IPv6 address reaches by a standard embedding, if any.
std::optional<std::uint32_t> embedded_v4(const net::ip::address_v6& a) {
  auto b = a.to_bytes();
  if (zeros(b, 0, 10) && b[10] == 0xFF && b[11] == 0xFF) return v4_at(b, 12);  // ::ffff:a.b.c.d (mapped)
  if (zeros(b, 0, 12)) return v4_at(b, 12);                                    // ::a.b.c.d (compatible)
  if (zeros(b, 0, 8) && b[8] == 0xFF && b[9] == 0xFF && !b[10] && !b[11]) return v4_at(b, 12);        // SIIT
  if (!b[0] && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && zeros(b, 4, 12)) return v4_at(b, 12);  // NAT64
  if (b[0] == 0x20 && b[1] == 0x02) return v4_at(b, 2);                                               // 6to4
  return std::nullopt;
}

address_class classify_v6(const net::ip::address_v6& a) noexcept {
  auto b = a.to_bytes();
  if (zeros(b, 0, 16)) return address_class::unspecified;
  if (zeros(b, 0, 15) && b[15] == 1) return address_class::loopback;
  if (auto v4 = embedded_v4(a)) return classify_v4(*v4);
  static constexpr net::ip::address_v6::bytes_type aws_metadata{0xFD, 0x00, 0x0E, 0xC2, 0, 0, 0,    0,
                                                                0,    0,    0,    0,    0, 0, 0x02, 0x54};
  if (b == aws_metadata) return address_class::metadata;
  if (!b[0] && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && !b[4] && b[5] == 1)
    return address_class::private_network;                                           // 64:ff9b:1::/48, local-use NAT64
  if ((b[0] & 0xFE) == 0xFC) return address_class::private_network;                  // fc00::/7
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return address_class::link_local;       // fe80::/10
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return address_class::private_network;  // fec0::/10
  if (b[0] == 0xFF) return address_class::multicast;                                 // ff00::/8
  if (b[0] == 0x20 && b[1] == 0x01 && !b[2] && !b[3]) return address_class::reserved;                // Teredo
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return address_class::reserved;  // docs
  if ((b[0] & 0xE0) != 0x20) return address_class::reserved;  // only 2000::/3 is global unicast
  return address_class::global;
}

// IPv4-mapped IPv6 addresses compare as the IPv4 address they are.
net::ip::address normalized(const net::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6());
  return a;
}

bool prefix_match(const net::ip::address& a, const net::ip::address& net_addr, int prefix) {
  if (a.is_v4() != net_addr.is_v4()) return false;
  auto cmp = [prefix](const auto& x, const auto& y) {
    int full = prefix / 8, rest = prefix % 8;
    for (int i = 0; i < full; ++i)
      if (x[i] != y[i]) return false;
    if (rest == 0) return true;
    unsigned mask = (0xFFu << (8 - rest)) & 0xFF;
    return (x[full] & mask) == (y[full] & mask);
  };
  return a.is_v4() ? cmp(a.to_v4().to_bytes(), net_addr.to_v4().to_bytes())
                   : cmp(a.to_v6().to_bytes(), net_addr.to_v6().to_bytes());
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Host names compare lower-case and without the root's trailing dot.
std::string host_key(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  return lower(host);
}

bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_'))
      return false;
  return true;
}

std::optional<std::uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v == 0 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

struct allow_entry {
  enum class type { name, suffix, network } kind = type::name;
  std::string name;  // host_key form; for suffix: ".domain"
  net::ip::address network;
  int prefix = 0;
  std::optional<std::uint16_t> port;
};

std::optional<allow_entry> parse_allow_entry(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  allow_entry e;
  std::string_view host = text;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    auto after = text.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':') || !(e.port = parse_port(after.substr(1)))) return std::nullopt;
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    auto colon = text.find(':');
    host = text.substr(0, colon);
    if (!(e.port = parse_port(text.substr(colon + 1)))) return std::nullopt;
  }
  if (host.empty()) return std::nullopt;
  auto slash = host.find('/');
  boost::system::error_code ec;
  auto addr = net::ip::make_address(std::string(host.substr(0, slash)), ec);
  if (!ec) {
    e.kind = allow_entry::type::network;
    e.network = normalized(addr);
    int max_prefix = addr.is_v4() ? 32 : 128;
    e.prefix = e.network.is_v4() ? 32 : 128;
    if (slash != std::string_view::npos) {
      auto len = host.substr(slash + 1);
      if (len.empty() || len.size() > 3 ||
          !std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
      e.prefix = std::stoi(std::string(len));
      if (e.prefix > max_prefix) return std::nullopt;
      // a mapped network ("::ffff:10.0.0.0/104") became IPv4: its prefix counts the IPv4 bits only
      if (addr.is_v6() && e.network.is_v4()) {
        if (e.prefix < 96) return std::nullopt;
        e.prefix -= 96;
      }
    }
    return e;
  }
  if (slash != std::string_view::npos || text.starts_with('[')) return std::nullopt;
  if (host.starts_with("*.")) {
    if (!valid_host_name(host.substr(2))) return std::nullopt;
    e.kind = allow_entry::type::suffix;
    e.name = "." + host_key(host.substr(2));
    return e;
  }
  if (!valid_host_name(host)) return std::nullopt;
  e.name = host_key(host);
  return e;
}

bool name_allowed(std::string_view host, std::uint16_t port, const media_policy& p) {
  if (host.empty()) return false;
  std::string key = host_key(host);
  for (auto& text : p.allow_hosts) {
    auto e = parse_allow_entry(text);
    if (!e || (e->port && *e->port != port)) continue;
    if (e->kind == allow_entry::type::name && e->name == key) return true;
    if (e->kind == allow_entry::type::suffix && key.size() > e->name.size() && key.ends_with(e->name)) return true;
  }
  return false;
}

bool address_allowed_by_entry(const net::ip::address& a, std::uint16_t port, const media_policy& p) {
  for (auto& text : p.allow_hosts) {
    auto e = parse_allow_entry(text);
    if (!e || e->kind != allow_entry::type::network || (e->port && *e->port != port)) continue;
    if (prefix_match(a, e->network, e->prefix)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// URLs

struct target_url {
  bool tls = false;
  std::string host;  // lower-case; an IPv6 literal without brackets
  std::uint16_t port = 0;
  std::string target;  // path and query, starting with '/'
  bool v6_literal = false;

  std::string origin() const {
    std::string s = tls ? "https://" : "http://";
    s += v6_literal ? "[" + host + "]" : host;
    if (port != (tls ? 443 : 80)) s += ":" + std::to_string(port);
    return s;
  }
  std::string host_header() const {
    std::string s = v6_literal ? "[" + host + "]" : host;
    if (port != (tls ? 443 : 80)) s += ":" + std::to_string(port);
    return s;
  }
};

// The URL as shown in messages: no user info, no query or fragment (signed URLs carry credentials there),
// printable ASCII only, bounded length.
std::string shown_url(std::string_view raw) {
  bool had_query = false;
  if (auto cut = raw.find_first_of("?#"); cut != std::string_view::npos) {
    had_query = raw[cut] == '?';
    raw = raw.substr(0, cut);
  }
  std::string s;
  if (auto scheme_end = raw.find("://"); scheme_end != std::string_view::npos) {
    auto auth_start = scheme_end + 3;
    auto auth_end = std::min(raw.find('/', auth_start), raw.size());
    auto at = raw.substr(auth_start, auth_end - auth_start).rfind('@');
    s = std::string(raw.substr(0, auth_start));
    s += raw.substr(at == std::string_view::npos ? auth_start : auth_start + at + 1);
  } else {
    s = std::string(raw);
  }
  std::string out;
  for (char c : s) {
    if (out.size() >= max_shown_url) {
      out += "...";
      return out;
    }
    auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7F) out += c;
  }
  if (had_query) out += "?...";
  return out;
}

error reason(std::string why, std::string detail = {}) {
  return make_error(error_kind::bad_request, error_source::client, std::move(why), std::move(detail));
}

result<target_url> parse_target(std::string_view text) {
  if (text.size() > max_url_length)
    return reason("the URL is longer than " + std::to_string(max_url_length) + " characters");
  auto scheme_end = text.find("://");
  std::string scheme = lower(text.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end));
  if (scheme != "http" && scheme != "https") return reason("only http and https URLs can be fetched");
  target_url u;
  u.tls = scheme == "https";
  auto rest = text.substr(scheme_end + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  auto auth_end = std::min(rest.find_first_of("/?"), rest.size());
  auto authority = rest.substr(0, auth_end);
  auto path = rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return reason("URLs with a user name or password are not fetched");
  std::string_view host, port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return reason("the URL's IPv6 host is malformed");
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return reason("the URL's host is malformed");
    if (!after.empty()) port = after.substr(1);
    boost::system::error_code ec;
    auto a = net::ip::make_address_v6(std::string(host), ec);
    if (ec || host.find('%') != std::string_view::npos) return reason("the URL's IPv6 host is malformed");
    u.host = a.to_string();
    u.v6_literal = true;
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (host.empty()) return reason("the URL has no host");
    if (!valid_host_name(host)) return reason("the URL's host is malformed");
    u.host = host_key(host);
    if (u.host.empty()) return reason("the URL has no host");
  }
  if (port.empty()) {
    u.port = u.tls ? 443 : 80;
  } else if (auto p = parse_port(port)) {
    u.port = *p;
  } else {
    return reason("the URL's port is malformed");
  }
  // Spaces and non-ASCII bytes are escaped as browsers do; control characters could split the request line.
  static constexpr char hex[] = "0123456789ABCDEF";
  if (!path.starts_with('/')) u.target = "/";
  for (char c : path) {
    auto b = static_cast<unsigned char>(c);
    if (b == ' ' || b >= 0x80) {
      u.target += '%';
      u.target += hex[b >> 4];
      u.target += hex[b & 15];
    } else if (b < 0x20 || b == 0x7F) {
      return reason("the URL contains control characters");
    } else {
      u.target += c;
    }
  }
  return u;
}

// Resolves a Location header against the URL that answered it (RFC 3986 references, without dot-segment
// removal: the server gets the path as written).
result<target_url> resolve_location(const target_url& base, std::string_view loc) {
  while (!loc.empty() && (loc.front() == ' ' || loc.front() == '\t')) loc.remove_prefix(1);
  while (!loc.empty() && (loc.back() == ' ' || loc.back() == '\t')) loc.remove_suffix(1);
  auto colon = loc.find(':');
  auto first_special = loc.find_first_of("/?#");
  if (colon != std::string_view::npos && colon > 0 &&
      (first_special == std::string_view::npos || colon < first_special))
    return parse_target(loc);  // absolute: scheme given
  if (loc.starts_with("//")) return parse_target(std::string(base.tls ? "https:" : "http:") + std::string(loc));
  std::string path = base.target.substr(0, base.target.find('?'));
  std::string joined;
  if (loc.starts_with('/')) {
    joined = std::string(loc);
  } else if (loc.starts_with('?')) {
    joined = path + std::string(loc);
  } else if (loc.empty() || loc.starts_with('#')) {
    joined = base.target;
  } else {
    joined = path.substr(0, path.rfind('/') + 1) + std::string(loc);
  }
  return parse_target(base.origin() + joined);
}

// ---------------------------------------------------------------------------------------------------------------
// One hop

struct hop_outcome {
  bool redirect = false;
  std::string location;
  std::string body;
  std::string content_type;
};

bool timed_out(const boost::system::error_code& ec, clock_type::time_point deadline) {
  return ec == beast::error::timeout || clock_type::now() >= deadline;
}

std::string size_text(std::size_t n) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

error too_large(const media_policy& p) {
  return reason("the content is larger than the limit of " + size_text(p.max_bytes));
}

error io_failure(const char* what, const boost::system::error_code& ec, clock_type::time_point deadline,
                 const media_policy& p) {
  if (timed_out(ec, deadline))
    return reason("timed out after " + std::to_string(p.timeout.count()) + " ms", ec.message());
  return reason(what, ec.message());
}

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

template <class Stream>
net::awaitable<result<hop_outcome>> exchange(Stream& s, const target_url& u, const media_policy& p,
                                             clock_type::time_point deadline) {
  http::request<http::empty_body> req{http::verb::get, u.target, 11};
  req.set(http::field::host, u.host_header());
  req.set(http::field::user_agent, "gcli-gateway media fetch");
  req.set(http::field::accept, "*/*");
  req.set(http::field::accept_encoding, "identity");  // the bytes are sniffed as they come
  req.set(http::field::connection, "close");
  boost::system::error_code ec;
  beast::get_lowest_layer(s).expires_at(deadline);
  co_await http::async_write(s, req, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return io_failure("sending the request failed", ec, deadline, p);

  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(boost::none);  // a redirect may announce any body: it is never read
  co_await http::async_read_header(s, buf, parser, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return io_failure("the server sent no valid HTTP response", ec, deadline, p);
  unsigned status = parser.get().result_int();
  hop_outcome out;
  if (is_redirect(status)) {
    out.redirect = true;
    out.location = std::string(parser.get()[http::field::location]);
    if (out.location.empty())
      co_return reason("the server answered HTTP " + std::to_string(status) + " without a Location");
    co_return out;
  }
  if (status < 200 || status > 299) co_return reason("the server answered HTTP " + std::to_string(status));
  if (auto len = parser.content_length(); len && *len > p.max_bytes) co_return too_large(p);
  parser.body_limit(p.max_bytes);
  co_await http::async_read(s, buf, parser, net::redirect_error(net::use_awaitable, ec));
  if (ec == net::ssl::error::stream_truncated && parser.need_eof()) {
    ec = {};  // a body delimited by the close, from a server that skipped close_notify
    parser.put_eof(ec);
  }
  if (ec == http::error::body_limit) co_return too_large(p);
  if (ec) co_return io_failure("reading the content failed", ec, deadline, p);
  out.content_type = std::string(parser.get()[http::field::content_type]);
  out.body = std::move(parser.get().body());
  co_return out;
}

// Resolves with the deadline; getaddrinfo cannot be interrupted, but its wait can be abandoned.
net::awaitable<result<std::vector<tcp::endpoint>>> resolve(net::any_io_executor ex, const target_url& u,
                                                           const media_policy& p, clock_type::time_point deadline) {
  auto resolver = std::make_shared<tcp::resolver>(ex);
  net::steady_timer timer(ex);
  timer.expires_at(deadline);
  timer.async_wait([resolver](boost::system::error_code ec) {
    if (!ec) resolver->cancel();
  });
  boost::system::error_code ec;
  std::string port = std::to_string(u.port);
  auto found = co_await resolver->async_resolve(u.host, port, tcp::resolver::numeric_service,
                                                net::redirect_error(net::use_awaitable, ec));
  timer.cancel();
  if (ec && timed_out(ec, deadline)) co_return io_failure("", ec, deadline, p);
  if (ec || found.empty()) co_return reason("the host name could not be resolved", ec.message());
  std::vector<tcp::endpoint> out;
  for (auto& e : found) out.push_back(e.endpoint());
  co_return out;
}

net::awaitable<result<hop_outcome>> fetch_hop(net::any_io_executor ex, const std::shared_ptr<net::ssl::context>& tls,
                                              const target_url& u, const media_policy& p,
                                              clock_type::time_point deadline) {
  if (host_name_refused(u.host, u.port, p)) co_return reason("the host is a cloud metadata endpoint");
  if (u.tls && !tls) co_return reason("https is not available", "no TLS context given to fetch_media");

  std::vector<tcp::endpoint> candidates;
  boost::system::error_code ec;
  auto literal = net::ip::make_address(u.host, ec);
  bool host_is_address = !ec;
  if (host_is_address) {
    candidates.emplace_back(literal, u.port);
  } else {
    auto found = co_await resolve(ex, u, p, deadline);
    if (!found) co_return std::move(found).err();
    candidates = std::move(found.value());
  }
  // The check is on the very addresses connected to below: a second lookup could answer differently.
  std::vector<tcp::endpoint> allowed;
  std::optional<address_class> refused;
  for (auto& e : candidates) {
    if (address_refused(e.address(), p, u.host, u.port)) {
      if (!refused) refused = classify_address(e.address());
    } else {
      allowed.push_back(e);
    }
  }
  if (allowed.empty()) co_return reason("host resolves to " + std::string(describe(*refused)));

  beast::tcp_stream stream(ex);
  for (auto& e : allowed) {
    stream.expires_at(deadline);
    co_await stream.async_connect(e, net::redirect_error(net::use_awaitable, ec));
    if (!ec || timed_out(ec, deadline)) break;
    boost::system::error_code ignored;
    stream.socket().close(ignored);
  }
  if (ec) co_return io_failure("the connection failed", ec, deadline, p);

  if (!u.tls) co_return co_await exchange(stream, u, p, deadline);
  beast::ssl_stream<beast::tcp_stream> s(std::move(stream), *tls);
  if (!host_is_address && !SSL_set_tlsext_host_name(s.native_handle(), u.host.c_str()))
    co_return reason("the TLS handshake failed", "SNI setup failed");
  s.set_verify_mode(net::ssl::verify_peer);
  s.set_verify_callback(net::ssl::host_name_verification(u.host));
  ec = {};
  co_await s.async_handshake(net::ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
  if (ec)
    co_return io_failure("the TLS handshake failed (certificate not trusted or not for this host)", ec, deadline, p);
  co_return co_await exchange(s, u, p, deadline);
}

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) out += c;
  }
  return out;
}

error with_context(error e, std::string_view label, std::string_view shown) {
  e.message = std::string(label) + " URL " + std::string(shown) + " could not be fetched: " + e.message;
  return e;
}

}  // namespace

// -----------------------------------------------------------------------------------------------------------------

address_class classify_address(const net::ip::address& a) noexcept {
  if (a.is_v4()) return classify_v4(a.to_v4().to_uint());
  return classify_v6(a.to_v6());
}

std::string_view describe(address_class c) noexcept {
  switch (c) {
    case address_class::global:
      return "a public address";
    case address_class::loopback:
      return "a loopback address";
    case address_class::unspecified:
      return "an unspecified address";
    case address_class::private_network:
      return "a private address";
    case address_class::link_local:
      return "a link-local address";
    case address_class::shared:
      return "a carrier-grade NAT address";
    case address_class::multicast:
      return "a multicast address";
    case address_class::metadata:
      return "a cloud metadata address";
    case address_class::reserved:
      return "a reserved address";
  }
  return "a refused address";
}

bool address_refused(const net::ip::address& a, const media_policy& policy, std::string_view host, std::uint16_t port) {
  auto n = normalized(a);
  if (address_allowed_by_entry(n, port, policy) || name_allowed(host, port, policy)) return false;
  auto c = classify_address(n);
  if (c == address_class::global) return false;
  if (policy.allow_private && c != address_class::multicast && c != address_class::metadata) return false;
  return true;
}

bool host_name_refused(std::string_view host, std::uint16_t port, const media_policy& policy) {
  std::string key = host_key(host);
  bool metadata = key == "metadata.google.internal" || key == "metadata" || key == "metadata.goog";
  return metadata && !name_allowed(host, port, policy);
}

result<void> check_media_policy(const media_policy& policy) {
  for (auto& text : policy.allow_hosts)
    if (!parse_allow_entry(text))
      return client_error(error_kind::bad_request,
                          "media allow-list entry \"" + printable(text, 100) +
                              "\" is not a host name, *.domain, address or network, with an optional :port");
  if (policy.max_bytes == 0) return client_error(error_kind::bad_request, "the media size limit must be positive");
  if (policy.timeout.count() <= 0) return client_error(error_kind::bad_request, "the media timeout must be positive");
  return {};
}

net::awaitable<result<fetched_media>> fetch_media(net::any_io_executor ex, std::shared_ptr<net::ssl::context> tls,
                                                  std::string_view url, const media_policy& policy,
                                                  std::string_view label) {
  auto deadline = clock_type::now() + policy.timeout;
  std::string shown = shown_url(url);
  auto parsed = parse_target(url);
  if (!parsed) co_return with_context(std::move(parsed).err(), label, shown);
  target_url current = std::move(parsed.value());
  int max_redirects = std::max(policy.max_redirects, 0);
  for (int hop = 0;; ++hop) {
    auto got = co_await fetch_hop(ex, tls, current, policy, deadline);
    if (!got) {
      auto e = std::move(got).err();
      if (hop > 0) e.message = "redirected to " + shown_url(current.origin() + current.target) + ": " + e.message;
      co_return with_context(std::move(e), label, shown);
    }
    auto& out = got.value();
    if (out.redirect) {
      if (hop >= max_redirects)
        co_return with_context(reason("too many redirects (more than " + std::to_string(max_redirects) + ")"), label,
                               shown);
      auto next = resolve_location(current, out.location);
      if (!next) {
        auto e = std::move(next).err();
        e.message = "redirected to " + shown_url(out.location) + ": " + e.message;
        co_return with_context(std::move(e), label, shown);
      }
      current = std::move(next.value());
      continue;
    }
    if (out.body.empty()) co_return with_context(reason("the content is empty"), label, shown);
    auto mime = translate::sniff_mime(out.body);
    if (!mime) {
      std::string why = "the content is not a supported image, audio, video or PDF format";
      if (auto ct = printable(out.content_type, 80); !ct.empty()) why += " (the server says " + ct + ")";
      co_return with_context(reason(std::move(why)), label, shown);
    }
    if (*mime == "image/gif")  // sniffed so the error can say what it is: Gemini takes no GIF (translation.md §7.7)
      co_return with_context(reason("GIF images are not supported by Gemini; send PNG, JPEG or WebP"), label, shown);
    co_return fetched_media{std::move(*mime), std::move(out.body)};
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Inlining into a Gemini request

namespace {

struct fetch_job {
  std::string url;
  std::string label;
  std::optional<result<fetched_media>> outcome;
};

// Shared by the workers and the waiting coroutine; the workers never touch the request itself, so an
// abandoned wait leaves them nothing dangling.
struct fetch_batch {
  explicit fetch_batch(net::any_io_executor ex) : wake(ex) {}
  std::vector<fetch_job> jobs;
  std::size_t next = 0;
  std::size_t running = 0;
  std::size_t total_bytes = 0;
  bool stop = false;
  bool crashed = false;
  media_policy policy;
  std::shared_ptr<net::ssl::context> tls;
  net::steady_timer wake;
};

net::awaitable<void> fetch_worker(std::shared_ptr<fetch_batch> b, net::any_io_executor ex) {
  while (!b->stop && b->next < b->jobs.size()) {
    auto& job = b->jobs[b->next++];
    auto got = co_await fetch_media(ex, b->tls, job.url, b->policy, job.label);
    if (got) {
      b->total_bytes += got->bytes.size();
      if (b->total_bytes > b->policy.max_total_bytes)
        got = client_error(error_kind::bad_request, "the media URLs of this request add up to more than " +
                                                        size_text(b->policy.max_total_bytes));
    }
    if (!got) b->stop = true;
    job.outcome.emplace(std::move(got));
  }
}

std::string label_for(std::string_view hint) {
  if (hint.starts_with("image/")) return "image";
  if (hint.starts_with("audio/")) return "audio";
  if (hint.starts_with("video/")) return "video";
  if (hint == "application/pdf" || hint.starts_with("text/")) return "document";
  return "media";
}

json::value* field(json::object& o, std::string_view camel, std::string_view snake) {
  if (auto* v = o.if_contains(camel)) return v;
  return o.if_contains(snake);
}

struct pending_part {
  json::object* part;
  std::size_t job;
};

void collect_parts(json::array& parts, std::vector<pending_part>& out, std::vector<fetch_job>& jobs,
                   std::map<std::string, std::size_t, std::less<>>& by_url) {
  for (auto& pv : parts) {
    auto* part = pv.if_object();
    if (!part) continue;
    if (auto* fr = field(*part, "functionResponse", "function_response"); fr && fr->is_object()) {
      if (auto* nested = fr->as_object().if_contains("parts"); nested && nested->is_array())
        collect_parts(nested->as_array(), out, jobs, by_url);
    }
    auto* marker = part->if_contains("_gw_fetch");
    if (!marker) continue;
    json::value* fd = field(*part, "fileData", "file_data");
    json::value* uri = fd && fd->is_object() ? field(fd->as_object(), "fileUri", "file_uri") : nullptr;
    if (!(marker->is_bool() && marker->get_bool()) || !uri || !uri->is_string()) {
      part->erase("_gw_fetch");  // a malformed marker: never let it reach Google
      continue;
    }
    std::string_view url = uri->get_string();
    auto it = by_url.find(url);
    if (it == by_url.end()) {
      json::value* hint = field(fd->as_object(), "mimeType", "mime_type");
      std::string_view hint_text = hint && hint->is_string() ? std::string_view(hint->get_string()) : "";
      jobs.push_back({std::string(url), label_for(hint_text), std::nullopt});
      it = by_url.emplace(std::string(url), jobs.size() - 1).first;
    }
    out.push_back({part, it->second});
  }
}

json::string base64(std::string_view bytes) {
  json::string s;
  s.resize(beast::detail::base64::encoded_size(bytes.size()));
  auto n = beast::detail::base64::encode(s.data(), bytes.data(), bytes.size());
  s.resize(n);
  return s;
}

}  // namespace

net::awaitable<result<void>> resolve_remote_media(net::any_io_executor ex, std::shared_ptr<net::ssl::context> tls,
                                                  json::object& gemini_request, const media_policy& policy) {
  std::vector<pending_part> parts;
  auto batch = std::make_shared<fetch_batch>(ex);
  std::map<std::string, std::size_t, std::less<>> by_url;
  if (auto* contents = gemini_request.if_contains("contents"); contents && contents->is_array()) {
    for (auto& c : contents->as_array())
      if (auto* co = c.if_object())
        if (auto* p = co->if_contains("parts"); p && p->is_array())
          collect_parts(p->as_array(), parts, batch->jobs, by_url);
  }
  auto* si = gemini_request.if_contains("systemInstruction");
  if (!si) si = gemini_request.if_contains("system_instruction");
  if (si && si->is_object())
    if (auto* p = si->as_object().if_contains("parts"); p && p->is_array())
      collect_parts(p->as_array(), parts, batch->jobs, by_url);
  if (batch->jobs.empty()) co_return result<void>{};
  if (batch->jobs.size() > policy.max_urls)
    co_return client_error(error_kind::bad_request, "too many media URLs in one request (" +
                                                        std::to_string(batch->jobs.size()) + ", the limit is " +
                                                        std::to_string(policy.max_urls) + ")");

  batch->policy = policy;
  batch->tls = std::move(tls);
  batch->running = std::min(parallel_fetches, batch->jobs.size());
  batch->wake.expires_at(clock_type::time_point::max());
  for (std::size_t i = 0, n = batch->running; i < n; ++i)
    net::co_spawn(ex, fetch_worker(batch, ex), [batch](std::exception_ptr e) {
      if (e) batch->crashed = batch->stop = true;
      if (--batch->running == 0) batch->wake.expires_at(clock_type::now());  // wakes the waiter, now or when it waits
    });
  while (batch->running > 0) {
    boost::system::error_code ec;
    co_await batch->wake.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  if (batch->crashed) co_return internal_error("media download failed", "a fetch worker threw");
  for (auto& job : batch->jobs)
    if (job.outcome && !*job.outcome) co_return job.outcome->err();

  // All fetched: encode each distinct URL once and rewrite the parts.
  std::vector<std::size_t> uses(batch->jobs.size(), 0);
  for (auto& p : parts) ++uses[p.job];
  std::vector<std::optional<json::string>> encoded(batch->jobs.size());
  for (auto& p : parts) {
    auto& media = batch->jobs[p.job].outcome->value();
    if (!encoded[p.job]) {
      encoded[p.job] = base64(media.bytes);
      std::string().swap(media.bytes);
    }
    json::object inline_data;
    inline_data["mimeType"] = media.mime;
    inline_data["data"] = --uses[p.job] == 0 ? std::move(*encoded[p.job]) : *encoded[p.job];
    p.part->erase("_gw_fetch");
    p.part->erase("fileData");
    p.part->erase("file_data");
    (*p.part)["inlineData"] = std::move(inline_data);
  }
  co_return result<void>{};
}

}  // namespace gw::upstream
