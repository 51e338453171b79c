#pragma once
/// Logs a warning once per kind per interval, then says how many were held back.
///
/// Bad input arrives in floods; one line per reason per interval keeps the log
/// readable while the counters keep the exact numbers.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace dingwatch {

class rate_limited_log {
 public:
  explicit rate_limited_log(std::chrono::seconds interval = std::chrono::seconds(10))
      : interval_(interval) {}

  /// Logs `message` at warning level unless `kind` was logged within the interval.
  /// Thread-safe; the lock is taken only on this (cold) path.
  void warn(std::string_view kind, std::string_view message);

 private:
  struct entry {
    std::chrono::steady_clock::time_point last{};
    std::uint64_t held_back = 0;
  };
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace dingwatch
