#include "report_runtime.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "dingwatch/detectors/rules/tooling.hpp"

namespace dingwatch {

namespace {

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_kind(const YAML::Node& entry, const char* kind) {
  return entry.IsMap() && entry["kind"] && entry["kind"].IsScalar() && entry["kind"].Scalar() == kind;
}

}  // namespace

std::string configured_store(const config& cfg) {
  if (!cfg.store_file.empty()) return cfg.store_file;
  if (cfg.sinks.IsSequence())
    for (const auto& s : cfg.sinks)
      if (is_kind(s, "store") && s["path"] && s["path"].IsScalar()) return s["path"].Scalar();
  return {};
}

std::vector<std::string> configured_rule_paths(const config& cfg) {
  if (!cfg.rules.empty()) return cfg.rules;
  std::vector<std::string> out;
  const bool configured = cfg.detectors.IsSequence();
  if (configured)
    for (const auto& d : cfg.detectors)
      if (is_kind(d, "rules")) {
        if (d["paths"] && d["paths"].IsSequence())
          for (const auto& p : d["paths"]) out.push_back(p.as<std::string>());
        else
          out.push_back(rules::default_rules_dir().string());
      }
  if (!configured) out.push_back(rules::default_rules_dir().string());
  return out;
}

report_runtime::report_runtime(const config& cfg, std::string command, bool schedule) {
  const std::string path = configured_store(cfg);
  if (schedule && cfg.report.enabled) {
    if (path.empty())
      spdlog::warn("report: no weekly report, it is built from the alert store; set outputs.store (or --store FILE)");
    else
      scheduler_ = std::make_unique<report_scheduler>(cfg.report, path);
  }
  if (path.empty()) return;
  store_ = std::make_unique<alert_store>(path);
  const auto now = wall_clock_ms();
  const auto versions = report::scan_rule_versions(configured_rule_paths(cfg));
  if (!store_->record_rule_versions(versions, now)) spdlog::warn("alert store {}: rule versions not recorded", path);
  recorder_.emplace(*store_, std::move(command), now);
}

report_runtime::~report_runtime() = default;

void report_runtime::tick(const pipeline_stats& s) {
  if (recorder_) recorder_->tick(report::pipeline_counters::of(s), wall_clock_ms());
}

void report_runtime::finish(const run_summary& s) {
  if (recorder_) recorder_->flush(report::pipeline_counters::of(s), wall_clock_ms());
}

}  // namespace dingwatch
