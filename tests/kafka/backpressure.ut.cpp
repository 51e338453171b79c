// Backpressure: an alert sink that refuses every write stalls the pipeline. Consumption
// must pause, memory stay bounded while far more data waits in the broker, nothing be
// dropped; once the sink recovers everything is delivered and committed.

#include <catch2/catch.hpp>

#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/pipeline.hpp"
#include "dingwatch/ingest/dingtalk_decoder.hpp"
#include "dingwatch/ingest/kafka_producer.hpp"
#include "dingwatch/ingest/kafka_source.hpp"
#include "dingwatch/ingest/mock_broker.hpp"
#include "kafka_test_support.hpp"
#include "pipeline_probe.hpp"
#include "support/fixtures.hpp"

using namespace dingwatch;
using namespace std::chrono_literals;

namespace {

/// Refuses every write until opened, then keeps every alert id it is given.
class gated_sink final : public alert_sink {
 public:
  std::string_view name() const noexcept override { return "gated"; }
  bool write(std::span<const alert> alerts) override {
    std::lock_guard lock(mutex_);
    if (!open_) {
      ++refusals_;
      return false;
    }
    for (const alert& a : alerts) ids_.insert(a.id);
    return true;
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
  }
  std::uint64_t refusals() {
    std::lock_guard lock(mutex_);
    return refusals_;
  }
  std::set<std::string> ids() {
    std::lock_guard lock(mutex_);
    return ids_;
  }

 private:
  std::mutex mutex_;
  bool open_ = false;
  std::uint64_t refusals_ = 0;
  std::set<std::string> ids_;
};

constexpr std::size_t k_mib = 1024 * 1024;

// ASan keeps freed memory in quarantine (256 MiB by default): RSS says nothing there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool k_rss_meaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool k_rss_meaningful = false;
#else
constexpr bool k_rss_meaningful = true;
#endif
#else
constexpr bool k_rss_meaningful = true;
#endif

}  // namespace

