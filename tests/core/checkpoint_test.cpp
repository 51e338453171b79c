// Checkpoints: the file format (round trip, and every way a file can be bad), and the
// pipeline's use of them: a run restored from a checkpoint goes on exactly where the
// checkpoint's cut was, and a bad checkpoint is named in one log line and ignored.

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "dingwatch/core/checkpoint.hpp"
#include "dingwatch/core/hash.hpp"
#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/pipeline.hpp"
#include "support/fixtures.hpp"

using namespace dingwatch;
using namespace dingwatch::test;
namespace fs = std::filesystem;

namespace {

/// A fresh directory under the system's temp dir, removed afterwards.
struct temp_dir {
  fs::path path = fs::temp_directory_path() / ("dw-ckpt-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
  temp_dir() { fs::create_directories(path); }
  ~temp_dir() { fs::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

checkpoint sample() {
  checkpoint c;
  c.written_ms = 1'700'000'000'000;
  c.counters.read = 1000;
  c.counters.decoded = 990;
  c.counters.events = 1200;
  c.counters.rejected_by_reason[static_cast<std::size_t>(reject_reason::malformed_json)] = 10;
  c.offsets = {{"dingtalk.audit", 0, 500}, {"dingtalk.audit", 1, 500}};
  c.shards = {{{"rules", std::string("\x01\x02\x03", 3)}}, {{"rules", "state of shard 1"}}};
  return c;
}

std::string decode_error(std::string_view bytes) {
  auto r = decode_checkpoint(bytes);
  const auto* e = std::get_if<std::string>(&r);
  return e != nullptr ? *e : std::string();
}

/// Records in memory over `partitions` partitions, served round-robin; can start each
/// partition at an offset (a checkpoint's cut) and can stop after `limit` records.
class seekable_source final : public record_source {
 public:
  seekable_source(const std::vector<std::string>& values, int partitions, std::size_t limit = SIZE_MAX)
      : values_(values), partitions_(partitions), limit_(limit) {}

  poll_status poll(record_batch& batch, std::size_t max, std::chrono::milliseconds) override {
    std::size_t added = 0;
    while (next_ < values_.size() && served_ < limit_ && added < max) {
      const std::size_t i = next_++;
      const int p = static_cast<int>(i % partitions_);
      const auto offset = static_cast<std::int64_t>(i / partitions_);
      if (offset < start_[p]) continue;  // before the cut: already accounted for
      batch.add(topic_, source_topic::audit, p, offset, {}, values_[i], 0);
      ++served_;
      ++added;
    }
    return added > 0 ? poll_status::records : poll_status::end_of_input;
  }
  void commit(std::span<const partition_offset> offsets) override {
    for (const auto& o : offsets) committed[o.partition] = o.next_offset;
  }
  bool start_at(std::span<const partition_offset> offsets) override {
    for (const auto& o : offsets) start_[o.partition] = o.next_offset;
    started_at = true;
    return true;
  }

  std::map<int, std::int64_t> committed;
  bool started_at = false;

 private:
  std::string topic_ = "dingtalk.audit";
  const std::vector<std::string>& values_;
  int partitions_;
  std::size_t limit_;
  std::size_t next_ = 0, served_ = 0;
  std::map<int, std::int64_t> start_;
};

/// Stateful: counts events per user and alerts on every 5th, the alert id naming the
/// count, so the ids depend on the state carried over a restart.
class tally_detector final : public detector {
 public:
  std::string_view name() const noexcept override { return "tally"; }
  void on_event(const normalized_event& ev, alert_emitter& out) override {
    const auto n = ++counts_[std::string(ev.user_id)];
    if (n % 5 != 0) return;
    alert a;
    a.rule_id = "TALLY";
    a.id = make_alert_id(a.rule_id, ev.user_id, static_cast<std::int64_t>(n));
    a.refs = {ev.ref};
    out.emit(std::move(a));
  }
  void save(state_writer& w) const override {
    w.put(static_cast<std::uint32_t>(counts_.size()));
    for (const auto& [user, n] : counts_) {
      w.put_string(user);
      w.put(n);
    }
  }
  void restore(state_reader& r) override {
    const std::size_t n = r.count(1u << 20, 12);
    for (std::size_t i = 0; i < n && r.ok(); ++i) {
      std::string user(r.get_string(256));
      counts_[user] = r.get<std::uint64_t>();
    }
  }

 private:
  std::map<std::string, std::uint64_t> counts_;
};

detector_factory tallies() {
  return [] {
    std::vector<std::unique_ptr<detector>> v;
    v.push_back(std::make_unique<tally_detector>());
    return v;
  };
}

std::vector<std::string> make_values(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(i % 61 == 7 ? std::string("bad") : "user" + std::to_string(i % 23) + ",x");
  return v;
}

std::set<std::string> ids(recording_sink& sink) {
  std::set<std::string> out;
  for (const auto& a : sink.alerts()) out.insert(a.id);
  return out;
}

struct run_result {
  run_summary summary;
  std::set<std::string> ids;
};

run_result run_once(seekable_source& source, const fs::path& dir, std::size_t shards = 3,
                    std::chrono::milliseconds interval = std::chrono::hours(1), metrics* m = nullptr) {
  csv_decoder decoder;
  recording_sink sink;
  pipeline_options o;
  o.shards = shards;
  o.batch_size = 64;
  o.checkpoint_dir = dir;
  o.checkpoint_interval = interval;
  pipeline p(o, source, decoder, tallies(), {&sink}, nullptr, m);
  run_summary s = p.run();
  return {s, ids(sink)};
}

/// Captures what spdlog logs while alive.
struct log_capture {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  log_capture() {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out)));
  }
  ~log_capture() { spdlog::set_default_logger(previous); }
};

}  // namespace

