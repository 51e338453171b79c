// Every shape in the shared samples decodes to the expected normalized fields.

#include <catch2/catch.hpp>

#include "decode_fixture.hpp"

using namespace dingwatch;
using dingwatch::test::decode_one;
using dingwatch::test::read_lines;

namespace {

std::vector<std::string> sample(const char* file) {
  auto lines = read_lines(std::string(DINGWATCH_SAMPLES_DIR) + "/" + file);
  REQUIRE(!lines.empty());
  return lines;
}

}  // namespace

TEST_CASE("every sample record decodes without a reject reason", "[ingest][samples]") {
  for (const char* file : {"events.jsonl", "audit.jsonl", "flows.jsonl"}) {
    for (const auto& line : sample(file)) {
      INFO(file << ": " << line);
      auto d = decode_one(line);
      CHECK_FALSE(d.reason.has_value());
      CHECK(!d.events.empty());
      for (const auto& ev : d.events) {
        CHECK(ev.ts_ms > 1'700'000'000'000);
        CHECK(ev.raw == d.record->bytes());
        CHECK(ev.ref.partition == 3);
        CHECK(ev.ref.offset == 42);
      }
    }
  }
}

TEST_CASE("org event maps OptStaffId to operator and UserId[0] to target", "[ingest][samples]") {
  auto d = decode_one(sample("events.jsonl")[0], source_topic::events);
  REQUIRE_FALSE(d.reason);
  const auto& ev = d.only();
  CHECK(ev.kind == event_kind::org_change);
  CHECK(ev.type == "user_add_org");
  CHECK(ev.corp_id == "ding5f2a9c1e7b3d");
  CHECK(ev.operator_id == "0113430928611169518");
  CHECK(ev.user_id == "0113430928611169518");
  CHECK(ev.target_user == "013415163130664023");
  CHECK(ev.target_count == 1);
  CHECK(ev.ts_ms == 1795586403219);
  CHECK(ev.ref.topic == source_topic::events);

  auto admin = decode_one(sample("events.jsonl")[1]);
  REQUIRE_FALSE(admin.reason);
  CHECK(admin.only().kind == event_kind::org_change);
  CHECK(admin.only().target_user == "0126482211384756");
}

TEST_CASE("org event without an operator uses the target user as acting user", "[ingest][samples]") {
  auto d = decode_one(sample("events.jsonl")[2]);
  REQUIRE_FALSE(d.reason);
  const auto& ev = d.only();
  CHECK(ev.type == "user_leave_org");
  CHECK(ev.operator_id.empty());
  CHECK(ev.user_id == "013415163130664023");
  CHECK(ev.target_user == "013415163130664023");
  CHECK(ev.ts_ms == 1795586477310);
}

TEST_CASE("chat event with numeric TimeStamp decodes operator, chat and target", "[ingest][samples]") {
  auto d = decode_one(sample("events.jsonl")[3]);
  REQUIRE_FALSE(d.reason);
  const auto& ev = d.only();
  CHECK(ev.kind == event_kind::chat);
  CHECK(ev.type == "chat_add_member");
  CHECK(ev.user_id == "0126482211384756");
  CHECK(ev.operator_id == "0126482211384756");
  CHECK(ev.chat_id == "chat8a1b2c3d");
  CHECK(ev.target_user == "0199001122334455");
  CHECK(ev.target_count == 1);
  CHECK(ev.ts_ms == 1795586502144);
}

TEST_CASE("TimeStamp as string and as number decode to the same ts_ms", "[ingest][samples]") {
  auto s = decode_one(R"({"EventType":"user_add_org","CorpId":"c","UserId":["u"],"TimeStamp":"1795586403219"})");
  auto n = decode_one(R"({"EventType":"user_add_org","CorpId":"c","UserId":["u"],"TimeStamp":1795586403219})");
  auto sec = decode_one(R"({"EventType":"user_add_org","CorpId":"c","UserId":["u"],"TimeStamp":1795586403})");
  REQUIRE_FALSE(s.reason);
  REQUIRE_FALSE(n.reason);
  REQUIRE_FALSE(sec.reason);
  CHECK(s.only().ts_ms == 1795586403219);
  CHECK(n.only().ts_ms == s.only().ts_ms);
  CHECK(sec.only().ts_ms == 1795586403000);
}

