#pragma once
/// Private helpers of the generator: PRNG, a small JSON writer, Macau civil time.
/// Nothing here uses libm or `std::` distributions, so output is identical across
/// standard libraries and platforms.

#include <charconv>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace dingwatch::gen::detail {

inline constexpr std::int64_t k_sec = 1000;
inline constexpr std::int64_t k_min = 60 * k_sec;
inline constexpr std::int64_t k_hour = 60 * k_min;
inline constexpr std::int64_t k_day = 24 * k_hour;
inline constexpr std::int64_t k_macau_offset = 8 * k_hour;  // Asia/Macau, no DST

/// splitmix64 step: used to seed and to derive sub-seeds.
constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// Mixes two values into a seed (for per-day, per-purpose streams).
constexpr std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t x = a ^ (b * 0xd1b54a32d192ed03ull);
  splitmix64(x);
  return splitmix64(x);
}

/// xoshiro256** with helpers. Every draw is integer arithmetic.
class rng {
 public:
  explicit rng(std::uint64_t seed = 1) noexcept { reseed(seed); }
  void reseed(std::uint64_t seed) noexcept {
    std::uint64_t x = seed;
    for (auto& v : s_) v = splitmix64(x);
  }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, n) (n > 0), Lemire's multiply-shift (bias < 2^-64·n, irrelevant here).
  std::uint64_t below(std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  /// Uniform integer in [lo, hi].
  std::int64_t range(std::int64_t lo, std::int64_t hi) noexcept {
    if (hi <= lo) return lo;
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  /// Uniform in [0, 1).
  double unit() noexcept { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * unit(); }
  bool chance(double p) noexcept { return unit() < p; }
  /// Approximately normal (Irwin–Hall of 4), mean 0, sd 1, bounded ±3.46.
  double normal() noexcept {
    return (unit() + unit() + unit() + unit() - 2.0) * 1.7320508075688772;
  }
  /// Log-uniform integer in [lo, hi] without libm: 2^(u·log2(hi/lo)) with a linear mantissa.
  std::int64_t log_uniform(std::int64_t lo, std::int64_t hi) noexcept {
    if (hi <= lo) return lo;
    int bits = 0;
    while ((lo << (bits + 1)) <= hi && bits < 40) ++bits;
    const double frac_span = static_cast<double>(hi) / static_cast<double>(lo << bits);  // in [1,2)
    const double e = unit() * (bits + (frac_span - 1.0));
    const int ip = static_cast<int>(e);
    const double fp = e - ip;
    const double v = static_cast<double>(lo << ip) * (1.0 + fp);
    const auto r = static_cast<std::int64_t>(v);
    return r > hi ? hi : (r < lo ? lo : r);
  }
  template <class T>
  const T& pick(std::span<const T> items) noexcept {
    return items[below(items.size())];
  }
  /// Index drawn from integer weights.
  std::size_t weighted(std::span<const int> weights) noexcept {
    int total = 0;
    for (int w : weights) total += w;
    auto x = static_cast<int>(below(static_cast<std::uint64_t>(total)));
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t s_[4]{};
};

/// Appends JSON-escaped `v` (without quotes).
inline void append_escaped(std::string& s, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '"': s += "\\\""; break;
      case '\\': s += "\\\\"; break;
      case '\n': s += "\\n"; break;
      case '\r': s += "\\r"; break;
      case '\t': s += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          s += "\\u00";
          s += hex[(c >> 4) & 0xf];
          s += hex[c & 0xf];
        } else {
          s += c;
        }
    }
  }
}

