// HTML: one self-contained page. Inline CSS (phone-first, A4 when printed), inline SVG
// charts sized by viewBox so they scale with the screen, no script and no network.
// Every string from the store is escaped: messages carry file names and chat titles.

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "dingwatch/report/render.hpp"
#include "sections.hpp"
#include "text.hpp"

namespace dingwatch::report {

namespace {

constexpr std::array<std::string_view, 3> k_family_colors = {"#d97706", "#7c3aed", "#dc2626"};

constexpr std::string_view k_css = R"css(
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--card:#fff;--accent:#0f766e}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK TC","PingFang TC","Microsoft JhengHei",sans-serif}
main{max-width:960px;margin:0 auto;padding:16px}
header h1{font-size:1.5em;margin:.2em 0;color:var(--accent)}
header p{margin:.2em 0;color:var(--muted)}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:14px 0}
h2{font-size:1.15em;margin:.2em 0 .6em}
h3{font-size:1em;margin:1em 0 .4em}
.notice{background:#fef3c7;border:1px solid #f59e0b;border-radius:8px;padding:12px 16px;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px}
.card .label{color:var(--muted);font-size:.9em}
.card .value{font-size:1.8em;font-weight:700}
.card .delta{font-size:.9em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f1f5f9;font-weight:600}
td.n,th.n{text-align:right;white-space:nowrap}
code{font:.85em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
svg.chart{width:100%;max-width:720px;height:auto;display:block;margin:6px 0 10px}
td:first-child{white-space:nowrap}
svg text{font-family:inherit;fill:var(--ink)}
footer{color:var(--muted);font-size:.85em;margin:16px 0}
@media (max-width:600px){body{font-size:14px}main{padding:8px}section{padding:10px}th,td{padding:4px 5px}
.card .value{font-size:1.4em}}
@page{size:A4;margin:14mm}
@media print{body{background:#fff;font-size:10.5pt}main{max-width:none;padding:0}
section{border:none;border-radius:0;padding:0;margin:0 0 10pt;break-inside:auto}
svg.chart,.card,tr{break-inside:avoid}thead{display:table-header-group}.scroll{overflow:visible}}
)css";

std::string esc(std::string_view s) { return html_escape(s); }

/// A round upper bound for an axis whose half is a whole number too: 2, 4, 10 × 10^k.
std::int64_t nice_max(std::int64_t v) {
  std::int64_t step = 1;
  for (;;) {
    for (const std::int64_t m : {2, 4, 10})
      if (m * step >= v) return m * step;
    step *= 10;
  }
}

/// Rough width in px of `s` at `font_px`: CJK characters are square, others about half.
int text_width(std::string_view s, int font_px) {
  int units = 0;  // half-ems
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    units += c >= 0xE3 ? 2 : 1;        // U+3000 and up: CJK, full width
  }
  return units * font_px * 55 / 100;
}

std::string svg_open(int width, int height, std::string_view label) {
  return fmt::format(R"(<svg class="chart" role="img" aria-label="{0}" viewBox="0 0 {1} {2}" width="{1}" height="{2}" )"
                     R"(xmlns="http://www.w3.org/2000/svg"><title>{0}</title>)",
                     esc(label), width, height);
}

std::string no_data(int width, int height, language l) {
  return fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" font-size="14" fill="#6b7280">{}</text>)", width / 2,
                     height / 2, esc(text(l, msg::no_data)));
}

std::string daily_chart(const report_model& m, language l) {
  constexpr int w = 480, h = 250, left = 40, right = 6, top = 12, bottom = 72;
  std::string out = svg_open(w, h, text(l, msg::chart_daily));
  std::int64_t peak = 0;
  for (const auto& d : m.days) {
    std::int64_t total = 0;
    for (const auto n : d.by_family) total += n;
    peak = std::max(peak, total);
  }
  const std::int64_t ymax = nice_max(peak);
  const double plot_h = h - top - bottom;
  for (int i = 0; i <= 2; ++i) {  // grid lines at 0, half, max
    const double y = top + plot_h * (1 - i / 2.0);
    out += fmt::format(R"(<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="#e5e7eb"/>)", left, y, w - right, y);
    out += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end" font-size="13">{}</text>)", left - 4, y + 4,
                       esc(format_number(l, ymax * i / 2)));
  }
  const double slot = static_cast<double>(w - left - right) / static_cast<double>(std::max<std::size_t>(1, m.days.size()));
  for (std::size_t i = 0; i < m.days.size(); ++i) {
    const auto& d = m.days[i];
    const double x = left + slot * static_cast<double>(i) + slot * 0.15;
    double y = top + plot_h;
    for (std::size_t f = 0; f < d.by_family.size(); ++f) {
      if (d.by_family[f] == 0) continue;
      const double bar = plot_h * static_cast<double>(d.by_family[f]) / static_cast<double>(ymax);
      y -= bar;
      out += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{}: {}</title></rect>)",
                         x, y, slot * 0.7, bar, k_family_colors[f], esc(family_label(l, k_families[f])),
                         esc(format_number(l, d.by_family[f])));
    }
    out += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" font-size="12">{}</text>)", x + slot * 0.35,
                       h - bottom + 17, esc(format_day(l, d.day_ms)));
  }
  // Legend under the axis, wrapping to a second line when the labels are long (pt).
  int lx = 4, ly = h - bottom + 30;
  for (std::size_t f = 0; f < k_families.size(); ++f) {
    const auto label = family_label(l, k_families[f]);
    const int width = 30 + text_width(label, 13);
    if (lx + width > w && lx > 4) lx = 4, ly += 18;
    out += fmt::format(R"(<rect x="{}" y="{}" width="12" height="12" fill="{}"/>)", lx, ly - 11, k_family_colors[f]);
    out += fmt::format(R"(<text x="{}" y="{}" font-size="13">{}</text>)", lx + 16, ly, esc(label));
    lx += width;
  }
  if (peak == 0) out += no_data(w, 2 * top + static_cast<int>(plot_h), l);  // centred in the plot
  return out + "</svg>";
}

