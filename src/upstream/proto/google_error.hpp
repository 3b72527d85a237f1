// Classifies Google RPC error answers into gw::error from their structure (status, ErrorInfo, RetryInfo, ...).
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/json/value.hpp>

#include "core/error.hpp"

namespace gw::upstream {

// Classifies a Google error answer. `body` may be {"error":{...}} or the array-wrapped [{"error":{...}}] that
// streaming calls answer with, possibly with the quirks gemini-cli tolerates (stray duplicated commas, an
// "@type" key with spaces around it, a "data: " prefix). The kind comes from HTTP status + error.status +
// details[] (ErrorInfo reason/domain/metadata, RetryInfo, QuotaFailure quotaId, Help links); message text is
// read only where gemini-cli itself falls back to it ("Please retry in Xs", "limit: 0").
// Always sets source=upstream, upstream_status, google_status=error.status, reason=ErrorInfo.reason (else the
// legacy errors[0].reason). `now_ms` (Unix ms) converts quotaResetTimeStamp into a delay; pass 0 to skip that.
// An http_status below 400 (an error object inside a 200 stream) is replaced by error.code.
gw::error classify_google_error(int http_status, std::string_view body, std::int64_t now_ms);

// Same, from an already parsed body (a separate name: a string literal would make overloads ambiguous).
gw::error classify_parsed_google_error(int http_status, const boost::json::value& body, std::int64_t now_ms);

// Parses a proto-JSON duration ("0.539477544s", "21599.960323804s", "40s") or a Go-style one
// ("5h59m59.96s", "539.477544ms", "1m30s", "250us", "10ns"). Rounds UP to whole milliseconds, so a retry
// never comes early. Negative, empty, unit-less or malformed -> nullopt.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view s);

// Parses an RFC 3339 timestamp ("2025-12-03T07:45:40Z", fractions and +hh:mm offsets allowed) into Unix ms.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s);

}  // namespace gw::upstream
