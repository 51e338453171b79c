// Hypothesis: decoding to normalized_event costs ≤ 1/0.7 of a simdjson on-demand
// parse-only walk of the same records (target ratio ≥ 0.7×).
//
// Workload: an in-process mix of every DingTalk shape the decoder accepts (audit items
// in both casings, getupdatedata rows, HTTP-push org/chat/bpms events,
// attendance_check_record with dataList, Stream envelopes with data as a string and as
// an object, gateway flows), ids and values varied per record, ~600 B on average,
// padded exactly as record_batch pads them.
//
//   BM_parse_only  baseline: simdjson on-demand iterate + a full walk that touches every
//                  key and value (raw token of each scalar), no normalization
//   BM_decode      dingtalk_decoder::decode into a reused vector + arena
//   BM_paired_ratio  one parse pass and one decode pass per iteration, back to back;
//                  counter decode_vs_parse = median of parse time / decode time (the
//                  same ratio, far less sensitive to other processes on shared cores)
//   BM_depth_scan  the too_deep pre-scan alone (fast path: count of '{'/'[' bytes)
//
// Compare BM_decode's bytes_per_second with BM_parse_only's: ratio = decode / parse.

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "decode_support.hpp"
#include "dingwatch/core/record.hpp"
#include "dingwatch/ingest/dingtalk_decoder.hpp"
#include "parse_only.hpp"

namespace {

using namespace dingwatch;

std::string digits(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + rng() % 10);
  return s;
}

// A JSON integer literal of n digits (no leading zero).
std::string number(std::mt19937_64& rng, int n) {
  return static_cast<char>('1' + rng() % 9) + digits(rng, n - 1);
}

std::string pick(std::mt19937_64& rng, std::initializer_list<const char*> xs) {
  auto it = xs.begin();
  std::advance(it, static_cast<long>(rng() % xs.size()));
  return *it;
}

