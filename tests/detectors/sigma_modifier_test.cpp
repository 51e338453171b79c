// Sigma selections, value modifiers and condition forms: each compiles to the
// engine's predicates and matches exactly what the Sigma specification says it should.

#include <catch2/catch.hpp>

#include "sigma_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;

namespace {

/// Compiles a Sigma rule around `detection` and answers whether each event fires it.
struct sigma_case {
  explicit sigma_case(const std::string& detection, const std::string& extra = "")
      : set(compile(sigma_rule(detection, extra))) {}
  bool operator()(std::initializer_list<std::pair<const char*, std::string>> fields) const {
    event_builder b;
    for (const auto& [k, v] : fields) b.set(k, v);
    return fires(set, b.ev());
  }
  std::shared_ptr<const rules::rule_set> set;
};

}  // namespace

TEST_CASE("sigma plain values match whole strings, case-insensitively unless |cased", "[sigma][modifiers]") {
  sigma_case plain("  selection: {EventType: Org_Admin_Add}\n  condition: selection");
  CHECK(plain({{"event.type", "org_admin_add"}}));
  CHECK(plain({{"event.type", "ORG_ADMIN_ADD"}}));
  CHECK_FALSE(plain({{"event.type", "org_admin_add_2"}}));
  sigma_case cased("  selection: {EventType|cased: Org_Admin_Add}\n  condition: selection");
  CHECK(cased({{"event.type", "Org_Admin_Add"}}));
  CHECK_FALSE(cased({{"event.type", "org_admin_add"}}));
  sigma_case portuguese("  selection: {resource: SAÚDE.pdf}\n  condition: selection");
  CHECK(portuguese({{"file.name", "saúde.pdf"}}));
}

TEST_CASE("sigma lists are OR, maps are AND, lists of maps are OR of ANDs", "[sigma][modifiers]") {
  sigma_case list("  selection:\n    event.action: [download, export]\n  condition: selection");
  CHECK(list({{"event.action", "download"}}));
  CHECK(list({{"event.action", "export"}}));
  CHECK_FALSE(list({{"event.action", "view"}}));
  sigma_case map("  selection:\n    event.action: share\n    userId: u1\n  condition: selection");
  CHECK(map({{"event.action", "share"}, {"user.id", "u1"}}));
  CHECK_FALSE(map({{"event.action", "share"}, {"user.id", "u2"}}));
  CHECK_FALSE(map({{"event.action", "view"}, {"user.id", "u1"}}));
  sigma_case maps(R"(  selection:
    - {event.action: share, userId: u1}
    - {event.action: export, userId: u2}
  condition: selection)");
  CHECK(maps({{"event.action", "share"}, {"user.id", "u1"}}));
  CHECK(maps({{"event.action", "export"}, {"user.id", "u2"}}));
  CHECK_FALSE(maps({{"event.action", "share"}, {"user.id", "u2"}}));
}

TEST_CASE("sigma contains, startswith and endswith anchor where the spec says", "[sigma][modifiers]") {
  sigma_case contains("  selection: {resource|contains: 名單}\n  condition: selection");
  CHECK(contains({{"file.name", "客戶名單.csv"}}));
  CHECK_FALSE(contains({{"file.name", "客戶.csv"}}));
  sigma_case starts("  selection: {dstHost|startswith: OSS-CN-}\n  condition: selection");
  CHECK(starts({{"destination.domain", "oss-cn-hangzhou.aliyuncs.com"}}));
  CHECK_FALSE(starts({{"destination.domain", "bucket.oss-cn-hangzhou.aliyuncs.com"}}));
  sigma_case ends("  selection: {dstHost|endswith: .cn}\n  condition: selection");
  CHECK(ends({{"destination.domain", "hooks.example.CN"}}));
  CHECK_FALSE(ends({{"destination.domain", "example.cn.attacker.com"}}));
}

