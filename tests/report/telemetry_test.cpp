// What run/demo/replay record for the report (pipeline minutes, rule versions), and the
// `dingwatch report` command end to end.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "dingwatch/detectors/rules/tooling.hpp"
#include "dingwatch/report/telemetry.hpp"
#include "report_fixture.hpp"
#include "support/process.hpp"

using namespace dingwatch;
using dingwatch::test::macau;
namespace fs = std::filesystem;

TEST_CASE("the pipeline recorder writes one row of counter deltas per finished minute") {
  const auto dir = test::fresh_dir("recorder");
  {
    alert_store store(dir / "a.db");
    const std::int64_t t0 = macau("2026-11-16 10:00:20");
    report::pipeline_recorder rec(store, "run", t0);
    report::pipeline_counters c;
    c.records_read = 100;
    rec.tick(c, t0 + 10'000);  // same minute: nothing yet
    c.records_read = 250;
    c.rejected = 2;
    c.rejected_by_reason[static_cast<std::size_t>(reject_reason::empty)] = 2;
    rec.tick(c, t0 + 45'000);  // 10:01:05: the 10:00 minute is done
    c.records_read = 300;
    rec.flush(c, t0 + 50'000);  // the unfinished 10:01 minute at shutdown
  }
  const alert_store store(dir / "a.db", alert_store::mode::read_only);
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string>> rows;
  store.select("SELECT minute_ms, records_read, rejected, rejected_by_reason FROM pipeline_minutes ORDER BY 1", {},
               [&](const row_view& r) {
                 rows.emplace_back(r.integer(0), r.integer(1), r.integer(2), std::string(r.text(3)));
               });
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == std::tuple{macau("2026-11-16 10:00:00"), 250, 2, std::string("{\"empty\":2}")});
  CHECK(rows[1] == std::tuple{macau("2026-11-16 10:01:00"), 50, 0, std::string("{}")});
  fs::remove_all(dir);
}

TEST_CASE("rule versions hash each rule's content: an edit is a new version, a comment is not") {
  const auto dir = test::fresh_dir("rulehash");
  const auto write = [&](const std::string& body) { std::ofstream(dir / "r.yaml") << body; };
  write("rules:\n  - id: X-1\n    name: one\n    version: 3\n    severity: low\n  - {id: X-2, name: two}\n");
  const auto a = report::scan_rule_versions({dir.string()});
  REQUIRE(a.size() == 2);
  CHECK(a[0].id == "X-1");
  CHECK(a[0].version == 3);
  CHECK(a[1].version == 1);
  write("# a comment\nrules:\n  - id: X-1\n    name: one\n    version: 3\n    severity: low  # why\n  - {id: X-2, name: two}\n");
  CHECK(report::scan_rule_versions({dir.string()})[0].hash == a[0].hash);
  write("rules:\n  - id: X-1\n    name: one\n    version: 3\n    severity: high\n  - {id: X-2, name: two}\n");
  const auto b = report::scan_rule_versions({dir.string()});
  CHECK(b[0].hash != a[0].hash);
  CHECK(b[1].hash == a[1].hash);
  CHECK(report::scan_rule_versions({rules::default_rules_dir().string()}).size() >= 10);  // the shipped pack
  fs::remove_all(dir);
}

TEST_CASE("replay with a store records the rules it loaded and its pipeline minute") {
  const auto dir = test::fresh_dir("replay");
  const auto [code, out] = test::run_to_end({DINGWATCH_BINARY, "replay", std::string(DINGWATCH_SAMPLES_DIR) + "/audit.jsonl",
                                             "--store", (dir / "a.db").string(), "--alerts", (dir / "alerts.jsonl").string()});
  REQUIRE(code == 0);
  const alert_store store(dir / "a.db", alert_store::mode::read_only);
  std::int64_t rules = 0, read = 0;
  std::string command;
  store.select("SELECT COUNT(*) FROM rule_versions", {}, [&](const row_view& r) { rules = r.integer(0); });
  store.select("SELECT SUM(records_read), MAX(command) FROM pipeline_minutes", {}, [&](const row_view& r) {
    read = r.integer(0);
    command = r.text(1);
  });
  CHECK(rules >= 10);
  CHECK(read == 4);
  CHECK(command == "replay");
  fs::remove_all(dir);
}

TEST_CASE("dingwatch report writes the file it prints, and names the option at fault otherwise") {
  const auto dir = test::fresh_dir("cli");
  test::write_fixture(dir / "a.db");
  const auto db = (dir / "a.db").string();
  {
    const auto [code, out] = test::run_to_end({DINGWATCH_BINARY, "report", "--store", db, "--from", "2026-11-16", "--to",
                                               "2026-11-22", "--lang", "pt", "--out", dir.string()});
    REQUIRE(code == 0);
    const fs::path printed = out.substr(0, out.find('\n'));
    CHECK(printed == dir / "dingwatch-report-2026-11-16_2026-11-22.html");
    std::ifstream in(printed);
    std::stringstream html;
    html << in.rdbuf();
    CHECK(html.str().find("<html lang=\"pt\">") != std::string::npos);
  }
  {
    const auto [code, out] = test::run_to_end({DINGWATCH_BINARY, "report", "--store", db, "--from", "2026-10-05",
                                               "--format", "json", "--out", "-"});
    CHECK(code == 0);
    CHECK(out.find("\"empty\": true") != std::string::npos);
  }
  const auto err = dir / "stderr";
  const auto stderr_text = [&] {
    std::ifstream in(err);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  CHECK(test::run_to_end({DINGWATCH_BINARY, "report", "--store", (dir / "nope.db").string()}, err.string()).first == 2);
  CHECK(stderr_text().find("nope.db: no such alert store") != std::string::npos);
  CHECK(test::run_to_end({DINGWATCH_BINARY, "report", "--store", db, "--lang", "fr"}, err.string()).first == 2);
  CHECK(stderr_text().find("--lang 'fr'") != std::string::npos);
  CHECK(test::run_to_end({DINGWATCH_BINARY, "report", "--store", db, "--from", "2026-13-01"}, err.string()).first == 2);
  CHECK(stderr_text().find("--from '2026-13-01'") != std::string::npos);
  fs::remove_all(dir);
}
