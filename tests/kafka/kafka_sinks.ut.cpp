// The Kafka sinks write what downstream consumers expect: alert ids as keys, dead letters
// byte for byte with where they came from and why.

#include <catch2/catch.hpp>

#include "dingwatch/ingest/mock_broker.hpp"
#include "dingwatch/sinks/kafka_sinks.hpp"
#include "kafka_test_support.hpp"

using namespace dingwatch;
using namespace std::chrono_literals;

TEST_CASE("dead-letter sink keeps original bytes and says where and why", "[kafka][dlq]") {
  mock_broker broker;
  kafka_dlq_sink sink({broker.bootstrap(), {}});

  record_batch batch;
  const std::string binary("{\"broken\": \xff\xfe\0tail", 18);  // up to "tail": the embedded NUL is data
  batch.add("dingtalk.audit", source_topic::audit, 2, 17, "corp1:u1", binary, 0);
  batch.add("dingtalk.events", source_topic::events, 0, 4242, "", "not json", 0);
  batch.add("dingtalk.flows", source_topic::flows, 3, 0, "corp1:u3", "", 0);
  const reject_reason reasons[] = {reject_reason::invalid_utf8, reject_reason::malformed_json,
                                   reject_reason::empty};
  for (std::size_t i = 0; i < batch.size(); ++i) sink.write({&batch.records()[i], reasons[i]});
  REQUIRE(sink.flush());

  auto got = test::read_topic(broker.bootstrap(), "dingwatch.dlq", 3, 5s);
  REQUIRE(got.size() == 3);
  std::sort(got.begin(), got.end(),
            [](const auto& a, const auto& b) { return a.header("source.offset") > b.header("source.offset"); });
  // Sorted by offset string: "4242", "17", "0".
  CHECK(got[0].value == "not json");
  CHECK(got[0].key.empty());
  CHECK(got[0].header("reason") == "malformed_json");
  CHECK(got[0].header("source.topic") == "dingtalk.events");
  CHECK(got[0].header("source.partition") == "0");
  CHECK(got[0].header("source.offset") == "4242");

  CHECK(got[1].value == binary);
  CHECK(got[1].key == "corp1:u1");
  CHECK(got[1].header("reason") == "invalid_utf8");
  CHECK(got[1].header("source.topic") == "dingtalk.audit");
  CHECK(got[1].header("source.partition") == "2");
  CHECK(got[1].header("source.offset") == "17");

  CHECK(got[2].value.empty());
  CHECK(got[2].header("reason") == "empty");
  CHECK(got[2].header("source.topic") == "dingtalk.flows");
  CHECK(got[2].header("source.partition") == "3");
}

TEST_CASE("alert sink keys each alert by its id and returns after the broker acknowledged", "[kafka][alerts]") {
  mock_broker broker;
  kafka_alert_sink sink({broker.bootstrap(), {}});
  CHECK(sink.name() == "kafka");

  std::vector<alert> alerts(3);
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    alerts[i].rule_id = "pdpa.bulk_export";
    alerts[i].rule_name = "Bulk export of personal data";
    alerts[i].user_id = "u" + std::to_string(i);
    alerts[i].timestamp_ms = 1'700'000'000'000 + static_cast<std::int64_t>(i);
    alerts[i].id = make_alert_id(alerts[i].rule_id, alerts[i].user_id, 1'700'000'000'000);
  }
  REQUIRE(sink.write(alerts));
  REQUIRE(sink.write(std::span<const alert>(alerts).first(1)));  // a replay: same id again

  auto got = test::read_topic(broker.bootstrap(), "dingwatch.alerts", 4, 5s);
  REQUIRE(got.size() == 4);
  std::map<std::string, std::string> by_key;
  for (const auto& m : got) by_key[m.key] = m.value;
  REQUIRE(by_key.size() == 3);
  for (const auto& a : alerts) {
    REQUIRE(by_key.contains(a.id));
    CHECK(by_key[a.id] == to_json(a));
  }
}

TEST_CASE("alert sink reports failure when the broker is unreachable", "[kafka][alerts]") {
  kafka_options o{"127.0.0.1:1", {{"message.timeout.ms", "1000"}}};
  kafka_alert_sink sink(o);
  std::vector<alert> alerts(1);
  alerts[0].id = "x";
  CHECK_FALSE(sink.write(alerts));
}
