#include "sigma_import.hpp"

namespace dingwatch::rules {

bool is_sigma_document(const YAML::Node& doc) {
  return doc.IsMap() && (doc["logsource"] || doc["detection"] || doc["correlation"]);
}

YAML::Node import_sigma(std::string_view, const std::string& file, diagnostics& diags) {
  diags.error({file, 1, 1}, "Sigma rules cannot be loaded yet");
  return YAML::Node(YAML::NodeType::Map);
}

}  // namespace dingwatch::rules
