#pragma once
/// Renderers of the report model: one self-contained HTML page (inline CSS and SVG
/// charts, no network; readable on a phone, printable on A4), Markdown for chat and
/// e-mail, and JSON for machines. All three read the same `report_model` and take their
/// words from the message catalogue (messages.hpp).
///
/// The HTML page always has exactly `k_html_charts` charts (`<svg class="chart">`):
/// alerts per day by family, alerts by article, and records out by country; a chart
/// with no data says so inside its frame.

#include <optional>
#include <string>
#include <string_view>

#include "dingwatch/report/messages.hpp"
#include "dingwatch/report/model.hpp"

namespace dingwatch::report {

enum class format : std::uint8_t { html, markdown, json };

/// "html", "md" (or "markdown"), "json"; nullopt otherwise.
std::optional<format> parse_format(std::string_view name) noexcept;

/// The file extension without a dot: "html", "md", "json".
std::string_view extension(format f) noexcept;

/// Charts in every HTML report.
inline constexpr int k_html_charts = 3;

std::string render_html(const report_model& m, language l);
std::string render_markdown(const report_model& m, language l);
/// Keys are English and stable; `language` and the `summary` sentences follow `l`.
std::string render_json(const report_model& m, language l);

/// The renderer `f`.
std::string render(const report_model& m, format f, language l);

}  // namespace dingwatch::report
