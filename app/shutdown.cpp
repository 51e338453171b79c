#include "shutdown.hpp"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace dingwatch {

namespace {

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);  // internal: wakes the watcher on destruction
  return set;
}

}  // namespace

shutdown_signal::shutdown_signal() {
  const sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  watcher_ = std::jthread([this](std::stop_token self) {
    const sigset_t set = shutdown_signals();
    int received = 0;
    while (!self.stop_requested()) {
      if (sigwait(&set, &received) != 0 || received == SIGUSR1) continue;
      if (received == SIGHUP) {
        const std::lock_guard lock(hangup_mu_);
        if (hangup_) {
          hangup_();
          continue;
        }
      }
      if (source_.stop_requested()) {
        static constexpr char msg[] = "\nsecond signal: exiting without draining\n";
        (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
        ::_exit(130);
      }
      spdlog::info("{} received: draining in-flight records, committing, then exiting "
                   "(send again to exit at once)",
                   received == SIGINT ? "SIGINT" : received == SIGHUP ? "SIGHUP" : "SIGTERM");
      source_.request_stop();
    }
  });
}

void shutdown_signal::on_hangup(std::function<void()> handler) {
  const std::lock_guard lock(hangup_mu_);
  hangup_ = std::move(handler);
}

shutdown_signal::~shutdown_signal() {
  watcher_.request_stop();
  pthread_kill(watcher_.native_handle(), SIGUSR1);
}

}  // namespace dingwatch
