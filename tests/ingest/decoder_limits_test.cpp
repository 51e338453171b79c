// Decoder resource limits (decode_limits): each broken limit rejects the record with its
// own reason, exactly at the configured boundary, and the pipeline counts, dead-letters
// and logs those rejects like any other.

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <set>
#include <sstream>

#include "decode_fixture.hpp"
#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/pipeline.hpp"
#include "support/fixtures.hpp"

using namespace dingwatch;
using dingwatch::test::decode_one;

namespace {

std::string audit_with_resource(std::size_t n) {
  return R"({"bizId":"1","gmtCreate":1795586403000,"userId":"u1","actionView":"下載","resource":")" +
         std::string(n, 'r') + R"("})";
}

std::string attendance_with(std::size_t elements) {
  std::string r = R"({"EventType":"attendance_check_record","CorpId":"c","TimeStamp":1795586403219,"dataList":[)";
  for (std::size_t i = 0; i < elements; ++i) {
    if (i > 0) r += ',';
    r += R"({"userId":"u)" + std::to_string(i) + R"(","checkTime":1795586403000})";
  }
  return r + "]}";
}

std::string org_event_with_users(std::size_t users) {
  std::string r = R"({"EventType":"user_add_org","CorpId":"c","TimeStamp":1795586403219,"OptStaffId":"op","UserId":[)";
  for (std::size_t i = 0; i < users; ++i) r += i > 0 ? R"(,"u")" : R"("u")";
  return r + "]}";
}

}  // namespace

TEST_CASE("every reject reason has its own name and hint", "[ingest][limits]") {
  std::set<std::string_view> names, hints;
  for (reject_reason r : k_all_reject_reasons) {
    names.insert(to_string(r));
    hints.insert(hint(r));
  }
  CHECK(names.size() == k_reject_reason_count);
  CHECK(hints.size() == k_reject_reason_count);
  CHECK(to_string(reject_reason::string_too_long) == "string_too_long");
  CHECK(to_string(reject_reason::too_many_elements) == "too_many_elements");
  CHECK(std::string(hint(reject_reason::string_too_long)).find("limits.max_string_bytes") != std::string::npos);
}

