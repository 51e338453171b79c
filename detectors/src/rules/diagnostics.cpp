#include "dingwatch/detectors/rules/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <nlohmann/json.hpp>

namespace dingwatch::rules {

void diagnostics::error(source_location where, std::string message, std::string hint) {
  list_.push_back({diag_level::error, std::move(where), std::move(message), std::move(hint)});
  ++errors_;
}

void diagnostics::warning(source_location where, std::string message, std::string hint) {
  list_.push_back({diag_level::warning, std::move(where), std::move(message), std::move(hint)});
}

namespace {

std::string_view level_name(diag_level l) { return l == diag_level::error ? "error" : "warning"; }

}  // namespace

void diagnostics::sort() {
  std::stable_sort(list_.begin(), list_.end(), [](const diagnostic& a, const diagnostic& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) <
           std::tie(b.where.file, b.where.line, b.where.column);
  });
}

std::string format_text(std::span<const diagnostic> list) {
  std::string out;
  for (const auto& d : list) {
    if (d.where.line > 0)
      out += fmt::format("{}:{}:{}: ", d.where.file, d.where.line, d.where.column);
    else if (!d.where.file.empty())
      out += fmt::format("{}: ", d.where.file);
    out += fmt::format("{}: {}\n", level_name(d.level), d.message);
    if (!d.hint.empty()) out += fmt::format("  hint: {}\n", d.hint);
  }
  return out;
}

std::string format_json(std::span<const diagnostic> list) {
  auto arr = nlohmann::json::array();
  for (const auto& d : list)
    arr.push_back({{"file", d.where.file},
                   {"line", d.where.line},
                   {"column", d.where.column},
                   {"severity", level_name(d.level)},
                   {"message", d.message},
                   {"hint", d.hint}});
  return arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string nearest(std::string_view word, std::span<const std::string_view> candidates) {
  std::size_t best = std::string_view::npos;
  std::string_view best_word;
  for (const auto c : candidates) {
    // Levenshtein distance, two rows.
    std::vector<std::size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                           prev[j - 1] + (word[i - 1] == c[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best) {
      best = prev[c.size()];
      best_word = c;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  if (best == std::string_view::npos || best > limit) return {};
  return std::string(best_word);
}

}  // namespace dingwatch::rules
