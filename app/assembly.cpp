#include "assembly.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "dingwatch/detectors/jurisdiction.hpp"
#include "dingwatch/detectors/registry.hpp"

namespace dingwatch {

detector_factory make_detectors(const config& cfg) {
  const bool configured = cfg.detectors.IsDefined() && !cfg.detectors.IsNull();
  YAML::Node list = YAML::Clone(configured ? cfg.detectors : default_detectors_config());
  if (!cfg.rules.empty()) {
    // --rules replaces whichever rule pack the list names.
    YAML::Node kept(YAML::NodeType::Sequence);
    for (const auto& entry : list)
      if (!entry["kind"] || entry["kind"].as<std::string>() != "rules") kept.push_back(entry);
    YAML::Node pack;
    pack["kind"] = "rules";
    for (const auto& p : cfg.rules) pack["paths"].push_back(p);
    kept.push_back(pack);
    list = kept;
  }
  return build_detectors(list);
}

decode_limits make_limits(const config& cfg) {
  decode_limits l;
  l.max_record_bytes = cfg.limits.max_record_bytes;
  l.max_depth = cfg.limits.max_depth;
  l.max_string_bytes = cfg.limits.max_string_bytes;
  l.max_array_elements = cfg.limits.max_array_elements;
  return l;
}

metrics_endpoint make_metrics_endpoint(const config& cfg) {
  metrics_endpoint e;
  e.listen = cfg.metrics_listen;
  e.tls_certificate = cfg.metrics_tls_certificate;
  e.tls_key = cfg.metrics_tls_key;
  e.username = cfg.metrics_username;
  e.password = cfg.metrics_password;
  e.password_hash = cfg.metrics_password_hash;
  return e;
}

pipeline_options make_pipeline_options(const config& cfg, metrics* m) {
  pipeline_options o;
  jurisdiction_sources js = jurisdiction_sources::defaults();
  if (!cfg.jurisdictions.table.empty()) js.table = cfg.jurisdictions.table;
  if (!cfg.jurisdictions.areas.empty()) js.areas = cfg.jurisdictions.areas;
  js.mmdb = cfg.jurisdictions.geoip;
  auto resolver = jurisdiction_resolver::load(js);
  spdlog::debug("jurisdictions: {}", resolver->summary());
  o.enrich = make_jurisdiction_enricher(std::move(resolver), m);
  o.shards = cfg.pipeline.threads;
  o.batch_size = cfg.pipeline.batch_size;
  o.max_batches_in_flight = cfg.pipeline.max_batches_in_flight;
  return o;
}

void sink_set::add_configured(const config& cfg, const sink_context& context) {
  YAML::Node list = cfg.sinks.IsSequence() ? YAML::Clone(cfg.sinks) : YAML::Node(YAML::NodeType::Sequence);
  auto add = [&](std::initializer_list<std::pair<const char*, std::string>> fields) {
    YAML::Node entry;
    for (const auto& [k, v] : fields) entry[k] = v;
    list.push_back(entry);
  };
  if (cfg.console) add({{"kind", "console"}});
  if (!cfg.alerts_file.empty()) add({{"kind", "file"}, {"path", cfg.alerts_file}});
  if (!cfg.evidence_dir.empty()) add({{"kind", "evidence"}, {"dir", cfg.evidence_dir}});
  if (!cfg.store_file.empty()) add({{"kind", "store"}, {"path", cfg.store_file}});
  if (!cfg.alertmanager_url.empty()) add({{"kind", "alertmanager"}, {"url", cfg.alertmanager_url}});
  if (!context.kafka.brokers.empty() && !cfg.kafka.alerts_topic.empty())
    add({{"kind", "kafka"}, {"topic", cfg.kafka.alerts_topic}});
  for (auto& sink : build_sinks(list, context)) alerts.push_back(std::move(sink));
}

std::vector<alert_sink*> sink_set::alert_pointers() const {
  std::vector<alert_sink*> out;
  for (const auto& s : alerts) out.push_back(s.get());
  return out;
}

std::string with_commas(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void setup_logging(const std::string& level) {
  const auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off")
    throw std::runtime_error("log level '" + level + "' is not one of trace, debug, info, warn, error, off");
  auto logger = spdlog::stderr_color_mt("dingwatch");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(lvl);
}

}  // namespace dingwatch
