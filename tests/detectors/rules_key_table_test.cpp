// key_table: a removed key's value is emptied for the next key, keeping its heap blocks
// when the value type has a `clear()` (the engine's states), reset otherwise.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "dingwatch/detectors/rules/key_table.hpp"

using dingwatch::rules::key_table;

namespace {

struct with_clear {
  std::vector<int> items;
  int scalar = 0;
  void clear() noexcept {
    items.clear();
    scalar = 0;
  }
};

struct without_clear {
  std::vector<int> items;
};

}  // namespace

TEST_CASE("a key that takes a removed key's entry starts empty but reuses its block", "[rules][key_table]") {
  key_table<with_clear> t;
  with_clear& a = t.touch(1, 100);
  a.items.assign(50, 7);
  a.scalar = 3;
  const int* block = a.items.data();
  t.erase(1);
  with_clear& b = t.touch(2, 200);  // the freed entry is the next one handed out
  CHECK(b.items.empty());
  CHECK(b.scalar == 0);
  CHECK(b.items.capacity() >= 50);
  CHECK(b.items.data() == block);
}

TEST_CASE("expired and evicted keys are recycled the same way", "[rules][key_table]") {
  key_table<with_clear> t;
  for (std::uint64_t k = 1; k <= 3; ++k) t.touch(k, static_cast<std::int64_t>(k)).items.assign(8, 1);
  CHECK(t.expire(3) == 2);  // keys 1 and 2
  CHECK(t.trim(0) == 1);    // key 3
  CHECK(t.size() == 0);
  for (std::uint64_t k = 10; k < 13; ++k) {
    const with_clear& v = t.touch(k, 10);
    CHECK(v.items.empty());
    CHECK(v.items.capacity() >= 8);
  }
}

TEST_CASE("a value without clear() is reset to a fresh one", "[rules][key_table]") {
  key_table<without_clear> t;
  t.touch(1, 1).items.assign(50, 7);
  t.erase(1);
  const without_clear& b = t.touch(2, 2);
  CHECK(b.items.empty());
  CHECK(b.items.capacity() == 0);
}
