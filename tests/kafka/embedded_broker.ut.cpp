// The embedded broker (librdkafka's mock cluster) behaves like Kafka for our clients
// and for third-party tools.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>

#include "dingwatch/ingest/kafka_producer.hpp"
#include "dingwatch/ingest/kafka_source.hpp"
#include "dingwatch/ingest/mock_broker.hpp"
#include "kafka_test_support.hpp"

using namespace dingwatch;
using namespace std::chrono_literals;

namespace {

std::string key_of(int i) { return "corp1:user" + std::to_string(i); }
std::string value_of(int i) { return R"({"bizId":")" + std::to_string(i) + R"(","action":1})"; }

bool has_count(const std::vector<test::seen_record>& v, std::size_t n) { return v.size() >= n; }

}  // namespace

TEST_CASE("embedded broker serves produce, consume and consumer-group commits", "[kafka]") {
  mock_broker broker;
  REQUIRE_THAT(broker.bootstrap(), Catch::StartsWith("127.0.0.1:"));
  constexpr int n = 200;
  {
    kafka_producer producer({broker.bootstrap(), {}});
    for (int i = 0; i < n; ++i) REQUIRE(producer.produce("dingtalk.audit", key_of(i), value_of(i)));
    REQUIRE(producer.flush(5s));
  }

  const std::string group = test::unique_group("produce-consume");
  {
    kafka_source source(test::fast_source_options(broker, group, {"dingtalk.audit"}));
    auto seen = test::drain(source, 8s, [&](const auto& v) { return has_count(v, n); });
    REQUIRE(seen.size() == n);

    std::set<std::string> keys;
    std::map<std::int32_t, std::vector<std::int64_t>> offsets;
    for (const auto& r : seen) {
      CHECK(r.topic == "dingtalk.audit");
      const int i = std::stoi(r.key.substr(std::string("corp1:user").size()));
      CHECK(r.value == value_of(i));
      keys.insert(r.key);
      offsets[r.partition].push_back(r.offset);
    }
    CHECK(keys.size() == n);
    CHECK(offsets.size() > 1);  // keys spread over partitions
    for (const auto& [partition, list] : offsets) {
      for (std::size_t i = 0; i < list.size(); ++i) CHECK(list[i] == static_cast<std::int64_t>(i));
    }
    const auto commits = test::next_offsets(seen);
    source.commit(commits);
    source.flush_commits();
  }

  // Same group: everything is committed, so only records produced now arrive.
  kafka_source again(test::fast_source_options(broker, group, {"dingtalk.audit"}));
  auto early = test::drain(again, 8s, [&](const auto&) { return again.assigned_partitions() == 4; });
  REQUIRE(again.assigned_partitions() == 4);
  early = test::drain(again, 500ms, [](const auto&) { return false; });
  CHECK(early.empty());

  kafka_producer producer({broker.bootstrap(), {}});
  for (int i = n; i < n + 5; ++i) REQUIRE(producer.produce("dingtalk.audit", key_of(i), value_of(i)));
  REQUIRE(producer.flush(5s));
  auto fresh = test::drain(again, 5s, [](const auto& v) { return has_count(v, 5); });
  REQUIRE(fresh.size() == 5);
  for (const auto& r : fresh) CHECK(std::stoi(r.key.substr(10)) >= n);
}

TEST_CASE("kcat can list and consume from the embedded broker", "[kafka]") {
  if (test::run("command -v kcat").second != 0) {
    WARN("kcat is not on PATH; skipping (scripts/bootstrap.sh installs it)");
    return;
  }
  mock_broker broker;
  constexpr int n = 10;
  {
    kafka_producer producer({broker.bootstrap(), {}});
    for (int i = 0; i < n; ++i) REQUIRE(producer.produce("dingtalk.events", key_of(i), value_of(i)));
    REQUIRE(producer.flush(5s));
  }

  auto [listing, list_rc] = test::run("timeout 10 kcat -b " + broker.bootstrap() + " -L 2>&1");
  REQUIRE(list_rc == 0);
  for (const auto& topic : default_topics()) {
    CHECK_THAT(listing, Catch::Contains("topic \"" + topic + "\" with 4 partitions"));
  }

  auto [consumed, consume_rc] = test::run("timeout 10 kcat -b " + broker.bootstrap() +
                                          " -C -t dingtalk.events -c " + std::to_string(n) +
                                          " -e -q -f '%k %s\\n'");
  REQUIRE(consume_rc == 0);
  for (int i = 0; i < n; ++i) CHECK_THAT(consumed, Catch::Contains(key_of(i) + " " + value_of(i)));

  // And the other way round: what kcat produces, the source reads.
  auto [produced, produce_rc] = test::run("printf 'k1:{\"a\":1}\\n' | timeout 10 kcat -b " +
                                          broker.bootstrap() + " -P -t dingtalk.flows -K: 2>&1");
  REQUIRE(produce_rc == 0);
  kafka_source source(test::fast_source_options(broker, test::unique_group("kcat"), {"dingtalk.flows"}));
  auto seen = test::drain(source, 8s, [](const auto& v) { return has_count(v, 1); });
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].key == "k1");
  CHECK(seen[0].value == R"({"a":1})");
}

TEST_CASE("embedded broker refuses an impossible shape with a clear message", "[kafka]") {
  mock_broker_options o;
  o.partitions = 0;
  REQUIRE_THROWS_WITH(mock_broker(o), Catch::Contains("partition"));
}