std::string make_record(std::mt19937_64& rng, int which) {
  const std::int64_t ts = 1795586400000 + static_cast<std::int64_t>(rng() % 86'400'000);
  const std::string uid = "01" + digits(rng, 14);
  const std::string corp = "ding" + digits(rng, 12);
  char buf[2048];
  switch (which) {
    case 0: case 1: case 2: {  // audit camelCase (the bulk of audit traffic), with members
      std::string members;
      const int nm = 1 + static_cast<int>(rng() % 5);
      for (int i = 0; i < nm; ++i) {
        if (i) members += ',';
        members += R"({"memberName":"User )" + digits(rng, 3) +
                   R"(","memberType":1,"memberTypeView":"用戶","permissionRole":3,"permissionRoleView":"管理者"})";
      }
      const int code = 1 + static_cast<int>(rng() % 8);
      std::snprintf(buf, sizeof buf,
                    R"({"action":%d,"actionView":"%s","bizId":"%s","gmtCreate":%lld,"gmtModified":%lld,"operatorName":"%s","realName":"%s","userId":"%s","ipAddress":"%s","platform":%d,"platformView":"%s","orgName":"澳門示例貿易有限公司","resource":"%s-%s.xlsx","resourceExtension":"xlsx","resourceSize":%s,"receiverType":1,"receiverTypeView":"群","receiverName":"全體員工群","operateModule":1,"operateModuleView":"釘盤","status":0,"docMemberList":[%s]})",
                    code, pick(rng, {"分享", "下載", "查看", "導出", "上傳", "刪除"}).c_str(),
                    digits(rng, 6).c_str(), static_cast<long long>(ts), static_cast<long long>(ts),
                    pick(rng, {"大文", "mia", "hr-bot", "小明"}).c_str(),
                    pick(rng, {"陳大文", "Maria Fernandes", "李小明", "Ho Ka Man"}).c_str(), uid.c_str(),
                    pick(rng, {"202.175.3.17", "47.96.12.200", "61.244.1.9"}).c_str(),
                    1 + static_cast<int>(rng() % 3), pick(rng, {"PC", "Android", "iOS"}).c_str(),
                    pick(rng, {"員工健康申報表", "客戶聯絡名單", "薪金表", "Q4 forecast"}).c_str(),
                    digits(rng, 4).c_str(), number(rng, 7).c_str(), members.c_str());
      return buf;
    }
    case 3: case 6:  // audit snake_case
      std::snprintf(buf, sizeof buf,
                    R"({"biz_id":"%s","gmt_create":%lld,"ip_address":"61.244.%d.%d","operator_name":"hr-bot-%s","emp_id":"%s","browser":"Chrome 131","action":"%s","platform":"PC","resource":"全體員工通訊錄-%s.xlsx","org_name":"澳門示例貿易有限公司","module":"通訊錄","status":"success","detail":"export of the full company directory requested from the admin console"})",
                    digits(rng, 6).c_str(), static_cast<long long>(ts), static_cast<int>(rng() % 255),
                    static_cast<int>(rng() % 255), digits(rng, 2).c_str(), uid.c_str(),
                    pick(rng, {"導出", "下載", "查看"}).c_str(), digits(rng, 3).c_str());
      return buf;
    case 4:  // getupdatedata row
      std::snprintf(buf, sizeof buf,
                    R"({"user_check_time":"2026-11-%02d %02d:%02d:%02d","user_latitude":"22.%s","user_longitude":"113.%s","user_accuracy":"30","user_ssid":"office-5g","user_mac_addr":"a4:5e:60:%s","source_type":"USER","check_type":"%s","location_result":"%s","user_address":"澳門新馬路%s號","record_id":"%s","userid":"%s","corpId":"%s","base_check_time":%lld,"plan_id":%s,"group_id":%s})",
                    1 + static_cast<int>(rng() % 28), static_cast<int>(rng() % 24), static_cast<int>(rng() % 60),
                    static_cast<int>(rng() % 60), digits(rng, 4).c_str(), digits(rng, 4).c_str(),
                    digits(rng, 2).c_str(), pick(rng, {"OnDuty", "OffDuty"}).c_str(),
                    pick(rng, {"Normal", "Normal", "Outside"}).c_str(), digits(rng, 2).c_str(),
                    digits(rng, 8).c_str(), uid.c_str(), corp.c_str(), static_cast<long long>(ts),
                    number(rng, 9).c_str(), number(rng, 9).c_str());
      return buf;
    case 5:  // flows
      std::snprintf(buf, sizeof buf,
                    R"({"ts":%lld,"userId":"%s","app":"%s","dstHost":"%s","dstIp":"%d.%d.%d.%d","dstPort":443,"tlsVersion":"%s","bytesOut":%s,"records":%d,"srcIp":"10.0.%d.%d","gateway":"ztna-mo-01","policy":"allow-dingtalk","sni":"%s"})",
                    static_cast<long long>(ts), uid.c_str(),
                    pick(rng, {"smart_hr_sync", "robot_webhook", "event_push", "file_upload"}).c_str(),
                    pick(rng, {"oapi.dingtalk.com", "oss-cn-hangzhou.aliyuncs.com", "hooks.example-crm.cn"}).c_str(),
                    static_cast<int>(rng() % 223 + 1), static_cast<int>(rng() % 255), static_cast<int>(rng() % 255),
                    static_cast<int>(rng() % 255), pick(rng, {"TLSv1.2", "TLSv1.3"}).c_str(), number(rng, 6).c_str(),
                    static_cast<int>(rng() % 2000), static_cast<int>(rng() % 255), static_cast<int>(rng() % 255),
                    pick(rng, {"oapi.dingtalk.com", "oss-cn-hangzhou.aliyuncs.com"}).c_str());
      return buf;
    case 7:  // HTTP-push org / chat
      if (rng() % 2)
        std::snprintf(buf, sizeof buf,
                      R"({"EventType":"%s","CorpId":"%s","UserId":["%s","01%s"],"DeptId":[%s,%s],"OptStaffId":"01%s","TimeStamp":"%lld"})",
                      pick(rng, {"user_add_org", "user_modify_org", "user_leave_org", "org_admin_add"}).c_str(),
                      corp.c_str(), uid.c_str(), digits(rng, 14).c_str(), number(rng, 6).c_str(),
                      number(rng, 6).c_str(), digits(rng, 14).c_str(), static_cast<long long>(ts));
      else
        std::snprintf(buf, sizeof buf,
                      R"({"EventType":"chat_add_member","CorpId":"%s","ChatId":"chat%s","OpenConversationId":"cid%s==","Operator":"%s","OperatorUnionId":"iPiSuHqW8u2uKiE","UserId":["01%s"],"UnionId":["Zk3ii2mGQqbEiE"],"TimeStamp":%lld})",
                      corp.c_str(), digits(rng, 8).c_str(), digits(rng, 10).c_str(), uid.c_str(),
                      digits(rng, 14).c_str(), static_cast<long long>(ts));
      return buf;
    case 8:  // bpms
      std::snprintf(buf, sizeof buf,
                    R"({"EventType":"bpms_instance_change","corpId":"%s","processInstanceId":"a171de6c-%s-4b3e-9a1f-7e1c1d2e3f40","processCode":"PROC-HEALTH-DECL","businessId":"2026112500%s","bizCategoryId":"","title":"陳大文提交的健康申報表","type":"%s","result":"%s","staffId":"%s","url":"https://aflow.dingtalk.com/dingtalk/mobile/homepage.htm","createTime":%lld,"finishTime":%lld})",
                    corp.c_str(), digits(rng, 4).c_str(), digits(rng, 2).c_str(),
                    pick(rng, {"start", "finish"}).c_str(), pick(rng, {"agree", "refuse"}).c_str(), uid.c_str(),
                    static_cast<long long>(ts - 600000), static_cast<long long>(ts));
      return buf;
    case 9: {  // attendance_check_record with 2 elements
      std::string el;
      for (int i = 0; i < 2; ++i) {
        char e[512];
        std::snprintf(e, sizeof e,
                      R"(%s{"userId":"01%s","corpId":"%s","checkTime":%lld,"address":"澳門新馬路","latitude":22.%s,"longitude":113.%s,"locationResult":"%s","locationMethod":"MAP","groupId":"4C63A1","bizId":"FF%s","checkByUser":true})",
                      i ? "," : "", digits(rng, 14).c_str(), corp.c_str(), static_cast<long long>(ts + i),
                      digits(rng, 4).c_str(), digits(rng, 4).c_str(), pick(rng, {"Normal", "Outside"}).c_str(),
                      digits(rng, 4).c_str());
        el += e;
      }
      std::snprintf(buf, sizeof buf,
                    R"({"EventType":"attendance_check_record","EventTime":%lld,"CorpId":"%s","BizId":"%s","eventId":"c7%s","dataList":[%s]})",
                    static_cast<long long>(ts), corp.c_str(), digits(rng, 10).c_str(), digits(rng, 8).c_str(),
                    el.c_str());
      return buf;
    }
    default:  // Stream envelope, data as an escaped JSON string
      std::snprintf(buf, sizeof buf,
                    R"({"specVersion":"1.0","type":"EVENT","headers":{"appId":"a1b2c3","connectionId":"%s","contentType":"application/json","eventType":"chat_update_title","eventId":"e-%s","eventCorpId":"%s","eventBornTime":%lld,"eventUnifiedAppId":"a1b2c3","messageId":"%s","time":"%lld","topic":"*"},"data":"{\"chatId\": \"chat%s\", \"operator\": \"%s\", \"title\": \"員工體溫及病歷登記群\", \"timeStamp\": %lld}"})",
                    digits(rng, 16).c_str(), digits(rng, 6).c_str(), corp.c_str(), static_cast<long long>(ts),
                    digits(rng, 16).c_str(), static_cast<long long>(ts), digits(rng, 8).c_str(), uid.c_str(),
                    static_cast<long long>(ts));
      return buf;
  }
}

