#pragma once
/// Rule hot reload for the long-running commands (`run`, `demo`).
///
/// SIGHUP — and, with `--watch`, any change to a rule file of the loaded packs (inotify
/// on their directories, debounced) — reloads every rule pack of the process
/// (detectors/rules/reloader.hpp) on this component's own thread, off the hot path; the
/// shards adopt the new set at their next batch boundary, keeping the state of unchanged
/// rules. A set with errors is rejected: its diagnostics are logged and the old set keeps
/// running. Both outcomes count in `dingwatch_config_reloads_total{result}`.

#include <map>
#include <string>
#include <thread>

#include "dingwatch/core/metrics.hpp"
#include "shutdown.hpp"

namespace dingwatch {

class rule_reloader {
 public:
  /// Takes over SIGHUP from `signals` until destroyed; watches rule files when `watch`.
  /// Construct after the pipeline (its rule packs must exist). `m` may be null.
  rule_reloader(shutdown_signal& signals, metrics* m, bool watch);
  ~rule_reloader();
  rule_reloader(const rule_reloader&) = delete;
  rule_reloader& operator=(const rule_reloader&) = delete;

  /// Asks for a reload; returns at once (the reload runs on the reloader's thread).
  void request() noexcept;

 private:
  void watch_rule_paths();
  void run(std::stop_token stop);
  void reload(const char* why);

  shutdown_signal& signals_;
  metrics* m_;
  int wake_fd_ = -1;     ///< eventfd: a request, or the stop
  int inotify_fd_ = -1;  ///< -1 without --watch
  std::map<int, std::string> watched_;  ///< watch → the file it is for ("" = any *.yaml/*.yml)
  std::jthread thread_;
};

}  // namespace dingwatch
