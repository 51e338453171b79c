#include "dingwatch/report/period.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "dingwatch/core/time.hpp"

namespace dingwatch::report {

std::optional<std::int64_t> parse_macau_date(std::string_view text) {
  const std::string padded = std::string(text) + " 00:00:00";
  std::int64_t ms = 0;
  if (text.size() != 10 || !parse_macau_local(padded.data(), padded.size(), ms)) return std::nullopt;
  return ms;
}

std::int64_t macau_midnight(std::int64_t epoch_ms) noexcept {
  const std::int64_t local = epoch_ms + k_macau_offset_ms;
  const std::int64_t day = local >= 0 ? local / k_day_ms : (local - k_day_ms + 1) / k_day_ms;
  return day * k_day_ms - k_macau_offset_ms;
}

period last_full_days(std::int64_t now_ms, int days) noexcept {
  const std::int64_t today = macau_midnight(now_ms);
  return {today - days * k_day_ms, today};
}

period period_from_dates(std::string_view from, std::string_view to) {
  const auto f = parse_macau_date(from);
  if (!f) throw std::invalid_argument(fmt::format("--from '{}': expected a date like 2026-11-23", from));
  const auto t = parse_macau_date(to);
  if (!t) throw std::invalid_argument(fmt::format("--to '{}': expected a date like 2026-11-29", to));
  if (*t < *f) throw std::invalid_argument(fmt::format("--to {} is before --from {}", to, from));
  return {*f, *t + k_day_ms};
}

std::string macau_date(std::int64_t epoch_ms) {
  const civil_time c = to_civil(epoch_ms, k_macau_offset_ms);
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

std::string macau_minute(std::int64_t epoch_ms) {
  const civil_time c = to_civil(epoch_ms, k_macau_offset_ms);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute);
}

}  // namespace dingwatch::report
