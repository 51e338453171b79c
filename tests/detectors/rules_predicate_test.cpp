#include <catch2/catch.hpp>

#include <bit>

#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;

namespace {

std::shared_ptr<const rules::rule_set> where(const std::string& cond, const std::string& head = "") {
  return compile(head + rule_with("      where: " + cond));
}

}  // namespace

TEST_CASE("equals and in compare strings exactly", "[rules][predicate]") {
  auto s = where("{event.kind: audit, event.action: [download, export]}");
  CHECK(fires(s, event_builder().set("event.kind", "audit").set("event.action", "export").ev()));
  CHECK_FALSE(fires(s, event_builder().set("event.kind", "audit").set("event.action", "view").ev()));
  CHECK_FALSE(fires(s, event_builder().set("event.kind", "flow").set("event.action", "export").ev()));
  auto eq = where("{user.id: {equals: Maria}}");
  CHECK(fires(eq, event_builder().set("user.id", "Maria").ev()));
  CHECK_FALSE(fires(eq, event_builder().set("user.id", "maria").ev()));
}

TEST_CASE("in takes a list name, and $name expands lists inside value lists", "[rules][predicate]") {
  const std::string head = "lists:\n  admins: [a1, a2]\n  more: [m1]\n";
  auto s = where("{user.id: {in: admins}}", head);
  CHECK(fires(s, event_builder().set("user.id", "a2").ev()));
  CHECK_FALSE(fires(s, event_builder().set("user.id", "m1").ev()));
  auto t = where("{user.id: [$admins, $more, x]}", head);
  CHECK(fires(t, event_builder().set("user.id", "m1").ev()));
  CHECK(fires(t, event_builder().set("user.id", "x").ev()));
  CHECK_FALSE(fires(t, event_builder().set("user.id", "y").ev()));
}

TEST_CASE("nocase equals is Unicode-aware", "[rules][predicate]") {
  auto s = where("{platform: {equals: [android, 'SAÚDE'], nocase: true}}");
  CHECK(fires(s, event_builder().set("platform", "Android").ev()));
  CHECK(fires(s, event_builder().set("platform", "saúde").ev()));
  CHECK_FALSE(fires(s, event_builder().set("platform", "Android 14").ev()));
}

TEST_CASE("prefix and suffix anchor at the ends of the value", "[rules][predicate]") {
  auto p = where("{destination.domain: {prefix: oss-cn-}}");
  CHECK(fires(p, event_builder().set("destination.domain", "oss-cn-hangzhou.aliyuncs.com").ev()));
  CHECK_FALSE(fires(p, event_builder().set("destination.domain", "x.oss-cn-hangzhou.aliyuncs.com").ev()));
  auto s = where("{destination.domain: {suffix: .cn}}");
  CHECK(fires(s, event_builder().set("destination.domain", "hooks.example.cn").ev()));
  CHECK_FALSE(fires(s, event_builder().set("destination.domain", "hooks.example.cn.evil.com").ev()));
  CHECK_FALSE(fires(s, event_builder().set("destination.domain", "hooks.examplecn").ev()));
}

TEST_CASE("contains, with and without nocase", "[rules][predicate]") {
  auto cs = where("{file.name: {contains: Record}}");
  CHECK(fires(cs, event_builder().set("file.name", "Medical Record.pdf").ev()));
  CHECK_FALSE(fires(cs, event_builder().set("file.name", "medical record.pdf").ev()));
  auto ci = where("{file.name: {contains: [medical record, atestado médico], nocase: true}}");
  CHECK(fires(ci, event_builder().set("file.name", "MEDICAL RECORD.pdf").ev()));
  CHECK(fires(ci, event_builder().set("file.name", "ATESTADO MÉDICO.pdf").ev()));
  CHECK_FALSE(fires(ci, event_builder().set("file.name", "atestado medico.pdf").ev()));
}

