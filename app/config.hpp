#pragma once
/// The configuration file (YAML) and its defaults; see config/dingwatch.example.yaml.
///
/// Precedence: built-in defaults < config file < command-line flags. Loading checks
/// every key and collects every problem (file:line, key, hint) before refusing to start.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dingwatch {

struct config {
  struct kafka_section {
    std::string brokers;  ///< empty: `run` refuses to start, `demo` embeds a broker
    std::string group = "dingwatch";
    std::vector<std::string> topics = {"dingtalk.events", "dingtalk.audit", "dingtalk.flows"};
    std::string alerts_topic = "dingwatch.alerts";  ///< empty disables the Kafka alert sink
    std::string dlq_topic = "dingwatch.dlq";
    std::map<std::string, std::string> properties;  ///< passed to librdkafka (TLS, SASL …)
  } kafka;
  struct pipeline_section {
    std::size_t threads = 0;  ///< shards; 0 = one per core
    std::size_t batch_size = 2048;
    std::size_t max_batches_in_flight = 8;
    std::string checkpoint_dir;        ///< `run`: detector state checkpoints; empty = off
    double checkpoint_interval = 30;  ///< seconds between checkpoints
  } pipeline;
  struct limits_section {
    std::size_t max_record_bytes = 1u << 20;
    std::size_t max_depth = 32;
    std::size_t max_string_bytes = 64u << 10;
    std::size_t max_array_elements = 10'000;
  } limits;
  std::string metrics_listen = "127.0.0.1:9464";  ///< empty disables the endpoint; a bare port binds 127.0.0.1
  std::string metrics_tls_certificate;             ///< PEM certificate (maybe with its key): serve https
  std::string metrics_tls_key;                     ///< PEM key when not in the certificate file
  std::string metrics_username;                    ///< with a password: require basic auth
  std::string metrics_password;                    ///< secret (`${ENV}` / `@file` in the file)
  std::string metrics_password_hash;               ///< crypt(3) hash instead of the password (same forms)
  std::string alerts_file;                         ///< JSONL alert log; empty = off
  std::string dlq_file;                            ///< offline dead letters; empty = off
  std::string evidence_dir;                        ///< hash-chained evidence log; empty = off
  std::string store_file;                          ///< SQLite alert store; empty = off
  std::string alertmanager_url;                    ///< Alertmanager base URL; empty = off
  bool console = false;                            ///< print alerts on stdout
  std::string log_level = "info";
  /// `report:`: the weekly report `run` writes on a schedule (app/report_schedule.hpp).
  struct report_section {
    bool enabled = false;
    int weekday = 1;           ///< 0 = Sunday; Monday by default
    int hour = 8, minute = 0;  ///< Asia/Macau
    std::string dir = "./reports";
    std::size_t retention = 12;  ///< report files kept in `dir`
    std::string lang = "zh-Hant";
    std::string format = "html";
  } report;
  YAML::Node sinks;      ///< the `sinks:` list (see sinks/registry.hpp); flags append to it
  YAML::Node detectors;  ///< the `detectors:` list; null = built-in defaults
  struct jurisdictions_section {
    std::string table;  ///< CIDR/host table; empty = rules/jurisdictions.csv of the rule pack
    std::string areas;  ///< GPS polygons; empty = rules/jurisdiction_areas.csv of the rule pack
    std::string geoip;  ///< MaxMind DB (.mmdb) for addresses the table lacks; empty = none
  } jurisdictions;
  std::vector<std::string> rules;  ///< --rules: rule files/dirs replacing the default pack
};

/// Loads and validates `path`. Throws std::runtime_error listing every problem found.
/// Secret references (`${ENV}`, `@file`, see ingest/secret_ref.hpp) in Kafka properties
/// and the metrics password are resolved; relative files are next to `path`.
config load_config(const std::filesystem::path& path);

/// Same from YAML text; `name` stands for the file in messages, and relative secret
/// files are resolved against the working directory.
config load_config_text(std::string_view yaml, const std::string& name = "<config>");

}  // namespace dingwatch
