#include <spdlog/spdlog.h>

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "dingwatch/sinks/kafka_sinks.hpp"

namespace dingwatch {

namespace {
constexpr std::chrono::milliseconds k_ack_timeout{10'000};
// librdkafka refuses messages above its message.max.bytes (1,000,000 by default) and
// brokers above theirs (1 MiB): a bigger record, typically an `oversized` one, would
// never reach the DLQ. Its first bytes go instead, with the original size in a header.
constexpr std::size_t k_max_dead_letter_bytes = 900'000;
}

kafka_dlq_sink::kafka_dlq_sink(kafka_options options, std::string topic)
    : producer_(std::move(options), /*idempotent=*/false), topic_(std::move(topic)) {}

void kafka_dlq_sink::write(const dead_letter& d) {
  const raw_record& r = *d.record;
  const bool cut = r.bytes.size() > k_max_dead_letter_bytes;
  const std::array<std::pair<std::string, std::string>, 5> headers = {{
      {"reason", std::string(to_string(d.reason))},
      {"source.topic", std::string(r.topic_name)},
      {"source.partition", std::to_string(r.ref.partition)},
      {"source.offset", std::to_string(r.ref.offset)},
      {"original.size", std::to_string(r.bytes.size())},
  }};
  const std::string_view value = cut ? r.bytes.substr(0, k_max_dead_letter_bytes) : r.bytes;
  // The size header only when the value was cut, so ordinary dead letters stay as they were.
  const std::span<const std::pair<std::string, std::string>> sent(headers.data(), cut ? 5 : 4);
  if (!producer_.produce(topic_, r.key, value, sent)) enqueue_failed_ = true;
}

bool kafka_dlq_sink::flush() {
  bool ok = producer_.flush(k_ack_timeout) && !enqueue_failed_;
  if (enqueue_failed_) spdlog::warn("kafka dlq sink: dead letters could not be queued for {}", topic_);
  enqueue_failed_ = false;
  return ok;
}

}  // namespace dingwatch
