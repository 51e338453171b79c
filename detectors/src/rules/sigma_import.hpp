#pragma once
// Internal: the hook between the native loader (parser.cpp) and the Sigma importer.
//
// The loader reads each rule file as YAML; when the first document is a Sigma rule
// (top-level `logsource`/`detection`, or `correlation`), it hands the file's text to
// `import_sigma`, which returns an equivalent native rule document
// ({macros: …, rules: […]}) that the loader then compiles like any other file: same
// predicates, same per-field Hyperscan databases, same diagnostics. Value nodes of the
// translation are the Sigma file's own nodes, so the loader's diagnostics about them
// still carry the Sigma file's line and column. docs/rules.md, "Sigma rules", has the
// mapping.

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "dingwatch/detectors/rules/diagnostics.hpp"

namespace dingwatch::rules {

/// Whether a file's first YAML document is a Sigma rule rather than a native rule file.
bool is_sigma_document(const YAML::Node& doc);

/// Translates every document of the Sigma file `text` (named `file` in diagnostics) into
/// one native rule document; Sigma-specific problems go to `diags`. Throws
/// YAML::Exception on YAML syntax errors (the loader reports those).
YAML::Node import_sigma(std::string_view text, const std::string& file, diagnostics& diags);

}  // namespace dingwatch::rules
