#include <spdlog/spdlog.h>

#include "dingwatch/sinks/kafka_sinks.hpp"
#include "dingwatch/sinks/registry.hpp"

namespace dingwatch {

namespace {
constexpr std::chrono::milliseconds k_ack_timeout{10'000};
}

kafka_alert_sink::kafka_alert_sink(kafka_options options, std::string topic)
    : producer_(std::move(options), /*idempotent=*/true), topic_(std::move(topic)) {}

bool kafka_alert_sink::write(std::span<const alert> alerts) {
  bool ok = true;
  for (const alert& a : alerts) {
    if (!producer_.produce(topic_, a.id, to_json(a))) {
      ok = false;
      break;
    }
  }
  // Flush even after a failure so the next attempt starts from a clean state.
  if (!producer_.flush(k_ack_timeout)) ok = false;
  if (!ok) spdlog::warn("kafka alert sink: {} alert(s) not acknowledged by {}", alerts.size(), topic_);
  return ok;
}

namespace {
const register_sink registration{"kafka", [](const YAML::Node& config, const sink_context& context) {
  return std::make_unique<kafka_alert_sink>(
      context.kafka, config["topic"] ? config["topic"].as<std::string>() : std::string("dingwatch.alerts"));
}};
}  // namespace

}  // namespace dingwatch
