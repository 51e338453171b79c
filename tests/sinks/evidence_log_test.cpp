// The hash-chained evidence log: chain across rotations and restarts, durability, and
// `verify` naming the first tampered line.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <sys/resource.h>

#include "dingwatch/core/time.hpp"
#include "dingwatch/sinks/evidence_log.hpp"
#include "sink_test_support.hpp"
#include "verify.hpp"

using namespace dingwatch;
using namespace dingwatch::test;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t k_day_ms = 86'400'000;
constexpr std::int64_t k_2026_11_25 = 1'795'564'800'000;  // 2026-11-25T00:00:00Z

evidence_options options_for(const fs::path& dir, std::uint64_t max_bytes = 64ULL << 20) {
  evidence_options o;
  o.dir = dir;
  o.max_bytes = max_bytes;
  o.now_ms = [] { return k_2026_11_25 + 3'600'000; };
  return o;
}

/// Writes `n` alerts in batches of 4 into a small-file log: several files.
std::vector<fs::path> write_rotated_log(const fs::path& dir, int n = 24, std::uint64_t max_bytes = 3000) {
  evidence_log_sink sink(options_for(dir, max_bytes));
  for (int i = 0; i < n; i += 4) REQUIRE(sink.write(make_alerts(i, std::min(4, n - i))));
  return evidence_files(dir);
}

std::pair<int, std::string> run_verify(const std::vector<std::string>& args) {
  std::FILE* out = std::tmpfile();
  const int rc = cmd_verify(args, out);
  std::rewind(out);
  std::string text;
  for (int c; (c = std::fgetc(out)) != EOF;) text += static_cast<char>(c);
  std::fclose(out);
  return {rc, text};
}

}  // namespace

TEST_CASE("each evidence line is core's JSON plus a log member hashing prev_hash and the canonical line",
          "[evidence]") {
  scratch_dir dir("canonical");
  const auto alerts = make_alerts(0, 2);
  {
    evidence_log_sink sink(options_for(dir.path));
    REQUIRE(sink.write(alerts));
  }
  const auto lines = lines_of(evidence_files(dir.path).at(0));
  REQUIRE(lines.size() == 2);
  std::string prev(k_genesis_hash);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    const std::string canonical = to_json(alerts[i]);
    // The canonical line is the written line with its trailing `,"log":{…}` member removed.
    const auto cut = lines[i].rfind(",\"log\":");
    REQUIRE(cut != std::string::npos);
    CHECK(lines[i].substr(0, cut) + "}" == canonical);
    CHECK(j["log"]["prev_hash"] == prev);
    CHECK(j["log"]["hash"] == evidence_hash(prev, canonical));
    CHECK(j["alert"]["id"] == alerts[i].id);
    prev = j["log"]["hash"].get<std::string>();
  }
}

TEST_CASE("the first evidence line ever starts from 64 zeros", "[evidence]") {
  scratch_dir dir("genesis");
  evidence_log_sink sink(options_for(dir.path));
  REQUIRE(sink.write(make_alerts(0, 1)));
  const auto j = nlohmann::json::parse(lines_of(sink.current_file()).at(0));
  CHECK(j["log"]["prev_hash"] == std::string(64, '0'));
  CHECK(sink.current_file().filename() == "evidence-20261125-000.jsonl");
}

TEST_CASE("evidence write is durable on return: the line is in the file before the next call", "[evidence]") {
  scratch_dir dir("durable");
  evidence_log_sink sink(options_for(dir.path));
  for (int i = 0; i < 3; ++i) {
    const auto a = make_alert(i);
    REQUIRE(sink.write(std::span<const alert>(&a, 1)));
    // A separate reader (not through the sink's descriptor) sees the complete line now.
    const auto lines = lines_of(sink.current_file());
    REQUIRE(lines.size() == static_cast<std::size_t>(i + 1));
    const auto j = nlohmann::json::parse(lines.back());
    CHECK(j["alert"]["id"] == a.id);
    CHECK(j["log"]["hash"] == sink.last_hash());
    CHECK(slurp(sink.current_file()).back() == '\n');
  }
}

TEST_CASE("evidence chain stays intact across size rotation", "[evidence]") {
  scratch_dir dir("rotation");
  const auto files = write_rotated_log(dir.path, 30, 2500);
  REQUIRE(files.size() >= 3);
  std::size_t total = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    CHECK(fs::file_size(files[f]) <= 2500);
    const auto lines = lines_of(files[f]);
    total += lines.size();
    if (f > 0) {  // the first line of a file carries the previous file's last hash
      const auto prev_last = nlohmann::json::parse(lines_of(files[f - 1]).back());
      CHECK(nlohmann::json::parse(lines.front())["log"]["prev_hash"] == prev_last["log"]["hash"]);
    }
  }
  CHECK(total == 30);
  CHECK(files[1].filename() == "evidence-20261125-001.jsonl");
  const auto r = verify_evidence({dir.path});
  CHECK(r.intact());
  CHECK(r.files == files.size());
  CHECK(r.lines == 30);
}

