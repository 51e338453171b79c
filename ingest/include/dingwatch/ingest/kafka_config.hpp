#pragma once
/// Connection settings shared by every Kafka client dingwatch creates (consumer,
/// producers, sinks), the default topic names, and the helpers that turn settings into
/// a librdkafka configuration.
///
/// Configuration is applied in three layers: librdkafka's defaults, then dingwatch's
/// defaults for the client (e.g. `enable.auto.commit=false` for the consumer), then
/// `kafka_options::extra` verbatim, so an operator can override anything (TLS, SASL,
/// timeouts). A key librdkafka does not know or a value it refuses throws
/// `std::runtime_error` naming the key; values of secret keys (`sasl.password`,
/// `ssl.key.password`, …) are never printed or logged.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dingwatch {

/// Every topic dingwatch uses: dingtalk.events, dingtalk.audit, dingtalk.flows,
/// dingwatch.alerts, dingwatch.dlq.
std::vector<std::string> default_topics();

/// The three input topics: dingtalk.events, dingtalk.audit, dingtalk.flows.
std::vector<std::string> default_input_topics();

/// Connection settings shared by the source and the producers.
struct kafka_options {
  std::string brokers;  ///< bootstrap list, "host:port[,host:port…]"
  std::map<std::string, std::string> extra;  ///< passed through verbatim to librdkafka (TLS/SASL)
};

/// True for configuration keys whose values are secrets (passwords, keys, tokens).
bool is_secret_config_key(std::string_view key) noexcept;

/// The options as one printable line, secrets replaced by `*****`.
std::string describe(const kafka_options& options);

/// Checks the syntax of a bootstrap list (`[proto://]host:port` entries separated by
/// commas). Throws `std::runtime_error` naming the bad entry.
void validate_broker_list(std::string_view brokers);

namespace kafka_detail {

/// Builds a librdkafka configuration: `bootstrap.servers`, then `defaults`, then
/// `options.extra`. Installs spdlog logging. Throws `std::runtime_error` naming the key at
/// fault (secret values redacted). The caller owns the result.
rd_kafka_conf_t* make_conf(const kafka_options& options,
                           std::span<const std::pair<std::string_view, std::string>> defaults);

/// Routes librdkafka's log lines to spdlog.
void route_logs_to_spdlog(rd_kafka_conf_t* conf) noexcept;

/// Sets one key, throwing a `std::runtime_error` that names it on failure.
void set(rd_kafka_conf_t* conf, std::string_view key, const std::string& value);

/// Lets one message through per error code per `period` (thread-safe).
class error_throttle {
 public:
  explicit error_throttle(std::chrono::seconds period = std::chrono::seconds(10)) : period_(period) {}
  /// True if an error with this code should be logged now.
  bool allow(int code);

 private:
  std::chrono::seconds period_;
  std::mutex mutex_;
  std::unordered_map<int, std::chrono::steady_clock::time_point> last_;
};

}  // namespace kafka_detail
}  // namespace dingwatch
