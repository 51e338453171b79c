#include "config.hpp"

#include <fmt/format.h>

#include "dingwatch/report/render.hpp"
#include "report_schedule.hpp"

#include "dingwatch/ingest/secret_ref.hpp"

#include <set>
#include <stdexcept>

namespace dingwatch {

namespace {

/// Collects problems with their location instead of stopping at the first.
class problems {
 public:
  explicit problems(std::string file) : file_(std::move(file)) {}

  void add(const YAML::Node& at, const std::string& what) {
    list_.push_back(fmt::format("{}:{}:{}: {}", file_, at.Mark().line + 1, at.Mark().column + 1, what));
  }

  template <class T>
  void read(const YAML::Node& parent, const char* key, T& out, const char* hint) {
    const YAML::Node n = parent[key];
    if (!n || n.IsNull()) return;  // absent or empty: keep the default
    try {
      out = n.as<T>();
    } catch (const YAML::Exception&) {
      add(n, fmt::format("'{}' has the wrong type: {}", key, hint));
    }
  }

  void only(const YAML::Node& map, const std::set<std::string>& known, const std::string& where) {
    if (!map.IsMap()) return;
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      if (!known.contains(key))
        add(kv.first, fmt::format("unknown key '{}' in {}; expected one of: {}", key, where,
                                  fmt::join(known, ", ")));
    }
  }

  /// Replaces a `${ENV}` / `@file` reference in `value` by the secret it names.
  void resolve_secret(const YAML::Node& at, std::string& value, const std::filesystem::path& base_dir) {
    secret_value s = resolve_secret_ref(value, base_dir);
    if (s.ok())
      value = std::move(s.value);
    else
      add(at, s.error);
  }

  void throw_if_any() const {
    if (list_.empty()) return;
    throw std::runtime_error(fmt::format("{} problem(s) in the configuration:\n  {}", list_.size(),
                                         fmt::join(list_, "\n  ")));
  }

 private:
  std::string file_;
  std::vector<std::string> list_;
};

}  // namespace

namespace {

config from_yaml(const YAML::Node& root, const std::string& name, const std::filesystem::path& base_dir);

}  // namespace

config load_config(const std::filesystem::path& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::BadFile&) {
    throw std::runtime_error(fmt::format("{}: cannot read the configuration file", path.string()));
  } catch (const YAML::ParserException& e) {
    throw std::runtime_error(fmt::format("{}:{}:{}: {}", path.string(), e.mark.line + 1,
                                         e.mark.column + 1, e.msg));
  }
  return from_yaml(root, path.string(), path.parent_path());
}

