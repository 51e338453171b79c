#pragma once
/// The process's Prometheus metrics (names and labels as in docs/metrics.md).
///
/// One `metrics` object per process owns the prometheus-cpp registry. Label sets are
/// bounded by construction: topics, partitions, shards, reasons, kinds, rules — never
/// a user id. Hot-path code counts locally and adds here once per batch.

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "dingwatch/core/https_exposer.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dingwatch/core/alert.hpp"
#include "dingwatch/core/event.hpp"
#include "dingwatch/core/reject.hpp"

namespace dingwatch {

/// Where and how /metrics is served: plain http by CivetWeb (prometheus-cpp's Exposer),
/// https by dingwatch's own https_exposer (OpenSSL). Safe by default: loopback only, so
/// exposing it to other hosts is a decision, and one that can come with TLS and basic auth.
struct metrics_endpoint {
  std::string listen = "127.0.0.1:9464";  ///< HOST:PORT; a bare PORT (or :PORT) binds 127.0.0.1
  std::string tls_certificate;            ///< PEM certificate (chain), maybe with its key: https
  std::string tls_key;                    ///< PEM private key; empty: in tls_certificate
  std::string username;                   ///< with `password` or `password_hash`: require basic auth
  std::string password;                   ///< a secret: never logged
  std::string password_hash;              ///< crypt(3) hash ($2y$ bcrypt, $6$, $y$) instead of `password`

  /// `listen` with a bare port completed to 127.0.0.1:PORT.
  [[nodiscard]] std::string bind_address() const;
  /// The scrape URL, http or https, for messages.
  [[nodiscard]] std::string url() const;
};

class metrics {
 public:
  metrics();

  /// The registry, for components that add their own families (sinks, engine).
  [[nodiscard]] std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  /// Serves /metrics on `address` ("127.0.0.1:9464"). Throws on bind failure.
  void expose(const std::string& address);
  /// Serves /metrics as `endpoint` says (TLS, basic auth). Throws std::runtime_error
  /// naming the address or certificate file when the server cannot start; warns when
  /// the endpoint is reachable from other hosts without authentication.
  void expose(const metrics_endpoint& endpoint);

  prometheus::Counter& consumed(std::string_view topic);
  prometheus::Counter& decoded(event_kind kind);
  prometheus::Counter& rejected(reject_reason reason);
  prometheus::Counter& alerts(std::string_view rule, family f, severity s);
  /// Alerts citing a PDPA article (an alert citing two articles counts for both).
  prometheus::Counter& alerts_by_article(std::string_view article);
  prometheus::Gauge& consumer_lag(std::string_view topic, std::int32_t partition);
  /// Errors the Kafka consumer met (brokers down, failed fetches and commits), by
  /// librdkafka's error name (a fixed set, e.g. `_TRANSPORT`, `NOT_COORDINATOR`).
  prometheus::Counter& consumer_errors(std::string_view error);
  prometheus::Gauge& shard_queue_depth(std::size_t shard);
  prometheus::Counter& sink_errors(std::string_view sink);
  /// Bytes of flows whose destination is outside Macau. Callers bound the labels: table
  /// countries and known apps, "other" for the rest.
  prometheus::Counter& cross_border_bytes(std::string_view destination_country, std::string_view app);
  prometheus::Histogram& detect_seconds() { return *detect_seconds_; }
  prometheus::Histogram& alert_latency_seconds() { return *alert_latency_; }
  prometheus::Gauge& rules_loaded() { return *rules_loaded_; }
  /// Rule reloads (SIGHUP, --watch): `success` published a new set, `error` kept the old one.
  prometheus::Counter& config_reloads(bool success) { return success ? *reloads_ok_ : *reloads_error_; }
  /// Checkpoints by result: `written`, `write_failed`, and at start `restored` or `refused`
  /// (a corrupt or incompatible file; the run starts afresh from committed offsets).
  prometheus::Counter& checkpoints(std::string_view result);
  /// Seconds the last checkpoint took to write (encode, fsync, rename) and its size.
  prometheus::Gauge& checkpoint_write_seconds() { return *checkpoint_seconds_; }
  prometheus::Gauge& checkpoint_bytes() { return *checkpoint_bytes_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;        // plain http
  std::unique_ptr<https_exposer> https_exposer_;         // or https
  prometheus::Family<prometheus::Counter>* consumed_;
  prometheus::Family<prometheus::Counter>* decoded_;
  prometheus::Family<prometheus::Counter>* rejected_;
  prometheus::Family<prometheus::Counter>* alerts_;
  prometheus::Family<prometheus::Counter>* alerts_by_article_;
  prometheus::Family<prometheus::Gauge>* lag_;
  prometheus::Family<prometheus::Counter>* consumer_errors_;
  prometheus::Family<prometheus::Gauge>* queue_depth_;
  prometheus::Family<prometheus::Counter>* sink_errors_;
  prometheus::Family<prometheus::Counter>* cross_border_bytes_;
  prometheus::Histogram* detect_seconds_;
  prometheus::Histogram* alert_latency_;
  prometheus::Gauge* rules_loaded_;
  prometheus::Counter* reloads_ok_;
  prometheus::Counter* reloads_error_;
  prometheus::Family<prometheus::Counter>* checkpoints_;
  prometheus::Gauge* checkpoint_seconds_;
  prometheus::Gauge* checkpoint_bytes_;
};

}  // namespace dingwatch