inline void append_int(std::string& s, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

/// Appends a fixed-point decimal from an integer scaled by 10^decimals (e.g. micro-degrees).
inline void append_fixed(std::string& s, std::int64_t scaled, int decimals) {
  if (scaled < 0) {
    s += '-';
    scaled = -scaled;
  }
  std::int64_t div = 1;
  for (int i = 0; i < decimals; ++i) div *= 10;
  append_int(s, scaled / div);
  if (decimals == 0) return;
  s += '.';
  std::int64_t frac = scaled % div;
  char buf[24];
  for (int i = decimals - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  s.append(buf, static_cast<std::size_t>(decimals));
}

/// Minimal streaming JSON object writer appending to a std::string.
class json_writer {
 public:
  explicit json_writer(std::string& s) noexcept : s_(&s) {}
  json_writer& open() {
    *s_ += '{';
    first_ = true;
    return *this;
  }
  json_writer& close() {
    *s_ += '}';
    first_ = false;
    return *this;
  }
  json_writer& key(std::string_view k) {
    if (!first_) *s_ += ',';
    first_ = false;
    *s_ += '"';
    *s_ += k;
    *s_ += "\":";
    return *this;
  }
  json_writer& str(std::string_view k, std::string_view v) {
    key(k);
    *s_ += '"';
    append_escaped(*s_, v);
    *s_ += '"';
    return *this;
  }
  json_writer& num(std::string_view k, std::int64_t v) {
    key(k);
    append_int(*s_, v);
    return *this;
  }
  /// Number written as a JSON string ("1795586403219").
  json_writer& num_str(std::string_view k, std::int64_t v) {
    key(k);
    *s_ += '"';
    append_int(*s_, v);
    *s_ += '"';
    return *this;
  }
  json_writer& fixed(std::string_view k, std::int64_t scaled, int decimals) {
    key(k);
    append_fixed(*s_, scaled, decimals);
    return *this;
  }
  json_writer& fixed_str(std::string_view k, std::int64_t scaled, int decimals) {
    key(k);
    *s_ += '"';
    append_fixed(*s_, scaled, decimals);
    *s_ += '"';
    return *this;
  }
  json_writer& boolean(std::string_view k, bool v) {
    key(k);
    *s_ += v ? "true" : "false";
    return *this;
  }
  /// Raw JSON value (already valid).
  json_writer& raw(std::string_view k, std::string_view v) {
    key(k);
    *s_ += v;
    return *this;
  }
  /// Starts a nested object value under `k`.
  json_writer& open_object(std::string_view k) {
    key(k);
    *s_ += '{';
    first_ = true;
    return *this;
  }
  /// Starts an array under `k`; elements are written with `element_*`.
  json_writer& open_array(std::string_view k) {
    key(k);
    *s_ += '[';
    first_ = true;
    return *this;
  }
  json_writer& close_array() {
    *s_ += ']';
    first_ = false;
    return *this;
  }
  json_writer& element_str(std::string_view v) {
    if (!first_) *s_ += ',';
    first_ = false;
    *s_ += '"';
    append_escaped(*s_, v);
    *s_ += '"';
    return *this;
  }
  json_writer& element_num(std::int64_t v) {
    if (!first_) *s_ += ',';
    first_ = false;
    append_int(*s_, v);
    return *this;
  }
  /// Starts an object element inside an array.
  json_writer& element_open() {
    if (!first_) *s_ += ',';
    *s_ += '{';
    first_ = true;
    return *this;
  }
  std::string& out() noexcept { return *s_; }

 private:
  std::string* s_;
  bool first_ = true;
};

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
struct civil {
  int y, m, d;
};
constexpr civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

/// Floor division for possibly negative times.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/// Macau local day number of an epoch-ms instant.
constexpr std::int64_t macau_day(std::int64_t ts_ms) noexcept {
  return floor_div(ts_ms + k_macau_offset, k_day);
}
/// Epoch ms of Macau midnight starting local day `day`.
constexpr std::int64_t macau_midnight(std::int64_t day) noexcept {
  return day * k_day - k_macau_offset;
}
/// 0 = Sunday … 6 = Saturday.
constexpr int weekday(std::int64_t day) noexcept {
  return static_cast<int>(((day % 7) + 7 + 4) % 7);
}

inline void append_2(std::string& s, int v) {
  s += static_cast<char>('0' + v / 10);
  s += static_cast<char>('0' + v % 10);
}

/// "yyyy-MM-dd HH:mm:ss" in Macau local time.
inline void append_local_datetime(std::string& s, std::int64_t ts_ms) {
  const std::int64_t local = ts_ms + k_macau_offset;
  const std::int64_t day = floor_div(local, k_day);
  const std::int64_t secs = (local - day * k_day) / 1000;
  const civil c = civil_from_days(day);
  append_int(s, c.y);
  s += '-';
  append_2(s, c.m);
  s += '-';
  append_2(s, c.d);
  s += ' ';
  append_2(s, static_cast<int>(secs / 3600));
  s += ':';
  append_2(s, static_cast<int>(secs / 60 % 60));
  s += ':';
  append_2(s, static_cast<int>(secs % 60));
}

}  // namespace dingwatch::gen::detail
