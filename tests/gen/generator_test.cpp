// Behaviour of the synthetic DingTalk traffic generator (gen/).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "dingwatch/gen/generator.hpp"

namespace {

using dingwatch::gen::generator;
using dingwatch::gen::options;
using dingwatch::gen::record;
using json = nlohmann::json;

// Monday 2026-11-23 00:00 Asia/Macau.
constexpr std::int64_t k_monday = 1795363200000;  // 2026-11-22T16:00Z
constexpr std::int64_t k_day = 86400000;

options fixed(std::uint64_t seed, double rate, int users = 200) {
  options o;
  o.seed = seed;
  o.users = users;
  o.incident_rate = rate;
  o.start_ms = k_monday;
  return o;
}

std::vector<record> take(generator& g, std::size_t n) {
  std::vector<record> out(n);
  for (auto& r : out) g.next(r);
  return out;
}

/// Every user id a record is attributed to (acting user, subject, check-in users).
void collect_users(const json& j, std::set<std::string>& out) {
  static const std::set<std::string> keys{"userId", "userid", "emp_id", "staffId", "Operator",
                                          "operator", "UserId"};
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (keys.count(it.key())) {
        if (it->is_string()) out.insert(it->get<std::string>());
        if (it->is_array())
          for (const auto& e : *it)
            if (e.is_string()) out.insert(e.get<std::string>());
      }
      if (it.key() == "data" && it->is_string())
        collect_users(json::parse(it->get<std::string>()), out);
      else if (it->is_object() || it->is_array())
        collect_users(*it, out);
    }
  } else if (j.is_array()) {
    for (const auto& e : j) collect_users(e, out);
  }
}

}  // namespace

TEST_CASE("same seed gives a byte-identical stream and labels", "[gen]") {
  generator a(fixed(7, 0.05)), b(fixed(7, 0.05));
  record ra, rb;
  for (int i = 0; i < 20000; ++i) {
    a.next(ra);
    b.next(rb);
    REQUIRE(ra.topic == rb.topic);
    REQUIRE(ra.key == rb.key);
    REQUIRE(ra.value == rb.value);
    REQUIRE(ra.ts_ms == rb.ts_ms);
  }
  REQUIRE(a.incidents().size() == b.incidents().size());
  for (std::size_t i = 0; i < a.incidents().size(); ++i)
    CHECK(to_json(a.incidents()[i]) == to_json(b.incidents()[i]));
}

TEST_CASE("a different seed gives a different stream", "[gen]") {
  generator a(fixed(7, 0.05)), b(fixed(8, 0.05));
  const auto xa = take(a, 2000), xb = take(b, 2000);
  std::size_t same = 0;
  for (std::size_t i = 0; i < xa.size(); ++i) same += xa[i].value == xb[i].value;
  CHECK(same < 100);
}

