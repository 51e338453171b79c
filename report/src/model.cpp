#include "dingwatch/report/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "dingwatch/core/time.hpp"
#include "text.hpp"

namespace dingwatch::report {

namespace {

constexpr std::int64_t k_minute_ms = 60'000;

// SQL shared by the queries below: the Macau day of an alert, and where it sent data.
#define DW_DAY "((timestamp_ms + 28800000) / 86400000)"
// The country the data went to: the destination's, else (a download from abroad) the
// source's; the stored column first, then what a jurisdiction lookup put in the evidence.
#define DW_COUNTRY                                                                                          \
  "COALESCE(NULLIF(destination_country, ''), json_extract(json, '$.evidence.\"destination.country\"'), " \
  "NULLIF(source_country, ''), json_extract(json, '$.evidence.\"source.country\"'), '')"
#define DW_DESTINATION "COALESCE(NULLIF(destination_domain, ''), json_extract(json, '$.destination.ip'), '')"

int family_index(std::string_view f) noexcept {
  for (std::size_t i = 0; i < k_families.size(); ++i)
    if (k_families[i] == f) return static_cast<int>(i);
  return -1;
}

/// critical 0, high 1, medium 2, low 3 (the order tables show them in); -1 if unknown.
int severity_rank(std::string_view s) noexcept {
  constexpr std::array<std::string_view, 4> order = {"critical", "high", "medium", "low"};
  for (std::size_t i = 0; i < order.size(); ++i)
    if (order[i] == s) return static_cast<int>(i);
  return -1;
}

void add(change& c, bool current, std::int64_t n) { (current ? c.current : c.previous) += n; }

/// One pass over the covering index for every count by day, family, severity, rule and
/// article of both periods; then the distinct users. Fills the headline, the days, the
/// articles and the top rules (names fetched for the rows shown only).
void counts(const alert_store& store, const period& cur, std::size_t top, report_model& m) {
  const period prev = cur.previous();
  for (std::int64_t d = cur.from_ms; d < cur.to_ms; d += k_day_ms) m.days.push_back({d, {}});
  std::map<std::string, change> by_article;
  std::map<std::string, rule_row> by_rule;
  store.select("SELECT " DW_DAY ", family, severity, rule_id, pdpa, COUNT(*) FROM alerts WHERE timestamp_ms >= ?1 AND "
               "timestamp_ms < ?2 GROUP BY 1, 2, 3, 4, 5",
               {prev.from_ms, cur.to_ms}, [&](const row_view& r) {
                 const std::int64_t day_ms = r.integer(0) * k_day_ms - k_macau_offset_ms;
                 const bool is_current = day_ms >= cur.from_ms;
                 const std::int64_t n = r.integer(5);
                 add(m.alerts, is_current, n);
                 const int sev = severity_rank(r.text(2));
                 if (sev == 0 || sev == 1) add(m.high_or_critical, is_current, n);
                 const int f = family_index(r.text(1));
                 if (is_current && f >= 0) m.days[static_cast<std::size_t>((day_ms - cur.from_ms) / k_day_ms)].by_family[f] += n;
                 for (const auto article : split(r.text(4), ','))
                   if (!article.empty()) add(by_article[std::string(article)], is_current, n);
                 rule_row& rule = by_rule[std::string(r.text(3))];
                 if (rule.id.empty()) rule = {std::string(r.text(3)), {}, std::string(r.text(1)), std::string(r.text(2)), {}};
                 add(rule.alerts, is_current, n);
               });
  store.select("SELECT timestamp_ms >= ?3, COUNT(DISTINCT user_id) FROM alerts WHERE timestamp_ms >= ?1 AND "
               "timestamp_ms < ?2 AND user_id != '' GROUP BY 1",
               {prev.from_ms, cur.to_ms, cur.from_ms},
               [&](const row_view& r) { add(m.users, r.integer(0) != 0, r.integer(1)); });

  for (auto& [article, c] : by_article)
    if (c.current > 0) m.articles.push_back({article, c});
  std::sort(m.articles.begin(), m.articles.end(), [](const article_row& a, const article_row& b) {
    if (a.alerts.current != b.alerts.current) return a.alerts.current > b.alerts.current;
    return std::make_pair(a.article.size(), a.article) < std::make_pair(b.article.size(), b.article);
  });

  std::vector<rule_row> fired;
  for (auto& [id, r] : by_rule)
    if (r.alerts.current > 0) fired.push_back(std::move(r));
  m.rules_fired = static_cast<std::int64_t>(fired.size());
  std::sort(fired.begin(), fired.end(), [](const rule_row& a, const rule_row& b) {
    return a.alerts.current != b.alerts.current ? a.alerts.current > b.alerts.current : a.id < b.id;
  });
  if (fired.size() > top) fired.resize(top);
  // Names are not in the covering index: fetch them for the rows shown only.
  for (rule_row& r : fired)
    store.select("SELECT rule_name FROM alerts WHERE rule_id = ?1 AND timestamp_ms < ?2 ORDER BY timestamp_ms DESC "
                 "LIMIT 1",
                 {r.id, cur.to_ms}, [&](const row_view& row) { r.name = row.text(0); });
  m.top_rules = std::move(fired);
}

void users(const alert_store& store, const period& cur, std::size_t top, report_model& m) {
  std::vector<user_row> all;
  store.select("SELECT user_id, '', COUNT(*), SUM(severity = 'critical'), SUM(severity = 'high'), "
               "SUM(severity = 'medium'), SUM(severity = 'low'), COUNT(DISTINCT rule_id) FROM alerts "
               "WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2 AND user_id != '' GROUP BY user_id",
               {cur.from_ms, cur.to_ms}, [&](const row_view& r) {
                 user_row u{std::string(r.text(0)), {}, 0, r.integer(2), {}, r.integer(7)};
                 for (int i = 0; i < 4; ++i) {
                   u.by_severity[i] = r.integer(3 + i);
                   u.score += u.by_severity[i] * k_risk_weights[3 - i];
                 }
                 all.push_back(std::move(u));
               });
  const auto by_risk = [](const user_row& a, const user_row& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.alerts != b.alerts) return a.alerts > b.alerts;
    return a.id < b.id;
  };
  const std::size_t n = std::min(top, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), by_risk);
  all.resize(n);
  // The name as last stored in the period (already masked); only for the rows shown.
  for (user_row& u : all)
    store.select("SELECT user_name FROM alerts WHERE user_id = ?1 AND timestamp_ms >= ?2 AND timestamp_ms < ?3 AND "
                 "user_name != '' ORDER BY timestamp_ms DESC LIMIT 1",
                 {u.id, cur.from_ms, cur.to_ms}, [&](const row_view& r) { u.name = r.text(0); });
  m.top_users = std::move(all);
}

