// Credential states as strings, and the parser of the credential files operators import.
#include "credentials/credential.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <boost/json.hpp>

namespace gw::credentials {

namespace {

constexpr std::array<std::pair<state, std::string_view>, 7> state_names{{
    {state::active, "active"},
    {state::needs_login, "needs_login"},
    {state::ineligible, "ineligible"},
    {state::validation_required, "validation_required"},
    {state::needs_project, "needs_project"},
    {state::disabled, "disabled"},
    {state::error, "error"},
}};

// Every message names the field, never its value: the file is full of secrets.
error bad_file(std::string message) { return client_error(error_kind::bad_request, std::move(message)); }

std::string_view trim(std::string_view s) noexcept {
  constexpr std::string_view ws = " \t\r\n\f\v";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Reads n digits at s[pos..]; false when any is not a digit.
bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) noexcept {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  out = v;
  return true;
}

// RFC 3339 ("2025-08-09T12:34:56.789012345+08:00", "...Z") to epoch ms, as Go's oauth2.Token writes
// `expiry`. Go's zero time ("0001-01-01T00:00:00Z") and anything before 1970 mean "unknown" (0).
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s) noexcept {
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || !read_digits(s, 0, 4, y) || s[4] != '-' || !read_digits(s, 5, 2, mo) || s[7] != '-' ||
      !read_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !read_digits(s, 11, 2, h) ||
      s[13] != ':' || !read_digits(s, 14, 2, mi) || s[16] != ':' || !read_digits(s, 17, 2, sec))
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac_ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos, digits = 0;
    while (pos < s.size() && is_digit(s[pos])) {
      if (digits < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (; digits < 3; ++digits) frac_ms *= 10;
  }
  if (pos >= s.size()) return std::nullopt;
  std::int64_t offset_min = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!read_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !read_digits(s, pos + 4, 2, om))
      return std::nullopt;
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;

  namespace chr = std::chrono;
  chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(mo)}, chr::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::int64_t days = chr::sys_days{ymd}.time_since_epoch().count();
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  if (secs <= 0) return 0;
  return secs * 1000 + frac_ms;
}

// gemini-cli writes expiry_date as now + expires_in*1000 computed in JavaScript, so the number may
// be fractional (1769159945362.7791); other tools write an integer or a numeric string. We round
// down: an expiry a fraction of a millisecond early is harmless.
std::optional<std::int64_t> ms_from_double(double v) noexcept {
  if (!std::isfinite(v)) return std::nullopt;
  if (v <= 0) return 0;
  if (v >= 9.0e18) return std::nullopt;
  return static_cast<std::int64_t>(std::floor(v));
}

std::optional<std::int64_t> parse_expiry_number_string(std::string_view s) noexcept {
  s = trim(s);
  if (s.empty()) return 0;
  bool seen_digit = false, seen_dot = false;
  for (char c : s) {
    if (is_digit(c)) seen_digit = true;
    else if (c == '.' && !seen_dot) seen_dot = true;
    else return std::nullopt;
  }
  if (!seen_digit) return std::nullopt;
  // Digits and one dot only: strtod is exact enough for epoch ms (< 2^53).
  std::string tmp(s);
  return ms_from_double(std::strtod(tmp.c_str(), nullptr));
}

// An expiry field: epoch ms as a number or numeric string; RFC 3339 when rfc3339_ok (Go's `expiry`).
result<std::int64_t> read_expiry(const boost::json::value& v, std::string_view field, bool rfc3339_ok) {
  std::optional<std::int64_t> ms;
  switch (v.kind()) {
    case boost::json::kind::null: return std::int64_t{0};
    case boost::json::kind::int64: ms = v.get_int64() < 0 ? 0 : v.get_int64(); break;
    case boost::json::kind::uint64:
      if (v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        ms = static_cast<std::int64_t>(v.get_uint64());
      break;
    case boost::json::kind::double_: ms = ms_from_double(v.get_double()); break;
    case boost::json::kind::string: {
      std::string_view s = v.get_string();
      ms = parse_expiry_number_string(s);
      if (!ms && rfc3339_ok) ms = parse_rfc3339_ms(trim(s));
      break;
    }
    default: break;
  }
  if (!ms) return bad_file("credentials field '" + std::string(field) + "' is not a valid expiry time");
  return *ms;
}

// Copies a string field when present; error when present with another type (null counts as absent).
result<void> read_string(const boost::json::object& o, std::string_view key, std::string& out) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return {};
  if (!v->is_string()) return bad_file("credentials field '" + std::string(key) + "' is not a string");
  out = std::string(v->get_string());
  return {};
}

// The first of several spellings of a field that is present (gemini-cli's file uses snake_case, the
// keychain form camelCase).
const boost::json::value* first_of(const boost::json::object& o, std::initializer_list<std::string_view> keys,
                                   std::string_view& found) {
  for (auto k : keys) {
    if (auto* v = o.if_contains(k); v && !v->is_null()) {
      found = k;
      return v;
    }
  }
  return nullptr;
}

