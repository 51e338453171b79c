// Hypothesis: with the full default rule pack, decode + jurisdiction enrichment + rule
// engine on one core keeps ≥ 0.5× the throughput of decode alone (issue #4) and ≥ 0.5×
// the throughput of a simdjson on-demand parse-only walk of the same records (issue #9):
// the engine's per-event work — Hyperscan scans of the few fields rules read, predicate
// trees, keyed window state — costs at most what decoding costs.
//
// Workload: DINGWATCH_BENCH_RECORDS (default 20,000) records from gen::generator (seed 1,
// 200 users, 2 % incident user-days, every DingTalk shape, all three topics), generated
// once into memory and processed in pipeline batches of 2,048 on the benchmark thread
// (no queues, no Kafka). Every pass shifts times by whole weeks so the engine's state
// sees one stream moving forward (detect_support.hpp); its state persists across passes.
//
//   BM_parse_only    baseline of #9: bench/decode's simdjson on-demand walk of every key
//                    and scalar, no normalization
//   BM_decode        baseline of #4: dingtalk_decoder into reused buffers
//   BM_decode_detect decode, then per event the jurisdiction enricher and one rule_engine
//                    running the default pack (rules/), then the batch end
//   BM_paired_ratio  per iteration one pass of each, back to back (thread CPU time), so
//                    all three see the same neighbours on a shared machine; counters are
//                    medians over iterations of decode / (decode+detect) time
//                    (`detect_vs_decode`, target ≥ 0.5), parse / (decode+detect)
//                    (`detect_vs_parse`, target ≥ 0.5) and parse / decode (`decode_vs_parse`);
//                    the pairing is bench/common/one_core.cpp's, which `dingwatch bench` runs
//
//   BM_shard_scaling the detect stage alone (enrich + engine + batch end) on one shard thread
//                    and on two, fed the corpus pre-decoded and routed by user as the
//                    pipeline routes it, one pass of each per iteration (wall time);
//                    `two_vs_one_shard` = median of one-shard / two-shard time. Hypothesis
//                    (#9): ≥ 1.8×, as shards share nothing but the read-only rule pack;
//                    `busiest_share` (the busier shard's share of the events) caps it, and
//                    `cpu_two_vs_one` (CPU time of both shards / one shard's) shows what
//                    running side by side costs. bench/common/shard_scaling.cpp, as run
//                    by `dingwatch bench`
//
//     build/release/bench/detect/detect_bench --benchmark_min_time=2

#include <benchmark/benchmark.h>

#include "detect_support.hpp"
#include "one_core.hpp"
#include "shard_scaling.hpp"

namespace {

using namespace dingwatch;
using namespace dingwatch::bench;

void set_throughput(benchmark::State& state, const detect_corpus& c) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.batch.size()));
}

void BM_parse_only(benchmark::State& state) {
  const detect_corpus& c = generated_corpus();
  simdjson::ondemand::parser parser;
  std::size_t checksum = 0;
  for (auto _ : state) checksum += parse_pass(c.batch.records(), parser);
  benchmark::DoNotOptimize(checksum);
  set_throughput(state, c);
}
BENCHMARK(BM_parse_only)->Unit(benchmark::kMillisecond);

void BM_decode(benchmark::State& state) {
  const detect_corpus& c = generated_corpus();
  decode_stage d;
  pass_counts n;
  std::uint64_t pass = 0;
  for (auto _ : state) {
    const pass_counts p = decode_pass(c, d, pass++);
    n.rejected += p.rejected;
    n.events += p.events;
    benchmark::DoNotOptimize(d.events().data());
  }
  if (n.rejected) state.SkipWithError("generated records were rejected");
  set_throughput(state, c);
  state.counters["events_per_record"] =
      static_cast<double>(n.events) / static_cast<double>(state.iterations() * c.batch.size());
  state.counters["avg_record_bytes"] = static_cast<double>(c.bytes) / static_cast<double>(c.batch.size());
}
BENCHMARK(BM_decode)->Unit(benchmark::kMillisecond);

void BM_decode_detect(benchmark::State& state) {
  const detect_corpus& c = generated_corpus();
  decode_stage d;
  detect_stage s(default_pack());
  pass_counts n;
  std::uint64_t pass = 0;
  for (auto _ : state) {
    const pass_counts p = detect_pass(c, d, s, pass++);
    n.rejected += p.rejected;
    n.events += p.events;
  }
  if (n.rejected) state.SkipWithError("generated records were rejected");
  set_throughput(state, c);
  state.counters["rules"] = static_cast<double>(default_pack().rules->rules.size());
  state.counters["alerts_per_1k_events"] = 1000.0 * static_cast<double>(s.alerts()) / static_cast<double>(n.events);
}
BENCHMARK(BM_decode_detect)->Unit(benchmark::kMillisecond);

void BM_paired_ratio(benchmark::State& state) {
  one_core_pairing pairing(generated_corpus(), default_pack());
  for (auto _ : state) pairing.pass();
  if (pairing.rejected()) state.SkipWithError("generated records were rejected");
  const one_core_ratios r = pairing.ratios();
  state.counters["detect_vs_decode"] = r.detect_vs_decode.median;
  state.counters["detect_vs_parse"] = r.detect_vs_parse.median;
  state.counters["decode_vs_parse"] = r.decode_vs_parse.median;
}
BENCHMARK(BM_paired_ratio)->Unit(benchmark::kMillisecond);

void BM_shard_scaling(benchmark::State& state) {
  shard_scaling scaling(generated_corpus(), default_pack());
  for (auto _ : state) scaling.pass();
  state.counters["two_vs_one_shard"] = scaling.speedup().median;
  state.counters["cpu_two_vs_one"] = scaling.cpu_ratio();
  state.counters["busiest_share"] = scaling.busiest_share();
}
BENCHMARK(BM_shard_scaling)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
