#include "kafka_ingest.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

#include "detect_support.hpp"
#include "dingwatch/core/metrics.hpp"
#include "dingwatch/detectors/registry.hpp"
#include "dingwatch/gen/generator.hpp"
#include "dingwatch/ingest/dingtalk_decoder.hpp"
#include "dingwatch/ingest/kafka_config.hpp"
#include "dingwatch/ingest/kafka_producer.hpp"
#include "dingwatch/ingest/kafka_source.hpp"

namespace dingwatch::bench {

namespace {

using bench_clock = std::chrono::steady_clock;

double seconds(bench_clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// CPU time of the whole process (every thread: reader, shards, librdkafka, mock broker).
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Consumer settings shared by both contenders (the mock cluster's rejoin wait is
/// session.timeout.ms − 1 s; 6 s keeps the first join's 3 s wait working).
kafka_options consumer_kafka(const std::string& brokers) {
  return {brokers, {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}}};
}

/// A consumer group nobody has used: every read starts from the beginning.
std::string unique_group(const char* who) {
  return fmt::format("dingwatch-bench-{}-{}", who, bench_clock::now().time_since_epoch().count());
}


}  // namespace

kafka_workload produce_generated(const std::string& brokers, std::uint64_t n) {
  gen::options go;
  go.seed = 42;
  go.start_ms = 1'767'196'800'000;  // 2026-01-01 00:00 Macau: byte-identical across runs
  gen::generator g(go);
  kafka_producer producer(kafka_options{brokers, {}});
  kafka_workload info;
  gen::record r;
  for (std::uint64_t i = 0; i < n; ++i) {
    g.next(r);
    ++info.per_topic[r.topic];
    info.value_bytes += r.value.size();
    info.key_bytes += r.key.size();
    while (!producer.produce(r.topic, r.key, r.value)) producer.poll();
  }
  if (!producer.flush(std::chrono::seconds(120)))
    throw std::runtime_error("producer flush failed or timed out");
  return info;
}

/// Every partition of the input topics must still hold everything produced into it.
std::string check_retention(const std::string& brokers, int partitions, std::uint64_t n) {
  const std::pair<std::string_view, std::string> defaults[] = {{"group.id", "ingest-bench-check"}};
  rd_kafka_conf_t* conf = kafka_detail::make_conf(consumer_kafka(brokers), defaults);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(err);
  std::uint64_t total = 0;
  std::int64_t max_partition = 0;
  std::string max_name;
  for (const auto& topic : default_input_topics()) {
    for (int p = 0; p < partitions; ++p) {
      std::int64_t low = -1, high = -1;
      if (auto e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10'000)) {
        rd_kafka_destroy(rk);
        throw std::runtime_error(fmt::format("watermarks of {}[{}]: {}", topic, p, rd_kafka_err2str(e)));
      }
      if (low != 0) {
        rd_kafka_destroy(rk);
        throw std::runtime_error(fmt::format(
            "{}[{}] low watermark {}: the mock cluster dropped records (retention ~5 MiB / 100k "
            "per partition); use more --partitions or fewer --records",
            topic, p, low));
      }
      total += static_cast<std::uint64_t>(high);
      if (high > max_partition) {
        max_partition = high;
        max_name = fmt::format("{}[{}]", topic, p);
      }
    }
  }
  rd_kafka_destroy(rk);
  if (total != n)
    throw std::runtime_error(fmt::format("broker holds {} records, produced {}", total, n));
  return fmt::format("all {}×3 partitions start at offset 0, {} records held, largest partition {} with {} "
                     "records (keys are skewed: bots)",
                     partitions, total, max_name, max_partition);
}

ingest_run run_raw_consumer(const std::string& brokers, std::uint64_t n) {
  const std::string group = unique_group("raw");
  const std::pair<std::string_view, std::string> defaults[] = {
      {"group.id", group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "false"},
  };
  rd_kafka_conf_t* conf = kafka_detail::make_conf(consumer_kafka(brokers), defaults);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(err);
  rd_kafka_poll_set_consumer(rk);
  const auto topics = default_input_topics();
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(3);
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);

  std::uint64_t count = 0, bytes = 0;
  unsigned char x = 0;
  bench_clock::time_point first{}, last{};
  double cpu_first = 0;
  auto last_progress = bench_clock::now();
  while (count < n) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) {
      if (bench_clock::now() - last_progress > std::chrono::seconds(20)) break;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (count == 0) {
        first = bench_clock::now();
        cpu_first = process_cpu_seconds();
      }
      ++count;
      bytes += m->len + m->key_len;
      if (m->len > 0) x ^= static_cast<const unsigned char*>(m->payload)[0];
      last_progress = bench_clock::now();
    }
    rd_kafka_message_destroy(m);
  }
  last = bench_clock::now();
  const double cpu_last = process_cpu_seconds();
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (count != n)
    throw std::runtime_error(fmt::format("raw consumer read {} of {} records (retention exceeded?)", count, n));
  ingest_run r;
  r.seconds = seconds(last - first);
  r.start = first;
  r.end = last;
  r.records_per_s = static_cast<double>(n - 1) / r.seconds;
  r.cpu_us_per_record = (cpu_last - cpu_first) * 1e6 / static_cast<double>(n - 1);
  r.note = fmt::format("{} bytes read, checksum {}", bytes, x);  // what the loop touched, used
  return r;
}

