// Internal decode helpers whose fast paths are CPU-dispatched: every variant must agree
// with a plain byte loop for all lengths and positions (tails, chunk boundaries).

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "decode_support.hpp"

using namespace dingwatch;

namespace {

std::size_t reference_openers(std::string_view s, bool& nul) {
  std::size_t n = 0;
  nul = false;
  for (unsigned char c : s) {
    n += c == '{' || c == '[';
    nul |= c == 0;
  }
  return n;
}

}  // namespace

TEST_CASE("count_openers agrees with a byte loop at every length and offset", "[decode_support]") {
  std::mt19937 rng(7);
  const std::string alphabet = std::string("{[]}\"\\ a:,0") + '\0' + "\xE4\xBD\xA0\x7B\x5B";
  for (std::size_t len = 0; len <= 300; ++len) {
    for (int trial = 0; trial < 4; ++trial) {
      std::string buf(len + 80, 'x');  // slack so sub-views start at odd offsets
      for (char& c : buf) c = alphabet[rng() % alphabet.size()];
      const std::size_t off = rng() % 16;
      const std::string_view s(buf.data() + off, len);
      bool nul = false, ref_nul = false;
      const std::size_t got = detail::count_openers(s, nul);
      REQUIRE(got == reference_openers(s, ref_nul));
      REQUIRE(nul == ref_nul);
    }
  }
  // Bytes just past the view never count.
  std::string tail = "{{{{";
  bool nul = true;
  REQUIRE(detail::count_openers(std::string_view(tail.data(), 0), nul) == 0);
  REQUIRE_FALSE(nul);
  REQUIRE(detail::count_openers(std::string_view(tail.data(), 3), nul) == 3);
}
