#pragma once
/// The weekly anomaly report as data: built once from the alert store, then rendered as
/// HTML, Markdown or JSON (render.hpp), so the three never disagree.
///
/// Every figure is computed here, including week-over-week changes; renderers only
/// format and translate. Aggregation happens in SQL over the store's indexes, so a week
/// of a million alerts is never loaded row by row; only the listed incidents and the
/// cross-border groups read the stored JSON.
///
/// What each part means:
///   headline     alerts, critical+high alerts, distinct users, personal-data records
///                evidenced leaving Macau — this period and the one before
///   days         alerts per Macau day per family (the chart)
///   articles     alerts per PDPA article; an alert citing Art. 19 and 20 counts once for each
///   top_rules    the rules that fired most, with last period's count
///   top_users    users by risk score (k_risk_weights per alert); names as stored (masked)
///   transfers    cross-border alerts grouped by destination country and application
///   incidents    critical and high alerts, most severe then newest first
///   health       pipeline_minutes of the period (null when none recorded)
///   rule_changes rules added, changed (new content hash) or removed in the period

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dingwatch/report/period.hpp"
#include "dingwatch/sinks/alert_store.hpp"

namespace dingwatch::report {

/// Risk weight of one alert by severity (low, medium, high, critical).
inline constexpr std::array<std::int64_t, 4> k_risk_weights = {1, 3, 6, 10};

/// Family names in chart order.
inline constexpr std::array<std::string_view, 3> k_families = {"excessive_collection", "anomalous_access",
                                                                "cross_border"};

/// A figure this period and the previous one.
struct change {
  std::int64_t current = 0;
  std::int64_t previous = 0;
  /// Percent change; nullopt when the previous period had none (a "new" figure).
  [[nodiscard]] std::optional<double> percent() const noexcept {
    if (previous == 0) return std::nullopt;
    return 100.0 * static_cast<double>(current - previous) / static_cast<double>(previous);
  }
};

/// Alerts of one Macau day.
struct day_row {
  std::int64_t day_ms = 0;                  ///< Macau midnight
  std::array<std::int64_t, 3> by_family{};  ///< in k_families order
};

struct article_row {
  std::string article;  ///< "19"
  change alerts;
};

struct rule_row {
  std::string id, name, family, severity;
  change alerts;
};

struct user_row {
  std::string id;
  std::string name;  ///< masked, as stored
  std::int64_t score = 0;
  std::int64_t alerts = 0;
  std::array<std::int64_t, 4> by_severity{};  ///< critical, high, medium, low
  std::int64_t rules = 0;                     ///< distinct rules
};

struct transfer_row {
  std::string country;  ///< ISO 3166 code, or "" when unknown
  std::string app;      ///< flow.app; "" when the alert's evidence does not name it
  bool gateway = true;  ///< false: no destination host (e.g. a download from abroad)
  std::int64_t alerts = 0, bytes = 0, records = 0;
};

struct destination_row {
  std::string destination;  ///< host (or IP) the data went to
  std::string country;      ///< "" when unknown
  std::int64_t first_ms = 0;
};

struct incident_row {
  std::string id;
  std::int64_t timestamp_ms = 0;
  std::string rule_id, rule_name, family, severity, user_id, user_name, message;
  std::string evidence;  ///< "field: value; …", shortened
};

struct pipeline_health {
  std::uint64_t records_read = 0, records_decoded = 0, events = 0, alerts = 0, rejected = 0;
  std::vector<std::pair<std::string, std::uint64_t>> rejected_by_reason;  ///< most first
  std::int64_t expected_minutes = 0;  ///< minutes of the period dingwatch could have run
  std::int64_t running_minutes = 0;   ///< minutes with at least one pipeline_minutes row
  std::int64_t outages = 0;           ///< runs of minutes without a row
  std::int64_t longest_outage_minutes = 0;
  [[nodiscard]] std::int64_t down_minutes() const noexcept { return expected_minutes - running_minutes; }
};

struct rule_change {
  enum class kind : std::uint8_t { added, changed, removed };
  kind what = kind::added;
  std::string id, name;
  int version = 0;           ///< the version now (added, changed) or last seen (removed)
  int previous_version = 0;  ///< changed: the version before
  std::int64_t when_ms = 0;
};

struct report_model {
  period current;
  period previous;
  std::int64_t generated_ms = 0;

  change alerts, high_or_critical, users, records_out;
  std::vector<day_row> days;  ///< one per day of `current`
  std::vector<article_row> articles;
  std::vector<rule_row> top_rules;
  std::int64_t rules_fired = 0;
  std::vector<user_row> top_users;
  std::vector<transfer_row> transfers;  ///< most records first
  std::vector<destination_row> new_destinations;
  std::vector<incident_row> incidents;
  std::int64_t incidents_total = 0;
  std::optional<pipeline_health> health;  ///< nullopt: nothing recorded
  bool rules_recorded = false;            ///< the store has rule_versions
  std::vector<rule_change> rule_changes;

  /// True when the period holds no alert at all.
  [[nodiscard]] bool empty() const noexcept { return alerts.current == 0; }
};

struct report_options {
  period span;
  std::int64_t generated_ms = 0;  ///< "now": shown, and bounds the downtime count
  std::size_t top = 10;           ///< rows of the top-rules and top-users tables
  std::size_t incidents = 15;     ///< incidents listed in full
};

/// Builds the report from the store. Throws std::runtime_error on SQLite errors.
report_model build_report(const alert_store& store, const report_options& options);

/// The destination country an alert's fields name: the stored country code, else the
/// ISO code of a two-letter top-level domain (`.cn` → CN) or of an Alibaba Cloud OSS
/// region in the host name (`oss-cn-*` → CN); "" when none.
std::string destination_country(std::string_view stored, std::string_view host);

}  // namespace dingwatch::report
