#pragma once
// Text helpers shared by the model and the three renderers: splitting, shortening on a
// UTF-8 boundary, escaping for HTML and Markdown, and numbers, sizes, changes and days
// written the way each language writes them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dingwatch/report/messages.hpp"
#include "dingwatch/report/model.hpp"

namespace dingwatch::report {

/// Pieces of `s` between `sep` (empty pieces kept).
std::vector<std::string_view> split(std::string_view s, char sep);

/// At most `limit` bytes of `s`, cut on a UTF-8 character boundary, with "…" when cut.
std::string shorten(std::string_view s, std::size_t limit);

std::string ascii_lower(std::string_view s);
std::string ascii_upper(std::string_view s);

/// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(std::string_view s);

/// Escapes Markdown table-cell text: | \ ` * _ [ ] < > and line breaks.
std::string md_escape(std::string_view s);

/// 1234567 → "1,234,567" (en, zh) or "1.234.567" (pt).
std::string format_number(language l, std::int64_t n);

/// 4718592 → "4.5 MB" (pt "4,5 MB"); "—" for 0.
std::string format_bytes(language l, std::int64_t bytes);

/// "+25%", "−10%", "new" (when the previous figure was 0), "no change".
std::string format_change(language l, const change& c);

/// "Mon 23", "seg 23", "23日（一）" for the Macau day starting at `day_ms`.
std::string format_day(language l, std::int64_t day_ms);

/// "Art. 19 — …" or the numbered form for articles outside the catalogue.
std::string format_article(language l, std::string_view article);

/// fmt::format with a catalogue sentence as the format string.
template <class... Args>
std::string sentence(language l, msg m, const Args&... args);

}  // namespace dingwatch::report

#include <fmt/format.h>

template <class... Args>
std::string dingwatch::report::sentence(language l, msg m, const Args&... args) {
  return fmt::format(fmt::runtime(text(l, m)), args...);
}
