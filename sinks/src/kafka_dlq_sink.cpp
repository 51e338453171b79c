#include <spdlog/spdlog.h>

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "dingwatch/sinks/kafka_sinks.hpp"

namespace dingwatch {

namespace {
// The pipeline flushes on its ingest thread and retries a failed flush later: a short
// wait keeps that thread polling the consumer (group, lag, errors) through an outage.
constexpr std::chrono::milliseconds k_flush_wait{1'000};
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
  pending_letter& p = pending_.emplace_back();
  p.key = r.key;
  p.value = cut ? r.bytes.substr(0, k_max_dead_letter_bytes) : r.bytes;
  p.headers = {{
      {"reason", std::string(to_string(d.reason))},
      {"source.topic", std::string(r.topic_name)},
      {"source.partition", std::to_string(r.ref.partition)},
      {"source.offset", std::to_string(r.ref.offset)},
      {"original.size", std::to_string(r.bytes.size())},
  }};
  p.header_count = cut ? 5 : 4;  // the size header only when cut: ordinary letters stay as they were
  if (!resend_ && !produce(p)) resend_ = true;
}

bool kafka_dlq_sink::produce(const pending_letter& p) {
  return producer_.produce(topic_, p.key, p.value,
                           std::span<const std::pair<std::string, std::string>>(p.headers.data(), p.header_count));
}

bool kafka_dlq_sink::flush() {
  bool queued = true;
  if (resend_) {
    for (const pending_letter& p : pending_) {
      if (!produce(p)) {
        queued = false;
        break;
      }
    }
  }
  const bool acknowledged = producer_.flush(k_flush_wait);
  const bool failed = producer_.failures() != failures_seen_;
  failures_seen_ = producer_.failures();
  if (acknowledged && queued) {
    pending_.clear();
    resend_ = false;
    return true;
  }
  // A failed delivery (e.g. timed out in a broker outage), or a letter that could not be
  // queued: nobody knows which letters arrived, so they all go again. Letters merely not
  // acknowledged yet are waited for by the next flush. Readers may see a letter twice;
  // its source.* headers say it is the same record.
  resend_ = failed || !queued;
  if (resend_)
    spdlog::warn("kafka dlq sink: delivery to {} failed; {} dead letter(s) will be sent again", topic_,
                 pending_.size());
  return false;
}

}  // namespace dingwatch
