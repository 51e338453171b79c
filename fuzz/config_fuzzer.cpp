// libFuzzer target for the configuration loader (`load_config_text`): any YAML text
// yields a configuration or a std::runtime_error listing the problems — no crash, no
// other exception type (main() reports runtime_errors as configuration problems).

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  try {
    (void)dingwatch::load_config_text(yaml, "fuzz.yaml");
  } catch (const std::runtime_error&) {
    // a refused configuration: the expected outcome for most inputs
  }
  return 0;
}
