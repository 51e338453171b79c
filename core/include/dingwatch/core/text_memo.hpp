#pragma once
/// A small memo of values computed from short texts (IP addresses, codes), for one
/// thread: `get(text, compute)` returns the value kept for exactly `text`, else computes
/// it, keeps it and returns it. Direct-mapped by the text's hash, `N` entries; an entry
/// holds its whole text, so a lookup never returns another text's value. Texts longer
/// than 16 bytes (or empty) are computed every time.
///
/// For per-event lookups whose inputs repeat — a user's or a service's address is parsed
/// and looked up on every event they cause — and cost far more than comparing 16 bytes.
/// `compute` must be a pure function of the text for the memo's lifetime.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "dingwatch/core/hash.hpp"

namespace dingwatch {

template <typename V, std::size_t N>
class text_memo {
  static_assert(std::has_single_bit(N), "N must be a power of two");

 public:
  static constexpr std::size_t k_max_text = 16;

  template <typename F>
  V get(std::string_view text, F&& compute) {
    if (text.empty() || text.size() > k_max_text) return compute(text);
    entry& e = entries_[hash64(text) & (N - 1)];
    if (e.size != text.size() || std::memcmp(e.text.data(), text.data(), text.size()) != 0) {
      e.value = compute(text);
      std::memcpy(e.text.data(), text.data(), text.size());
      e.size = static_cast<std::uint8_t>(text.size());
    }
    return e.value;
  }

 private:
  struct entry {
    std::array<char, k_max_text> text{};
    std::uint8_t size = 0;  ///< 0: empty (the empty text is never kept)
    V value{};
  };
  std::array<entry, N> entries_{};
};

}  // namespace dingwatch