TEST_CASE("a checkpoint survives encoding and decoding unchanged", "[checkpoint]") {
  const checkpoint c = sample();
  const std::string bytes = encode_checkpoint(c);
  auto r = decode_checkpoint(bytes);
  REQUIRE(std::holds_alternative<checkpoint>(r));
  const checkpoint& d = std::get<checkpoint>(r);
  CHECK(d.written_ms == c.written_ms);
  CHECK(d.counters.read == 1000);
  CHECK(d.counters.decoded == 990);
  CHECK(d.counters.events == 1200);
  CHECK(d.counters.rejected() == 10);
  REQUIRE(d.offsets.size() == 2);
  CHECK(d.offsets[1].topic == "dingtalk.audit");
  CHECK(d.offsets[1].partition == 1);
  CHECK(d.offsets[1].next_offset == 500);
  REQUIRE(d.shards.size() == 2);
  CHECK(d.shards[0][0].name == "rules");
  CHECK(d.shards[0][0].bytes == std::string("\x01\x02\x03", 3));
  CHECK(d.shards[1][0].bytes == "state of shard 1");
}

TEST_CASE("a bad checkpoint file is refused with the reason", "[checkpoint]") {
  const std::string bytes = encode_checkpoint(sample());
  SECTION("truncated anywhere") {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      INFO("first " << n << " bytes");
      CHECK_THAT(decode_error(bytes.substr(0, n)), Catch::Contains("truncated"));
    }
  }
  SECTION("a flipped bit in the payload") {
    for (std::size_t i = k_checkpoint_header_bytes; i < bytes.size(); ++i) {
      std::string bad = bytes;
      bad[i] ^= 0x10;
      CHECK(decode_error(bad) == "checksum mismatch (the file is corrupt)");
    }
  }
  SECTION("another format version") {
    std::string bad = bytes;
    bad[8] = 2;
    CHECK(decode_error(bad) == "format version 2, this build reads version 1");
  }
  SECTION("not a checkpoint at all") {
    CHECK(decode_error("shopping list: eggs, milk, flour and sugar") == "not a dingwatch checkpoint (bad magic)");
  }
  SECTION("a well-formed checksum over a lying payload") {
    // A forged file: the checksum is right but a count inside points past the end.
    checkpoint c = sample();
    std::string forged = encode_checkpoint(c);
    const std::size_t counts_at = k_checkpoint_header_bytes + 8 * 4;  // after written_ms, read, decoded, events
    forged[counts_at] = '\xff';
    forged[counts_at + 1] = '\xff';
    const std::string payload = forged.substr(k_checkpoint_header_bytes);
    state_writer sum;
    sum.put(hash64(payload, k_checkpoint_seed));
    forged.replace(k_checkpoint_header_bytes - 8, 8, sum.bytes());
    CHECK_THAT(decode_error(forged), Catch::StartsWith("malformed payload: element count out of range"));
  }
}

TEST_CASE("checkpoint files are written atomically and read back", "[checkpoint]") {
  temp_dir dir;
  CHECK_FALSE(read_checkpoint(dir.path).loaded);
  CHECK(read_checkpoint(dir.path).error.empty());  // no file yet: a first start, not an error
  REQUIRE_FALSE(write_checkpoint(dir.path / "sub", encode_checkpoint(sample())));
  const auto load = read_checkpoint(dir.path / "sub");
  REQUIRE(load.loaded);
  CHECK(load.loaded->counters.read == 1000);
  CHECK_FALSE(fs::exists(dir.path / "sub" / "checkpoint.tmp"));
  std::ofstream(checkpoint_path(dir.path / "sub"), std::ios::app) << "x";
  CHECK_THAT(read_checkpoint(dir.path / "sub").error, Catch::Contains("truncated or padded"));
}

