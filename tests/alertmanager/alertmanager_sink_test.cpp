// The Alertmanager sink against the real Alertmanager: delivery, labels and annotations,
// spooling while it is down, recovery, durability across a sink restart, re-sending.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "alertmanager_server.hpp"
#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/time.hpp"
#include "dingwatch/sinks/alertmanager_sink.hpp"
#include "dingwatch/sinks/registry.hpp"

using namespace std::chrono_literals;
using dingwatch::test::alertmanager_server;
using dingwatch::test::eventually;
using dingwatch::test::temp_dir;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

dingwatch::alert make_alert(const std::string& id) {
  dingwatch::alert a;
  a.id = id;
  a.rule_id = "PDPA-XB-001";
  a.rule_name = "CrossBorderUpload";
  a.family = dingwatch::family::cross_border;
  a.severity = dingwatch::severity::critical;
  a.pdpa_articles = {"19", "20"};
  a.timestamp_ms = now_ms() - 60'000;
  a.user_id = "u-" + id;
  a.user_name = "C*** W**";
  a.source_ip = "10.1.2.3";
  a.source_country = "MO";
  a.destination_domain = "files.example.cn";
  a.destination_country = "CN";
  a.message = "Personal data of 120 customers uploaded to files.example.cn (CN) by u-" + id;
  return a;
}

dingwatch::alertmanager_options options(const std::string& url, const std::filesystem::path& spool) {
  dingwatch::alertmanager_options o;
  o.url = url;
  o.spool = spool;
  o.runbook_base = "https://wiki.example.mo/runbooks/";
  o.timeout = 2s;
  o.retry_every = 200ms;
  o.max_backoff = 1s;
  return o;
}

double value_of(const dingwatch::metrics& m, const std::string& name, const std::string& result = {}) {
  for (const auto& family : m.registry()->Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      if (!result.empty() && (metric.label.empty() || metric.label[0].value != result)) continue;
      return family.type == prometheus::MetricType::Gauge ? metric.gauge.value : metric.counter.value;
    }
  }
  return -1;
}

std::uintmax_t spool_bytes(const std::filesystem::path& p) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

}  // namespace

TEST_CASE("alerts written while Alertmanager is up are listed by its API", "[alertmanager]") {
  alertmanager_server am;
  temp_dir dir;
  dingwatch::metrics m;
  dingwatch::alertmanager_sink sink(options(am.url(), dir.path() / "spool"), &m);

  const std::vector<dingwatch::alert> alerts = {make_alert("up-1"), make_alert("up-2"), make_alert("up-3")};
  REQUIRE(sink.write(alerts));
  CHECK(sink.spooled() == 0);
  CHECK(spool_bytes(sink.spool_file()) == 0);
  CHECK(value_of(m, "dingwatch_alertmanager_posts_total", "ok") == 1);  // one POST per write
  CHECK(value_of(m, "dingwatch_alertmanager_spooled") == 0);

  for (const auto& sent : alerts) {
    const auto listed = am.find(sent.id);
    REQUIRE(listed != nullptr);
    const auto& labels = listed["labels"];
    CHECK(labels["alertname"] == "CrossBorderUpload");
    CHECK(labels["rule_id"] == "PDPA-XB-001");
    CHECK(labels["family"] == "cross_border");
    CHECK(labels["severity"] == "critical");
    CHECK(labels["pdpa_article"] == "19,20");
    const auto& annotations = listed["annotations"];
    CHECK(annotations["summary"] == sent.message);
    CHECK(annotations["message"] == sent.message);
    CHECK(annotations["runbook"] == "https://wiki.example.mo/runbooks/PDPA-XB-001");
    const std::string description = annotations["description"];
    CHECK_THAT(description, Catch::Contains("user " + sent.user_id));
    CHECK_THAT(description, Catch::Contains("source 10.1.2.3 (MO)"));
    CHECK(listed["status"]["state"] == "active");
    CHECK(listed["startsAt"].get<std::string>().substr(0, 16) == dingwatch::iso8601_utc(sent.timestamp_ms).substr(0, 16));
  }
  CHECK(sink.active() == 3);
}

TEST_CASE("alerts written while Alertmanager is down are spooled and delivered after it comes back",
          "[alertmanager]") {
  alertmanager_server am;
  temp_dir dir;
  dingwatch::metrics m;
  dingwatch::alertmanager_sink sink(options(am.url(), dir.path() / "spool"), &m);

  am.stop();
  REQUIRE(sink.write(std::vector{make_alert("down-1")}));
  REQUIRE(sink.write(std::vector{make_alert("down-2"), make_alert("down-3")}));
  CHECK(sink.spooled() == 3);
  CHECK(spool_bytes(sink.spool_file()) > 0);
  CHECK(value_of(m, "dingwatch_alertmanager_spooled") == 3);
  CHECK(value_of(m, "dingwatch_alertmanager_posts_total", "error") >= 1);

  am.start();  // same port; no further write: the retry thread must deliver
  REQUIRE(eventually([&] { return sink.spooled() == 0; }, 20s));
  CHECK(spool_bytes(sink.spool_file()) == 0);
  CHECK(value_of(m, "dingwatch_alertmanager_spooled") == 0);
  for (const char* id : {"down-1", "down-2", "down-3"}) {
    INFO(id);
    const auto listed = am.find(id);
    REQUIRE(listed != nullptr);
    CHECK(listed["labels"]["rule_id"] == "PDPA-XB-001");
    CHECK(listed["status"]["state"] == "active");
  }
}

