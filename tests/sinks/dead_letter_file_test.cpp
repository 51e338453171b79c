// The JSONL dead-letter file: a flush that fails (disk full, file too large) loses no
// letter and leaves no torn line; the pipeline's retry writes them all.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <set>
#include <sys/resource.h>

#include "dingwatch/core/record.hpp"
#include "dingwatch/sinks/file_sinks.hpp"
#include "sink_test_support.hpp"

using namespace dingwatch;
using namespace dingwatch::test;

TEST_CASE("a dead-letter file flush that fails keeps every letter for the retry and no torn line", "[dlq]") {
  scratch_dir dir("dlq");
  const auto path = dir.path / "dead.jsonl";
  jsonl_dead_letter_sink sink(path);
  record_batch batch;
  for (int i = 0; i < 6; ++i)
    batch.add("dingtalk.audit", source_topic::audit, 0, i, "corp1:u1", "{\"broken\": " + std::string(200, 'x'), 0);
  const auto& records = batch.records();
  sink.write({&records[0], reject_reason::malformed_json});
  REQUIRE(sink.flush());
  const auto size_before = std::filesystem::file_size(path);

  {
    // Room for a bit more than one more line: write(2) fails part way with EFBIG.
    const file_size_limit limit(size_before + 300);
    for (std::size_t i = 1; i < records.size(); ++i) sink.write({&records[i], reject_reason::malformed_json});
    CHECK_FALSE(sink.flush());
  }
  CHECK(std::filesystem::file_size(path) == size_before);  // what got through in part is cut off
  REQUIRE(sink.flush());                                    // the retry, room again

  std::ifstream in(path);
  std::set<std::int64_t> offsets;
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line); ++lines) offsets.insert(nlohmann::json::parse(line)["offset"].get<std::int64_t>());
  CHECK(lines == records.size());
  CHECK(offsets.size() == records.size());
}