TEST_CASE("regex matches UTF-8 with Unicode classes", "[rules][predicate]") {
  auto s = where(R"({file.name: {regex: '^[\p{Han}]{2,}\d{4}\.xlsx\z'}})");
  CHECK(fires(s, event_builder().set("file.name", "員工名單2026.xlsx").ev()));
  CHECK_FALSE(fires(s, event_builder().set("file.name", "staff2026.xlsx").ev()));
  auto dot = where(R"({chat.title: {regex: '^.健康$'}})");  // `.` is one code point, not one byte
  CHECK(fires(dot, event_builder().set("chat.title", "陳健康").ev()));
}

TEST_CASE("numeric comparisons", "[rules][predicate]") {
  auto s = where("{flow.records: {gt: 0, lte: 100}}");
  CHECK(fires(s, event_builder().set("flow.records", "1").ev()));
  CHECK(fires(s, event_builder().set("flow.records", "100").ev()));
  CHECK_FALSE(fires(s, event_builder().set("flow.records", "0").ev()));
  CHECK_FALSE(fires(s, event_builder().set("flow.records", "101").ev()));
  CHECK_FALSE(fires(s, event_builder().ev()));  // absent never compares
  auto lt = where("{file.size: {lt: 1024}, destination.port: {gte: 443}}");
  CHECK(fires(lt, event_builder().set("file.size", "10").set("destination.port", "8443").ev()));
  CHECK_FALSE(fires(lt, event_builder().set("file.size", "10").set("destination.port", "80").ev()));
  auto eq = where("{destination.port: [80, 8080]}");
  CHECK(fires(eq, event_builder().set("destination.port", "8080").ev()));
}

TEST_CASE("cidr matches IPv4 and IPv6 prefixes", "[rules][predicate]") {
  auto s = where("{source.ip: {cidr: [202.175.0.0/16, '2001:db8::/32']}}");
  CHECK(fires(s, event_builder().set("source.ip", "202.175.3.17").ev()));
  CHECK(fires(s, event_builder().set("source.ip", "2001:db8::1").ev()));
  CHECK_FALSE(fires(s, event_builder().set("source.ip", "47.96.12.200").ev()));
  CHECK_FALSE(fires(s, event_builder().set("source.ip", "not an ip").ev()));
  auto outside = where("{not: {source.ip: {cidr: 202.175.0.0/16}}, source.ip: {exists: true}}");
  CHECK(fires(outside, event_builder().set("source.ip", "47.96.12.200").ev()));
  CHECK_FALSE(fires(outside, event_builder().ev()));
}

TEST_CASE("cidr reads IPv4 exactly as inet_pton does", "[rules][predicate]") {
  auto s = where("{source.ip: {cidr: 0.0.0.0/0}}");
  for (const char* ok : {"0.0.0.0", "255.255.255.255", "10.0.0.1", "202.175.3.17"})
    CHECK(fires(s, event_builder().set("source.ip", ok).ev()));
  for (const char* bad : {"256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.4 ", " 1.2.3.4",
                          "1.2.3.1234", "1.2.3.", ".1.2.3", "a.b.c.d", "1.2.3.-4"})
    CHECK_FALSE(fires(s, event_builder().set("source.ip", bad).ev()));
}

