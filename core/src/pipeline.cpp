#include "dingwatch/core/pipeline.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "dingwatch/core/checkpoint.hpp"
#include "dingwatch/core/rate_limited_log.hpp"
#include "dingwatch/core/spsc_queue.hpp"

namespace dingwatch {

namespace {

using clock = std::chrono::steady_clock;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::size_t k_kind_count = 7;

/// One unit of work in flight: its records, their events, and who still holds it.
struct batch_slot {
  record_batch records;
  std::vector<normalized_event> events;
  std::vector<partition_offset> offsets;  ///< next offset per partition after this batch
  std::atomic<std::size_t> pending_shards{0};
  std::atomic<bool> failed{false};  ///< a sink gave up: do not commit past this batch
  bool has_dead_letters = false;
  /// Set on a checkpoint batch: the cut's offsets and counters (ingest thread), and each
  /// shard's detector state as of the end of this batch (shard i writes shards[i] only).
  std::unique_ptr<checkpoint> snapshot;

  void clear() {
    records.clear();
    events.clear();
    offsets.clear();
    failed = false;
    has_dead_letters = false;
    snapshot.reset();
  }
};

/// An event for a shard, or (event == nullptr) the end of its slice of `batch`,
/// or (batch == nullptr) the order to stop.
struct work_item {
  normalized_event* event = nullptr;  // the shard's to enrich: no other thread touches it
  batch_slot* batch = nullptr;
};

void merge_offset(std::vector<partition_offset>& into, const partition_offset& o) {
  for (auto& existing : into) {
    if (existing.partition == o.partition && existing.topic_name == o.topic_name) {
      existing.next_offset = std::max(existing.next_offset, o.next_offset);
      return;
    }
  }
  into.push_back(o);
}

}  // namespace

std::string run_summary::to_json() const {
  std::string reasons;
  for (std::size_t i = 0; i < k_reject_reason_count; ++i) {
    if (rejected_by_reason[i] == 0) continue;
    if (!reasons.empty()) reasons += ',';
    reasons += fmt::format("\"{}\":{}", to_string(k_all_reject_reasons[i]), rejected_by_reason[i]);
  }
  const std::string from = restored ? fmt::format(",\"restored\":{{\"read\":{},\"decoded\":{},\"rejected\":{}}}",
                                                  restored->read, restored->decoded, restored->rejected())
                                    : std::string();
  return fmt::format(
      "{{\"read\":{},\"decoded\":{},\"events\":{},\"rejected\":{{{}}},\"alerts\":{},"
      "\"committed\":{},\"checkpoints\":{}{},\"seconds\":{:.3f}}}",
      records_read, records_decoded, events, reasons, alerts, records_committed, checkpoints, from, seconds);
}

/// One shard: a queue, a thread, and detectors nobody else touches.
class shard final : public alert_emitter {
 public:
  shard(std::size_t index, std::vector<std::unique_ptr<detector>> detectors,
        std::unique_ptr<enricher> enrich = nullptr)
      : index_(index), queue_(1 << 16), detectors_(std::move(detectors)), enricher_(std::move(enrich)) {}

  /// Ingest side: enqueue, waiting (backpressure) while the queue is full.
  void push(const work_item& item) {
    while (!queue_.try_push(item)) {
      wake();
      std::this_thread::yield();
    }
  }

  /// Ingest side: wake the shard if it sleeps on an empty queue.
  void wake() {
    signal_.fetch_add(1, std::memory_order_release);
    signal_.notify_one();
  }

  [[nodiscard]] std::size_t depth() const noexcept { return queue_.size(); }

