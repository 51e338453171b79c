#pragma once
// Helpers for rule-engine tests: load rules from text, build events, run an engine.

#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "dingwatch/detectors/rules/engine.hpp"
#include "dingwatch/detectors/rules/parser.hpp"

namespace dingwatch::testing {

inline constexpr std::int64_t k_min = 60'000;
inline constexpr std::int64_t k_hour = 60 * k_min;
inline constexpr std::int64_t k_day = 24 * k_hour;

/// Loads `yaml`; fails the test (printing diagnostics) when it does not compile.
std::shared_ptr<const rules::rule_set> compile(const std::string& yaml);

/// A rule list entry (indented for `rules:`) with id `id`, name "rule ID", the detection
/// block `detection` (already indented under `detection:`) and `extra` keys.
std::string rule(const std::string& id, const std::string& detection, const std::string& extra = "");

/// Wraps a detection in a minimal valid rule with id `T-1`.
std::string rule_with(const std::string& detection, const std::string& extra = "");

/// Events with owned strings: `set("file.name", "x")` then `ev()`.
class event_builder {
 public:
  event_builder& set(std::string_view field, std::string value);
  event_builder& at(std::int64_t ts_ms) {
    ev_.ts_ms = ts_ms;
    return *this;
  }
  [[nodiscard]] const normalized_event& ev() const { return ev_; }

 private:
  normalized_event ev_;
  std::deque<std::string> strings_;
};

/// Collects alerts.
class alert_sink final : public alert_emitter {
 public:
  void emit(alert&& a) override { alerts.push_back(std::move(a)); }
  std::vector<alert> alerts;
};

/// The alert's evidence under `key`, or "" when it has none.
std::string evidence_of(const alert& a, std::string_view key);

/// Whether the one-rule set `yaml` fires on `ev` (stateless).
bool fires(const std::shared_ptr<const rules::rule_set>& set, const normalized_event& ev);

/// Runs `fn(FILE*)` and returns what it printed.
template <typename F>
std::string capture(F&& fn, int* rc = nullptr) {
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* f = open_memstream(&buf, &size);
  const int r = fn(f);
  std::fclose(f);
  std::string out(buf, size);
  std::free(buf);
  if (rc) *rc = r;
  return out;
}

/// 2026-11-25 hh:mm:ss Macau time in epoch ms.
std::int64_t macau(int hh, int mm = 0, int ss = 0, int day = 25);

}  // namespace dingwatch::testing
