#pragma once
/// Scoring alerts against the generator's ground truth (`dingwatch eval`).
///
/// An alert is a true positive when an incident of the same family and the same user
/// overlaps it in time: the alert's evidence span [first_ms, last_ms] intersects the
/// incident's span [start_ms, end_ms] widened by `slack_ms` on both sides. An incident
/// is detected when at least one alert matches it. Precision counts alerts, recall
/// counts incidents — the numbers a SOC feels: how many pages were real, how many
/// incidents were seen.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dingwatch/core/alert.hpp"
#include "dingwatch/gen/generator.hpp"

namespace dingwatch::gen {

/// What scoring needs of an alert.
struct scored_alert {
  std::string rule_id;
  std::string family;
  std::string user_id;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
};

scored_alert to_scored(const alert& a);

/// Alerts and hits of one family or rule.
struct tally {
  std::uint64_t alerts = 0;
  std::uint64_t true_alerts = 0;  ///< alerts matching an incident
  std::uint64_t incidents = 0;
  std::uint64_t detected = 0;     ///< incidents matched by ≥ 1 alert

  /// 1 when nothing was alerted (no false alarm was raised).
  [[nodiscard]] double precision() const noexcept;
  /// 1 when there was nothing to find.
  [[nodiscard]] double recall() const noexcept;
  [[nodiscard]] double f1() const noexcept;
};

/// The evaluation of one run.
struct score {
  std::map<std::string, tally> by_family;  ///< the three families, always present
  std::map<std::string, tally> by_rule;    ///< alerts only: incidents are not per rule
  std::map<std::string, tally> by_kind;    ///< incident kinds: incidents and detected only
  tally total;
  std::uint64_t false_alerts = 0;
  double user_days = 0;

  /// False alerts per 10 000 user-days: the noise an analyst sees on a normal day.
  [[nodiscard]] double false_alerts_per_10k_user_days() const noexcept;
  /// Incidents of each kind nobody detected (for the report).
  std::vector<incident> missed;
  /// Alerts that matched nothing (for the report), at most `keep_examples`.
  std::vector<scored_alert> false_examples;
};

struct score_options {
  std::int64_t slack_ms = 0;
  double user_days = 0;
  std::size_t keep_examples = 20;
};

/// Matches `alerts` against `incidents`.
score score_alerts(const std::vector<scored_alert>& alerts, const std::vector<incident>& incidents,
                   const score_options& options);

}  // namespace dingwatch::gen
