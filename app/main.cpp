// dingwatch: PDPA (Macau Law 8/2005) monitoring of DingTalk event, audit and flow streams.
// This file only defines the command line and hands over to one command.

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

#include "assembly.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "verify.hpp"

using namespace dingwatch;

namespace {

/// Flags shared by `run`, `demo` and `replay` that override the config file.
struct overrides {
  std::string config_file;
  std::string brokers, group, metrics, alerts, dlq, log_level, evidence, store, alertmanager;
  std::string jurisdictions, geoip;
  std::vector<std::string> properties;
  std::vector<std::string> rules;
  std::size_t threads = 0;
  bool no_metrics = false;

  void add_to(CLI::App* cmd, bool kafka, bool metrics_flag) {
    cmd->add_option("-c,--config", config_file, "YAML configuration file (see config/dingwatch.example.yaml)")
        ->check(CLI::ExistingFile);
    if (kafka) {
      cmd->add_option("--brokers", brokers, "Kafka bootstrap servers, HOST:PORT[,HOST:PORT…]");
      cmd->add_option("--group", group, "Kafka consumer group (default: dingwatch)");
      cmd->add_option("-X,--property", properties, "librdkafka property KEY=VALUE (repeatable), e.g. -X security.protocol=SSL")
          ->check([](const std::string& kv) {
            return kv.find('=') == std::string::npos || kv.front() == '=' ? "expected KEY=VALUE, got '" + kv + "'"
                                                                            : std::string();
          });
    }
    cmd->add_option("--threads", threads, "detection shards (default: one per core)");
    cmd->add_option("--rules", rules, "rule files or directories to load instead of the default pack");
    if (metrics_flag) {
      cmd->add_option("--metrics", metrics, "serve Prometheus metrics on ADDR:PORT (default: 127.0.0.1:9464)");
      cmd->add_flag("--no-metrics", no_metrics, "do not serve metrics");
    }
    cmd->add_option("--alerts", alerts, "also append alerts as JSON lines to FILE");
    cmd->add_option("--evidence", evidence, "keep a hash-chained evidence log of alerts in DIR (check with `dingwatch verify`)");
    cmd->add_option("--store", store, "record alerts in the SQLite alert store FILE (for reports)");
    cmd->add_option("--alertmanager", alertmanager, "send alerts to Alertmanager at URL (spooled to disk while it is down)");
    cmd->add_option("--jurisdictions", jurisdictions, "jurisdiction table FILE (CIDR/host → country) instead of the shipped rules/jurisdictions.csv")
        ->check(CLI::ExistingFile);
    cmd->add_option("--geoip", geoip, "MaxMind DB FILE (.mmdb) for addresses the jurisdiction table does not list")
        ->check(CLI::ExistingFile);
    cmd->add_option("--log-level", log_level, "trace, debug, info, warn or error (default: info)");
  }

