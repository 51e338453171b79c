// The consumer-group source: at-least-once offsets, restarts, rebalances, backpressure,
// lag, and configuration errors a person can act on.

#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/ingest/kafka_producer.hpp"
#include "dingwatch/ingest/kafka_source.hpp"
#include "dingwatch/ingest/mock_broker.hpp"
#include "kafka_test_support.hpp"

using namespace dingwatch;
using namespace std::chrono_literals;

namespace {

void produce(const mock_broker& broker, const std::string& topic, int from, int to) {
  kafka_producer producer({broker.bootstrap(), {}});
  for (int i = from; i < to; ++i) {
    REQUIRE(producer.produce(topic, "corp1:user" + std::to_string(i), "{\"i\":" + std::to_string(i) + "}"));
  }
  REQUIRE(producer.flush(5s));
}

std::set<std::string> keys(const std::vector<test::seen_record>& v) {
  std::set<std::string> out;
  for (const auto& r : v) out.insert(r.key);
  return out;
}

auto until_keys(std::size_t n) {
  return [n](const std::vector<test::seen_record>& v) { return keys(v).size() >= n; };
}

}  // namespace

TEST_CASE("restarting a consumer mid-stream resumes from committed offsets", "[kafka]") {
  mock_broker broker;
  constexpr int n = 100;
  produce(broker, "dingtalk.flows", 0, n);
  const std::string group = test::unique_group("restart");

  std::vector<test::seen_record> first_half;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> committed;
  {
    kafka_source source(test::fast_source_options(broker, group, {"dingtalk.flows"}));
    auto seen = test::drain(source, 8s, until_keys(n));
    REQUIRE(keys(seen).size() == n);
    // The pipeline finished only the first half (a per-partition prefix).
    first_half.assign(seen.begin(), seen.begin() + n / 2);
    const auto offsets = test::next_offsets(first_half);
    for (const auto& o : offsets) committed[{std::string(o.topic_name), o.partition}] = o.next_offset;
    source.commit(offsets);
  }  // closing commits synchronously what commit() was given

  kafka_source source(test::fast_source_options(broker, group, {"dingtalk.flows"}));
  auto rest = test::drain(source, 8s, until_keys(n - n / 2));
  auto all = keys(first_half);
  for (const auto& r : rest) {
    auto it = committed.find({r.topic, r.partition});
    const std::int64_t from = it == committed.end() ? 0 : it->second;
    CHECK(r.offset >= from);  // nothing committed comes back
    all.insert(r.key);
  }
  CHECK(rest.size() == n - n / 2);
  CHECK(all.size() == n);  // nothing lost
}

TEST_CASE("a second group member takes over partitions at their committed offsets", "[kafka][rebalance]") {
  mock_broker broker;
  constexpr int n = 40;
  produce(broker, "dingtalk.events", 0, n);
  const std::string group = test::unique_group("rebalance");

  kafka_source a(test::fast_source_options(broker, group, {"dingtalk.events"}));
  auto seen_a = test::drain(a, 8s, until_keys(n));
  REQUIRE(keys(seen_a).size() == n);
  a.commit(test::next_offsets(seen_a));  // async: the revoke must not lose it
  REQUIRE(a.assigned_partitions() == 4);

  kafka_source b(test::fast_source_options(broker, group, {"dingtalk.events"}));
  std::vector<test::seen_record> seen_b;
  // Cooperative: one round revokes from A, the next assigns to B, each ~3 s on the mock
  // after its 3 s first-join delay; now and then a round ends with B still empty (seen
  // once in ~15 runs: three rounds in a row), so allow several more rounds.
  const auto end = std::chrono::steady_clock::now() + 25s;
  record_batch batch;
  while (std::chrono::steady_clock::now() < end &&
         !(a.assigned_partitions() > 0 && b.assigned_partitions() > 0 &&
           a.assigned_partitions() + b.assigned_partitions() == 4)) {
    for (kafka_source* s : {&a, &b}) {
      batch.clear();
      s->poll(batch, 100, 50ms);
      for (const auto& r : batch.records()) seen_b.push_back({std::string(r.topic_name), r.ref.partition, r.ref.offset, std::string(r.key), {}});
    }
  }
  INFO("a has " << a.assigned_partitions() << ", b has " << b.assigned_partitions());
  REQUIRE(a.assigned_partitions() + b.assigned_partitions() == 4);
  REQUIRE(b.assigned_partitions() > 0);
  CHECK(seen_b.empty());  // B starts at A's committed offsets

  produce(broker, "dingtalk.events", n, n + 20);
  std::vector<test::seen_record> fresh;
  const auto end2 = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < end2 && keys(fresh).size() < 20) {
    for (kafka_source* s : {&a, &b}) {
      batch.clear();
      s->poll(batch, 100, 50ms);
      for (const auto& r : batch.records()) fresh.push_back({std::string(r.topic_name), r.ref.partition, r.ref.offset, std::string(r.key), {}});
    }
  }
  CHECK(fresh.size() == 20);
  CHECK(keys(fresh).size() == 20);
}

