// Google RPC error classification: structure first (status, ErrorInfo, RetryInfo, QuotaFailure, Help).
#include "upstream/proto/google_error.hpp"

#include <algorithm>
#include <string>

#include <boost/json.hpp>

namespace gw::upstream {
namespace json = boost::json;
using std::chrono::milliseconds;

namespace {

// What the classifier needs from a Google error body; views point into the parsed value.
struct google_error_fields {
  bool parsed = false;      // an error object was found
  int code = 0;             // error.code
  std::string message;      // error.message
  std::string status;       // error.status, e.g. "RESOURCE_EXHAUSTED"
  bool has_details = false;  // details[] carried at least one typed item
  std::string reason;       // first ErrorInfo.reason
  std::string domain;       // first ErrorInfo.domain
  const json::object* metadata = nullptr;  // first ErrorInfo.metadata
  std::optional<milliseconds> retry_delay;  // RetryInfo.retryDelay
  bool quota_per_day = false;     // QuotaFailure quotaId (or metadata.quota_limit) has PerDay/Daily
  bool quota_per_minute = false;  // ... has PerMinute
  std::string help_url;           // first Help link
  std::string legacy_reason;      // errors[0].reason ("rateLimitExceeded", "forbidden")
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::string_view str_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v && v->is_string()) return v->get_string();
  return {};
}

// gemini-cli has seen "@type" keys with spaces around them; find the key by its trimmed name.
std::string_view type_of(const json::object& o) {
  if (auto t = str_of(o, "@type"); !t.empty()) return trim(t);
  for (const auto& kv : o)
    if (trim(kv.key()) == "@type" && kv.value().is_string()) return trim(kv.value().get_string());
  return {};
}

bool type_is(std::string_view type, std::string_view name) {
  // "type.googleapis.com/google.rpc.ErrorInfo" -> "ErrorInfo"
  auto pos = type.find_last_of("./");
  return (pos == std::string_view::npos ? type : type.substr(pos + 1)) == name;
}

bool mentions_per_day(std::string_view s) {
  return s.find("PerDay") != std::string_view::npos || s.find("Daily") != std::string_view::npos;
}
bool mentions_per_minute(std::string_view s) { return s.find("PerMinute") != std::string_view::npos; }

void read_details(const json::array& details, google_error_fields& f) {
  for (const auto& d : details) {
    const json::object* o = d.if_object();
    if (!o) continue;
    std::string_view type = type_of(*o);
    if (type.empty()) continue;
    f.has_details = true;
    if (type_is(type, "ErrorInfo")) {
      if (f.reason.empty()) {
        f.reason = std::string(str_of(*o, "reason"));
        f.domain = std::string(str_of(*o, "domain"));
        if (const json::value* m = o->if_contains("metadata")) f.metadata = m->if_object();
      }
    } else if (type_is(type, "RetryInfo")) {
      if (!f.retry_delay) f.retry_delay = parse_duration(str_of(*o, "retryDelay"));
    } else if (type_is(type, "QuotaFailure")) {
      if (const json::value* vs = o->if_contains("violations"); vs && vs->is_array()) {
        for (const auto& v : vs->get_array()) {
          const json::object* vo = v.if_object();
          if (!vo) continue;
          std::string_view id = str_of(*vo, "quotaId");
          if (mentions_per_day(id)) f.quota_per_day = true;
          if (mentions_per_minute(id)) f.quota_per_minute = true;
        }
      }
    } else if (type_is(type, "Help")) {
      if (const json::value* ls = o->if_contains("links"); f.help_url.empty() && ls && ls->is_array()) {
        for (const auto& l : ls->get_array()) {
          if (const json::object* lo = l.if_object(); lo && !str_of(*lo, "url").empty()) {
            f.help_url = std::string(str_of(*lo, "url"));
            break;
          }
        }
      }
    }
  }
  if (f.metadata) {
    std::string_view limit = str_of(*f.metadata, "quota_limit");
    if (mentions_per_day(limit)) f.quota_per_day = true;
    if (mentions_per_minute(limit)) f.quota_per_minute = true;
  }
}

google_error_fields read_fields(const json::value& body) {
  google_error_fields f;
  const json::object* root = body.if_object();
  if (const json::array* arr = body.if_array()) {  // streaming calls wrap the error in an array
    for (const auto& el : *arr) {
      if (const json::object* o = el.if_object(); o && o->contains("error")) {
        root = o;
        break;
      }
    }
  }
  if (!root) return f;
  const json::value* ev = root->if_contains("error");
  if (!ev) return f;
  if (ev->is_string()) {  // OAuth-style {"error":"...","error_description":"..."}
    f.parsed = true;
    auto desc = str_of(*root, "error_description");
    f.message = std::string(desc.empty() ? ev->get_string() : desc);
    return f;
  }
  const json::object* e = ev->if_object();
  if (!e) return f;
  f.parsed = true;
  if (const json::value* c = e->if_contains("code")) {
    if (c->is_int64()) f.code = static_cast<int>(c->get_int64());
    else if (c->is_uint64()) f.code = static_cast<int>(c->get_uint64());
  }
  f.message = std::string(str_of(*e, "message"));
  f.status = std::string(str_of(*e, "status"));
  if (const json::value* d = e->if_contains("details"); d && d->is_array()) read_details(d->get_array(), f);
  if (const json::value* l = e->if_contains("errors"); l && l->is_array() && !l->get_array().empty()) {
    if (const json::object* lo = l->get_array()[0].if_object()) f.legacy_reason = std::string(str_of(*lo, "reason"));
  }
  return f;
}

// Undoes the quirks of SSE-delivered error JSON: a "data:" prefix, duplicated commas, trailing commas.
std::string repair_json(std::string_view in) {
  in = trim(in);
  if (in.starts_with("data:")) in = trim(in.substr(5));
  std::string out;
  out.reserve(in.size());
  bool in_string = false, escaped = false;
  std::size_t last_sig = std::string::npos;  // index in out of the last non-space char outside strings
  for (char c : in) {
    if (in_string) {
      out += c;
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') { in_string = false; last_sig = out.size() - 1; }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') { out += c; continue; }
    char prev = last_sig == std::string::npos ? '\0' : out[last_sig];
    if (c == ',' && (prev == ',' || prev == '[' || prev == '{' || prev == '\0')) continue;
    if ((c == '}' || c == ']') && prev == ',') out.erase(last_sig, 1);
    if (c == '"') in_string = true;
    out += c;
    last_sig = out.size() - 1;
  }
  return out;
}

// Only used where gemini-cli also reads the message (googleQuotaErrors.ts step 4): "Please retry in 32.5s".
std::optional<milliseconds> retry_in_from_message(std::string_view msg) {
  constexpr std::string_view marker = "Please retry in ";
  auto pos = msg.find(marker);
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view rest = msg.substr(pos + marker.size());
  std::size_t n = 0;
  while (n < rest.size() && ((rest[n] >= '0' && rest[n] <= '9') || rest[n] == '.')) ++n;
  if (n == 0) return std::nullopt;
  if (rest.substr(n).starts_with("ms")) return parse_duration(rest.substr(0, n + 2));
  if (rest.substr(n).starts_with("s")) return parse_duration(rest.substr(0, n + 1));
  return std::nullopt;
}

int status_from_canonical(std::string_view s) {
  if (s == "INVALID_ARGUMENT" || s == "FAILED_PRECONDITION" || s == "OUT_OF_RANGE") return 400;
  if (s == "UNAUTHENTICATED") return 401;
  if (s == "PERMISSION_DENIED") return 403;
  if (s == "NOT_FOUND") return 404;
  if (s == "ALREADY_EXISTS" || s == "ABORTED") return 409;
  if (s == "RESOURCE_EXHAUSTED") return 429;
  if (s == "CANCELLED") return 499;
  if (s == "INTERNAL" || s == "UNKNOWN" || s == "DATA_LOSS") return 500;
  if (s == "UNIMPLEMENTED") return 501;
  if (s == "UNAVAILABLE") return 503;
  if (s == "DEADLINE_EXCEEDED") return 504;
  return 0;
}

std::string meta(const google_error_fields& f, std::string_view key) {
  return f.metadata ? std::string(str_of(*f.metadata, key)) : std::string();
}

std::optional<milliseconds> meta_duration(const google_error_fields& f, std::string_view key) {
  auto s = meta(f, key);
  return s.empty() ? std::nullopt : parse_duration(s);
}

// Delay until metadata.quotaResetTimeStamp, if it is in the future.
std::optional<milliseconds> until_reset(const google_error_fields& f, std::int64_t now_ms) {
  if (now_ms <= 0) return std::nullopt;
  auto ts = parse_rfc3339_ms(meta(f, "quotaResetTimeStamp"));
  if (!ts || *ts <= now_ms) return std::nullopt;
  return milliseconds(*ts - now_ms);
}

std::optional<milliseconds> first_of(std::optional<milliseconds> a, std::optional<milliseconds> b) {
  return a ? a : b;
}

gw::error classify(int http_status, const google_error_fields& f, std::int64_t now_ms, std::string_view raw) {
  int status = http_status;
  if (status < 400) status = f.code >= 400 ? f.code : status_from_canonical(f.status);
  if (status < 400) status = 500;  // an error object we cannot place: treat it as a server failure

  gw::error e;
  e.source = error_source::upstream;
  e.upstream_status = status;
  e.google_status = f.status;
  e.reason = !f.reason.empty() ? f.reason : f.legacy_reason;
  e.help_url = f.help_url;

  const std::string generic = "upstream returned HTTP " + std::to_string(status);
  const std::string google_message = f.message.empty() ? generic : f.message;
  e.message = google_message;
  e.detail = "HTTP " + std::to_string(status);
  if (!f.status.empty()) e.detail += " " + f.status;
  if (!e.reason.empty()) e.detail += " " + e.reason;
  if (f.parsed) {
    e.detail += ": " + f.message.substr(0, 500);
  } else {
    e.detail += " (unparsable body): " + std::string(raw.substr(0, 200));
  }

  const std::string& reason = f.reason;
  if (reason == "MODEL_CAPACITY_EXHAUSTED" || reason == "MODEL_CAPACITY_EXCEEDED") {
    // The server has no capacity for the model: no account would do better right now.
    e.kind = error_kind::capacity_exhausted;
    e.retry_after = f.retry_delay;
    e.credential_scoped = false;
    return e;
  }

  switch (status) {
    case 400:
      e.kind = error_kind::bad_request;
      return e;
    case 401:
      e.kind = error_kind::credential_invalid;
      e.credential_scoped = true;
      e.message = "the upstream account's credentials were rejected";
      return e;
    case 403:
      e.credential_scoped = true;
      if (reason == "VALIDATION_REQUIRED") {
        e.kind = error_kind::validation_required;
        if (e.help_url.empty()) e.help_url = meta(f, "validation_link");
        e.message = "the upstream account must be verified by its owner before it can be used";
        return e;
      }
      // Google's text names the account's project and IAM resources: keep it in detail, not in message.
      e.kind = error_kind::permission_denied;
      if (auto act = meta(f, "activationUrl"); !act.empty()) e.help_url = act;
      e.message = "the upstream account is not permitted to use this service";
      if (!e.reason.empty()) e.message += " (" + e.reason + ")";
      return e;
    case 404:
      e.kind = error_kind::not_found;
      return e;
    case 408:
      e.kind = error_kind::upstream_timeout;
      return e;
    case 413:
      e.kind = error_kind::payload_too_large;
      return e;
    case 429: {
      e.credential_scoped = true;
      auto reset_delay = meta_duration(f, "quotaResetDelay");
      bool zero_limit = f.message.find("limit: 0") != std::string::npos;  // gemini-cli step 3: terminal
      if (reason == "QUOTA_EXHAUSTED" || reason == "INSUFFICIENT_G1_CREDITS_BALANCE" || f.quota_per_day ||
          zero_limit) {
        e.kind = error_kind::quota_exhausted;
        e.retry_after = first_of(until_reset(f, now_ms), first_of(f.retry_delay, reset_delay));
        return e;
      }
      e.kind = error_kind::rate_limited;
      if (!f.has_details) {
        e.retry_after = retry_in_from_message(f.message);
      } else if (reason == "RATE_LIMIT_EXCEEDED") {
        e.retry_after = first_of(f.retry_delay, reset_delay);
      } else if (f.quota_per_minute) {
        e.retry_after = first_of(f.retry_delay, milliseconds(60'000));
      } else {
        e.retry_after = first_of(f.retry_delay, reset_delay);
      }
      return e;
    }
    default:
      break;
  }
  if (status >= 500 || status == 499) {
    e.kind = status == 504 ? error_kind::upstream_timeout : error_kind::upstream_unavailable;
    e.retry_after = f.retry_delay;
    return e;
  }
  e.kind = error_kind::bad_request;  // any other 4xx is about this request
  return e;
}

}  // namespace

gw::error classify_parsed_google_error(int http_status, const json::value& body, std::int64_t now_ms) {
  return classify(http_status, read_fields(body), now_ms, {});
}

gw::error classify_google_error(int http_status, std::string_view body, std::int64_t now_ms) {
  std::error_code ec;
  json::value jv = json::parse(body, ec);
  if (ec) {
    std::string repaired = repair_json(body);
    ec.clear();
    jv = json::parse(repaired, ec);
    if (ec) jv = nullptr;
  }
  return classify(http_status, read_fields(jv), now_ms, body);
}

std::optional<milliseconds> parse_duration(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  __int128 total_ns = 0;
  while (!s.empty()) {
    std::int64_t whole = 0;
    std::int64_t frac = 0;  // scaled to 9 digits
    int int_digits = 0, frac_digits = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
      if (int_digits++ >= 15) return std::nullopt;
      whole = whole * 10 + (s.front() - '0');
      s.remove_prefix(1);
    }
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
        if (frac_digits < 9) {
          frac = frac * 10 + (s.front() - '0');
          ++frac_digits;
        }
        s.remove_prefix(1);
      }
      if (frac_digits == 0 && int_digits == 0) return std::nullopt;
    }
    if (int_digits == 0 && frac_digits == 0) return std::nullopt;
    for (int i = frac_digits; i < 9; ++i) frac *= 10;
    __int128 unit_ns = 0;
    auto take = [&](std::string_view u, __int128 ns) {
      if (!s.starts_with(u)) return false;
      s.remove_prefix(u.size());
      unit_ns = ns;
      return true;
    };
    if (!(take("ns", 1) || take("us", 1'000) || take("\xC2\xB5s", 1'000) || take("\xCE\xBCs", 1'000) ||
          take("ms", 1'000'000) || take("s", 1'000'000'000) || take("m", 60'000'000'000) ||
          take("h", 3'600'000'000'000)))
      return std::nullopt;
    total_ns += whole * unit_ns + frac * unit_ns / 1'000'000'000;
  }
  __int128 ms = (total_ns + 999'999) / 1'000'000;
  return milliseconds(static_cast<std::int64_t>(ms));
}

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s) {
  s = trim(s);
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    if (pos + len > s.size()) return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 20) return std::nullopt;
  int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), sec = num(17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
      sec > 60 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  std::size_t i = 19;
  std::int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 3) frac_ms = frac_ms * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    for (int k = digits; k < 3; ++k) frac_ms *= 10;
  }
  std::int64_t offset_min = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = num(i + 1, 2), om = num(i + 4, 2);
    if (oh < 0 || om < 0 || i + 3 >= s.size() || s[i + 3] != ':') return std::nullopt;
    offset_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  // The standard days-from-civil formula (proleptic Gregorian calendar, 400-year eras).
  int yy = y - (mo <= 2);
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  unsigned yoe = static_cast<unsigned>(yy - era * 400);
  unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t days = static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return secs * 1000 + frac_ms;
}

}  // namespace gw::upstream
