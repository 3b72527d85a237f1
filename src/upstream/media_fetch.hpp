// Safe download of client-given media URLs (SSRF-guarded, bounded) and their inlining into a Gemini request.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gw::upstream {

namespace net = boost::asio;

struct media_policy {
  std::size_t max_bytes = 20 << 20;          // per URL (body bytes)
  std::chrono::milliseconds timeout{15000};  // per URL, every hop included (resolve, connect, TLS, headers, body)
  int max_redirects = 3;
  // Opened despite the rules below. Entries: "host.name", "*.domain" (its subdomains), "1.2.3.4", "10.0.0.0/8",
  // "fd00::/8", "[::1]"; each may end in ":port" ("127.0.0.1:8080", "[::1]:8080", "files.lan:8443") to open that
  // port only. A name entry matches the URL's host name; an address entry matches the address connected to.
  std::vector<std::string> allow_hosts;
  // Opens loopback, unspecified, private, link-local, CGNAT and reserved addresses. Never multicast, and never
  // the cloud metadata endpoints: those only by an explicit allow_hosts entry.
  bool allow_private = false;
  // Bounds for one request's media together (memory: bytes are held until the request is built).
  std::size_t max_total_bytes = 64 << 20;
  std::size_t max_urls = 32;
};

struct fetched_media {
  std::string mime;
  std::string bytes;
};

// Why an address may not be connected to by default.
enum class address_class {
  global,           // public unicast: allowed
  loopback,         // 127/8, ::1
  unspecified,      // 0.0.0.0, ::
  private_network,  // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10, 64:ff9b:1::/48
  link_local,       // 169.254/16, fe80::/10
  shared,           // 100.64/10 (carrier-grade NAT)
  multicast,        // 224/4, ff00::/8
  metadata,         // 169.254.169.254, 169.254.170.2, 100.100.100.200, fd00:ec2::254
  reserved,         // 0/8, 240/4, broadcast, documentation and benchmark ranges, Teredo, non-2000::/3 IPv6
};

// IPv6 forms that carry an IPv4 address (mapped ::ffff:0:0/96, compatible ::/96, SIIT, NAT64 64:ff9b::/96, 6to4
// 2002::/16) are classified by the IPv4 address they reach.
address_class classify_address(const net::ip::address& a) noexcept;
std::string_view describe(address_class c) noexcept;  // "a private address", ...

// Whether the policy forbids connecting to `a`, reached for a URL naming `host` (name or literal) and `port`.
// host/port only matter for allow_hosts entries that name a host or a port.
bool address_refused(const net::ip::address& a, const media_policy& policy, std::string_view host = {},
                     std::uint16_t port = 0);
// Whether a host name is refused before resolving: the metadata names (metadata.google.internal, metadata,
// metadata.goog), unless an allow_hosts entry names it.
bool host_name_refused(std::string_view host, std::uint16_t port, const media_policy& policy);
// Checks the allow_hosts entries (for configuration loading): the first malformed one is named.
result<void> check_media_policy(const media_policy& policy);

// Downloads url (http or https; TLS with peer verification + SNI, using the given ssl context), following at
// most max_redirects redirects, each hop re-checked. Resolves the host itself, drops every address the policy
// refuses, and connects to exactly the checked addresses (no second DNS lookup: no rebinding). A body over
// max_bytes aborts early (Content-Length or while reading). The MIME type is sniffed from the bytes.
// Every failure is a gw::error of kind bad_request whose public message names the URL (without query or user
// info) and the reason: "<label> URL https://x/y could not be fetched: host resolves to a private address".
// Like every Asio awaitable it starts when awaited: url, policy and label must live until it completes.
net::awaitable<result<fetched_media>> fetch_media(net::any_io_executor ex, std::shared_ptr<net::ssl::context> tls,
                                                  std::string_view url, const media_policy& policy,
                                                  std::string_view label = "media");

// Walks a Gemini request (contents[].parts[] with functionResponse.parts[], and systemInstruction.parts[]) and
// replaces every part carrying "_gw_fetch": true + fileData.fileUri by {"inlineData":{"mimeType","data"}}
// (base64), keeping the part's other fields (videoMetadata, ...). Up to 4 downloads run at once, each distinct
// URL once; the failure of the earliest failing part is returned and the request is left unchanged then.
// `ex` must be single-threaded (an io_context run by one thread, or a strand); the caller's coroutine runs on it.
net::awaitable<result<void>> resolve_remote_media(net::any_io_executor ex, std::shared_ptr<net::ssl::context> tls,
                                                  boost::json::object& gemini_request, const media_policy& policy);

}  // namespace gw::upstream
