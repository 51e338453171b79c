// Hostile input: every file in tests/data/hostile/ is rejected with exactly the reason
// its name starts with, and mutated samples never crash the decoder.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <random>

#include "decode_fixture.hpp"

using namespace dingwatch;
using dingwatch::test::decode_one;

namespace {

std::optional<reject_reason> reason_named(std::string_view name) {
  for (reject_reason r : k_all_reject_reasons)
    if (to_string(r) == name) return r;
  return std::nullopt;
}

std::vector<std::string> all_samples() {
  std::vector<std::string> out;
  for (const char* f : {"events.jsonl", "audit.jsonl", "flows.jsonl"})
    for (auto& l : test::read_lines(std::string(DINGWATCH_SAMPLES_DIR) + "/" + f)) out.push_back(l);
  return out;
}

// Decodes `bytes` and checks the decoder's contract whatever the outcome.
class contract_checker {
 public:
  contract_checker() { base_ = arena_.allocate(0); }

  void check(std::string_view bytes) {
    test::padded_record rec(bytes);
    arena_.reset();
    REQUIRE(arena_.allocate(0) == base_);  // a reset arena starts again at its first chunk
    out_.assign(1, normalized_event{});     // a sentinel the decoder must not touch
    const auto reason = dec_.decode(rec.rec(), arena_, out_);
    const char* rb = rec.bytes().data();
    const std::size_t rn = rec.bytes().size();
    if (reason) {
      ++rejected_;
      REQUIRE(out_.size() == 1);
      return;
    }
    ++decoded_;
    REQUIRE(out_.size() >= 2);
    for (std::size_t i = 1; i < out_.size(); ++i) {
      for (std::string_view v : test::views_of(out_[i])) {
        const bool ok = test::inside(v, rb, rn) || test::inside(v, base_, k_chunk);
        if (!ok) FAIL("a view points outside the record and the arena");
      }
      REQUIRE(out_[i].ts_ms != k_absent);
    }
  }

  std::size_t decoded() const { return decoded_; }
  std::size_t rejected() const { return rejected_; }

 private:
  static constexpr std::size_t k_chunk = 4u << 20;
  string_arena arena_{k_chunk};
  const char* base_ = nullptr;
  dingtalk_decoder dec_;
  std::vector<normalized_event> out_;
  std::size_t decoded_ = 0;
  std::size_t rejected_ = 0;
};

}  // namespace

TEST_CASE("each hostile corpus file is rejected with the reason in its name", "[ingest][hostile]") {
  const std::filesystem::path dir = std::filesystem::path(DINGWATCH_TEST_DATA_DIR) / "hostile";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 40);

  dingtalk_decoder dec;  // one decoder across all files: state must not leak between records
  string_arena arena;
  std::vector<normalized_event> out;
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    const auto sep = name.find("__");
    REQUIRE(sep != std::string::npos);
    const auto want = reason_named(std::string_view(name).substr(0, sep));
    INFO(name);
    REQUIRE(want.has_value());
    const std::string bytes = test::read_file(path.string());
    test::padded_record rec(bytes);
    out.clear();
    const auto got = dec.decode(rec.rec(), arena, out);
    REQUIRE(got.has_value());
    CHECK(to_string(*got) == to_string(*want));
    CHECK(out.empty());
  }
}

TEST_CASE("records above max_record_bytes are oversized before parsing", "[ingest][hostile]") {
  std::string big = R"({"bizId":"1","gmtCreate":1795586403000,"userId":"u","resource":")";
  big.append(2u << 20, 'a');
  big += "\"}";
  auto d = decode_one(big);
  CHECK(d.reason == reject_reason::oversized);
  CHECK(d.events.empty());

  // The same record passes under a larger limit, and a small limit rejects a sample.
  auto roomy = decode_one(big, source_topic::unknown, {.max_record_bytes = 4u << 20, .max_string_bytes = 4u << 20});
  CHECK_FALSE(roomy.reason);
  auto tight = decode_one(all_samples().front(), source_topic::unknown, {.max_record_bytes = 16});
  CHECK(tight.reason == reject_reason::oversized);
}