TEST_CASE("every record is valid JSON and every documented shape appears in the first 20k records",
          "[gen]") {
  generator g(fixed(1, 0.02));
  std::map<std::string, int> seen;
  std::map<std::string, int> topics;
  record r;
  for (int i = 0; i < 20000; ++i) {
    g.next(r);
    json j;
    REQUIRE_NOTHROW(j = json::parse(r.value));
    REQUIRE(j.is_object());
    ++topics[r.topic];
    if (j.contains("dataList")) ++seen["dataList"];
    if (j.contains("specVersion")) {
      REQUIRE(j["headers"].contains("eventType"));
      if (j["data"].is_string()) {
        ++seen["stream data string"];
        REQUIRE(json::parse(j["data"].get<std::string>()).is_object());
      }
      if (j["data"].is_object()) ++seen["stream data object"];
    }
    if (j.contains("gmtCreate")) ++seen["gmtCreate"];
    if (j.contains("gmt_create")) ++seen["gmt_create"];
    if (j.contains("user_check_time")) ++seen["user_check_time"];
    if (j.contains("dstHost")) ++seen["dstHost"];
    if (j.contains("TimeStamp") && j["TimeStamp"].is_string()) ++seen["TimeStamp string"];
    if (j.contains("TimeStamp") && j["TimeStamp"].is_number()) ++seen["TimeStamp number"];
    if (j.contains("CorpId")) ++seen["CorpId"];
    if (j.contains("corpId") && j.contains("EventType")) ++seen["corpId flat"];
    if (j.contains("processInstanceId")) ++seen["bpms"];
    if (j.contains("resourceSize")) ++seen["resourceSize"];
    if (j.contains("receiverTypeView") && j["receiverTypeView"] == "群") ++seen["share to group"];
    if (j.contains("EventType")) ++seen[j["EventType"].get<std::string>()];
    if (j.contains("headers")) ++seen[j["headers"]["eventType"].get<std::string>()];
    if (j.contains("app")) ++seen[j["app"].get<std::string>()];
  }
  for (const char* k : {"dataList", "stream data string", "stream data object", "gmtCreate", "gmt_create",
                        "user_check_time", "dstHost", "TimeStamp string", "TimeStamp number", "CorpId",
                        "corpId flat", "bpms", "resourceSize", "share to group", "chat_add_member",
                        "chat_update_title", "chat_remove_member", "bpms_instance_change",
                        "attendance_check_record", "user_modify_org", "file_upload", "robot_webhook",
                        "event_push", "smart_hr_sync"}) {
    INFO(k);
    CHECK(seen[k] > 0);
  }
  // Roughly audit 45 %, events 40 %, flows 15 %.
  CHECK(topics["dingtalk.audit"] > 20000 * 0.35);
  CHECK(topics["dingtalk.events"] > 20000 * 0.28);
  CHECK(topics["dingtalk.flows"] > 20000 * 0.08);
}

TEST_CASE("records come in non-decreasing simulated time keyed corp:user", "[gen]") {
  generator g(fixed(3, 0.05));
  record r;
  std::int64_t last = 0;
  for (int i = 0; i < 30000; ++i) {
    g.next(r);
    REQUIRE(r.ts_ms >= last);
    REQUIRE(r.ts_ms >= k_monday);
    last = r.ts_ms;
    REQUIRE(g.now_ms() == r.ts_ms);
    REQUIRE(r.key.rfind("ding5f2a9c1e7b3d:", 0) == 0);
    REQUIRE(r.key.size() > 17);
    const auto user = r.key.substr(17);
    std::set<std::string> users;
    collect_users(json::parse(r.value), users);
    INFO(r.value);
    REQUIRE(users.count(user) == 1);
  }
}

TEST_CASE("incident rate 0 produces no incidents", "[gen]") {
  generator g(fixed(5, 0.0));
  record r;
  for (int i = 0; i < 60000; ++i) g.next(r);
  CHECK(g.incidents().empty());
}

TEST_CASE("a 5 % incident rate over 200 users and 7 days labels about 70 incidents, each backed by records",
          "[gen]") {
  generator g(fixed(11, 0.05));
  struct seen_rec {
    std::int64_t ts;
    std::set<std::string> users;
  };
  std::vector<seen_rec> recs;
  record r;
  const std::int64_t end = k_monday + 7 * k_day;
  do {
    g.next(r);
    seen_rec s{r.ts_ms, {}};
    collect_users(json::parse(r.value), s.users);
    recs.push_back(std::move(s));
  } while (r.ts_ms < end);

  std::vector<dingwatch::gen::incident> incs;
  for (const auto& i : g.incidents())
    if (i.start_ms < end) incs.push_back(i);
  CHECK(incs.size() >= 45);
  CHECK(incs.size() <= 100);
  std::set<std::string> families, ids;
  for (const auto& inc : incs) {
    INFO(to_json(inc));
    families.insert(inc.family);
    REQUIRE(ids.insert(inc.id).second);
    REQUIRE(inc.start_ms <= inc.end_ms);
    const auto lo = std::lower_bound(recs.begin(), recs.end(), inc.start_ms,
                                     [](const seen_rec& s, std::int64_t t) { return s.ts < t; });
    bool found = false;
    for (auto it = lo; it != recs.end() && it->ts <= inc.end_ms; ++it)
      if (it->users.count(inc.user_id)) found = true;
    CHECK(found);
  }
  CHECK(families == std::set<std::string>{"excessive_collection", "anomalous_access", "cross_border"});
  REQUIRE_FALSE(incs.empty());
  const auto j = json::parse(to_json(incs.front()));
  CHECK(j.size() == 6);
  for (const char* k : {"id", "family", "kind", "user_id", "start_ms", "end_ms"}) CHECK(j.contains(k));
  CHECK(j["id"].get<std::string>().rfind("inc-00000", 0) == 0);
}

