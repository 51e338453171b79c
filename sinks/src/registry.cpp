#include "dingwatch/sinks/registry.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace dingwatch {

sink_registry& sink_registry::builtin() {
  static sink_registry registry;
  return registry;
}

void sink_registry::add(std::string name, sink_builder builder) { builders_[std::move(name)] = std::move(builder); }

const sink_builder* sink_registry::find(std::string_view name) const {
  const auto it = builders_.find(name);
  return it == builders_.end() ? nullptr : &it->second;
}

std::vector<std::string> sink_registry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : builders_) out.push_back(name);
  return out;
}

std::vector<std::unique_ptr<alert_sink>> build_sinks(const YAML::Node& list, const sink_context& context,
                                                     const sink_registry& registry) {
  std::vector<std::unique_ptr<alert_sink>> sinks;
  if (!list || list.IsNull()) return sinks;
  if (!list.IsSequence())
    throw std::runtime_error(fmt::format("sinks (line {}): expected a list of sinks", list.Mark().line + 1));
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const auto kind = entry["kind"] ? entry["kind"].as<std::string>() : std::string();
    const sink_builder* builder = registry.find(kind);
    if (builder == nullptr)
      throw std::runtime_error(fmt::format("sinks[{}] (line {}): unknown kind '{}'; known kinds: {}", i,
                                           entry.Mark().line + 1, kind, fmt::join(registry.names(), ", ")));
    try {
      sinks.push_back((*builder)(entry, context));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("sinks[{}] ({}, line {}): {}", i, kind, entry.Mark().line + 1, e.what()));
    }
  }
  return sinks;
}

}  // namespace dingwatch
