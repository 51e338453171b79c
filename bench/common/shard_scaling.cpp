#include "shard_scaling.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "dingwatch/ingest/dingtalk_decoder.hpp"

namespace dingwatch::bench {

/// One shard count: per shard, its slice of every pipeline batch and its own engine.
struct shard_scaling::contender {
  struct shard {
    std::vector<std::vector<normalized_event>> batches;  // as decoded; copied per pass
    std::vector<normalized_event> work;                  // the slice being detected
    std::unique_ptr<detect_stage> stage;
  };
  std::vector<shard> shards;

  contender(std::size_t n, std::size_t batches, const detect_pack& pack) : shards(n) {
    for (shard& s : shards) {
      s.batches.resize(batches);
      s.stage = std::make_unique<detect_stage>(pack);
    }
  }
};

shard_scaling::shard_scaling(const detect_corpus& corpus, const detect_pack& pack) : corpus_(corpus) {
  const auto records = corpus.batch.records();
  const std::size_t batches = (records.size() + k_batch_records - 1) / k_batch_records;
  one_ = std::make_unique<contender>(1, batches, pack);
  two_ = std::make_unique<contender>(2, batches, pack);
  dingtalk_decoder decoder;
  std::vector<normalized_event> events;
  for (std::size_t b = 0; b < batches; ++b) {
    events.clear();
    for (std::size_t i = b * k_batch_records; i < std::min(records.size(), (b + 1) * k_batch_records); ++i) {
      const std::size_t before = events.size();
      if (decoder.decode(records[i], arena_, events)) throw std::runtime_error("a generated record was rejected");
      for (std::size_t j = before; j < events.size(); ++j) events[j].ingest_ms = records[i].timestamp_ms;
    }
    for (const normalized_event& ev : events) {
      one_->shards[0].batches[b].push_back(ev);
      two_->shards[ev.shard_key() % 2].batches[b].push_back(ev);
    }
    events_ += events.size();
  }
  std::size_t on_first = 0;
  for (const auto& b : two_->shards[0].batches) on_first += b.size();
  busiest_share_ = events_ == 0 ? 0
                                : static_cast<double>(std::max(on_first, events_ - on_first)) / static_cast<double>(events_);
}

shard_scaling::~shard_scaling() = default;

shard_scaling::timing shard_scaling::run(contender& c) {
  const std::int64_t shift = static_cast<std::int64_t>(pass_) * corpus_.period_ms;
  std::vector<double> cpu(c.shards.size());
  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < c.shards.size(); ++i) {
      threads.emplace_back([&s = c.shards[i], &cpu = cpu[i], shift] {
        const double t0 = thread_cpu_ns();
        for (const auto& batch : s.batches) {
          s.work.assign(batch.begin(), batch.end());
          for (normalized_event& ev : s.work) {
            if (ev.ts_ms != k_absent) ev.ts_ms += shift;
            ev.ingest_ms += shift;
          }
          s.stage->run(s.work);
        }
        cpu = thread_cpu_ns() - t0;
      });
    }
  }  // joined
  timing t;
  t.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (double ns : cpu) t.cpu_ns += ns;
  return t;
}

double shard_scaling::pass() {
  timing one, two;
  if (pass_ % 2 == 0) {
    one = run(*one_);
    two = run(*two_);
  } else {
    two = run(*two_);
    one = run(*one_);
  }
  ++pass_;
  ratios_.push_back(one.wall_s / two.wall_s);
  cpu_ratios_.push_back(two.cpu_ns / one.cpu_ns);
  return ratios_.back();
}

}  // namespace dingwatch::bench
