#pragma once
/// The report's message catalogue: every label and sentence in Traditional Chinese,
/// Portuguese and English, in one table (src/messages.cpp), so a translation is one
/// line to fix and no renderer carries a string of its own.
///
/// Sentences with `{}` take arguments in order (fmt syntax); a translation keeps the
/// number of placeholders. Everything here is UTF-8.

#include <cstdint>
#include <optional>
#include <string_view>

namespace dingwatch::report {

/// Report languages.
enum class language : std::uint8_t { zh_hant, pt, en };

/// "zh-Hant", "pt" or "en" (also accepts "zh", "zh-MO", "zh-TW" and "pt-PT"); nullopt otherwise.
std::optional<language> parse_language(std::string_view code) noexcept;

/// The BCP 47 tag: "zh-Hant", "pt", "en".
std::string_view code(language l) noexcept;

/// Catalogue entries.
enum class msg : std::uint16_t {
  title, law, period, generated, empty_period,
  sec_headline, sec_daily, sec_articles, sec_rules, sec_users, sec_transfers, sec_incidents, sec_health,
  sec_rule_changes,
  headline_alerts, headline_high, headline_users, headline_records, previous_value, change_new, change_none,
  col_day, col_family, col_article, col_rule, col_name, col_severity, col_alerts, col_previous, col_change,
  col_user, col_score, col_by_severity, col_rules, col_country, col_app, col_bytes, col_records,
  col_destination, col_first_seen, col_time, col_alert_id, col_evidence, col_reason, col_count, col_total,
  col_what, col_version,
  risk_explained, transfers_explained, new_destinations, no_new_destinations, no_transfers, no_incidents,
  incidents_shown, no_data, unknown, other_app,
  health_not_recorded, health_records, health_decoded, health_events, health_alerts, health_dead_letters,
  health_uptime, health_no_downtime, dead_letters_none,
  rules_not_recorded, rules_unchanged, rule_added, rule_changed, rule_removed,
  chart_daily, chart_articles, chart_transfers,
  count_  // number of entries; keep last
};

/// The text of `m` in `l`.
std::string_view text(language l, msg m) noexcept;

/// Label of a risk family (`cross_border` …); the name itself when unknown.
std::string_view family_label(language l, std::string_view family) noexcept;

/// Label of a severity (`critical` …); the name itself when unknown.
std::string_view severity_label(language l, std::string_view severity) noexcept;

/// Title of a PDPA (Law 8/2005) article, e.g. "Art. 19 — …"; empty when not in the
/// catalogue (renderers then show the number alone with `article_number`).
std::string_view article_title(language l, std::string_view article) noexcept;

/// "Art. 19", "Art. 19.º", "第19條".
std::string_view article_number_pattern(language l) noexcept;

/// Short weekday name, 0 = Sunday.
std::string_view weekday_short(language l, int weekday) noexcept;

}  // namespace dingwatch::report