/// Pass-through source: notes when the first records arrive and stops the pipeline as
/// soon as the N-th record has been handed over. Per poll, not per record.
class counting_source final : public record_source {
 public:
  counting_source(record_source& inner, std::uint64_t n, std::stop_source stop)
      : inner_(inner), n_(n), stop_(std::move(stop)) {}

  poll_status poll(record_batch& batch, std::size_t max, std::chrono::milliseconds timeout) override {
    const std::size_t before = batch.size();
    const poll_status s = inner_.poll(batch, max, timeout);
    const std::size_t added = batch.size() - before;
    if (added > 0) {
      ++polls_;
      const auto now = bench_clock::now();
      if (count_ == 0) {
        first_ = now;
        cpu_first_ = process_cpu_seconds();
        first_batch_ = added;
      }
      if (resumed_) {
        refetch_stall_ += now - *resumed_;
        resumed_.reset();
      }
      count_ += added;
      if (count_ >= n_) {
        all_read_ = now;
        stop_.request_stop();
      }
    }
    return s;
  }
  void commit(std::span<const partition_offset> offsets) override { inner_.commit(offsets); }
  void pause() override {
    ++pauses_;
    inner_.pause();
  }
  void resume() override {
    resumed_ = bench_clock::now();
    inner_.resume();
  }
  void flush_commits() override {
    const auto t = bench_clock::now();
    inner_.flush_commits();
    flush_ += bench_clock::now() - t;
  }

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::uint64_t first_batch() const { return first_batch_; }
  [[nodiscard]] std::uint64_t polls() const { return polls_; }
  [[nodiscard]] std::uint64_t pauses() const { return pauses_; }
  [[nodiscard]] bench_clock::time_point first() const { return first_; }
  [[nodiscard]] double cpu_first() const { return cpu_first_; }
  [[nodiscard]] bench_clock::time_point all_read() const { return all_read_; }
  /// Time spent in the synchronous commit at the end of the run.
  [[nodiscard]] double flush_seconds() const { return seconds(flush_); }
  /// Time from each resume() to the next records: what discarding the prefetch costs.
  [[nodiscard]] double refetch_stall_seconds() const { return seconds(refetch_stall_); }

 private:
  record_source& inner_;
  std::uint64_t n_;
  std::stop_source stop_;
  std::uint64_t count_ = 0, first_batch_ = 0, polls_ = 0, pauses_ = 0;
  bench_clock::time_point first_{};
  double cpu_first_ = 0;
  bench_clock::time_point all_read_{};
  bench_clock::duration flush_{};
  std::optional<bench_clock::time_point> resumed_;
  bench_clock::duration refetch_stall_{};
};

pipeline_options app_pipeline_options(std::size_t shards, std::size_t in_flight) {
  pipeline_options o;
  o.enrich = make_jurisdiction_enricher(default_pack().resolver, nullptr);
  o.shards = shards;
  o.max_batches_in_flight = in_flight;
  return o;
}

detector_factory app_detectors() { return build_detectors(default_detectors_config()); }

ingest_run run_dingwatch_consumer(const std::string& brokers, std::uint64_t n, const pipeline_options& options,
                                  const detector_factory& detectors) {
  metrics m;
  kafka_source_options so;
  so.kafka = consumer_kafka(brokers);
  so.group = unique_group("dingwatch");
  so.topics = default_input_topics();
  kafka_source source(so, &m);
  std::stop_source stop;
  counting_source counted(source, n, stop);
  dingtalk_decoder decoder;
  pipeline p(options, counted, decoder, detectors, {}, nullptr, &m);

  // Guard: the pipeline must not wait forever if records went missing.
  std::jthread guard([&, stop](std::stop_token done) mutable {
    auto last = counted.count();
    auto last_change = bench_clock::now();
    while (!done.stop_requested() && !stop.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (p.stats().records_read.load() != last) {
        last = p.stats().records_read.load();
        last_change = bench_clock::now();
      } else if (bench_clock::now() - last_change > std::chrono::seconds(20)) {
        stop.request_stop();
      }
    }
  });
  const run_summary s = p.run(stop.get_token());
  const auto done = bench_clock::now();
  const double cpu_done = process_cpu_seconds();
  guard.request_stop();
  guard.join();

  if (s.records_read != n || s.records_committed != n)
    throw std::runtime_error(fmt::format("dingwatch read {} and committed {} of {} records", s.records_read,
                                         s.records_committed, n));
  ingest_run r;
  r.seconds = seconds(done - counted.first());
  r.start = counted.first();
  r.end = done;
  r.records_per_s = static_cast<double>(n - counted.first_batch()) / r.seconds;
  r.cpu_us_per_record = (cpu_done - counted.cpu_first()) * 1e6 / static_cast<double>(n - counted.first_batch());
  r.note = fmt::format(
      "events {} rejected {} alerts {} polls {} (avg {:.0f}/poll) pauses {} (refetch stall {:.3f} s) "
      "drain+commit {:.1f} ms (sync commit {:.1f} ms)",
      s.events, s.rejected, s.alerts, counted.polls(),
      static_cast<double>(n) / static_cast<double>(std::max<std::uint64_t>(1, counted.polls())), counted.pauses(),
      counted.refetch_stall_seconds(), seconds(done - counted.all_read()) * 1e3, counted.flush_seconds() * 1e3);
  return r;
}


}  // namespace dingwatch::bench
