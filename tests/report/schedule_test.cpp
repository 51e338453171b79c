// The scheduled report: the pure next-fire-time function, the `report:` configuration,
// the output directory confinement and retention.

#include <catch2/catch.hpp>

#include <fstream>

#include "config.hpp"
#include "report_fixture.hpp"
#include "report_schedule.hpp"
#include "dingwatch/report/writer.hpp"

using namespace dingwatch;
using dingwatch::test::macau;
namespace fs = std::filesystem;

TEST_CASE("the next fire time is the coming weekday and time in Macau, never now") {
  const weekly_time monday_8{1, 8, 0};
  // 2026-11-23 is a Monday.
  CHECK(next_fire(macau("2026-11-23 07:59:59"), monday_8) == macau("2026-11-23 08:00:00"));
  CHECK(next_fire(macau("2026-11-23 08:00:00"), monday_8) == macau("2026-11-30 08:00:00"));
  CHECK(next_fire(macau("2026-11-23 08:00:01"), monday_8) == macau("2026-11-30 08:00:00"));
  CHECK(next_fire(macau("2026-11-25 12:00:00"), monday_8) == macau("2026-11-30 08:00:00"));
  CHECK(next_fire(macau("2026-11-29 23:59:00"), monday_8) == macau("2026-11-30 08:00:00"));
  // Macau's Sunday 07:00 is Saturday 23:00 UTC: the weekday is Macau's.
  CHECK(next_fire(macau("2026-11-28 12:00:00"), {0, 7, 0}) == macau("2026-11-29 07:00:00"));
  CHECK(next_fire(macau("2026-12-31 23:30:00"), {5, 0, 15}) == macau("2027-01-01 00:15:00"));  // across a year
}

TEST_CASE("weekday names and clock times parse strictly") {
  CHECK(parse_weekday("monday") == 1);
  CHECK(parse_weekday("Sunday") == 0);
  CHECK(parse_weekday("SAT") == 6);
  CHECK_FALSE(parse_weekday("mo"));
  CHECK_FALSE(parse_weekday("funday"));
  CHECK(parse_clock("08:00") == std::pair{8, 0});
  CHECK(parse_clock("23:59") == std::pair{23, 59});
  CHECK_FALSE(parse_clock("24:00"));
  CHECK_FALSE(parse_clock("8:00"));
  CHECK_FALSE(parse_clock("08:60"));
}

TEST_CASE("the report section of the configuration is read and every mistake named with its line") {
  const auto dir = test::fresh_dir("config");
  std::ofstream(dir / "good.yaml") << "report:\n  weekday: friday\n  time: \"17:30\"\n  dir: /var/reports\n"
                                      "  retention: 4\n  lang: pt\n  format: md\n";
  const config c = load_config(dir / "good.yaml");
  CHECK(c.report.enabled);
  CHECK(c.report.weekday == 5);
  CHECK(c.report.hour == 17);
  CHECK(c.report.minute == 30);
  CHECK(c.report.dir == "/var/reports");
  CHECK(c.report.retention == 4);
  CHECK(c.report.lang == "pt");
  CHECK(c.report.format == "md");
  CHECK_FALSE(load_config(dir / "good.yaml").report.lang.empty());

  std::ofstream(dir / "bad.yaml") << "report:\n  weekday: someday\n  time: \"8am\"\n  retention: 0\n"
                                     "  lang: fr\n  format: pdf\n  colour: red\n";
  try {
    (void)load_config(dir / "bad.yaml");
    FAIL("the bad report section was accepted");
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("bad.yaml:2:12: report.weekday 'someday'") != std::string::npos);
    CHECK(msg.find("bad.yaml:3:9: report.time '8am'") != std::string::npos);
    CHECK(msg.find("bad.yaml:4:14: report.retention must be at least 1") != std::string::npos);
    CHECK(msg.find("report.lang 'fr'") != std::string::npos);
    CHECK(msg.find("report.format 'pdf'") != std::string::npos);
    CHECK(msg.find("unknown key 'colour' in report") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("a scheduled report lands in its directory under the period's name") {
  const auto dir = test::fresh_dir("scheduled");
  test::write_fixture(dir / "alerts.db");
  config::report_section s;
  s.dir = (dir / "reports").string();
  s.lang = "en";
  s.format = "md";
  const fs::path written = produce_scheduled_report(s, dir / "alerts.db", macau("2026-11-23 08:00:00"));
  CHECK(written.filename() == "dingwatch-report-2026-11-16_2026-11-22.md");
  CHECK(written.parent_path() == fs::canonical(dir / "reports"));
  std::ifstream in(written);
  std::string first;
  std::getline(in, first);
  CHECK(first == "# Weekly personal data protection anomaly summary");
  fs::remove_all(dir);
}

TEST_CASE("the report writer refuses paths outside its output directory") {
  const auto dir = test::fresh_dir("confined");
  const auto out = dir / "reports";
  CHECK_THROWS_WITH(report::write_confined(out, "../escape.html", "x"), Catch::Contains("not a plain file name"));
  CHECK_THROWS_WITH(report::write_confined(out, "/tmp/escape.html", "x"), Catch::Contains("not a plain file name"));
  CHECK_THROWS_WITH(report::write_confined(out, "..", "x"), Catch::Contains("not a plain file name"));
  fs::create_directories(out);
  fs::create_symlink(dir / "elsewhere.html", out / "planted.html");  // a link out of the directory
  CHECK_THROWS_WITH(report::write_confined(out, "planted.html", "x"), Catch::Contains("is a symbolic link"));
  CHECK_FALSE(fs::exists(dir / "elsewhere.html"));
  fs::create_symlink(dir / "elsewhere.html", out / "fine.html.tmp");  // nor is the temporary file followed
  report::write_confined(out, "fine.html", "<p>early</p>");
  CHECK_FALSE(fs::exists(dir / "elsewhere.html"));
  const auto ok = report::write_confined(out, "fine.html", "<p>ok</p>");
  CHECK(fs::file_size(ok) == 9);
  CHECK_FALSE(fs::exists(out / "fine.html.tmp"));
  fs::remove_all(dir);
}

TEST_CASE("retention keeps the newest reports and touches nothing else in the directory") {
  const auto dir = test::fresh_dir("retention");
  for (const char* name : {"dingwatch-report-2026-11-02_2026-11-08.html", "dingwatch-report-2026-11-09_2026-11-15.html",
                           "dingwatch-report-2026-11-16_2026-11-22.html", "dingwatch-report-2026-10-26_2026-11-01.md",
                           "notes.html", "dingwatch-report-keep.txt"})
    std::ofstream(dir / name) << "x";
  fs::create_symlink("/etc/hostname", dir / "dingwatch-report-2000-01-01_2000-01-07.html");
  const auto deleted = report::apply_retention(dir, 2);
  CHECK(deleted.size() == 2);
  CHECK(fs::exists(dir / "dingwatch-report-2026-11-16_2026-11-22.html"));
  CHECK(fs::exists(dir / "dingwatch-report-2026-11-09_2026-11-15.html"));
  CHECK_FALSE(fs::exists(dir / "dingwatch-report-2026-11-02_2026-11-08.html"));
  CHECK_FALSE(fs::exists(dir / "dingwatch-report-2026-10-26_2026-11-01.md"));
  CHECK(fs::exists(dir / "notes.html"));
  CHECK(fs::exists(dir / "dingwatch-report-keep.txt"));
  CHECK(fs::is_symlink(dir / "dingwatch-report-2000-01-01_2000-01-07.html"));
  fs::remove_all(dir);
}
