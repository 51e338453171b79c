#include "dingwatch/detectors/rules/tooling.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <deque>

#include "dingwatch/core/record.hpp"
#include "dingwatch/core/time.hpp"
#include "dingwatch/detectors/jurisdiction.hpp"
#include "dingwatch/detectors/rules/engine.hpp"
#include "dingwatch/detectors/rules/parser.hpp"
#include "dingwatch/ingest/dingtalk_decoder.hpp"

#ifndef DINGWATCH_RULES_SOURCE_DIR
#define DINGWATCH_RULES_SOURCE_DIR "rules"
#endif

namespace dingwatch::rules {

namespace fs = std::filesystem;

fs::path default_rules_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "dingwatch" / "rules";
    if (fs::is_directory(installed, ec)) return installed;
  }
  return fs::path(DINGWATCH_RULES_SOURCE_DIR);
}

namespace {

std::vector<std::string> or_default(const std::vector<std::string>& paths) {
  if (!paths.empty()) return paths;
  return {default_rules_dir().string()};
}

class collector final : public alert_emitter {
 public:
  void emit(alert&& a) override { alerts.push_back(std::move(a)); }
  std::vector<alert> alerts;
};

/// Builds the events of one test: field maps directly, raw JSON through the decoder.
class test_feed {
 public:
  std::vector<normalized_event> build(const rule_test& t, std::string& error) {
    std::vector<normalized_event> out;
    std::int64_t next_ts = 0;
    parse_macau_default(next_ts);
    for (const auto& te : t.events) {
      if (!te.json.empty()) {
        batch_.add("test", guess_topic(te.json), 0, offset_, {}, te.json, next_ts);
        const raw_record& rec = batch_.records().back();
        std::vector<normalized_event> decoded;
        if (const auto why = decoder_.decode(rec, batch_.arena(), decoded)) {
          error = fmt::format("line {}: the raw event does not decode: {}", te.where.line,
                              to_string(*why));
          return {};
        }
        for (auto& e : decoded) {
          e.ref = rec.ref;
          e.ingest_ms = e.ts_ms;
          if (e.ts_ms != k_absent) next_ts = e.ts_ms + 1000;
          out.push_back(e);
        }
        ++offset_;
        continue;
      }
      normalized_event base;
      bool has_ts = false;
      for (const auto& [f, v] : te.fields) {
        strings_.push_back(v);
        set_field(base, f, strings_.back());
        has_ts |= f == field_id::timestamp;
      }
      if (!has_ts) base.ts_ms = next_ts;
      for (int i = 0; i < te.repeat; ++i) {
        normalized_event e = base;
        e.ts_ms = base.ts_ms + i * te.every_ms;
        e.ingest_ms = e.ts_ms;
        e.ref = {e.ref.topic, 0, offset_++};
        out.push_back(e);
        next_ts = e.ts_ms + 1000;
      }
    }
    return out;
  }

 private:
  static void parse_macau_default(std::int64_t& ts) {
    static constexpr std::string_view k_base = "2026-11-25 10:00:00";
    parse_macau_local(k_base.data(), k_base.size(), ts);
  }

