#include "dingwatch/detectors/rules/metrics.hpp"

#include <algorithm>
#include <map>

#include "dingwatch/detectors/rules/rule_set.hpp"

namespace dingwatch::rules {

counter_block::counter_block(const rule_set& set)
    : counters(std::make_unique<rule_counters[]>(set.rules.size())) {
  ids.reserve(set.rules.size());
  for (const auto& r : set.rules) ids.push_back(r.id);
}

rule_totals counter_block::read(std::size_t rule) const {
  const rule_counters& c = counters[rule];
  return {ids[rule],       c.matched.get(), c.excepted.get(), c.alerts.get(),
          c.suppressed.get(), c.expired.get(), c.evicted.get()};
}

std::shared_ptr<counter_block> rule_metrics::attach(const rule_set& set) {
  auto b = std::make_shared<counter_block>(set);
  const std::lock_guard lock(mu_);
  blocks_.push_back(b);
  return b;
}

std::vector<rule_totals> rule_metrics::snapshot() const {
  const std::lock_guard lock(mu_);
  std::map<std::string, rule_totals> sum;
  auto add = [&](const rule_totals& t) {
    rule_totals& s = sum[t.rule];
    s.rule = t.rule;
    s += t;
  };
  // Blocks only this collector still holds belong to engines that are gone: their
  // counts are final, fold them once and let the blocks go.
  std::vector<rule_totals> folded;
  std::erase_if(blocks_, [&](const std::shared_ptr<counter_block>& b) {
    if (b.use_count() > 1) return false;
    for (std::size_t i = 0; i < b->ids.size(); ++i) folded.push_back(b->read(i));
    return true;
  });
  if (!folded.empty()) {
    std::map<std::string, rule_totals> r;
    for (auto& t : retired_) r[t.rule] = t;
    for (const auto& t : folded) {
      rule_totals& s = r[t.rule];
      s.rule = t.rule;
      s += t;
    }
    retired_.clear();
    for (auto& [_, t] : r) retired_.push_back(std::move(t));
  }
  for (const auto& t : retired_) add(t);
  for (const auto& b : blocks_)
    for (std::size_t i = 0; i < b->ids.size(); ++i) add(b->read(i));
  std::vector<rule_totals> out;
  out.reserve(sum.size());
  for (auto& [_, t] : sum) out.push_back(std::move(t));
  return out;
}

std::shared_ptr<rule_metrics> global_metrics() {
  static const auto m = std::make_shared<rule_metrics>();
  return m;
}

}  // namespace dingwatch::rules