TEST_CASE("bpms_instance_change decodes to an approval", "[ingest][samples]") {
  auto d = decode_one(sample("events.jsonl")[4]);
  REQUIRE_FALSE(d.reason);
  const auto& ev = d.only();
  CHECK(ev.kind == event_kind::approval);
  CHECK(ev.type == "bpms_instance_change");
  CHECK(ev.corp_id == "ding5f2a9c1e7b3d");
  CHECK(ev.event_id == "a171de6c-8bc5-4b3e-9a1f-7e1c1d2e3f40");
  CHECK(ev.process_code == "PROC-HEALTH-DECL");
  CHECK(ev.title == "陳大文提交的健康申報表");
  CHECK(ev.process_status == "finish");
  CHECK(ev.process_result == "agree");
  CHECK(ev.user_id == "0126482211384756");
  CHECK(ev.ts_ms == 1795586600000);  // finishTime
}

TEST_CASE("attendance_check_record fans out one event per dataList element", "[ingest][samples]") {
  auto d = decode_one(sample("events.jsonl")[5]);
  REQUIRE_FALSE(d.reason);
  REQUIRE(d.events.size() == 2);
  const auto& a = d.events[0];
  const auto& b = d.events[1];
  CHECK(a.kind == event_kind::attendance);
  CHECK(a.type == "attendance_check_record");
  CHECK(a.user_id == "0126482211384756");
  CHECK(a.corp_id == "ding5f2a9c1e7b3d");
  CHECK(a.event_id == "FF62B2");
  CHECK(a.ts_ms == 1795586690000);
  CHECK(a.latitude == Approx(22.1937));
  CHECK(a.longitude == Approx(113.5418));
  CHECK(a.address == "澳門新馬路");
  CHECK_FALSE(a.location_outside);
  CHECK(a.location_method == "MAP");
  CHECK(b.user_id == "0199001122334455");
  CHECK(b.event_id == "FF62B3");
  CHECK(b.ts_ms == 1795608000000);
  CHECK(b.location_outside);
  CHECK(b.latitude == Approx(22.2707));
  CHECK(b.address == "珠海市香洲區");
  CHECK(b.raw == d.record->bytes());
}

TEST_CASE("Stream envelope with data as a JSON string decodes the inner event", "[ingest][samples]") {
  auto d = decode_one(sample("events.jsonl")[6]);
  REQUIRE_FALSE(d.reason);
  const auto& ev = d.only();
  CHECK(ev.kind == event_kind::chat);
  CHECK(ev.type == "chat_update_title");
  CHECK(ev.event_id == "e-33af01");
  CHECK(ev.corp_id == "ding5f2a9c1e7b3d");
  CHECK(ev.chat_id == "chat8a1b2c3d");
  CHECK(ev.user_id == "0126482211384756");
  CHECK(ev.title == "員工體溫及病歷登記群");
  CHECK(ev.ts_ms == 1795586800100);  // data.timeStamp wins over eventBornTime
}

TEST_CASE("Stream envelope with data as an object decodes like data as a string", "[ingest][samples]") {
  auto obj = decode_one(
      R"({"specVersion":"1.0","type":"EVENT","headers":{"eventType":"chat_update_title","eventId":"e-33af01","eventCorpId":"ding5f2a9c1e7b3d","eventBornTime":1795586800123},"data":{"chatId":"chat8a1b2c3d","operator":"0126482211384756","title":"員工體溫及病歷登記群","timeStamp":1795586800100}})");
  auto str = decode_one(sample("events.jsonl")[6]);
  REQUIRE_FALSE(obj.reason);
  REQUIRE_FALSE(str.reason);
  const auto& a = obj.only();
  const auto& b = str.only();
  CHECK(a.type == b.type);
  CHECK(a.event_id == b.event_id);
  CHECK(a.corp_id == b.corp_id);
  CHECK(a.chat_id == b.chat_id);
  CHECK(a.user_id == b.user_id);
  CHECK(a.title == b.title);
  CHECK(a.ts_ms == b.ts_ms);
}

