// Broker faults on the embedded cluster (librdkafka's mock): brokers down and up,
// request errors, partition leaders moving. The pipeline must wait and resume, lose
// nothing, and show the trouble in its metrics.

#include <catch2/catch.hpp>

#include "dingwatch/ingest/mock_broker.hpp"
#include "dingwatch/sinks/kafka_sinks.hpp"
#include "kafka_test_support.hpp"

using namespace dingwatch;
using namespace std::chrono_literals;

TEST_CASE("a dead-letter flush that failed while the broker was down is retried with its dead letters",
          "[kafka][faults][dlq]") {
  mock_broker broker({.brokers = 1});
  // Deliveries give up after 1 s (60 s by default): the outage outlasts them.
  kafka_dlq_sink sink({broker.bootstrap(), {{"message.timeout.ms", "1000"}}});

  record_batch batch;
  for (int i = 0; i < 3; ++i)
    batch.add("dingtalk.audit", source_topic::audit, 0, i, "corp1:u1", "broken " + std::to_string(i), 0);
  REQUIRE(rd_kafka_mock_broker_set_down(broker.cluster(), 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  for (const auto& r : batch.records()) sink.write({&r, reject_reason::malformed_json});
  CHECK_FALSE(sink.flush());

  REQUIRE(rd_kafka_mock_broker_set_up(broker.cluster(), 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(sink.flush());  // the pipeline retries the flush before it commits
  const auto got = test::read_topic(broker.bootstrap(), "dingwatch.dlq", 3, 10s);
  CHECK(got.size() == 3);
}
