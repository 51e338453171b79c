#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <thread>

#include "dingwatch/core/pipeline.hpp"
#include "support/fixtures.hpp"

using namespace dingwatch;
using namespace dingwatch::test;

namespace {

std::vector<std::string> make_records(int n, int alert_every, int bad_every = 0) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) {
    if (bad_every > 0 && i % bad_every == bad_every - 1) {
      v.push_back("bad");
      continue;
    }
    v.push_back("user" + std::to_string(i % 37) + "," + (i % alert_every == 0 ? "alert" : "ok"));
  }
  return v;
}

detector_factory markers(std::function<void(const normalized_event&)> on_each = {}) {
  return [on_each] {
    std::vector<std::unique_ptr<detector>> v;
    v.push_back(std::make_unique<marker_detector>(on_each));
    return v;
  };
}

}  // namespace

TEST_CASE("every record is either decoded or dead-lettered, and all offsets are committed") {
  auto values = make_records(10'000, 50, 97);
  memory_source source(values, 3);
  csv_decoder decoder;
  recording_sink sink;
  recording_dead_letters dlq;
  pipeline_options o;
  o.shards = 3;
  o.batch_size = 128;
  pipeline p(o, source, decoder, markers(), {&sink}, &dlq, nullptr);
  const run_summary s = p.run();

  const auto bad = static_cast<std::uint64_t>(std::count(values.begin(), values.end(), "bad"));
  CHECK(s.records_read == values.size());
  CHECK(s.records_decoded + s.rejected == values.size());
  CHECK(s.rejected == bad);
  CHECK(s.rejected_by_reason[static_cast<int>(reject_reason::malformed_json)] == bad);
  CHECK(dlq.letters.size() == bad);
  CHECK(dlq.flushes > 0);
  CHECK(s.records_committed == values.size());

  // The last commit per partition points one past its last record.
  std::map<int, std::int64_t> last;
  for (const auto& c : source.commits) last[c.partition] = std::max(last[c.partition], c.next_offset);
  REQUIRE(last.size() == 3);
  for (int part = 0; part < 3; ++part) {
    const auto records_in_partition = (values.size() + 2 - part) / 3;
    CHECK(last[part] == static_cast<std::int64_t>(records_in_partition));
  }
  CHECK(sink.alerts().size() == s.alerts);
  CHECK(s.alerts == static_cast<std::uint64_t>(std::count_if(
                        values.begin(), values.end(), [](const auto& v) { return v.ends_with(",alert"); })));
}

TEST_CASE("an offset is committed only after the alerts of every record before it are written") {
  auto values = make_records(5'000, 7);
  memory_source source(values, 2);
  csv_decoder decoder;
  recording_sink sink;
  // Slow one user down so shards finish batches out of order.
  auto slow = [](const normalized_event& ev) {
    if (ev.user_id == "user3") std::this_thread::sleep_for(std::chrono::microseconds(200));
  };
  std::atomic<int> violations{0};
  source.on_commit = [&](const partition_offset& o) {
    std::set<std::int64_t> written;
    for (const auto& a : sink.alerts())
      if (a.refs[0].partition == o.partition) written.insert(a.refs[0].offset);
    for (std::int64_t off = 0; off < o.next_offset; ++off) {
      const auto& v = values[static_cast<std::size_t>(off * 2 + o.partition)];
      if (v.ends_with(",alert") && !written.contains(off)) ++violations;
    }
  };
  pipeline_options o;
  o.shards = 4;
  o.batch_size = 64;
  pipeline p(o, source, decoder, markers(slow), {&sink}, nullptr, nullptr);
  const run_summary s = p.run();
  CHECK(violations == 0);
  CHECK(s.records_committed == values.size());
  // Commits per partition never go backwards.
  std::map<int, std::int64_t> last;
  for (const auto& c : source.commits) {
    CHECK(c.next_offset >= last[c.partition]);
    last[c.partition] = c.next_offset;
  }
}

TEST_CASE("events of one user always reach the same shard") {
  auto values = make_records(20'000, 1000);
  memory_source source(values, 4);
  csv_decoder decoder;
  std::mutex m;
  std::map<std::string, std::set<std::thread::id>> threads_by_user;
  pipeline_options o;
  o.shards = 4;
  o.batch_size = 256;
  pipeline p(o, source, decoder, markers([&](const normalized_event& ev) {
               std::lock_guard lock(m);
               threads_by_user[std::string(ev.user_id)].insert(std::this_thread::get_id());
             }),
             {}, nullptr, nullptr);
  p.run();
  REQUIRE(threads_by_user.size() == 37);
  std::set<std::thread::id> all;
  for (const auto& [user, threads] : threads_by_user) {
    CHECK(threads.size() == 1);
    all.insert(threads.begin(), threads.end());
  }
  CHECK(all.size() > 1);  // and the users are spread over shards
}

TEST_CASE("a failing sink stalls delivery and retries instead of dropping alerts") {
  auto values = make_records(2'000, 10);
  memory_source source(values, 1);
  csv_decoder decoder;
  recording_sink sink(/*failures=*/3);
  pipeline_options o;
  o.shards = 2;
  o.batch_size = 100;
  pipeline p(o, source, decoder, markers(), {&sink}, nullptr, nullptr);
  const run_summary s = p.run();
  CHECK(sink.alerts().size() == 200);
  CHECK(s.alerts == 200);
  CHECK(p.stats().sink_errors == 3);
  CHECK(s.records_committed == values.size());
}

TEST_CASE("a stalled shard pauses the source until it catches up, a brief one does not") {
  auto values = make_records(4'000, 1000);
  pipeline_options o;
  o.shards = 1;
  o.batch_size = 16;
  o.max_batches_in_flight = 2;
  csv_decoder decoder;
  SECTION("brief: microseconds per event") {
    memory_source source(values, 1);
    pipeline p(o, source, decoder,
               markers([](const normalized_event&) { std::this_thread::sleep_for(std::chrono::microseconds(5)); }),
               {}, nullptr, nullptr);
    const run_summary s = p.run();
    CHECK(source.pauses == 0);
    CHECK(s.records_committed == values.size());
  }
  SECTION("stalled: a quarter of a second on some events") {
    memory_source source(values, 1);
    pipeline p(o, source, decoder, markers([](const normalized_event& ev) {
                 if (ev.ref.offset % 1000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(250));
               }),
               {}, nullptr, nullptr);
    const run_summary s = p.run();
    CHECK(source.pauses > 0);
    CHECK(source.resumes == source.pauses);
    CHECK(s.records_committed == values.size());
  }
}

TEST_CASE("a stop request drains what is in flight and commits it") {
  auto values = make_records(200'000, 1000);
  memory_source source(values, 1);
  csv_decoder decoder;
  recording_sink sink;
  pipeline_options o;
  o.shards = 2;
  o.batch_size = 64;
  // The stop comes from a shard, at its 10,000th event: a stopper thread polling the
  // stats could be scheduled too late on a loaded machine, after everything was read.
  std::stop_source stop;
  std::atomic<int> events{0};
  pipeline p(o, source, decoder, markers([&](const normalized_event&) {
               if (++events == 10'000) stop.request_stop();
             }),
             {&sink}, nullptr, nullptr);
  const run_summary s = p.run(stop.get_token());
  CHECK(s.records_read < values.size());
  CHECK(s.records_committed == s.records_read);  // everything read was finished and committed
  CHECK(sink.alerts().size() == s.alerts);
}