struct corpus {
  record_batch batch;
  std::size_t bytes = 0;
  corpus() {
    std::mt19937_64 rng(42);
    for (int i = 0; i < 4096; ++i) {
      const std::string r = make_record(rng, static_cast<int>(rng() % 11));
      batch.add("dingtalk.bench", source_topic::unknown, 0, i, {}, r, 0);
      bytes += r.size();
    }
    // The corpus must be all-valid so both benchmarks do the same work.
    dingtalk_decoder dec;
    string_arena arena;
    std::vector<normalized_event> out;
    for (const raw_record& r : batch.records())
      if (auto why = dec.decode(r, arena, out))
        std::fprintf(stderr, "corpus record rejected (%s): %.*s\n", std::string(to_string(*why)).c_str(),
                     static_cast<int>(r.bytes.size()), r.bytes.data());
  }
};

const corpus& records() {
  static const corpus c;
  return c;
}

// One decode pass over the corpus into reused buffers; returns the number of rejects.
std::size_t decode_pass(const corpus& c, dingtalk_decoder& dec, string_arena& arena,
                        std::vector<normalized_event>& out) {
  arena.reset();
  out.clear();
  std::size_t rejected = 0;
  for (const raw_record& r : c.batch.records())
    if (dec.decode(r, arena, out)) ++rejected;
  return rejected;
}

