#pragma once
/// JSONL files as a record source: the offline path (`dingwatch replay`), no Kafka.

#include <cstdio>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/source.hpp"

namespace dingwatch {

/// Reads files one line per record, in order. A record's partition is the file's
/// index and its offset the 1-based line number, so a dead letter names its line.
/// The topic is `topic` when given, otherwise left unknown for the decoder to guess
/// from the record's shape.
class jsonl_file_source final : public record_source {
 public:
  /// Throws std::runtime_error naming the first file that cannot be opened.
  jsonl_file_source(std::vector<std::filesystem::path> files, std::optional<std::string> topic,
                    metrics* m = nullptr);
  ~jsonl_file_source() override;

  poll_status poll(record_batch& batch, std::size_t max, std::chrono::milliseconds timeout) override;
  /// Files need no commits; offsets are only checked for monotonicity.
  void commit(std::span<const partition_offset> offsets) override;

 private:
  bool open_next();

  std::vector<std::filesystem::path> files_;
  std::optional<std::string> topic_;
  std::deque<std::string> names_;  // stable topic names handed to records
  std::size_t index_ = 0;
  std::FILE* file_ = nullptr;
  std::int64_t line_ = 0;
  char* buffer_ = nullptr;
  std::size_t buffer_size_ = 0;
  prometheus::Counter* consumed_ = nullptr;
};

}  // namespace dingwatch
