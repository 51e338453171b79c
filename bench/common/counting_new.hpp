#pragma once
/// A counting global `operator new`, compiled into every executable that links the bench
/// library (the bench executables and `dingwatch` itself, for `dingwatch bench`): every
/// allocation through operator new (all forms) is counted, and the usable size of each
/// block is added to a live-bytes total while it is allocated. Memory that libraries take
/// with malloc directly (Hyperscan's scratch, simdjson's parser buffers, librdkafka) is not
/// seen.
///
/// The totals are per thread (thread_local, no atomics): the cost is two adds and one
/// `malloc_usable_size` per call, next to malloc's own ~20 ns, and threads never share a
/// cache line for it. A thread's live bytes are exact for blocks it allocates and frees
/// itself: measure on one thread (blocks freed by another thread count there).

#include <cstdint>

namespace dingwatch::bench {

/// Totals of the calling thread since it started.
struct heap_counts {
  std::uint64_t allocations = 0;  ///< calls to operator new
  std::int64_t live_bytes = 0;    ///< usable bytes allocated minus usable bytes freed
};

/// The calling thread's totals now.
heap_counts heap_now() noexcept;

}  // namespace dingwatch::bench
