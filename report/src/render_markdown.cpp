// Markdown: GitHub-flavoured tables, for chat and e-mail. The per-day table stands in
// for the chart.

#include <fmt/format.h>

#include "dingwatch/report/render.hpp"
#include "sections.hpp"
#include "text.hpp"

namespace dingwatch::report {

namespace {

std::string cell_text(const std::string& s, cell kind) {
  if (kind == cell::code && !s.empty() && s.find('`') == std::string::npos) return fmt::format("`{}`", s);
  return md_escape(s);
}

void put_table(std::string& out, const table& t) {
  if (!t.caption.empty()) out += fmt::format("**{}**\n\n", md_escape(t.caption));
  if (t.rows.empty()) {
    if (!t.empty.empty()) out += fmt::format("{}\n\n", md_escape(t.empty));
    return;
  }
  out += "|";
  for (const auto& h : t.head) out += fmt::format(" {} |", md_escape(h));
  out += "\n|";
  for (const auto k : t.kinds) out += k == cell::number ? " --: |" : " --- |";
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (std::size_t i = 0; i < row.size(); ++i) out += fmt::format(" {} |", cell_text(row[i], t.kinds[i]));
    out += "\n";
  }
  out += "\n";
}

}  // namespace

std::string render_markdown(const report_model& m, language l) {
  const front f = front_matter(m, l);
  std::string out = fmt::format("# {}\n\n{}  \n{}\n\n", md_escape(f.title), md_escape(f.law), md_escape(f.period));
  if (!f.empty_notice.empty()) out += fmt::format("> **{}**\n\n", md_escape(f.empty_notice));
  for (const section& s : sections(m, l)) {
    out += fmt::format("## {}\n\n", md_escape(s.title));
    for (const auto& p : s.before) out += fmt::format("{}\n\n", md_escape(p));
    for (const auto& t : s.tables) put_table(out, t);
    for (const auto& p : s.after) out += fmt::format("{}\n\n", md_escape(p));
  }
  out += fmt::format("---\n{}\n", md_escape(f.generated));
  return out;
}

}  // namespace dingwatch::report
