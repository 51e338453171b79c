// Hypothesis: dingwatch's full ingest path — kafka_source poll + copy into batches +
// decode + route to shards + detect + commit — sustains ≥ 0.8× the records/s of a bare
// rd_kafka_consumer_poll loop that only touches each payload, on the same topic, in the
// same process run (target ratio ≥ 0.8×).
//
// Workload: `--records` generated DingTalk records (gen::generator, keyed corp:user, all
// three input topics) produced once into the embedded broker (librdkafka's mock cluster,
// `--partitions` per topic), then read back `--rounds` times by each contender, in an
// order rotated every round, each read by a fresh consumer group from the beginning:
//
//   raw        baseline: rd_kafka_consumer_poll loop with the same consumer settings
//              (group, earliest, no auto commit/store); per message it adds the payload
//              and key lengths and xors the first payload byte. Nothing is committed.
//   dingwatch  kafka_source + dingtalk_decoder + pipeline (default detectors, no sinks,
//              a metrics object like the app's) with `--shards` shard threads; stops once
//              every record has been read, then drains every batch and commits (the
//              pipeline's own drain + synchronous flush of offsets) — that is included.
//
// Timing excludes the group join (the mock cluster holds every first join for 3 s):
// the clock starts when the first record(s) reach the reader. raw: first message
// returned, rate = (N − 1) / (last − first). dingwatch: a pass-through record_source
// around kafka_source notes the end of its first poll that returned records and requests
// the pipeline's stop as soon as the N-th record is handed over (no watcher-thread
// sampling delay, no idle poll timeout); rate = (N − first batch) / (run() returned −
// first batch), which charges the first batch's decode and detect to dingwatch without
// crediting its records (conservative). Consumer close is outside both clocks.
//
// The mock cluster keeps only ~5 MiB / 100,000 messages per partition (DESIGN.md, "The
// embedded broker's limits"); after producing, every partition's low watermark must
// still be 0 and the watermarks must add up to N, and every reader must read exactly N,
// or the run aborts: size `--records` and `--partitions` so nothing ages out.
//
// Usage: ingest_bench [--records N] [--partitions P] [--rounds K] [--shards 1,2]
//                     [--in-flight M]   (pipeline max_batches_in_flight; default as the app)
//                     [--no-raw]        (skip the baseline, e.g. to profile dingwatch alone)
//                     [--windows]       (print each timed window in CLOCK_MONOTONIC seconds,
//                                        for `perf record -k CLOCK_MONOTONIC` + `perf report --time`)
// Prints the machine, the workload, one line per run (with the pipeline's pauses and the
// time each resume took to bring records again) and a table of medians. cpu-µs/rec is the
// whole process's CPU time in the timed window per record (mock broker and librdkafka
// threads included, same for both): less sensitive than rec/s to a busy machine.

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/pipeline.hpp"
#include "dingwatch/detectors/registry.hpp"
#include "dingwatch/gen/generator.hpp"
#include "dingwatch/ingest/dingtalk_decoder.hpp"
#include "dingwatch/ingest/kafka_config.hpp"
#include "dingwatch/ingest/kafka_producer.hpp"
#include "dingwatch/ingest/kafka_source.hpp"
#include "dingwatch/ingest/mock_broker.hpp"

namespace {

using namespace dingwatch;
using bench_clock = std::chrono::steady_clock;

struct bench_args {
  std::uint64_t records = 200'000;
  int partitions = 32;
  int rounds = 9;
  std::vector<std::size_t> shards{1, 2};
  std::size_t in_flight = pipeline_options{}.max_batches_in_flight;
  bool raw = true;       ///< --no-raw: dingwatch runs only (for profiling)
  bool windows = false;  ///< --windows: print each timed window in CLOCK_MONOTONIC seconds
};

bench_args parse_args(int argc, char** argv) {
  bench_args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-raw" || flag == "--windows") {
      (flag == "--no-raw" ? a.raw : a.windows) = flag != "--no-raw";
      continue;
    }
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (value == nullptr) throw std::runtime_error("missing value after " + flag);
    ++i;
    if (flag == "--records") {
      a.records = std::stoull(value);
    } else if (flag == "--partitions") {
      a.partitions = std::stoi(value);
    } else if (flag == "--rounds") {
      a.rounds = std::stoi(value);
    } else if (flag == "--in-flight") {
      a.in_flight = std::stoull(value);
    } else if (flag == "--shards") {
      a.shards.clear();
      std::string list = value;
      for (std::size_t pos = 0; pos <= list.size();) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        a.shards.push_back(std::stoull(list.substr(pos, comma - pos)));
        pos = comma + 1;
      }
    } else {
      throw std::runtime_error("unknown flag " + flag +
                               " (--records N --partitions P --rounds K --shards 1,2 --in-flight M --no-raw --windows)");
    }
  }
  if (a.records < 2 || a.partitions < 1 || a.rounds < 1 || a.shards.empty())
    throw std::runtime_error("need --records ≥ 2, --partitions ≥ 1, --rounds ≥ 1, --shards non-empty");
  return a;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

