#include "dingwatch/ingest/kafka_producer.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <thread>

namespace dingwatch {

kafka_producer::kafka_producer(kafka_options options, bool idempotent) {
  std::vector<std::pair<std::string_view, std::string>> defaults = {
      {"client.id", "dingwatch"},
      {"linger.ms", "5"},
      {"batch.num.messages", "10000"},
      {"queue.buffering.max.messages", "200000"},
      {"message.timeout.ms", "60000"},
      {"acks", "all"},
  };
  if (idempotent) defaults.emplace_back("enable.idempotence", "true");
  rd_kafka_conf_t* conf = kafka_detail::make_conf(options, defaults);
  rd_kafka_conf_set_dr_msg_cb(conf, &kafka_producer::on_delivery);
  rd_kafka_conf_set_error_cb(conf, &kafka_producer::on_error);
  rd_kafka_conf_set_opaque(conf, this);
  char errstr[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(fmt::format("kafka producer ({}): {}", describe(options), errstr));
  }
}

kafka_producer::~kafka_producer() {
  if (rd_kafka_flush(rk_, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("kafka producer closing with {} undelivered record(s)", rd_kafka_outq_len(rk_));
  }
  for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk_);
}

rd_kafka_topic_t* kafka_producer::topic_handle(std::string_view topic) {
  for (auto& [name, rkt] : topics_) {
    if (name == topic) return rkt;
  }
  std::string name(topic);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
  if (rkt == nullptr) return nullptr;
  topics_.emplace_back(std::move(name), rkt);
  return rkt;
}

bool kafka_producer::produce(std::string_view topic, std::string_view key, std::string_view value,
                             std::span<const std::pair<std::string, std::string>> headers,
                             std::int64_t timestamp_ms) {
  rd_kafka_topic_t* rkt = topic_handle(topic);
  if (rkt == nullptr) {
    spdlog::error("kafka producer: cannot create topic handle for '{}': {}", topic,
                  rd_kafka_err2str(rd_kafka_last_error()));
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (;;) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& [name, v] : headers) {
        rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), v.data(),
                            static_cast<ssize_t>(v.size()));
      }
    }
    // rd_kafka_producev() wants non-const payload pointers but copies them (F_COPY).
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;  // headers now owned by the message
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (throttle_.allow(err)) {
        spdlog::error("kafka producer: cannot produce to {}: {}", topic, rd_kafka_err2str(err));
      }
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    rd_kafka_poll(rk_, 50);  // serve delivery reports to make room
  }
}

bool kafka_producer::flush(std::chrono::milliseconds timeout) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(rk_, static_cast<int>(timeout.count()));
  const bool failed = failed_.exchange(0) != 0;
  return err == RD_KAFKA_RESP_ERR_NO_ERROR && !failed;
}

void kafka_producer::poll() { rd_kafka_poll(rk_, 0); }

int kafka_producer::outstanding() const noexcept { return rd_kafka_outq_len(rk_); }

void kafka_producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto* self = static_cast<kafka_producer*>(opaque);
  self->failed_.fetch_add(1, std::memory_order_relaxed);
  self->failures_.fetch_add(1, std::memory_order_relaxed);
  if (self->throttle_.allow(msg->err)) {
    spdlog::error("kafka producer: delivery to {} failed: {}", rd_kafka_topic_name(msg->rkt),
                  rd_kafka_err2str(msg->err));
  }
}

void kafka_producer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<kafka_producer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof buf);
    spdlog::critical("kafka producer: fatal error: {}", buf);
    self->failed_.fetch_add(1, std::memory_order_relaxed);
    self->failures_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (self->throttle_.allow(err)) spdlog::warn("kafka producer: {}", reason);
}

}  // namespace dingwatch
