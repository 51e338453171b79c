#include <catch2/catch.hpp>

#include <thread>

#include "dingwatch/core/spsc_queue.hpp"

using dingwatch::spsc_queue;

TEST_CASE("spsc queue delivers every element once, in order, across threads") {
  spsc_queue<std::uint64_t> q(64);
  constexpr std::uint64_t n = 1'000'000;
  std::jthread producer([&] {
    for (std::uint64_t i = 0; i < n; ++i)
      while (!q.try_push(i)) std::this_thread::yield();
  });
  std::uint64_t expected = 0;
  while (expected < n) {
    if (auto v = q.try_pop()) {
      REQUIRE(*v == expected);
      ++expected;
    }
  }
  CHECK(!q.try_pop());
}

TEST_CASE("spsc queue refuses to push past its capacity") {
  spsc_queue<int> q(4);
  for (int i = 0; i < 4; ++i) CHECK(q.try_push(i));
  CHECK_FALSE(q.try_push(99));
  CHECK(q.size() == 4);
  CHECK(q.try_pop() == 0);
  CHECK(q.try_push(4));
}
