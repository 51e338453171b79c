// Hypotheses (issue #9): (a) the hot path allocates nothing per event in steady state —
// decode only, and decode + enrich + detect with the default rule pack; (b) the rule
// engine holds ≤ 1 KiB of detector state per tracked user with 1,000,000 distinct users.
// Expected: (a) holds once every window has met the largest burst the corpus holds (the
// warm-up runs until a pass allocates nothing outside alerts; footprint.hpp says why
// that point exists), and alerts allocate their texts.
//
// Every executable linking the bench library replaces the global operator new with a
// counting one (bench/common/counting_new.hpp): allocations and live heap bytes of the
// benchmark thread are exact for everything allocated through operator new. The
// measurements are bench/common/footprint.cpp's, the same code `dingwatch bench` runs.
//
//   BM_allocations/decode          allocations per event of dingtalk_decoder over the
//                                  generated corpus (detect_support.hpp), after warm-up
//                                  passes, over five counted passes in pipeline
//                                  batches of 2,048 records
//   BM_allocations/decode_detect   the same plus jurisdiction enrichment and the rule
//                                  engine with the default pack (state persists; every
//                                  pass moves time forward by whole weeks)
//   BM_state_per_user              DINGWATCH_BENCH_USERS (default 1,000,000) distinct
//                                  users, each given 4 events decoded
//                                  from the corpus (round robin over every shape) with its
//                                  own user id, all within 5 simulated minutes of a
//                                  Tuesday 10:00 Macau so no window expires, fed to one
//                                  engine (one shard) whose per-rule key caps
//                                  (`max_keys`, default 100,000 per shard) are lifted so
//                                  every user stays tracked. Reports per user: the
//                                  engine's own accounting (Σ tracked keys ×
//                                  rule_engine::bytes_per_key, the bound its eviction uses),
//                                  the live heap growth, and the RSS growth
//                                  (/proc/self/statm); target ≤ 1 KiB.
//
//     build/release/bench/detect/footprint_bench

#include <benchmark/benchmark.h>

#include <cstdlib>

#include "footprint.hpp"

namespace {

using namespace dingwatch::bench;

std::size_t user_count() { return env_size("DINGWATCH_BENCH_USERS", 1'000'000); }

void BM_allocations(benchmark::State& state, bool detect) {
  const detect_corpus& c = generated_corpus();
  allocation_count n;
  for (auto _ : state) n = count_allocations(c, detect, 5);
  state.counters["allocs_per_quiet_event"] = n.per_quiet_event();
  state.counters["allocs_per_alert"] = n.alerts == 0 ? 0.0 : static_cast<double>(n.alert_allocations) / static_cast<double>(n.alerts);
  state.counters["warmup_passes"] = static_cast<double>(n.warmup_passes);
  state.counters["allocs_per_record"] = static_cast<double>(n.allocations) / static_cast<double>(n.records);
  if (detect) state.counters["alerts_per_1k_events"] = 1000.0 * static_cast<double>(n.alerts) / static_cast<double>(n.events);
}
BENCHMARK_CAPTURE(BM_allocations, decode, false)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_allocations, decode_detect, true)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_state_per_user(benchmark::State& state) {
  const std::size_t users = user_count();
  const detect_corpus& c = generated_corpus();
  for (auto _ : state) {
    const state_per_user r = measure_state_per_user(c, users);
    for (const auto& [kind, k] : r.keys_by_kind) state.counters["keys_per_user_" + kind] = k;
    state.counters["users"] = static_cast<double>(users);
    state.counters["tracked_keys_per_user"] = r.tracked_keys;
    state.counters["accounted_B_per_user"] = r.accounted_bytes;
    state.counters["heap_B_per_user"] = r.heap_bytes;
    state.counters["rss_B_per_user"] = r.rss_bytes;
    state.counters["evicted"] = static_cast<double>(r.evicted);
    state.counters["expired"] = static_cast<double>(r.expired);
  }
}
BENCHMARK(BM_state_per_user)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
