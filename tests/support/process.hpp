#pragma once
// Runs the real `dingwatch` binary as a child process: start, read its output,
// signal it, wait for its exit code. Integration tests drive the CLI through this.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace dingwatch::test {

class child_process {
 public:
  /// Starts `argv[0]` with `argv`; stdout is captured, stderr goes to `stderr_path` (or is inherited).
  explicit child_process(std::vector<std::string> argv, const std::string& stderr_path = {}) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    if (!stderr_path.empty())
      posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0)
      throw std::runtime_error("cannot start " + argv[0]);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
  }

  ~child_process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }

  /// Reads one line of stdout, waiting at most `timeout`; empty on timeout or EOF.
  std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !fill(static_cast<int>(left.count()))) return {};
    }
  }

  /// Everything left on stdout until the process closes it.
  std::string read_all() {
    // Until EOF, however long the child is silent: `dingwatch eval` prints only at its end,
    // over a minute later under ASan, and a 60 s poll lost that output. ctest's TIMEOUT
    // bounds a child that never ends.
    while (fill(-1)) {
    }
    std::string all = std::move(buffer_);
    buffer_.clear();
    return all;
  }

  void signal(int sig) { kill(pid_, sig); }

  /// Waits for exit; returns the exit code, or 128 + signal number.
  int wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  bool fill(int timeout_ms) {
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

/// Runs a command to completion and returns {exit code, stdout}.
inline std::pair<int, std::string> run_to_end(std::vector<std::string> argv, const std::string& stderr_path = {}) {
  child_process p(std::move(argv), stderr_path);
  std::string out = p.read_all();
  return {p.wait(), out};
}

}  // namespace dingwatch::test