/// Horizontal bars, one per (label, value), longest first as given.
std::string bar_chart(const std::vector<std::pair<std::string, std::int64_t>>& bars, std::string_view label,
                      std::string_view color, language l) {
  constexpr int w = 480, label_w = 110, row = 26, pad = 8;
  const int h = std::max(60, pad * 2 + row * static_cast<int>(bars.size()));
  std::string out = svg_open(w, h, label);
  std::int64_t peak = 0;
  for (const auto& b : bars) peak = std::max(peak, b.second);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const int y = pad + row * static_cast<int>(i);
    const double len = peak == 0 ? 0 : (w - label_w - 70) * static_cast<double>(bars[i].second) / static_cast<double>(peak);
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="end" font-size="14">{}</text>)", label_w - 6, y + 17,
                       esc(shorten(bars[i].first, 24)));
    out += fmt::format(R"(<rect x="{}" y="{}" width="{:.1f}" height="{}" rx="2" fill="{}"/>)", label_w, y + 4,
                       std::max(len, 1.0), row - 8, color);
    out += fmt::format(R"(<text x="{:.1f}" y="{}" font-size="14">{}</text>)", label_w + std::max(len, 1.0) + 5, y + 17,
                       esc(format_number(l, bars[i].second)));
  }
  if (bars.empty()) out += no_data(w, h, l);
  return out + "</svg>";
}

std::string articles_chart(const report_model& m, language l) {
  std::vector<std::pair<std::string, std::int64_t>> bars;
  for (const auto& a : m.articles)
    bars.emplace_back(fmt::format(fmt::runtime(article_number_pattern(l)), a.article), a.alerts.current);
  return bar_chart(bars, text(l, msg::chart_articles), "#0f766e", l);
}

std::string transfers_chart(const report_model& m, language l) {
  std::map<std::string, std::int64_t> by_country;
  for (const auto& t : m.transfers) by_country[t.country.empty() ? std::string(text(l, msg::unknown)) : t.country] += t.records;
  std::vector<std::pair<std::string, std::int64_t>> bars(by_country.begin(), by_country.end());
  std::stable_sort(bars.begin(), bars.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return bar_chart(bars, text(l, msg::chart_transfers), k_family_colors[2], l);
}

void put_table(std::string& out, const table& t) {
  if (!t.caption.empty()) out += fmt::format("<h3>{}</h3>\n", esc(t.caption));
  if (t.rows.empty()) {
    if (!t.empty.empty()) out += fmt::format("<p>{}</p>\n", esc(t.empty));
    return;
  }
  out += "<div class=\"scroll\"><table><thead><tr>";
  for (std::size_t i = 0; i < t.head.size(); ++i)
    out += fmt::format("<th{}>{}</th>", t.kinds[i] == cell::number ? " class=\"n\"" : "", esc(t.head[i]));
  out += "</tr></thead><tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      switch (t.kinds[i]) {
        case cell::number: out += fmt::format("<td class=\"n\">{}</td>", esc(row[i])); break;
        case cell::code: out += fmt::format("<td><code>{}</code></td>", esc(row[i])); break;
        case cell::text: out += fmt::format("<td>{}</td>", esc(row[i])); break;
      }
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

/// The headline table as cards: label, value, change, previous value.
void put_cards(std::string& out, const table& t, language l) {
  out += "<div class=\"cards\">\n";
  for (const auto& r : t.rows)
    out += fmt::format("<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div>"
                       "<div class=\"delta\">{} · {}</div></div>\n",
                       esc(r[0]), esc(r[1]), esc(r[2]), esc(sentence(l, msg::previous_value, r[3])));
  out += "</div>\n";
}

}  // namespace

std::string render_html(const report_model& m, language l) {
  const front f = front_matter(m, l);
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} · {}</title>\n"
      "<style>{}</style>\n</head>\n<body>\n<main>\n<header>\n<h1>{}</h1>\n<p>{}</p>\n<p>{}</p>\n</header>\n",
      code(l), esc(f.title), esc(macau_date(m.current.from_ms)), k_css, esc(f.title), esc(f.law), esc(f.period));
  if (!f.empty_notice.empty()) out += fmt::format("<p class=\"notice\" id=\"empty\">{}</p>\n", esc(f.empty_notice));
  for (const section& s : sections(m, l)) {
    out += fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n", s.id, esc(s.title));
    for (const auto& p : s.before) out += fmt::format("<p>{}</p>\n", esc(p));
    if (s.id == "daily") out += daily_chart(m, l) + "\n";
    if (s.id == "articles") out += articles_chart(m, l) + "\n";
    if (s.id == "transfers") out += transfers_chart(m, l) + "\n";
    for (std::size_t i = 0; i < s.tables.size(); ++i) {
      if (s.id == "headline" && i == 0)
        put_cards(out, s.tables[i], l);
      else
        put_table(out, s.tables[i]);
    }
    for (const auto& p : s.after) out += fmt::format("<p>{}</p>\n", esc(p));
    out += "</section>\n";
  }
  out += fmt::format("<footer>{}</footer>\n</main>\n</body>\n</html>\n", esc(f.generated));
  return out;
}

}  // namespace dingwatch::report
