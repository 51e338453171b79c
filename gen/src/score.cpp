#include "dingwatch/gen/score.hpp"

#include <algorithm>
#include <unordered_map>

namespace dingwatch::gen {

namespace {

double ratio(std::uint64_t num, std::uint64_t den) noexcept {
  return den == 0 ? 1.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

scored_alert to_scored(const alert& a) {
  const std::int64_t first = a.first_ms != 0 ? a.first_ms : a.timestamp_ms;
  const std::int64_t last = a.last_ms != 0 ? a.last_ms : a.timestamp_ms;
  return {a.rule_id, std::string(to_string(a.family)), a.user_id, std::min(first, last), std::max(first, last)};
}

double tally::precision() const noexcept { return ratio(true_alerts, alerts); }
double tally::recall() const noexcept { return ratio(detected, incidents); }
double tally::f1() const noexcept {
  const double p = precision(), r = recall();
  return p + r == 0 ? 0 : 2 * p * r / (p + r);
}

double score::false_alerts_per_10k_user_days() const noexcept {
  return user_days <= 0 ? 0 : static_cast<double>(false_alerts) * 10'000.0 / user_days;
}

score score_alerts(const std::vector<scored_alert>& alerts, const std::vector<incident>& incidents,
                   const score_options& options) {
  score s;
  s.user_days = options.user_days;
  for (const char* f : {"excessive_collection", "anomalous_access", "cross_border"}) s.by_family[f];

  // Incidents per (family, user); few per user, so a linear scan of each list is enough.
  std::unordered_map<std::string, std::vector<std::size_t>> by_owner;
  for (std::size_t i = 0; i < incidents.size(); ++i)
    by_owner[incidents[i].family + '\n' + incidents[i].user_id].push_back(i);
  std::vector<bool> detected(incidents.size(), false);

  for (const scored_alert& a : alerts) {
    bool hit = false;
    if (const auto it = by_owner.find(a.family + '\n' + a.user_id); it != by_owner.end()) {
      for (const std::size_t i : it->second) {
        const incident& inc = incidents[i];
        if (a.first_ms <= inc.end_ms + options.slack_ms && a.last_ms >= inc.start_ms - options.slack_ms) {
          detected[i] = true;
          hit = true;
        }
      }
    }
    for (tally* t : {&s.by_family[a.family], &s.by_rule[a.rule_id], &s.total}) {
      ++t->alerts;
      t->true_alerts += hit ? 1 : 0;
    }
    if (!hit) {
      ++s.false_alerts;
      if (s.false_examples.size() < options.keep_examples) s.false_examples.push_back(a);
    }
  }
  for (std::size_t i = 0; i < incidents.size(); ++i) {
    const incident& inc = incidents[i];
    for (tally* t : {&s.by_family[inc.family], &s.by_kind[inc.kind], &s.total}) {
      ++t->incidents;
      t->detected += detected[i] ? 1 : 0;
    }
    if (!detected[i]) s.missed.push_back(inc);
  }
  return s;
}

}  // namespace dingwatch::gen
