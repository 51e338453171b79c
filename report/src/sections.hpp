#pragma once
// The report as localized text, shared by the HTML and Markdown renderers: titled
// sections of paragraphs and tables whose cells are already formatted (numbers, dates,
// labels) but not yet escaped. The renderers only choose markup (and HTML adds charts),
// so the two can never show different figures.

#include <string>
#include <vector>

#include "dingwatch/report/messages.hpp"
#include "dingwatch/report/model.hpp"

namespace dingwatch::report {

/// How a column's cells are shown.
enum class cell : char { text = 't', number = 'n', code = 'c' };

struct table {
  std::vector<std::string> head;
  std::vector<cell> kinds;  ///< one per column
  std::vector<std::vector<std::string>> rows;
  std::string caption;  ///< optional heading above the table
  std::string empty;    ///< said instead of the table when it has no rows (then shown if not "")
};

struct section {
  std::string id;  ///< stable anchor: headline, daily, articles, rules, users, transfers, incidents, health, rules-changed
  std::string title;
  std::vector<std::string> before;  ///< paragraphs before the tables
  std::vector<table> tables;
  std::vector<std::string> after;   ///< paragraphs after the tables
};

/// The front matter: title, law, period line, empty-period notice ("" when not empty).
struct front {
  std::string title, law, period, empty_notice, generated;
};

front front_matter(const report_model& m, language l);
std::vector<section> sections(const report_model& m, language l);

}  // namespace dingwatch::report
