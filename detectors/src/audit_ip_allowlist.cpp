// Detector kind `audit_ip_allowlist`: audit actions (download, export …) from a client
// IP outside the allow-list — data leaving Macau through a user's session (PDPA
// Art. 19/20). One alert per user, address and hour; repeats inside the hour are
// counted into the next one rather than paged again.

#include <fmt/format.h>

#include <unordered_map>

#include "dingwatch/core/mask.hpp"
#include "dingwatch/detectors/cidr.hpp"
#include "dingwatch/detectors/registry.hpp"

namespace dingwatch {

namespace {

constexpr std::int64_t k_window_ms = 3'600'000;

struct settings {
  std::string id;
  std::string name;
  severity level = severity::high;
  std::vector<audit_action> actions;
  cidr_set allow;
};

audit_action parse_action(const std::string& name) {
  for (int a = 0; a <= static_cast<int>(audit_action::other); ++a)
    if (to_string(static_cast<audit_action>(a)) == name) return static_cast<audit_action>(a);
  throw std::runtime_error(fmt::format("actions: unknown action '{}'", name));
}

std::string human_bytes(std::int64_t n) {
  if (n == k_absent) return {};
  if (n >= 1 << 20) return fmt::format(" ({:.1f} MB)", n / 1048576.0);
  if (n >= 1 << 10) return fmt::format(" ({:.0f} KB)", n / 1024.0);
  return fmt::format(" ({} B)", n);
}

class audit_ip_allowlist final : public detector {
 public:
  explicit audit_ip_allowlist(std::shared_ptr<const settings> s) : s_(std::move(s)) {}

  std::string_view name() const noexcept override { return "audit_ip_allowlist"; }

  void on_event(const normalized_event& ev, alert_emitter& out) override {
    if (ev.kind != event_kind::audit || ev.ip.empty()) return;
    if (std::find(s_->actions.begin(), s_->actions.end(), ev.action) == s_->actions.end()) return;
    const auto ip = ip_address::parse(ev.ip);
    if (!ip || s_->allow.contains(*ip)) return;

    const std::int64_t window = ev.ts_ms - ev.ts_ms % k_window_ms;
    const std::uint64_t key = fnv1a(ev.ip, ev.shard_key());
    auto& seen = last_window_[key];
    if (seen.window == window) {
      ++seen.folded;
      return;
    }
    seen.window = window;
    const std::int64_t folded = seen.folded;
    seen.folded = 0;
    evict(window);

    alert a;
    a.id = make_alert_id(s_->id, fmt::format("{}:{}|{}", ev.corp_id, ev.user_id, ev.ip), window);
    a.rule_id = s_->id;
    a.rule_name = s_->name;
    a.family = family::cross_border;
    a.severity = s_->level;
    a.pdpa_articles = {"19", "20"};
    a.mitre_technique = "T1567";
    a.timestamp_ms = a.first_ms = a.last_ms = ev.ts_ms;
    a.user_id = ev.user_id;
    a.user_name = mask_name(ev.user_name);
    a.corp_id = ev.corp_id;
    a.source_ip = ev.ip;
    a.source_country = ev.source_country;  // filled by the jurisdiction enrichment
    a.refs = {ev.ref};
    a.suppressed = folded;
    a.evidence = {{"action", std::string(to_string(ev.action))},
                  {"resource", std::string(ev.resource)},
                  {"platform", std::string(ev.platform)},
                  {"ip", std::string(ev.ip)}};
    a.message = fmt::format("{} ({}) {} {}{} from {}, outside the Macau allow-list",
                            a.user_name.empty() ? "A user" : a.user_name, ev.user_id,
                            ev.action == audit_action::export_data ? "exported" : "downloaded",
                            ev.resource.empty() ? "a file" : ev.resource,
                            human_bytes(ev.resource_size), ev.ip);
    out.emit(std::move(a));
  }

 private:
  struct window_state {
    std::int64_t window = k_absent;
    std::int64_t folded = 0;
  };

  /// Keeps state bounded: forget keys whose window is over once the map grows.
  void evict(std::int64_t now_window) {
    if (last_window_.size() < 65536) return;
    std::erase_if(last_window_, [&](const auto& kv) { return kv.second.window < now_window; });
  }

  std::shared_ptr<const settings> s_;
  std::unordered_map<std::uint64_t, window_state> last_window_;
};

const register_detector registration{"audit_ip_allowlist", [](const YAML::Node& config) {
  auto s = std::make_shared<settings>();
  s->id = config["id"] ? config["id"].as<std::string>() : "DW-XB-001";
  s->name = config["name"] ? config["name"].as<std::string>()
                           : "Audit download from an IP outside the allow-list";
  if (config["severity"]) {
    const auto sev = config["severity"].as<std::string>();
    if (sev == "low") s->level = severity::low;
    else if (sev == "medium") s->level = severity::medium;
    else if (sev == "high") s->level = severity::high;
    else if (sev == "critical") s->level = severity::critical;
    else throw std::runtime_error(fmt::format("severity: '{}' is not low|medium|high|critical", sev));
  }
  const YAML::Node actions = config["actions"];
  if (actions && actions.IsSequence())
    for (const auto& a : actions) s->actions.push_back(parse_action(a.as<std::string>()));
  else
    s->actions = {audit_action::download, audit_action::export_data};
  const YAML::Node allow = config["allow"];
  if (!allow || !allow.IsSequence() || allow.size() == 0)
    throw std::runtime_error("allow: expected a non-empty list of CIDRs");
  for (std::size_t i = 0; i < allow.size(); ++i) {
    const auto text = allow[i].as<std::string>();
    const auto c = cidr::parse(text);
    if (!c) throw std::runtime_error(fmt::format("allow[{}]: '{}' is not a CIDR", i, text));
    s->allow.add(*c);
  }
  return detector_factory([s] {
    std::vector<std::unique_ptr<detector>> v;
    v.push_back(std::make_unique<audit_ip_allowlist>(s));
    return v;
  });
}};

}  // namespace

}  // namespace dingwatch