TEST_CASE("kind and action tests select the rules run on an event, negation included", "[rules][predicate]") {
  auto s = where("{not: {event.kind: [audit, flow]}, any: [{event.action: none}, {user.id: u1}]}");
  CHECK(fires(s, event_builder().set("event.kind", "chat").ev()));
  CHECK(fires(s, event_builder().set("event.kind", "org_change").set("event.action", "view").set("user.id", "u1").ev()));
  CHECK_FALSE(fires(s, event_builder().set("event.kind", "org_change").set("event.action", "view").ev()));
  CHECK_FALSE(fires(s, event_builder().set("event.kind", "audit").ev()));
  CHECK_FALSE(fires(s, event_builder().set("event.kind", "flow").set("user.id", "u1").ev()));
  const rules::compiled_rule& r = s->rules.at(0);
  CHECK(r.admits[static_cast<std::size_t>(event_kind::audit)] == 0);
  CHECK(r.admits[static_cast<std::size_t>(event_kind::chat)] == (1u << rules::k_audit_actions) - 1);
  // On a chat event (action none) the class decides the `not` and the `any`: nothing is
  // left to test. On an org_change view it decides the `not` and the `any`'s first
  // alternative (false): only `user.id` is left.
  normalized_event chat;
  chat.kind = event_kind::chat;
  REQUIRE(s->by_class[rules::event_class(chat)].size() == 1);
  CHECK(s->by_class[rules::event_class(chat)][0].count == 0);
  const auto& list = s->by_class[rules::event_class(event_builder().set("event.kind", "org_change").set("event.action", "view").ev())];
  REQUIRE(list.size() == 1);
  REQUIRE(list[0].count == 1);
  CHECK(s->nodes[s->residual[list[0].first]].kind == rules::cond_kind::str_in);
  // A class on which the condition cannot hold does not list the rule, even where the
  // kind and action tests alone would admit it.
  auto never = where("{event.kind: audit, not: {any: [{event.action: view}, {user.id: u1}]}}");
  CHECK(never->rules.at(0).admits[static_cast<std::size_t>(event_kind::audit)] == (1u << rules::k_audit_actions) - 1);
  CHECK(never->by_class[rules::event_class(event_builder().set("event.kind", "audit").set("event.action", "view").ev())].empty());
  const auto& exports = never->by_class[rules::event_class(event_builder().set("event.kind", "audit").set("event.action", "export").ev())];
  REQUIRE(exports.size() == 1);
  REQUIRE(exports[0].count == 1);  // not {user.id: u1}
  const rules::cond_node& left = never->nodes[never->residual[exports[0].first]];
  CHECK(left.kind == rules::cond_kind::negate);
  CHECK(never->nodes[left.children.at(0)].kind == rules::cond_kind::str_in);
  CHECK(fires(never, event_builder().set("event.kind", "audit").set("event.action", "export").set("user.id", "u2").ev()));
  CHECK_FALSE(fires(never, event_builder().set("event.kind", "audit").set("event.action", "export").set("user.id", "u1").ev()));
  CHECK_FALSE(fires(never, event_builder().set("event.kind", "audit").set("event.action", "view").set("user.id", "u2").ev()));
  // A condition on the kind alone leaves nothing to test.
  auto only_kind = where("{event.kind: chat}");
  CHECK(only_kind->by_class[rules::event_class(chat)].at(0).count == 0);
  CHECK(only_kind->by_class[rules::event_class(event_builder().set("event.kind", "audit").ev())].empty());
}

TEST_CASE("conditions tested together run cheapest first, with the same outcome", "[rules][predicate]") {
  // Written costliest first: a pattern (a Hyperscan scan of the field), a CIDR test (an
  // address parse), then a number; and an `any` whose first alternative is a pattern.
  auto s = where(
      "{file.name: {contains: Record}, source.ip: {cidr: 10.0.0.0/8}, file.size: {gt: 100},"
      " any: [{chat.title: {contains: leak}}, {user.id: u1}]}");
  normalized_event chat;
  chat.kind = event_kind::chat;
  const auto& list = s->by_class[rules::event_class(chat)];
  REQUIRE(list.size() == 1);
  std::vector<rules::cond_kind> order;
  for (std::uint32_t i = list[0].first; i < list[0].first + list[0].count; ++i) order.push_back(s->nodes[s->residual[i]].kind);
  CHECK(order == std::vector{rules::cond_kind::num_cmp, rules::cond_kind::cidr, rules::cond_kind::pattern,
                             rules::cond_kind::any});
  const rules::cond_node& any = s->nodes[s->residual[list[0].first + 3]];
  REQUIRE(any.children.size() == 2);
  CHECK(s->nodes[any.children[0]].kind == rules::cond_kind::str_in);
  CHECK(s->nodes[any.children[1]].kind == rules::cond_kind::pattern);
  // The builder owns the event's strings: it must live while the event is used.
  const auto fires_on = [&](const char* name, const char* ip, const char* size, const char* user) {
    event_builder b;
    b.set("event.kind", "chat").set("file.name", name).set("source.ip", ip).set("file.size", size).set("user.id", user);
    return fires(s, b.ev());
  };
  CHECK(fires_on("Record.pdf", "10.1.2.3", "200", "u1"));
  CHECK_FALSE(fires_on("Record.pdf", "10.1.2.3", "200", "u2"));
  CHECK_FALSE(fires_on("Record.pdf", "10.1.2.3", "50", "u1"));
  CHECK_FALSE(fires_on("Record.pdf", "11.1.2.3", "200", "u1"));
  CHECK_FALSE(fires_on("notes.pdf", "10.1.2.3", "200", "u1"));
}

