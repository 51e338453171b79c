#pragma once
/// Per-key detection state of one rule on one shard: a value per key, kept in
/// least-recently-touched order so idle keys expire and the coldest are evicted first.
///
/// Keys are 64-bit hashes of the key text (`hash64`), not the text: the text is
/// rebuilt from the event whenever an alert needs it, and a table of 1M keys then holds
/// no strings at all. Two different keys of one rule share state only if their hashes
/// collide, which for n keys happens with probability about n²/2⁶⁵ (3·10⁻⁸ at 1M keys).
///
/// Layout: entries live in fixed chunks of 32 (stable addresses, no reallocation copies,
/// and an entry's address is a shift and a mask away from its number), recycled through a
/// free list and linked in touch order by 32-bit indices; the index
/// is an open-addressing table of entry numbers with linear probing and backward-shift
/// deletion, at most 3/4 full. Nothing is allocated per lookup; a new key allocates only
/// when the deque or the index grows.
///
/// A removed key's value is emptied with its `clear()` when `V` has one, which must leave
/// it equal to a value-initialized `V` but may keep its heap blocks: keys come and go all
/// the time (windows close, alerts reset them, idle users expire), and the next key
/// reuses the blocks instead of allocating its own. Memory held that way is bounded by
/// the most keys the table ever held; values without `clear()` are reset to `V{}`.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

namespace dingwatch::rules {

template <typename V>
class key_table {
 public:
  /// The value for `key`, created (value-initialized) when absent; marks it most recent
  /// and its last touch no earlier than `now_ms`.
  V& touch(std::uint64_t key, std::int64_t now_ms) {
    std::size_t slot = find_slot(key);
    std::uint32_t e;
    if (slot != k_npos) {
      e = index_[slot] - 1;
      unlink(e);
      if (now_ms > at(e).last_ms) at(e).last_ms = now_ms;
    } else {
      if ((size_ + 1) * 4 > index_.size() * 3) grow();
      e = allocate();
      at(e).key = key;
      at(e).last_ms = now_ms;
      place(e);
      ++size_;
    }
    link_last(e);
    return at(e).value;
  }

  /// When `key` was last touched (its latest `now_ms`), or nothing when it is absent.
  [[nodiscard]] std::optional<std::int64_t> last_touch(std::uint64_t key) const noexcept {
    const std::size_t slot = find_slot(key);
    if (slot == k_npos) return std::nullopt;
    return at(index_[slot] - 1).last_ms;
  }

  void erase(std::uint64_t key) noexcept {
    const std::size_t slot = find_slot(key);
    if (slot != k_npos) remove(slot);
  }

  /// Drops keys from the cold end whose last touch is before `cutoff_ms` (touch order:
  /// a key touched with an older time than others stays until they go).
  std::size_t expire(std::int64_t cutoff_ms) noexcept {
    std::size_t n = 0;
    while (head_ != k_none && at(head_).last_ms < cutoff_ms) {
      remove(find_slot(at(head_).key));
      ++n;
    }
    return n;
  }

