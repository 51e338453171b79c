#include "dingwatch/core/metrics.hpp"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <spdlog/spdlog.h>
#include <crypt.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <vector>

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
  consumer_errors_ = &BuildCounter().Name("dingwatch_consumer_errors_total")
                          .Help("Errors the Kafka consumer met (brokers down, failed fetches or commits), "
                                "by librdkafka error name").Register(r);
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
  checkpoints_ = &BuildCounter().Name("dingwatch_checkpoints_total")
                     .Help("Checkpoints of detector state by result: written, write_failed, restored, refused")
                     .Register(r);
  for (const char* result : {"written", "write_failed", "restored", "refused"}) checkpoints(result);
  checkpoint_seconds_ = &BuildGauge().Name("dingwatch_checkpoint_write_seconds")
                             .Help("Seconds the last checkpoint took to encode and write durably").Register(r).Add({});
  checkpoint_bytes_ = &BuildGauge().Name("dingwatch_checkpoint_bytes")
                           .Help("Size of the last checkpoint written").Register(r).Add({});
  BuildGauge().Name("dingwatch_build_info").Help("Build information").Register(r)
      .Add({{"version", DINGWATCH_VERSION}}).Set(1);
  for (auto reason : k_all_reject_reasons) rejected(reason);  // export zeros, not gaps
}

void metrics::expose(const std::string& address) {
  metrics_endpoint e;
  e.listen = address;
  expose(e);
}

std::string metrics_endpoint::bind_address() const {
  // CivetWeb binds every interface for a bare port; dingwatch means loopback.
  std::string_view port = listen;
  if (port.starts_with(':')) port.remove_prefix(1);
  if (!port.empty() && port.find_first_not_of("0123456789") == std::string_view::npos)
    return "127.0.0.1:" + std::string(port);
  return listen;
}

std::string metrics_endpoint::url() const {
  return fmt::format("{}://{}/metrics", tls_certificate.empty() ? "http" : "https", bind_address());
}

namespace {

bool is_loopback(std::string_view address) {
  return address.starts_with("127.") || address.starts_with("localhost:") || address.starts_with("[::1]:");
}

// Looks at every byte of `given` (no early exit), so response time does not reveal how
// much of a guess was right.
bool same_secret(std::string_view given, std::string_view expected) {
  std::size_t diff = given.size() ^ expected.size();
  for (std::size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i]) ^
            static_cast<unsigned char>(i < expected.size() ? expected[i] : 0);
  return diff == 0;
}

// crypt(3) of `phrase` with the algorithm and salt of `hash`; nullopt when the system
// does not know the algorithm or the hash is malformed.
std::optional<std::string> crypt_like(std::string_view phrase, const std::string& hash) {
  void* data = nullptr;  // crypt_ra's work area (bcrypt and yescrypt need tens of KiB)
  int size = 0;
  const char* computed = ::crypt_ra(std::string(phrase).c_str(), hash.c_str(), &data, &size);
  std::optional<std::string> out;
  if (computed != nullptr && computed[0] != '*') out = computed;  // "*0"/"*1": failure tokens
  std::free(data);
  return out;
}

// The basic-auth decision for `endpoint`, or an empty function when it has no user.
https_exposer::credentials_check credentials_check(const metrics_endpoint& endpoint) {
  if (endpoint.username.empty()) return {};
  if (!endpoint.password_hash.empty())
    return [user = endpoint.username, hash = endpoint.password_hash](std::string_view u, std::string_view p) {
      const bool user_ok = same_secret(u, user);
      const auto computed = crypt_like(p, hash);
      const bool pass_ok = computed && same_secret(*computed, hash);
      return user_ok && pass_ok;
    };
  return [user = endpoint.username, pass = endpoint.password](std::string_view u, std::string_view p) {
    const bool user_ok = same_secret(u, user);  // both compared, whichever is wrong
    const bool pass_ok = same_secret(p, pass);
    return user_ok && pass_ok;
  };
}

}  // namespace

void metrics::expose(const metrics_endpoint& endpoint) {
  const std::string address = endpoint.bind_address();
  auto check = credentials_check(endpoint);
  // A hash crypt(3) cannot use is refused now rather than failing every scrape.
  if (!endpoint.password_hash.empty() && !crypt_like("", endpoint.password_hash))
    throw std::runtime_error("metrics: password_hash is not a crypt(3) hash this system knows "
                             "(use bcrypt $2y$, sha512crypt $6$ or yescrypt $y$, e.g. from `mkpasswd` or `htpasswd -B`)");
  if (!endpoint.tls_certificate.empty()) {
    https_exposer::options o;
    o.address = address;
    o.certificate_file = endpoint.tls_certificate;
    o.key_file = endpoint.tls_key;
    o.check = check;
    https_exposer_ = std::make_unique<https_exposer>(std::move(o), registry_);
  } else {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(std::vector<std::string>{"listening_ports", address,
                                                                                "num_threads", "2"});
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("metrics: cannot serve {} ({}) — is the port in use?", endpoint.url(), e.what()));
    }
    if (check) {
      exposer_->RegisterAuth([check](const std::string& u, const std::string& p) { return check(u, p); }, "dingwatch");
    }
    exposer_->RegisterCollectable(registry_);
  }
  if (!check && !is_loopback(address))
    spdlog::warn("metrics on {} are reachable from other hosts without authentication; set metrics.username "
                 "and metrics.password (and metrics.tls_certificate) in the configuration",
                 endpoint.url());
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
prometheus::Counter& metrics::consumer_errors(std::string_view error) {
  return consumer_errors_->Add({{"error", std::string(error)}});
}
prometheus::Gauge& metrics::shard_queue_depth(std::size_t shard) {
  return queue_depth_->Add({{"shard", std::to_string(shard)}});
}
prometheus::Counter& metrics::sink_errors(std::string_view sink) {
  return sink_errors_->Add({{"sink", std::string(sink)}});
}
prometheus::Counter& metrics::checkpoints(std::string_view result) {
  return checkpoints_->Add({{"result", std::string(result)}});
}
prometheus::Counter& metrics::cross_border_bytes(std::string_view destination_country, std::string_view app) {
  return cross_border_bytes_->Add({{"destination_country", std::string(destination_country)},
                                   {"app", std::string(app)}});
}

}  // namespace dingwatch
