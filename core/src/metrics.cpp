#include "dingwatch/core/metrics.hpp"

#include <prometheus/counter.h>

namespace dingwatch {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

metrics::metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  consumed_ = &BuildCounter().Name("dingwatch_events_consumed_total")
                   .Help("Records read from each input topic").Register(r);
  decoded_ = &BuildCounter().Name("dingwatch_events_decoded_total")
                  .Help("Normalized events decoded, by kind").Register(r);
  rejected_ = &BuildCounter().Name("dingwatch_events_rejected_total")
                   .Help("Records sent to the dead-letter queue, by reason").Register(r);
  alerts_ = &BuildCounter().Name("dingwatch_alerts_total")
                 .Help("Alerts written, by rule, family and severity").Register(r);
  alerts_by_article_ = &BuildCounter().Name("dingwatch_alerts_by_pdpa_article_total")
                            .Help("Alerts written, by the PDPA (Law 8/2005) article they cite").Register(r);
  lag_ = &BuildGauge().Name("dingwatch_consumer_lag")
              .Help("Records between the committed offset and the high watermark").Register(r);
  queue_depth_ = &BuildGauge().Name("dingwatch_shard_queue_depth")
                      .Help("Events waiting in each shard's queue").Register(r);
  sink_errors_ = &BuildCounter().Name("dingwatch_sink_errors_total")
                      .Help("Failed writes to a sink, by sink").Register(r);
  cross_border_bytes_ = &BuildCounter().Name("dingwatch_cross_border_bytes_total")
                             .Help("Bytes of egress flows leaving Macau, by destination country and app")
                             .Register(r);
  detect_seconds_ = &BuildHistogram().Name("dingwatch_detect_seconds")
                         .Help("Time a shard spends detecting on one batch slice").Register(r)
                         .Add({}, prometheus::Histogram::BucketBoundaries{
                                      1e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5});
  alert_latency_ = &BuildHistogram().Name("dingwatch_alert_latency_seconds")
                        .Help("From the record entering Kafka to its alert being written").Register(r)
                        .Add({}, prometheus::Histogram::BucketBoundaries{
                                     0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  rules_loaded_ = &BuildGauge().Name("dingwatch_rules_loaded")
                       .Help("Detection rules currently loaded").Register(r).Add({});
  auto& reloads = BuildCounter().Name("dingwatch_config_reloads_total")
                      .Help("Rule reloads (SIGHUP, --watch) by result; on error the previous rules keep running")
                      .Register(r);
  reloads_ok_ = &reloads.Add({{"result", "success"}});  // both series from the start: dashboards see 0
  reloads_error_ = &reloads.Add({{"result", "error"}});
  BuildGauge().Name("dingwatch_build_info").Help("Build information").Register(r)
      .Add({{"version", DINGWATCH_VERSION}}).Set(1);
  for (auto reason : k_all_reject_reasons) rejected(reason);  // export zeros, not gaps
}

void metrics::expose(const std::string& address) {
  exposer_ = std::make_unique<prometheus::Exposer>(address);
  exposer_->RegisterCollectable(registry_);
}

prometheus::Counter& metrics::consumed(std::string_view topic) {
  return consumed_->Add({{"topic", std::string(topic)}});
}
prometheus::Counter& metrics::decoded(event_kind kind) {
  return decoded_->Add({{"kind", std::string(to_string(kind))}});
}
prometheus::Counter& metrics::rejected(reject_reason reason) {
  return rejected_->Add({{"reason", std::string(to_string(reason))}});
}
prometheus::Counter& metrics::alerts(std::string_view rule, family f, severity s) {
  return alerts_->Add({{"rule", std::string(rule)},
                       {"family", std::string(to_string(f))},
                       {"severity", std::string(to_string(s))}});
}
prometheus::Counter& metrics::alerts_by_article(std::string_view article) {
  return alerts_by_article_->Add({{"article", std::string(article)}});
}
prometheus::Gauge& metrics::consumer_lag(std::string_view topic, std::int32_t partition) {
  return lag_->Add({{"topic", std::string(topic)}, {"partition", std::to_string(partition)}});
}
prometheus::Gauge& metrics::shard_queue_depth(std::size_t shard) {
  return queue_depth_->Add({{"shard", std::to_string(shard)}});
}
prometheus::Counter& metrics::sink_errors(std::string_view sink) {
  return sink_errors_->Add({{"sink", std::string(sink)}});
}
prometheus::Counter& metrics::cross_border_bytes(std::string_view destination_country, std::string_view app) {
  return cross_border_bytes_->Add({{"destination_country", std::string(destination_country)},
                                   {"app", std::string(app)}});
}

}  // namespace dingwatch
