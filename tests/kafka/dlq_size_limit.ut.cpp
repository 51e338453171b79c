// A record too big for a Kafka message (typically one refused as `oversized`) still
// reaches the dead-letter topic: its first bytes, with the original size in a header.

#include <catch2/catch.hpp>

#include "dingwatch/ingest/mock_broker.hpp"
#include "dingwatch/sinks/kafka_sinks.hpp"
#include "kafka_test_support.hpp"

using namespace dingwatch;
using namespace std::chrono_literals;

TEST_CASE("dead-letter sink keeps the head of a record too big for Kafka and its original size",
          "[kafka][dlq][limits]") {
  mock_broker broker;
  kafka_dlq_sink sink({broker.bootstrap(), {}});

  record_batch batch;
  std::string big = R"({"bizId":"1","resource":")";
  big.append(2u << 20, 'r');
  big += "\"}";
  batch.add("dingtalk.audit", source_topic::audit, 1, 99, "corp1:u1", big, 0);
  batch.add("dingtalk.audit", source_topic::audit, 1, 100, "corp1:u1", "small", 0);
  sink.write({&batch.records()[0], reject_reason::oversized});
  sink.write({&batch.records()[1], reject_reason::malformed_json});
  REQUIRE(sink.flush());

  auto got = test::read_topic(broker.bootstrap(), "dingwatch.dlq", 2, 10s);
  REQUIRE(got.size() == 2);
  std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.value.size() > b.value.size(); });
  CHECK(got[0].header("reason") == "oversized");
  CHECK(got[0].header("source.offset") == "99");
  CHECK(got[0].header("original.size") == std::to_string(big.size()));
  CHECK(got[0].value.size() == 900'000);
  CHECK(big.starts_with(got[0].value));
  // Records that fit are sent whole, without the size header.
  CHECK(got[1].value == "small");
  CHECK(got[1].header("original.size") == "<missing>");
}
