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
//   dingwatch  kafka_source + dingtalk_decoder + pipeline as the app builds it (default
//              detectors, jurisdiction enrichment, no sinks, a metrics object) with
//              `--shards` shard threads; stops once
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
// The contenders are bench/common/kafka_ingest.cpp's, the code `dingwatch bench` runs for
// this figure. Prints the machine, the workload, one line per run (with the pipeline's pauses and the
// time each resume took to bring records again) and a table of medians. cpu-µs/rec is the
// whole process's CPU time in the timed window per record (mock broker and librdkafka
// threads included, same for both): less sensitive than rec/s to a busy machine.

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dingwatch/core/pipeline.hpp"
#include "dingwatch/ingest/mock_broker.hpp"
#include "kafka_ingest.hpp"
#include "machine.hpp"

namespace {

using namespace dingwatch;
using namespace dingwatch::bench;

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

double seconds_since_epoch(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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

  const auto t_produce = std::chrono::steady_clock::now();
  const kafka_workload w = produce_generated(broker.bootstrap(), args.records);
  std::printf("produced %llu records in %.1f s: avg value %.0f B, key %.0f B;",
              static_cast<unsigned long long>(args.records), std::chrono::duration<double>(std::chrono::steady_clock::now() - t_produce).count(),
              static_cast<double>(w.value_bytes) / static_cast<double>(args.records),
              static_cast<double>(w.key_bytes) / static_cast<double>(args.records));
  for (const auto& [topic, count] : w.per_topic)
    std::printf(" %s %llu", topic.c_str(), static_cast<unsigned long long>(count));
  std::printf("\n");
  std::printf("retention check: %s\n", check_retention(broker.bootstrap(), args.partitions, args.records).c_str());

  const detector_factory detectors = app_detectors();

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
      const ingest_run r =
          c == 0 ? run_raw_consumer(broker.bootstrap(), args.records)
                 : run_dingwatch_consumer(broker.bootstrap(), args.records,
                                          app_pipeline_options(args.shards[c - 1], args.in_flight), detectors);
      rates[c].push_back(r.records_per_s);
      cpu[c].push_back(r.cpu_us_per_record);
      std::printf("round %d  %-26s %9.0f rec/s  %6.3f s  %5.2f cpu-µs/rec  %s\n", round + 1, name(c).c_str(),
                  r.records_per_s, r.seconds, r.cpu_us_per_record, r.note.c_str());
      if (args.windows)
        std::printf("  window %.6f,%.6f\n", seconds_since_epoch(r.start), seconds_since_epoch(r.end));
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