config load_config_text(std::string_view yaml, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    throw std::runtime_error(fmt::format("{}:{}:{}: {}", name, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return from_yaml(root, name, std::filesystem::current_path());
}

namespace {

config from_yaml(const YAML::Node& root, const std::string& name, const std::filesystem::path& base_dir) {
  config c;
  problems p(name);
  if (root.IsNull()) return c;
  if (!root.IsMap()) {
    p.add(root, "expected a mapping of sections (kafka, pipeline, limits, metrics, outputs, detectors, log)");
    p.throw_if_any();
  }
  p.only(root, {"kafka", "pipeline", "limits", "metrics", "outputs", "sinks", "detectors", "log", "report", "jurisdictions"},
         "the top level");

  if (const auto k = root["kafka"]) {
    p.only(k, {"brokers", "group", "topics", "alerts_topic", "dlq_topic", "properties"}, "kafka");
    p.read(k, "brokers", c.kafka.brokers, "a string like host:9092,host2:9092");
    p.read(k, "group", c.kafka.group, "a consumer group name");
    p.read(k, "topics", c.kafka.topics, "a list of topic names");
    p.read(k, "alerts_topic", c.kafka.alerts_topic, "a topic name, or \"\" to disable");
    p.read(k, "dlq_topic", c.kafka.dlq_topic, "a topic name");
    p.read(k, "properties", c.kafka.properties, "a map of librdkafka properties");
    for (auto& [key, value] : c.kafka.properties) p.resolve_secret(k["properties"][key], value, base_dir);
  }
  if (const auto s = root["pipeline"]) {
    p.only(s, {"threads", "batch_size", "max_batches_in_flight", "checkpoint_dir", "checkpoint_interval"}, "pipeline");
    p.read(s, "threads", c.pipeline.threads, "a whole number (0 = one per core)");
    p.read(s, "batch_size", c.pipeline.batch_size, "a whole number");
    p.read(s, "max_batches_in_flight", c.pipeline.max_batches_in_flight, "a whole number");
    if (c.pipeline.batch_size == 0) p.add(s["batch_size"], "batch_size must be at least 1");
    p.read(s, "checkpoint_dir", c.pipeline.checkpoint_dir, "a directory for checkpoints of detector state");
    p.read(s, "checkpoint_interval", c.pipeline.checkpoint_interval, "seconds between checkpoints, e.g. 30");
    if (!(c.pipeline.checkpoint_interval > 0 && c.pipeline.checkpoint_interval <= 86400))
      p.add(s["checkpoint_interval"], "checkpoint_interval must be more than 0 and at most 86400 seconds");
  }
  if (const auto l = root["limits"]) {
    p.only(l, {"max_record_bytes", "max_depth", "max_string_bytes", "max_array_elements"}, "limits");
    p.read(l, "max_record_bytes", c.limits.max_record_bytes, "a whole number of bytes");
    p.read(l, "max_depth", c.limits.max_depth, "a whole number");
    p.read(l, "max_string_bytes", c.limits.max_string_bytes, "a whole number of bytes");
    p.read(l, "max_array_elements", c.limits.max_array_elements, "a whole number");
  }
  if (const auto m = root["metrics"]) {
    p.only(m, {"listen", "tls_certificate", "tls_key", "username", "password", "password_hash"}, "metrics");
    p.read(m, "listen", c.metrics_listen, "ADDRESS:PORT, or \"\" to disable");
    p.read(m, "tls_certificate", c.metrics_tls_certificate, "a PEM file holding the certificate (and maybe its key)");
    p.read(m, "tls_key", c.metrics_tls_key, "a PEM file holding the certificate's private key");
    p.read(m, "username", c.metrics_username, "the basic-auth user name Prometheus sends");
    p.read(m, "password", c.metrics_password, "${ENV_VAR}, @/path/to/file, or the password");
    p.resolve_secret(m["password"], c.metrics_password, base_dir);
    p.read(m, "password_hash", c.metrics_password_hash, "a crypt(3) hash: ${ENV_VAR}, @/path/to/file, or the hash");
    p.resolve_secret(m["password_hash"], c.metrics_password_hash, base_dir);
    if (!c.metrics_password.empty() && !c.metrics_password_hash.empty())
      p.add(m, "metrics: give 'password' or 'password_hash', not both");
    if (c.metrics_username.empty() != (c.metrics_password.empty() && c.metrics_password_hash.empty()))
      p.add(m, "metrics: basic auth needs both 'username' and 'password' (or 'password_hash')");
    if (!c.metrics_tls_key.empty() && c.metrics_tls_certificate.empty())
      p.add(m, "metrics: 'tls_key' needs 'tls_certificate'");
  }
  if (const auto o = root["outputs"]) {
    p.only(o, {"alerts_file", "dlq_file", "console", "evidence_dir", "store", "alertmanager"}, "outputs");
    p.read(o, "alerts_file", c.alerts_file, "a file path");
    p.read(o, "dlq_file", c.dlq_file, "a file path");
    p.read(o, "console", c.console, "true or false");
    p.read(o, "evidence_dir", c.evidence_dir, "a directory for the hash-chained evidence log");
    p.read(o, "store", c.store_file, "an SQLite file for the alert store");
    p.read(o, "alertmanager", c.alertmanager_url, "Alertmanager's base URL, e.g. http://alertmanager:9093");
  }
  if (const auto j = root["jurisdictions"]) {
    p.only(j, {"table", "areas", "geoip"}, "jurisdictions");
    p.read(j, "table", c.jurisdictions.table, "a CSV file (match,country,label,network)");
    p.read(j, "areas", c.jurisdictions.areas, "a CSV file of polygons (area,country,lat,lon)");
    p.read(j, "geoip", c.jurisdictions.geoip, "a MaxMind DB file (.mmdb)");
  }
  if (const auto r = root["report"]) {
    c.report.enabled = true;
    p.only(r, {"weekday", "time", "dir", "retention", "lang", "format"}, "report");
    std::string weekday, time;
    p.read(r, "weekday", weekday, "a day of the week, e.g. monday");
    if (!weekday.empty()) {
      if (const auto d = parse_weekday(weekday)) c.report.weekday = *d;
      else p.add(r["weekday"], fmt::format("report.weekday '{}': expected monday, tuesday … sunday", weekday));
    }
    p.read(r, "time", time, "\"HH:MM\", Macau time");
    if (!time.empty()) {
      if (const auto t = parse_clock(time)) std::tie(c.report.hour, c.report.minute) = *t;
      else p.add(r["time"], fmt::format("report.time '{}': expected \"HH:MM\" (24 h, Macau time), e.g. \"08:00\"", time));
    }
    p.read(r, "dir", c.report.dir, "a directory for the report files");
    p.read(r, "retention", c.report.retention, "how many reports to keep, a whole number");
    if (c.report.retention == 0) p.add(r["retention"], "report.retention must be at least 1");
    p.read(r, "lang", c.report.lang, "zh-Hant, pt or en");
    if (!report::parse_language(c.report.lang)) p.add(r["lang"], fmt::format("report.lang '{}': expected zh-Hant, pt or en", c.report.lang));
    p.read(r, "format", c.report.format, "html, md or json");
    if (!report::parse_format(c.report.format)) p.add(r["format"], fmt::format("report.format '{}': expected html, md or json", c.report.format));
  }
  if (const auto lg = root["log"]) {
    p.only(lg, {"level"}, "log");
    p.read(lg, "level", c.log_level, "trace|debug|info|warn|error");
  }
  if (const auto sk = root["sinks"]) {
    if (!sk.IsSequence()) p.add(sk, "'sinks' must be a list of {kind: …} entries");
    c.sinks = sk;
  }
  if (const auto d = root["detectors"]) {
    if (!d.IsSequence()) p.add(d, "'detectors' must be a list of {kind: …} entries");
    c.detectors = d;
  }
  p.throw_if_any();
  return c;
}

}  // namespace
}  // namespace dingwatch