TEST_CASE("a run restored from a checkpoint goes on from its cut: same alerts, every record counted once",
          "[checkpoint][pipeline]") {
  const auto values = make_values(6000);
  seekable_source all(values, 3);
  temp_dir reference_dir;
  const run_result reference = run_once(all, reference_dir.path);
  CHECK(reference.ids.size() > 900);

  // The first run stops after 2500 records and leaves a checkpoint at its end (as it does
  // after SIGTERM, or at the last interval before a crash); the second starts from it.
  temp_dir dir;
  seekable_source first_source(values, 3, 2500);
  const run_result first = run_once(first_source, dir.path, 3, std::chrono::milliseconds(0));
  CHECK(first.summary.checkpoints >= 1);
  REQUIRE(fs::exists(checkpoint_path(dir.path)));

  seekable_source second_source(values, 3);
  const run_result second = run_once(second_source, dir.path);
  CHECK(second_source.started_at);
  REQUIRE(second.summary.restored);
  const checkpoint_counters& before = *second.summary.restored;
  CHECK(before.read == 2500);
  CHECK(before.read + second.summary.records_read == values.size());
  CHECK(before.decoded + before.rejected() + second.summary.records_decoded + second.summary.rejected == values.size());

  std::set<std::string> both = first.ids;
  both.insert(second.ids.begin(), second.ids.end());
  CHECK(both == reference.ids);

  // Restarting from the committed offsets without the checkpoint, the counts restart and
  // the later ids differ: the check above can fail.
  CHECK(first_source.committed.size() == 3);
  std::vector<partition_offset> committed;
  for (const auto& [partition, offset] : first_source.committed) committed.push_back({"dingtalk.audit", partition, offset});
  temp_dir empty;
  seekable_source third_source(values, 3);
  third_source.start_at(committed);
  run_result forgetful = run_once(third_source, empty.path);
  forgetful.ids.insert(first.ids.begin(), first.ids.end());
  CHECK(forgetful.ids != reference.ids);
}

TEST_CASE("a tampered or incompatible checkpoint is named in one line and the run starts afresh",
          "[checkpoint][pipeline]") {
  const auto values = make_values(3000);
  temp_dir dir;
  seekable_source first_source(values, 3, 1000);
  run_once(first_source, dir.path, 3, std::chrono::milliseconds(0));
  const fs::path file = checkpoint_path(dir.path);
  REQUIRE(fs::exists(file));

  std::string expected;
  std::size_t shards = 3;
  SECTION("tampered") {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) - 3));
    f.put('\x7f');
    expected = "checksum mismatch";
  }
  SECTION("truncated") {
    fs::resize_file(file, fs::file_size(file) / 2);
    expected = "truncated";
  }
  SECTION("another shard count") {
    shards = 2;
    expected = "written with 3 shard(s), this run has 2";
  }
  SECTION("another detector set") {
    // A checkpoint whose shards hold state of a detector this run does not have.
    auto load = read_checkpoint(dir.path);
    REQUIRE(load.loaded);
    for (auto& shard : load.loaded->shards) shard[0].name = "something_else";
    REQUIRE_FALSE(write_checkpoint(dir.path, encode_checkpoint(*load.loaded)));
    expected = "detector 0 was 'something_else', this run has 'tally'";
  }
  SECTION("malformed detector state under a valid checksum") {
    auto load = read_checkpoint(dir.path);
    REQUIRE(load.loaded);
    load.loaded->shards[1][0].bytes = std::string("\xff\xff\xff\x00", 4);
    REQUIRE_FALSE(write_checkpoint(dir.path, encode_checkpoint(*load.loaded)));
    expected = "shard 1 detector 'tally': element count out of range";
  }

  log_capture log;
  metrics m;
  seekable_source source(values, 3);
  const run_result r = run_once(source, dir.path, shards, std::chrono::hours(1), &m);
  const std::string text = log.out.str();
  INFO(text);
  CHECK_THAT(text, Catch::Contains("checkpoint: not using " + file.string() + ": ") && Catch::Contains(expected) &&
                       Catch::Contains("starting afresh from the committed offsets"));
  CHECK(m.checkpoints("refused").Value() == 1);
  CHECK_FALSE(r.summary.restored);
  CHECK_FALSE(source.started_at);
  CHECK(r.summary.records_read == values.size());  // afresh: from the (here: no) committed offsets
  // And it writes a good checkpoint again at its end.
  CHECK(read_checkpoint(dir.path).loaded);
}
