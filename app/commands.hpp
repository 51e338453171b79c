#pragma once
/// The subcommands of the `dingwatch` binary. Each returns the process exit code.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "shutdown.hpp"

namespace dingwatch {

/// Options shared by every command that generates traffic (`gen`, `demo`).
struct traffic_args {
  std::uint64_t seed = 1;
  int users = 200;
  double incident_rate = 0.02;
  double bad_rate = 0;       ///< fraction of records replaced by hostile ones (DLQ path)
  std::uint64_t events = 0;  ///< 0: rate × duration
  double rate = 0;           ///< records per second; 0 = as fast as possible
  double duration = 0;       ///< seconds; 0 with events = 0 means until stopped
  std::string labels;        ///< ground-truth file for injected incidents
};

struct broker_args {
  int partitions = 4;
  std::vector<std::string> topics;
};

struct gen_args {
  traffic_args traffic;
  std::string brokers;
  std::string out_dir;
};

struct run_args {
  config cfg;
  std::optional<double> until_idle;  ///< seconds without records before exiting
  bool watch_rules = false;           ///< --watch: reload the rules when a rule file changes
};

struct demo_args {
  config cfg;
  traffic_args traffic;
  int partitions = 4;
  bool watch_rules = false;  ///< --watch: reload the rules when a rule file changes
};

struct rules_args {
  std::vector<std::string> paths;  ///< empty: the default rule pack
  std::string format = "text";
};

struct replay_args {
  config cfg;
  std::vector<std::string> files;
  std::optional<std::string> topic;
};

struct eval_args {
  config cfg;
  traffic_args traffic;
  int days = 7;
  int warmup_days = 30;  ///< simulated days before `start` that are run but not scored
  std::string start = "2026-11-02";  ///< Macau date of the first simulated day (a Monday)
  /// Widen incidents by this much when matching alerts: labels carry the time a record was
  /// delivered, alerts the event time inside it, which can be earlier.
  std::int64_t slack_ms = 60'000;
  std::string format = "text";
  double fail_under = 0;  ///< exit 1 when a family's precision or recall is below this
  bool explain = false;   ///< list false alerts and missed incidents
};

/// `dingwatch report`: the weekly anomaly summary (app/cmd_report.cpp).
struct report_args {
  std::string store;
  std::string from, to;  ///< Macau dates, both included; empty: the last 7 full days
  std::string lang = "zh-Hant";
  std::string format = "html";
  std::string out;  ///< file or directory; empty: a dated name in the working directory; "-": stdout
};

/// `dingwatch bench`: issue #9's figures in one table (app/cmd_bench.cpp).
struct bench_args {
  std::vector<std::string> figures;  ///< one-core, kafka, scaling, latency, memory, allocations; empty: all
  bool quick = false;                ///< ~1-minute smoke run: fewer passes, smaller sizes
  double duration = 0;               ///< seconds of the steady run; 0: 60 (quick: 10)
  double rate = 100'000;             ///< records per second of the steady run
  std::size_t users = 0;             ///< users of the state-per-user figure; 0: 1,000,000 (quick: 100,000)
  std::string format = "text";       ///< text (a Markdown table) or json
};

int cmd_bench(const bench_args& args, const std::string& command_line, shutdown_signal& shutdown);
int cmd_report(const report_args& args);
int cmd_broker(const broker_args& args, shutdown_signal& shutdown);
int cmd_gen(const gen_args& args, shutdown_signal& shutdown);
int cmd_run(const run_args& args, shutdown_signal& shutdown);
int cmd_demo(const demo_args& args, shutdown_signal& shutdown);
int cmd_replay(const replay_args& args, shutdown_signal& shutdown);
int cmd_eval(const eval_args& args, shutdown_signal& shutdown);
int cmd_rules_check(const rules_args& args);
int cmd_rules_test(const rules_args& args);

}  // namespace dingwatch