TEST_CASE("max_depth is configurable and counts nesting exactly", "[ingest][hostile]") {
  auto nest = [](int n) {
    return R"({"EventType":"x","CorpId":"c","TimeStamp":1795586403219,"k":)" + std::string(n, '[') +
           std::string(n, ']') + "}";
  };
  // The top-level object is depth 1, so n arrays inside make depth n + 1.
  CHECK_FALSE(decode_one(nest(31)).reason);
  CHECK(decode_one(nest(32)).reason == reject_reason::too_deep);
  CHECK_FALSE(decode_one(nest(7), source_topic::unknown, {.max_depth = 8}).reason);
  CHECK(decode_one(nest(8), source_topic::unknown, {.max_depth = 8}).reason == reject_reason::too_deep);
  // Brackets inside strings do not count.
  const std::string in_string = R"({"EventType":"x","CorpId":"c","TimeStamp":1795586403219,"k":")" +
                                std::string(100, '[') + R"("})";
  CHECK_FALSE(decode_one(in_string).reason);
}

TEST_CASE("truncating a sample at any byte never crashes and never yields stray views", "[ingest][property]") {
  contract_checker checker;
  for (const auto& s : all_samples()) {
    for (std::size_t n = 0; n <= s.size(); ++n) checker.check(std::string_view(s).substr(0, n));
  }
  CHECK(checker.decoded() >= all_samples().size());  // at least the untruncated ones
  CHECK(checker.rejected() > 1000);
}

TEST_CASE("truncated samples are reported as truncated, not malformed", "[ingest][property]") {
  dingtalk_decoder dec;
  string_arena arena;
  std::vector<normalized_event> out;
  for (const auto& s : all_samples()) {
    // Every proper prefix that ends after the opening brace leaves a '{' unclosed.
    for (std::size_t n = 1; n < s.size(); ++n) {
      test::padded_record rec(std::string_view(s).substr(0, n));
      arena.reset();
      out.clear();
      const auto r = dec.decode(rec.rec(), arena, out);
      INFO(s.substr(0, n));
      REQUIRE(r.has_value());
      CHECK(*r == reject_reason::truncated);
    }
  }
}

TEST_CASE("flipping and replacing bytes in samples never crashes", "[ingest][property]") {
  contract_checker checker;
  std::mt19937 rng(20261125);
  const char specials[] = {'"', '\\', '{', '}', '[', ']', ':', ',', '0', '9', '-', 'e', '.', ' ',
                           'n', 't', '\0', '\x80', '\xff', '\xe9'};
  for (const auto& s : all_samples()) {
    // Every position with every special byte.
    for (std::size_t i = 0; i < s.size(); ++i) {
      for (char c : specials) {
        std::string m = s;
        m[i] = c;
        checker.check(m);
      }
    }
    // Random multi-byte mutations: flips, deletions, duplications.
    for (int round = 0; round < 400; ++round) {
      std::string m = s;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !m.empty(); ++e) {
        const std::size_t pos = rng() % m.size();
        switch (rng() % 3) {
          case 0: m[pos] = static_cast<char>(m[pos] ^ (1u << (rng() % 8))); break;
          case 1: m.erase(pos, 1 + rng() % 8); break;
          default: m.insert(pos, m.substr(pos, 1 + rng() % 16)); break;
        }
      }
      checker.check(m);
    }
  }
  CHECK(checker.decoded() > 0);
  CHECK(checker.rejected() > 0);
}

TEST_CASE("one decoder decodes samples correctly after rejecting hostile records", "[ingest][hostile]") {
  dingtalk_decoder dec;
  string_arena arena;
  std::vector<normalized_event> out;
  const auto samples = all_samples();
  test::padded_record bad("{\"EventType\":\"user_add_org\",\"CorpId\":\"c\",\"TimeStamp\":");
  test::padded_record good(samples.front());
  for (int i = 0; i < 3; ++i) {
    out.clear();
    CHECK(dec.decode(bad.rec(), arena, out) == reject_reason::truncated);
    CHECK(out.empty());
    CHECK_FALSE(dec.decode(good.rec(), arena, out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].ts_ms == 1795586403219);
  }
}
