// libFuzzer target for the rule language loader (`rules::load_rules_text`): any YAML
// text must come back as a rule set or as diagnostics, never as a crash, a hang or an
// escaped exception. A document that does not load must say why (at least one error).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dingwatch/detectors/rules/parser.hpp"

namespace {

/// The default limits, with the ones that bound work rather than shape divided by ten:
/// under ASan and coverage a million YAML nodes take about 9 s to count, and a fuzzer
/// that reaches a limit on every other input would spend its time there. The defaults
/// themselves are tested in tests/detectors/rules_limits_test.cpp.
dingwatch::rules::load_limits fuzz_limits() {
  dingwatch::rules::load_limits l;
  l.max_yaml_nodes /= 10;
  l.max_values /= 10;
  l.max_condition_nodes /= 10;
  l.max_regex_cost_per_load /= 10;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const dingwatch::rules::load_limits limits = fuzz_limits();
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const auto loaded = dingwatch::rules::load_rules_text(yaml, "fuzz.yaml", limits);
  if (!loaded.ok() && loaded.problems.error_count() == 0) std::abort();  // refused without saying why
  return 0;
}
