#include "dingwatch/report/writer.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace dingwatch::report {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_prefix = "dingwatch-report-";

bool is_report_file(const fs::directory_entry& e) {
  const std::string name = e.path().filename().string();
  const auto ext = e.path().extension();
  return e.is_regular_file() && !e.is_symlink() && name.starts_with(k_prefix) &&
         (ext == ".html" || ext == ".md" || ext == ".json");
}

/// True when `inner` is `outer` or below it (both already absolute and normalised).
bool within(const fs::path& outer, const fs::path& inner) {
  const auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

}  // namespace

std::string report_file_name(const period& p, format f) {
  return fmt::format("{}{}_{}.{}", k_prefix, macau_date(p.from_ms), macau_date(p.to_ms - k_day_ms), extension(f));
}

void write_file(const fs::path& path, std::string_view content) {
  // The temporary file is created afresh (O_EXCL, O_NOFOLLOW): a symlink planted under its
  // name is removed, never followed; rename() then replaces `path` itself, not a target.
  const fs::path tmp = path.string() + ".tmp";
  const auto fail = [&](int err) {
    return std::runtime_error(fmt::format("{}: cannot write: {}", path.string(), std::strerror(err)));
  };
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) throw fail(errno);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw fail(errno);
  std::size_t done = 0;
  int err = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw fail(err);
  }
}

fs::path write_confined(const fs::path& dir, std::string_view name, std::string_view content) {
  const fs::path n(name);
  if (name.empty() || n.has_parent_path() || n.is_absolute() || name == "." || name == "..")
    throw std::runtime_error(fmt::format("report name '{}': not a plain file name; scheduled reports are only "
                                         "written inside {}",
                                         name, dir.string()));
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path root = fs::weakly_canonical(dir, ec);
  if (ec) throw std::runtime_error(fmt::format("{}: {}", dir.string(), ec.message()));
  if (fs::is_symlink(fs::symlink_status(root / n, ec)))
    throw std::runtime_error(fmt::format("report {}: is a symbolic link (to {}); scheduled reports are only written "
                                         "as regular files inside the report directory {}; refused",
                                         (root / n).string(), fs::read_symlink(root / n, ec).string(), root.string()));
  const fs::path target = fs::weakly_canonical(root / n, ec);
  if (ec || !within(root, target) || target == root)
    throw std::runtime_error(fmt::format("report {}: resolves to {}, outside the report directory {}; refused",
                                         (dir / n).string(), target.string(), root.string()));
  write_file(target, content);
  return target;
}

std::vector<fs::path> apply_retention(const fs::path& dir, std::size_t keep) {
  std::vector<fs::path> reports;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (is_report_file(e)) reports.push_back(e.path());
  std::sort(reports.begin(), reports.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() > b.filename().string();  // newest period first
  });
  std::vector<fs::path> deleted;
  for (std::size_t i = keep; i < reports.size(); ++i)
    if (fs::remove(reports[i], ec)) deleted.push_back(reports[i]);
  return deleted;
}

}  // namespace dingwatch::report
