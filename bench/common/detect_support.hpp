#pragma once
/// What the detection benchmarks share: generated records held in memory, the default
/// rule pack with the shipped jurisdiction tables, and the pipeline's shard steps
/// (decode → enrich → detect, batch by batch) run inline on one thread.
///
/// Passes over the corpus are repeated; each pass shifts event and ingest times forward
/// by whole weeks (`detect_corpus::period_ms`), so the engine sees one continuing
/// stream in time order, with the same hour-of-week pattern (and so the same rule work)
/// every pass, instead of the same minutes replayed out of order.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "dingwatch/core/detector.hpp"
#include "dingwatch/core/enricher.hpp"
#include "dingwatch/core/record.hpp"
#include "dingwatch/core/string_arena.hpp"
#include "dingwatch/detectors/jurisdiction.hpp"
#include "dingwatch/detectors/rules/engine.hpp"
#include "dingwatch/ingest/dingtalk_decoder.hpp"
#include "parse_only.hpp"

namespace dingwatch::bench {

/// Records per pipeline batch (the pipeline's default `batch_size`).
inline constexpr std::size_t k_batch_records = 2048;

/// The number in environment variable `name` (a benchmark's knob), else `fallback`.
std::size_t env_size(const char* name, std::size_t fallback);

/// Generated records (gen::generator, seed 1, `DINGWATCH_BENCH_COMPANY` users — default
/// 200 —, default incident rate) copied into one batch, padded as the pipeline pads them.
struct detect_corpus {
  record_batch batch;
  std::size_t bytes = 0;
  std::int64_t period_ms = 0;  ///< whole weeks covering the records' simulated time
};

/// The corpus of this run: `DINGWATCH_BENCH_RECORDS` records (default 20,000), built once.
const detect_corpus& generated_corpus();

/// The default rule pack and the shipped jurisdiction tables, loaded once. Throws with
/// every diagnostic when the pack does not load.
struct detect_pack {
  std::shared_ptr<const rules::rule_set> rules;
  std::shared_ptr<const jurisdiction_resolver> resolver;
};
const detect_pack& default_pack();

/// Counts alerts and drops them (the pipeline would queue them for its sinks).
class counting_emitter final : public alert_emitter {
 public:
  void emit(alert&&) override { ++alerts; }
  std::uint64_t alerts = 0;
};

/// The decode step of the pipeline's dispatcher: one batch at a time into reused buffers.
class decode_stage {
 public:
  decode_stage();
  /// Decodes records [first, last) of `c` with times shifted by `shift_ms`; the events
  /// are valid until the next call. Returns the number of rejected records.
  std::size_t decode(const detect_corpus& c, std::size_t first, std::size_t last, std::int64_t shift_ms);
  [[nodiscard]] std::vector<normalized_event>& events() noexcept { return events_; }

 private:
  dingtalk_decoder decoder_;
  string_arena arena_;
  std::vector<normalized_event> events_;
};

/// The shard step: jurisdiction enrichment, then the rule engine, then the batch end.
class detect_stage {
 public:
  explicit detect_stage(const detect_pack& pack);
  /// Enriches and detects every event of one batch, then ends the batch.
  void run(std::vector<normalized_event>& events);
  /// The same, calling `after(alerted)` after each event with whether it raised an alert
  /// (footprint.cpp charges the event's allocations to it or to the quiet events).
  void run(std::vector<normalized_event>& events, const std::function<void(bool alerted)>& after);
  [[nodiscard]] rules::rule_engine& engine() noexcept { return engine_; }
  [[nodiscard]] std::uint64_t alerts() const noexcept { return out_.alerts; }

 private:
  std::unique_ptr<enricher> enricher_;
  rules::rule_engine engine_;
  counting_emitter out_;
};

/// Counts of one pass.
struct pass_counts {
  std::size_t rejected = 0;
  std::size_t events = 0;
};

/// One decode-only pass over the corpus (pass number `pass` sets the time shift).
pass_counts decode_pass(const detect_corpus& c, decode_stage& d, std::uint64_t pass);
/// One decode + enrich + detect pass over the corpus.
pass_counts detect_pass(const detect_corpus& c, decode_stage& d, detect_stage& s, std::uint64_t pass);

/// CPU time of the calling thread, in nanoseconds.
double thread_cpu_ns();

/// The median of `xs` (sorts it); 0 when empty.
double median(std::vector<double>& xs);

/// A sample's median and quartiles: how paired ratios are reported.
struct spread {
  double median = 0;
  double low = 0;   ///< first quartile
  double high = 0;  ///< third quartile
};
spread spread_of(std::vector<double> xs);

}  // namespace dingwatch::bench