TEST_CASE("a string field longer than max_string_bytes is string_too_long, at the exact boundary",
          "[ingest][limits]") {
  const decode_limits limits{.max_string_bytes = 100};
  CHECK_FALSE(decode_one(audit_with_resource(100), source_topic::unknown, limits).reason);
  auto over = decode_one(audit_with_resource(101), source_topic::unknown, limits);
  CHECK(over.reason == reject_reason::string_too_long);
  CHECK(over.events.empty());
  // The default (64 KiB) lets ordinary long names through.
  CHECK_FALSE(decode_one(audit_with_resource(10'000)).reason);
  CHECK(decode_one(audit_with_resource(65'537)).reason == reject_reason::string_too_long);
}

TEST_CASE("string length counts the encoded bytes, escapes included", "[ingest][limits]") {
  // 20 escapes: 120 bytes as written, 60 bytes decoded.
  std::string escaped;
  for (int i = 0; i < 20; ++i) escaped += "\\u9ad4";
  const std::string rec =
      R"({"bizId":"1","gmtCreate":1795586403000,"userId":"u1","resource":")" + escaped + R"("})";
  CHECK(decode_one(rec, source_topic::unknown, {.max_string_bytes = 119}).reason == reject_reason::string_too_long);
  auto ok = decode_one(rec, source_topic::unknown, {.max_string_bytes = 120});
  REQUIRE_FALSE(ok.reason);
  CHECK(ok.only().resource.size() == 60);
}

TEST_CASE("a Stream-mode data string is a document, bounded by the record size, not the string limit",
          "[ingest][limits]") {
  const std::string inner = R"({\"chatId\":\"chat1\",\"operator\":\"op\",\"title\":\")" + std::string(50, 't') + R"(\"})";
  const std::string rec =
      R"({"specVersion":"1.0","headers":{"eventType":"chat_update_title","eventId":"e1","eventCorpId":"c",)"
      R"("eventBornTime":1795586403219},"data":")" + inner + R"("})";
  // The data string (~100 bytes) is over the limit; its fields are not.
  auto d = decode_one(rec, source_topic::unknown, {.max_string_bytes = 60});
  REQUIRE_FALSE(d.reason);
  CHECK(d.only().title.size() == 50);
  // A field inside it is measured like any other.
  CHECK(decode_one(rec, source_topic::unknown, {.max_string_bytes = 49}).reason == reject_reason::string_too_long);
}

TEST_CASE("a dataList longer than max_array_elements is too_many_elements, at the exact boundary",
          "[ingest][limits]") {
  const decode_limits limits{.max_array_elements = 5};
  auto five = decode_one(attendance_with(5), source_topic::unknown, limits);
  REQUIRE_FALSE(five.reason);
  CHECK(five.events.size() == 5);
  auto six = decode_one(attendance_with(6), source_topic::unknown, limits);
  CHECK(six.reason == reject_reason::too_many_elements);
  CHECK(six.events.empty());  // the fan-out is rolled back
}

TEST_CASE("UserId and document member lists are bounded by max_array_elements", "[ingest][limits]") {
  const decode_limits limits{.max_array_elements = 3};
  auto three = decode_one(org_event_with_users(3), source_topic::unknown, limits);
  REQUIRE_FALSE(three.reason);
  CHECK(three.only().target_count == 3);
  CHECK(decode_one(org_event_with_users(4), source_topic::unknown, limits).reason ==
        reject_reason::too_many_elements);
  const std::string receivers =
      R"({"bizId":"1","gmtCreate":1795586403000,"userId":"u1","actionView":"分享","docReceiverList":[1,2,3,4]})";
  CHECK(decode_one(receivers, source_topic::unknown, limits).reason == reject_reason::too_many_elements);
  CHECK_FALSE(decode_one(receivers, source_topic::unknown, {.max_array_elements = 4}).reason);
}

TEST_CASE("limit rejects are counted per reason, dead-lettered with their bytes and logged once per kind",
          "[ingest][limits]") {
  std::vector<std::string> values;
  for (int i = 0; i < 20; ++i) values.push_back(audit_with_resource(200));      // string_too_long
  for (int i = 0; i < 30; ++i) values.push_back(org_event_with_users(10));      // too_many_elements
  for (int i = 0; i < 10; ++i) values.push_back(audit_with_resource(10));       // fine
  test::memory_source source(values, 2);
  dingtalk_decoder decoder({.max_string_bytes = 100, .max_array_elements = 5});
  test::recording_dead_letters dlq;
  metrics m;

  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>("limits", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  pipeline_options o;
  o.shards = 1;
  o.batch_size = 16;
  pipeline p(o, source, decoder, [] { return std::vector<std::unique_ptr<detector>>{}; }, {}, &dlq, &m);
  const run_summary s = p.run();
  spdlog::set_default_logger(previous);

  CHECK(s.records_decoded == 10);
  CHECK(s.rejected_by_reason[static_cast<int>(reject_reason::string_too_long)] == 20);
  CHECK(s.rejected_by_reason[static_cast<int>(reject_reason::too_many_elements)] == 30);
  CHECK(m.rejected(reject_reason::string_too_long).Value() == 20);
  CHECK(m.rejected(reject_reason::too_many_elements).Value() == 30);
  REQUIRE(dlq.letters.size() == 50);
  CHECK(dlq.letters.front().first == values.front());  // the original bytes
  CHECK(dlq.letters.front().second == reject_reason::string_too_long);
  CHECK(dlq.letters.back().second == reject_reason::too_many_elements);

  const std::string text = log.str();
  auto count = [&](std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count(": string_too_long, a field's string is longer than limits.max_string_bytes") == 1);
  CHECK(count(": too_many_elements, an array has more elements than limits.max_array_elements") == 1);
}