TEST_CASE("a sink destroyed with a non-empty spool resends it when recreated", "[alertmanager]") {
  alertmanager_server am;
  temp_dir dir;
  const auto spool = dir.path() / "spool";
  am.stop();
  {
    dingwatch::alertmanager_sink sink(options(am.url(), spool));
    REQUIRE(sink.write(std::vector{make_alert("restart-1"), make_alert("restart-2")}));
    CHECK(sink.spooled() == 2);
  }
  CHECK(spool_bytes(spool / "spool.jsonl") > 0);

  am.start();
  dingwatch::alertmanager_sink again(options(am.url(), spool));  // its thread delivers at once
  REQUIRE(eventually([&] { return again.spooled() == 0; }, 10s));
  CHECK(spool_bytes(spool / "spool.jsonl") == 0);
  CHECK(am.find("restart-1") != nullptr);
  CHECK(am.find("restart-2") != nullptr);
}

TEST_CASE("active alerts are re-sent with the same endsAt, so an Alertmanager restart does not lose them",
          "[alertmanager]") {
  alertmanager_server am;
  temp_dir dir;
  auto o = options(am.url(), dir.path() / "spool");
  o.resolve_after = 1h;
  o.resend_every = 1s;
  dingwatch::alertmanager_sink sink(o);
  REQUIRE(sink.write(std::vector{make_alert("resend-1")}));
  const auto first = am.find("resend-1");
  REQUIRE(first != nullptr);

  am.stop();
  am.start();  // Alertmanager keeps alerts in memory only
  REQUIRE(eventually([&] { return am.find("resend-1") != nullptr; }, 8s));
  CHECK(am.find("resend-1")["endsAt"] == first["endsAt"]);
}

TEST_CASE("alerts past their endsAt are no longer re-sent and resolve in Alertmanager", "[alertmanager]") {
  alertmanager_server am;
  temp_dir dir;
  auto o = options(am.url(), dir.path() / "spool");
  o.resolve_after = 2s;
  o.resend_every = 500ms;
  dingwatch::alertmanager_sink sink(o);
  REQUIRE(sink.write(std::vector{make_alert("short-1")}));
  CHECK(sink.active() == 1);
  REQUIRE(eventually([&] { return sink.active() == 0; }, 6s));
  const auto listed = am.find("short-1");  // resolved alerts drop out of the active list
  CHECK((listed == nullptr || listed["status"]["state"] != "active"));
}

TEST_CASE("a full spool refuses the write instead of dropping alerts", "[alertmanager]") {
  temp_dir dir;
  auto o = options("http://127.0.0.1:1", dir.path() / "spool");  // nothing listens on port 1
  o.spool_max_bytes = 2000;
  dingwatch::alertmanager_sink sink(o);
  REQUIRE(sink.write(std::vector{make_alert("full-1")}));
  bool refused = false;
  for (int i = 2; i < 10 && !refused; ++i) refused = !sink.write(std::vector{make_alert("full-" + std::to_string(i))});
  CHECK(refused);
  CHECK(sink.spooled() >= 1);
  CHECK(spool_bytes(sink.spool_file()) <= 2000);
}

TEST_CASE("the alertmanager sink kind is registered and its configuration is checked", "[alertmanager]") {
  temp_dir dir;
  const auto spool = (dir.path() / "spool").string();
  const auto ok = YAML::Load("- {kind: alertmanager, url: 'http://127.0.0.1:1', spool: '" + spool +
                             "', resolve_after: 30m, timeout: 500ms, spool_max: 1MiB}");
  const auto sinks = dingwatch::build_sinks(ok, {});
  REQUIRE(sinks.size() == 1);
  CHECK(sinks[0]->name() == "alertmanager");

  const auto o = dingwatch::parse_alertmanager_options(
      YAML::Load("{kind: alertmanager, resolve_after: 30m, timeout: 500ms, spool_max: 1MiB}"));
  CHECK(o.resolve_after == 30min);
  CHECK(o.timeout == 500ms);
  CHECK(o.spool_max_bytes == 1u << 20);

  CHECK_THROWS_WITH(dingwatch::parse_alertmanager_options(YAML::Load("{kind: alertmanager, timout: 5s}")),
                    Catch::Contains("timout"));
  CHECK_THROWS_WITH(dingwatch::parse_alertmanager_options(YAML::Load("{kind: alertmanager, resolve_after: soon}")),
                    Catch::Contains("resolve_after"));
}

TEST_CASE("alerts Alertmanager refuses as invalid move to rejected.jsonl instead of blocking the spool",
          "[alertmanager]") {
  alertmanager_server am;
  temp_dir dir;
  auto o = options(am.url(), dir.path() / "spool");
  o.generator_url = "::: not a uri {alert_id}";  // Alertmanager answers 422
  dingwatch::alertmanager_sink sink(o);
  REQUIRE(sink.write(std::vector{make_alert("bad-1"), make_alert("bad-2")}));
  CHECK(sink.spooled() == 0);
  std::ifstream rejected(dir.path() / "spool" / "rejected.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(rejected, line)) {
    ++lines;
    CHECK_THAT(line, Catch::Contains("\"alert_id\":\"bad-"));
  }
  CHECK(lines == 2);
}

TEST_CASE("an Alertmanager that accepts connections but never answers costs one timeout, not one per write",
          "[alertmanager]") {
  // A listening socket nobody accepts on: connections complete, requests go unanswered.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 64) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  temp_dir dir;
  auto o = options("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), dir.path() / "spool");
  o.timeout = 500ms;
  {
    dingwatch::alertmanager_sink sink(o);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 10; ++i) REQUIRE(sink.write(std::vector{make_alert("hang-" + std::to_string(i))}));
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    CHECK(sink.spooled() == 10);
  }
  ::close(fd);
}
