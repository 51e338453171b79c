#pragma once
/// JSONL files for alerts and dead letters (offline replay, backfills, simple setups).

#include <cstdio>
#include <filesystem>
#include <string>

#include "dingwatch/core/sink.hpp"

namespace dingwatch {

/// Appends each alert as one line of ECS JSON; `write` returns after the data is
/// flushed to the kernel (and fsync'ed when `sync` is set).
class jsonl_alert_sink final : public alert_sink {
 public:
  /// Opens (creates, appends to) `path`; throws std::runtime_error naming the path.
  explicit jsonl_alert_sink(const std::filesystem::path& path, bool sync = false);
  /// Writes to an already open stream (e.g. stdout); does not close it.
  explicit jsonl_alert_sink(std::FILE* borrowed);
  ~jsonl_alert_sink() override;
  [[nodiscard]] std::string_view name() const noexcept override { return "file"; }
  bool write(std::span<const alert> alerts) override;

 private:
  std::FILE* file_;
  bool sync_ = false;
  bool owned_ = true;
};

/// Appends each dead letter as one JSON line:
/// `{"reason":…,"topic":…,"partition":…,"offset":…,"record":"<original>"}`; records that
/// are not valid UTF-8 are kept byte-exact as `"record_base64"` instead. Lines are kept in
/// memory until a `flush` writes them; a failed flush keeps them for the next one and cuts
/// off what it wrote in part.
class jsonl_dead_letter_sink final : public dead_letter_sink {
 public:
  /// Opens (creates, appends to) `path`; throws std::runtime_error naming the path.
  explicit jsonl_dead_letter_sink(const std::filesystem::path& path);
  /// Writes to an already open stream (e.g. stderr); does not close it.
  explicit jsonl_dead_letter_sink(std::FILE* borrowed);
  ~jsonl_dead_letter_sink() override;
  void write(const dead_letter& d) override;
  bool flush() override;

 private:
  std::FILE* file_;
  bool owned_ = true;
  std::string pending_;  ///< lines written since the last successful flush
};

/// Standard base64 (RFC 4648) of arbitrary bytes.
std::string base64(std::string_view bytes);

}  // namespace dingwatch