TEST_CASE("a shared account has at most one incident of a kind a day, however many staff draw them", "[gen]") {
  // 1,000 users at a 30 % incident rate draw ~20 integration incidents a day for five bots.
  generator g(fixed(3, 0.3, 1000));
  record r;
  const std::int64_t end = k_monday + 2 * k_day;
  do g.next(r);
  while (r.ts_ms < end);
  std::map<std::tuple<std::string, std::string, std::int64_t>, int> per_day;
  std::size_t integration = 0;
  for (const auto& inc : g.incidents()) {
    if (inc.kind != "hr_sync_overwide" && inc.kind != "smart_hr_sync_enabled_abroad" &&
        inc.kind != "robot_webhook_foreign" && inc.kind != "event_push_weak_tls")
      continue;
    ++integration;
    const std::int64_t macau_day = (inc.start_ms + 8 * 3600 * 1000) / k_day;
    INFO(to_json(inc));
    CHECK(++per_day[{inc.kind, inc.user_id, macau_day}] == 1);
  }
  CHECK(integration >= 6);  // every kind on both days would be 12 (3 robots: up to 24)
}

TEST_CASE("a new-device incident comes from a platform the person has not used in 30 days, after a week's work", "[gen]") {
  // At a 30 % incident rate people have several incidents a month, some of them on Web or
  // a second phone; a new-device incident must still be new to the person's first-seen set.
  generator g(fixed(7, 0.3, 100));
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> uses;  // user → (time, platform)
  static const std::map<std::string, std::string> k_codes{
      {"1", "PC"}, {"2", "Android"}, {"3", "iOS"}, {"4", "Mac"}, {"5", "Web"}};
  record r;
  const std::int64_t end = k_monday + 45 * k_day;
  do {
    g.next(r);
    if (r.topic != "dingtalk.audit") continue;
    const json j = json::parse(r.value);
    if (!j.contains("platform")) continue;  // the audit topic also carries check-in records
    const std::string user = j.contains("userId") ? j["userId"].get<std::string>() : j["emp_id"].get<std::string>();
    const json& p = j["platform"];
    uses[user].emplace_back(r.ts_ms, p.is_string() ? p.get<std::string>() : k_codes.at(p.dump()));
  } while (r.ts_ms < end);
  std::size_t checked = 0;
  for (const auto& inc : g.incidents()) {
    if (inc.kind != "new_device_and_ip" || inc.end_ms >= end) continue;
    const auto& list = uses[inc.user_id];
    const auto login = std::find_if(list.begin(), list.end(), [&](const auto& u) { return u.first == inc.start_ms; });
    REQUIRE(login != list.end());
    ++checked;
    INFO(to_json(inc) << " platform " << login->second);
    for (const auto& [ts, platform] : list)
      if (platform == login->second && ts < inc.start_ms) CHECK(ts < inc.start_ms - 30 * k_day);
    // A joiner (first seen after the stream's first day) has worked a week before it.
    if (list.front().first > k_monday + k_day) CHECK(list.front().first < inc.start_ms - 7 * k_day);
  }
  CHECK(checked >= 10);
}

