#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>

#include "dingwatch/core/hash.hpp"

using namespace dingwatch;

namespace {

/// hash64 as first written: the tail copied byte by byte. Checkpoints store state keys as
/// these hashes, so every build must compute the same values.
std::uint64_t reference_hash64(std::string_view s) {
  constexpr std::uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull;
  std::size_t n = s.size();
  const char* p = s.data();
  std::uint64_t h = n * k0;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = detail::fold_multiply(h ^ w, k1);
  }
  std::uint64_t tail = 0;
  for (std::size_t i = 0; i < n; ++i) tail |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  h = detail::fold_multiply(h ^ tail ^ k0, k1 ^ (n << 56));
  return detail::fold_multiply(h, k0 ^ 0x8ebc6af09c88c6e3ull);
}

}  // namespace

TEST_CASE("hash64 gives the values checkpoints were written with", "[core][hash]") {
  CHECK(hash64("") == 0xa08d7068ea6582a3ull);
  CHECK(hash64("a") == 0x934b7efefd08d206ull);
  CHECK(hash64("abc") == 0x4aa75af884738384ull);
  CHECK(hash64("abcdefg") == 0x07162e6206113c1dull);
  CHECK(hash64("abcdefgh") == 0x4e966196c7689bfbull);
  CHECK(hash64("abcdefghi") == 0xef1d6cf4267c8e91ull);
  CHECK(hash64("corp-1|user-42") == 0x5d43752340a41493ull);
  CHECK(hash64("203.0.113.45") == 0xd8185edb93809f6aull);
}

TEST_CASE("hash64 reads the last bytes of every length as the byte-wise definition", "[core][hash]") {
  std::mt19937_64 rng(7);
  std::string buf(80, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (std::size_t offset = 0; offset < 8; ++offset)
    for (std::size_t len = 0; len + offset <= 64; ++len) {
      const std::string_view s(buf.data() + offset, len);
      INFO("offset " << offset << " length " << len);
      REQUIRE(hash64(s) == reference_hash64(s));
      REQUIRE(hash64(s, 99) != hash64(s));
    }
}
