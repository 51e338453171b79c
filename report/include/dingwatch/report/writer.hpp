#pragma once
/// Writing report files. A scheduled report is confined to its output directory: the
/// writer refuses any name that would land outside it (absolute paths, "..", a symlink
/// pointing elsewhere), and retention deletes only report files directly in it.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "dingwatch/report/period.hpp"
#include "dingwatch/report/render.hpp"

namespace dingwatch::report {

/// `dingwatch-report-2026-11-23_2026-11-29.html`: first and last Macau day of `p`.
std::string report_file_name(const period& p, format f);

/// Writes `content` to `path` through a temporary file and a rename, so readers never
/// see half a report. Throws std::runtime_error naming the path and the reason.
void write_file(const std::filesystem::path& path, std::string_view content);

/// Writes `content` as `name` inside `dir` (created if missing) and returns the path.
/// Throws std::runtime_error when `name` is not a plain file name or the resolved path
/// is outside `dir`.
std::filesystem::path write_confined(const std::filesystem::path& dir, std::string_view name,
                                     std::string_view content);

/// Keeps the `keep` newest report files (by name, i.e. by period) directly in `dir` and
/// deletes the others; symlinks and other files are left alone. Returns what it deleted.
std::vector<std::filesystem::path> apply_retention(const std::filesystem::path& dir, std::size_t keep);

}  // namespace dingwatch::report
