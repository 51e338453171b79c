#pragma once
/// The weekly report's part in `run`, `demo` and `replay`: when an alert store is
/// configured, record the rules loaded at startup and one row of pipeline counters per
/// minute into it; in `run`, also start the scheduled report when `report:` is set.
/// Commands add three calls: construct, `tick` from the status loop, `finish` at the end.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "dingwatch/core/pipeline.hpp"
#include "dingwatch/report/telemetry.hpp"
#include "report_schedule.hpp"

namespace dingwatch {

/// The alert store file a configuration writes to: `outputs.store` / `--store`, else the
/// first `sinks:` entry of kind store; empty when none.
std::string configured_store(const config& cfg);

/// The rule files and directories a configuration loads: `--rules`, else the `paths` of
/// `detectors:` entries of kind rules, else the default pack.
std::vector<std::string> configured_rule_paths(const config& cfg);

class report_runtime {
 public:
  /// `schedule`: start the weekly report when `report:` is set (warns and skips it when
  /// no store is configured: the shipped example has `report:` but no store).
  report_runtime(const config& cfg, std::string command, bool schedule);
  ~report_runtime();

  /// From the status loop: writes a pipeline_minutes row when a minute has passed.
  void tick(const pipeline_stats& s);
  /// At the end of the run: writes the last, partial minute.
  void finish(const run_summary& s);

 private:
  std::unique_ptr<alert_store> store_;
  std::optional<report::pipeline_recorder> recorder_;
  std::unique_ptr<report_scheduler> scheduler_;
};

}  // namespace dingwatch