void transfers(const alert_store& store, const period& cur, report_model& m) {
  std::map<std::pair<std::string, std::string>, transfer_row> by;
  store.select("SELECT timestamp_ms >= ?3, " DW_COUNTRY ", " DW_DESTINATION
               ", COALESCE(json_extract(json, '$.evidence.\"flow.app\"'), ''), COUNT(*), "
               "SUM(CAST(json_extract(json, '$.evidence.\"flow.bytes\"') AS INTEGER)), "
               "SUM(CAST(json_extract(json, '$.evidence.\"flow.records\"') AS INTEGER)) "
               "FROM alerts WHERE family = 'cross_border' AND timestamp_ms >= ?1 AND timestamp_ms < ?2 "
               "GROUP BY 1, 2, 3, 4",
               {cur.previous().from_ms, cur.to_ms, cur.from_ms}, [&](const row_view& r) {
                 const bool is_current = r.integer(0) != 0;
                 add(m.records_out, is_current, r.integer(6));
                 if (!is_current) return;
                 const std::string country = destination_country(r.text(1), r.text(2));
                 const bool gateway = !r.text(2).empty();
                 const std::string app(r.text(3));
                 transfer_row& t = by[{country, gateway ? "+" + app : app}];
                 t.country = country;
                 t.app = app;
                 t.gateway = gateway;
                 t.alerts += r.integer(4);
                 t.bytes += r.integer(5);
                 t.records += r.integer(6);
               });
  for (auto& [key, t] : by) m.transfers.push_back(std::move(t));
  std::sort(m.transfers.begin(), m.transfers.end(), [](const transfer_row& a, const transfer_row& b) {
    if (a.records != b.records) return a.records > b.records;
    if (a.alerts != b.alerts) return a.alerts > b.alerts;
    return std::tie(a.country, a.app) < std::tie(b.country, b.app);
  });
  // A destination is new when no earlier cross-border alert ever named it.
  store.select("SELECT dest, MIN(timestamp_ms), MAX(country) FROM (SELECT " DW_DESTINATION " AS dest, " DW_COUNTRY
               " AS country, timestamp_ms FROM alerts WHERE family = 'cross_border' AND "
               "timestamp_ms < ?2) WHERE dest != '' GROUP BY dest HAVING MIN(timestamp_ms) >= ?1 ORDER BY 2, 1",
               {cur.from_ms, cur.to_ms}, [&](const row_view& r) {
                 m.new_destinations.push_back(
                     {std::string(r.text(0)), destination_country(r.text(2), r.text(0)), r.integer(1)});
               });
}

