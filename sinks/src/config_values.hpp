#pragma once
// Quantities in sink configuration blocks: sizes and durations with units. Internal to
// the sinks library; errors name the key, the line and what would have been accepted.

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dingwatch::config_values {

/// A positive number followed by an optional unit (spaces allowed); 0 scale = unknown unit.
inline double scaled(const YAML::Node& node, double (*scale_of)(std::string_view unit), bool& ok) {
  const std::string text = node.as<std::string>();
  std::size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  std::string unit = text.substr(pos);
  unit.erase(0, unit.find_first_not_of(' '));
  const double scale = scale_of(unit);
  ok = pos != 0 && scale != 0 && value > 0;
  return value * scale;
}

/// Bytes: a plain number, or with binary KiB/MiB/GiB (also K/M/G) or decimal KB/MB/GB.
inline std::uint64_t parse_size(const YAML::Node& node, std::string_view key) {
  bool ok = false;
  const double bytes = scaled(node, [](std::string_view u) -> double {
    if (u.empty() || u == "B") return 1;
    if (u == "KiB" || u == "K" || u == "k") return 1024.0;
    if (u == "MiB" || u == "M") return 1024.0 * 1024;
    if (u == "GiB" || u == "G") return 1024.0 * 1024 * 1024;
    if (u == "KB" || u == "kB") return 1e3;
    if (u == "MB") return 1e6;
    if (u == "GB") return 1e9;
    return 0;
  }, ok);
  if (!ok)
    throw std::runtime_error(fmt::format(
        "{}: '{}' is not a size (line {}); hint: bytes, or a number with KiB, MiB, GiB, e.g. 100MiB", key,
        node.as<std::string>(), node.Mark().line + 1));
  return static_cast<std::uint64_t>(bytes);
}

/// Milliseconds: a positive number with ms, s (the default), m, h or d.
inline std::chrono::milliseconds parse_duration(const YAML::Node& node, std::string_view key) {
  bool ok = false;
  const double ms = scaled(node, [](std::string_view u) -> double {
    if (u.empty() || u == "s") return 1000;
    if (u == "ms") return 1;
    if (u == "m") return 60'000;
    if (u == "h") return 3'600'000;
    if (u == "d") return 86'400'000;
    return 0;
  }, ok);
  if (!ok)
    throw std::runtime_error(fmt::format(
        "{}: '{}' is not a duration (line {}); hint: a positive number with ms, s, m, h or d, e.g. 5s", key,
        node.as<std::string>(), node.Mark().line + 1));
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace dingwatch::config_values
