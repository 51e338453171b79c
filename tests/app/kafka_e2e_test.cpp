#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/json_summary.hpp"
#include "support/process.hpp"

using namespace dingwatch::test;
using json = nlohmann::json;

namespace {

/// A `dingwatch broker` child process and its bootstrap address.
struct broker_process {
  child_process proc{{DINGWATCH_BINARY, "broker", "--partitions", "3"}, "/dev/null"};
  std::string bootstrap = proc.read_line();
};

std::vector<std::string> run_args(const std::string& bootstrap, const std::string& group) {
  return {DINGWATCH_BINARY, "run", "--brokers", bootstrap, "--group", group, "--no-metrics",
          "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"};
}

/// Sum of the offsets `group` has committed on the three input topics.
std::int64_t committed_total(const std::string& bootstrap, const std::string& group, int partitions) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(rk != nullptr);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(9);
  for (const char* t : {"dingtalk.events", "dingtalk.audit", "dingtalk.flows"})
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, t, p);
  REQUIRE(rd_kafka_committed(rk, list, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  std::int64_t total = 0;
  for (int i = 0; i < list->cnt; ++i)
    if (list->elems[i].offset > 0) total += list->elems[i].offset;
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return total;
}

/// Waits (≤ 10 s) until `group` has committed something: consumption is under way (the
/// mock's first group join alone takes ~3 s), so a stop now lands mid-stream.
void wait_for_first_commit(const std::string& bootstrap, const std::string& group) {
  for (int i = 0; i < 200 && committed_total(bootstrap, group, 3) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

/// Produces `events` generated records into the broker through `dingwatch gen`.
void produce(const std::string& bootstrap, const std::string& events, const std::string& seed,
             std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {DINGWATCH_BINARY, "gen", "--brokers", bootstrap, "--events", events, "--seed", seed};
  args.insert(args.end(), extra.begin(), extra.end());
  auto [code, out] = run_to_end(args, "/dev/null");
  REQUIRE(code == 0);
}

/// Runs `dingwatch run --until-idle 3` in `group` to completion; returns its JSON summary.
json run_until_idle(const std::string& bootstrap, const std::string& group) {
  auto args = run_args(bootstrap, group);
  args.insert(args.end(), {"--until-idle", "3"});
  auto [code, out] = run_to_end(args, "/dev/null");
  REQUIRE(code == 0);
  return last_json_line(out);
}

}  // namespace

TEST_CASE("generated stream through the embedded broker: decoded plus rejected equals produced, all committed") {
  broker_process broker;
  REQUIRE(broker.bootstrap.starts_with("127.0.0.1:"));
  produce(broker.bootstrap, "20000", "7", {"--bad-rate", "0.01"});
  const json s = run_until_idle(broker.bootstrap, "e2e");
  CHECK(s["read"] == 20000);
  std::uint64_t rejected = 0;
  for (const auto& [reason, n] : s["rejected"].items()) rejected += n.get<std::uint64_t>();
  CHECK(rejected > 100);  // ~1 % hostile records
  CHECK(s["decoded"].get<std::uint64_t>() + rejected == 20000);
  CHECK(s["committed"] == 20000);
  CHECK(committed_total(broker.bootstrap, "e2e", 3) == 20000);
}

TEST_CASE("SIGTERM drains, commits and exits 0, and a restart reads exactly the rest") {
  broker_process broker;
  produce(broker.bootstrap, "60000", "3");

  child_process first(run_args(broker.bootstrap, "restart"), "/dev/null");
  wait_for_first_commit(broker.bootstrap, "restart");
  first.signal(SIGTERM);
  const std::string first_out = first.read_all();
  CHECK(first.wait() == 0);
  const json s1 = last_json_line(first_out);
  const auto read1 = s1["read"].get<std::int64_t>();
  CHECK(read1 > 0);
  CHECK(s1["committed"] == read1);  // graceful: everything read was finished and committed
  CHECK(committed_total(broker.bootstrap, "restart", 3) == read1);

  const json s2 = run_until_idle(broker.bootstrap, "restart");
  INFO("first run read " << read1);
  CHECK(read1 + s2["read"].get<std::int64_t>() == 60000);  // no loss, and no duplicates after a clean stop
}

TEST_CASE("after kill -9 a restart re-reads from the last commit: nothing unaccounted") {
  broker_process broker;
  produce(broker.bootstrap, "60000", "5");

  child_process first(run_args(broker.bootstrap, "crash"), "/dev/null");
  wait_for_first_commit(broker.bootstrap, "crash");
  first.signal(SIGKILL);
  first.wait();
  const std::int64_t at_crash = committed_total(broker.bootstrap, "crash", 3);
  CHECK(at_crash > 0);

  const json s2 = run_until_idle(broker.bootstrap, "crash");
  INFO("committed before the crash: " << at_crash);
  // Everything after the last commit is read again (duplicates of what the killed
  // process had processed but not committed are expected and counted here).
  CHECK(s2["read"].get<std::int64_t>() == 60000 - at_crash);
  CHECK(committed_total(broker.bootstrap, "crash", 3) == 60000);
}
