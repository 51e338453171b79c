#include "live.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include "assembly.hpp"
#include "dingwatch/detectors/rules/metrics.hpp"
#include "dingwatch/detectors/rules/reloader.hpp"

namespace dingwatch {

namespace {

/// Mirrors the rule engine's per-shard, per-rule counters into Prometheus: suppressed
/// alerts, state evictions and the number of rules loaded. Counters only go up, so
/// each update adds the change since the previous one.
class rule_metrics_exporter {
 public:
  explicit rule_metrics_exporter(metrics& m)
      : m_(m),
        suppressed_(prometheus::BuildCounter()
                        .Name("dingwatch_alerts_suppressed_total")
                        .Help("Alerts folded into a later one by a rule's suppression, by rule")
                        .Register(*m.registry())),
        evictions_(prometheus::BuildCounter()
                       .Name("dingwatch_state_evictions_total")
                       .Help("Detector state dropped because a rule's key or value cap was reached, by rule")
                       .Register(*m.registry())) {}

  void update() {
    const auto totals = rules::global_metrics()->snapshot();
    for (const rules::rule_totals& t : totals) {
      auto& last = last_[t.rule];
      add(suppressed_, t.rule, t.suppressed, last.suppressed);
      add(evictions_, t.rule, t.evicted, last.evicted);
      last = t;
    }
    std::size_t loaded = 0;  // the sets running now (the totals also keep rules a reload removed)
    for (const auto& pack : rules::global_packs()->live()) loaded += pack->current().first->rules.size();
    m_.rules_loaded().Set(static_cast<double>(loaded));
  }

 private:
  static void add(prometheus::Family<prometheus::Counter>& family, const std::string& rule, std::uint64_t now,
                  std::uint64_t before) {
    auto& counter = family.Add({{"rule", rule}});  // created at zero: dashboards see the series
    if (now > before) counter.Increment(static_cast<double>(now - before));
  }

  metrics& m_;
  prometheus::Family<prometheus::Counter>& suppressed_;
  prometheus::Family<prometheus::Counter>& evictions_;
  std::map<std::string, rules::rule_totals> last_;
};

}  // namespace

run_summary run_live(pipeline& p, const kafka_source& source, std::stop_token stop,
                     const live_options& options) {
  std::stop_source inner;
  std::stop_callback forward(stop, [&] { inner.request_stop(); });
  auto result = std::async(std::launch::async, [&] { return p.run(inner.get_token()); });

  std::optional<rule_metrics_exporter> rule_export;
  if (options.m != nullptr) rule_export.emplace(*options.m);
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t last_read = 0;
  auto last_tick = started;
  const auto tick = std::min<std::chrono::milliseconds>(options.status_every, std::chrono::seconds(1));
  while (result.wait_for(tick) == std::future_status::timeout) {
    if (rule_export) rule_export->update();
    const auto& st = p.stats();
    if (options.on_tick) options.on_tick(st);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_tick < options.status_every) continue;
    const double dt = std::chrono::duration<double>(now - last_tick).count();
    const std::uint64_t read = st.records_read;
    const auto line = fmt::format(
        "[{:>5.0f}s] {:>8} rec/s | read {:>10} | lag {:>7} | dlq {:>6} | alerts {:>6}",
        std::chrono::duration<double>(now - started).count(),
        with_commas(static_cast<std::uint64_t>((read - last_read) / (dt > 0 ? dt : 1))),
        with_commas(read), with_commas(static_cast<std::uint64_t>(std::max<std::int64_t>(0, source.lag()))),
        with_commas(st.rejected), with_commas(st.alerts));
    const std::string shown = source.ready() ? line : line + " | joining the consumer group…";
    if (options.status_to_terminal)
      std::fprintf(stderr, "%s\n", shown.c_str());
    else
      spdlog::info("{}", shown);
    last_read = read;
    last_tick = now;
    if (options.finished && options.finished(st)) inner.request_stop();
  }
  if (rule_export) rule_export->update();
  return result.get();
}

void print_summary(const run_summary& s, std::FILE* out) {
  std::string reasons;
  for (std::size_t i = 0; i < k_reject_reason_count; ++i)
    if (s.rejected_by_reason[i] > 0)
      reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", with_commas(s.rejected_by_reason[i]),
                             to_string(k_all_reject_reasons[i]));
  std::fprintf(out,
               "\n── dingwatch summary ─────────────────────────────────────────\n"
               "  records read      %s in %.1f s (%s rec/s)\n"
               "  decoded           %s records → %s events\n"
               "  dead letters      %s%s\n"
               "  alerts            %s\n"
               "  committed         %s records\n",
               with_commas(s.records_read).c_str(), s.seconds,
               with_commas(static_cast<std::uint64_t>(s.records_read / (s.seconds > 0 ? s.seconds : 1))).c_str(),
               with_commas(s.records_decoded).c_str(), with_commas(s.events).c_str(),
               with_commas(s.rejected).c_str(), reasons.empty() ? "" : (" (" + reasons + ")").c_str(),
               with_commas(s.alerts).c_str(), with_commas(s.records_committed).c_str());
}

}  // namespace dingwatch
