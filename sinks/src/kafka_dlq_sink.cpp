#include <spdlog/spdlog.h>

#include <array>
#include <string>
#include <utility>

#include "dingwatch/sinks/kafka_sinks.hpp"

namespace dingwatch {

namespace {
constexpr std::chrono::milliseconds k_ack_timeout{10'000};
}

kafka_dlq_sink::kafka_dlq_sink(kafka_options options, std::string topic)
    : producer_(std::move(options), /*idempotent=*/false), topic_(std::move(topic)) {}

void kafka_dlq_sink::write(const dead_letter& d) {
  const raw_record& r = *d.record;
  const std::array<std::pair<std::string, std::string>, 4> headers = {{
      {"reason", std::string(to_string(d.reason))},
      {"source.topic", std::string(r.topic_name)},
      {"source.partition", std::to_string(r.ref.partition)},
      {"source.offset", std::to_string(r.ref.offset)},
  }};
  if (!producer_.produce(topic_, r.key, r.bytes, headers)) enqueue_failed_ = true;
}

bool kafka_dlq_sink::flush() {
  bool ok = producer_.flush(k_ack_timeout) && !enqueue_failed_;
  if (enqueue_failed_) spdlog::warn("kafka dlq sink: dead letters could not be queued for {}", topic_);
  enqueue_failed_ = false;
  return ok;
}

}  // namespace dingwatch
