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
//                    (`detect_vs_parse`, target ≥ 0.5) and parse / decode (`decode_vs_parse`)
//
//     build/release/bench/detect/detect_bench --benchmark_min_time=2

#include <benchmark/benchmark.h>

#include "detect_support.hpp"

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
  const detect_corpus& c = generated_corpus();
  simdjson::ondemand::parser parser;
  decode_stage d;
  detect_stage s(default_pack());
  std::vector<double> vs_decode, vs_parse, decode_vs_parse;
  std::size_t checksum = 0, rejected = 0;
  std::uint64_t pass = 0;
  for (auto _ : state) {
    const double t0 = thread_cpu_ns();
    checksum += parse_pass(c.batch.records(), parser);
    const double t1 = thread_cpu_ns();
    rejected += decode_pass(c, d, pass).rejected;
    const double t2 = thread_cpu_ns();
    rejected += detect_pass(c, d, s, pass).rejected;
    const double t3 = thread_cpu_ns();
    ++pass;
    vs_decode.push_back((t2 - t1) / (t3 - t2));
    vs_parse.push_back((t1 - t0) / (t3 - t2));
    decode_vs_parse.push_back((t1 - t0) / (t2 - t1));
  }
  benchmark::DoNotOptimize(checksum);
  if (rejected) state.SkipWithError("generated records were rejected");
  state.counters["detect_vs_decode"] = median(vs_decode);
  state.counters["detect_vs_parse"] = median(vs_parse);
  state.counters["decode_vs_parse"] = median(decode_vs_parse);
}
BENCHMARK(BM_paired_ratio)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
