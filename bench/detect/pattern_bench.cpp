// Hypothesis: one Hyperscan database holding every pattern the default rule pack puts on
// a field, scanned once per value, is ≥ 20× faster than std::regex running the same
// patterns one by one over the same values (issue #4), because Hyperscan matches all
// patterns in one pass over the bytes while std::regex backtracks per pattern.
//
// Patterns: every pattern leaf of the default pack (rules/) on `file.name` — literals of
// `contains`/`prefix`/`suffix`, `equals`/`in` with `nocase`, and the ID regexes — exactly
// as the loader compiled them (rule_set::leaves, rule_set::databases: UTF-8, UCP,
// caseless where asked, single-match or leftmost-start for validated leaves).
// Values: the non-empty `file.name` of every event decoded from the generated corpus
// (detect_support.hpp), Traditional/Simplified Chinese and Portuguese names included.
//
//   BM_hyperscan     the pack's `file.name` database through hs_scan with one scratch, as
//                    the engine scans; the callback marks the leaf (validators not run)
//   BM_std_regex     per leaf, std::regex_search with each of its expressions
//                    (ECMAScript, icase where the leaf is caseless, `\z` written as `$`)
//                    until one matches: the same leaves marked, without Hyperscan
//   BM_paired_ratio  one pass of each per iteration, back to back (thread CPU time);
//                    `hyperscan_vs_regex` = median of regex time / Hyperscan time
//
// Both sides must mark the same leaves for each value: `disagreeing_values` counts values
// where they do not (std::regex's icase is ASCII-only, Hyperscan's UCP caseless is not).
//
//     build/release/bench/detect/pattern_bench --benchmark_min_time=2

#include <benchmark/benchmark.h>
#include <hs/hs.h>

#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "detect_support.hpp"
#include "dingwatch/detectors/rules/field.hpp"

namespace {

using namespace dingwatch;
using namespace dingwatch::bench;

constexpr rules::field_id k_field = rules::field_id::file_name;

/// Hyperscan's end-of-text assertion `\z` in ECMAScript syntax; every other escape of the
/// loader's output (`\.`, `\(`, `\xHH` …) means the same in both.
std::string to_ecmascript(const std::string& expr) {
  std::string out;
  for (std::size_t i = 0; i < expr.size(); ++i) {
    if (expr[i] == '\\' && i + 1 < expr.size()) {
      if (expr[i + 1] == 'z') out += '$';
      else out.append(expr, i, 2);
      ++i;
    } else {
      out += expr[i];
    }
  }
  return out;
}

struct regex_leaf {
  std::uint32_t leaf = 0;
  std::vector<std::regex> expressions;
};

/// The field's values, its Hyperscan database and the same leaves as std::regex.
struct pattern_workload {
  std::vector<std::string> values;
  std::size_t bytes = 0;
  const hs_database_t* db = nullptr;
  std::vector<regex_leaf> regexes;
  std::size_t leaves = 0, expressions = 0, skipped = 0;

  pattern_workload() {
    const rules::rule_set& set = *default_pack().rules;
    const int d = set.database_of_field.at(static_cast<std::size_t>(k_field));
    if (d < 0) throw std::runtime_error("the default pack has no pattern on file.name");
    db = set.databases[static_cast<std::size_t>(d)].db;
    for (std::uint32_t id = 0; id < set.leaves.size(); ++id) {
      const rules::leaf_patterns& l = set.leaves[id];
      if (l.field != k_field) continue;
      ++leaves;
      regex_leaf r{id, {}};
      auto flags = std::regex::ECMAScript | std::regex::optimize;
      if (l.flags & HS_FLAG_CASELESS) flags |= std::regex::icase;
      for (const auto& e : l.expressions) {
        ++expressions;
        try {
          r.expressions.emplace_back(to_ecmascript(e), flags);
        } catch (const std::regex_error&) {
          ++skipped;
        }
      }
      regexes.push_back(std::move(r));
    }
    const detect_corpus& c = generated_corpus();
    decode_stage dec;
    for (std::size_t first = 0; first < c.batch.size(); first += k_batch_records) {
      dec.decode(c, first, std::min(first + k_batch_records, c.batch.size()), 0);
      for (const auto& ev : dec.events()) {
        const std::string_view v = rules::string_value(ev, k_field);
        if (v.empty()) continue;
        values.emplace_back(v);
        bytes += v.size();
      }
    }
  }
};

const pattern_workload& workload() {
  static const pattern_workload w;
  return w;
}

/// Which leaves matched the current value: leaf → stamp of the value that matched it.
struct leaf_marks {
  std::vector<std::uint32_t> stamp;
  std::uint32_t current = 0;
  std::size_t matched = 0;
  void mark(std::uint32_t leaf) {
    if (stamp[leaf] == current) return;
    stamp[leaf] = current;
    ++matched;
  }
};

int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  static_cast<leaf_marks*>(ctx)->mark(id);
  return 0;
}

