#pragma once
/// What the benchmark ran on, for the record printed beside every figure.

#include <string>

namespace dingwatch::bench {

/// The first "model name" of /proc/cpuinfo, or "unknown".
std::string cpu_model();
/// The 1-, 5- and 15-minute load averages, "a b c".
std::string loadavg();

}  // namespace dingwatch::bench