void BM_parse_only(benchmark::State& state) {
  const corpus& c = records();
  simdjson::ondemand::parser parser;
  std::size_t checksum = 0;
  for (auto _ : state) checksum += bench::parse_pass(c.batch.records(), parser);
  benchmark::DoNotOptimize(checksum);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.batch.size()));
}
BENCHMARK(BM_parse_only);

void BM_decode(benchmark::State& state) {
  const corpus& c = records();
  dingtalk_decoder dec;
  string_arena arena;
  std::vector<normalized_event> out;
  out.reserve(c.batch.size() * 2);
  std::size_t rejected = 0, events = 0;
  for (auto _ : state) {
    rejected += decode_pass(c, dec, arena, out);
    events += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  if (rejected) state.SkipWithError("corpus records were rejected");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.batch.size()));
  state.counters["events_per_record"] =
      static_cast<double>(events) / static_cast<double>(state.iterations() * c.batch.size());
  state.counters["avg_record_bytes"] = static_cast<double>(c.bytes) / static_cast<double>(c.batch.size());
}
BENCHMARK(BM_decode);

// The ratio itself, measured robustly on a shared machine: each iteration times one
// parse-only pass and one decode pass back to back (thread CPU time), so both see the
// same neighbours; `decode_vs_parse` is the median over iterations of parse / decode
// time (the throughput ratio, target ≥ 0.7).
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

void BM_paired_ratio(benchmark::State& state) {
  const corpus& c = records();
  simdjson::ondemand::parser parser;
  dingtalk_decoder dec;
  string_arena arena;
  std::vector<normalized_event> out;
  out.reserve(c.batch.size() * 2);
  std::vector<double> ratios;
  std::size_t checksum = 0, rejected = 0;
  for (auto _ : state) {
    const double t0 = thread_cpu_ns();
    checksum += bench::parse_pass(c.batch.records(), parser);
    const double t1 = thread_cpu_ns();
    rejected += decode_pass(c, dec, arena, out);
    const double t2 = thread_cpu_ns();
    benchmark::DoNotOptimize(out.data());
    ratios.push_back((t1 - t0) / (t2 - t1));
  }
  benchmark::DoNotOptimize(checksum);
  if (rejected) state.SkipWithError("corpus records were rejected");
  std::sort(ratios.begin(), ratios.end());
  state.counters["decode_vs_parse"] = ratios.empty() ? 0.0 : ratios[ratios.size() / 2];
}
BENCHMARK(BM_paired_ratio);

void BM_depth_scan(benchmark::State& state) {
  const corpus& c = records();
  std::size_t deep = 0;
  for (auto _ : state) {
    for (const raw_record& r : c.batch.records()) deep += detail::exceeds_depth(r.bytes, 32);
  }
  benchmark::DoNotOptimize(deep);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.batch.size()));
}
BENCHMARK(BM_depth_scan);

}  // namespace

BENCHMARK_MAIN();