  /// Shard thread body; `deliver` writes a slice's alerts durably and signs it off.
  template <class Deliver>
  void run(Deliver&& deliver, metrics* m) {
    auto slice_start = clock::now();
    bool slice_open = false;
    for (;;) {
      const auto seen = signal_.load(std::memory_order_acquire);
      auto item = queue_.try_pop();
      if (!item) {
        signal_.wait(seen, std::memory_order_acquire);
        continue;
      }
      if (item->batch == nullptr) return;
      if (item->event != nullptr) {
        if (!slice_open) {
          slice_start = clock::now();
          slice_open = true;
        }
        current_ = item->event;
        if (enricher_) enricher_->enrich(*item->event);
        for (auto& d : detectors_) d->on_event(*item->event, *this);
        continue;
      }
      if (slice_open && m != nullptr)
        m->detect_seconds().Observe(std::chrono::duration<double>(clock::now() - slice_start).count());
      slice_open = false;
      if (enricher_) enricher_->flush();
      for (auto& d : detectors_) d->on_batch_end();
      if (checkpoint* c = item->batch->snapshot.get()) save(c->shards[index_]);
      deliver(*item->batch, pending_);
      pending_.clear();
    }
  }

  /// Shard thread, at a batch boundary: every detector's state, in order.
  void save(std::vector<detector_state>& out) const {
    out.clear();
    for (const auto& d : detectors_) {
      state_writer w;
      d->save(w);
      out.push_back({std::string(d->name()), w.take()});
    }
  }

  /// Before the thread starts: takes back what `save` wrote. The reason on failure.
  [[nodiscard]] std::string restore(const std::vector<detector_state>& saved) {
    if (saved.size() != detectors_.size())
      return fmt::format("shard {} had {} detector(s), this run has {}", index_, saved.size(), detectors_.size());
    for (std::size_t i = 0; i < saved.size(); ++i) {
      if (saved[i].name != detectors_[i]->name())
        return fmt::format("shard {} detector {} was '{}', this run has '{}'", index_, i, saved[i].name,
                           detectors_[i]->name());
      state_reader in(saved[i].bytes);
      detectors_[i]->restore(in);
      if (in.ok() && !in.at_end()) in.fail("bytes after the detector's state");
      if (!in.ok()) return fmt::format("shard {} detector '{}': {}", index_, saved[i].name, in.error());
    }
    return {};
  }

  /// Before the thread starts: replaces the detectors (a fresh start after a failed restore).
  void reset(std::vector<std::unique_ptr<detector>> detectors) { detectors_ = std::move(detectors); }

  void emit(alert&& a) override {
    if (a.received_ms == 0 && current_ != nullptr) a.received_ms = current_->ingest_ms;
    pending_.push_back(std::move(a));
  }

  std::jthread thread;

 private:
  std::size_t index_;
  spsc_queue<work_item> queue_;
  std::atomic<std::uint32_t> signal_{0};
  std::vector<std::unique_ptr<detector>> detectors_;
  std::unique_ptr<enricher> enricher_;
  std::vector<alert> pending_;
  const normalized_event* current_ = nullptr;
};

struct pipeline::impl {
  pipeline_options options;
  record_source& source;
  record_decoder& decoder;
  std::vector<alert_sink*> sinks;
  dead_letter_sink* dead_letters;
  metrics* m;

  pipeline_stats stats;
  rate_limited_log reject_log;
  std::vector<std::unique_ptr<shard>> shards;
  std::vector<std::unique_ptr<batch_slot>> slots;
  std::vector<batch_slot*> free_slots;
  std::deque<batch_slot*> in_flight;
  // Checkpoints (ingest thread only).
  std::vector<partition_offset> position;  ///< next offset per partition after the last batch dispatched
  std::deque<std::string> restored_topics;  ///< owns the topic names `position` took from a checkpoint
  checkpoint_counters restored_counts;      ///< what the restored checkpoint covered
  std::optional<checkpoint_counters> restored;
  clock::time_point next_checkpoint{};
  bool checkpoint_in_flight = false;
  bool uncheckpointed = false;  ///< records dispatched since the last checkpoint
  bool paused = false;
  bool commits_blocked = false;
  static constexpr std::chrono::milliseconds k_first_backoff{50};  // failing sinks: retry after
  static constexpr std::chrono::milliseconds k_max_backoff{2000};  // …doubling up to this
  clock::time_point dead_letter_retry_at{};  // ingest thread only
  std::chrono::milliseconds dead_letter_backoff = k_first_backoff;
  std::atomic<bool> abandon_sinks{false};