TEST_CASE("a line larger than max_bytes gets a file of its own", "[evidence]") {
  scratch_dir dir("huge");
  const auto files = write_rotated_log(dir.path, 5, 10);
  CHECK(files.size() == 5);
  CHECK(verify_evidence({dir.path}).intact());
}

TEST_CASE("evidence log rotates when the UTC day changes", "[evidence]") {
  scratch_dir dir("day");
  std::int64_t now = k_2026_11_25 + k_day_ms - 1000;  // 23:59:59 UTC
  auto o = options_for(dir.path);
  o.now_ms = [&] { return now; };
  evidence_log_sink sink(o);
  REQUIRE(sink.write(make_alerts(0, 2)));
  now += 2000;  // 00:00:01 the next day
  REQUIRE(sink.write(make_alerts(2, 2)));
  const auto files = evidence_files(dir.path);
  REQUIRE(files.size() == 2);
  CHECK(files[0].filename() == "evidence-20261125-000.jsonl");
  CHECK(files[1].filename() == "evidence-20261126-000.jsonl");
  CHECK(verify_evidence({dir.path}).lines == 4);
}

TEST_CASE("a new evidence sink on the same directory continues the chain", "[evidence]") {
  scratch_dir dir("restart");
  std::string hash_before;
  {
    evidence_log_sink sink(options_for(dir.path));
    REQUIRE(sink.write(make_alerts(0, 5)));
    hash_before = sink.last_hash();
  }
  {
    evidence_log_sink sink(options_for(dir.path));
    CHECK(sink.last_hash() == hash_before);
    REQUIRE(sink.write(make_alerts(5, 5)));
    CHECK(sink.current_file().filename() == "evidence-20261125-000.jsonl");  // appended in place
  }
  write_rotated_log(dir.path, 12, 3000);  // and again, now with rotation
  const auto r = verify_evidence({dir.path});
  CHECK(r.intact());
  CHECK(r.lines == 22);
}

TEST_CASE("two evidence sinks cannot write the same directory at once", "[evidence]") {
  scratch_dir dir("lock");
  evidence_log_sink first(options_for(dir.path));
  CHECK_THROWS_WITH(evidence_log_sink(options_for(dir.path)), Catch::Contains("locked"));
}

TEST_CASE("restart after a torn last line continues from the last good hash in a new file, and verify reports "
          "the tear",
          "[evidence]") {
  scratch_dir dir("torn");
  std::string good_hash;
  {
    evidence_log_sink sink(options_for(dir.path));
    REQUIRE(sink.write(make_alerts(0, 4)));
    good_hash = sink.last_hash();
    REQUIRE(sink.write(make_alerts(4, 1)));
  }
  const auto file = evidence_files(dir.path).at(0);
  const std::string content = slurp(file);
  spit(file, content.substr(0, content.size() - 50));  // a crash in the middle of line 5
  {
    evidence_log_sink sink(options_for(dir.path));
    CHECK(sink.last_hash() == good_hash);
    REQUIRE(sink.write(make_alerts(5, 2)));
    CHECK(sink.current_file().filename() == "evidence-20261125-001.jsonl");
    const auto first = nlohmann::json::parse(lines_of(sink.current_file()).at(0));
    CHECK(first["log"]["prev_hash"] == good_hash);
  }
  CHECK(slurp(file) == content.substr(0, content.size() - 50));  // the torn file is left as it was
  const auto r = verify_evidence({dir.path});
  CHECK(r.problem == evidence_problem::truncated);
  CHECK(r.file == file);
  CHECK(r.line == 5);
}

