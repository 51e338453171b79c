// `dingwatch demo`: embedded broker + generator + pipeline + metrics, in one process.

#include <spdlog/spdlog.h>

#include <thread>

#include "assembly.hpp"
#include "commands.hpp"
#include "dingwatch/core/metrics.hpp"
#include "dingwatch/ingest/kafka_producer.hpp"
#include "dingwatch/ingest/kafka_source.hpp"
#include "dingwatch/ingest/mock_broker.hpp"
#include "dingwatch/sinks/kafka_sinks.hpp"
#include "live.hpp"
#include "reload.hpp"
#include "report_runtime.hpp"
#include "traffic.hpp"

namespace dingwatch {

int cmd_demo(const demo_args& args, shutdown_signal& shutdown) {
  config cfg = args.cfg;
  mock_broker_options bo;
  bo.partitions = args.partitions;
  mock_broker broker(bo);
  const kafka_options kafka{broker.bootstrap(), {}};

  metrics m;
  if (!cfg.metrics_listen.empty()) m.expose(make_metrics_endpoint(cfg));
  std::fprintf(stderr,
               "dingwatch demo: embedded Kafka on %s · metrics on %s\n"
               "  %d users, %.0f rec/s for %.0f s, incident rate %.3f, hostile-record rate %.4f, seed %llu\n\n",
               broker.bootstrap().c_str(), cfg.metrics_listen.empty() ? "(off)" : make_metrics_endpoint(cfg).url().c_str(),
               args.traffic.users, args.traffic.rate, args.traffic.duration, args.traffic.incident_rate,
               args.traffic.bad_rate, static_cast<unsigned long long>(args.traffic.seed));

  kafka_source_options so;
  so.kafka = kafka;
  so.kafka.extra = mock_consumer_properties();
  so.group = cfg.kafka.group;
  kafka_source source(so, &m);
  dingtalk_decoder decoder(make_limits(cfg));

  sink_set sinks;
  cfg.console = true;
  sinks.add_configured(cfg, {kafka, &m});
  sinks.dead_letters = std::make_unique<kafka_dlq_sink>(kafka, cfg.kafka.dlq_topic);
  pipeline p(make_pipeline_options(cfg, &m), source, decoder, make_detectors(cfg), sinks.alert_pointers(),
             sinks.dead_letters.get(), &m);
  rule_reloader reload(shutdown, &m, args.watch_rules);  // SIGHUP / --watch: new rules at batch ends

  traffic_progress progress;
  kafka_producer producer(kafka);
  std::jthread generator([&](std::stop_token stop) {
    emit_traffic(args.traffic,
                 [&](std::string_view topic, std::string_view key, std::string_view value, std::int64_t) {
                   while (!producer.produce(topic, key, value)) producer.poll();
                 },
                 progress, stop);
    producer.flush(std::chrono::seconds(30));
  });
  std::stop_callback stop_generator(shutdown.token(), [&] { generator.request_stop(); });

  report_runtime reporting(cfg, "demo", false);  // pipeline minutes and rule versions
  live_options lo;
  lo.on_tick = [&](const pipeline_stats& st) { reporting.tick(st); };
  lo.m = &m;
  lo.finished = [&](const pipeline_stats& st) {
    return progress.done && st.records_read >= progress.produced && source.lag() == 0;
  };
  const run_summary s = run_live(p, source, shutdown.token(), lo);
  reporting.finish(s);
  generator.request_stop();
  generator.join();
  print_summary(s, stderr);
  std::fprintf(stderr, "  produced          %s records (%s hostile)\n",
               with_commas(progress.produced).c_str(), with_commas(progress.hostile).c_str());
  return 0;
}

}  // namespace dingwatch