/// "field: value; …" from the alert's evidence object, at most `limit` bytes.
std::string evidence_summary(std::string_view json, std::size_t limit) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.contains("evidence") || !j["evidence"].is_object()) return {};
  std::string out;
  for (const auto& [k, v] : j["evidence"].items()) {
    if (!out.empty()) out += "; ";
    out += k;
    out += ": ";
    out += v.is_string() ? v.get<std::string>() : v.dump();
  }
  return shorten(out, limit);
}

void incidents(const alert_store& store, const period& cur, std::size_t limit, report_model& m) {
  store.select("SELECT COUNT(*) FROM alerts WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2 AND "
               "severity IN ('critical', 'high')",
               {cur.from_ms, cur.to_ms}, [&](const row_view& r) { m.incidents_total = r.integer(0); });
  // Critical first, then high; newest first within each (walking the time index backwards,
  // so only the rows listed are read in full).
  for (const std::string_view sev : {"critical", "high"}) {
    if (m.incidents.size() >= limit) break;
    store.select("SELECT id, timestamp_ms, rule_id, rule_name, family, severity, user_id, user_name, message, json "
                 "FROM alerts INDEXED BY alerts_time WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2 AND severity = ?3 "
                 "ORDER BY timestamp_ms DESC, rowid DESC LIMIT ?4",
                 {cur.from_ms, cur.to_ms, sev, static_cast<std::int64_t>(limit - m.incidents.size())},
                 [&](const row_view& r) {
                   m.incidents.push_back({std::string(r.text(0)), r.integer(1), std::string(r.text(2)),
                                          std::string(r.text(3)), std::string(r.text(4)), std::string(r.text(5)),
                                          std::string(r.text(6)), std::string(r.text(7)), std::string(r.text(8)),
                                          evidence_summary(r.text(9), 240)});
                 });
  }
}

void health(const alert_store& store, const period& cur, std::int64_t now_ms, report_model& m) {
  if (!store.has_table("pipeline_minutes")) return;
  std::int64_t first_ever = -1;
  store.select("SELECT MIN(minute_ms) FROM pipeline_minutes", {}, [&](const row_view& r) {
    if (!r.is_null(0)) first_ever = r.integer(0);
  });
  const std::int64_t start = std::max(cur.from_ms, first_ever - first_ever % k_minute_ms);
  const std::int64_t end = std::min(cur.to_ms, now_ms - now_ms % k_minute_ms + k_minute_ms);
  if (first_ever < 0 || first_ever >= cur.to_ms || end <= start) return;
  pipeline_health h;
  h.expected_minutes = (end - start) / k_minute_ms;
  store.select("SELECT SUM(records_read), SUM(records_decoded), SUM(events), SUM(alerts), SUM(rejected) "
               "FROM pipeline_minutes WHERE minute_ms >= ?1 AND minute_ms < ?2",
               {cur.from_ms, cur.to_ms}, [&](const row_view& r) {
                 h.records_read = static_cast<std::uint64_t>(r.integer(0));
                 h.records_decoded = static_cast<std::uint64_t>(r.integer(1));
                 h.events = static_cast<std::uint64_t>(r.integer(2));
                 h.alerts = static_cast<std::uint64_t>(r.integer(3));
                 h.rejected = static_cast<std::uint64_t>(r.integer(4));
               });
  store.select("SELECT j.key, SUM(j.value) FROM pipeline_minutes, json_each(pipeline_minutes.rejected_by_reason) AS j "
               "WHERE minute_ms >= ?1 AND minute_ms < ?2 GROUP BY j.key ORDER BY 2 DESC, 1",
               {cur.from_ms, cur.to_ms}, [&](const row_view& r) {
                 h.rejected_by_reason.emplace_back(std::string(r.text(0)), static_cast<std::uint64_t>(r.integer(1)));
               });
  // Outages: runs of minutes in [start, end) that no process recorded.
  std::int64_t expected_next = start;
  const auto gap_until = [&](std::int64_t minute) {
    if (minute > expected_next) {
      ++h.outages;
      h.longest_outage_minutes = std::max(h.longest_outage_minutes, (minute - expected_next) / k_minute_ms);
    }
  };
  store.select("SELECT DISTINCT minute_ms FROM pipeline_minutes WHERE minute_ms >= ?1 AND minute_ms < ?2 ORDER BY 1",
               {start, end}, [&](const row_view& r) {
                 gap_until(r.integer(0));
                 ++h.running_minutes;
                 expected_next = r.integer(0) + k_minute_ms;
               });
  gap_until(end);
  m.health = std::move(h);
}