TEST_CASE("Stream envelope without data uses the header time and corp", "[ingest]") {
  auto d = decode_one(
      R"({"specVersion":"1.0","type":"EVENT","headers":{"eventType":"org_dept_create","eventId":"x1","eventCorpId":"dingC","eventBornTime":1795586800123}})");
  REQUIRE_FALSE(d.reason);
  CHECK(d.only().kind == event_kind::org_change);
  CHECK(d.only().ts_ms == 1795586800123);
  CHECK(d.only().corp_id == "dingC");
}

TEST_CASE("Stream data string with escapes is unescaped into the arena", "[ingest]") {
  auto d = decode_one(
      R"({"specVersion":"1.0","headers":{"eventType":"chat_update_title","eventCorpId":"c","eventBornTime":1795586800123},"data":"{\"chatId\":\"c1\",\"operator\":\"u1\",\"title\":\"a \\\"quoted\\\" title\"}"})");
  REQUIRE_FALSE(d.reason);
  CHECK(d.only().title == "a \"quoted\" title");
  CHECK(d.only().user_id == "u1");
}

TEST_CASE("unknown EventType is kept as a generic event", "[ingest]") {
  auto d = decode_one(R"({"EventType":"check_in_custom","CorpId":"c","staffId":"s1","TimeStamp":1795586403219})");
  REQUIRE_FALSE(d.reason);
  CHECK(d.only().kind == event_kind::generic);
  CHECK(d.only().user_id == "s1");
  CHECK(d.only().type == "check_in_custom");
}

TEST_CASE("camelCase audit item decodes action, platform, resource and receiver", "[ingest][samples]") {
  auto d = decode_one(sample("audit.jsonl")[0]);
  REQUIRE_FALSE(d.reason);
  const auto& ev = d.only();
  CHECK(ev.kind == event_kind::audit);
  CHECK(ev.action == audit_action::share);
  CHECK(ev.type == "分享");
  CHECK(ev.event_id == "33018");
  CHECK(ev.ts_ms == 1795586403000);
  CHECK(ev.user_id == "0126482211384756");
  CHECK(ev.user_name == "陳大文");
  CHECK(ev.ip == "202.175.3.17");
  CHECK(ev.platform == "Android");
  CHECK(ev.resource == "員工健康申報表-2026-11.xlsx");
  CHECK(ev.resource_ext == "xlsx");
  CHECK(ev.resource_size == 46313);
  CHECK(ev.receiver_type == "群");
  CHECK(ev.receiver_name == "全體員工群");
  CHECK(ev.module == "釘盤");
  CHECK(ev.ref.topic == source_topic::audit);

  auto dl = decode_one(sample("audit.jsonl")[1]);
  REQUIRE_FALSE(dl.reason);
  CHECK(dl.only().action == audit_action::download);
  CHECK(dl.only().resource_size == 9837120);
  CHECK(dl.only().platform == "PC");
  CHECK(dl.only().user_name == "Maria Fernandes");
  CHECK(dl.only().receiver_type.empty());
}

TEST_CASE("audit record with snake_case fields decodes like camelCase", "[ingest][samples]") {
  auto d = decode_one(sample("audit.jsonl")[2]);
  REQUIRE_FALSE(d.reason);
  const auto& ev = d.only();
  CHECK(ev.kind == event_kind::audit);
  CHECK(ev.action == audit_action::export_data);
  CHECK(ev.type == "導出");
  CHECK(ev.event_id == "880122");
  CHECK(ev.ts_ms == 1795608100000);
  CHECK(ev.user_id == "0188776655");
  CHECK(ev.user_name == "hr-bot");
  CHECK(ev.ip == "61.244.1.9");
  CHECK(ev.platform == "PC");
  CHECK(ev.resource == "全體員工通訊錄.xlsx");
  CHECK(ev.ref.topic == source_topic::audit);
}