TEST_CASE("sigma wildcards: * and ? inside values, and escaped", "[sigma][modifiers]") {
  sigma_case star("  selection: {resource: '*工資*.xlsx'}\n  condition: selection");
  CHECK(star({{"file.name", "2026年工資表.XLSX"}}));
  CHECK_FALSE(star({{"file.name", "2026年工資表.xlsx.bak"}}));
  sigma_case one("  selection: {resource: 'report-20??.csv'}\n  condition: selection");
  CHECK(one({{"file.name", "report-2026.csv"}}));
  CHECK_FALSE(one({{"file.name", "report-202.csv"}}));
  sigma_case escaped("  selection: {resource|contains: 'urgent\\*'}\n  condition: selection");
  CHECK(escaped({{"file.name", "urgent*.txt"}}));
  CHECK_FALSE(escaped({{"file.name", "urgent.txt"}}));
  sigma_case any_value("  selection: {ipAddress: '*'}\n  condition: selection");
  CHECK(any_value({{"source.ip", "1.2.3.4"}}));
  CHECK_FALSE(any_value({{"user.id", "u1"}}));
  sigma_case dollar("  selection: {resource|startswith: $tmp}\n  condition: selection");
  CHECK(dollar({{"file.name", "$tmp_export.csv"}}));
}

TEST_CASE("sigma |all makes a list AND, also combined with contains", "[sigma][modifiers]") {
  sigma_case all("  selection:\n    resource|contains|all: [員工, 通訊錄]\n  condition: selection");
  CHECK(all({{"file.name", "全體員工通訊錄.xlsx"}}));
  CHECK_FALSE(all({{"file.name", "員工手冊.pdf"}}));
  CHECK_FALSE(all({{"file.name", "客戶通訊錄.xlsx"}}));
}

TEST_CASE("sigma re is a case-sensitive search unless |i; m and s set their flags", "[sigma][modifiers]") {
  sigma_case re(
      "  selection: {dstHost|re: '(^|\\.)oss-cn-[a-z0-9-]+\\.aliyuncs\\.com$'}\n  condition: selection");
  CHECK(re({{"destination.domain", "hr.oss-cn-shenzhen.aliyuncs.com"}}));
  CHECK_FALSE(re({{"destination.domain", "hr.OSS-CN-shenzhen.aliyuncs.com"}}));
  sigma_case re_i("  selection: {dstHost|re|i: 'oss-cn-'}\n  condition: selection");
  CHECK(re_i({{"destination.domain", "hr.OSS-CN-shenzhen.aliyuncs.com"}}));
  sigma_case re_s("  selection: {chat.title|re|s: 'a.b'}\n  condition: selection");
  CHECK(re_s({{"chat.title", "a\nb"}}));
  sigma_case re_plain("  selection: {chat.title|re: 'a.b'}\n  condition: selection");
  CHECK_FALSE(re_plain({{"chat.title", "a\nb"}}));
  sigma_case re_m("  selection: {chat.title|re|m: '^b$'}\n  condition: selection");
  CHECK(re_m({{"chat.title", "a\nb\nc"}}));
}

TEST_CASE("sigma cidr, numeric comparisons, exists, null and neq", "[sigma][modifiers]") {
  sigma_case cidr("  selection: {ipAddress|cidr: [202.175.0.0/16, '2001:db8::/32']}\n  condition: selection");
  CHECK(cidr({{"source.ip", "202.175.3.17"}}));
  CHECK(cidr({{"source.ip", "2001:db8::1"}}));
  CHECK_FALSE(cidr({{"source.ip", "47.96.12.200"}}));
  sigma_case size("  selection: {resourceSize|gte: 1000, resourceSize|lt: 5000}\n  condition: selection");
  CHECK(size({{"file.size", "1000"}}));
  CHECK_FALSE(size({{"file.size", "5000"}}));
  CHECK_FALSE(size({{"file.size", "999"}}));
  sigma_case exists("  selection: {deviceSN|exists: true}\n  condition: selection");
  CHECK(exists({{"device", "SN1"}}));
  CHECK_FALSE(exists({{"user.id", "u1"}}));
  sigma_case null("  selection: {event.action: login, ipAddress: null}\n  condition: selection");
  CHECK(null({{"event.action", "login"}}));
  CHECK_FALSE(null({{"event.action", "login"}, {"source.ip", "1.2.3.4"}}));
  sigma_case empty("  selection: {event.action: login, receiverName: ''}\n  condition: selection");
  CHECK(empty({{"event.action", "login"}}));
  CHECK_FALSE(empty({{"event.action", "login"}, {"receiver.name", "x"}}));
  sigma_case neq(
      "  selection: {event.action: share, receiverTypeView|neq: [個人, 个人]}\n  condition: selection");
  CHECK(neq({{"event.action", "share"}, {"receiver.type", "群"}}));
  CHECK_FALSE(neq({{"event.action", "share"}, {"receiver.type", "個人"}}));
  sigma_case port("  selection: {dstPort: [80, 8080]}\n  condition: selection");
  CHECK(port({{"destination.port", "8080"}}));
  CHECK_FALSE(port({{"destination.port", "443"}}));
}

