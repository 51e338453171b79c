#pragma once
/// Raw records and the batches that own them.
///
/// A source (Kafka consumer, JSONL file) copies each record's bytes into a
/// `record_batch`'s arena, followed by `k_record_padding` zero bytes so simdjson can
/// parse in place. Everything decoded from the batch borrows from it; the pipeline
/// recycles batches, so steady-state ingest does not allocate.

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dingwatch/core/event.hpp"
#include "dingwatch/core/string_arena.hpp"

namespace dingwatch {

/// Readable zero bytes after every record's bytes (≥ SIMDJSON_PADDING).
inline constexpr std::size_t k_record_padding = 64;

/// One record as read from a source. `bytes` is followed by `k_record_padding` bytes.
struct raw_record {
  std::string_view bytes;
  std::string_view key;         ///< Kafka message key (`corp:user` from our producers), may be empty
  std::string_view topic_name;  ///< owned by the source, stable for its lifetime
  event_ref ref;
  std::int64_t timestamp_ms = 0;  ///< Kafka produce time, or the time it was read
};

/// Records of one poll, the arena that owns their bytes, and the events decoded from them.
class record_batch {
 public:
  /// Copies `bytes` and `key` into the batch; `topic_name` must outlive the batch.
  void add(std::string_view topic_name, source_topic topic, std::int32_t partition,
           std::int64_t offset, std::string_view key, std::string_view bytes,
           std::int64_t timestamp_ms) {
    raw_record r;
    r.bytes = arena_.copy(bytes, k_record_padding);
    r.key = key.empty() ? std::string_view{} : arena_.copy(key);
    r.topic_name = topic_name;
    r.ref = {topic, partition, offset};
    r.timestamp_ms = timestamp_ms;
    records_.push_back(r);
  }

  /// The records added since the last `clear()`.
  [[nodiscard]] std::span<const raw_record> records() const noexcept { return records_; }
  [[nodiscard]] std::size_t size() const noexcept { return records_.size(); }
  [[nodiscard]] bool empty() const noexcept { return records_.empty(); }

  /// Arena for decoders: unescaped strings and nested documents live as long as the batch.
  [[nodiscard]] string_arena& arena() noexcept { return arena_; }

  /// Forgets records and strings, keeps the memory.
  void clear() noexcept {
    records_.clear();
    arena_.reset();
  }

 private:
  string_arena arena_{256 * 1024};
  std::vector<raw_record> records_;
};

}  // namespace dingwatch
