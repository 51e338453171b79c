#include "dingwatch/core/time.hpp"

#include <fmt/format.h>

namespace dingwatch {

namespace {

constexpr std::int64_t k_day_ms = 86'400'000;

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

civil_time to_civil(std::int64_t epoch_ms, std::int64_t offset_ms) noexcept {
  const std::int64_t t = epoch_ms + offset_ms;
  const std::int64_t days = floor_div(t, k_day_ms);
  std::int64_t rem = t - days * k_day_ms;
  civil_time c{};
  c.hour = static_cast<int>(rem / 3'600'000);
  rem %= 3'600'000;
  c.minute = static_cast<int>(rem / 60'000);
  rem %= 60'000;
  c.second = static_cast<int>(rem / 1000);
  c.millisecond = static_cast<int>(rem % 1000);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  // civil_from_days
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2));
  return c;
}

std::string iso8601_utc(std::int64_t epoch_ms) {
  const civil_time c = to_civil(epoch_ms);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second, c.millisecond);
}

bool parse_macau_local(const char* s, std::size_t n, std::int64_t& epoch_ms) noexcept {
  // yyyy-MM-dd HH:mm:ss[.SSS] (a 'T' may separate date and time)
  if (n != 19 && n != 23) return false;
  auto num = [&](std::size_t pos, std::size_t len, unsigned& out) {
    out = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return true;
  };
  unsigned y, mo, d, h, mi, se, frac = 0;
  if (!num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d) ||
      (s[10] != ' ' && s[10] != 'T') || !num(11, 2, h) || s[13] != ':' || !num(14, 2, mi) ||
      s[16] != ':' || !num(17, 2, se))
    return false;
  if (n == 23 && (s[19] != '.' || !num(20, 3, frac))) return false;
  static constexpr unsigned k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > k_days[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 ||
      se > 59)
    return false;
  const std::int64_t days = days_from_civil(static_cast<int>(y), mo, d);
  epoch_ms = days * k_day_ms + (h * 3600LL + mi * 60LL + se) * 1000 + frac - k_macau_offset_ms;
  return true;
}

}  // namespace dingwatch
