// `dingwatch run`: the production pipeline against any Kafka cluster.

#include <spdlog/spdlog.h>

#include <cstdio>

#include "assembly.hpp"
#include "commands.hpp"
#include "dingwatch/core/metrics.hpp"
#include "dingwatch/ingest/kafka_source.hpp"
#include "dingwatch/sinks/kafka_sinks.hpp"
#include "live.hpp"
#include "reload.hpp"
#include "report_runtime.hpp"

namespace dingwatch {

int cmd_run(const run_args& args, shutdown_signal& shutdown) {
  const config& cfg = args.cfg;
  if (cfg.kafka.brokers.empty()) {
    spdlog::error("no Kafka brokers: pass --brokers HOST:PORT or set kafka.brokers in the config "
                  "file (for a local try-out, `dingwatch demo` embeds a broker)");
    return 2;
  }
  const kafka_options kafka{cfg.kafka.brokers, cfg.kafka.properties};
  metrics m;
  if (!cfg.metrics_listen.empty()) {
    m.expose(make_metrics_endpoint(cfg));
    spdlog::info("metrics on {}", make_metrics_endpoint(cfg).url());
  }

  kafka_source_options so;
  so.kafka = kafka;
  so.group = cfg.kafka.group;
  so.topics = cfg.kafka.topics;
  kafka_source source(so, &m);
  dingtalk_decoder decoder(make_limits(cfg));

  sink_set sinks;
  sinks.add_configured(cfg, {kafka, &m});
  sinks.dead_letters = std::make_unique<kafka_dlq_sink>(kafka, cfg.kafka.dlq_topic);

  auto options = make_pipeline_options(cfg, &m);
  // Checkpoints only here: `run` reads a durable cluster it can seek in (demo's embedded
  // broker dies with the process, replay's files cannot seek).
  options.checkpoint_dir = cfg.pipeline.checkpoint_dir;
  options.checkpoint_interval =
      std::chrono::milliseconds(static_cast<std::int64_t>(cfg.pipeline.checkpoint_interval * 1000));
  if (args.until_idle)
    options.idle_exit = std::chrono::milliseconds(static_cast<std::int64_t>(*args.until_idle * 1000));
  pipeline p(options, source, decoder, make_detectors(cfg), sinks.alert_pointers(),
             sinks.dead_letters.get(), &m);
  spdlog::info("consuming {} from {} as group '{}' with {} shard(s)",
               fmt::join(cfg.kafka.topics, ", "), cfg.kafka.brokers, cfg.kafka.group, p.shard_count());
  rule_reloader reload(shutdown, &m, args.watch_rules);  // SIGHUP / --watch: new rules at batch ends

  report_runtime reporting(cfg, "run", true);  // pipeline minutes, rule versions, scheduled report
  live_options lo;
  lo.m = &m;
  lo.on_tick = [&](const pipeline_stats& st) { reporting.tick(st); };
  lo.status_every = std::chrono::seconds(10);
  lo.status_to_terminal = false;
  const run_summary s = run_live(p, source, shutdown.token(), lo);
  reporting.finish(s);
  print_summary(s, stderr);
  std::printf("%s\n", s.to_json().c_str());  // machine-readable, for scripts
  return 0;
}

}  // namespace dingwatch