double seconds(bench_clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// CPU time of the whole process (every thread: reader, shards, librdkafka, mock broker).
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Consumer settings shared by both contenders (the mock cluster's rejoin wait is
/// session.timeout.ms − 1 s; 6 s keeps the first join's 3 s wait working).
kafka_options consumer_kafka(const std::string& brokers) {
  return {brokers, {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}}};
}

std::string unique_group(const char* who, int round) {
  static int serial = 0;
  return fmt::format("ingest-bench-{}-{}-{}", who, round, ++serial);
}

// ---------------------------------------------------------------------------------------
// Workload

struct workload_info {
  std::map<std::string, std::uint64_t> per_topic;
  std::uint64_t value_bytes = 0;
  std::uint64_t key_bytes = 0;
};

workload_info produce(const std::string& brokers, std::uint64_t n) {
  gen::options go;
  go.seed = 42;
  go.start_ms = 1'767'196'800'000;  // 2026-01-01 00:00 Macau: byte-identical across runs
  gen::generator g(go);
  kafka_producer producer(kafka_options{brokers, {}});
  workload_info info;
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
void check_retention(const std::string& brokers, int partitions, std::uint64_t n) {
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
  std::printf("retention check: all %d×3 partitions start at offset 0, %llu records held, "
              "largest partition %s with %lld records (keys are skewed: bots)\n",
              partitions, static_cast<unsigned long long>(total), max_name.c_str(),
              static_cast<long long>(max_partition));
}

// ---------------------------------------------------------------------------------------
// Contenders

struct run_result {
  double records_per_s = 0;
  double seconds = 0;
  double cpu_us_per_record = 0;  ///< process CPU (all threads) in the timed window / records
  bench_clock::time_point start{}, end{};  ///< the timed window
  std::string note;
};

volatile std::uint64_t g_touch_sink = 0;

run_result run_raw(const std::string& brokers, std::uint64_t n, int round) {
  const std::string group = unique_group("raw", round);
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
  g_touch_sink = g_touch_sink + bytes + x;
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (count != n)
    throw std::runtime_error(fmt::format("raw consumer read {} of {} records (retention exceeded?)", count, n));
  run_result r;
  r.seconds = seconds(last - first);
  r.start = first;
  r.end = last;
  r.records_per_s = static_cast<double>(n - 1) / r.seconds;
  r.cpu_us_per_record = (cpu_last - cpu_first) * 1e6 / static_cast<double>(n - 1);
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

run_result run_dingwatch(const std::string& brokers, std::uint64_t n, std::size_t shards,
                         std::size_t in_flight, int round, const detector_factory& detectors) {
  metrics m;
  kafka_source_options so;
  so.kafka = consumer_kafka(brokers);
  so.group = unique_group("dingwatch", round);
  so.topics = default_input_topics();
  kafka_source source(so, &m);
  std::stop_source stop;
  counting_source counted(source, n, stop);
  dingtalk_decoder decoder;
  pipeline_options po;
  po.shards = shards;
  po.max_batches_in_flight = in_flight;
  pipeline p(po, counted, decoder, detectors, {}, nullptr, &m);

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
  run_result r;
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

}  // namespace

int main(int argc, char** argv) try {
  const bench_args args = parse_args(argc, argv);
  spdlog::set_level(spdlog::level::warn);

  std::printf("machine: %u hardware threads, %s, loadavg %s\n", std::thread::hardware_concurrency(),
              cpu_model().c_str(), loadavg().c_str());
  std::printf("librdkafka %s, embedded broker (mock cluster), %d partitions per topic; pipeline "
              "batch %zu, max %zu batches in flight\n",
              rd_kafka_version_str(), args.partitions, pipeline_options{}.batch_size, args.in_flight);

  mock_broker_options bo;
  bo.partitions = args.partitions;
  bo.topics = default_input_topics();
  mock_broker broker(bo);

  const auto t_produce = bench_clock::now();
  const workload_info w = produce(broker.bootstrap(), args.records);
  std::printf("produced %llu records in %.1f s: avg value %.0f B, key %.0f B;",
              static_cast<unsigned long long>(args.records), seconds(bench_clock::now() - t_produce),
              static_cast<double>(w.value_bytes) / static_cast<double>(args.records),
              static_cast<double>(w.key_bytes) / static_cast<double>(args.records));
  for (const auto& [topic, count] : w.per_topic)
    std::printf(" %s %llu", topic.c_str(), static_cast<unsigned long long>(count));
  std::printf("\n");
  check_retention(broker.bootstrap(), args.partitions, args.records);

  const detector_factory detectors = build_detectors(default_detectors_config());

  // Contenders: 0 = raw, 1.. = dingwatch with args.shards[i - 1].
  const std::size_t contenders = 1 + args.shards.size();
  auto name = [&](std::size_t c) {
    return c == 0 ? std::string("raw librdkafka poll loop")
                  : fmt::format("dingwatch, {} shard{}", args.shards[c - 1], args.shards[c - 1] == 1 ? "" : "s");
  };
  std::vector<std::vector<double>> rates(contenders), cpu(contenders);
  for (int round = 0; round < args.rounds; ++round) {
    for (std::size_t k = 0; k < contenders; ++k) {
      const std::size_t c = (k + static_cast<std::size_t>(round)) % contenders;  // rotated order
      if (c == 0 && !args.raw) continue;
      const run_result r = c == 0 ? run_raw(broker.bootstrap(), args.records, round)
                                  : run_dingwatch(broker.bootstrap(), args.records, args.shards[c - 1],
                                                  args.in_flight, round, detectors);
      rates[c].push_back(r.records_per_s);
      cpu[c].push_back(r.cpu_us_per_record);
      std::printf("round %d  %-26s %9.0f rec/s  %6.3f s  %5.2f cpu-µs/rec  %s\n", round + 1, name(c).c_str(),
                  r.records_per_s, r.seconds, r.cpu_us_per_record, r.note.c_str());
      if (args.windows)
        std::printf("  window %.6f,%.6f\n", seconds(r.start.time_since_epoch()), seconds(r.end.time_since_epoch()));
      std::fflush(stdout);
    }
  }

  const double raw = args.raw ? median(rates[0]) : 0.0;
  std::printf("\n%-26s | %12s | %12s | %12s | %10s | %s\n", "contender", "median rec/s", "min rec/s",
              "max rec/s", "cpu-µs/rec", "ratio (median / raw median)");
  const std::string dash(32, '-');
  std::printf("%.26s-|-%.12s-|-%.12s-|-%.12s-|-%.10s-|-%s\n", dash.c_str(), dash.c_str(), dash.c_str(),
              dash.c_str(), dash.c_str(), dash.c_str());
  for (std::size_t c = args.raw ? 0 : 1; c < contenders; ++c) {
    const auto [lo, hi] = std::minmax_element(rates[c].begin(), rates[c].end());
    const double med = median(rates[c]);
    std::printf("%-26s | %12.0f | %12.0f | %12.0f | %10.2f | %s\n", name(c).c_str(), med, *lo, *hi,
                median(cpu[c]), args.raw ? fmt::format("{:.2f}×", med / raw).c_str() : "n/a");
  }
  std::printf("(%llu records, %d rounds, target ratio ≥ 0.80×; loadavg now %s)\n",
              static_cast<unsigned long long>(args.records), args.rounds, loadavg().c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "ingest_bench: %s\n", e.what());
  return 1;
}
