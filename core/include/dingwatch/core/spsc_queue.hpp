#pragma once
/// A bounded single-producer single-consumer ring buffer, lock-free.
///
/// The ingest thread is the only producer of each shard's queue and the shard the
/// only consumer, so two atomics with acquire/release ordering are all it takes.

#include <atomic>
#include <bit>
#include <cstddef>
#include <new>
#include <optional>
#include <vector>

namespace dingwatch {

template <class T>
class spsc_queue {
 public:
  /// Capacity is rounded up to a power of two.
  explicit spsc_queue(std::size_t capacity)
      : slots_(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity)), mask_(slots_.size() - 1) {}

  /// Producer side: false when full.
  bool try_push(const T& v) noexcept {
    const auto head = head_.load(std::memory_order_relaxed);
    if (head - tail_cache_ == slots_.size()) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head - tail_cache_ == slots_.size()) return false;
    }
    slots_[head & mask_] = v;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  /// Consumer side: the oldest element, or nothing when empty.
  std::optional<T> try_pop() noexcept {
    const auto tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_cache_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail == head_cache_) return std::nullopt;
    }
    T v = slots_[tail & mask_];
    tail_.store(tail + 1, std::memory_order_release);
    return v;
  }

  /// Approximate number of queued elements (for metrics), from any thread.
  [[nodiscard]] std::size_t size() const noexcept {
    return head_.load(std::memory_order_relaxed) - tail_.load(std::memory_order_relaxed);
  }

 private:
  std::vector<T> slots_;
  std::size_t mask_;
  alignas(64) std::atomic<std::size_t> head_{0};
  std::size_t tail_cache_ = 0;  // producer's view of tail
  alignas(64) std::atomic<std::size_t> tail_{0};
  std::size_t head_cache_ = 0;  // consumer's view of head
};

}  // namespace dingwatch
