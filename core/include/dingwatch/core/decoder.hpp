#pragma once
/// The decoding contract between the pipeline (core) and the DingTalk decoders (ingest).

#include <optional>
#include <vector>

#include "dingwatch/core/event.hpp"
#include "dingwatch/core/record.hpp"
#include "dingwatch/core/reject.hpp"
#include "dingwatch/core/string_arena.hpp"

namespace dingwatch {

/// Turns raw records into normalized events. One instance per thread; not thread-safe.
class record_decoder {
 public:
  virtual ~record_decoder() = default;

  /// Appends the events of `rec` to `out` (several for `attendance_check_record`'s
  /// `dataList`), with views into `rec.bytes` or `arena`. On failure appends nothing
  /// and returns the reason; never throws.
  virtual std::optional<reject_reason> decode(const raw_record& rec, string_arena& arena,
                                              std::vector<normalized_event>& out) = 0;
};

}  // namespace dingwatch
