#pragma once
/// A chunked bump allocator for strings that must outlive a parser but not their batch.
///
/// Decoders copy unescaped JSON strings here (and Stream-mode `data` documents, which
/// need padding before they can be parsed). Chunks never move, so views stay valid
/// until `reset()`; `reset()` keeps the chunks, so a warmed-up arena never allocates.

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace dingwatch {

class string_arena {
 public:
  /// `chunk_size` is the size of each block; larger requests get a block of their own.
  explicit string_arena(std::size_t chunk_size = 64 * 1024) : chunk_size_(chunk_size) {}

  /// Reserves `n` writable bytes followed by `padding` zeroed bytes; returns the start.
  char* allocate(std::size_t n, std::size_t padding = 0) {
    const std::size_t need = n + padding;
    while (current_ < chunks_.size() && chunks_[current_].size - used_ < need) {
      ++current_;
      used_ = 0;
    }
    if (current_ == chunks_.size()) {
      const std::size_t size = need > chunk_size_ ? need : chunk_size_;
      chunks_.push_back({std::make_unique<char[]>(size), size});
      used_ = 0;
    }
    char* p = chunks_[current_].data.get() + used_;
    used_ += need;
    if (padding) std::memset(p + n, 0, padding);
    return p;
  }

  /// Copies `s` into the arena and returns a view of the copy.
  std::string_view copy(std::string_view s, std::size_t padding = 0) {
    char* p = allocate(s.size(), padding);
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  /// Forgets every string; keeps the memory for reuse.
  void reset() noexcept {
    current_ = 0;
    used_ = 0;
  }

  /// Bytes reserved across all chunks (for memory accounting).
  [[nodiscard]] std::size_t capacity() const noexcept {
    std::size_t total = 0;
    for (const auto& c : chunks_) total += c.size;
    return total;
  }

 private:
  struct chunk {
    std::unique_ptr<char[]> data;
    std::size_t size;
  };
  std::vector<chunk> chunks_;
  std::size_t chunk_size_;
  std::size_t current_ = 0;
  std::size_t used_ = 0;
};

}  // namespace dingwatch
