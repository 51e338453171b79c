#include "dingwatch/core/rate_limited_log.hpp"

#include <spdlog/spdlog.h>

namespace dingwatch {

void rate_limited_log::warn(std::string_view kind, std::string_view message) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto& e = entries_[std::string(kind)];
  if (e.last != std::chrono::steady_clock::time_point{} && now - e.last < interval_) {
    ++e.held_back;
    return;
  }
  if (e.held_back > 0)
    spdlog::warn("{} ({} more of this kind in the last {}s)", message, e.held_back,
                 interval_.count());
  else
    spdlog::warn("{}", message);
  e.last = now;
  e.held_back = 0;
}

}  // namespace dingwatch
