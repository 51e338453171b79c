// text_memo: values kept by exact text, recomputed only on a miss.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "dingwatch/core/text_memo.hpp"

using namespace dingwatch;

TEST_CASE("a text memo returns each text's own value and computes it only when not kept", "[core][memo]") {
  text_memo<std::string, 64> memo;
  int computed = 0;
  const auto reversed = [&](std::string_view t) {
    ++computed;
    return std::string(t.rbegin(), t.rend());
  };
  // 500 texts of equal and differing lengths in rounds that revisit ones whose entries
  // others have taken since (64 entries), and texts too long to keep.
  std::vector<std::string> texts;
  for (int i = 0; i < 500; ++i) texts.push_back(fmt::format("{}.{}", i % 7, i));
  texts.push_back("a text of more than sixteen bytes");
  std::size_t asked = 0;
  for (std::size_t stride : {1, 3, 1})
    for (std::size_t i = 0; i < texts.size(); i += stride, ++asked)
      CHECK(memo.get(texts[i], reversed) == std::string(texts[i].rbegin(), texts[i].rend()));
  CHECK(computed < static_cast<int>(asked));  // some were kept

  // A kept text is not computed again; a long one always is.
  computed = 0;
  CHECK(memo.get("1.2", reversed) == "2.1");
  CHECK(memo.get("1.2", reversed) == "2.1");
  CHECK(computed == 1);
  CHECK(memo.get(texts.back(), reversed).size() == texts.back().size());
  CHECK(memo.get(texts.back(), reversed).size() == texts.back().size());
  CHECK(computed == 3);
}
