// `dingwatch bench` (issue #9): the table has every figure, each with a number, a target
// and a verdict. Speed itself is never asserted here (no timed tests): a target not met is
// a result, and the command still exits 0.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "counting_new.hpp"
#include "support/process.hpp"

using namespace dingwatch::test;
using json = nlohmann::json;

namespace {

json bench(std::vector<std::string> extra) {
  std::vector<std::string> argv{DINGWATCH_BINARY, "bench", "--quick", "--format", "json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const std::string err = (std::filesystem::temp_directory_path() / "dingwatch_bench_test.err").string();
  const auto [code, out] = run_to_end(argv, err);
  std::ifstream in(err);
  const std::string progress((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(out << "\n" << progress);
  REQUIRE(code == 0);
  return json::parse(out);
}

std::set<std::string> ids(const json& r) {
  std::set<std::string> s;
  for (const json& f : r["figures"]) s.insert(f["id"].get<std::string>());
  return s;
}

}  // namespace

TEST_CASE("bench --quick measures every figure of issue 9, each with a number, a target and a verdict") {
  const json r = bench({});
  CHECK(r["errors"].empty());
  CHECK(r["quick"].get<bool>());
  CHECK(r["machine"]["hardware_threads"].get<int>() >= 1);
  const std::set<std::string> expected{"one_core.detect_vs_parse", "one_core.detect_vs_decode",
                                       "one_core.decode_vs_parse", "kafka.vs_raw",
                                       "scaling.two_vs_one_shard",  "latency.p99",
                                       "memory.state_per_user",     "memory.rss_slope",
                                       "allocations.decode_detect", "allocations.decode"};
  CHECK(ids(r) == expected);
  for (const json& f : r["figures"]) {
    INFO(f.dump());
    REQUIRE(f["value"].is_number());
    CHECK(std::isfinite(f["value"].get<double>()));
    CHECK(f["pass"].is_boolean());
    CHECK_FALSE(f["figure"].get<std::string>().empty());
    CHECK_FALSE(f["target"].get<std::string>().empty());
    CHECK_FALSE(f["measured"].get<std::string>().empty());
  }
}

TEST_CASE("bench --figures measures only the figures named") {
  const json r = bench({"--figures", "allocations"});
  CHECK(ids(r) == std::set<std::string>{"allocations.decode_detect", "allocations.decode"});
  for (const json& f : r["figures"])
    if (f["id"] == "allocations.decode") CHECK(f["value"].get<double>() == 0.0);  // #4: the decoder never allocates
}

TEST_CASE("the counting allocator counts this thread's allocations and live bytes") {
  using dingwatch::bench::heap_now;
  const auto before = heap_now();
  auto* block = new std::array<char, 1000>;
  void* volatile escaped = block;  // the compiler may not elide this new/delete pair
  (void)escaped;
  const auto during = heap_now();
  delete block;
  const auto after = heap_now();
  CHECK(during.allocations == before.allocations + 1);
  CHECK(during.live_bytes - before.live_bytes >= 1000);
  CHECK(after.live_bytes == before.live_bytes);
  CHECK(after.allocations == during.allocations);
}
