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
  // The shipped rule pack, plus the allow-list detector over Macau operators' address
  // space (the jurisdiction table, rules/jurisdictions.csv, will replace that list).
  YAML::Node list = YAML::Load(R"(
- kind: audit_ip_allowlist
  id: DW-XB-001
  actions: [download, export]
  allow: [202.175.0.0/16, 60.246.0.0/16, 202.86.128.0/18, 124.156.0.0/16, 113.52.0.0/16,
          122.100.128.0/17, 203.62.0.0/16, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]
)");
  YAML::Node pack;
  pack["kind"] = "rules";
  pack["paths"].push_back(rules::default_rules_dir().string());
  list.push_back(pack);
  return list;
}

}  // namespace dingwatch
