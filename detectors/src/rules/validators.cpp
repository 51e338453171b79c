#include "dingwatch/detectors/rules/validators.hpp"

#include <array>
#include <charconv>

namespace dingwatch::rules {

namespace {

constexpr std::array<std::string_view, 5> k_names = {"luhn", "prc_id", "hkid", "macau_id", "range"};

constexpr bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }

bool luhn(std::string_view s) noexcept {
  // The boundary a pattern puts around the number (`(^|[^0-9])…([^0-9]|$)`, any UTF-8
  // character) is not part of it; inside it, separators a person types between groups
  // are skipped, walking from the right.
  const auto first = s.find_first_of("0123456789");
  if (first == std::string_view::npos) return false;
  s = s.substr(first, s.find_last_of("0123456789") + 1 - first);
  int sum = 0, digits = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    const char c = *it;
    if (c == ' ' || c == '-') continue;
    if (!digit(c)) return false;
    int d = c - '0';
    if (digits % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    ++digits;
  }
  return digits >= 12 && digits <= 19 && sum % 10 == 0;
}

bool plausible_date(int y, int m, int d) noexcept {
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= k_days[m - 1] + (m == 2 && leap ? 1 : 0);
}

int number_at(std::string_view s, std::size_t pos, std::size_t len) noexcept {
  int v = 0;
  for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool prc_id(std::string_view s) noexcept {
  if (s.size() != 18 || s[0] == '0') return false;
  static constexpr int k_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char k_check[] = "10X98765432";
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    if (!digit(s[i])) return false;
    sum += (s[i] - '0') * k_weights[i];
  }
  const char last = s[17] == 'x' ? 'X' : s[17];
  return last == k_check[sum % 11] &&
         plausible_date(number_at(s, 6, 4), number_at(s, 10, 2), number_at(s, 12, 2));
}

bool hkid(std::string_view s) noexcept {
  // L[L]DDDDDD(C) or L[L]DDDDDDC; a single letter is padded with a space worth 36.
  if (s.empty() || !upper(s[0])) return false;
  const std::size_t letters = s.size() >= 2 && upper(s[1]) ? 2 : 1;
  std::string_view rest = s.substr(letters);
  char check = 0;
  if (rest.size() == 9 && rest[6] == '(' && rest[8] == ')') check = rest[7];
  else if (rest.size() == 7) check = rest[6];
  else return false;
  int values[8];
  int n = 0;
  if (letters == 1) values[n++] = 36;
  for (std::size_t i = 0; i < letters; ++i) values[n++] = s[i] - 'A' + 10;
  for (std::size_t i = 0; i < 6; ++i) {
    if (!digit(rest[i])) return false;
    values[n++] = rest[i] - '0';
  }
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += values[i] * (9 - i);
  const int expected = (11 - sum % 11) % 11;
  return check == (expected == 10 ? 'A' : static_cast<char>('0' + expected));
}

bool macau_id(std::string_view s) noexcept {
  // [157]NNNNNN(N): the check algorithm is not public, so the written form is all we know.
  if (s.size() != 10 || (s[0] != '1' && s[0] != '5' && s[0] != '7') || s[7] != '(' || s[9] != ')')
    return false;
  for (std::size_t i = 1; i < 7; ++i)
    if (!digit(s[i])) return false;
  return digit(s[8]);
}

bool in_range(std::string_view s, double min, double max) noexcept {
  // The one number in the span (digits, at most one decimal point); text around it —
  // a boundary like `(^|[^0-9])`, a word, a dash — is not part of it.
  const auto first = s.find_first_of("0123456789");
  if (first == std::string_view::npos) return false;
  std::size_t end = first;
  bool point = false;
  while (end < s.size() && (digit(s[end]) || (s[end] == '.' && !point && end + 1 < s.size() && digit(s[end + 1])))) {
    point = point || s[end] == '.';
    ++end;
  }
  if (s.find_first_of("0123456789", end) != std::string_view::npos) return false;  // two numbers
  double v = 0;
  const auto r = std::from_chars(s.data() + first, s.data() + end, v);
  return r.ec == std::errc() && v >= min && v <= max;
}

}  // namespace

std::span<const std::string_view> validator_names() noexcept { return k_names; }

validator_kind find_validator(std::string_view name) noexcept {
  for (std::size_t i = 0; i < k_names.size(); ++i)
    if (k_names[i] == name) return static_cast<validator_kind>(i + 1);
  return validator_kind::none;
}

std::string_view to_string(validator_kind kind) noexcept {
  return kind == validator_kind::none ? "none" : k_names[static_cast<std::size_t>(kind) - 1];
}

bool validate(const validator& v, std::string_view text) noexcept {
  switch (v.kind) {
    case validator_kind::none: return true;
    case validator_kind::luhn: return luhn(text);
    case validator_kind::prc_id: return prc_id(text);
    case validator_kind::hkid: return hkid(text);
    case validator_kind::macau_id: return macau_id(text);
    case validator_kind::range: return in_range(text, v.min, v.max);
  }
  return false;
}

}  // namespace dingwatch::rules