TEST_CASE("a failing sink pauses consumption with memory bounded, and once it recovers nothing is missing",
          "[kafka][backpressure]") {
  // 250,000 records of ~1 KiB wait in the broker: 230 MiB, three times the memory bound
  // below, spread so that no partition reaches the mock's 5 MiB (beyond it drops the oldest).
  constexpr int k_partitions = 128;
  constexpr std::uint64_t n = 250'000;
  constexpr std::size_t k_pad = 700;
  const std::string input = "dingtalk.audit";
  std::size_t bytes = 0;
  for (std::uint64_t i = 0; i < n; ++i) bytes += test::make_record(i, k_pad).value.size();
  // Broker and producer in a child process: the data is not in the memory measured here.
  const test::forked_broker broker({.brokers = 1, .partitions = k_partitions, .topics = {input}},
                                   [&](const std::string& bootstrap) {
                                     kafka_producer producer({bootstrap, {}});
                                     for (std::uint64_t i = 0; i < n; ++i) {
                                       const auto r = test::make_record(i, k_pad);
                                       while (!producer.produce(input, r.key, r.value)) producer.poll();
                                     }
                                     if (!producer.flush(60s)) throw std::runtime_error("not produced");
                                   });
  for (const auto& part : test::progress_of(broker.bootstrap(), "none", input, k_partitions))
    REQUIRE(part.low <= 0);  // nothing aged out: every record is still there to be read
  REQUIRE(test::records_in(broker.bootstrap(), input, k_partitions) == static_cast<std::int64_t>(n));

  // The pipeline as `dingwatch run` builds it (default batch size and batches in flight).
  // The consumer's prefetch is capped at 8 MiB queued and 8 MiB per fetch response
  // (queued.max.messages.kbytes and fetch.max.bytes; librdkafka's defaults are 64 and 50
  // MiB), so what is measured is what the pipeline holds.
  const std::size_t baseline = test::resident_bytes();
  metrics m;
  const std::string group = test::unique_group("backpressure");
  auto options = test::fast_source_options(broker.bootstrap(), group, {input});
  options.kafka.extra["queued.max.messages.kbytes"] = "8192";
  options.kafka.extra["fetch.max.bytes"] = std::to_string(8 * k_mib);
  kafka_source source(options, &m);
  dingtalk_decoder decoder;
  gated_sink sink;
  test::recording_dead_letters dead_letters;
  test::pipeline_probe probe;
  pipeline_options o;
  o.shards = 2;
  pipeline p(o, source, decoder, probe.detectors(), {&sink}, &dead_letters, &m);
  const pipeline_stats& st = p.stats();
  // What the design allows it to hold: every batch slot (max_batches_in_flight + 1) full of
  // batch_size records, each copied with its padding and decoded into one event; the
  // consumer's two 8 MiB caps; 24 MiB for threads and the allocator.
  const std::size_t bound = (o.max_batches_in_flight + 1) * o.batch_size *
                                (bytes / n + k_record_padding + sizeof(normalized_event)) +
                            16 * k_mib + 24 * k_mib;
  std::jthread runner([&](std::stop_token stop) { p.run(stop); });  // stopped however the test ends

  std::size_t peak = baseline;
  auto sample = [&] { peak = std::max(peak, test::resident_bytes()); };
  auto lag = [&] {
    double sum = 0;
    for (int part = 0; part < k_partitions; ++part) sum += m.consumer_lag(input, part).Value();
    return sum;
  };

  // The first alerts are refused; their shard retries them, batches pile up behind them
  // and the source is paused.
  REQUIRE(test::wait_until([&] { sample(); return sink.refusals() >= 4; }, 30s));
  // Reading stops once every batch slot is full; in a slow build (clang ASan + libFuzzer
  // coverage) that comes thousands of records after the fourth refusal, so the stall is
  // the point where nothing was read for a whole second.
  std::uint64_t read_before = st.records_read;
  REQUIRE(test::wait_until([&] {
    std::this_thread::sleep_for(1s);
    sample();
    const std::uint64_t now = st.records_read;
    return std::exchange(read_before, now) == now;
  }, 60s));
  const std::uint64_t read_at_stall = st.records_read;
  const double consumed_at_stall = m.consumed(input).Value();
  const std::size_t rss_at_stall = test::resident_bytes();
  const std::uint64_t refusals_at_stall = sink.refusals();
  // Held while the sink refuses four more times (backing off to 2 s): nothing more is
  // read, memory stays flat and bounded, the backlog shows as lag and the refusals as errors.
  REQUIRE(test::wait_until([&] { sample(); return sink.refusals() >= refusals_at_stall + 4; }, 30s));
  const std::size_t rss_after = test::resident_bytes();
  INFO("RSS (MiB): baseline " << baseline / k_mib << ", at stall " << rss_at_stall / k_mib << ", after "
                              << rss_after / k_mib << ", peak " << peak / k_mib << ", bound +" << bound / k_mib
                              << "; read " << read_at_stall
                              << " of " << n << " records (" << bytes / k_mib << " MiB)");
  CHECK(st.records_read == read_at_stall);
  CHECK(m.consumed(input).Value() == consumed_at_stall);
  if (k_rss_meaningful) {
    CHECK(rss_after <= rss_at_stall + 8 * k_mib);
    CHECK(peak <= baseline + bound);
  }
  const auto waiting = static_cast<double>(bytes) * static_cast<double>(n - read_at_stall) / static_cast<double>(n);
  CHECK(waiting >= 3 * static_cast<double>(bound));
  CHECK(test::wait_until([&] { return lag() >= static_cast<double>(n - read_at_stall); }, 5s));
  CHECK(m.sink_errors("gated").Value() >= 8);

  // The sink recovers: everything is read, delivered and committed.
  sink.open();
  auto all_committed = [&] {
    for (const auto& part : test::progress_of(broker.bootstrap(), group, input, k_partitions))
      if (std::max<std::int64_t>(part.committed, 0) != part.high) return false;
    return true;
  };
  CHECK(test::wait_until([&] { return st.records_read >= n && all_committed(); }, 60s));
  CHECK(test::wait_until([&] { return lag() == 0; }, 5s));
  runner.request_stop();
  runner.join();

  std::set<std::uint64_t> hostile;
  std::set<std::string> expected_ids;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (test::is_hostile(i)) hostile.insert(i);
    if (test::alerts_on(i)) expected_ids.insert(test::probe_alert_id(i));
  }
  std::set<std::uint64_t> dead;
  for (const auto& [record, reason] : dead_letters.letters) dead.insert(test::record_index(record));
  CHECK(dead == hostile);
  CHECK(dead_letters.letters.size() == hostile.size());
  CHECK(probe.decoded().size() + hostile.size() == n);
  CHECK(sink.ids() == expected_ids);
}
