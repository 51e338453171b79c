// Hypothesis: building the weekly report from the alert store is bound by SQLite's
// aggregation over the alerts_time index, not by rendering, and stays under a few
// seconds for a week of 1,000,000 alerts (issue #7) because only the listed incidents
// and the cross-border groups ever touch the stored JSON.
//
// Baseline: a bare `SELECT COUNT(*)` over the same two weeks (the cheapest pass SQLite
// can make over the rows the report reads) — BM_scan_only. BM_build_report is the
// model; BM_render_* the renderers over that model.
//
// The store is generated once per run (DINGWATCH_BENCH_ALERTS, default 1,000,000 alerts
// over two weeks, 8 % cross-border with flow evidence) in $TMPDIR and reused if present.
//
//     build/bench/report/report_bench --benchmark_min_time=1

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "dingwatch/core/alert.hpp"
#include "dingwatch/report/model.hpp"
#include "dingwatch/report/render.hpp"

using namespace dingwatch;

namespace {

constexpr std::int64_t k_week_start = 1'794'758'400'000;  // Mon 2026-11-16 00:00 Macau

std::size_t alert_count() {
  const char* n = std::getenv("DINGWATCH_BENCH_ALERTS");
  return n != nullptr ? std::strtoull(n, nullptr, 10) : 1'000'000;
}

std::filesystem::path bench_store() {
  const std::size_t n = alert_count();
  const auto path = std::filesystem::temp_directory_path() / ("dingwatch-report-bench-" + std::to_string(n) + ".db");
  if (std::filesystem::exists(path)) return path;
  alert_store store(path);
  std::mt19937_64 rng(7);
  std::vector<alert> batch;
  const std::array<const char*, 6> rules = {"DW-AA-001", "DW-AA-002", "DW-AA-013", "DW-EC-003", "DW-EC-001", "DW-XB-101"};
  const std::array<const char*, 4> hosts = {"oss-cn-hangzhou.aliyuncs.com", "hooks.example-crm.cn", "api.example.hk",
                                            "upload.example.sg"};
  for (std::size_t i = 0; i < n; ++i) {
    alert a;
    a.timestamp_ms = k_week_start - 7 * 86'400'000LL + static_cast<std::int64_t>(rng() % (14 * 86'400'000ULL));
    const bool xb = rng() % 100 < 8;
    a.rule_id = xb ? "DW-XB-101" : rules[rng() % 5];
    a.rule_name = "Rule " + a.rule_id;
    a.family = xb ? family::cross_border : a.rule_id[3] == 'E' ? family::excessive_collection : family::anomalous_access;
    a.severity = static_cast<severity>(rng() % 4);
    a.pdpa_articles = xb ? std::vector<std::string>{"19", "20"} : std::vector<std::string>{"5", "15", "16"};
    a.user_id = "01" + std::to_string(rng() % 5000);
    a.user_name = "陳**";
    a.corp_id = "corp1";
    a.message = "a message a person can read on a phone, about as long as the real ones are";
    if (xb) {
      a.destination_domain = hosts[rng() % hosts.size()];
      a.evidence = {{"destination.domain", a.destination_domain}, {"flow.app", "file_upload"},
                    {"flow.bytes", std::to_string(rng() % 10'000'000)}, {"flow.records", std::to_string(rng() % 2000)}};
    } else {
      a.evidence = {{"event.action", "download"}, {"file.name", "報價單.pdf"}};
    }
    a.id = make_alert_id(a.rule_id, a.user_id, a.timestamp_ms + static_cast<std::int64_t>(i));
    batch.push_back(std::move(a));
    if (batch.size() == 50'000) {
      store.write(batch);
      batch.clear();
    }
  }
  store.write(batch);
  return path;
}

report::report_options week() {
  report::report_options o;
  o.span = {k_week_start, k_week_start + 7 * report::k_day_ms};
  o.generated_ms = o.span.to_ms;
  return o;
}

void BM_scan_only(benchmark::State& state) {
  const alert_store store(bench_store(), alert_store::mode::read_only);
  const auto o = week();
  std::int64_t rows = 0;
  for (auto _ : state)
    store.select("SELECT COUNT(*) FROM alerts WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2",
                 {o.span.previous().from_ms, o.span.to_ms}, [&](const row_view& r) { rows = r.integer(0); });
  state.counters["alerts"] = static_cast<double>(rows);
}

void BM_build_report(benchmark::State& state) {
  const alert_store store(bench_store(), alert_store::mode::read_only);
  std::int64_t alerts = 0;
  for (auto _ : state) {
    const auto m = report::build_report(store, week());
    alerts = m.alerts.current;
    benchmark::DoNotOptimize(m.days.data());
  }
  state.counters["alerts_in_week"] = static_cast<double>(alerts);
}

void render_bench(benchmark::State& state, report::format f) {
  const alert_store store(bench_store(), alert_store::mode::read_only);
  const auto m = report::build_report(store, week());
  std::size_t bytes = 0;
  for (auto _ : state) bytes = report::render(m, f, report::language::zh_hant).size();
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_render_html(benchmark::State& state) { render_bench(state, report::format::html); }
void BM_render_markdown(benchmark::State& state) { render_bench(state, report::format::markdown); }
void BM_render_json(benchmark::State& state) { render_bench(state, report::format::json); }

}  // namespace

BENCHMARK(BM_scan_only)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_build_report)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_render_html)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_render_markdown)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_render_json)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
