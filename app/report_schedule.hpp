#pragma once
/// The weekly report on a schedule (`run` with a `report:` section): a weekday and a time
/// of day in Asia/Macau. At each fire time the report of the 7 full Macau days before it
/// is written into the report directory (and nowhere else), then retention keeps the
/// newest reports there.
///
/// `next_fire` is pure, so the calendar logic is tested without clocks or threads.

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "config.hpp"

namespace dingwatch {

/// A weekly moment in Macau time.
struct weekly_time {
  int weekday = 1;  ///< 0 = Sunday … 6 = Saturday
  int hour = 8;
  int minute = 0;
};

/// The first instant strictly after `now_ms` that is `t` in Asia/Macau (epoch ms).
std::int64_t next_fire(std::int64_t now_ms, const weekly_time& t) noexcept;

/// "monday" / "mon" (any case) → 1; nullopt for anything else.
std::optional<int> parse_weekday(std::string_view name) noexcept;

/// "08:00" → {8, 0}; nullopt unless HH:MM with a real hour and minute.
std::optional<std::pair<int, int>> parse_clock(std::string_view text) noexcept;

/// Writes the report due at `fire_ms` (the 7 full Macau days before it) from `store`
/// into `settings.dir`, then applies retention. Returns the report's path. Throws
/// std::runtime_error (store unreadable, directory not writable, path refused).
std::filesystem::path produce_scheduled_report(const config::report_section& settings,
                                               const std::filesystem::path& store, std::int64_t fire_ms);

/// Runs `produce_scheduled_report` at each fire time on its own thread until destroyed.
/// Failures are logged and the next week is tried; they never stop the pipeline.
class report_scheduler {
 public:
  report_scheduler(config::report_section settings, std::filesystem::path store);
  ~report_scheduler();
  report_scheduler(const report_scheduler&) = delete;
  report_scheduler& operator=(const report_scheduler&) = delete;

 private:
  void loop(std::stop_token stop);

  config::report_section settings_;
  std::filesystem::path store_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace dingwatch
