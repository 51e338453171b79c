#pragma once
/// Graceful shutdown on SIGINT/SIGTERM: the first signal requests a stop (drain,
/// commit, exit 0); a second one exits at once. SIGHUP goes to the hang-up handler
/// when one is set (rule reload, app/reload.hpp), else it stops like SIGTERM.

#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

namespace dingwatch {

class shutdown_signal {
 public:
  /// Blocks SIGINT/SIGTERM in this and every later thread and starts a watcher.
  /// Construct in `main` before any other thread starts.
  shutdown_signal();
  ~shutdown_signal();

  [[nodiscard]] std::stop_token token() const noexcept { return source_.get_token(); }
  /// Requests the same stop a signal would (e.g. when a demo's time is up).
  void request() noexcept { source_.request_stop(); }
  /// Runs `handler` on the signal thread for each SIGHUP (keep it short); null restores
  /// the default (a graceful stop).
  void on_hangup(std::function<void()> handler);

 private:
  std::stop_source source_;
  std::mutex hangup_mu_;
  std::function<void()> hangup_;
  std::jthread watcher_;
};

}  // namespace dingwatch
