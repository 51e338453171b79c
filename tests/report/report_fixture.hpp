#pragma once
// A fixed alert store for the report tests and goldens: two weeks of hand-picked alerts
// (Mon 2026-11-16 – Sun 2026-11-22 and the week before, plus one alert on each side of
// them), pipeline minutes with one long outage, and two rule loads (one rule changed,
// one added, one removed). Every figure the tests check follows from this file.

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include "dingwatch/core/alert.hpp"
#include "dingwatch/core/mask.hpp"
#include "dingwatch/core/time.hpp"
#include "dingwatch/report/model.hpp"
#include "dingwatch/sinks/alert_store.hpp"

namespace dingwatch::test {

/// Epoch ms of a Macau local time "yyyy-MM-dd HH:mm:ss".
inline std::int64_t macau(const char* local) {
  std::int64_t ms = 0;
  if (!parse_macau_local(local, std::strlen(local), ms)) throw std::invalid_argument(local);
  return ms;
}

/// A fresh directory under /tmp, removed by the caller.
inline std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("dingwatch-report-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

struct alert_spec {
  const char* when;
  const char* rule;
  family fam;
  severity sev;
  const char* user_id;
  const char* user_name;  ///< unmasked; masked as the engine does before storing
  std::vector<std::string> pdpa;
  std::string message;
  std::vector<std::pair<std::string, std::string>> evidence = {};
  std::string destination = {};
};

inline alert make_alert(const alert_spec& s, int n) {
  alert a;
  a.timestamp_ms = a.first_ms = a.last_ms = macau(s.when);
  a.rule_id = s.rule;
  a.rule_name = std::string("Rule ") + s.rule;
  a.family = s.fam;
  a.severity = s.sev;
  a.pdpa_articles = s.pdpa;
  a.user_id = s.user_id;
  a.user_name = mask_name(s.user_name);
  a.corp_id = "corp1";
  a.message = s.message;
  a.evidence = s.evidence;
  a.destination_domain = s.destination;
  a.id = make_alert_id(s.rule, s.user_id, a.timestamp_ms + n);
  return a;
}

/// The week the tests report on, and "now" for them.
inline report::period fixture_week() { return {macau("2026-11-16 00:00:00"), macau("2026-11-23 00:00:00")}; }
inline std::int64_t fixture_now() { return macau("2026-11-23 08:00:00"); }

inline report::report_options fixture_options() {
  report::report_options o;
  o.span = fixture_week();
  o.generated_ms = fixture_now();
  return o;
}

inline std::vector<alert_spec> fixture_alerts() {
  using f = family;
  using s = severity;
  const std::vector<std::string> xb = {"19", "20"}, aa = {"5", "15", "16"}, ec7 = {"7"}, ec5 = {"5"};
  return {
      // the week before
      {"2026-11-08 23:59:59", "DW-AA-002", f::anomalous_access, s::medium, "u-wong", "黃大文", aa, "outside both weeks"},
      {"2026-11-10 11:00:00", "DW-XB-101", f::cross_border, s::high, "u-chan", "陳小明", xb,
       "100 personal-data records sent by file_upload (u-chan) to oss-cn-hangzhou.aliyuncs.com",
       {{"destination.domain", "oss-cn-hangzhou.aliyuncs.com"}, {"flow.app", "file_upload"}, {"flow.records", "100"}},
       "oss-cn-hangzhou.aliyuncs.com"},
      {"2026-11-12 09:00:00", "DW-AA-002", f::anomalous_access, s::medium, "u-wong", "黃大文", aa, "10 failed logins for u-wong"},
      {"2026-11-12 09:30:00", "DW-AA-002", f::anomalous_access, s::medium, "u-chan", "陳小明", aa, "10 failed logins for u-chan"},
      {"2026-11-14 16:00:00", "DW-EC-003", f::excessive_collection, s::medium, "u-wong", "黃大文", ec5,
       "Identity number in a file name"},
      // the week reported
      {"2026-11-16 10:00:00", "DW-XB-101", f::cross_border, s::high, "u-chan", "陳小明", xb,
       "1200 personal-data records sent by file_upload (u-chan) to oss-cn-hangzhou.aliyuncs.com",
       {{"destination.country", "CN"}, {"destination.domain", "oss-cn-hangzhou.aliyuncs.com"}, {"flow.app", "file_upload"},
        {"flow.bytes", "5000000"}, {"flow.records", "1200"}},
       "oss-cn-hangzhou.aliyuncs.com"},
      {"2026-11-17 14:30:00", "DW-XB-101", f::cross_border, s::high, "u-chan", "陳小明", xb,
       "35 personal-data records sent by robot_webhook (u-chan) to hooks.example-crm.cn",
       {{"destination.domain", "hooks.example-crm.cn"}, {"flow.app", "robot_webhook"}, {"flow.bytes", "18420"},
        {"flow.records", "35"}},
       "hooks.example-crm.cn"},
      {"2026-11-18 09:15:00", "DW-XB-001", f::cross_border, s::high, "u-lei", "Lei Ka Man", xb,
       "L** K* M** (u-lei) downloaded Proposta.pptx from 113.86.191.249, outside the Macau allow-list",
       {{"event.action", "download"}, {"source.country", "HK"}}},
      {"2026-11-18 23:40:00", "DW-AA-001", f::anomalous_access, s::critical, "u-lei", "Lei Ka Man", aa,
       "L** K* M** (u-lei) downloaded 30 files within 1h", {{"event.action", "export"}, {"file.name", "HR_<script>alert(1)</script>|x.xlsx"}}},
      {"2026-11-19 08:00:00", "DW-AA-002", f::anomalous_access, s::medium, "u-wong", "黃大文", aa, "10 failed logins for u-wong"},
      {"2026-11-19 08:05:00", "DW-AA-002", f::anomalous_access, s::medium, "u-chan", "陳小明", aa, "10 failed logins for u-chan"},
      {"2026-11-19 08:10:00", "DW-AA-002", f::anomalous_access, s::medium, "u-santos", "Ana Santos", aa,
       "10 failed logins for u-santos"},
      {"2026-11-20 12:00:00", "DW-EC-002", f::excessive_collection, s::medium, "u-wong", "黃大文", ec7,
       "Chat '員工<b>病歷</b>登記群' | <script>alert(1)</script> collects health data in a group",
       {{"chat.title", "員工<b>病歷</b>登記群"}}},
      {"2026-11-21 10:00:00", "DW-EC-003", f::excessive_collection, s::medium, "u-wong", "黃大文", ec5,
       "Identity number in a file name"},
      {"2026-11-21 11:00:00", "DW-EC-003", f::excessive_collection, s::medium, "u-santos", "Ana Santos", ec5,
       "Identity number in a file name"},
      {"2026-11-22 23:59:59", "DW-AA-013", f::anomalous_access, s::low, "u-santos", "Ana Santos", aa,
       "Sign-in from an address never seen for u-santos"},
      // the week after
      {"2026-11-23 00:00:00", "DW-AA-002", f::anomalous_access, s::medium, "u-wong", "黃大文", aa, "outside both weeks"},
  };
}

/// Writes the fixture into a new store at `path`.
inline void write_fixture(const std::filesystem::path& path) {
  alert_store store(path);
  std::vector<alert> alerts;
  int n = 0;
  for (const auto& s : fixture_alerts()) alerts.push_back(make_alert(s, n++));
  if (!store.write(alerts)) throw std::runtime_error("fixture: write failed");
  // Pipeline: up 00:00–00:10 on Monday and 23:50–24:00 on Sunday, down in between.
  for (const std::int64_t start : {macau("2026-11-16 00:00:00"), macau("2026-11-22 23:50:00")})
    for (int i = 0; i < 10; ++i) {
      pipeline_minute m;
      m.minute_ms = start + i * 60'000;
      m.process = "host:1";
      m.command = "run";
      m.records_read = m.records_decoded = 1000;
      m.events = 1010;
      m.alerts = 1;
      if (i == 0) {
        m.rejected = 4;
        m.rejected_by_reason[static_cast<std::size_t>(reject_reason::malformed_json)] = 3;
        m.rejected_by_reason[static_cast<std::size_t>(reject_reason::too_deep)] = 1;
      }
      store.write_pipeline_minute(m);
    }
  // Rule loads: DW-XB-101 edited (v1 → v2), DW-NEW-1 added and DW-OLD-1 removed on Wednesday.
  const std::vector<rule_version> before = {{"DW-AA-001", "Bulk download", 1, "h1"},
                                            {"DW-XB-101", "Records to mainland hosts", 1, "h2"},
                                            {"DW-OLD-1", "Retired rule", 1, "h3"}};
  const std::vector<rule_version> after = {{"DW-AA-001", "Bulk download", 1, "h1"},
                                           {"DW-XB-101", "Records to mainland hosts", 2, "h4"},
                                           {"DW-NEW-1", "New rule", 1, "h5"}};
  store.record_rule_versions(before, macau("2026-11-01 09:00:00"));
  store.record_rule_versions(after, macau("2026-11-18 10:00:00"));
}

}  // namespace dingwatch::test
