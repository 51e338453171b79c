#pragma once
/// Alerts: what a detector found, in the shape SIEMs ingest (Elastic Common Schema names).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dingwatch/core/event.hpp"

namespace dingwatch {

/// The three risk families of the PDPA detector pack.
enum class family : std::uint8_t { excessive_collection, anomalous_access, cross_border };

/// Alert severity, ordered.
enum class severity : std::uint8_t { low, medium, high, critical };

std::string_view to_string(family f) noexcept;
std::string_view to_string(severity s) noexcept;

/// One alert. Personal data in `user_name` and `evidence` is already masked.
struct alert {
  std::string id;  ///< deterministic: hash of rule, key and window start (see make_alert_id)

  std::string rule_id;
  std::string rule_name;
  dingwatch::family family = family::anomalous_access;
  dingwatch::severity severity = severity::medium;
  int rule_version = 1;
  std::vector<std::string> pdpa_articles;  ///< e.g. "19", "20"
  std::string mitre_technique;             ///< ATT&CK id where one fits

  std::int64_t timestamp_ms = 0;  ///< @timestamp: event time of the last evidence
  std::string user_id;
  std::string user_name;  ///< masked
  std::string corp_id;
  std::string source_ip;
  std::string source_country;
  std::string destination_domain;
  std::string destination_ip;
  std::string destination_country;

  std::int64_t count = 1;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
  std::vector<event_ref> refs;  ///< evidence locations
  std::vector<std::pair<std::string, std::string>> evidence;  ///< masked field → value
  std::string message;  ///< one sentence a person can read on a phone
  std::int64_t suppressed = 0;  ///< alerts folded into this one by suppression

  std::int64_t received_ms = 0;  ///< when the triggering record entered dingwatch (latency)
};

/// Deterministic id from rule, grouping key and window start: a replay after a crash
/// produces the same id, so consumers can de-duplicate.
std::string make_alert_id(std::string_view rule_id, std::string_view key,
                          std::int64_t window_start_ms);

/// The alert as one line of ECS-style JSON (no trailing newline).
std::string to_json(const alert& a);

/// The alert as one human-readable line for terminals.
std::string to_line(const alert& a);

}  // namespace dingwatch