  /// Drops the coldest keys until at most `cap` remain.
  std::size_t trim(std::size_t cap) noexcept {
    std::size_t n = 0;
    while (size_ > cap) {
      remove(find_slot(at(head_).key));
      ++n;
    }
    return n;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// Calls `f(key, last_ms, value)` for every key, least recently touched first: the
  /// order in which `restore` rebuilds a saved table (checkpoints).
  template <typename F>
  void for_each(F&& f) const {
    for (std::uint32_t e = head_; e != k_none; e = at(e).next) f(at(e).key, at(e).last_ms, at(e).value);
  }

  /// Makes `key` the most recently touched, last touched exactly at `last_ms`, and
  /// returns its value (a new key's value-initialized). Restoring a table entry by
  /// entry in `for_each` order rebuilds its touch order.
  V& restore(std::uint64_t key, std::int64_t last_ms) {
    V& v = touch(key, last_ms);
    at(tail_).last_ms = last_ms;
    return v;
  }

  /// Bytes one key costs besides the heap its value owns: its entry, and its index slots
  /// at the lowest load the index has right after growing (3/8).
  static constexpr std::size_t bytes_per_key = sizeof(V) + 3 * sizeof(std::uint64_t) + 11;

 private:
  static constexpr std::uint32_t k_none = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::size_t k_npos = std::numeric_limits<std::size_t>::max();

  struct entry {
    std::uint64_t key = 0;
    std::int64_t last_ms = 0;
    std::uint32_t prev = k_none, next = k_none;  ///< touch order; next of a free entry: free list
    V value{};
  };

  [[nodiscard]] std::size_t home(std::uint64_t key) const noexcept {
    return static_cast<std::size_t>(key) & (index_.size() - 1);
  }

  [[nodiscard]] std::size_t find_slot(std::uint64_t key) const noexcept {
    if (size_ == 0) return k_npos;
    for (std::size_t s = home(key);; s = (s + 1) & (index_.size() - 1)) {
      const std::uint32_t v = index_[s];
      if (v == 0) return k_npos;
      if (at(v - 1).key == key) return s;
    }
  }

  void place(std::uint32_t e) noexcept {
    std::size_t s = home(at(e).key);
    while (index_[s] != 0) s = (s + 1) & (index_.size() - 1);
    index_[s] = e + 1;
  }

  void grow() {
    index_.assign(index_.empty() ? 16 : 2 * index_.size(), 0);
    for (std::uint32_t e = head_; e != k_none; e = at(e).next) place(e);
  }

  std::uint32_t allocate() {
    if (free_ != k_none) {
      const std::uint32_t e = free_;
      free_ = at(e).next;
      return e;
    }
    if (allocated_ == chunks_.size() << k_chunk_bits) chunks_.push_back(std::make_unique<entry[]>(k_chunk));
    return allocated_++;
  }

  entry& at(std::uint32_t e) noexcept { return chunks_[e >> k_chunk_bits][e & (k_chunk - 1)]; }
  const entry& at(std::uint32_t e) const noexcept { return chunks_[e >> k_chunk_bits][e & (k_chunk - 1)]; }

  /// Removes the key in `slot`: unlinks and frees its entry, then shifts later entries
  /// of the probe run back so no lookup stops early at the hole.
  void remove(std::size_t slot) noexcept {
    const std::uint32_t e = index_[slot] - 1;
    unlink(e);
    recycle(at(e).value);
    at(e).next = free_;
    free_ = e;
    --size_;
    const std::size_t mask = index_.size() - 1;
    std::size_t hole = slot;
    for (std::size_t s = (slot + 1) & mask; index_[s] != 0; s = (s + 1) & mask) {
      const std::size_t want = home(at(index_[s] - 1).key);
      // Move it into the hole unless its home lies cyclically in (hole, s].
      const bool stays = hole <= s ? (want > hole && want <= s) : (want > hole || want <= s);
      if (stays) continue;
      index_[hole] = index_[s];
      hole = s;
    }
    index_[hole] = 0;
  }

  static void recycle(V& v) noexcept {
    if constexpr (requires { v.clear(); }) v.clear();
    else v = V{};
  }

  void unlink(std::uint32_t e) noexcept {
    entry& x = at(e);
    (x.prev == k_none ? head_ : at(x.prev).next) = x.next;
    (x.next == k_none ? tail_ : at(x.next).prev) = x.prev;
    x.prev = x.next = k_none;
  }

  void link_last(std::uint32_t e) noexcept {
    at(e).prev = tail_;
    at(e).next = k_none;
    (tail_ == k_none ? head_ : at(tail_).next) = e;
    tail_ = e;
  }

  static constexpr std::uint32_t k_chunk_bits = 5;
  static constexpr std::uint32_t k_chunk = 1u << k_chunk_bits;
  std::vector<std::unique_ptr<entry[]>> chunks_;
  std::uint32_t allocated_ = 0;  ///< entries ever handed out (live or on the free list)
  std::vector<std::uint32_t> index_;  ///< entry number + 1; 0 = empty
  std::uint32_t head_ = k_none, tail_ = k_none, free_ = k_none;
  std::size_t size_ = 0;
};

}  // namespace dingwatch::rules