  std::mutex sink_mutex;  // sinks are written by one shard at a time (alerts are rare)
  std::mutex done_mutex;
  std::condition_variable done_cv;

  std::array<prometheus::Counter*, k_kind_count> decoded_counters{};
  std::array<prometheus::Counter*, k_reject_reason_count> rejected_counters{};
  std::vector<prometheus::Gauge*> depth_gauges;

  impl(pipeline_options o, record_source& s, record_decoder& d, detector_factory f,
       std::vector<alert_sink*> sk, dead_letter_sink* dl, metrics* mx)
      : options(o), source(s), decoder(d), sinks(std::move(sk)), dead_letters(dl), m(mx) {
    if (options.shards == 0) options.shards = std::max(1u, std::thread::hardware_concurrency());
    if (options.max_batches_in_flight < 2) options.max_batches_in_flight = 2;
    for (std::size_t i = 0; i < options.shards; ++i)
      shards.push_back(std::make_unique<shard>(i, f ? f() : std::vector<std::unique_ptr<detector>>{},
                                               options.enrich ? options.enrich() : nullptr));
    if (!options.checkpoint_dir.empty()) {
      restore_checkpoint(f);
      next_checkpoint = clock::now() + options.checkpoint_interval;
    }
    if (m != nullptr) {
      for (std::size_t k = 0; k < k_kind_count; ++k)
        decoded_counters[k] = &m->decoded(static_cast<event_kind>(k));
      for (std::size_t r = 0; r < k_reject_reason_count; ++r)
        rejected_counters[r] = &m->rejected(k_all_reject_reasons[r]);
      for (std::size_t i = 0; i < shards.size(); ++i) depth_gauges.push_back(&m->shard_queue_depth(i));
      // Export every sink's error counter from the start: zeros, not gaps, on dashboards.
      for (alert_sink* sink : sinks) m->sink_errors(sink->name());
      if (dead_letters != nullptr) m->sink_errors("dlq");
    }
    for (auto& sh : shards) {
      sh->thread = std::jthread([this, s = sh.get()] {
        s->run([this](batch_slot& b, std::vector<alert>& alerts) { finish_slice(b, alerts); }, m);
      });
    }
  }

  ~impl() { stop_shards(); }

  /// Before the shard threads start: loads the checkpoint, restores every shard from it
  /// and has the source start at its cut. Anything wrong with it is said in one line and
  /// the run starts afresh (fresh detectors, committed offsets).
  void restore_checkpoint(const detector_factory& f) {
    const std::string file = checkpoint_path(options.checkpoint_dir).string();
    checkpoint_load load = read_checkpoint(options.checkpoint_dir);
    std::string why = std::move(load.error);
    if (!load.loaded && why.empty()) {
      spdlog::info("checkpoint: none at {} yet: starting from the committed offsets", file);
      return;
    }
    if (load.loaded) {
      const checkpoint& c = *load.loaded;
      if (c.shards.size() != shards.size())
        why = fmt::format("written with {} shard(s), this run has {} (run with --threads {}, or remove the file)",
                          c.shards.size(), shards.size(), c.shards.size());
      for (std::size_t i = 0; i < shards.size() && why.empty(); ++i) why = shards[i]->restore(c.shards[i]);
      std::vector<partition_offset> cut;
      for (const auto& o : c.offsets)
        cut.push_back({restored_topics.emplace_back(o.topic), o.partition, o.next_offset});
      if (why.empty() && !source.start_at(cut)) why = "this source cannot start at the checkpoint's offsets";
      if (why.empty()) {
        position = std::move(cut);
        restored = restored_counts = c.counters;
        if (m != nullptr) m->checkpoints("restored").Increment();
        spdlog::info("checkpoint: restored {} (written {} ms ago, {} partition(s), {} record(s) before its cut): "
                     "reading on from its offsets",
                     file, std::max<std::int64_t>(0, wall_ms() - c.written_ms), c.offsets.size(), c.counters.read);
        return;
      }
      restored_topics.clear();
      for (auto& sh : shards) sh->reset(f ? f() : std::vector<std::unique_ptr<detector>>{});
    }
    if (m != nullptr) m->checkpoints("refused").Increment();
    // Kept aside for a look (or a run with other settings) rather than overwritten.
    std::error_code ec;
    std::filesystem::rename(file, file + ".refused", ec);
    spdlog::error("checkpoint: not using {}: {}; starting afresh from the committed offsets{}", file, why,
                  ec ? std::string() : fmt::format(" (the file is kept as {}.refused)", file));
  }