  dingtalk_decoder decoder_;
  record_batch batch_;
  std::deque<std::string> strings_;
  std::int64_t offset_ = 0;
};

std::string alert_field(const alert& a, std::string_view key) {
  if (key == "rule.id") return a.rule_id;
  if (key == "user.id") return a.user_id;
  if (key == "user.name") return a.user_name;
  if (key == "corp.id") return a.corp_id;
  if (key == "source.ip") return a.source_ip;
  if (key == "destination.domain") return a.destination_domain;
  if (key == "destination.ip") return a.destination_ip;
  if (key == "source.country") return a.source_country;
  if (key == "destination.country") return a.destination_country;
  if (key == "count") return std::to_string(a.count);
  if (key == "suppressed") return std::to_string(a.suppressed);
  if (key == "message") return a.message;
  if (key == "severity") return std::string(to_string(a.severity));
  if (key == "family") return std::string(to_string(a.family));
  if (key.starts_with("evidence.")) {
    const auto name = key.substr(9);
    for (const auto& [k, v] : a.evidence)
      if (k == name) return v;
  }
  return {};
}

/// Runs one test; empty string on pass, else why it failed.
std::string run_test(const std::shared_ptr<const rule_set>& set, std::size_t rule,
                     const rule_test& t) {
  std::string error;
  test_feed feed;
  auto events = feed.build(t, error);
  if (!error.empty()) return error;
  // Test events see the shipped jurisdiction table, as the pipeline's enrichment step
  // would show them; countries a test sets itself are kept.
  try {
    static const auto jurisdictions = jurisdiction_resolver::load(jurisdiction_sources::defaults());
    for (auto& e : events) enrich_jurisdictions(*jurisdictions, e);
  } catch (const std::exception& e) {
    return e.what();
  }
  rule_engine engine(set, rule);
  collector out;
  for (const auto& e : events) engine.on_event(e, out);
  const auto& got = out.alerts;
  if (t.expect_count) {
    if (static_cast<int>(got.size()) != *t.expect_count)
      return fmt::format("expected {} alert(s), got {}", *t.expect_count, got.size());
    return {};
  }
  if (got.size() != t.expect_alerts.size())
    return fmt::format("expected {} alert(s), got {}", t.expect_alerts.size(), got.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    for (const auto& [k, v] : t.expect_alerts[i]) {
      const std::string actual = alert_field(got[i], k);
      if (actual != v)
        return fmt::format("alert {}: {} is '{}', expected '{}'", i + 1, k, actual, v);
    }
  return {};
}

}  // namespace

int rules_check(const std::vector<std::string>& paths, std::string_view format, std::FILE* out) {
  if (format != "text" && format != "json") {
    fmt::print(out, "rules check: unknown format '{}' (text or json)\n", format);
    return 2;
  }
  const load_result r = load_rules(or_default(paths));
  const auto& list = r.problems.list();
  if (format == "json") {
    fmt::print(out, "{}\n", format_json(list));
  } else {
    fmt::print(out, "{}", format_text(list));
    if (r.ok())
      fmt::print(out, "{} rule(s) in {} file(s): ok ({} warning(s))\n", r.rules->rules.size(),
                 r.files, r.problems.warning_count());
    else
      fmt::print(out, "{} error(s), {} warning(s)\n", r.problems.error_count(),
                 r.problems.warning_count());
  }
  return r.ok() ? 0 : 1;
}

int rules_test(const std::vector<std::string>& paths, std::FILE* out) {
  const load_result r = load_rules(or_default(paths));
  if (!r.ok()) {
    fmt::print(out, "{}{} error(s): rules do not load, no test run\n", format_text(r.problems.list()),
               r.problems.error_count());
    return 1;
  }
  const auto& set = r.rules;
  std::size_t width = 4;
  for (const auto& rule : set->rules) width = std::max(width, rule.id.size());
  fmt::print(out, "{:<{}}  {:<4}  {:<6}  {}\n", "RULE", width, "TEST", "RESULT", "NAME");
  int passed = 0, failed = 0, untested = 0;
  for (std::size_t i = 0; i < set->rules.size(); ++i) {
    const auto& rule = set->rules[i];
    if (rule.tests.empty()) {
      fmt::print(out, "{:<{}}  {:<4}  {:<6}  {}\n", rule.id, width, "-", "none", "(no tests)");
      ++untested;
      continue;
    }
    for (std::size_t t = 0; t < rule.tests.size(); ++t) {
      const auto& test = rule.tests[t];
      const std::string why = run_test(set, i, test);
      fmt::print(out, "{:<{}}  {:<4}  {:<6}  {}\n", rule.id, width, t + 1, why.empty() ? "pass" : "FAIL",
                 test.name.empty() ? fmt::format("{}:{}", test.where.file, test.where.line) : test.name);
      if (why.empty()) {
        ++passed;
      } else {
        ++failed;
        fmt::print(out, "    {}:{}: {}\n", test.where.file, test.where.line, why);
      }
    }
  }
  fmt::print(out, "{} passed, {} failed, {} rule(s) without tests\n", passed, failed, untested);
  return failed == 0 ? 0 : 1;
}

}  // namespace dingwatch::rules