TEST_CASE("verify names the first tampered line and what was done to it", "[evidence][tamper]") {
  scratch_dir dir("tamper");
  const auto files = write_rotated_log(dir.path);
  REQUIRE(files.size() >= 3);
  const auto second = files[1];
  auto lines = lines_of(second);
  REQUIRE(lines.size() >= 3);

  SECTION("a byte edited in a line") {
    const auto pos = lines[2].find("outside Macau");
    REQUIRE(pos != std::string::npos);
    lines[2][pos] = 'O';
    write_lines(second, lines);
    const auto r = verify_evidence({dir.path});
    CHECK(r.problem == evidence_problem::edited);
    CHECK(r.file == second);
    CHECK(r.line == 3);
  }
  SECTION("a line deleted") {
    lines.erase(lines.begin() + 1);
    write_lines(second, lines);
    const auto r = verify_evidence({dir.path});
    CHECK(r.problem == evidence_problem::removed_or_reordered);
    CHECK(r.file == second);
    CHECK(r.line == 2);
  }
  SECTION("two lines swapped") {
    std::swap(lines[1], lines[2]);
    write_lines(second, lines);
    const auto r = verify_evidence({dir.path});
    CHECK(r.problem == evidence_problem::removed_or_reordered);
    CHECK(r.file == second);
    CHECK(r.line == 2);
  }
  SECTION("the last line truncated") {
    const auto last = files.back();
    const std::string content = slurp(last);
    spit(last, content.substr(0, content.size() - 30));
    const auto r = verify_evidence({dir.path});
    CHECK(r.problem == evidence_problem::truncated);
    CHECK(r.file == last);
    CHECK(r.line == lines_of(last).size());
  }
  SECTION("a middle file deleted") {
    fs::remove(second);
    const auto r = verify_evidence({dir.path});
    CHECK(r.problem == evidence_problem::removed_or_reordered);
    CHECK(r.file == files[2]);
    CHECK(r.line == 1);
  }
  SECTION("the first file deleted") {
    fs::remove(files[0]);
    const auto r = verify_evidence({dir.path});
    CHECK(r.problem == evidence_problem::removed_or_reordered);
    CHECK(r.file == second);
    CHECK(r.line == 1);
  }
  SECTION("a line's log.hash recomputed after an edit still breaks the next link") {
    auto j = nlohmann::json::parse(lines[1]);
    const std::string prev = j["log"]["prev_hash"];
    const auto cut = lines[1].rfind(",\"log\":");
    std::string body = lines[1].substr(0, cut);
    body.replace(body.find("outside Macau"), 13, "inside  Macau");
    const std::string forged = evidence_hash(prev, body + "}");
    lines[1] = body + ",\"log\":{\"prev_hash\":\"" + prev + "\",\"hash\":\"" + forged + "\"}}";
    write_lines(second, lines);
    const auto r = verify_evidence({dir.path});
    CHECK(r.problem == evidence_problem::removed_or_reordered);
    CHECK(r.file == second);
    CHECK(r.line == 3);
  }
  SECTION("files given out of order") {
    std::vector<fs::path> given(files.begin(), files.end());
    std::swap(given[0], given[1]);
    const auto r = verify_evidence(given);
    CHECK(r.problem == evidence_problem::removed_or_reordered);
    CHECK(r.file == given[0]);
    CHECK(r.line == 1);
  }
}

TEST_CASE("cmd_verify prints a one-line summary and exits 0 on an intact log", "[evidence][verify]") {
  scratch_dir dir("cmd-ok");
  const auto files = write_rotated_log(dir.path, 24, 3000);
  const auto [rc, text] = run_verify({dir.path.string()});
  CHECK(rc == 0);
  CHECK_THAT(text, Catch::StartsWith("intact: " + std::to_string(files.size()) + " files, 24 lines, "));
  CHECK_THAT(text, Catch::Contains(iso8601_utc(make_alert(0).timestamp_ms) + " .. " +
                                   iso8601_utc(make_alert(23).timestamp_ms)));
  const auto last = nlohmann::json::parse(lines_of(files.back()).back());
  CHECK_THAT(text, Catch::EndsWith("final hash " + last["log"]["hash"].get<std::string>() + "\n"));
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);

  // The same chain given file by file.
  std::vector<std::string> args;
  for (const auto& f : files) args.push_back(f.string());
  CHECK(run_verify(args).first == 0);
}

TEST_CASE("cmd_verify names file:line and the kind, and exits 1 on a tampered log", "[evidence][verify]") {
  scratch_dir dir("cmd-bad");
  const auto files = write_rotated_log(dir.path);
  auto lines = lines_of(files[0]);
  lines[1][lines[1].find("Macau")] = 'm';
  write_lines(files[0], lines);
  const auto [rc, text] = run_verify({dir.path.string()});
  CHECK(rc == 1);
  CHECK_THAT(text, Catch::StartsWith(files[0].string() + ":2: edited: "));
  CHECK_THAT(text, Catch::Contains("1 good line before it"));

  CHECK(run_verify({(dir.path / "missing.jsonl").string()}).first == 1);
  scratch_dir empty("cmd-empty");
  const auto [rc2, text2] = run_verify({empty.path.string()});
  CHECK(rc2 == 1);
  CHECK_THAT(text2, Catch::Contains("unreadable"));
}

TEST_CASE("a batch that fails half way is cut back so the retry continues a clean chain", "[evidence]") {
  scratch_dir dir("partial");
  evidence_log_sink sink(options_for(dir.path));
  REQUIRE(sink.write(make_alerts(0, 3)));
  const auto size_before = fs::file_size(sink.current_file());
  const std::string hash_before = sink.last_hash();

  // A file-size limit just past the current size: the next batch is written in part,
  // then write(2) fails with EFBIG (SIGXFSZ ignored).
  struct rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto* old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = size_before + 700;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  const bool ok = sink.write(make_alerts(3, 4));
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);

  CHECK_FALSE(ok);
  CHECK(fs::file_size(sink.current_file()) == size_before);  // no torn line left behind
  CHECK(sink.last_hash() == hash_before);
  REQUIRE(sink.write(make_alerts(3, 4)));  // the caller's retry
  const auto r = verify_evidence({dir.path});
  CHECK(r.intact());
  CHECK(r.lines == 7);
}