TEST_CASE("benign traffic carries lookalikes but none of the incident signatures", "[gen]") {
  generator g(fixed(21, 0.0));
  record r;
  std::map<std::string, int> look;
  const std::int64_t end = k_monday + 7 * k_day;
  auto starts = [](const std::string& s, std::initializer_list<const char*> prefixes) {
    for (const char* p : prefixes)
      if (s.rfind(p, 0) == 0) return true;
    return false;
  };
  do {
    g.next(r);
    const auto j = json::parse(r.value);
    const std::string ip = j.value("ipAddress", j.value("ip_address", std::string{}));
    INFO(r.value);
    // No audit from mainland cloud or overseas hosting ranges.
    CHECK_FALSE(starts(ip, {"47.9", "47.10", "118.31.", "120.55.", "139.199.", "185.220.", "45.33.", "95.165."}));
    if (j.contains("app")) {
      const auto app = j["app"].get<std::string>();
      const auto host = j["dstHost"].get<std::string>();
      const auto records = j["records"].get<std::int64_t>();
      if (app == "event_push") {
        CHECK(j["tlsVersion"] == "TLSv1.3");
        CHECK(j["dstIp"] == "202.175.80.5");
      }
      if (records > 0) {
        const bool ok_host = host.size() > 3 && (host.substr(host.size() - 3) == ".mo" ||
                                                 host.find("dingtalk.com") != std::string::npos);
        CHECK(ok_host);
      }
      if (host.find("oss-cn-") != std::string::npos && records == 0) ++look["oss-cn with 0 records"];
      if (records > 0 && j["tlsVersion"] == "TLSv1.2") ++look["TLSv1.2 to a Macau bank"];
    }
    if (starts(ip, {"112.118.", "218.102.", "61.244."})) ++look["audit from Hong Kong"];
    if (starts(ip, {"14.", "113."})) ++look["audit from Guangdong consumer"];
    if (r.value.find("\"Outside\"") != std::string::npos) ++look["attendance Outside"];
    if (r.value.find("org_admin_add") != std::string::npos) ++look["org_admin_add"];
    if (r.value.find("登錄失敗") != std::string::npos) ++look["failed login"];
    if (r.value.find("病假申請") != std::string::npos) ++look["sick leave approval"];
    if (j.value("resourceSize", std::int64_t{0}) > 50'000'000 && j.value("action", 0) == 5) ++look["big download"];
    if (j.contains("gmtCreate")) {
      const auto hour = (j["gmtCreate"].get<std::int64_t>() / 3600000 + 8) % 24;
      if (hour >= 1 && hour < 5 && j["action"] == 5) ++look["night download"];
    }
  } while (r.ts_ms < end);
  for (const char* k : {"oss-cn with 0 records", "TLSv1.2 to a Macau bank", "audit from Hong Kong",
                        "audit from Guangdong consumer", "attendance Outside", "org_admin_add", "failed login",
                        "sick leave approval", "big download", "night download"}) {
    INFO(k);
    CHECK(look[k] > 0);
  }
  CHECK(g.incidents().empty());
}

TEST_CASE("identity-number check characters follow the published algorithms", "[gen]") {
  CHECK(dingwatch::gen::hkid_check("A123456") == '3');
  CHECK(dingwatch::gen::prc_id_check("11010519491231002") == 'X');
}

TEST_CASE("traffic mix and incident kinds (informational)", "[.stats]") {
  generator g(fixed(1, 0.05));
  std::map<std::string, int> topics, kinds;
  record r;
  std::size_t bytes = 0, n = 0;
  const std::int64_t end = k_monday + 7 * k_day;
  do {
    g.next(r);
    ++topics[r.topic];
    bytes += r.value.size();
    ++n;
  } while (r.ts_ms < end);
  for (const auto& i : g.incidents()) ++kinds[i.family + "/" + i.kind];
  std::printf("records %zu avg bytes %zu\n", n, bytes / n);
  for (auto& [k, v] : topics) std::printf("%s %d (%.1f%%)\n", k.c_str(), v, 100.0 * v / n);
  for (auto& [k, v] : kinds) std::printf("%s %d\n", k.c_str(), v);
}
