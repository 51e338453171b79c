#pragma once
/// A name → builder table for self-registering parts (detector kinds, sinks), and the
/// loop that builds a YAML list of `{kind: …, …}` entries through it.
///
/// Each part's .cpp file registers at static-initialisation time; the table is only
/// read once `main` runs, so it needs no lock.

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dingwatch {

template <class Builder>
class named_registry {
 public:
  /// The process-wide table for this kind of part.
  static named_registry& builtin() {
    static named_registry registry;
    return registry;
  }

  void add(std::string name, Builder builder) { builders_[std::move(name)] = std::move(builder); }

  [[nodiscard]] const Builder* find(std::string_view name) const {
    const auto it = builders_.find(name);
    return it == builders_.end() ? nullptr : &it->second;
  }

  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, _] : builders_) out.push_back(name);
    return out;
  }

 private:
  std::map<std::string, Builder, std::less<>> builders_;
};

/// Calls `build(builder, entry)` for each `{kind: …}` entry of `list`, in order. Throws
/// std::runtime_error naming the list (`what`), the entry's index, kind and line.
template <class Builder, class Build>
void build_each(const YAML::Node& list, std::string_view what, const named_registry<Builder>& registry,
                Build&& build) {
  if (!list || list.IsNull()) return;
  if (!list.IsSequence())
    throw std::runtime_error(fmt::format("{} (line {}): expected a list of {{kind: …}} entries", what,
                                         list.Mark().line + 1));
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const auto kind = entry["kind"] ? entry["kind"].as<std::string>() : std::string();
    const Builder* builder = registry.find(kind);
    if (builder == nullptr)
      throw std::runtime_error(fmt::format("{}[{}] (line {}): unknown kind '{}'; known kinds: {}", what, i,
                                           entry.Mark().line + 1, kind, fmt::join(registry.names(), ", ")));
    try {
      build(*builder, entry);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}[{}] ({}, line {}): {}", what, i, kind, entry.Mark().line + 1, e.what()));
    }
  }
}

}  // namespace dingwatch
