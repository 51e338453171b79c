#pragma once
/// Where results leave the pipeline: alert sinks and the dead-letter sink.
///
/// A sink's `write` returns only once what it was given is durable for that sink
/// (written and flushed, or acknowledged by the broker); the pipeline commits a
/// record's offset only after every sink has done so for the alerts it caused.

#include <span>
#include <string_view>

#include "dingwatch/core/alert.hpp"
#include "dingwatch/core/record.hpp"
#include "dingwatch/core/reject.hpp"

namespace dingwatch {

/// A destination for alerts. Called from one thread at a time.
class alert_sink {
 public:
  virtual ~alert_sink() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  /// Durably writes `alerts`; false if they could not be written (the caller retries).
  virtual bool write(std::span<const alert> alerts) = 0;
};

/// A record refused by the decoders, with its reason.
struct dead_letter {
  const raw_record* record;
  reject_reason reason;
};

/// A destination for dead letters (DLQ topic or file). Called from one thread.
class dead_letter_sink {
 public:
  virtual ~dead_letter_sink() = default;
  /// Queues one dead letter. Its bytes are only valid during the call.
  virtual void write(const dead_letter& d) = 0;
  /// Makes everything queued durable; false on failure (the caller retries).
  virtual bool flush() = 0;
};

}  // namespace dingwatch
