#include "dingwatch/sinks/console_sink.hpp"

#include "dingwatch/sinks/registry.hpp"

#include <unistd.h>

#include <string>

namespace dingwatch {

namespace {

const char* colour_of(severity s) {
  switch (s) {
    case severity::critical: return "\033[1;31m";
    case severity::high: return "\033[31m";
    case severity::medium: return "\033[33m";
    case severity::low: return "\033[36m";
  }
  return "";
}

}  // namespace

console_sink::console_sink(std::FILE* out) : out_(out), colour_(isatty(fileno(out)) != 0) {}

bool console_sink::write(std::span<const alert> alerts) {
  for (const alert& a : alerts) {
    const std::string line = to_line(a);
    if (colour_)
      std::fprintf(out_, "%s%s\033[0m\n", colour_of(a.severity), line.c_str());
    else
      std::fprintf(out_, "%s\n", line.c_str());
  }
  return std::fflush(out_) == 0;
}

namespace {
const register_sink registration{"console", [](const YAML::Node&, const sink_context&) {
  return std::make_unique<console_sink>();
}};
}  // namespace

}  // namespace dingwatch