class hyperscan_matcher {
 public:
  explicit hyperscan_matcher(const pattern_workload& w) : w_(w) {
    if (hs_alloc_scratch(w.db, &scratch_) != HS_SUCCESS) throw std::runtime_error("hs_alloc_scratch");
  }
  ~hyperscan_matcher() { hs_free_scratch(scratch_); }
  hyperscan_matcher(const hyperscan_matcher&) = delete;
  hyperscan_matcher& operator=(const hyperscan_matcher&) = delete;

  void scan(const std::string& v, leaf_marks& m) {
    hs_scan(w_.db, v.data(), static_cast<unsigned>(v.size()), 0, scratch_, on_match, &m);
  }

 private:
  const pattern_workload& w_;
  hs_scratch_t* scratch_ = nullptr;
};

void regex_scan(const pattern_workload& w, const std::string& v, leaf_marks& m) {
  for (const regex_leaf& l : w.regexes)
    for (const std::regex& r : l.expressions)
      if (std::regex_search(v, r)) {
        m.mark(l.leaf);
        break;
      }
}

leaf_marks fresh_marks() {
  leaf_marks m;
  m.stamp.assign(default_pack().rules->leaves.size(), 0);
  return m;
}

std::size_t hyperscan_pass(const pattern_workload& w, hyperscan_matcher& hs, leaf_marks& m) {
  for (const auto& v : w.values) {
    ++m.current;
    hs.scan(v, m);
  }
  return m.matched;
}

std::size_t regex_pass(const pattern_workload& w, leaf_marks& m) {
  for (const auto& v : w.values) {
    ++m.current;
    regex_scan(w, v, m);
  }
  return m.matched;
}

/// Values for which the two matchers mark different leaves.
std::size_t disagreements(const pattern_workload& w) {
  hyperscan_matcher hs(w);
  std::size_t n = 0;
  for (const auto& v : w.values) {
    leaf_marks a = fresh_marks(), b = fresh_marks();
    a.current = b.current = 1;
    hs.scan(v, a);
    regex_scan(w, v, b);
    if (a.stamp != b.stamp) ++n;
  }
  return n;
}

void describe(benchmark::State& state, const pattern_workload& w) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * w.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.values.size()));
  state.counters["leaves"] = static_cast<double>(w.leaves);
  state.counters["expressions"] = static_cast<double>(w.expressions);
  state.counters["values"] = static_cast<double>(w.values.size());
}

void BM_hyperscan(benchmark::State& state) {
  const pattern_workload& w = workload();
  hyperscan_matcher hs(w);
  leaf_marks m = fresh_marks();
  for (auto _ : state) benchmark::DoNotOptimize(hyperscan_pass(w, hs, m));
  describe(state, w);
  state.counters["matches_per_value"] =
      static_cast<double>(m.matched) / static_cast<double>(state.iterations() * w.values.size());
}
BENCHMARK(BM_hyperscan)->Unit(benchmark::kMillisecond);

void BM_std_regex(benchmark::State& state) {
  const pattern_workload& w = workload();
  leaf_marks m = fresh_marks();
  for (auto _ : state) benchmark::DoNotOptimize(regex_pass(w, m));
  describe(state, w);
  state.counters["matches_per_value"] =
      static_cast<double>(m.matched) / static_cast<double>(state.iterations() * w.values.size());
  state.counters["regex_skipped"] = static_cast<double>(w.skipped);
  state.counters["disagreeing_values"] = static_cast<double>(disagreements(w));
}
BENCHMARK(BM_std_regex)->Unit(benchmark::kMillisecond);

void BM_paired_ratio(benchmark::State& state) {
  const pattern_workload& w = workload();
  hyperscan_matcher hs(w);
  leaf_marks a = fresh_marks(), b = fresh_marks();
  std::vector<double> ratios;
  for (auto _ : state) {
    const double t0 = thread_cpu_ns();
    hyperscan_pass(w, hs, a);
    const double t1 = thread_cpu_ns();
    regex_pass(w, b);
    const double t2 = thread_cpu_ns();
    ratios.push_back((t2 - t1) / (t1 - t0));
  }
  if (a.matched != b.matched) state.counters["match_count_differs"] = 1;
  state.counters["hyperscan_vs_regex"] = median(ratios);
}
BENCHMARK(BM_paired_ratio)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