  /// Ingest thread, dispatching `b`: makes it the cut of the next checkpoint.
  void mark_checkpoint(batch_slot& b) {
    auto c = std::make_unique<checkpoint>();
    for (const auto& o : position) c->offsets.push_back({std::string(o.topic_name), o.partition, o.next_offset});
    c->counters = restored_counts;
    c->counters.read += stats.records_read;
    c->counters.decoded += stats.records_decoded;
    c->counters.events += stats.events;
    for (std::size_t r = 0; r < k_reject_reason_count; ++r) c->counters.rejected_by_reason[r] += stats.rejected_by_reason[r];
    c->shards.resize(shards.size());
    b.snapshot = std::move(c);
    checkpoint_in_flight = true;
    uncheckpointed = false;
  }

  /// Ingest thread: `b`, a checkpoint batch, and every batch before it are delivered.
  void write_snapshot(checkpoint& c) {
    const auto started = clock::now();
    c.written_ms = wall_ms();
    const std::string bytes = encode_checkpoint(c);
    if (auto error = write_checkpoint(options.checkpoint_dir, bytes)) {
      uncheckpointed = true;  // try again at the next boundary
      if (m != nullptr) m->checkpoints("write_failed").Increment();
      reject_log.warn("checkpoint", fmt::format("checkpoint not written: {}", *error));
      return;
    }
    stats.checkpoints.fetch_add(1, std::memory_order_relaxed);
    const double took = std::chrono::duration<double>(clock::now() - started).count();
    if (m != nullptr) {
      m->checkpoints("written").Increment();
      m->checkpoint_write_seconds().Set(took);
      m->checkpoint_bytes().Set(static_cast<double>(bytes.size()));
    }
    spdlog::debug("checkpoint: {} bytes written in {:.3f} s, cut after {} record(s)", bytes.size(), took,
                  c.counters.read);
  }

  void stop_shards() {
    for (auto& sh : shards) {
      if (!sh->thread.joinable()) continue;
      sh->push({nullptr, nullptr});
      sh->wake();
      sh->thread.join();
    }
  }

  /// Shard thread: make this slice's alerts durable, then sign the batch off.
  void finish_slice(batch_slot& b, std::vector<alert>& alerts) {
    if (!alerts.empty() && !deliver(alerts)) b.failed = true;
    if (b.pending_shards.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(done_mutex);
      done_cv.notify_all();
    }
  }