TEST_CASE("getupdatedata row converts Macau local time and string coordinates", "[ingest][samples]") {
  auto d = decode_one(sample("audit.jsonl")[3]);
  REQUIRE_FALSE(d.reason);
  const auto& ev = d.only();
  CHECK(ev.kind == event_kind::attendance);
  CHECK(ev.ts_ms == 1795621267000);  // 2026-11-25 23:41:07 +08:00
  CHECK(ev.user_id == "0199001122334455");
  CHECK(ev.corp_id == "ding5f2a9c1e7b3d");
  CHECK(ev.event_id == "99120034");
  CHECK(ev.latitude == Approx(22.5431));
  CHECK(ev.longitude == Approx(114.0579));
  CHECK(ev.location_outside);
  CHECK(ev.address == "深圳市福田區");
  CHECK(ev.location_method == "USER");
  CHECK(ev.type == "OffDuty");
  CHECK(ev.device.empty());
}

TEST_CASE("flow records decode destination, volume and app", "[ingest][samples]") {
  auto lines = sample("flows.jsonl");
  auto d = decode_one(lines[0]);
  REQUIRE_FALSE(d.reason);
  const auto& ev = d.only();
  CHECK(ev.kind == event_kind::flow);
  CHECK(ev.type == "smart_hr_sync");
  CHECK(ev.app == "smart_hr_sync");
  CHECK(ev.user_id == "0188776655");
  CHECK(ev.ts_ms == 1795586900000);
  CHECK(ev.dst_host == "oapi.dingtalk.com");
  CHECK(ev.dst_ip == "203.119.169.10");
  CHECK(ev.dst_port == 443);
  CHECK(ev.tls_version == "TLSv1.2");
  CHECK(ev.bytes_out == 5242880);
  CHECK(ev.records == 1240);
  CHECK(ev.ref.topic == source_topic::flows);
  auto oss = decode_one(lines[2]);
  REQUIRE_FALSE(oss.reason);
  CHECK(oss.only().dst_host == "oss-cn-hangzhou.aliyuncs.com");
  CHECK(oss.only().records == 0);
}

TEST_CASE("a known topic in the record ref is kept, an unknown one is guessed from the shape", "[ingest]") {
  auto kept = decode_one(sample("flows.jsonl")[0], source_topic::audit);
  REQUIRE_FALSE(kept.reason);
  CHECK(kept.only().ref.topic == source_topic::audit);
  auto guessed = decode_one(sample("flows.jsonl")[0]);
  CHECK(guessed.only().ref.topic == source_topic::flows);
}

TEST_CASE("guess_topic sniffs the topic family from the keys", "[ingest]") {
  auto ev = sample("events.jsonl");
  auto au = sample("audit.jsonl");
  auto fl = sample("flows.jsonl");
  for (const auto& l : ev) CHECK(guess_topic(l) == source_topic::events);
  for (const auto& l : au) CHECK(guess_topic(l) == source_topic::audit);
  for (const auto& l : fl) CHECK(guess_topic(l) == source_topic::flows);
  CHECK(guess_topic(R"({"foo":1})") == source_topic::unknown);
  CHECK(guess_topic("") == source_topic::unknown);
}

TEST_CASE("audit action maps from labels in both scripts and from numeric codes", "[ingest]") {
  struct row {
    const char* json;
    audit_action want;
  };
  const row rows[] = {
      {R"({"gmtCreate":1795586403000,"userId":"u","action":5})", audit_action::download},
      {R"({"gmtCreate":1795586403000,"userId":"u","action":3})", audit_action::share},
      {R"({"gmtCreate":1795586403000,"userId":"u","action":7})", audit_action::export_data},
      {R"({"gmtCreate":1795586403000,"userId":"u","action":99})", audit_action::other},
      {R"({"gmtCreate":1795586403000,"userId":"u","action":5,"actionView":"预览"})", audit_action::view},
      {R"({"gmtCreate":1795586403000,"userId":"u","action":1,"actionView":"下载"})", audit_action::download},
      {R"({"gmtCreate":1795586403000,"userId":"u","action":5,"actionView":"???"})", audit_action::download},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"导出"})", audit_action::export_data},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"共享"})", audit_action::share},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"上傳"})", audit_action::upload},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"删除"})", audit_action::remove},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"編輯"})", audit_action::edit},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"打印"})", audit_action::print},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"登錄"})", audit_action::login},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"登录失败"})", audit_action::login_failed},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"修改權限"})", audit_action::permission_change},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"Download"})", audit_action::download},
      {R"({"gmtCreate":1795586403000,"userId":"u","actionView":"某事"})", audit_action::other},
      {R"({"gmtCreate":1795586403000,"userId":"u","resource":"a.txt"})", audit_action::none},
      {R"({"gmt_create":1795586403000,"emp_id":"e","action":"下載"})", audit_action::download},
      {R"({"gmt_create":1795586403000,"emp_id":"e","action":"查看"})", audit_action::view},
  };
  for (const auto& r : rows) {
    INFO(r.json);
    auto d = decode_one(r.json);
    REQUIRE_FALSE(d.reason);
    CHECK(d.only().action == r.want);
  }
}

