#pragma once
/// Report periods: whole days in Asia/Macau (UTC+8, no daylight saving), half-open
/// [from_ms, to_ms) in epoch ms, and the dates people type and read ("2026-11-23").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dingwatch::report {

inline constexpr std::int64_t k_day_ms = 86'400'000;

/// Whole Macau days [from_ms, to_ms): both bounds are Macau midnights.
struct period {
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;

  [[nodiscard]] std::int64_t days() const noexcept { return (to_ms - from_ms) / k_day_ms; }
  /// The period of the same length just before this one (week-over-week).
  [[nodiscard]] period previous() const noexcept { return {from_ms - (to_ms - from_ms), from_ms}; }
};

/// Epoch ms of Macau midnight starting `yyyy-MM-dd`; nullopt unless a real date.
std::optional<std::int64_t> parse_macau_date(std::string_view text);

/// Macau midnight at or before `epoch_ms`.
std::int64_t macau_midnight(std::int64_t epoch_ms) noexcept;

/// The `days` full Macau days before the one containing `now_ms` (default report: 7).
period last_full_days(std::int64_t now_ms, int days = 7) noexcept;

/// The period from the first to the last date, both included ("--from D1 --to D2").
/// Throws std::invalid_argument naming the option and the expected form.
period period_from_dates(std::string_view from, std::string_view to);

/// `2026-11-23`: the Macau date of `epoch_ms`.
std::string macau_date(std::int64_t epoch_ms);

/// `2026-11-23 13:05`: Macau local date and time of `epoch_ms`.
std::string macau_minute(std::int64_t epoch_ms);

}  // namespace dingwatch::report
