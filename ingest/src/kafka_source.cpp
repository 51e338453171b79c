#include "dingwatch/ingest/kafka_source.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace dingwatch {

namespace {

struct list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using partition_list = std::unique_ptr<rd_kafka_topic_partition_list_t, list_deleter>;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Logs and frees a rd_kafka_error_t (incremental assign/unassign).
void check(rd_kafka_error_t* error, const char* what) {
  if (error == nullptr) return;
  spdlog::error("kafka source: {} failed: {}", what, rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
}

}  // namespace

kafka_source::kafka_source(kafka_source_options options, metrics* m)
    : metrics_(m), group_(options.group) {
  if (options.topics.empty()) throw std::runtime_error("kafka source: no topics to subscribe to");
  if (options.group.empty()) throw std::runtime_error("kafka source: consumer group id is empty");
  const std::pair<std::string_view, std::string> defaults[] = {
      {"client.id", "dingwatch"},
      {"group.id", options.group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", options.from_beginning ? "earliest" : "latest"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"enable.partition.eof", "false"},
  };
  rd_kafka_conf_t* conf = kafka_detail::make_conf(options.kafka, defaults);
  rd_kafka_conf_set_rebalance_cb(conf, &kafka_source::rebalance_cb);
  rd_kafka_conf_set_offset_commit_cb(conf, &kafka_source::commit_cb);
  rd_kafka_conf_set_error_cb(conf, &kafka_source::error_cb);
  rd_kafka_conf_set_opaque(conf, this);

  char errstr[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(fmt::format("kafka source ({}): {}", describe(options.kafka), errstr));
  }
  rd_kafka_poll_set_consumer(rk_);

  partition_list topics(rd_kafka_topic_partition_list_new(static_cast<int>(options.topics.size())));
  for (const auto& t : options.topics) {
    intern(t);
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (auto err = rd_kafka_subscribe(rk_, topics.get())) {
    rd_kafka_destroy(rk_);
    throw std::runtime_error(fmt::format("kafka source: cannot subscribe group {}: {}",
                                         options.group, rd_kafka_err2str(err)));
  }
}

kafka_source::~kafka_source() {
  // Close serves the final revoke (which commits what the pipeline finished) and leaves
  // the group; only then may the handle be destroyed.
  if (auto err = rd_kafka_consumer_close(rk_)) {
    spdlog::warn("kafka source: closing consumer of group {}: {}", group_, rd_kafka_err2str(err));
  }
  rd_kafka_destroy(rk_);
}

kafka_source::topic_entry& kafka_source::intern(std::string_view name) {
  for (auto& t : topics_) {
    if (t.name == name) return t;
  }
  topic_entry& t = topics_.emplace_back();
  t.name = std::string(name);
  t.kind = topic_from_name(name);
  if (metrics_ != nullptr) t.consumed = &metrics_->consumed(t.name);
  return t;
}

kafka_source::partition_state* kafka_source::find(std::string_view topic, std::int32_t partition) {
  for (auto& p : assigned_) {
    if (p.partition == partition && p.topic->name == topic) return &p;
  }
  return nullptr;
}

void kafka_source::log_error(int code, std::string_view what) {
  // Counted every time (the log is throttled): an outage shows on dashboards as a rate.
  if (metrics_ != nullptr)
    metrics_->consumer_errors(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code))).Increment();
  if (throttle_.allow(code)) spdlog::warn("kafka source (group {}): {}", group_, what);
}

poll_status kafka_source::poll(record_batch& batch, std::size_t max,
                               std::chrono::milliseconds timeout) {
  std::size_t added = 0;
  int wait_ms = static_cast<int>(std::max<std::int64_t>(0, timeout.count()));
  while (added < max) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_, wait_ms);
    if (msg == nullptr) break;
    wait_ms = 0;  // only the first message is waited for
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = rd_kafka_topic_name(msg->rkt);
      topic_entry& t = intern(name);
      std::int64_t ts = rd_kafka_message_timestamp(msg, nullptr);
      batch.add(t.name, t.kind, msg->partition, msg->offset,
                std::string_view(static_cast<const char*>(msg->key), msg->key_len),
                std::string_view(static_cast<const char*>(msg->payload), msg->len),
                ts >= 0 ? ts : now_ms());
      ++t.pending;
      ++added;
    } else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      log_error(msg->err, fmt::format("consume error{}{}: {}", msg->rkt ? " on " : "",
                                      msg->rkt ? rd_kafka_topic_name(msg->rkt) : "",
                                      rd_kafka_message_errstr(msg)));
    }
    rd_kafka_message_destroy(msg);
  }
  for (auto& t : topics_) {
    if (t.pending == 0) continue;
    if (t.consumed != nullptr) t.consumed->Increment(static_cast<double>(t.pending));
    t.pending = 0;
  }
  if (std::chrono::steady_clock::now() >= next_lag_refresh_) refresh_lag();
  if (added > 0) return poll_status::records;
  return fatal_ ? poll_status::error : poll_status::idle;
}

