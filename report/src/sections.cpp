#include "sections.hpp"

#include <fmt/format.h>

#include "text.hpp"

namespace dingwatch::report {

namespace {

std::string num(language l, std::int64_t n) { return format_number(l, n); }

std::string or_unknown(language l, const std::string& s) { return s.empty() ? std::string(text(l, msg::unknown)) : s; }

/// "陳** (0123…)": the masked name as stored, then the id.
std::string person(const std::string& name, const std::string& id) {
  if (name.empty()) return id;
  return id.empty() ? name : fmt::format("{} ({})", name, id);
}

section headline(const report_model& m, language l) {
  section s{"headline", std::string(text(l, msg::sec_headline)), {}, {}, {}};
  table t{{"", std::string(text(l, msg::col_count)), std::string(text(l, msg::col_change)),
           std::string(text(l, msg::col_previous))},
          {cell::text, cell::number, cell::text, cell::number}, {}, {}, {}};
  const auto row = [&](msg label, const change& c) {
    t.rows.push_back({std::string(text(l, label)), num(l, c.current), format_change(l, c), num(l, c.previous)});
  };
  row(msg::headline_alerts, m.alerts);
  row(msg::headline_high, m.high_or_critical);
  row(msg::headline_users, m.users);
  row(msg::headline_records, m.records_out);
  s.tables.push_back(std::move(t));
  return s;
}

section daily(const report_model& m, language l) {
  section s{"daily", std::string(text(l, msg::sec_daily)), {}, {}, {}};
  table t{{std::string(text(l, msg::col_day))}, {cell::text}, {}, {}, {}};
  for (const auto f : k_families) {
    t.head.emplace_back(family_label(l, f));
    t.kinds.push_back(cell::number);
  }
  t.head.emplace_back(text(l, msg::col_total));
  t.kinds.push_back(cell::number);
  for (const day_row& d : m.days) {
    std::vector<std::string> r{fmt::format("{} {}", macau_date(d.day_ms), format_day(l, d.day_ms))};
    std::int64_t total = 0;
    for (const auto n : d.by_family) {
      r.push_back(num(l, n));
      total += n;
    }
    r.push_back(num(l, total));
    t.rows.push_back(std::move(r));
  }
  s.tables.push_back(std::move(t));
  return s;
}

section articles(const report_model& m, language l) {
  section s{"articles", std::string(text(l, msg::sec_articles)), {}, {}, {}};
  table t{{std::string(text(l, msg::col_article)), std::string(text(l, msg::col_alerts)),
           std::string(text(l, msg::col_previous)), std::string(text(l, msg::col_change))},
          {cell::text, cell::number, cell::number, cell::text}, {}, {}, std::string(text(l, msg::no_data))};
  for (const auto& a : m.articles)
    t.rows.push_back({format_article(l, a.article), num(l, a.alerts.current), num(l, a.alerts.previous),
                      format_change(l, a.alerts)});
  s.tables.push_back(std::move(t));
  return s;
}

section rules(const report_model& m, language l) {
  section s{"rules", std::string(text(l, msg::sec_rules)), {}, {}, {}};
  table t{{std::string(text(l, msg::col_rule)), std::string(text(l, msg::col_name)),
           std::string(text(l, msg::col_family)), std::string(text(l, msg::col_severity)),
           std::string(text(l, msg::col_alerts)), std::string(text(l, msg::col_change))},
          {cell::code, cell::text, cell::text, cell::text, cell::number, cell::text}, {}, {},
          std::string(text(l, msg::no_data))};
  for (const auto& r : m.top_rules)
    t.rows.push_back({r.id, r.name, std::string(family_label(l, r.family)), std::string(severity_label(l, r.severity)),
                      num(l, r.alerts.current), format_change(l, r.alerts)});
  s.tables.push_back(std::move(t));
  return s;
}

section users(const report_model& m, language l) {
  section s{"users", std::string(text(l, msg::sec_users)), {std::string(text(l, msg::risk_explained))}, {}, {}};
  table t{{std::string(text(l, msg::col_user)), std::string(text(l, msg::col_score)),
           std::string(text(l, msg::col_alerts)), std::string(text(l, msg::col_by_severity)),
           std::string(text(l, msg::col_rules))},
          {cell::text, cell::number, cell::number, cell::number, cell::number}, {}, {},
          std::string(text(l, msg::no_data))};
  for (const auto& u : m.top_users)
    t.rows.push_back({person(u.name, u.id), num(l, u.score), num(l, u.alerts),
                      fmt::format("{}/{}/{}/{}", u.by_severity[0], u.by_severity[1], u.by_severity[2], u.by_severity[3]),
                      num(l, u.rules)});
  s.tables.push_back(std::move(t));
  return s;
}

section transfers(const report_model& m, language l) {
  section s{"transfers", std::string(text(l, msg::sec_transfers)), {std::string(text(l, msg::transfers_explained))},
            {}, {}};
  table t{{std::string(text(l, msg::col_country)), std::string(text(l, msg::col_app)),
           std::string(text(l, msg::col_alerts)), std::string(text(l, msg::col_bytes)),
           std::string(text(l, msg::col_records))},
          {cell::text, cell::text, cell::number, cell::number, cell::number}, {}, {},
          std::string(text(l, msg::no_transfers))};
  for (const auto& x : m.transfers)
    t.rows.push_back({or_unknown(l, x.country), x.gateway ? or_unknown(l, x.app) : std::string(text(l, msg::other_app)),
                      num(l, x.alerts), format_bytes(l, x.bytes), num(l, x.records)});
  s.tables.push_back(std::move(t));
  table d{{std::string(text(l, msg::col_destination)), std::string(text(l, msg::col_country)),
           std::string(text(l, msg::col_first_seen))},
          {cell::code, cell::text, cell::text}, {}, std::string(text(l, msg::new_destinations)),
          std::string(text(l, msg::no_new_destinations))};
  for (const auto& x : m.new_destinations)
    d.rows.push_back({x.destination, or_unknown(l, x.country), macau_minute(x.first_ms)});
  s.tables.push_back(std::move(d));
  return s;
}

section incidents(const report_model& m, language l) {
  section s{"incidents", std::string(text(l, msg::sec_incidents)), {}, {}, {}};
  table t{{std::string(text(l, msg::col_time)), std::string(text(l, msg::col_severity)),
           std::string(text(l, msg::col_rule)), std::string(text(l, msg::col_user)), std::string(text(l, msg::col_evidence)),
           std::string(text(l, msg::col_alert_id))},
          {cell::text, cell::text, cell::code, cell::text, cell::text, cell::code}, {}, {},
          std::string(text(l, msg::no_incidents))};
  for (const auto& i : m.incidents)
    t.rows.push_back({macau_minute(i.timestamp_ms), std::string(severity_label(l, i.severity)), i.rule_id,
                      person(i.user_name, i.user_id),
                      i.evidence.empty() ? i.message : fmt::format("{} — {}", i.message, i.evidence), i.id});
  s.tables.push_back(std::move(t));
  if (m.incidents_total > static_cast<std::int64_t>(m.incidents.size()))
    s.after.push_back(sentence(l, msg::incidents_shown, m.incidents.size(), m.incidents_total));
  return s;
}

section health(const report_model& m, language l) {
  section s{"health", std::string(text(l, msg::sec_health)), {}, {}, {}};
  if (!m.health) {
    s.before.emplace_back(text(l, msg::health_not_recorded));
    return s;
  }
  const pipeline_health& h = *m.health;
  s.before.push_back(h.down_minutes() > 0
                         ? sentence(l, msg::health_uptime, num(l, h.running_minutes), num(l, h.expected_minutes),
                                    num(l, h.down_minutes()), h.outages, num(l, h.longest_outage_minutes))
                         : sentence(l, msg::health_no_downtime, num(l, h.running_minutes), num(l, h.expected_minutes)));
  table t{{"", std::string(text(l, msg::col_count))}, {cell::text, cell::number}, {}, {}, {}};
  const auto row = [&](msg label, std::uint64_t n) {
    t.rows.push_back({std::string(text(l, label)), num(l, static_cast<std::int64_t>(n))});
  };
  row(msg::health_records, h.records_read);
  row(msg::health_decoded, h.records_decoded);
  row(msg::health_events, h.events);
  row(msg::health_alerts, h.alerts);
  row(msg::health_dead_letters, h.rejected);
  s.tables.push_back(std::move(t));
  table r{{std::string(text(l, msg::col_reason)), std::string(text(l, msg::col_count))},
          {cell::code, cell::number}, {}, std::string(text(l, msg::health_dead_letters)),
          std::string(text(l, msg::dead_letters_none))};
  for (const auto& [reason, n] : h.rejected_by_reason) r.rows.push_back({reason, num(l, static_cast<std::int64_t>(n))});
  s.tables.push_back(std::move(r));
  return s;
}

section rule_changes(const report_model& m, language l) {
  section s{"rules-changed", std::string(text(l, msg::sec_rule_changes)), {}, {}, {}};
  if (!m.rules_recorded) {
    s.before.emplace_back(text(l, msg::rules_not_recorded));
    return s;
  }
  table t{{std::string(text(l, msg::col_time)), std::string(text(l, msg::col_what)), std::string(text(l, msg::col_rule)),
           std::string(text(l, msg::col_name)), std::string(text(l, msg::col_version))},
          {cell::text, cell::text, cell::code, cell::text, cell::text}, {}, {},
          std::string(text(l, msg::rules_unchanged))};
  for (const auto& c : m.rule_changes) {
    const msg what = c.what == rule_change::kind::added     ? msg::rule_added
                     : c.what == rule_change::kind::changed ? msg::rule_changed
                                                            : msg::rule_removed;
    t.rows.push_back({macau_minute(c.when_ms), std::string(text(l, what)), c.id, c.name,
                      c.what == rule_change::kind::changed ? fmt::format("{} → {}", c.previous_version, c.version)
                                                           : std::to_string(c.version)});
  }
  s.tables.push_back(std::move(t));
  return s;
}

}  // namespace

front front_matter(const report_model& m, language l) {
  const auto last_day = [](const period& p) { return macau_date(p.to_ms - k_day_ms); };
  return {std::string(text(l, msg::title)), std::string(text(l, msg::law)),
          sentence(l, msg::period, macau_date(m.current.from_ms), last_day(m.current), macau_date(m.previous.from_ms),
                   last_day(m.previous)),
          m.empty() ? std::string(text(l, msg::empty_period)) : std::string(),
          sentence(l, msg::generated, macau_minute(m.generated_ms))};
}

std::vector<section> sections(const report_model& m, language l) {
  return {headline(m, l),  daily(m, l),     articles(m, l), rules(m, l),        users(m, l),
          transfers(m, l), incidents(m, l), health(m, l),   rule_changes(m, l)};
}

}  // namespace dingwatch::report
