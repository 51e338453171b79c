#include <catch2/catch.hpp>

#include <deque>

#include "dingwatch/detectors/rules/field.hpp"
#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::rules;

TEST_CASE("every field in the table resolves by name to its own id", "[rules][field]") {
  for (const auto& f : fields()) {
    const auto* found = find_field(f.name);
    REQUIRE(found != nullptr);
    CHECK(found->id == f.id);
    CHECK(&info(f.id) == found);
  }
  CHECK(find_field("user.nmae") == nullptr);
}

TEST_CASE("field accessors read the normalized event", "[rules][field]") {
  normalized_event ev;
  ev.kind = event_kind::audit;
  ev.action = audit_action::export_data;
  ev.user_id = "u1";
  ev.user_name = "Maria Fernandes";
  ev.resource = "客戶.csv";
  ev.resource_size = 9837120;
  ev.dst_host = "oss-cn-hangzhou.aliyuncs.com";
  ev.dst_port = 443;
  ev.records = 12;
  ev.latitude = 22.19;
  ev.location_outside = true;

  CHECK(string_value(ev, field_id::event_kind) == "audit");
  CHECK(string_value(ev, field_id::event_action) == "export");
  CHECK(string_value(ev, field_id::file_name) == "客戶.csv");
  CHECK(string_value(ev, field_id::destination_domain) == "oss-cn-hangzhou.aliyuncs.com");
  CHECK(string_value(ev, field_id::location_outside) == "true");
  CHECK(number_value(ev, field_id::file_size) == 9837120.0);
  CHECK(number_value(ev, field_id::destination_port) == 443.0);
  CHECK(number_value(ev, field_id::flow_records) == 12.0);
  CHECK(number_value(ev, field_id::geo_lat) == 22.19);
  CHECK_FALSE(number_value(ev, field_id::geo_lon).has_value());
  CHECK_FALSE(number_value(ev, field_id::flow_bytes).has_value());
  CHECK_FALSE(number_value(ev, field_id::timestamp).has_value());
}

TEST_CASE("every string field reads back what set_field wrote, from its own member", "[rules][field]") {
  normalized_event ev;
  std::deque<std::string> values;  // the event borrows them
  const auto plain_string = [](const field_info& f) { return f.type == field_type::string && enum_names(f.id).empty(); };
  for (const auto& f : fields())
    if (plain_string(f)) REQUIRE(set_field(ev, f.id, values.emplace_back("v-" + std::string(f.name))));
  for (const auto& f : fields())
    if (plain_string(f)) CHECK(string_value(ev, f.id) == "v-" + std::string(f.name));
  CHECK(values.size() > 25);
}

TEST_CASE("personal-data fields are masked when displayed", "[rules][field]") {
  normalized_event ev;
  ev.user_name = "陳大文";
  ev.user_id = "0126";
  CHECK(display_value(ev, field_id::user_name) == "陳**");
  CHECK(display_value(ev, field_id::user_name, false) == "陳大文");
  CHECK(display_value(ev, field_id::user_id) == "0126");
}

TEST_CASE("set_field parses typed values and rejects bad ones", "[rules][field]") {
  normalized_event ev;
  CHECK(set_field(ev, field_id::timestamp, "2026-11-25 10:00:00"));
  CHECK(ev.ts_ms == testing::macau(10));
  CHECK(set_field(ev, field_id::event_action, "login_failed"));
  CHECK(ev.action == audit_action::login_failed);
  CHECK_FALSE(set_field(ev, field_id::event_kind, "nonsense"));
  CHECK_FALSE(set_field(ev, field_id::flow_records, "12x"));
  CHECK_FALSE(set_field(ev, field_id::location_outside, "yes"));
}