TEST_CASE("a paused source returns nothing new and loses nothing after resume", "[kafka][pause]") {
  mock_broker broker;
  constexpr int n = 50;
  produce(broker, "dingtalk.audit", 0, n);
  kafka_source source(test::fast_source_options(broker, test::unique_group("pause"), {"dingtalk.audit"}));

  record_batch batch;
  std::vector<test::seen_record> seen;
  const auto end = std::chrono::steady_clock::now() + 8s;
  while (seen.empty() && std::chrono::steady_clock::now() < end) {
    batch.clear();
    source.poll(batch, 1, 100ms);  // one record; the rest sits prefetched
    for (const auto& r : batch.records()) seen.push_back({std::string(r.topic_name), r.ref.partition, r.ref.offset, std::string(r.key), {}});
  }
  REQUIRE(seen.size() == 1);
  std::this_thread::sleep_for(300ms);  // let the prefetch fill

  source.pause();
  auto while_paused = test::drain(source, 1s, [](const auto&) { return false; });
  // librdkafka 2.0.2 discards prefetched messages of paused partitions.
  CHECK(while_paused.empty());
  seen.insert(seen.end(), while_paused.begin(), while_paused.end());

  source.resume();
  auto after = test::drain(source, 5s, [&](const auto& v) { return keys(v).size() + keys(seen).size() >= n; });
  seen.insert(seen.end(), after.begin(), after.end());
  CHECK(keys(seen).size() == n);
  CHECK(seen.size() == n);  // and no duplicates either
}

TEST_CASE("consumer lag is the high watermark minus the committed offset", "[kafka][lag]") {
  mock_broker broker;
  constexpr int n = 30;
  produce(broker, "dingtalk.audit", 0, n);
  metrics m;
  kafka_source source(test::fast_source_options(broker, test::unique_group("lag"), {"dingtalk.audit"}), &m);
  auto seen = test::drain(source, 8s, until_keys(n));
  REQUIRE(seen.size() == n);

  // Commit "offset 0 done" everywhere: the whole topic is still lag.
  std::vector<partition_offset> zero;
  for (std::int32_t p = 0; p < 4; ++p) zero.push_back({"dingtalk.audit", p, 0});
  source.commit(zero);  // next_offset 0 is not newer than nothing: ignored
  auto offsets = test::next_offsets(seen);
  std::int64_t half = 0;
  for (auto& o : offsets) {
    o.next_offset /= 2;
    half += o.next_offset;
  }
  source.commit(offsets);
  test::drain(source, 1200ms, [](const auto&) { return false; });  // lag refreshes each second
  CHECK(source.lag() == n - half);
  double gauge_sum = 0;
  for (std::int32_t p = 0; p < 4; ++p) gauge_sum += m.consumer_lag("dingtalk.audit", p).Value();
  CHECK(gauge_sum == Approx(static_cast<double>(n - half)));
  CHECK(m.consumed("dingtalk.audit").Value() == Approx(n));

  source.commit(test::next_offsets(seen));
  test::drain(source, 1200ms, [](const auto&) { return false; });
  CHECK(source.lag() == 0);
}

TEST_CASE("bad Kafka configuration is refused naming the key at fault", "[kafka][config]") {
  kafka_source_options o;
  o.kafka.brokers = "127.0.0.1:9092";
  o.kafka.extra = {{"no.such.setting", "1"}};
  REQUIRE_THROWS_WITH(kafka_source(o), Catch::Contains("no.such.setting"));

  o.kafka.extra = {{"session.timeout.ms", "soon"}};
  REQUIRE_THROWS_WITH(kafka_source(o), Catch::Contains("session.timeout.ms") && Catch::Contains("soon"));

  REQUIRE_THROWS_WITH(kafka_producer({"", {}}), Catch::Contains("empty"));
  REQUIRE_THROWS_WITH(kafka_producer({"broker1:notaport", {}}), Catch::Contains("broker1:notaport"));
  REQUIRE_THROWS_WITH(kafka_producer({"a:9092,,b:9092", {}}), Catch::Contains("not host:port"));
  REQUIRE_NOTHROW(kafka_producer({"PLAINTEXT://broker-1.corp:9093, 10.0.0.2:9092", {}}));
  REQUIRE_THROWS_WITH(kafka_producer({"127.0.0.1:9092", {{"acks", "sometimes"}}}), Catch::Contains("acks"));

  // Secrets never appear, not in errors and not in descriptions.
  kafka_options secret{"127.0.0.1:9092", {{"sasl.password", "hunter2"}, {"ssl.key.password", "s3cret"}}};
  CHECK_THAT(describe(secret), !Catch::Contains("hunter2") && !Catch::Contains("s3cret") &&
                                   Catch::Contains("sasl.password=*****"));
  secret.extra["ssl.key.pem"] = "-----BEGIN garbage";
  secret.extra["no.such.setting"] = "x";
  try {
    kafka_producer p(secret);
    FAIL("expected a config error");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK_THAT(what, !Catch::Contains("hunter2") && !Catch::Contains("garbage"));
  }
}