void kafka_source::commit(std::span<const partition_offset> offsets) {
  partition_list list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& o : offsets) {
    partition_state* p = find(o.topic_name, o.partition);
    if (p == nullptr || o.next_offset <= p->wanted) continue;  // revoked, or not newer
    p->wanted = o.next_offset;
    rd_kafka_topic_partition_list_add(list.get(), p->topic->name.c_str(), p->partition)->offset =
        o.next_offset;
  }
  if (list->cnt == 0) return;
  if (auto err = rd_kafka_commit(rk_, list.get(), 1)) {
    log_error(err, fmt::format("commit failed: {}", rd_kafka_err2str(err)));
  }
}

void kafka_source::commit_sync(const rd_kafka_topic_partition_list_t* parts) {
  partition_list list(rd_kafka_topic_partition_list_new(static_cast<int>(assigned_.size())));
  for (auto& p : assigned_) {
    if (p.wanted <= p.committed) continue;
    if (parts != nullptr &&
        rd_kafka_topic_partition_list_find(parts, p.topic->name.c_str(), p.partition) == nullptr) {
      continue;
    }
    rd_kafka_topic_partition_list_add(list.get(), p.topic->name.c_str(), p.partition)->offset =
        p.wanted;
  }
  if (list->cnt == 0) return;
  // The offset_commit_cb records what the broker acknowledged.
  if (auto err = rd_kafka_commit(rk_, list.get(), 0)) {
    log_error(err, fmt::format("synchronous commit of {} partition(s) failed: {}", list->cnt,
                               rd_kafka_err2str(err)));
    return;
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    if (partition_state* p = find(e.topic, e.partition)) p->committed = std::max(p->committed, e.offset);
  }
}

void kafka_source::flush_commits() { commit_sync(nullptr); }

bool kafka_source::start_at(std::span<const partition_offset> offsets) {
  for (const auto& o : offsets) start_at_.push_back({std::string(o.topic_name), o.partition, o.next_offset});
  return true;
}

void kafka_source::pause() {
  paused_ = true;
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk_, &list) != RD_KAFKA_RESP_ERR_NO_ERROR || list == nullptr) return;
  partition_list owned(list);
  if (auto err = rd_kafka_pause_partitions(rk_, list)) {
    log_error(err, fmt::format("pause failed: {}", rd_kafka_err2str(err)));
  }
}

void kafka_source::resume() {
  paused_ = false;
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk_, &list) != RD_KAFKA_RESP_ERR_NO_ERROR || list == nullptr) return;
  partition_list owned(list);
  if (auto err = rd_kafka_resume_partitions(rk_, list)) {
    log_error(err, fmt::format("resume failed: {}", rd_kafka_err2str(err)));
  }
}

void kafka_source::on_assign(rd_kafka_topic_partition_list_t* parts) {
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
  for (int i = 0; i < parts->cnt && !start_at_.empty(); ++i) {
    auto& e = parts->elems[i];
    const auto it = std::find_if(start_at_.begin(), start_at_.end(), [&](const start_offset& s) {
      return s.partition == e.partition && s.topic == e.topic;
    });
    if (it == start_at_.end()) continue;
    e.offset = it->offset;  // assign() starts here instead of at the committed offset
    spdlog::info("kafka source (group {}): {}[{}] starts at checkpoint offset {}", group_, e.topic,
                 e.partition, e.offset);
    start_at_.erase(it);
  }
  if (cooperative) {
    check(rd_kafka_incremental_assign(rk_, parts), "incremental assign");
  } else {
    assigned_.clear();
    if (auto err = rd_kafka_assign(rk_, parts)) {
      spdlog::error("kafka source: assign failed: {}", rd_kafka_err2str(err));
    }
  }
  for (int i = 0; i < parts->cnt; ++i) {
    const auto& e = parts->elems[i];
    if (find(e.topic, e.partition) != nullptr) continue;
    partition_state p{&intern(e.topic), e.partition};
    if (metrics_ != nullptr) p.lag = &metrics_->consumer_lag(p.topic->name, p.partition);
    assigned_.push_back(p);
  }
  // librdkafka keeps a partition's pause across unassign/assign: one paused, lost with the
  // session, and assigned again after resume() (which only reaches assigned partitions)
  // would never be fetched again. So each assignment states the pause explicitly.
  if (parts->cnt > 0) {
    if (auto err = paused_ ? rd_kafka_pause_partitions(rk_, parts) : rd_kafka_resume_partitions(rk_, parts))
      log_error(err, fmt::format("{} of assigned partitions failed: {}", paused_ ? "pause" : "resume",
                                 rd_kafka_err2str(err)));
  }
  spdlog::info("kafka source (group {}): assigned {} partition(s), {} in total", group_, parts->cnt,
               assigned_.size());
  next_lag_refresh_ = {};
}