  /// Writes alerts to every sink, retrying with backoff: a failing sink stalls, never drops.
  bool deliver(std::span<const alert> alerts) {
    std::lock_guard lock(sink_mutex);
    for (alert_sink* sink : sinks) {
      auto backoff = k_first_backoff;
      while (!sink->write(alerts)) {
        stats.sink_errors.fetch_add(1, std::memory_order_relaxed);
        if (m != nullptr) m->sink_errors(sink->name()).Increment();
        reject_log.warn(fmt::format("sink:{}", sink->name()),
                        fmt::format("sink {} failed to write {} alert(s); retrying", sink->name(),
                                    alerts.size()));
        if (abandon_sinks.load()) return false;
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, k_max_backoff);
      }
    }
    const auto now = wall_ms();
    for (const alert& a : alerts) {
      if (m != nullptr) {
        m->alerts(a.rule_id, a.family, a.severity).Increment();
        for (const auto& article : a.pdpa_articles) m->alerts_by_article(article).Increment();
        if (a.received_ms > 0)
          m->alert_latency_seconds().Observe(std::max<double>(0, now - a.received_ms) / 1000.0);
      }
    }
    stats.alerts.fetch_add(alerts.size(), std::memory_order_relaxed);
    return true;
  }

  /// A free batch; at most `max_batches_in_flight` + 1 exist (the extra one keeps the
  /// source polled while paused).
  batch_slot* acquire() {
    if (!free_slots.empty()) {
      auto* b = free_slots.back();
      free_slots.pop_back();
      return b;
    }
    if (slots.size() <= options.max_batches_in_flight) {
      slots.push_back(std::make_unique<batch_slot>());
      return slots.back().get();
    }
    return nullptr;
  }

  void release(batch_slot* b) {
    b->clear();
    free_slots.push_back(b);
  }

  /// Decodes a polled batch, routes its events to shards and puts it in flight; with
  /// `force_checkpoint` (an empty batch at the end of a run) it is a checkpoint's cut.
  void dispatch(batch_slot& b, bool force_checkpoint = false) {
    std::array<std::uint64_t, k_kind_count> kinds{};
    std::array<std::uint64_t, k_reject_reason_count> rejects{};
    std::uint64_t decoded = 0;
    for (const raw_record& rec : b.records.records()) {
      const std::size_t before = b.events.size();
      if (auto reason = decoder.decode(rec, b.records.arena(), b.events)) {
        ++rejects[static_cast<std::size_t>(*reason)];
        if (dead_letters != nullptr) dead_letters->write({&rec, *reason});
        b.has_dead_letters = true;
        reject_log.warn(to_string(*reason),
                        fmt::format("rejected record {}:{}@{}: {}, {} (kept in the dead-letter queue)",
                                    rec.topic_name, rec.ref.partition, rec.ref.offset,
                                    to_string(*reason), hint(*reason)));
      } else {
        ++decoded;
        for (std::size_t i = before; i < b.events.size(); ++i) {
          b.events[i].ingest_ms = rec.timestamp_ms;
          ++kinds[static_cast<std::size_t>(b.events[i].kind)];
        }
      }
      merge_offset(b.offsets, {rec.topic_name, rec.ref.partition, rec.ref.offset + 1});
    }

    stats.records_read.fetch_add(b.records.size(), std::memory_order_relaxed);
    stats.records_decoded.fetch_add(decoded, std::memory_order_relaxed);
    stats.events.fetch_add(b.events.size(), std::memory_order_relaxed);
    std::uint64_t rejected = 0;
    for (std::size_t r = 0; r < k_reject_reason_count; ++r) {
      if (rejects[r] == 0) continue;
      rejected += rejects[r];
      stats.rejected_by_reason[r].fetch_add(rejects[r], std::memory_order_relaxed);
      if (m != nullptr) rejected_counters[r]->Increment(static_cast<double>(rejects[r]));
    }
    stats.rejected.fetch_add(rejected, std::memory_order_relaxed);
    if (m != nullptr)
      for (std::size_t k = 0; k < k_kind_count; ++k)
        if (kinds[k] != 0) decoded_counters[k]->Increment(static_cast<double>(kinds[k]));

    if (!options.checkpoint_dir.empty()) {
      for (const auto& o : b.offsets) merge_offset(position, o);
      uncheckpointed = uncheckpointed || !b.records.empty();
      if (force_checkpoint || (!checkpoint_in_flight && clock::now() >= next_checkpoint)) mark_checkpoint(b);
    }

    const std::size_t n = shards.size();
    b.pending_shards.store(n, std::memory_order_release);
    in_flight.push_back(&b);
    for (normalized_event& ev : b.events) shards[ev.shard_key() % n]->push({&ev, &b});
    for (auto& sh : shards) {
      sh->push({nullptr, &b});
      sh->wake();
    }
  }

