#include "dingwatch/ingest/kafka_config.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace dingwatch {

std::vector<std::string> default_topics() {
  return {"dingtalk.events", "dingtalk.audit", "dingtalk.flows", "dingwatch.alerts",
          "dingwatch.dlq"};
}

std::vector<std::string> default_input_topics() {
  return {"dingtalk.events", "dingtalk.audit", "dingtalk.flows"};
}

bool is_secret_config_key(std::string_view key) noexcept {
  // sasl.oauthbearer.config carries client secrets inline; ssl.keystore.* and
  // ssl.certificate.pem travel with keys in some deployments.
  static constexpr std::array<std::string_view, 8> markers = {
      "password", "secret", "key.pem", "token", "sasl.jaas", "ssl.key", "oauthbearer.config", "keystore"};
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::any_of(markers.begin(), markers.end(), [&](std::string_view m) {
    return lower.find(m) != std::string::npos;
  });
}

namespace {

std::string shown_value(std::string_view key, std::string_view value) {
  return is_secret_config_key(key) ? std::string("*****") : std::string(value);
}

void log_to_spdlog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  const char* name = rk != nullptr ? rd_kafka_name(rk) : "rdkafka";
  if (level <= 3) {
    spdlog::error("kafka {} {}: {}", name, fac, buf);
  } else if (level == 4) {
    spdlog::warn("kafka {} {}: {}", name, fac, buf);
  } else if (level <= 6) {
    spdlog::info("kafka {} {}: {}", name, fac, buf);
  } else {
    spdlog::debug("kafka {} {}: {}", name, fac, buf);
  }
}

bool valid_port(std::string_view s) {
  if (s.empty()) return false;
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
  return ec == std::errc{} && ptr == s.data() + s.size() && port >= 1 && port <= 65535;
}

}  // namespace

std::string describe(const kafka_options& options) {
  std::string out = fmt::format("bootstrap.servers={}", options.brokers);
  for (const auto& [key, value] : options.extra) {
    out += fmt::format(" {}={}", key, shown_value(key, value));
  }
  return out;
}

void validate_broker_list(std::string_view brokers) {
  if (brokers.find_first_not_of(" \t") == std::string_view::npos) {
    throw std::runtime_error(
        "kafka: bootstrap.servers is empty (give a broker list such as --brokers "
        "127.0.0.1:9092)");
  }
  std::size_t start = 0;
  while (start <= brokers.size()) {
    std::size_t end = brokers.find(',', start);
    if (end == std::string_view::npos) end = brokers.size();
    std::string_view entry = brokers.substr(start, end - start);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
    std::string_view hostport = entry;
    if (auto scheme = hostport.find("://"); scheme != std::string_view::npos) {
      hostport.remove_prefix(scheme + 3);
    }
    bool ok = !hostport.empty();
    if (ok) {
      auto colon = hostport.rfind(':');
      std::string_view host = colon == std::string_view::npos ? hostport : hostport.substr(0, colon);
      // "[::1]:9092" style IPv6 literals keep their brackets in host.
      ok = !host.empty() && host.find_first_of(" /?#@") == std::string_view::npos &&
           (colon == std::string_view::npos || valid_port(hostport.substr(colon + 1)));
    }
    if (!ok) {
      throw std::runtime_error(fmt::format(
          "kafka: bootstrap.servers entry '{}' in '{}' is not host:port (expected e.g. "
          "127.0.0.1:9092,broker2:9092)",
          entry, brokers));
    }
    start = end + 1;
  }
}

namespace kafka_detail {

void route_logs_to_spdlog(rd_kafka_conf_t* conf) noexcept {
  rd_kafka_conf_set_log_cb(conf, log_to_spdlog);
}

void set(rd_kafka_conf_t* conf, std::string_view key, const std::string& value) {
  char errstr[512];
  const std::string k(key);
  if (rd_kafka_conf_set(conf, k.c_str(), value.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    // librdkafka's message may quote the value; never let a secret through.
    std::string reason = is_secret_config_key(key) ? std::string("invalid value") : errstr;
    throw std::runtime_error(fmt::format("kafka config {}={}: {}", k, shown_value(key, value), reason));
  }
}

rd_kafka_conf_t* make_conf(const kafka_options& options,
                           std::span<const std::pair<std::string_view, std::string>> defaults) {
  validate_broker_list(options.brokers);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  try {
    route_logs_to_spdlog(conf);
    set(conf, "bootstrap.servers", options.brokers);
    for (const auto& [key, value] : defaults) {
      if (!options.extra.contains(std::string(key))) set(conf, key, value);
    }
    for (const auto& [key, value] : options.extra) set(conf, key, value);
  } catch (...) {
    rd_kafka_conf_destroy(conf);
    throw;
  }
  return conf;
}

bool error_throttle::allow(int code) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto [it, inserted] = last_.try_emplace(code, now);
  if (inserted) return true;
  if (now - it->second < period_) return false;
  it->second = now;
  return true;
}

}  // namespace kafka_detail
}  // namespace dingwatch
