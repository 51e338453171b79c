#pragma once
/// The generator as a pipeline `record_source`: records straight from a `generator`
/// into batches, no Kafka and no files, so `eval` and benchmarks run the production
/// decode → detect path on labelled traffic.
///
/// The stream ends once the generator's simulated clock passes `end_ms`. Each topic is
/// one partition and offsets count records per topic, as a Kafka topic would.

#include <array>
#include <cstdint>

#include "dingwatch/core/source.hpp"
#include "dingwatch/gen/generator.hpp"

namespace dingwatch::gen {

class generator_source final : public record_source {
 public:
  /// Reads from `g` (which must outlive the source) until its clock passes `end_ms`.
  generator_source(generator& g, std::int64_t end_ms) : gen_(g), end_ms_(end_ms) {}

  poll_status poll(record_batch& batch, std::size_t max, std::chrono::milliseconds timeout) override;
  void commit(std::span<const partition_offset>) override {}

  /// Records handed out so far.
  [[nodiscard]] std::uint64_t records() const noexcept { return records_; }

 private:
  generator& gen_;
  std::int64_t end_ms_;
  record next_;
  std::array<std::int64_t, 4> offsets_{};  ///< per source_topic
  std::uint64_t records_ = 0;
  bool done_ = false;
};

}  // namespace dingwatch::gen