TEST_CASE("a rule that needs a pattern to match lists the leaves it needs, with the same outcome", "[rules][predicate]") {
  normalized_event chat;
  chat.kind = event_kind::chat;
  const auto needs = [&](const std::shared_ptr<const rules::rule_set>& s) {
    const auto& list = s->by_class[rules::event_class(chat)];
    REQUIRE(list.size() == 1);
    return std::vector<rules::pattern_need>(s->needs.begin() + list[0].needs_first,
                                            s->needs.begin() + list[0].needs_first + list[0].needs_count);
  };
  // Either field's pattern will do: one requirement per database, the patterns as bits.
  auto both = where(
      "{file.size: {gt: 100}, any: [{file.name: {contains: Record}}, {file.name: {regex: 'R[0-9]+'}},"
      " {chat.title: {contains: leak}}]}");
  const auto n = needs(both);
  REQUIRE(n.size() == 2);
  // The size test reads no pattern: it runs before the needs, so a small file is not scanned.
  CHECK(both->by_class[rules::event_class(chat)][0].cheap == 1);
  CHECK(std::popcount(n[0].leaves) + std::popcount(n[1].leaves) == 3);
  CHECK(n[0].database != n[1].database);
  const auto fires_on = [&](const std::shared_ptr<const rules::rule_set>& s, const char* name, const char* title,
                            const char* user) {
    event_builder b;
    b.set("event.kind", "chat").set("file.name", name).set("chat.title", title).set("file.size", "200").set("user.id", user);
    return fires(s, b.ev());
  };
  CHECK(fires_on(both, "Record.pdf", "", "u2"));
  CHECK(fires_on(both, "R42.pdf", "", "u2"));
  CHECK(fires_on(both, "notes.pdf", "leak", "u2"));
  CHECK_FALSE(fires_on(both, "notes.pdf", "minutes", "u2"));
  event_builder small;
  small.set("event.kind", "chat").set("file.name", "Record.pdf").set("file.size", "50");
  CHECK_FALSE(fires(both, small.ev()));
  // Of two conjuncts that each need a pattern, the one needing fewer leaves is kept.
  auto narrow = where("{file.name: {contains: [Record, Ledger]}, any: [{chat.title: {contains: a}}, {file.name: {contains: b}}]}");
  CHECK(std::popcount(needs(narrow).at(0).leaves) == 1);
  // An alternative without a pattern: nothing is needed.
  auto either = where("{any: [{file.name: {contains: Record}}, {user.id: u1}]}");
  CHECK(needs(either).empty());
  CHECK(fires_on(either, "notes.pdf", "", "u1"));
  CHECK_FALSE(fires_on(either, "notes.pdf", "", "u2"));
}

TEST_CASE("a kind or action name that never occurs is a warning", "[rules][predicate]") {
  const auto loaded = rules::load_rules_text(rule_with("      where: {event.action: [download, dowload]}"), "t.yaml");
  REQUIRE(loaded.rules);
  const std::string text = rules::format_text(loaded.problems.list());
  CHECK(text.find("'dowload' is never a value of event.action") != std::string::npos);
  CHECK(text.find("did you mean 'download'?") != std::string::npos);
}

