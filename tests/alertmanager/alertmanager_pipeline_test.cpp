// The whole pipeline into the real Alertmanager: `dingwatch demo` (embedded Kafka, generated
// traffic, the shipped rules) with an Alertmanager sink. Alerts that fire from real records
// are listed by Alertmanager with the labels and annotations of the same alerts in the run's
// JSONL file; alerts that fire while Alertmanager is down are spooled and arrive once it is back.

#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "alertmanager_server.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using dingwatch::test::alertmanager_server;
using dingwatch::test::child_process;
using dingwatch::test::eventually;
using dingwatch::test::temp_dir;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string k_runbooks = "https://wiki.example.mo/runbooks/";

/// The complete JSON lines of `file` so far (a line being appended is left for later).
std::vector<json> json_lines(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  text.erase(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  std::vector<json> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

/// `alert.id` → the alert, from the run's --alerts file.
std::map<std::string, json> alerts_by_id(const fs::path& file) {
  std::map<std::string, json> out;
  for (auto& a : json_lines(file)) {
    auto id = a["alert"]["id"].get<std::string>();  // before the move: json's operator= takes its argument by value
    out[std::move(id)] = std::move(a);
  }
  return out;
}

/// `alert_id` label → the alert, as Alertmanager lists them.
std::map<std::string, json> listed_by_id(const alertmanager_server& am) {
  std::map<std::string, json> out;
  for (const auto& a : am.alerts()) out[a["labels"].value("alert_id", "")] = a;
  return out;
}

/// The `alert_id`s waiting in the sink's spool file.
std::set<std::string> spooled_ids(const fs::path& spool_file) {
  std::set<std::string> out;
  for (const auto& a : json_lines(spool_file)) out.insert(a["labels"]["alert_id"].get<std::string>());
  return out;
}

/// Whether Alertmanager lists every alert of `ids`.
bool all_listed(const std::set<std::string>& ids, const std::map<std::string, json>& listed) {
  return std::all_of(ids.begin(), ids.end(), [&](const auto& id) { return listed.contains(id); });
}

/// Checks that Alertmanager's `listed` alert carries what dingwatch's `alert` says.
void check_listed_as(const json& listed, const json& alert) {
  const auto& rule = alert["rule"];
  const std::string rule_id = rule["id"], name = rule["name"];
  INFO("alert " << alert["alert"]["id"] << " of rule " << rule_id);
  const auto& labels = listed["labels"];
  CHECK(labels.value("alertname", "") == (name.empty() ? rule_id : name));
  CHECK(labels.value("rule_id", "") == rule_id);
  CHECK(labels.value("family", "") == rule["family"].get<std::string>());
  CHECK(labels.value("severity", "") == rule["severity"].get<std::string>());
  std::string articles;
  for (const auto& a : alert["pdpa"]["articles"]) articles += (articles.empty() ? "" : ",") + a.get<std::string>();
  CHECK(labels.value("pdpa_article", "") == articles);
  const auto& annotations = listed["annotations"];
  CHECK(annotations.value("message", "") == alert["message"].get<std::string>());
  CHECK(annotations.value("summary", "") == alert["message"].get<std::string>());
  CHECK(annotations.value("runbook", "") == k_runbooks + rule_id);
  CHECK(listed["status"].value("state", "") == "active");
}

/// `dingwatch demo` with generated traffic until stopped; its console output (one line per
/// alert) is read and dropped so the process never blocks on a full pipe.
class demo_process {
 public:
  demo_process(const fs::path& config, const fs::path& alerts, const fs::path& log)
      : process_({DINGWATCH_BINARY, "demo", "-c", config.string(), "--alerts", alerts.string(), "--no-metrics",
                  "--duration", "0", "--rate", "300", "--incident-rate", "0.5", "--threads", "1"},
                 log.string()),
        drain_([this] { process_.read_all(); }) {}
  ~demo_process() {
    if (stopped_) return;
    process_.signal(SIGKILL);
    drain_.join();
  }
  demo_process(const demo_process&) = delete;
  demo_process& operator=(const demo_process&) = delete;

  /// SIGTERM, then its exit code.
  int stop() {
    process_.signal(SIGTERM);
    stopped_ = true;
    drain_.join();
    return process_.wait();
  }

 private:
  child_process process_;
  bool stopped_ = false;
  std::thread drain_;
};

}  // namespace

TEST_CASE("alerts fired by dingwatch demo reach Alertmanager with their labels, and those fired while it is down "
          "arrive from the spool once it is back",
          "[alertmanager][pipeline]") {
  alertmanager_server am;
  temp_dir dir;
  const auto config = dir.path() / "dingwatch.yaml";
  const auto alerts_file = dir.path() / "alerts.jsonl";
  const auto spool_file = dir.path() / "spool" / "spool.jsonl";
  // Short retry and backoff, so delivery resumes within a second of Alertmanager's return.
  std::ofstream(config) << "sinks:\n"
                           "  - kind: alertmanager\n"
                           "    url: " << am.url() << "\n"
                           "    spool: " << (dir.path() / "spool").string() << "\n"
                           "    runbook_base: " << k_runbooks << "\n"
                           "    timeout: 2s\n    retry_every: 200ms\n    max_backoff: 1s\n";
  demo_process demo(config, alerts_file, dir.path() / "demo.log");

  // Up: every alert the pipeline wrote is listed, labelled as the alert says.
  REQUIRE(eventually([&] { return alerts_by_id(alerts_file).size() >= 5; }, 45s));
  const auto written = alerts_by_id(alerts_file);
  std::set<std::string> written_ids;
  for (const auto& [id, alert] : written) written_ids.insert(id);
  std::map<std::string, json> listed;
  REQUIRE(eventually([&] { return all_listed(written_ids, listed = listed_by_id(am)); }, 20s));
  std::set<std::string> families;
  for (const auto& [id, alert] : written) {
    check_listed_as(listed.at(id), alert);
    families.insert(alert["rule"]["family"].get<std::string>());
  }

  // Down: the pipeline keeps going and what it fires waits in the spool. The spool may
  // also hold alerts written before (at-least-once: a POST Alertmanager took but did not
  // answer before it stopped, or an id fired again); what counts is that new ones arrive.
  am.stop();
  std::set<std::string> before_outage;
  for (const auto& [id, alert] : alerts_by_id(alerts_file)) before_outage.insert(id);
  std::set<std::string> spooled;
  REQUIRE(eventually(
      [&] {
        spooled = spooled_ids(spool_file);
        return std::count_if(spooled.begin(), spooled.end(),
                             [&](const auto& id) { return !before_outage.contains(id); }) >= 5;
      },
      45s));

  // Back: the spooled alerts are delivered.
  am.start();
  REQUIRE(eventually([&] { return all_listed(spooled, listed = listed_by_id(am)); }, 20s));
  const auto written_now = alerts_by_id(alerts_file);
  for (const auto& id : spooled) {
    REQUIRE(written_now.contains(id));  // the spool holds exactly what the pipeline fired
    check_listed_as(listed.at(id), written_now.at(id));
    families.insert(written_now.at(id)["rule"]["family"].get<std::string>());
  }
  CHECK(families.size() >= 2);  // the labels were checked on more than one kind of alert
  CHECK(eventually(  // and cut from the spool
      [&] {
        const auto left = spooled_ids(spool_file);
        return std::none_of(spooled.begin(), spooled.end(), [&](const auto& id) { return left.contains(id); });
      },
      10s));
  CHECK(demo.stop() == 0);
}
