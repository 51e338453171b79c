#include "dingwatch/sinks/registry.hpp"

namespace dingwatch {

std::vector<std::unique_ptr<alert_sink>> build_sinks(const YAML::Node& list, const sink_context& context,
                                                     const sink_registry& registry) {
  std::vector<std::unique_ptr<alert_sink>> sinks;
  build_each(list, "sinks", registry,
             [&](const sink_builder& build, const YAML::Node& entry) { sinks.push_back(build(entry, context)); });
  return sinks;
}

}  // namespace dingwatch
