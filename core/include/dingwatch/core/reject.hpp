#pragma once
/// Why a record was refused. Errors are values on the hot path: decoders return a
/// `reject_reason` instead of throwing, and the pipeline routes the record to the
/// dead-letter queue with that reason.

#include <array>
#include <cstdint>
#include <string_view>

namespace dingwatch {

/// Reasons a record is sent to the dead-letter queue. Stable: they are metric labels
/// (`dingwatch_events_rejected_total{reason}`) and DLQ `reason` headers.
enum class reject_reason : std::uint8_t {
  malformed_json,   ///< not JSON at all, or broken syntax
  truncated,        ///< JSON ends before the document does
  wrong_type,       ///< a known field has the wrong JSON type (e.g. `dataList` not an array)
  missing_field,    ///< a field required by the recognised shape is absent
  oversized,        ///< larger than the configured record limit
  too_deep,         ///< nesting deeper than the configured limit
  invalid_utf8,     ///< bytes that are not UTF-8
  unknown_shape,    ///< valid JSON, but not any DingTalk shape we know
  empty,            ///< zero-length or whitespace-only record
  bad_timestamp,    ///< a timestamp that cannot be parsed or is out of range
  string_too_long,  ///< a field's string is longer than the configured limit
  too_many_elements,  ///< an array (`dataList`, `UserId`, …) has more elements than the limit
};

inline constexpr std::size_t k_reject_reason_count = 12;

/// Every reason, in declaration order (for metrics pre-registration and summaries).
inline constexpr std::array<reject_reason, k_reject_reason_count> k_all_reject_reasons = {
    reject_reason::malformed_json, reject_reason::truncated,   reject_reason::wrong_type,
    reject_reason::missing_field,  reject_reason::oversized,   reject_reason::too_deep,
    reject_reason::invalid_utf8,   reject_reason::unknown_shape, reject_reason::empty,
    reject_reason::bad_timestamp,  reject_reason::string_too_long, reject_reason::too_many_elements,
};

/// Snake-case name of a reason, as used in metrics, headers and summaries.
constexpr std::string_view to_string(reject_reason r) noexcept {
  constexpr std::array<std::string_view, k_reject_reason_count> names = {
      "malformed_json", "truncated", "wrong_type",    "missing_field", "oversized",
      "too_deep",       "invalid_utf8", "unknown_shape", "empty",       "bad_timestamp",
      "string_too_long", "too_many_elements"};
  return names[static_cast<std::size_t>(r)];
}

/// One clause saying what a reason means and, for limits, which setting to raise — for
/// log lines a person reads ("… rejected: too_deep — JSON nested deeper than …").
constexpr std::string_view hint(reject_reason r) noexcept {
  constexpr std::array<std::string_view, k_reject_reason_count> hints = {
      "not valid JSON",
      "the JSON ends before the document does",
      "a known field has the wrong JSON type",
      "a field the record's shape requires is absent",
      "larger than limits.max_record_bytes",
      "JSON nested deeper than limits.max_depth",
      "bytes that are not UTF-8",
      "valid JSON, but no DingTalk shape dingwatch knows",
      "empty or whitespace only",
      "a timestamp that cannot be read or is out of range",
      "a field's string is longer than limits.max_string_bytes",
      "an array has more elements than limits.max_array_elements"};
  return hints[static_cast<std::size_t>(r)];
}

}  // namespace dingwatch