TEST_CASE("hour_between wraps past midnight in Macau time", "[rules][predicate]") {
  auto s = where("{timestamp: {hour_between: [22, 6]}}");
  CHECK(fires(s, event_builder().at(macau(23, 41)).ev()));
  CHECK(fires(s, event_builder().at(macau(0, 5)).ev()));
  CHECK(fires(s, event_builder().at(macau(5, 59, 59)).ev()));
  CHECK_FALSE(fires(s, event_builder().at(macau(6, 0)).ev()));
  CHECK_FALSE(fires(s, event_builder().at(macau(14)).ev()));
  CHECK(fires(s, event_builder().at(macau(22)).ev()));
  auto day = where("{timestamp: {hour_between: [9, 18]}}");
  CHECK(fires(day, event_builder().at(macau(9)).ev()));
  CHECK_FALSE(fires(day, event_builder().at(macau(18)).ev()));
}

TEST_CASE("weekday_in uses the Macau calendar day", "[rules][predicate]") {
  // 2026-11-28 is a Saturday; 23:30 Friday UTC is already Saturday in Macau.
  auto s = where("{timestamp: {weekday_in: [sat, sun]}}");
  CHECK(fires(s, event_builder().at(macau(7, 30, 0, 28)).ev()));
  CHECK(fires(s, event_builder().at(macau(10, 0, 0, 29)).ev()));
  CHECK_FALSE(fires(s, event_builder().at(macau(10, 0, 0, 27)).ev()));
}

TEST_CASE("all, any, not and macros combine", "[rules][predicate]") {
  const std::string head =
      "macros:\n  is_flow: {event.kind: flow}\n  big: {any: [{flow.records: {gte: 1000}}, {flow.bytes: {gte: 1000000}}]}\n";
  auto s = where("{all: [is_flow, big, {not: {flow.app: event_push}}]}", head);
  CHECK(fires(s, event_builder().set("event.kind", "flow").set("flow.records", "1200").ev()));
  CHECK(fires(s, event_builder().set("event.kind", "flow").set("flow.bytes", "5242880").ev()));
  CHECK_FALSE(fires(s, event_builder().set("event.kind", "flow").set("flow.bytes", "10").ev()));
  CHECK_FALSE(fires(s, event_builder().set("event.kind", "flow").set("flow.records", "5000")
                          .set("flow.app", "event_push").ev()));
  CHECK_FALSE(fires(s, event_builder().set("event.kind", "audit").set("flow.records", "5000").ev()));
}

TEST_CASE("exceptions silence a rule", "[rules][predicate]") {
  auto s = compile(rule_with("      where: {event.kind: audit}",
                             "    exceptions:\n      - user.id: [svc-backup]\n      - source.ip: {cidr: 10.0.0.0/8}"));
  CHECK(fires(s, event_builder().set("event.kind", "audit").set("user.id", "u1").ev()));
  CHECK_FALSE(fires(s, event_builder().set("event.kind", "audit").set("user.id", "svc-backup").ev()));
  CHECK_FALSE(fires(s, event_builder().set("event.kind", "audit").set("source.ip", "10.1.2.3").ev()));
}

TEST_CASE("exceptions are tested as they stand on the event's class", "[rules][predicate]") {
  auto s = compile(rule_with("      where: {event.kind: [audit, chat]}",
                             "    exceptions:\n"
                             "      - {event.kind: audit, event.action: export, user.id: [svc-backup]}\n"
                             "      - {event.kind: chat}"));
  const auto exceptions = [&](const char* kind, const char* action) {
    const auto& list = s->by_class[rules::event_class(event_builder().set("event.kind", kind).set("event.action", action).ev())];
    REQUIRE(list.size() == 1);
    std::vector<rules::cond_kind> kinds;
    for (std::uint32_t i = 0; i < list[0].exceptions_count; ++i)
      kinds.push_back(s->nodes[s->class_exceptions[list[0].exceptions_first + i]].kind);
    return kinds;
  };
  // On exports only the user is left to test; on views the exception cannot hold; on chat
  // the class alone makes the second one hold.
  CHECK(exceptions("audit", "export") == std::vector{rules::cond_kind::str_in});
  CHECK(exceptions("audit", "view").empty());
  CHECK(exceptions("chat", "other") == std::vector{rules::cond_kind::always});
  const auto fires_on = [&](const char* kind, const char* action, const char* user) {
    return fires(s, event_builder().set("event.kind", kind).set("event.action", action).set("user.id", user).ev());
  };
  CHECK(fires_on("audit", "export", "u1"));
  CHECK_FALSE(fires_on("audit", "export", "svc-backup"));
  CHECK(fires_on("audit", "view", "svc-backup"));
  CHECK_FALSE(fires_on("chat", "other", "u1"));
  // Silenced events still count as matched, then excepted.
  rules::rule_engine engine(s);
  alert_sink sink;
  engine.on_event(event_builder().set("event.kind", "chat").set("user.id", "u1").ev(), sink);
  CHECK(sink.alerts.empty());
  CHECK(engine.stats().matched == 1);
  CHECK(engine.stats().excepted == 1);
}

