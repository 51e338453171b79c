#include "report_schedule.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

#include "dingwatch/core/time.hpp"
#include "dingwatch/report/model.hpp"
#include "dingwatch/report/render.hpp"
#include "dingwatch/report/writer.hpp"

namespace dingwatch {

namespace {

constexpr std::int64_t k_minute_ms = 60'000;
constexpr std::int64_t k_day_ms = 86'400'000;

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::int64_t next_fire(std::int64_t now_ms, const weekly_time& t) noexcept {
  const std::int64_t midnight = report::macau_midnight(now_ms);
  const int today = to_civil(now_ms, k_macau_offset_ms).weekday;
  const std::int64_t at = (t.hour * 60LL + t.minute) * k_minute_ms;
  std::int64_t candidate = midnight + ((t.weekday - today + 7) % 7) * k_day_ms + at;
  if (candidate <= now_ms) candidate += 7 * k_day_ms;
  return candidate;
}

std::optional<int> parse_weekday(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 7> k_names = {"sunday",   "monday", "tuesday", "wednesday",
                                                              "thursday", "friday", "saturday"};
  std::string lower(name);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (std::size_t i = 0; i < k_names.size(); ++i)
    if (lower == k_names[i] || (lower.size() == 3 && k_names[i].starts_with(lower))) return static_cast<int>(i);
  return std::nullopt;
}

std::optional<std::pair<int, int>> parse_clock(std::string_view text) noexcept {
  const auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) return std::nullopt;
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return std::pair{h, m};
}

std::filesystem::path produce_scheduled_report(const config::report_section& settings,
                                               const std::filesystem::path& store, std::int64_t fire_ms) {
  const alert_store db(store, alert_store::mode::read_only);
  report::report_options o;
  o.span = report::last_full_days(fire_ms);
  o.generated_ms = fire_ms;
  const auto model = report::build_report(db, o);
  const auto lang = report::parse_language(settings.lang).value_or(report::language::zh_hant);
  const auto fmt = report::parse_format(settings.format).value_or(report::format::html);
  const auto path = report::write_confined(settings.dir, report::report_file_name(o.span, fmt),
                                           report::render(model, fmt, lang));
  for (const auto& old : report::apply_retention(settings.dir, settings.retention))
    spdlog::info("weekly report: retention removed {}", old.string());
  return path;
}

report_scheduler::report_scheduler(config::report_section settings, std::filesystem::path store)
    : settings_(std::move(settings)), store_(std::move(store)), thread_([this](std::stop_token st) { loop(st); }) {}

report_scheduler::~report_scheduler() {
  thread_.request_stop();
  wake_.notify_all();
}

void report_scheduler::loop(std::stop_token stop) {
  const weekly_time when{settings_.weekday, settings_.hour, settings_.minute};
  while (!stop.stop_requested()) {
    const std::int64_t fire = next_fire(wall_clock_ms(), when);
    spdlog::info("weekly report: next one at {} Macau time, into {}", report::macau_minute(fire), settings_.dir);
    std::unique_lock lock(mutex_);
    // Sleep in bounded steps so a changed wall clock (NTP, suspend) is noticed.
    while (!stop.stop_requested() && wall_clock_ms() < fire)
      wake_.wait_for(lock, stop, std::chrono::milliseconds(std::min<std::int64_t>(fire - wall_clock_ms(), 60'000)),
                     [] { return false; });
    lock.unlock();
    if (stop.stop_requested()) return;
    try {
      spdlog::info("weekly report written to {}", produce_scheduled_report(settings_, store_, fire).string());
    } catch (const std::exception& e) {
      spdlog::error("weekly report: {}", e.what());
    }
  }
}

}  // namespace dingwatch
