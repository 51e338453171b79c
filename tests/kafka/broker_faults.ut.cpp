// Broker faults on the embedded cluster (librdkafka's mock): brokers down and up,
// request errors, partition leaders moving. The pipeline must wait and resume, lose
// nothing, and show the trouble in its metrics.

#include <catch2/catch.hpp>

#include <set>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/ingest/kafka_producer.hpp"
#include "dingwatch/ingest/kafka_source.hpp"
#include "dingwatch/ingest/mock_broker.hpp"
#include "dingwatch/sinks/kafka_sinks.hpp"
#include "kafka_test_support.hpp"

using namespace dingwatch;
using namespace std::chrono_literals;

TEST_CASE("a dead-letter flush that failed while the broker was down is retried with its dead letters",
          "[kafka][faults][dlq]") {
  mock_broker broker({.brokers = 1});
  // Deliveries give up after 1 s (60 s by default): the outage outlasts them.
  kafka_dlq_sink sink({broker.bootstrap(), {{"message.timeout.ms", "1000"}, {"reconnect.backoff.max.ms", "500"}}});

  record_batch batch;
  for (int i = 0; i < 3; ++i)
    batch.add("dingtalk.audit", source_topic::audit, 0, i, "corp1:u1", "broken " + std::to_string(i), 0);
  REQUIRE(rd_kafka_mock_broker_set_down(broker.cluster(), 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  for (const auto& r : batch.records()) sink.write({&r, reject_reason::malformed_json});
  CHECK_FALSE(sink.flush());

  REQUIRE(rd_kafka_mock_broker_set_up(broker.cluster(), 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  // The pipeline retries the flush until it succeeds, and only then commits.
  REQUIRE(test::wait_until([&] { return sink.flush(); }, 30s));
  const auto got = test::read_topic(broker.bootstrap(), "dingwatch.dlq", 3, 10s);
  CHECK(got.size() == 3);
}

TEST_CASE("partitions paused when the group session was lost are read again after the rejoin",
          "[kafka][faults][pause]") {
  mock_broker broker({.brokers = 1});
  constexpr int n = 40;
  {
    kafka_producer producer({broker.bootstrap(), {}});
    for (int i = 0; i < n; ++i)
      REQUIRE(producer.produce("dingtalk.audit", "corp1:u" + std::to_string(i), std::to_string(i)));
    REQUIRE(producer.flush(5s));
  }
  auto options = test::fast_source_options(broker, test::unique_group("lost-paused"), {"dingtalk.audit"});
  options.kafka.extra["reconnect.backoff.max.ms"] = "500";
  metrics m;
  kafka_source source(options, &m);
  test::drain(source, 8s, [&](const auto&) { return source.ready(); });
  REQUIRE(source.ready());

  // Backpressure, then the broker goes away for longer than the session (4 s): the
  // assignment is lost. The pipeline catches up meanwhile and resumes, with nothing assigned.
  source.pause();
  rd_kafka_mock_broker_set_down(broker.cluster(), 1);
  test::drain(source, 15s, [&](const auto&) { return !source.ready(); });
  REQUIRE_FALSE(source.ready());
  CHECK(m.consumer_errors("_TRANSPORT").Value() + m.consumer_errors("_ALL_BROKERS_DOWN").Value() > 0);
  source.resume();
  rd_kafka_mock_broker_set_up(broker.cluster(), 1);

  // The same partitions come back: they must not still be paused.
  test::drain(source, 15s, [&](const auto&) { return source.ready(); });
  REQUIRE(source.ready());
  std::set<std::string> values;
  for (const auto& r : test::drain(source, 8s, [&](const auto& v) { return v.size() >= n; })) values.insert(r.value);
  CHECK(values.size() == n);
}
