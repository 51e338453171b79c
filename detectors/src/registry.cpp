#include "dingwatch/detectors/registry.hpp"

#include "dingwatch/detectors/rules/tooling.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace dingwatch {

detector_registry& detector_registry::builtin() {
  static detector_registry registry;
  return registry;
}

void detector_registry::add(std::string name, detector_builder builder) {
  builders_[std::move(name)] = std::move(builder);
}

const detector_builder* detector_registry::find(std::string_view name) const {
  const auto it = builders_.find(name);
  return it == builders_.end() ? nullptr : &it->second;
}

std::vector<std::string> detector_registry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : builders_) out.push_back(name);
  return out;
}

detector_factory build_detectors(const YAML::Node& list, const detector_registry& registry) {
  if (!list || list.IsNull()) return {};
  if (!list.IsSequence())
    throw std::runtime_error(fmt::format("detectors (line {}): expected a list of detectors",
                                         list.Mark().line + 1));
  std::vector<detector_factory> factories;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const auto kind = entry["kind"] ? entry["kind"].as<std::string>() : std::string();
    const detector_builder* builder = registry.find(kind);
    if (builder == nullptr)
      throw std::runtime_error(fmt::format(
          "detectors[{}] (line {}): unknown kind '{}'; known kinds: {}", i, entry.Mark().line + 1,
          kind, fmt::join(registry.names(), ", ")));
    try {
      factories.push_back((*builder)(entry));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("detectors[{}] ({}, line {}): {}", i, kind,
                                           entry.Mark().line + 1, e.what()));
    }
  }
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