TEST_CASE("numeric platform code without platformView is named", "[ingest]") {
  auto d = decode_one(R"({"gmtCreate":1795586403000,"userId":"u","action":5,"platform":3})");
  REQUIRE_FALSE(d.reason);
  CHECK(d.only().platform == "iOS");
}

TEST_CASE("escaped strings are unescaped, plain strings borrow the record", "[ingest]") {
  auto d = decode_one(R"({"gmtCreate":1795586403000,"userId":"u1","resource":"a\u00e9\"b.txt","realName":"plain"})");
  REQUIRE_FALSE(d.reason);
  const auto& ev = d.only();
  CHECK(ev.resource == "a\xC3\xA9\"b.txt");
  CHECK(test::inside(ev.user_name, d.record->bytes().data(), d.record->bytes().size()));
  CHECK_FALSE(test::inside(ev.resource, d.record->bytes().data(), d.record->bytes().size()));
}

TEST_CASE("required fields per shape are enforced as missing_field", "[ingest]") {
  const char* cases[] = {
      R"({"EventType":"user_add_org","CorpId":"c","UserId":["u"]})",              // no time
      R"({"EventType":"user_add_org","TimeStamp":1795586403219})",                // no identity
      R"({"EventType":"attendance_check_record","CorpId":"c","dataList":[]})",    // nothing to fan out
      R"({"EventType":"attendance_check_record","CorpId":"c","dataList":[{"userId":"u"}]})",
      R"({"EventType":"attendance_check_record","CorpId":"c","dataList":[{"userId":"u","checkTime":1795586690000},{"checkTime":1795586690000}]})",
      R"({"specVersion":"1.0","headers":{"eventCorpId":"c","eventBornTime":1795586800123}})",
      R"({"bizId":"1","gmtCreate":1795586403000,"actionView":"下載"})",          // no userId
      R"({"biz_id":"1","emp_id":"e","action":"下載"})",                          // no gmt_create
      R"({"user_check_time":"2026-11-25 23:41:07","record_id":"1"})",            // no userid
      R"({"userId":"u","app":"x","dstHost":"h"})",                               // no ts
  };
  for (const char* c : cases) {
    INFO(c);
    auto d = decode_one(c);
    CHECK(d.reason == reject_reason::missing_field);
    CHECK(d.events.empty());
  }
}

TEST_CASE("a failed record appends nothing to a non-empty output", "[ingest]") {
  test::padded_record ok(sample("events.jsonl")[5]);
  test::padded_record bad(
      R"({"EventType":"attendance_check_record","CorpId":"c","dataList":[{"userId":"u","checkTime":1795586690000},{"userId":"v","checkTime":"yesterday"}]})");
  string_arena arena;
  std::vector<normalized_event> out;
  dingtalk_decoder dec;
  REQUIRE_FALSE(dec.decode(ok.rec(), arena, out));
  REQUIRE(out.size() == 2);
  CHECK(dec.decode(bad.rec(), arena, out) == reject_reason::bad_timestamp);
  CHECK(out.size() == 2);
  REQUIRE_FALSE(dec.decode(ok.rec(), arena, out));
  CHECK(out.size() == 4);
}
