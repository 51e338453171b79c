#pragma once
/// Internal helpers for the DingTalk decoders: byte pre-scans, timestamp and number
/// conversion, and the audit action / platform tables. Not part of the public API.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "dingwatch/core/event.hpp"
#include "dingwatch/core/reject.hpp"

namespace dingwatch::detail {

/// True when `s` holds only JSON whitespace (space, tab, CR, LF), including empty.
bool is_blank(std::string_view s) noexcept;

/// Number of `{` and `[` bytes in `s` (SSE2 when available): an upper bound on depth.
/// Sets `has_nul` when `s` contains a zero byte (one pass for both checks).
std::size_t count_openers(std::string_view s, bool& has_nul) noexcept;

/// `exceeds_depth` for a record whose opener count is already known.
bool exceeds_depth(std::string_view s, std::size_t max_depth, std::size_t openers) noexcept;

/// True when nesting depth of `s` exceeds `max_depth`. Fast path: a count of `{`/`[`
/// bytes not above `max_depth` proves the depth is within limits; otherwise a
/// string-aware scan decides.
bool exceeds_depth(std::string_view s, std::size_t max_depth) noexcept;

/// After a syntax error: `truncated` if the text ends inside a string or with unclosed
/// brackets (and never closes more than it opened), else `malformed_json`.
reject_reason classify_syntax_error(std::string_view s) noexcept;

/// UTF-8 check; an incomplete multi-byte sequence at the very end is `truncated`.
std::optional<reject_reason> check_utf8(std::string_view s) noexcept;

/// Outcome of a numeric conversion.
enum class conv : std::uint8_t { ok, absent, bad };

/// Normalises an epoch value in seconds or milliseconds to ms (0 → absent).
conv epoch_ms_from_int(std::int64_t v, std::int64_t& ms) noexcept;
/// Same for a JSON number with a fraction.
conv epoch_ms_from_double(double v, std::int64_t& ms) noexcept;
/// Numeric string (epoch s or ms, "" → absent).
conv epoch_ms_from_string(std::string_view s, std::int64_t& ms) noexcept;
/// "yyyy-MM-dd HH:mm:ss[.SSS]" (or 'T' separator) in UTC+8 → epoch ms UTC; falls back
/// to `epoch_ms_from_string` for numeric strings.
conv epoch_ms_from_macau_local(std::string_view s, std::int64_t& ms) noexcept;

/// Whole-string integer ("" → absent).
conv int_from_string(std::string_view s, std::int64_t& v) noexcept;
/// Whole-string decimal ("" → absent).
conv double_from_string(std::string_view s, double& v) noexcept;

/// Canonical action for a label (Chinese Traditional/Simplified or English), `other` if
/// none matches, `none` for an empty label.
audit_action action_from_label(std::string_view label) noexcept;
/// Canonical action for a numeric `action` code (see the table in dingtalk_decoder.hpp).
audit_action action_from_code(std::int64_t code) noexcept;
/// Display name for a numeric `platform` code, empty if unknown.
std::string_view platform_from_code(std::int64_t code) noexcept;

/// Event kind for an `EventType`.
event_kind kind_from_event_type(std::string_view type) noexcept;

}  // namespace dingwatch::detail
