// Crash safety of `dingwatch run --checkpoint-dir` against the embedded broker: kill -9
// in the middle of a stream and restart from the checkpoint — the alerts (as a set of
// ids) are those of an uninterrupted run, and every produced record is decoded or
// rejected exactly once counting the checkpoint's share. A tampered checkpoint is named
// in the log and the restart begins afresh from the committed offsets.

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "support/json_summary.hpp"
#include "support/process.hpp"

using namespace dingwatch::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// One topic with one partition: then the order of records — and so the alerts — of a run
// is fully determined. (With several partitions, two uninterrupted runs can differ: keys
// idle past their window are expired by the time of whichever event comes next, so how
// partitions interleave matters.) The mock keeps 5 MiB per partition: ~20,000 generated
// records put ~9,500 on dingtalk.audit, well below.
constexpr const char* k_topic = "dingtalk.audit";

struct broker_process {
  child_process proc{{DINGWATCH_BINARY, "broker", "--partitions", "1"}, "/dev/null"};
  std::string bootstrap = proc.read_line();
};

struct scratch {
  fs::path dir = fs::temp_directory_path() / ("dw-crash-" + std::to_string(::getpid()));
  scratch() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "audit.yaml") << "kafka:\n  topics: [" << k_topic << "]\n";
  }
  ~scratch() { fs::remove_all(dir); }
};

/// `dingwatch run` on the audit topic in `group`, alerts appended to `alerts`,
/// checkpoints every 0.3 s in `checkpoints` (none if empty), two shards.
std::vector<std::string> run_args(const scratch& tmp, const std::string& bootstrap, const std::string& group,
                                  const std::string& alerts, const fs::path& checkpoints = {}) {
  std::vector<std::string> a = {DINGWATCH_BINARY, "run", "-c", (tmp.dir / "audit.yaml").string(), "--brokers", bootstrap,
                                "--group", group, "--no-metrics", "--threads", "2",
                                "--alerts", (tmp.dir / alerts).string(),
                                "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"};
  if (!checkpoints.empty()) a.insert(a.end(), {"--checkpoint-dir", checkpoints.string(), "--checkpoint-interval", "0.3"});
  return a;
}

std::uint64_t rejected_of(const json& summary) {
  std::uint64_t n = 0;
  for (const auto& [reason, count] : summary["rejected"].items()) n += count.get<std::uint64_t>();
  return n;
}

/// Alert ids in a JSONL alert file (a line torn by the kill is skipped: its alert was not
/// delivered, so it was neither committed nor covered by a checkpoint).
std::set<std::string> alert_ids(const fs::path& file) {
  std::set<std::string> ids;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, false);
    if (!j.is_discarded()) ids.insert(j["alert"]["id"].get<std::string>());
  }
  return ids;
}

/// A consumer handle of `group` for offset queries.
struct query_client {
  rd_kafka_t* rk = nullptr;
  query_client(const std::string& bootstrap, const std::string& group) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    REQUIRE(rk != nullptr);
  }
  ~query_client() { rd_kafka_destroy(rk); }
};

