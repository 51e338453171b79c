// libFuzzer target for the DingTalk decoder. Built several times (fuzz/CMakeLists.txt)
// with a different seed corpus per record family and, for DINGWATCH_FUZZ_STREAM_DATA,
// with the input wrapped as a Stream-mode `data` string so the second parser and its
// arena copy see arbitrary bytes too.
//
// Beyond "no crash, no sanitizer report", each input checks the decoder's contract
// (core/decoder.hpp): a reject appends nothing; a success appends events whose views
// all point into the record or the arena and whose timestamp is present.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "dingwatch/core/record.hpp"
#include "dingwatch/core/string_arena.hpp"
#include "dingwatch/ingest/dingtalk_decoder.hpp"

using namespace dingwatch;

namespace {

// Large enough that one arena chunk holds everything a record of the default size
// limit can unescape, so "inside the arena" is one range check.
constexpr std::size_t k_arena_chunk = 4u << 20;

#if defined(DINGWATCH_FUZZ_STREAM_DATA)
// A JSON string literal holding `s` (quotes, backslashes and control bytes escaped).
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}
#endif

bool inside(std::string_view v, const char* lo, std::size_t n) {
  return v.empty() || (v.data() >= lo && v.data() + v.size() <= lo + n);
}

void require(bool ok) {
  if (!ok) std::abort();  // a contract violation: libFuzzer saves the input as a crash
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static dingtalk_decoder decoder;  // reused like in the pipeline: no state may leak
  static string_arena arena(k_arena_chunk);
  static std::vector<normalized_event> out;
  static std::string text;

  const std::string_view input(reinterpret_cast<const char*>(data), size);
#if defined(DINGWATCH_FUZZ_STREAM_DATA)
  text = R"({"specVersion":"1.0","headers":{"eventType":"user_add_org","eventId":"e1",)"
         R"("eventCorpId":"ding1","eventBornTime":1795586403219},"data":)";
  append_json_string(text, input);
  text += '}';
#else
  text.assign(input);
#endif
  // Exactly the padding the contract promises, so ASan flags any read past it.
  std::vector<char> buffer(text.size() + k_record_padding, '\0');
  std::memcpy(buffer.data(), text.data(), text.size());

  raw_record rec;
  rec.bytes = {buffer.data(), text.size()};
  rec.ref = {DINGWATCH_FUZZ_TOPIC, 0, 0};

  arena.reset();
  const char* arena_base = arena.allocate(0);
  out.assign(1, normalized_event{});  // a sentinel the decoder must not touch
  const auto reason = decoder.decode(rec, arena, out);
  (void)guess_topic(text);
  if (reason) {
    require(out.size() == 1);
    return 0;
  }
  require(out.size() >= 2);
  for (std::size_t i = 1; i < out.size(); ++i) {
    const normalized_event& ev = out[i];
    require(ev.ts_ms != k_absent);
    for (std::string_view v :
         {ev.type, ev.event_id, ev.corp_id, ev.user_id, ev.user_name, ev.operator_id, ev.target_user,
          ev.ip, ev.platform, ev.device, ev.resource, ev.resource_ext, ev.receiver_type,
          ev.receiver_name, ev.module, ev.chat_id, ev.title, ev.process_code, ev.process_status,
          ev.process_result, ev.address, ev.location_method, ev.app, ev.dst_host, ev.dst_ip,
          ev.tls_version, ev.raw})
      require(inside(v, rec.bytes.data(), rec.bytes.size()) || inside(v, arena_base, k_arena_chunk));
  }
  return 0;
}