TEST_CASE("patterns of every rule on one field share one Hyperscan database", "[rules][hyperscan]") {
  const std::string yaml = R"(
lists:
  health: [病歷, 病历, 體溫, 体温, saúde, atestado médico, impressão digital, 指紋, 人臉, 人脸]
rules:
  - {id: H-1, name: h1, family: excessive_collection, severity: low, pdpa: ["7"], tests: [],
     detection: {where: {file.name: {contains: $health, nocase: true}}}}
  - {id: H-2, name: h2, family: excessive_collection, severity: low, pdpa: ["7"], tests: [],
     detection: {where: {file.name: {regex: '診斷|诊断|diagn[oó]stico'}}}}
  - {id: H-3, name: h3, family: excessive_collection, severity: low, pdpa: ["7"], tests: [],
     detection: {where: {file.name: {prefix: 員工, suffix: .xlsx}}}}
  - {id: H-4, name: h4, family: excessive_collection, severity: low, pdpa: ["7"], tests: [],
     detection: {where: {chat.title: {contains: 體溫}}}}
)";
  auto set = compile(yaml);
  REQUIRE(set->databases.size() == 2);  // file.name and chat.title
  std::size_t file_patterns = 0;
  for (const auto& d : set->databases)
    if (d.field == rules::field_id::file_name) file_patterns = d.patterns;
  CHECK(file_patterns == 10 + 1 + 2);

  rules::rule_engine engine(set);
  auto rules_fired = [&](const normalized_event& ev) {
    alert_sink sink;
    engine.on_event(ev, sink);
    std::string ids;
    for (const auto& a : sink.alerts) ids += a.rule_id + " ";
    return ids;
  };
  CHECK(rules_fired(event_builder().set("file.name", "員工病歷.xlsx").ev()) == "H-1 H-3 ");
  CHECK(rules_fired(event_builder().set("file.name", "员工病历汇总.docx").ev()) == "H-1 ");
  CHECK(rules_fired(event_builder().set("file.name", "ATESTADO MÉDICO e diagnóstico.pdf").ev()) == "H-1 H-2 ");
  CHECK(rules_fired(event_builder().set("file.name", "Registo de IMPRESSÃO DIGITAL").ev()) == "H-1 ");
  CHECK(rules_fired(event_builder().set("file.name", "診斷書").set("chat.title", "每日體溫").ev()) == "H-2 H-4 ");
  CHECK(rules_fired(event_builder().set("file.name", "saude.pdf").ev()).empty());  // no diacritic, no match
  CHECK(rules_fired(event_builder().set("file.name", "員工通訊錄.csv").ev()).empty());
  CHECK(rules_fired(event_builder().ev()).empty());
}

TEST_CASE("engines on different shards keep their own scratch and agree", "[rules][hyperscan]") {
  auto set = where("{file.name: {contains: [病歷, saúde], nocase: true}}");
  auto factory = rules::make_rule_factory(set);
  auto a = factory();
  auto b = factory();
  alert_sink sa, sb;
  event_builder builder;  // owns the strings the event views: a temporary would dangle
  const auto& ev = builder.set("file.name", "SAÚDE 病歷").at(macau(10)).ev();
  a[0]->on_event(ev, sa);
  b[0]->on_event(ev, sb);
  REQUIRE(sa.alerts.size() == 1);
  REQUIRE(sb.alerts.size() == 1);
  CHECK(sa.alerts[0].id == sb.alerts[0].id);
}
