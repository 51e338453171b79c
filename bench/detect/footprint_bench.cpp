// Hypotheses (issue #9): (a) the hot path allocates nothing per event in steady state —
// decode only, and decode + enrich + detect with the default rule pack; (b) the rule
// engine holds ≤ 1 KiB of detector state per tracked user with 1,000,000 distinct users.
// Expected today: (a) is NOT met by the engine — its author lists per-event key strings,
// display_value strings, correlation chain vectors and lru nodes — so this measures how
// far off it is; nothing here changes the engine.
//
// This executable replaces the global operator new with a counting one
// (counting_new.hpp): allocations and live heap bytes are exact for everything allocated
// through operator new.
//
//   BM_allocations/decode          allocations per event of dingtalk_decoder over the
//                                  generated corpus (detect_support.hpp), after two
//                                  warm-up passes, per pipeline batch of 2,048 records
//   BM_allocations/decode_detect   the same plus jurisdiction enrichment and the rule
//                                  engine with the default pack (state persists; every
//                                  pass moves time forward by whole weeks)
//   BM_state_per_user              DINGWATCH_BENCH_USERS (default 1,000,000) distinct
//                                  users, each given `k_events_per_user` events decoded
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
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include "counting_new.hpp"
#include "detect_support.hpp"
#include "dingwatch/detectors/rules/parser.hpp"
#include "dingwatch/detectors/rules/tooling.hpp"

namespace {

using namespace dingwatch;
using namespace dingwatch::bench;

constexpr std::uint64_t k_warmup_passes = 2;
constexpr std::size_t k_events_per_user = 4;
constexpr std::int64_t k_state_start_ms = 1'794'880'800'000;  // Tue 2026-11-17 10:00 Macau
constexpr std::int64_t k_state_span_ms = 5 * 60'000;

std::int64_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

std::size_t user_count() {
  const char* n = std::getenv("DINGWATCH_BENCH_USERS");
  return n != nullptr ? std::strtoull(n, nullptr, 10) : 1'000'000;
}

void BM_allocations(benchmark::State& state, bool detect) {
  const detect_corpus& c = generated_corpus();
  decode_stage d;
  detect_stage s(default_pack());
  std::uint64_t pass = 0;
  const auto one_pass = [&] { return detect ? detect_pass(c, d, s, pass++) : decode_pass(c, d, pass++); };
  for (std::uint64_t i = 0; i < k_warmup_passes; ++i) one_pass();
  const std::uint64_t warmup_alerts = s.alerts();
  std::uint64_t allocations = 0, events = 0;
  for (auto _ : state) {
    const heap_counts before = heap_now();
    events += one_pass().events;
    allocations += heap_now().allocations - before.allocations;
  }
  state.counters["allocs_per_event"] = static_cast<double>(allocations) / static_cast<double>(events);
  state.counters["allocs_per_record"] =
      static_cast<double>(allocations) / static_cast<double>(state.iterations() * c.batch.size());
  if (detect) state.counters["alerts_per_1k_events"] = 1000.0 * static_cast<double>(s.alerts() - warmup_alerts) / static_cast<double>(events);
}
BENCHMARK_CAPTURE(BM_allocations, decode, false)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_allocations, decode_detect, true)->Iterations(5)->Unit(benchmark::kMillisecond);

std::string_view kind_name(rules::stateful_kind k) {
  using rules::stateful_kind;
  switch (k) {
    case stateful_kind::none: return "stateless";
    case stateful_kind::event_count: return "event_count";
    case stateful_kind::value_count: return "value_count";
    case stateful_kind::value_sum: return "value_sum";
    case stateful_kind::temporal: return "temporal";
    case stateful_kind::temporal_ordered: return "temporal_ordered";
    case stateful_kind::baseline: return "baseline";
    case stateful_kind::first_seen: return "first_seen";
  }
  return "other";
}

/// The default pack loaded afresh with every rule's key cap lifted above `users`.
detect_pack uncapped_pack(std::size_t users) {
  rules::load_result r = rules::load_rules({rules::default_rules_dir().string()});
  if (!r.ok()) throw std::runtime_error("default rule pack does not load");
  // The set is built mutable by the loader and shared as const; this copy is ours alone.
  auto& set = const_cast<rules::rule_set&>(*r.rules);
  for (auto& rule : set.rules) rule.max_keys = users + 1;
  return {r.rules, default_pack().resolver};
}

void BM_state_per_user(benchmark::State& state) {
  const std::size_t users = user_count();
  const detect_corpus& c = generated_corpus();
  decode_stage d;
  d.decode(c, 0, std::min(k_batch_records, c.batch.size()), 0);
  const std::vector<normalized_event> templates = d.events();  // views into `d` and `c`, kept alive
  const detect_pack pack = uncapped_pack(users);

  for (auto _ : state) {
    std::vector<normalized_event> batch;
    batch.reserve(k_batch_records);
    std::vector<std::string> ids(k_batch_records);
    const heap_counts heap_before = heap_now();
    const std::int64_t rss_before = rss_bytes();
    detect_stage s(pack);
    const auto flush = [&] {
      s.run(batch);
      batch.clear();
    };
    for (std::size_t u = 0; u < users; ++u) {
      const std::int64_t ts = k_state_start_ms + static_cast<std::int64_t>(u) * k_state_span_ms /
                                                     static_cast<std::int64_t>(users);
      for (std::size_t j = 0; j < k_events_per_user; ++j) {
        if (batch.size() == k_batch_records) flush();
        std::string& id = ids[batch.size()];
        id = fmt::format("01{:014}", u);  // a DingTalk-style 16-character user id
        normalized_event ev = templates[(u * k_events_per_user + j) % templates.size()];
        ev.user_id = id;
        ev.ts_ms = ev.ingest_ms = ts;
        batch.push_back(ev);
      }
    }
    flush();
    const heap_counts heap_after = heap_now();
    const std::int64_t rss_after = rss_bytes();

    std::size_t keys = 0, accounted = 0;
    std::map<std::string, std::size_t> keys_by_kind;  // which stateful kinds hold the users
    for (std::size_t i = 0; i < pack.rules->rules.size(); ++i) {
      const rules::compiled_rule& r = pack.rules->rules[i];
      const std::size_t k = s.engine().tracked_keys(i);
      keys += k;
      accounted += k * rules::rule_engine::bytes_per_key(r);
      keys_by_kind[std::string(kind_name(r.stateful))] += k;
    }
    const auto per_user = [&](double v) { return v / static_cast<double>(users); };
    for (const auto& [kind, k] : keys_by_kind)
      if (k > 0) state.counters["keys_per_user_" + kind] = per_user(static_cast<double>(k));
    state.counters["users"] = static_cast<double>(users);
    state.counters["tracked_keys_per_user"] = per_user(static_cast<double>(keys));
    state.counters["accounted_B_per_user"] = per_user(static_cast<double>(accounted));
    state.counters["heap_B_per_user"] = per_user(static_cast<double>(heap_after.live_bytes - heap_before.live_bytes));
    state.counters["rss_B_per_user"] = per_user(static_cast<double>(rss_after - rss_before));
    state.counters["evicted"] = static_cast<double>(s.engine().stats().evicted);
    state.counters["expired"] = static_cast<double>(s.engine().stats().expired);
  }
}
BENCHMARK(BM_state_per_user)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
