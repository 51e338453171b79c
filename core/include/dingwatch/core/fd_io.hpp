#pragma once
/// Small POSIX file-descriptor helpers shared by the components that write files durably.

#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace dingwatch {

/// Writes all of `data` to `fd`, retrying short writes and EINTR; false on any other error
/// (errno tells which).
inline bool write_all(int fd, std::string_view data) noexcept {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace dingwatch
