#pragma once
/// The embedded broker: librdkafka's mock cluster served on 127.0.0.1.
///
/// Any Kafka client (kcat, librdkafka, Java) can list topics, produce, consume and use
/// consumer groups with commits against it. It is what `dingwatch demo`, `dingwatch
/// broker`, the tests and the benchmarks run on.
///
/// Limits of librdkafka 2.0.2's mock cluster (see docs and DESIGN.md):
/// - no persistence; each partition keeps only ~5 MiB / 100,000 messages and silently
///   drops the oldest beyond that, so readers must keep up;
/// - a consumer group's first join waits 3 s (group.initial.rebalance.delay.ms is fixed),
///   and a joining member that does not heartbeat meanwhile is evicted after its
///   `session.timeout.ms`: below ~3.5 s the first join never completes;
/// - any later (re)join, including one after a member leaves, waits the group's
///   `session.timeout.ms` − 1 s (44 s with the default 45 s; tests use 4 s);
/// - range, roundrobin and cooperative-sticky assignment all work (tested);
/// - offset commits are refused with REBALANCE_IN_PROGRESS while the group is joining
///   (a real broker accepts them), so an eager-protocol revoke triggered by another
///   member joining cannot commit; cooperative-sticky revokes after the join completes
///   and commits fine;
/// - a fetch with nothing to return is held for the whole `fetch.wait.max.ms` (500 ms by
///   default) even when records arrive meanwhile; a real broker answers as soon as
///   `fetch.min.bytes` (1) is there. Left at the default, it alone puts up to half a
///   second between a record and its alert at low rates;
/// - one thread serves every request, and a fetch finds its offset by walking the
///   partition's retained message sets from the oldest (rd_kafka_mock_msgset_find). A
///   producer paced at a steady rate sends small sets, so the walk grows with partitions
///   × rate: at 100k rec/s, 8 partitions per topic saturated its thread, 4 did not
///   (BENCHMARKS.md has the latencies).

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <map>
#include <string>
#include <vector>

#include "dingwatch/ingest/kafka_config.hpp"

namespace dingwatch {

/// Shape of the embedded cluster.
struct mock_broker_options {
  int brokers = 1;     ///< broker count (each listens on its own port)
  int partitions = 4;  ///< partitions per topic
  std::vector<std::string> topics = default_topics();  ///< created up front, replication 1
};

/// librdkafka's mock cluster as a real Kafka endpoint on 127.0.0.1. Lives until destroyed.
class mock_broker {
 public:
  /// Starts the cluster and creates the topics. Throws std::runtime_error on failure.
  explicit mock_broker(mock_broker_options options = {});
  ~mock_broker();
  mock_broker(const mock_broker&) = delete;
  mock_broker& operator=(const mock_broker&) = delete;

  /// The bootstrap list, "127.0.0.1:PORT[,127.0.0.1:PORT…]".
  [[nodiscard]] const std::string& bootstrap() const noexcept { return bootstrap_; }

  /// The underlying cluster, for fault injection in tests (rd_kafka_mock_*).
  [[nodiscard]] rd_kafka_mock_cluster_t* cluster() noexcept { return cluster_; }

 private:
  rd_kafka_t* handle_ = nullptr;  ///< owns the cluster's threads; destroyed after it
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

/// librdkafka properties for a consumer of the embedded cluster (`dingwatch demo`, the
/// steady-rate benchmark): a group session of 6 s, heartbeats every 0.5 s (a re-join
/// waits session − 1 s), and fetches held at most 2 ms, so records reach the pipeline
/// about as soon as a real broker would deliver them (2 ms halved the p50 alert latency of
/// 10 ms: BENCHMARKS.md).
std::map<std::string, std::string> mock_consumer_properties();

}  // namespace dingwatch
