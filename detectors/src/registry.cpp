#include "dingwatch/detectors/registry.hpp"

#include "dingwatch/detectors/rules/tooling.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace dingwatch {

detector_factory build_detectors(const YAML::Node& list, const detector_registry& registry) {
  std::vector<detector_factory> factories;
  build_each(list, "detectors", registry,
             [&](const detector_builder& build, const YAML::Node& entry) { factories.push_back(build(entry)); });
  if (factories.empty()) return {};
  return [factories = std::move(factories)] {
    std::vector<std::unique_ptr<detector>> out;
    for (const auto& f : factories)
      for (auto& d : f()) out.push_back(std::move(d));
    return out;
  };
}

YAML::Node default_detectors_config() {
  // The shipped rule pack. Downloads from outside Macau (DW-XB-001) are a rule there,
  // judged by the jurisdiction table; the `audit_ip_allowlist` kind stays available for
  // a plain CIDR allow-list.
  YAML::Node list(YAML::NodeType::Sequence);
  YAML::Node pack;
  pack["kind"] = "rules";
  pack["paths"].push_back(rules::default_rules_dir().string());
  list.push_back(pack);
  return list;
}

}  // namespace dingwatch
