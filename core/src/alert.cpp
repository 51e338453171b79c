#include "dingwatch/core/alert.hpp"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>

#include "dingwatch/core/time.hpp"

namespace dingwatch {

std::string_view to_string(family f) noexcept {
  constexpr std::array<std::string_view, 3> names = {"excessive_collection", "anomalous_access",
                                                     "cross_border"};
  return names[static_cast<std::size_t>(f)];
}

std::string_view to_string(severity s) noexcept {
  constexpr std::array<std::string_view, 4> names = {"low", "medium", "high", "critical"};
  return names[static_cast<std::size_t>(s)];
}

std::string make_alert_id(std::string_view rule_id, std::string_view key,
                          std::int64_t window_start_ms) {
  // Two independent FNV-1a lanes give 128 bits: collisions are not a practical concern
  // for de-duplication, and the id stays stable across builds and platforms.
  const std::string window = std::to_string(window_start_ms);
  std::uint64_t a = fnv1a(window, fnv1a("|", fnv1a(key, fnv1a("|", fnv1a(rule_id)))));
  std::uint64_t b = fnv1a(rule_id, fnv1a(window, fnv1a(key, 0x9e3779b97f4a7c15ull)));
  return fmt::format("{:016x}{:016x}", a, b);
}

namespace {

void put_if(nlohmann::json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

}  // namespace

std::string to_json(const alert& a) {
  nlohmann::json j;
  j["@timestamp"] = iso8601_utc(a.timestamp_ms);
  j["alert"]["id"] = a.id;
  j["rule"] = {{"id", a.rule_id},
               {"name", a.rule_name},
               {"family", to_string(a.family)},
               {"severity", to_string(a.severity)},
               {"version", a.rule_version}};
  j["pdpa"]["articles"] = a.pdpa_articles;
  if (!a.mitre_technique.empty()) j["threat"]["technique"]["id"] = a.mitre_technique;
  j["user"]["id"] = a.user_id;
  put_if(j["user"], "name", a.user_name);
  if (!a.corp_id.empty()) j["organization"]["id"] = a.corp_id;
  if (!a.source_ip.empty()) {
    j["source"]["ip"] = a.source_ip;
    if (!a.source_country.empty()) j["source"]["geo"]["country_iso_code"] = a.source_country;
  }
  if (!a.destination_domain.empty() || !a.destination_ip.empty()) {
    auto& d = j["destination"];
    put_if(d, "domain", a.destination_domain);
    put_if(d, "ip", a.destination_ip);
    if (!a.destination_country.empty()) d["geo"]["country_iso_code"] = a.destination_country;
  }
  auto refs = nlohmann::json::array();
  for (const auto& r : a.refs)
    refs.push_back(fmt::format("{}/{}/{}", to_string(r.topic), r.partition, r.offset));
  j["event"] = {{"count", a.count},
                {"first", iso8601_utc(a.first_ms)},
                {"last", iso8601_utc(a.last_ms)},
                {"refs", std::move(refs)}};
  if (a.suppressed > 0) j["event"]["suppressed"] = a.suppressed;
  auto ev = nlohmann::json::object();
  for (const auto& [k, v] : a.evidence) ev[k] = v;
  j["evidence"] = std::move(ev);
  j["message"] = a.message;
  // Record bytes are arbitrary; never let a stray byte abort an alert.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_line(const alert& a) {
  std::string articles;
  for (const auto& art : a.pdpa_articles) articles += (articles.empty() ? "Art." : ",") + art;
  return fmt::format("{} {:<8} {:<20} {} [{}] {}", iso8601_utc(a.timestamp_ms),
                     fmt::format("[{}]", to_string(a.severity)), to_string(a.family), a.rule_id,
                     articles, a.message);
}

}  // namespace dingwatch