TEST_CASE("sigma conditions: and, or, not, parentheses and precedence", "[sigma][conditions]") {
  const std::string sels = R"(  a: {event.action: share}
  b: {userId: u1}
  c: {corpId: c1}
)";
  sigma_case prec(sels + "  condition: a or b and c");  // and binds tighter
  CHECK(prec({{"event.action", "share"}}));
  CHECK(prec({{"user.id", "u1"}, {"corp.id", "c1"}}));
  CHECK_FALSE(prec({{"user.id", "u1"}}));
  sigma_case parens(sels + "  condition: (a or b) and c");
  CHECK_FALSE(parens({{"event.action", "share"}}));
  CHECK(parens({{"event.action", "share"}, {"corp.id", "c1"}}));
  sigma_case nots(sels + "  condition: a and not (b or c)");
  CHECK(nots({{"event.action", "share"}, {"user.id", "u2"}}));
  CHECK_FALSE(nots({{"event.action", "share"}, {"corp.id", "c1"}}));
  sigma_case double_not(sels + "  condition: not not a");
  CHECK(double_not({{"event.action", "share"}}));
  sigma_case list(sels + "  condition: [a and b, c]");  // Sigma 1: any of the conditions
  CHECK(list({{"corp.id", "c1"}}));
  CHECK(list({{"event.action", "share"}, {"user.id", "u1"}}));
  CHECK_FALSE(list({{"event.action", "share"}}));
}

TEST_CASE("sigma 1 of / all of patterns and them", "[sigma][conditions]") {
  const std::string sels = R"(  sel_share: {event.action: share}
  sel_user: {userId: u1}
  _helper: {corpId: c1}
)";
  sigma_case one_of(sels + "  condition: 1 of sel_*");
  CHECK(one_of({{"user.id", "u1"}}));
  CHECK_FALSE(one_of({{"corp.id", "c1"}}));
  sigma_case all_of(sels + "  condition: all of sel_* and _helper");
  CHECK(all_of({{"event.action", "share"}, {"user.id", "u1"}, {"corp.id", "c1"}}));
  CHECK_FALSE(all_of({{"event.action", "share"}, {"user.id", "u1"}}));
  sigma_case one_of_them(sels + "  condition: 1 of them");  // `_` identifiers are not in `them`
  CHECK(one_of_them({{"event.action", "share"}}));
  CHECK_FALSE(one_of_them({{"corp.id", "c1"}}));
  sigma_case inner(sels + "  condition: 1 of s*_u*r");  // several stars in one pattern
  CHECK(inner({{"user.id", "u1"}}));
  CHECK_FALSE(inner({{"event.action", "share"}}));
  sigma_case all_of_them(sels + "  condition: all of them");
  CHECK(all_of_them({{"event.action", "share"}, {"user.id", "u1"}}));
  CHECK_FALSE(all_of_them({{"event.action", "share"}}));
}

TEST_CASE("sigma logsource service and category narrow the event kind", "[sigma][conditions]") {
  sigma_case audit("  selection: {userId: u1}\n  condition: selection", "  service: audit\n");
  CHECK(audit({{"event.kind", "audit"}, {"user.id", "u1"}}));
  CHECK_FALSE(audit({{"event.kind", "flow"}, {"user.id", "u1"}}));
  sigma_case events("  selection: {userId: u1}\n  condition: selection", "  service: events\n");
  CHECK(events({{"event.kind", "chat"}, {"user.id", "u1"}}));
  CHECK_FALSE(events({{"event.kind", "audit"}, {"user.id", "u1"}}));
  sigma_case category("  selection: {userId: u1}\n  condition: selection", "  category: attendance\n");
  CHECK(category({{"event.kind", "attendance"}, {"user.id", "u1"}}));
  CHECK_FALSE(category({{"event.kind", "chat"}, {"user.id", "u1"}}));
}
