#include "reload.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

#include "dingwatch/detectors/rules/reloader.hpp"

namespace dingwatch {

namespace {

namespace fs = std::filesystem;

/// Editors save in bursts (write, rename, chmod): reload once things have been quiet this long.
constexpr int k_settle_ms = 300;

bool is_rule_file(std::string_view name) { return name.ends_with(".yaml") || name.ends_with(".yml"); }

}  // namespace

rule_reloader::rule_reloader(shutdown_signal& signals, metrics* m, bool watch)
    : signals_(signals), m_(m), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_fd_ < 0) throw std::runtime_error("rule reload: cannot create an eventfd");
  if (watch) {
    inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (inotify_fd_ < 0) throw std::runtime_error("--watch: cannot start inotify");
  }
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  signals_.on_hangup([this] { request(); });
}

rule_reloader::~rule_reloader() {
  signals_.on_hangup(nullptr);
  thread_.request_stop();
  request();  // wakes the thread, which sees the stop
  thread_.join();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  ::close(wake_fd_);
}

void rule_reloader::request() noexcept {
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void rule_reloader::watch_rule_paths() {
  auto& names = watched_;
  constexpr std::uint32_t k_mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE;
  for (const auto& pack : rules::global_packs()->live())
    for (const auto& p : pack->paths()) {
      std::error_code ec;
      const bool dir = fs::is_directory(p, ec);
      const fs::path where = dir ? fs::path(p) : fs::absolute(p, ec).parent_path();
      const int wd = ::inotify_add_watch(inotify_fd_, where.c_str(), k_mask);
      if (wd < 0) {
        spdlog::warn("--watch: cannot watch {} ({}); SIGHUP still reloads", where.string(), std::strerror(errno));
        continue;
      }
      const std::string name = dir ? std::string() : fs::path(p).filename().string();
      auto [it, fresh] = names.emplace(wd, name);
      if (!fresh && it->second != name) it->second.clear();  // the whole directory matters
      spdlog::info("--watch: reloading rules when {} changes", dir ? where.string() + "/*.yaml" : p);
    }
}

void rule_reloader::run(std::stop_token stop) {
  if (inotify_fd_ >= 0) watch_rule_paths();
  bool settling = false;
  alignas(inotify_event) char buf[8192];
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    const int n = ::poll(fds, inotify_fd_ >= 0 ? 2 : 1, settling ? k_settle_ms : -1);
    if (n < 0) continue;  // EINTR
    if (stop.stop_requested()) break;
    if (n == 0) {  // quiet since the last change
      settling = false;
      reload("a rule file changed");
      continue;
    }
    if (fds[0].revents & POLLIN) {
      std::uint64_t count = 0;
      (void)!::read(wake_fd_, &count, sizeof count);
      reload("SIGHUP");
    }
    if (inotify_fd_ >= 0 && (fds[1].revents & POLLIN)) {
      for (ssize_t len; (len = ::read(inotify_fd_, buf, sizeof buf)) > 0;)
        for (char* p = buf; p < buf + len;) {
          const auto* e = reinterpret_cast<const inotify_event*>(p);
          p += sizeof(inotify_event) + e->len;
          if (e->len == 0) continue;
          const auto it = watched_.find(e->wd);
          const std::string_view name = e->name;
          if (it != watched_.end() && (it->second.empty() ? is_rule_file(name) : name == it->second))
            settling = true;
        }
    }
  }
}

void rule_reloader::reload(const char* why) {
  const auto started = std::chrono::steady_clock::now();
  const rules::reload_result r = rules::global_packs()->reload_all();
  if (r.packs == 0) {
    spdlog::warn("{}: no rule pack is loaded, nothing to reload", why);
    return;
  }
  if (m_ != nullptr) m_->config_reloads(r.ok).Increment();
  if (!r.ok) {
    spdlog::error("{}: the new rules do not load ({} error(s)); the previous rules keep running:\n{}", why,
                  r.problems.error_count(), rules::format_text(r.problems.list()));
    return;
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("{}: rules reloaded in {:.0f} ms: {} rule(s); {} kept their state, {} new or changed, {} removed; "
               "shards switch at their next batch",
               why, ms, r.rules, r.changes.kept, r.changes.fresh, r.changes.removed);
  if (r.problems.warning_count() > 0) spdlog::warn("{}", rules::format_text(r.problems.list()));
}

}  // namespace dingwatch
