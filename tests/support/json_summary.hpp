#pragma once
// Commands that end with a machine-readable summary (`run --until-idle`, `replay`) print
// it as the last line of their stdout.

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace dingwatch::test {

/// The last non-empty line of `out`, parsed as JSON.
inline nlohmann::json last_json_line(const std::string& out) {
  std::istringstream in(out);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return nlohmann::json::parse(last);
}

}  // namespace dingwatch::test