void rule_changes(const alert_store& store, const period& cur, report_model& m) {
  if (!store.has_table("rule_versions")) return;
  m.rules_recorded = true;
  struct seen {
    std::string hash, name;
    int version;
    std::int64_t first_ms, last_ms;
  };
  std::map<std::string, std::vector<seen>> by_rule;
  std::set<std::int64_t> loads;  // startup times, as far as the table still shows them
  store.select("SELECT rule_id, hash, version, name, first_seen_ms, last_seen_ms FROM rule_versions "
               "ORDER BY rule_id, first_seen_ms, hash",
               {}, [&](const row_view& r) {
                 by_rule[std::string(r.text(0))].push_back({std::string(r.text(1)), std::string(r.text(3)),
                                                            static_cast<int>(r.integer(2)), r.integer(4),
                                                            r.integer(5)});
                 loads.insert(r.integer(4));
                 loads.insert(r.integer(5));
               });
  const auto in_period = [&](std::int64_t t) { return t >= cur.from_ms && t < cur.to_ms; };
  for (const auto& [id, versions] : by_rule) {
    if (in_period(versions.front().first_ms))
      m.rule_changes.push_back({rule_change::kind::added, id, versions.front().name, versions.front().version, 0,
                                versions.front().first_ms});
    for (std::size_t i = 1; i < versions.size(); ++i)
      if (in_period(versions[i].first_ms))
        m.rule_changes.push_back({rule_change::kind::changed, id, versions[i].name, versions[i].version,
                                  versions[i - 1].version, versions[i].first_ms});
    // Removed: a later startup within the period no longer loaded the rule.
    std::int64_t last = 0;
    const seen* latest = nullptr;
    for (const auto& v : versions)
      if (v.last_ms >= last) last = v.last_ms, latest = &v;
    const auto later_load = loads.upper_bound(last);
    if (latest != nullptr && last < cur.to_ms && later_load != loads.end() && in_period(*later_load))
      m.rule_changes.push_back({rule_change::kind::removed, id, latest->name, latest->version, 0, *later_load});
  }
  std::sort(m.rule_changes.begin(), m.rule_changes.end(), [](const rule_change& a, const rule_change& b) {
    return std::tie(a.when_ms, a.id, a.what) < std::tie(b.when_ms, b.id, b.what);
  });
}

#undef DW_DAY
#undef DW_DESTINATION
#undef DW_COUNTRY

}  // namespace

std::string destination_country(std::string_view stored, std::string_view host) {
  if (!stored.empty()) return std::string(stored);
  const std::string h = ascii_lower(host);
  if (h.find("oss-cn-") != std::string::npos) return "CN";  // Alibaba Cloud's mainland regions
  const auto dot = h.rfind('.');
  if (dot == std::string::npos || h.size() - dot != 3) return {};
  const std::string tld = h.substr(dot + 1);
  if (!std::all_of(tld.begin(), tld.end(), [](char c) { return c >= 'a' && c <= 'z'; })) return {};
  return ascii_upper(tld);
}

report_model build_report(const alert_store& store, const report_options& o) {
  report_model m;
  m.current = o.span;
  m.previous = o.span.previous();
  m.generated_ms = o.generated_ms;
  counts(store, o.span, o.top, m);
  users(store, o.span, o.top, m);
  transfers(store, o.span, m);
  incidents(store, o.span, o.incidents, m);
  health(store, o.span, o.generated_ms, m);
  rule_changes(store, o.span, m);
  return m;
}

}  // namespace dingwatch::report
