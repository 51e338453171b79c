#include <catch2/catch.hpp>

#include <cstring>

#include "dingwatch/core/time.hpp"

using namespace dingwatch;

TEST_CASE("epoch milliseconds break into UTC and Macau calendar fields") {
  // 2026-11-25T15:41:07.123Z is 23:41:07 on a Wednesday in Macau.
  const std::int64_t t = 1795621267123;
  const civil_time utc = to_civil(t);
  CHECK(utc.year == 2026);
  CHECK(utc.month == 11);
  CHECK(utc.day == 25);
  CHECK(utc.hour == 15);
  CHECK(utc.millisecond == 123);
  CHECK(utc.weekday == 3);
  const civil_time mo = to_civil(t, k_macau_offset_ms);
  CHECK(mo.hour == 23);
  CHECK(mo.minute == 41);
  CHECK(iso8601_utc(t) == "2026-11-25T15:41:07.123Z");
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("Macau local time strings convert to UTC epoch milliseconds") {
  std::int64_t ms = 0;
  const char* s = "2026-11-25 23:41:07";
  REQUIRE(parse_macau_local(s, std::strlen(s), ms));
  CHECK(ms == 1795621267000);
  CHECK_FALSE(parse_macau_local("2026-13-25 23:41:07", 19, ms));
  CHECK_FALSE(parse_macau_local("2026-11-25", 10, ms));
  CHECK_FALSE(parse_macau_local("2026-11-25 2x:41:07", 19, ms));
  CHECK_FALSE(parse_macau_local("2026-02-29 10:00:00", 19, ms));  // not a leap year
  CHECK(parse_macau_local("2028-02-29 10:00:00", 19, ms));
  REQUIRE(parse_macau_local("2026-11-25 23:41:07.250", 23, ms));
  CHECK(ms == 1795621267250);
}