void kafka_source::on_revoke(rd_kafka_topic_partition_list_t* parts) {
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
  if (rd_kafka_assignment_lost(rk_)) {
    spdlog::warn("kafka source (group {}): assignment lost; uncommitted records will be re-read",
                 group_);
  } else {
    commit_sync(parts);
  }
  if (cooperative) {
    check(rd_kafka_incremental_unassign(rk_, parts), "incremental unassign");
  } else if (auto err = rd_kafka_assign(rk_, nullptr)) {
    spdlog::error("kafka source: unassign failed: {}", rd_kafka_err2str(err));
  }
  std::erase_if(assigned_, [&](const partition_state& p) {
    const bool gone = rd_kafka_topic_partition_list_find(parts, p.topic->name.c_str(),
                                                         p.partition) != nullptr;
    if (gone && p.lag != nullptr) p.lag->Set(0);
    return gone;
  });
  if (!cooperative) assigned_.clear();
  spdlog::info("kafka source (group {}): revoked {} partition(s), {} left", group_, parts->cnt,
               assigned_.size());
  next_lag_refresh_ = {};
}

void kafka_source::refresh_lag() {
  next_lag_refresh_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  partition_list positions(rd_kafka_topic_partition_list_new(static_cast<int>(assigned_.size())));
  for (const auto& p : assigned_) {
    rd_kafka_topic_partition_list_add(positions.get(), p.topic->name.c_str(), p.partition);
  }
  if (positions->cnt > 0) rd_kafka_position(rk_, positions.get());
  std::int64_t total = 0;
  for (int i = 0; i < positions->cnt; ++i) {
    const partition_state& p = assigned_[static_cast<std::size_t>(i)];
    std::int64_t low = -1;
    std::int64_t high = -1;
    if (rd_kafka_get_watermark_offsets(rk_, p.topic->name.c_str(), p.partition, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      continue;  // no fetch response yet
    }
    std::int64_t base = p.wanted >= 0 ? p.wanted : positions->elems[i].offset;
    if (base < 0) base = low >= 0 ? low : 0;
    const std::int64_t lag = std::max<std::int64_t>(0, high - base);
    if (p.lag != nullptr) p.lag->Set(static_cast<double>(lag));
    total += lag;
  }
  lag_.store(total, std::memory_order_relaxed);
}

void kafka_source::rebalance_cb(rd_kafka_t*, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* self = static_cast<kafka_source*>(opaque);
  switch (err) {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
      self->on_assign(parts);
      break;
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
      self->on_revoke(parts);
      break;
    default:
      spdlog::error("kafka source (group {}): rebalance failed: {}", self->group_,
                    rd_kafka_err2str(err));
      rd_kafka_assign(self->rk_, nullptr);
      self->assigned_.clear();
      break;
  }
}

void kafka_source::commit_cb(rd_kafka_t*, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* offsets, void* opaque) {
  auto* self = static_cast<kafka_source*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;  // nothing to commit
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->log_error(err, fmt::format("commit failed: {}", rd_kafka_err2str(err)));
  }
  if (offsets == nullptr) return;
  for (int i = 0; i < offsets->cnt; ++i) {
    const auto& e = offsets->elems[i];
    if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR || e.offset < 0) continue;
    if (partition_state* p = self->find(e.topic, e.partition)) {
      p->committed = std::max(p->committed, e.offset);
    }
  }
}

void kafka_source::error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<kafka_source*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof buf);
    spdlog::critical("kafka source (group {}): fatal error: {}", self->group_, buf);
    self->fatal_ = true;
    return;
  }
  self->log_error(err, reason);
}

}  // namespace dingwatch
