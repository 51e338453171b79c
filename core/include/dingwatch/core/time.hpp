#pragma once
/// Cheap calendar arithmetic in UTC and Macau time (UTC+8, no daylight saving).
///
/// Howard Hinnant's civil-date algorithms: no time-zone database, no locale, no
/// allocation, so detectors can ask "what hour is it in Macau" per event.

#include <cstdint>
#include <string>

namespace dingwatch {

/// Macau's offset from UTC (Asia/Macau has had no DST since 1979).
inline constexpr std::int64_t k_macau_offset_ms = 8LL * 3600 * 1000;

/// A calendar date and time of day.
struct civil_time {
  int year, month, day, hour, minute, second, millisecond;
  int weekday;  ///< 0 = Sunday … 6 = Saturday
};

/// Days since 1970-01-01 for a proleptic Gregorian date.
constexpr std::int64_t days_from_civil(int y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Breaks epoch milliseconds into calendar fields, shifted by `offset_ms`.
civil_time to_civil(std::int64_t epoch_ms, std::int64_t offset_ms = 0) noexcept;

/// `2026-11-25T03:41:07.000Z`
std::string iso8601_utc(std::int64_t epoch_ms);

/// Epoch ms of a Macau local time "yyyy-MM-dd HH:mm:ss[.SSS]" (DingTalk's attendance
/// format); false if malformed or not a real date (2026-02-30).
bool parse_macau_local(const char* text, std::size_t size, std::int64_t& epoch_ms) noexcept;

}  // namespace dingwatch
