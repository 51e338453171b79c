#pragma once
/// Alert sinks register themselves here; configuration picks and parameterises them.
///
/// A new sink is one .cpp file that defines the sink and a `register_sink` object; the
/// sinks library is an object library, so every registration is linked in.
///
/// Configuration (a YAML sequence, the `sinks:` key of the config file; command-line
/// flags such as `--alerts FILE` append entries):
///
///     - kind: file                # a registered kind
///       path: /var/log/dingwatch/alerts.jsonl
///     - kind: kafka
///       topic: dingwatch.alerts

#include <yaml-cpp/yaml.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/registry.hpp"
#include "dingwatch/core/sink.hpp"
#include "dingwatch/ingest/kafka_config.hpp"

namespace dingwatch {

/// What a sink may use besides its own YAML block.
struct sink_context {
  kafka_options kafka;     ///< the cluster the pipeline reads from (for Kafka-backed sinks)
  metrics* m = nullptr;    ///< for sinks that export their own metrics; may be null
};

/// Builds one sink from its YAML block; throws std::runtime_error naming the field at fault.
using sink_builder =
    std::function<std::unique_ptr<alert_sink>(const YAML::Node& config, const sink_context& context)>;

/// Name → builder table of the built-in sink kinds.
using sink_registry = named_registry<sink_builder>;

/// Registers a sink kind at static-initialisation time.
struct register_sink {
  register_sink(std::string name, sink_builder builder) {
    sink_registry::builtin().add(std::move(name), std::move(builder));
  }
};

/// Builds every sink of a `sinks:` list, in order. Throws std::runtime_error naming the
/// entry (index, kind, line) at fault.
std::vector<std::unique_ptr<alert_sink>> build_sinks(const YAML::Node& list, const sink_context& context,
                                                     const sink_registry& registry = sink_registry::builtin());

}  // namespace dingwatch
