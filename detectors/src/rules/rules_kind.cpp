// Detector kind `rules`: the rule engine, configured as
//
//     - kind: rules
//       paths: [rules/, extra/site.yaml]   # optional; default: the default rule pack
//
// Loads and compiles the rule files once; every shard gets its own engine (own state
// and Hyperscan scratch) over the shared compiled set. Errors in the rules reject the
// configuration with every diagnostic in the message. The set lives in a `rule_pack`
// registered with `rules::global_packs()`, so a reload can replace it.

#include <fmt/format.h>

#include <stdexcept>

#include "dingwatch/detectors/registry.hpp"
#include "dingwatch/detectors/rules/engine.hpp"
#include "dingwatch/detectors/rules/parser.hpp"
#include "dingwatch/detectors/rules/reloader.hpp"
#include "dingwatch/detectors/rules/tooling.hpp"

namespace dingwatch {

namespace {

const register_detector registration{"rules", [](const YAML::Node& config) {
  std::vector<std::string> paths;
  if (const YAML::Node p = config["paths"]) {
    if (p.IsScalar()) paths.push_back(p.as<std::string>());
    else if (p.IsSequence())
      for (const auto& e : p) paths.push_back(e.as<std::string>());
    else throw std::runtime_error("paths: expected a list of rule files or directories");
  }
  if (paths.empty()) paths.push_back(rules::default_rules_dir().string());
  rules::load_result r = rules::load_rules(paths);
  if (!r.ok())
    throw std::runtime_error(fmt::format("rules do not load ({} error(s)):\n{}",
                                         r.problems.error_count(),
                                         rules::format_text(r.problems.list())));
  // A pack, so SIGHUP / --watch can reload it (reloader.hpp) while its engines run.
  auto pack = std::make_shared<rules::rule_pack>(std::move(paths), std::move(r.rules));
  rules::global_packs()->add(pack);
  return rules::make_rule_factory(std::shared_ptr<const rules::rule_pack>(pack), rules::global_metrics());
}};

}  // namespace

}  // namespace dingwatch
