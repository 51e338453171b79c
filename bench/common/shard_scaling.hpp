#pragma once
/// Figure 3 of issue #9: the detect stage on two shard threads against one.
///
/// The corpus is decoded once, up front, and routed as the pipeline routes
/// (`normalized_event::shard_key() % shards`), batch by batch: each shard thread is fed
/// its own pre-decoded slices of every pipeline batch and runs what a shard runs on them
/// (jurisdiction enrichment, the rule engine, the batch end). Ingest, queues and sinks are
/// left out: this is the detect stage's own scaling. Each pass runs the one-shard and the
/// two-shard contender back to back (order alternating), each over the whole corpus with
/// its own engines (state persists, times move forward by whole weeks), timed in wall
/// time from the threads' start to their join; the figure is the per-pass ratio.

#include <cstddef>
#include <memory>
#include <vector>

#include "detect_support.hpp"

namespace dingwatch::bench {

class shard_scaling {
 public:
  shard_scaling(const detect_corpus& corpus, const detect_pack& pack);
  ~shard_scaling();
  shard_scaling(const shard_scaling&) = delete;
  shard_scaling& operator=(const shard_scaling&) = delete;

  /// One pass of each contender; returns this pass's one-shard / two-shard wall time.
  double pass();

  /// Wall-time ratios (one shard / two shards) of the passes so far.
  [[nodiscard]] spread speedup() const { return spread_of(ratios_); }
  [[nodiscard]] std::size_t passes() const noexcept { return ratios_.size(); }
  /// CPU time of the two-shard contender's threads over the one-shard contender's thread
  /// (median over passes): ≈ 1 when the work splits cleanly, > 1 when the shards pay for
  /// running side by side (caches, memory bandwidth, a busy machine's scheduling).
  [[nodiscard]] double cpu_ratio() const { return spread_of(cpu_ratios_).median; }
  /// Share of the events the busier of two shards gets: 1 / share bounds the speedup.
  [[nodiscard]] double busiest_share() const noexcept { return busiest_share_; }
  [[nodiscard]] std::size_t events() const noexcept { return events_; }

 private:
  struct contender;
  struct timing {
    double wall_s = 0;
    double cpu_ns = 0;  ///< all the contender's shard threads
  };
  timing run(contender& c);

  const detect_corpus& corpus_;
  string_arena arena_;  // the decoded events' strings, for the whole run
  std::unique_ptr<contender> one_, two_;
  std::vector<double> ratios_, cpu_ratios_;
  double busiest_share_ = 0;
  std::size_t events_ = 0;
  std::uint64_t pass_ = 0;
};

}  // namespace dingwatch::bench
