#pragma once
/// A counting global `operator new` for benchmark executables that link counting_new.cpp:
/// every allocation through operator new (all forms) is counted, and the usable size of
/// each block is added to a live-bytes total while it is allocated. Memory that libraries
/// take with malloc directly (Hyperscan's scratch, simdjson's parser buffers) is not seen.

#include <cstdint>

namespace dingwatch::bench {

/// Totals since the program started.
struct heap_counts {
  std::uint64_t allocations = 0;  ///< calls to operator new
  std::int64_t live_bytes = 0;    ///< usable bytes of the blocks currently allocated
};

/// The totals now.
heap_counts heap_now() noexcept;

}  // namespace dingwatch::bench
