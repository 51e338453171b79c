#pragma once
// Internal: text helpers shared by the rule loaders (parser.cpp for native rules,
// sigma_import.cpp for Sigma rules), so both spell durations, hints and escaped
// Hyperscan literals the same way.

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dingwatch/detectors/rules/diagnostics.hpp"

namespace dingwatch::rules {

/// "did you mean 'x'?" when a candidate is close to `word`, else the whole list.
inline std::string did_you_mean(std::string_view word, std::span<const std::string_view> options) {
  const std::string n = nearest(word, options);
  if (!n.empty()) return fmt::format("did you mean '{}'?", n);
  return fmt::format("expected one of: {}", fmt::join(options, ", "));
}

/// Escapes a literal for Hyperscan: ASCII punctuation gets a backslash, control bytes
/// become \xHH, UTF-8 sequences pass through (the database is compiled in UTF-8 mode).
inline std::string escape_literal(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x80 || std::isalnum(c)) out += static_cast<char>(c);
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else {
      out += '\\';
      out += static_cast<char>(c);
    }
  }
  return out;
}

/// `30s`, `10m`, `1h`, `7d` → milliseconds; nothing when malformed or not positive.
inline std::optional<std::int64_t> parse_duration_text(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size() - 1, n);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() - 1 || n <= 0) return std::nullopt;
  switch (s.back()) {
    case 's': return n * 1000;
    case 'm': return n * 60'000;
    case 'h': return n * 3'600'000;
    case 'd': return n * 86'400'000;
    default: return std::nullopt;
  }
}

}  // namespace dingwatch::rules