  config apply() const {
    config c = config_file.empty() ? config{} : load_config(config_file);
    if (!brokers.empty()) c.kafka.brokers = brokers;
    if (!group.empty()) c.kafka.group = group;
    for (const auto& kv : properties) {
      const auto eq = kv.find('=');
      c.kafka.properties[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (threads > 0) c.pipeline.threads = threads;
    if (!metrics.empty()) c.metrics_listen = metrics;
    if (no_metrics) c.metrics_listen.clear();
    if (!alerts.empty()) c.alerts_file = alerts;
    if (!dlq.empty()) c.dlq_file = dlq;
    if (!evidence.empty()) c.evidence_dir = evidence;
    if (!store.empty()) c.store_file = store;
    if (!alertmanager.empty()) c.alertmanager_url = alertmanager;
    if (!log_level.empty()) c.log_level = log_level;
    if (!rules.empty()) c.rules = rules;
    if (!jurisdictions.empty()) c.jurisdictions.table = jurisdictions;
    if (!geoip.empty()) c.jurisdictions.geoip = geoip;
    return c;
  }
};

void add_traffic_options(CLI::App* cmd, traffic_args& t) {
  cmd->add_option("--seed", t.seed, "random seed: same seed, same traffic and labels")->capture_default_str();
  cmd->add_option("--users", t.users, "company size")->capture_default_str()->check(CLI::Range(1, 10'000'000));
  cmd->add_option("--incident-rate", t.incident_rate, "probability that a user-day carries an injected incident")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--bad-rate", t.bad_rate, "fraction of records replaced by hostile ones (tests the DLQ)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--labels", t.labels, "write the injected incidents' ground truth (JSONL) to FILE");
}

}  // namespace

int main(int argc, char** argv) {
  shutdown_signal shutdown;  // before any thread starts

  CLI::App app{"dingwatch — real-time PDPA (Macau Law 8/2005) monitoring of DingTalk streams.\n"
               "Reads DingTalk event, audit and egress-flow records from Kafka, detects excessive\n"
               "collection, anomalous access and cross-border routing, and emits alerts and metrics."};
  app.set_version_flag("--version", std::string("dingwatch ") + DINGWATCH_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  // demo
  demo_args demo;
  demo.traffic.rate = 2000;
  demo.traffic.duration = 30;
  demo.traffic.bad_rate = 0.0005;
  overrides demo_o;
  auto* demo_cmd = app.add_subcommand("demo", "embedded Kafka + generator + pipeline + metrics: the whole thing, locally");
  demo_o.add_to(demo_cmd, false, true);
  add_traffic_options(demo_cmd, demo.traffic);
  demo_cmd->add_option("--rate", demo.traffic.rate, "records per second")->capture_default_str();
  demo_cmd->add_option("--duration", demo.traffic.duration, "seconds of traffic (0 = until Ctrl-C)")->capture_default_str();
  demo_cmd->add_option("--partitions", demo.partitions, "partitions per topic on the embedded broker")->capture_default_str();
  demo_cmd->add_flag("--watch", demo.watch_rules, "reload the rules when a rule file changes (SIGHUP always reloads)");

  // run
  run_args run;
  overrides run_o;
  double until_idle = 0;
  auto* run_cmd = app.add_subcommand("run", "consume DingTalk topics from a Kafka cluster (production)");
  run_o.add_to(run_cmd, true, true);
  run_cmd->add_option("--until-idle", until_idle, "commit and exit once no record arrived for SECONDS");
  run_cmd->add_flag("--watch", run.watch_rules, "reload the rules when a rule file changes (SIGHUP always reloads)");
  std::string checkpoint_dir;
  double checkpoint_interval = 0;
  run_cmd->add_option("--checkpoint-dir", checkpoint_dir,
                      "keep checkpoints of detector state in DIR: after a crash, restart where the last one left off");
  run_cmd->add_option("--checkpoint-interval", checkpoint_interval, "seconds between checkpoints (default: 30)")
      ->check(CLI::Range(0.001, 86400.0));

  // broker
  broker_args broker;
  std::string topics;
  auto* broker_cmd = app.add_subcommand("broker", "start an embedded Kafka broker (librdkafka mock cluster) and print its address");
  broker_cmd->add_option("--partitions", broker.partitions, "partitions per topic")->capture_default_str();
  broker_cmd->add_option("--topics", topics, "comma-separated topics to create (default: the dingtalk.* and dingwatch.* topics)");

  // gen
  gen_args gen;
  auto* gen_cmd = app.add_subcommand("gen", "generate realistic DingTalk traffic with labelled incidents");
  add_traffic_options(gen_cmd, gen.traffic);
  gen_cmd->add_option("--events", gen.traffic.events, "number of records");
  gen_cmd->add_option("--rate", gen.traffic.rate, "records per second (default: as fast as possible)");
  gen_cmd->add_option("--duration", gen.traffic.duration, "seconds (with --rate)");
  auto* gen_brokers = gen_cmd->add_option("--brokers", gen.brokers, "produce to this Kafka cluster, keyed by corp:user");
  auto* gen_out = gen_cmd->add_option("--out", gen.out_dir, "write one JSONL file per topic into DIR");
  gen_brokers->excludes(gen_out);

  // replay
  replay_args replay;
  overrides replay_o;
  std::string replay_topic;
  auto* replay_cmd = app.add_subcommand("replay", "run decoders and detectors over JSONL files, offline");
  replay_o.add_to(replay_cmd, false, false);
  replay_cmd->add_option("files", replay.files, "JSONL files ('-' for stdin)")->required();
  replay_cmd->add_option("--dlq", replay_o.dlq, "write dead letters to FILE (default: stderr)");
  replay_cmd->add_option("--topic", replay_topic, "treat every record as from this topic (default: guess from its shape)");

  // eval
  eval_args eval;
  overrides eval_o;
  auto* eval_cmd = app.add_subcommand("eval", "score the detectors: labelled generated traffic → precision, recall and F1 per family and rule");
  eval_o.add_to(eval_cmd, false, false);
  eval_cmd->add_option("--seed", eval.traffic.seed, "random seed of the generated company and traffic")->capture_default_str();
  eval_cmd->add_option("--users", eval.traffic.users, "company size")->capture_default_str()->check(CLI::Range(1, 1'000'000));
  eval_cmd->add_option("--days", eval.days, "simulated days")->capture_default_str()->check(CLI::Range(1, 3650));
  eval_cmd->add_option("--warmup", eval.warmup_days, "simulated days before --start that run (baselines learn) but are not scored")
      ->capture_default_str()->check(CLI::Range(0, 3650));
  eval_cmd->add_option("--start", eval.start, "first simulated day, Macau date yyyy-MM-dd")->capture_default_str();
  eval_cmd->add_option("--incident-rate", eval.traffic.incident_rate, "probability that a user-day carries an injected incident (0 = benign only)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  eval_cmd->add_option("--slack", eval.slack_ms, "widen each incident by MS on both sides when matching alerts")->capture_default_str();
  eval_cmd->add_option("--format", eval.format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  eval_cmd->add_option("--fail-under", eval.fail_under, "exit 1 when a family's precision or recall is below this (0–1)")
      ->check(CLI::Range(0.0, 1.0));
  eval_cmd->add_flag("--explain", eval.explain, "list every missed incident and every false alert");

  // rules
  rules_args rules;
  auto* rules_cmd = app.add_subcommand("rules", "check and test detection rule files");
  rules_cmd->require_subcommand(1);
  auto* check_cmd = rules_cmd->add_subcommand("check", "report every problem in rule files (file:line:column, hint)");
  check_cmd->add_option("paths", rules.paths, "rule files or directories (default: the shipped rule pack)");
  check_cmd->add_option("--format", rules.format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  auto* test_cmd = rules_cmd->add_subcommand("test", "run every rule's embedded tests and print a pass/fail table");
  test_cmd->add_option("paths", rules.paths, "rule files or directories (default: the shipped rule pack)");

  // verify
  std::vector<std::string> verify_files;
  auto* verify_cmd = app.add_subcommand("verify", "check the evidence log's hash chain; names the first edited, removed or reordered line");
  verify_cmd->add_option("files", verify_files, "evidence files or directories")->required();

  // report
  report_args report;
  auto* report_cmd = app.add_subcommand(
      "report", "weekly anomaly summary from the alert store (HTML, Markdown or JSON), written to a file");
  report_cmd->add_option("--store", report.store, "the SQLite alert store written by run/demo/replay --store")->required();
  report_cmd->add_option("--from", report.from, "first day, Macau date yyyy-MM-dd (default: 7 full days before today)");
  report_cmd->add_option("--to", report.to, "last day, included, Macau date yyyy-MM-dd");
  report_cmd->add_option("--lang", report.lang, "zh-Hant, pt or en")->capture_default_str();
  report_cmd->add_option("--format", report.format, "html, md or json")->capture_default_str();
  report_cmd->add_option("--out", report.out, "file or directory to write (default: a dated name here; - for stdout)");

  // bench
  bench_args bench;
  auto* bench_cmd = app.add_subcommand(
      "bench",
      "measure issue #9's performance figures (one core, Kafka, shard scaling, latency, memory, allocations) and "
      "print one table; takes ~2 minutes on an idle 2-core machine, more under load (--quick: ~1); "
      "exit code 0 whether targets are met or not");
  bench_cmd->add_option("--figures", bench.figures, "only these, comma-separated (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember({"one-core", "kafka", "scaling", "latency", "memory", "allocations"}));
  bench_cmd->add_flag("--quick", bench.quick, "smoke run of about a minute: fewer passes, 100k users, 10 s steady run");
  bench_cmd->add_option("--duration", bench.duration,
                        "seconds of the steady run for latency and RSS (default 60, quick 10; the issue's figure: 600)")
      ->check(CLI::Range(1.0, 86'400.0));
  bench_cmd->add_option("--rate", bench.rate, "records per second of the steady run")->capture_default_str()
      ->check(CLI::Range(1.0, 1e7));
  bench_cmd->add_option("--users", bench.users, "distinct users for state per user (default 1,000,000, quick 100,000)")
      ->check(CLI::Range(1, 100'000'000));
  bench_cmd->add_option("--format", bench.format, "text (a Markdown table) or json")
      ->check(CLI::IsMember({"text", "json"}))->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (*demo_cmd) {
      demo.cfg = demo_o.apply();
      setup_logging(demo.cfg.log_level);
      return cmd_demo(demo, shutdown);
    }
    if (*run_cmd) {
      run.cfg = run_o.apply();
      if (until_idle > 0) run.until_idle = until_idle;
      if (!checkpoint_dir.empty()) run.cfg.pipeline.checkpoint_dir = checkpoint_dir;
      if (checkpoint_interval > 0) run.cfg.pipeline.checkpoint_interval = checkpoint_interval;
      setup_logging(run.cfg.log_level);
      return cmd_run(run, shutdown);
    }
    if (*bench_cmd) {
      setup_logging("warn");  // progress lines and the table, not the pipeline's info logs
      std::string line = "dingwatch";
      for (int i = 1; i < argc; ++i) line += std::string(" ") + argv[i];
      return cmd_bench(bench, line, shutdown);
    }
    setup_logging("info");
    if (*verify_cmd) return cmd_verify(verify_files, stdout);
    if (*report_cmd) return cmd_report(report);
    if (*check_cmd) return cmd_rules_check(rules);
    if (*test_cmd) return cmd_rules_test(rules);
    if (*broker_cmd) {
      if (!topics.empty()) {
        std::string t;
        for (char c : topics + ",") {
          if (c == ',') {
            if (!t.empty()) broker.topics.push_back(t);
            t.clear();
          } else {
            t += c;
          }
        }
      }
      return cmd_broker(broker, shutdown);
    }
    if (*gen_cmd) {
      if (gen.brokers.empty() && gen.out_dir.empty()) {
        std::fprintf(stderr, "gen: say where the traffic goes: --brokers HOST:PORT or --out DIR\n");
        return 2;
      }
      if (gen.traffic.events == 0 && !(gen.traffic.rate > 0 && gen.traffic.duration > 0)) {
        std::fprintf(stderr, "gen: say how much: --events N, or --rate R --duration S\n");
        return 2;
      }
      return cmd_gen(gen, shutdown);
    }
    if (*eval_cmd) {
      eval.cfg = eval_o.apply();
      spdlog::set_level(spdlog::level::from_str(eval.cfg.log_level));
      return cmd_eval(eval, shutdown);
    }
    if (*replay_cmd) {
      replay.cfg = replay_o.apply();
      if (!replay_topic.empty()) replay.topic = replay_topic;
      spdlog::set_level(spdlog::level::from_str(replay.cfg.log_level));
      return cmd_replay(replay, shutdown);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dingwatch: %s\n", e.what());
    return 2;
  }
  return 0;
}