result<void> read_string_any(const boost::json::object& o, std::initializer_list<std::string_view> keys,
                             std::string& out) {
  std::string_view found;
  auto* v = first_of(o, keys, found);
  if (!v) return {};
  if (!v->is_string()) return bad_file("credentials field '" + std::string(found) + "' is not a string");
  out = std::string(v->get_string());
  return {};
}

std::optional<std::string> base64url_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int x = val(c);
    if (x < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(x);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// The account's address from the id_token's payload, so a gemini-cli file (which has no email field)
// still shows whose account it is. The signature is not checked: the value is a label, not an identity.
std::string email_from_id_token(std::string_view jwt) {
  auto d1 = jwt.find('.');
  if (d1 == std::string_view::npos) return {};
  auto d2 = jwt.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return {};
  auto payload = base64url_decode(jwt.substr(d1 + 1, d2 - d1 - 1));
  if (!payload) return {};
  boost::system::error_code ec;
  auto v = boost::json::parse(*payload, ec);
  if (ec || !v.is_object()) return {};
  auto* e = v.get_object().if_contains("email");
  if (!e || !e->is_string()) return {};
  return std::string(e->get_string());
}

// A file holding only a refresh token ("1//..." on one line), as some tools export it.
std::optional<credential> parse_bare_refresh_token(std::string_view text) {
  if (!text.starts_with("1//")) return std::nullopt;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return std::nullopt;
  }
  credential c;
  c.refresh_token = std::string(text);
  return c;
}

}  // namespace

std::string_view to_string(state s) noexcept {
  for (const auto& [st, name] : state_names)
    if (st == s) return name;
  return "error";
}

std::optional<state> state_from_string(std::string_view s) noexcept {
  for (const auto& [st, name] : state_names)
    if (name == s) return st;
  return std::nullopt;
}

result<credential> parse_oauth_creds_json(std::string_view text) {
  text = trim(text);
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF && static_cast<unsigned char>(text[1]) == 0xBB &&
      static_cast<unsigned char>(text[2]) == 0xBF)
    text = trim(text.substr(3));  // a UTF-8 BOM from an editor
  if (text.empty()) return bad_file("credentials file is empty");
  if (text.front() != '{') {
    if (auto c = parse_bare_refresh_token(text)) return std::move(*c);
    return bad_file("credentials file is neither a JSON object nor a refresh token");
  }

  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(text, ec);
  // Boost.JSON's messages name the problem, never the input, so the detail is safe to log.
  if (ec) return make_error(error_kind::bad_request, error_source::client, "credentials file is not valid JSON", ec.message());
  if (!root.is_object()) return bad_file("credentials file is not a JSON object");
  const auto& top = root.get_object();

  credential c;
  // CLIProxyAPI nests the token under "token" and keeps project and email beside it.
  const boost::json::object* tok = &top;
  bool nested = false;
  if (auto* t = top.if_contains("token"); t && t->is_object()) {
    tok = &t->get_object();
    nested = true;
  }

  if (auto r = read_string_any(*tok, {"refresh_token", "refreshToken"}, c.refresh_token); !r) return std::move(r).err();
  if (c.refresh_token.empty() && nested) {
    if (auto r = read_string_any(top, {"refresh_token", "refreshToken"}, c.refresh_token); !r) return std::move(r).err();
  }
  if (c.refresh_token.empty()) return bad_file("no refresh_token in credentials file");

  if (auto r = read_string_any(*tok, {"access_token", "accessToken"}, c.access_token); !r) return std::move(r).err();
  if (auto r = read_string(*tok, "scope", c.scope); !r) return std::move(r).err();
  {
    std::string tt;
    if (auto r = read_string_any(*tok, {"token_type", "tokenType"}, tt); !r) return std::move(r).err();
    if (!tt.empty()) c.token_type = std::move(tt);
  }

  std::string_view found;
  if (auto* v = first_of(*tok, {"expiry_date", "expiresAt"}, found)) {
    auto ms = read_expiry(*v, found, false);
    if (!ms) return std::move(ms).err();
    c.expiry_ms = *ms;
  } else if (auto* v2 = first_of(*tok, {"expiry"}, found)) {
    auto ms = read_expiry(*v2, found, true);
    if (!ms) return std::move(ms).err();
    c.expiry_ms = *ms;
  }

  if (nested) {
    if (auto r = read_string(top, "project_id", c.configured_project); !r) return std::move(r).err();
    if (auto r = read_string(top, "email", c.email); !r) return std::move(r).err();
  }
  if (c.email.empty()) {
    if (auto r = read_string(*tok, "email", c.email); !r) return std::move(r).err();
  }
  if (c.email.empty()) {
    std::string id_token;
    if (auto r = read_string(*tok, "id_token", id_token); !r) return std::move(r).err();
    if (!id_token.empty()) c.email = email_from_id_token(id_token);
  }
  return c;
}

}  // namespace gw::credentials
