#pragma once
// Test fixtures: an in-memory record source, recording sinks and detectors, so that
// pipeline behaviour (ordering, commits, backpressure) can be checked exactly.

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dingwatch/core/decoder.hpp"
#include "dingwatch/core/detector.hpp"
#include "dingwatch/core/sink.hpp"
#include "dingwatch/core/source.hpp"

namespace dingwatch::test {

/// Serves records from memory across `partitions` partitions, then reports the end.
/// Records every commit and pause/resume so tests can check the pipeline's promises.
class memory_source final : public record_source {
 public:
  explicit memory_source(std::vector<std::string> values, int partitions = 1)
      : values_(std::move(values)), partitions_(partitions) {}

  poll_status poll(record_batch& batch, std::size_t max, std::chrono::milliseconds) override {
    if (next_ == values_.size()) return poll_status::end_of_input;
    std::size_t added = 0;
    while (next_ < values_.size() && added < max) {
      const int p = static_cast<int>(next_ % partitions_);
      batch.add(topic_, source_topic::audit, p, static_cast<std::int64_t>(next_ / partitions_), {},
                values_[next_], 0);
      ++next_;
      ++added;
    }
    return poll_status::records;
  }

  void commit(std::span<const partition_offset> offsets) override {
    std::lock_guard lock(mutex);
    for (const auto& o : offsets) {
      if (on_commit) on_commit(o);
      commits.push_back(o);
    }
  }

  /// Called for each committed offset, before it is recorded.
  std::function<void(const partition_offset&)> on_commit;
  void pause() override { ++pauses; }
  void resume() override { ++resumes; }

  std::mutex mutex;
  std::vector<partition_offset> commits;
  std::atomic<int> pauses{0};
  std::atomic<int> resumes{0};

 private:
  std::string topic_ = "dingtalk.audit";
  std::vector<std::string> values_;
  int partitions_;
  std::size_t next_ = 0;
};

/// Decodes "user,number" lines: user → user_id, number → resource_size; "bad" → rejected.
class csv_decoder final : public record_decoder {
 public:
  std::optional<reject_reason> decode(const raw_record& rec, string_arena&,
                                      std::vector<normalized_event>& out) override {
    const auto comma = rec.bytes.find(',');
    if (rec.bytes == "bad" || comma == std::string_view::npos) return reject_reason::malformed_json;
    normalized_event ev;
    ev.kind = event_kind::audit;
    ev.corp_id = "corp";
    ev.user_id = rec.bytes.substr(0, comma);
    ev.resource = rec.bytes.substr(comma + 1);
    ev.ts_ms = 1'700'000'000'000;
    ev.ref = rec.ref;
    out.push_back(ev);
    return std::nullopt;
  }
};

/// Emits one alert per event whose resource is "alert"; may sleep per event to slow a shard.
class marker_detector final : public detector {
 public:
  explicit marker_detector(std::function<void(const normalized_event&)> on_each = {})
      : on_each_(std::move(on_each)) {}
  std::string_view name() const noexcept override { return "marker"; }
  void on_event(const normalized_event& ev, alert_emitter& out) override {
    if (on_each_) on_each_(ev);
    if (ev.resource != "alert") return;
    alert a;
    a.rule_id = "TEST-1";
    a.id = make_alert_id(a.rule_id, ev.user_id, ev.ref.offset);
    a.user_id = ev.user_id;
    a.refs = {ev.ref};
    out.emit(std::move(a));
  }

 private:
  std::function<void(const normalized_event&)> on_each_;
};

/// Keeps every alert written; fails the first `failures` writes.
class recording_sink final : public alert_sink {
 public:
  explicit recording_sink(int failures = 0) : failures_(failures) {}
  std::string_view name() const noexcept override { return "recording"; }
  bool write(std::span<const alert> alerts) override {
    std::lock_guard lock(mutex);
    if (failures_ > 0) {
      --failures_;
      return false;
    }
    alerts_.insert(alerts_.end(), alerts.begin(), alerts.end());
    return true;
  }
  std::vector<alert> alerts() {
    std::lock_guard lock(mutex);
    return alerts_;
  }
  std::mutex mutex;

 private:
  int failures_;
  std::vector<alert> alerts_;
};

/// Keeps every dead letter's bytes and reason.
class recording_dead_letters final : public dead_letter_sink {
 public:
  void write(const dead_letter& d) override { letters.emplace_back(std::string(d.record->bytes), d.reason); }
  bool flush() override {
    ++flushes;
    return true;
  }
  std::vector<std::pair<std::string, reject_reason>> letters;
  int flushes = 0;
};

}  // namespace dingwatch::test