/// What `group` committed on the audit topic (0 for nothing).
std::int64_t committed(const std::string& bootstrap, const std::string& group) {
  query_client c(bootstrap, group);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, k_topic, 0);
  REQUIRE(rd_kafka_committed(c.rk, list, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  const std::int64_t offset = std::max<std::int64_t>(0, list->elems[0].offset);
  rd_kafka_topic_partition_list_destroy(list);
  return offset;
}

/// Records on the audit topic; requires that the broker dropped none.
std::int64_t produced(const std::string& bootstrap) {
  query_client c(bootstrap, "watermarks");
  std::int64_t low = -1, high = -1;
  REQUIRE(rd_kafka_query_watermark_offsets(c.rk, k_topic, 0, &low, &high, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(low == 0);
  return high;
}

/// Runs to the end of the topic; returns the JSON summary.
json run_to_idle(std::vector<std::string> args, const fs::path& log) {
  args.insert(args.end(), {"--until-idle", "3"});
  auto [code, out] = run_to_end(args, log.string());
  REQUIRE(code == 0);
  return last_json_line(out);
}

/// Streams ~20,000 generated records for 8 s (50 users, an incident every user-day: many
/// windows open when the kill comes) while a run with checkpoints consumes them;
/// once it has written a checkpoint and committed something, kills it with SIGKILL (the
/// stream still flowing: mid-stream). Returns what it had committed.
std::int64_t kill_mid_stream(const scratch& tmp, const std::string& bootstrap, const std::string& group,
                             const std::string& seed, const fs::path& checkpoints) {
  child_process gen({DINGWATCH_BINARY, "gen", "--brokers", bootstrap, "--rate", "2500", "--duration", "8", "--seed", seed,
                     "--users", "50", "--incident-rate", "1", "--bad-rate", "0.01"},
                    "/dev/null");
  child_process run(run_args(tmp, bootstrap, group, group + ".killed.jsonl", checkpoints),
                    (tmp.dir / (group + ".killed.log")).string());
  for (int i = 0; i < 300; ++i) {
    if (fs::exists(checkpoints / "checkpoint") && committed(bootstrap, group) > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  run.signal(SIGKILL);
  CHECK(run.wait() == 128 + SIGKILL);
  const std::int64_t at_kill = committed(bootstrap, group);
  REQUIRE(gen.wait() == 0);
  INFO("committed when killed: " << at_kill << " of " << produced(bootstrap));
  REQUIRE(at_kill > 0);
  REQUIRE(at_kill < produced(bootstrap));  // really mid-stream
  return at_kill;
}

}  // namespace

TEST_CASE("kill -9 mid-stream and restart from the checkpoint: the same alert ids, every record counted once",
          "[checkpoint][crash]") {
  broker_process broker;
  REQUIRE(broker.bootstrap.starts_with("127.0.0.1:"));
  scratch tmp;
  const auto checkpoints = tmp.dir / "checkpoints";
  kill_mid_stream(tmp, broker.bootstrap, "crash", "17", checkpoints);
  const std::int64_t total = produced(broker.bootstrap);

  // Restarted with the same checkpoint directory, to the end of the topic.
  const json restarted = run_to_idle(run_args(tmp, broker.bootstrap, "crash", "restarted.jsonl", checkpoints),
                                     tmp.dir / "restarted.log");
  INFO("restart: " << restarted.dump());
  REQUIRE(restarted.contains("restored"));
  const json& before = restarted["restored"];
  CHECK(before["read"].get<std::int64_t>() > 0);
  // Every record decoded or rejected exactly once: before the checkpoint's cut by the
  // killed run (counted in the checkpoint), after it by the restarted one.
  CHECK(before["decoded"].get<std::int64_t>() + before["rejected"].get<std::int64_t>() +
            restarted["decoded"].get<std::int64_t>() + static_cast<std::int64_t>(rejected_of(restarted)) ==
        total);
  CHECK(before["read"].get<std::int64_t>() + restarted["read"].get<std::int64_t>() == total);
  CHECK(committed(broker.bootstrap, "crash") == total);

  // The uninterrupted run over the same records.
  const json reference = run_to_idle(run_args(tmp, broker.bootstrap, "reference", "reference.jsonl"),
                                     tmp.dir / "reference.log");
  REQUIRE(reference["read"] == total);
  const auto expected = alert_ids(tmp.dir / "reference.jsonl");
  REQUIRE(expected.size() > 20);

  auto seen = alert_ids(tmp.dir / "crash.killed.jsonl");
  const auto after = alert_ids(tmp.dir / "restarted.jsonl");
  seen.insert(after.begin(), after.end());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), seen.begin(), seen.end(), std::back_inserter(missing));
  std::set_difference(seen.begin(), seen.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  INFO("missing " << missing.size() << ", extra " << extra.size() << " of " << expected.size());
  CHECK(missing.empty());
  CHECK(extra.empty());
}

TEST_CASE("a tampered checkpoint is named in the log and the restart begins afresh from the committed offsets",
          "[checkpoint][crash]") {
  broker_process broker;
  scratch tmp;
  const auto checkpoints = tmp.dir / "checkpoints";
  const std::int64_t at_kill = kill_mid_stream(tmp, broker.bootstrap, "tamper", "23", checkpoints);
  const std::int64_t total = produced(broker.bootstrap);
  const auto file = checkpoints / "checkpoint";
  REQUIRE(fs::exists(file));
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
    f.put('\x5a');
    f.put('\xa5');
  }
  const json restarted = run_to_idle(run_args(tmp, broker.bootstrap, "tamper", "restarted.jsonl", checkpoints),
                                     tmp.dir / "restarted.log");
  std::ifstream log_in(tmp.dir / "restarted.log");
  const std::string log((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());
  INFO(log);
  CHECK_THAT(log, Catch::Contains("checkpoint: not using " + file.string() + ": checksum mismatch (the file is corrupt); "
                                  "starting afresh from the committed offsets"));
  CHECK(fs::exists(checkpoints / "checkpoint.refused"));
  CHECK_FALSE(restarted.contains("restored"));
  // Afresh from the committed offsets: exactly the records after them are read.
  CHECK(restarted["read"].get<std::int64_t>() == total - at_kill);
  CHECK(committed(broker.bootstrap, "tamper") == total);
  // …and it checkpoints again.
  CHECK(restarted["checkpoints"].get<int>() >= 1);
  CHECK(fs::exists(file));
}
