// libFuzzer target for the rule language loader (`rules::load_rules_text`): any YAML
// text must come back as a rule set or as diagnostics, never as a crash, a hang or an
// escaped exception. A document that does not load must say why (at least one error).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dingwatch/detectors/rules/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const auto loaded = dingwatch::rules::load_rules_text(yaml, "fuzz.yaml");
  if (!loaded.ok() && loaded.problems.error_count() == 0) std::abort();  // refused without saying why
  return 0;
}
