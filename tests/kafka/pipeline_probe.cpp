#include "pipeline_probe.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "dingwatch/core/alert.hpp"
#include "kafka_test_support.hpp"

namespace dingwatch::test {

bool is_hostile(std::uint64_t i) { return i % 53 == 52; }
bool alerts_on(std::uint64_t i) { return i % 7 == 0 && !is_hostile(i); }
std::string probe_alert_id(std::uint64_t i) { return make_alert_id("PROBE-1", fmt::format("r{}", i), 0); }

labelled_record make_record(std::uint64_t i, std::size_t pad_bytes) {
  std::string value = fmt::format(
      R"({{"action":5,"actionView":"下載","bizId":"r{}","gmtCreate":{},"userId":"u{}","realName":"User {}",)"
      R"("ipAddress":"202.175.3.{}","platform":1,"platformView":"PC","resource":"{}-{}.xlsx",)"
      R"("resourceExtension":"xlsx","resourceSize":{},"operateModuleView":"釘盤","note":"{}"}})",
      i, 1'795'586'403'000 + i * 1000, i % 997, i % 997, i % 250, alerts_on(i) ? "alert" : "report", i,
      1000 + i, std::string(pad_bytes, 'p'));
  if (is_hostile(i)) value.resize(value.size() / 2);  // cut mid-record
  return {fmt::format("corp1:u{}", i % 997), std::move(value)};
}

std::uint64_t record_index(std::string_view value) {
  constexpr std::string_view k_marker = R"("bizId":"r)";
  const auto at = value.find(k_marker);
  if (at == std::string_view::npos) throw std::runtime_error("not a labelled record: " + std::string(value));
  return std::stoull(std::string(value.substr(at + k_marker.size(), 20)));
}

class pipeline_probe::probe_detector final : public detector {
 public:
  explicit probe_detector(pipeline_probe& probe) : probe_(probe) {}
  std::string_view name() const noexcept override { return "probe"; }
  void on_event(const normalized_event& ev, alert_emitter& out) override {
    if (const int us = probe_.delay_us.load(std::memory_order_relaxed); us > 0)
      std::this_thread::sleep_for(std::chrono::microseconds(us));
    probe_.events_.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(probe_.mutex_);
      probe_.decoded_.emplace(ev.ref.partition, ev.ref.offset);
    }
    if (!ev.resource.starts_with("alert-")) return;
    alert a;
    a.rule_id = "PROBE-1";
    a.rule_name = "probe";
    a.id = make_alert_id(a.rule_id, ev.event_id, 0);
    a.user_id = std::string(ev.user_id);
    a.timestamp_ms = ev.ts_ms;
    a.refs = {ev.ref};
    a.message = "probe alert";
    out.emit(std::move(a));
  }

 private:
  pipeline_probe& probe_;
};

detector_factory pipeline_probe::detectors() {
  return [this] {
    std::vector<std::unique_ptr<detector>> v;
    v.push_back(std::make_unique<probe_detector>(*this));
    return v;
  };
}

std::set<std::pair<std::int32_t, std::int64_t>> pipeline_probe::decoded() const {
  std::lock_guard lock(mutex_);
  return decoded_;
}

std::vector<partition_progress> progress_of(const std::string& bootstrap, const std::string& group,
                                            const std::string& topic, int partitions) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(err);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  const auto committed_err = rd_kafka_committed(rk, list, 10'000);
  std::vector<partition_progress> out;
  for (int p = 0; p < partitions; ++p) {
    std::int64_t low = -1, high = -1;
    const auto hw_err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10'000);
    out.push_back({p, committed_err ? -1 : list->elems[p].offset, hw_err ? -1 : low, hw_err ? -1 : high});
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return out;
}

std::int64_t records_in(const std::string& bootstrap, const std::string& topic, int partitions) {
  std::int64_t total = 0;
  for (const auto& p : progress_of(bootstrap, unique_group("watermarks"), topic, partitions))
    total += std::max<std::int64_t>(0, p.high);
  return total;
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace dingwatch::test