  /// Commits every completed batch at the head of the in-flight queue, in order. A batch
  /// with dead letters stays at the head until the dead-letter sink has flushed them; a
  /// failed flush is tried again on a later call, so meanwhile the ingest thread keeps
  /// polling the (paused) source: group membership, errors and lag stay live.
  void reap() {
    std::vector<partition_offset> commit;
    std::uint64_t committed = 0;
    bool dead_letters_durable = false;  // one flush covers every letter written so far
    while (!in_flight.empty() &&
           in_flight.front()->pending_shards.load(std::memory_order_acquire) == 0) {
      batch_slot* b = in_flight.front();
      if (b->failed) commits_blocked = true;  // its alerts were not written: replay from here
      if (b->has_dead_letters && !commits_blocked && !dead_letters_durable) {
        if (!flush_dead_letters()) break;
        dead_letters_durable = true;
      }
      in_flight.pop_front();
      if (!commits_blocked) {
        for (const auto& o : b->offsets) merge_offset(commit, o);
        committed += b->records.size();
      }
      if (b->snapshot) {
        // Not while commits are blocked: a batch before the cut has alerts not delivered.
        if (!commits_blocked) write_snapshot(*b->snapshot);
        checkpoint_in_flight = false;
        next_checkpoint = clock::now() + options.checkpoint_interval;
      }
      release(b);
    }
    if (!commit.empty()) {
      source.commit(commit);
      stats.records_committed.fetch_add(committed, std::memory_order_relaxed);
    }
    for (std::size_t i = 0; i < depth_gauges.size(); ++i)
      depth_gauges[i]->Set(static_cast<double>(shards[i]->depth()));
  }

  /// Flushes the dead-letter sink unless a retry is not due yet. False while the dead
  /// letters are not durable; true once they are, or once sinks are abandoned (then
  /// nothing more is committed and the records are read again after a restart).
  bool flush_dead_letters() {
    if (dead_letters == nullptr) return true;
    if (clock::now() < dead_letter_retry_at) return false;
    if (dead_letters->flush()) {
      dead_letter_backoff = k_first_backoff;
      dead_letter_retry_at = {};
      return true;
    }
    stats.sink_errors.fetch_add(1, std::memory_order_relaxed);
    if (m != nullptr) m->sink_errors("dlq").Increment();
    reject_log.warn("sink:dlq", "dead-letter sink failed to flush; retrying");
    if (abandon_sinks.load()) {
      commits_blocked = true;
      return true;
    }
    dead_letter_retry_at = clock::now() + dead_letter_backoff;
    dead_letter_backoff = std::min(dead_letter_backoff * 2, k_max_backoff);
    return false;
  }

  /// True if the oldest batch is finished and may be reaped now.
  bool head_ready() const {
    if (in_flight.empty()) return false;
    const batch_slot* b = in_flight.front();
    return b->pending_shards.load() == 0 && !(b->has_dead_letters && clock::now() < dead_letter_retry_at);
  }

  /// Waits until the oldest batch in flight can be reaped; false on timeout.
  bool wait_for_progress(std::chrono::milliseconds timeout) {
    std::unique_lock lock(done_mutex);
    return done_cv.wait_for(lock, timeout, [&] { return head_ready(); });
  }

