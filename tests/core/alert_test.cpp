#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "dingwatch/core/alert.hpp"

using namespace dingwatch;

TEST_CASE("alert ids are deterministic in rule, key and window and differ otherwise") {
  const auto a = make_alert_id("DW-XB-001", "corp:u1|1.2.3.4", 1000);
  CHECK(a == make_alert_id("DW-XB-001", "corp:u1|1.2.3.4", 1000));
  CHECK(a.size() == 32);
  CHECK(a != make_alert_id("DW-XB-001", "corp:u1|1.2.3.4", 2000));
  CHECK(a != make_alert_id("DW-XB-002", "corp:u1|1.2.3.4", 1000));
  CHECK(a != make_alert_id("DW-XB-001", "corp:u2|1.2.3.4", 1000));
}

TEST_CASE("alert JSON uses ECS field names and survives invalid bytes") {
  alert a;
  a.id = "abc";
  a.rule_id = "DW-XB-001";
  a.rule_name = "rule";
  a.family = family::cross_border;
  a.severity = severity::high;
  a.pdpa_articles = {"19", "20"};
  a.timestamp_ms = a.first_ms = a.last_ms = 1795621267123;
  a.user_id = "0199";
  a.user_name = "M**** F*******";
  a.corp_id = "ding1";
  a.source_ip = "47.96.12.200";
  a.refs = {{source_topic::audit, 2, 41}};
  a.evidence = {{"resource", "bad\xff name"}};
  a.message = "m";
  const auto j = nlohmann::json::parse(to_json(a));
  CHECK(j["@timestamp"] == "2026-11-25T15:41:07.123Z");
  CHECK(j["alert"]["id"] == "abc");
  CHECK(j["rule"]["family"] == "cross_border");
  CHECK(j["rule"]["severity"] == "high");
  CHECK(j["pdpa"]["articles"] == nlohmann::json::array({"19", "20"}));
  CHECK(j["source"]["ip"] == "47.96.12.200");
  CHECK(j["event"]["refs"][0] == "audit/2/41");
  CHECK(j["organization"]["id"] == "ding1");
  CHECK(j["evidence"]["resource"].get<std::string>().starts_with("bad"));
  CHECK(to_line(a).find("Art.19,20") != std::string::npos);
}
