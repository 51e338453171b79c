// JSON: the model as data, for machines. Figures are plain numbers; dates ISO 8601 in
// UTC plus the Macau date of each day; `summary` carries the headline as sentences in
// the report's language for whoever forwards the JSON to people.

#include <nlohmann/json.hpp>

#include "dingwatch/core/time.hpp"
#include "dingwatch/report/render.hpp"
#include "sections.hpp"
#include "text.hpp"

namespace dingwatch::report {

namespace {

using json = nlohmann::ordered_json;

json change_json(const change& c) {
  json j = {{"current", c.current}, {"previous", c.previous}};
  if (const auto p = c.percent()) j["change_percent"] = std::round(*p * 10) / 10;
  else j["change_percent"] = nullptr;
  return j;
}

json period_json(const period& p) {
  return {{"from", iso8601_utc(p.from_ms)},
          {"to", iso8601_utc(p.to_ms)},
          {"first_day", macau_date(p.from_ms)},
          {"last_day", macau_date(p.to_ms - k_day_ms)}};
}

}  // namespace

std::string render_json(const report_model& m, language l) {
  json j;
  j["report"] = "dingwatch weekly anomaly summary";
  j["schema_version"] = 1;
  j["language"] = code(l);
  j["time_zone"] = "Asia/Macau";
  j["generated"] = iso8601_utc(m.generated_ms);
  j["period"] = period_json(m.current);
  j["previous_period"] = period_json(m.previous);
  j["empty"] = m.empty();
  const front f = front_matter(m, l);
  j["summary"] = {{"title", f.title}, {"period", f.period}};
  if (m.empty()) j["summary"]["notice"] = f.empty_notice;
  j["headline"] = {{"alerts", change_json(m.alerts)},
                   {"critical_or_high", change_json(m.high_or_critical)},
                   {"users", change_json(m.users)},
                   {"records_out_of_macau", change_json(m.records_out)}};
  json days = json::array();
  for (const auto& d : m.days) {
    json by = json::object();
    for (std::size_t i = 0; i < k_families.size(); ++i) by[std::string(k_families[i])] = d.by_family[i];
    days.push_back({{"day", macau_date(d.day_ms)}, {"by_family", by}});
  }
  j["alerts_per_day"] = days;
  json arts = json::array();
  for (const auto& a : m.articles)
    arts.push_back({{"article", a.article}, {"title", article_title(l, a.article)}, {"alerts", change_json(a.alerts)}});
  j["alerts_by_article"] = arts;
  json rules = json::array();
  for (const auto& r : m.top_rules)
    rules.push_back({{"id", r.id}, {"name", r.name}, {"family", r.family}, {"severity", r.severity},
                     {"alerts", change_json(r.alerts)}});
  j["top_rules"] = rules;
  j["rules_fired"] = m.rules_fired;
  json users = json::array();
  for (const auto& u : m.top_users)
    users.push_back({{"id", u.id}, {"name", u.name}, {"score", u.score}, {"alerts", u.alerts},
                     {"by_severity", {{"critical", u.by_severity[0]}, {"high", u.by_severity[1]},
                                      {"medium", u.by_severity[2]}, {"low", u.by_severity[3]}}},
                     {"rules", u.rules}});
  j["top_users"] = {{"risk_weights", {{"critical", k_risk_weights[3]}, {"high", k_risk_weights[2]},
                                      {"medium", k_risk_weights[1]}, {"low", k_risk_weights[0]}}},
                    {"users", users}};
  json transfers = json::array();
  for (const auto& t : m.transfers)
    transfers.push_back({{"country", t.country.empty() ? json(nullptr) : json(t.country)},
                         {"app", t.app.empty() ? json(nullptr) : json(t.app)}, {"gateway_flow", t.gateway},
                         {"alerts", t.alerts}, {"bytes", t.bytes}, {"records", t.records}});
  json fresh = json::array();
  for (const auto& d : m.new_destinations)
    fresh.push_back({{"destination", d.destination}, {"country", d.country.empty() ? json(nullptr) : json(d.country)},
                     {"first_seen", iso8601_utc(d.first_ms)}});
  j["cross_border"] = {{"transfers", transfers}, {"new_destinations", fresh}};
  json incidents = json::array();
  for (const auto& i : m.incidents)
    incidents.push_back({{"id", i.id}, {"timestamp", iso8601_utc(i.timestamp_ms)}, {"rule_id", i.rule_id},
                         {"rule_name", i.rule_name}, {"family", i.family}, {"severity", i.severity},
                         {"user_id", i.user_id}, {"user_name", i.user_name}, {"message", i.message},
                         {"evidence", i.evidence}});
  j["incidents"] = {{"total", m.incidents_total}, {"listed", incidents}};
  if (m.health) {
    const auto& h = *m.health;
    json reasons = json::object();
    for (const auto& [r, n] : h.rejected_by_reason) reasons[r] = n;
    j["pipeline"] = {{"records_read", h.records_read}, {"records_decoded", h.records_decoded},
                     {"events", h.events}, {"alerts", h.alerts}, {"rejected", h.rejected},
                     {"rejected_by_reason", reasons}, {"expected_minutes", h.expected_minutes},
                     {"running_minutes", h.running_minutes}, {"down_minutes", h.down_minutes()},
                     {"outages", h.outages}, {"longest_outage_minutes", h.longest_outage_minutes}};
  } else {
    j["pipeline"] = nullptr;
  }
  if (m.rules_recorded) {
    json changes = json::array();
    for (const auto& c : m.rule_changes) {
      constexpr std::array<const char*, 3> kinds = {"added", "changed", "removed"};
      json x = {{"change", kinds[static_cast<std::size_t>(c.what)]}, {"rule_id", c.id}, {"name", c.name},
                {"version", c.version}, {"when", iso8601_utc(c.when_ms)}};
      if (c.what == rule_change::kind::changed) x["previous_version"] = c.previous_version;
      changes.push_back(std::move(x));
    }
    j["rule_changes"] = changes;
  } else {
    j["rule_changes"] = nullptr;
  }
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::optional<format> parse_format(std::string_view name) noexcept {
  if (name == "html") return format::html;
  if (name == "md" || name == "markdown") return format::markdown;
  if (name == "json") return format::json;
  return std::nullopt;
}

std::string_view extension(format f) noexcept {
  switch (f) {
    case format::html: return "html";
    case format::markdown: return "md";
    case format::json: break;
  }
  return "json";
}

std::string render(const report_model& m, format f, language l) {
  switch (f) {
    case format::html: return render_html(m, l);
    case format::markdown: return render_markdown(m, l);
    case format::json: break;
  }
  return render_json(m, l);
}

}  // namespace dingwatch::report
