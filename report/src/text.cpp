#include "text.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdlib>

#include "dingwatch/core/time.hpp"

namespace dingwatch::report {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::string shorten(std::string_view s, std::size_t limit) {
  if (s.size() <= limit) return std::string(s);
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return std::string(s.substr(0, cut)) + "…";
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string md_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '|': case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
        out += '\\';
        out += c;
        break;
      case '\n': case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

char thousands_separator(language l) noexcept { return l == language::pt ? '.' : ','; }
char decimal_separator(language l) noexcept { return l == language::pt ? ',' : '.'; }

}  // namespace

std::string format_number(language l, std::int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out = n < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += thousands_separator(l);
    out += digits[i];
  }
  return out;
}

std::string format_bytes(language l, std::int64_t bytes) {
  if (bytes <= 0) return "—";
  constexpr std::array<const char*, 5> units = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  std::size_t u = 0;
  while (v >= 1000 && u + 1 < units.size()) v /= 1000, ++u;
  std::string s = u == 0 ? fmt::format("{}", bytes) : fmt::format("{:.1f}", v);
  for (char& c : s)
    if (c == '.') c = decimal_separator(l);
  return s + " " + units[u];
}

std::string format_change(language l, const change& c) {
  const auto p = c.percent();
  if (!p) return c.current == 0 ? std::string(text(l, msg::change_none)) : std::string(text(l, msg::change_new));
  const long rounded = std::lround(*p);
  if (rounded == 0) return std::string(text(l, msg::change_none));
  return fmt::format("{}{}%", rounded > 0 ? "+" : "−", std::labs(rounded));
}

std::string format_day(language l, std::int64_t day_ms) {
  const civil_time c = to_civil(day_ms, k_macau_offset_ms);
  if (l == language::zh_hant) return fmt::format("{}日（{}）", c.day, weekday_short(l, c.weekday));
  return fmt::format("{} {}", weekday_short(l, c.weekday), c.day);
}

std::string format_article(language l, std::string_view article) {
  const auto title = article_title(l, article);
  if (!title.empty()) return std::string(title);
  return fmt::format(fmt::runtime(article_number_pattern(l)), article);
}

}  // namespace dingwatch::report