  /// Backpressure. A full pipeline first just waits for the shards (usually for
  /// microseconds); only a real stall pauses the source, because pausing a Kafka
  /// consumer discards what it had prefetched. Resumes once half the room is free.
  void apply_backpressure() {
    const std::size_t limit = options.max_batches_in_flight;
    if (in_flight.size() >= limit && !wait_for_progress(k_stall_before_pause) && !paused) {
      source.pause();
      paused = true;
    } else if (paused && in_flight.size() <= limit / 2) {
      source.resume();
      paused = false;
    }
  }

  static constexpr std::chrono::milliseconds k_stall_before_pause{100};

  run_summary run(std::stop_token stop) {
    const auto started = clock::now();
    auto last_record = started;
    while (!stop.stop_requested()) {
      reap();
      apply_backpressure();
      if (in_flight.size() >= options.max_batches_in_flight && !paused) continue;
      batch_slot* b = acquire();
      if (b == nullptr) {  // paused and even the spare batch is in flight
        wait_for_progress(k_stall_before_pause);
        continue;
      }
      const poll_status status = source.poll(b->records, options.batch_size, options.poll_timeout);
      if (status == poll_status::records && !b->records.empty()) {
        dispatch(*b);
        last_record = clock::now();
        continue;
      }
      release(b);
      if (status == poll_status::end_of_input) break;
      // Idle means nothing to read: not a source still joining, nor one we paused.
      if (!source.ready() || paused) last_record = clock::now();
      if (options.idle_exit && clock::now() - last_record >= *options.idle_exit) {
        spdlog::info("no records for {} ms: finishing", options.idle_exit->count());
        break;
      }
    }
    drain();
    run_summary s;
    s.records_read = stats.records_read;
    s.records_decoded = stats.records_decoded;
    s.events = stats.events;
    s.rejected = stats.rejected;
    for (std::size_t r = 0; r < k_reject_reason_count; ++r) s.rejected_by_reason[r] = stats.rejected_by_reason[r];
    s.alerts = stats.alerts;
    s.records_committed = stats.records_committed;
    s.checkpoints = stats.checkpoints;
    s.restored = restored;
    s.seconds = std::chrono::duration<double>(clock::now() - started).count();
    return s;
  }

  /// After draining: one more checkpoint at the end of the input read, through an empty
  /// batch (the shards save as it passes), unless nothing changed or delivery failed.
  void final_checkpoint() {
    if (options.checkpoint_dir.empty() || !uncheckpointed || commits_blocked || abandon_sinks) return;
    batch_slot* b = acquire();
    if (b == nullptr) return;  // cannot happen with nothing in flight
    dispatch(*b, true);
    while (!in_flight.empty()) {
      wait_for_progress(std::chrono::milliseconds(50));
      reap();
    }
  }

  /// Finishes every batch in flight (bounded: sinks that stay down are abandoned after
  /// 30 s, leaving their records uncommitted), commits, and stops the shards.
  void drain() {
    const auto deadline = clock::now() + std::chrono::seconds(30);
    while (!in_flight.empty()) {
      wait_for_progress(std::chrono::milliseconds(50));
      reap();
      if (clock::now() > deadline && !abandon_sinks) {
        spdlog::error("sinks still failing after 30 s of shutdown: leaving {} batch(es) uncommitted",
                      in_flight.size());
        abandon_sinks = true;
      }
    }
    final_checkpoint();
    if (paused) source.resume();
    source.flush_commits();
    stop_shards();
  }
};

pipeline::pipeline(pipeline_options options, record_source& source, record_decoder& decoder,
                   detector_factory detectors, std::vector<alert_sink*> sinks,
                   dead_letter_sink* dead_letters, metrics* m)
    : impl_(std::make_unique<impl>(options, source, decoder, std::move(detectors), std::move(sinks),
                                   dead_letters, m)) {}

pipeline::~pipeline() = default;

run_summary pipeline::run(std::stop_token stop) { return impl_->run(stop); }

const pipeline_stats& pipeline::stats() const noexcept { return impl_->stats; }

std::size_t pipeline::shard_count() const noexcept { return impl_->shards.size(); }

}  // namespace dingwatch
