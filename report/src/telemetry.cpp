#include "dingwatch/report/telemetry.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "dingwatch/core/event.hpp"

namespace dingwatch::report {

namespace {

constexpr std::int64_t k_minute_ms = 60'000;

std::string process_name() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host.data(), getpid());
}

template <class Stats>
pipeline_counters snapshot(const Stats& s) noexcept {
  pipeline_counters c;
  c.records_read = s.records_read;
  c.records_decoded = s.records_decoded;
  c.events = s.events;
  c.alerts = s.alerts;
  c.rejected = s.rejected;
  for (std::size_t i = 0; i < k_reject_reason_count; ++i) c.rejected_by_reason[i] = s.rejected_by_reason[i];
  return c;
}

std::vector<std::filesystem::path> rule_files(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      out.emplace_back(p);
      continue;
    }
    std::vector<fs::path> in_dir;
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.is_regular_file() && (e.path().extension() == ".yaml" || e.path().extension() == ".yml"))
        in_dir.push_back(e.path());
    std::sort(in_dir.begin(), in_dir.end());
    out.insert(out.end(), in_dir.begin(), in_dir.end());
  }
  return out;
}

}  // namespace

pipeline_counters pipeline_counters::of(const pipeline_stats& s) noexcept { return snapshot(s); }
pipeline_counters pipeline_counters::of(const run_summary& s) noexcept { return snapshot(s); }

pipeline_recorder::pipeline_recorder(alert_store& store, std::string command, std::int64_t now_ms)
    : store_(store), command_(std::move(command)), process_(process_name()), minute_ms_(now_ms - now_ms % k_minute_ms) {}

void pipeline_recorder::tick(const pipeline_counters& now, std::int64_t now_ms) {
  if (now_ms - minute_ms_ < k_minute_ms) return;
  write(now);
  minute_ms_ = now_ms - now_ms % k_minute_ms;
}

void pipeline_recorder::flush(const pipeline_counters& now, std::int64_t) { write(now); }

void pipeline_recorder::write(const pipeline_counters& now) {
  pipeline_minute m;
  m.minute_ms = minute_ms_;
  m.process = process_;
  m.command = command_;
  m.records_read = now.records_read - written_.records_read;
  m.records_decoded = now.records_decoded - written_.records_decoded;
  m.events = now.events - written_.events;
  m.alerts = now.alerts - written_.alerts;
  m.rejected = now.rejected - written_.rejected;
  for (std::size_t i = 0; i < k_reject_reason_count; ++i)
    m.rejected_by_reason[i] = now.rejected_by_reason[i] - written_.rejected_by_reason[i];
  // On failure the counts stay pending and go with the next minute's row.
  if (store_.write_pipeline_minute(m)) written_ = now;
}

std::vector<rule_version> scan_rule_versions(const std::vector<std::string>& paths) {
  std::vector<rule_version> out;
  for (const auto& file : rule_files(paths)) {
    YAML::Node doc;
    try {
      doc = YAML::LoadFile(file.string());
    } catch (const YAML::Exception&) {
      continue;
    }
    if (!doc.IsMap() || !doc["rules"] || !doc["rules"].IsSequence()) continue;
    for (const auto& r : doc["rules"]) {
      if (!r.IsMap() || !r["id"] || !r["id"].IsScalar()) continue;
      rule_version v;
      v.id = r["id"].Scalar();
      if (r["name"] && r["name"].IsScalar()) v.name = r["name"].Scalar();
      if (r["version"] && r["version"].IsScalar()) v.version = std::atoi(r["version"].Scalar().c_str());
      // The rule as yaml-cpp writes it back: comments and layout do not count as a change.
      const std::string canonical = YAML::Dump(r);
      v.hash = fmt::format("{:016x}{:016x}", fnv1a(canonical), fnv1a(canonical, 0x9e3779b97f4a7c15ull));
      out.push_back(std::move(v));
    }
  }
  return out;
}

}  // namespace dingwatch::report
