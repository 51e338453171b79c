#pragma once
// Internal: the hook between the native loader (parser.cpp) and the Sigma importer.
//
// The loader reads each rule file as YAML; when the first document is a Sigma
// rule (top-level `logsource`/`detection`, or `correlation`), it hands the
// file's text to `import_sigma`, which returns an equivalent native rule document
// ({macros: …, rules: […]}) that the loader then compiles like any other file:
// same predicates, same per-field Hyperscan databases, same diagnostics. Value
// nodes of the translation are the Sigma file's own nodes, so the loader's
// diagnostics about them still carry the Sigma file's line and column.
// docs/rules.md, "Sigma rules", has the mapping.

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "dingwatch/detectors/rules/diagnostics.hpp"
#include "dingwatch/detectors/rules/field.hpp"
#include "dingwatch/detectors/rules/parser.hpp"

namespace dingwatch::rules {

/// Whether a file's first YAML document is a Sigma rule rather than a native rule file.
bool is_sigma_document(const YAML::Node& doc);

/// Translates every document of the Sigma file `text` (named `file` in
/// diagnostics) into one native rule document; Sigma-specific problems go to
/// `diags`. Throws YAML::Exception on YAML syntax errors (the loader reports those).
/// A document over `limits.max_yaml_nodes` (aliases expanded) is reported, not read, and
/// a `condition` nesting deeper than `limits.max_condition_depth` is reported where it does.
YAML::Node import_sigma(std::string_view text, const std::string& file, diagnostics& diags,
                        const load_limits& limits);

// ---- between the importer's own files (sigma_import.cpp, sigma_detection.cpp) -------

/// The file being imported: where diagnostics go and how nodes map to positions.
struct sigma_context {
  std::string file;
  std::string_view text;  ///< the whole file, to place columns inside a scalar
  diagnostics& diags;
  const load_limits& limits;

  /// A node's position (1-based), or line 0 for nodes the importer made.
  [[nodiscard]] source_location at(const YAML::Node& n) const;
  /// The position `offset` bytes into a one-line scalar (past its opening quote).
  [[nodiscard]] source_location at(const YAML::Node& n, std::size_t offset) const;
};

/// The native condition for a Sigma `detection` map (its selections and
/// `condition`), or an empty map (always) after reporting why it could not be translated.
YAML::Node translate_detection(sigma_context& cx, const YAML::Node& detection);

/// The engine field a Sigma field name means, or null after reporting it (with
/// the nearest names as a hint) at `where`/`offset`.
const field_info* sigma_field_or_report(sigma_context& cx, std::string_view name, const YAML::Node& where,
                                        std::size_t offset = 0);

}  // namespace dingwatch::rules
