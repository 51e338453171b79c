// Hypothesis (issue #8, crash safety): a checkpoint of one shard's rule-engine state with
// 100,000 tracked users costs well under a second — small next to the default 30 s
// interval — so taking it on the shard thread at a batch boundary is affordable.
//
//   BM_checkpoint/save      rule_engine::save of the state (the part each shard pays on
//                           its own thread, at the checkpoint's batch boundary)
//   BM_checkpoint/write     encode_checkpoint + write_checkpoint (temp file, fsync,
//                           rename, directory fsync) on the ingest thread
//   BM_checkpoint/restore   read_checkpoint + rule_engine::restore into a fresh engine
//                           (once, at start)
//
// State: DINGWATCH_BENCH_USERS (default 100,000) distinct users, each given 4 events
// decoded from the generated corpus (round robin over its shapes) with its own user id,
// within 5 simulated minutes, fed to one engine with the default rule pack (its default
// per-rule cap of 100,000 keys per shard). Counters: tracked keys, checkpoint bytes.
//
//     build/release/bench/detect/checkpoint_bench

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "detect_support.hpp"
#include "dingwatch/core/checkpoint.hpp"

namespace {

using namespace dingwatch;
using namespace dingwatch::bench;

constexpr std::size_t k_events_per_user = 4;
constexpr std::int64_t k_start_ms = 1'794'880'800'000;  // Tue 2026-11-17 10:00 Macau
constexpr std::int64_t k_span_ms = 5 * 60'000;

std::size_t user_count() { return env_size("DINGWATCH_BENCH_USERS", 100'000); }

/// An engine holding the state of `users` users.
void fill(detect_stage& s, std::size_t users) {
  const detect_corpus& c = generated_corpus();
  decode_stage d;
  d.decode(c, 0, std::min(k_batch_records, c.batch.size()), 0);
  const std::vector<normalized_event> templates = d.events();
  std::vector<normalized_event> batch;
  std::vector<std::string> ids(k_batch_records);
  for (std::size_t u = 0; u < users; ++u) {
    const std::int64_t ts = k_start_ms + static_cast<std::int64_t>(u) * k_span_ms / static_cast<std::int64_t>(users);
    for (std::size_t j = 0; j < k_events_per_user; ++j) {
      if (batch.size() == k_batch_records) {
        s.run(batch);
        batch.clear();
      }
      std::string& id = ids[batch.size()];
      id = fmt::format("01{:014}", u);
      normalized_event ev = templates[(u * k_events_per_user + j) % templates.size()];
      ev.user_id = id;
      ev.ts_ms = ev.ingest_ms = ts;
      batch.push_back(ev);
    }
  }
  s.run(batch);
}

std::size_t tracked(rules::rule_engine& e) {
  std::size_t keys = 0;
  for (std::size_t i = 0; i < e.set()->rules.size(); ++i) keys += e.tracked_keys(i);
  return keys;
}

void BM_checkpoint(benchmark::State& state, int step) {
  static detect_stage s(default_pack());
  static const bool filled = (fill(s, user_count()), true);
  (void)filled;
  const auto dir = std::filesystem::temp_directory_path() / ("dw-bench-ckpt-" + std::to_string(::getpid()));
  checkpoint c;
  {
    state_writer w;
    s.engine().save(w);
    c.shards = {{{"rules", w.take()}}};
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    switch (step) {
      case 0: {
        state_writer w;
        s.engine().save(w);
        bytes = w.bytes().size();
        benchmark::DoNotOptimize(w.bytes().data());
        break;
      }
      case 1: {
        const std::string encoded = encode_checkpoint(c);
        bytes = encoded.size();
        if (auto error = write_checkpoint(dir, encoded)) state.SkipWithError(error->c_str());
        break;
      }
      case 2: {
        state.PauseTiming();
        if (auto error = write_checkpoint(dir, encode_checkpoint(c))) state.SkipWithError(error->c_str());
        detect_stage fresh(default_pack());
        state.ResumeTiming();
        const checkpoint_load load = read_checkpoint(dir);
        if (!load.loaded) state.SkipWithError(load.error.c_str());
        state_reader in(load.loaded->shards[0][0].bytes);
        fresh.engine().restore(in);
        if (!in.ok()) state.SkipWithError(in.error());
        bytes = load.loaded->shards[0][0].bytes.size();
        state.PauseTiming();
        if (tracked(fresh.engine()) != tracked(s.engine())) state.SkipWithError("restored key count differs");
        state.ResumeTiming();
        break;
      }
    }
  }
  std::filesystem::remove_all(dir);
  state.counters["tracked_keys"] = static_cast<double>(tracked(s.engine()));
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK_CAPTURE(BM_checkpoint, save, 0)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_checkpoint, write, 1)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_checkpoint, restore, 2)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
