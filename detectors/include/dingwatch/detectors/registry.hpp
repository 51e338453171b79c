#pragma once
/// Detector kinds register themselves here; configuration picks and parameterises them.
///
/// A new detector kind is one .cpp file that defines the detector and a
/// `register_detector` object; the detectors library is an object library, so every
/// registration is linked into the binary and nothing else needs editing.
///
/// Configuration (a YAML sequence, e.g. the `detectors:` key of the config file):
///
///     - kind: audit_ip_allowlist      # a registered kind
///       id: DW-XB-001                 # every other key is the kind's own
///       …

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dingwatch/core/detector.hpp"
#include "dingwatch/core/registry.hpp"

namespace dingwatch {

/// Builds the per-shard factory of one kind from its YAML block. Throws
/// std::runtime_error naming the field at fault.
using detector_builder = std::function<detector_factory(const YAML::Node& config)>;

/// Name → builder table of the built-in detector kinds.
using detector_registry = named_registry<detector_builder>;

/// Registers a kind at static-initialisation time.
struct register_detector {
  register_detector(std::string name, detector_builder builder) {
    detector_registry::builtin().add(std::move(name), std::move(builder));
  }
};

/// One factory for a whole `detectors:` list: each shard gets one instance of each.
/// Throws std::runtime_error naming the entry (index and kind) at fault.
detector_factory build_detectors(const YAML::Node& list,
                                 const detector_registry& registry = detector_registry::builtin());

/// The default detector list used when the configuration names none.
YAML::Node default_detectors_config();

}  // namespace dingwatch
