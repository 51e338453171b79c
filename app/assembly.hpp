#pragma once
/// Wiring shared by the commands that run the pipeline (`run`, `demo`, `replay`).

#include <memory>
#include <stop_token>
#include <vector>

#include "config.hpp"
#include "dingwatch/core/detector.hpp"
#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/pipeline.hpp"
#include "dingwatch/core/sink.hpp"
#include "dingwatch/ingest/dingtalk_decoder.hpp"
#include "dingwatch/sinks/registry.hpp"

namespace dingwatch {

/// The detector set named by the configuration, or the built-in default.
detector_factory make_detectors(const config& cfg);

/// Decoder limits from the configuration.
decode_limits make_limits(const config& cfg);

/// The metrics endpoint (address, TLS, basic auth) from the configuration.
metrics_endpoint make_metrics_endpoint(const config& cfg);

/// Pipeline options from the configuration, with the jurisdiction enrichment (which
/// counts cross-border bytes into `m` when given). Throws when a jurisdiction file has
/// problems, naming each.
pipeline_options make_pipeline_options(const config& cfg, metrics* m = nullptr);

/// Owns the alert sinks a command enabled and hands the pipeline plain pointers.
struct sink_set {
  std::vector<std::unique_ptr<alert_sink>> alerts;
  std::unique_ptr<dead_letter_sink> dead_letters;

  /// Builds the `sinks:` list plus the sinks that flags and `outputs:` ask for; the Kafka
  /// alert topic only when `context` names a cluster.
  void add_configured(const config& cfg, const sink_context& context);
  [[nodiscard]] std::vector<alert_sink*> alert_pointers() const;
};

/// Formats 12345678 as "12,345,678".
std::string with_commas(std::uint64_t n);

/// Configures spdlog (stderr, level name from config/flags). Throws on a bad level.
void setup_logging(const std::string& level);

}  // namespace dingwatch
