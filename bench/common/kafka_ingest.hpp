#pragma once
/// Figure 2 of issue #9: dingwatch's ingest path from Kafka against a raw librdkafka
/// consumer reading the same topics in the same process run.
///
/// Records are produced once into an embedded broker; each contender then reads all of
/// them from the beginning with a fresh consumer group. The mock cluster holds every first
/// group join for 3 s: each contender's clock starts when its first records arrive.
///
///   raw        rd_kafka_consumer_poll loop with the same consumer settings (group,
///              earliest, no auto commit/store); per message it adds the payload and key
///              lengths and xors the first payload byte. Nothing is committed.
///   dingwatch  kafka_source + dingtalk_decoder + pipeline as the app builds them (default
///              detectors, jurisdiction enrichment, no sinks, a metrics object); it stops
///              once every record has been read, then drains every batch and commits
///              (the pipeline's own drain + synchronous flush of offsets) — that is
///              included. Its rate does not credit the first poll's records but charges
///              their decode and detect (conservative).
///
/// The mock cluster keeps only ~5 MiB / 100,000 messages per partition: `check_retention`
/// throws when records aged out, and every reader must read exactly N, or it throws.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "dingwatch/core/detector.hpp"
#include "dingwatch/core/pipeline.hpp"

namespace dingwatch::bench {

struct kafka_workload {
  std::map<std::string, std::uint64_t> per_topic;
  std::uint64_t value_bytes = 0;
  std::uint64_t key_bytes = 0;
};

/// Produces `n` generated records (seed 42, keyed corp:user, all three input topics) and
/// waits until all are acknowledged.
kafka_workload produce_generated(const std::string& brokers, std::uint64_t n);

/// Throws unless every partition of the input topics still holds everything produced into
/// it (low watermark 0, `n` records in all). Returns a one-line description.
std::string check_retention(const std::string& brokers, int partitions, std::uint64_t n);

/// One timed read of the whole topic.
struct ingest_run {
  double records_per_s = 0;
  double seconds = 0;
  double cpu_us_per_record = 0;  ///< process CPU (all threads) in the timed window / records
  std::chrono::steady_clock::time_point start{}, end{};  ///< the timed window
  std::string note;
};

ingest_run run_raw_consumer(const std::string& brokers, std::uint64_t n);

/// The app's pipeline setup with `shards` shard threads (0 = one per hardware thread):
/// the jurisdiction enricher with the shipped tables; `max_batches_in_flight` as given.
pipeline_options app_pipeline_options(std::size_t shards, std::size_t in_flight = pipeline_options{}.max_batches_in_flight);
/// The app's default detector set (the default rule pack).
detector_factory app_detectors();

ingest_run run_dingwatch_consumer(const std::string& brokers, std::uint64_t n, const pipeline_options& options,
                                  const detector_factory& detectors);

}  // namespace dingwatch::bench
