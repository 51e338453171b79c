// DingTalk record decoding: one on-demand walk over the top-level object collects every
// known key into a `field_bag` (a slot per key, shared by all shapes), then the shape is
// recognised from which slots were seen and a `normalized_event` is assembled.
// Stream-mode `data` objects and `dataList` elements get bags of their own.

#include "dingwatch/ingest/dingtalk_decoder.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "decode_support.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dingwatch {

namespace ondemand = simdjson::ondemand;
using detail::conv;

namespace {

// How a slot's JSON value is read.
enum class vk : std::uint8_t {
  str,       // string | null
  id,        // string | integer | null
  ts,        // timestamp: number | numeric string | null
  local_ts,  // getupdatedata: "yyyy-MM-dd HH:mm:ss" (UTC+8) | number | numeric string
  i64,       // integer | numeric string | null
  coord,     // number | numeric string | "" | null
  users,     // array of strings | string | null → first + count
  list,      // array | scalar → count
  members,   // array | null → count
  code,      // integer (code) | string (label)
  data_list, // array of objects → one event each
  headers,   // object, walked into the same bag
  data,      // object | JSON string
};

// X(slot, folded key, kind). Keys are stored with a lower-case first letter; lookups fold
// the first letter the same way, so `EventType` ≡ `eventType`, `CorpId` ≡ `corpId`.
#define DW_FIELDS(X)                                     \
  X(event_type, "eventType", str)                        \
  X(corp_id, "corpId", str)                              \
  X(event_corp_id, "eventCorpId", str)                   \
  X(time_stamp, "timeStamp", ts)                         \
  X(event_time, "eventTime", ts)                         \
  X(event_born_time, "eventBornTime", ts)                \
  X(event_id, "eventId", id)                             \
  X(biz_id, "bizId", id)                                 \
  X(user_id, "userId", users)                            \
  X(opt_staff_id, "optStaffId", str)                     \
  X(dept_id, "deptId", list)                             \
  X(chat_id, "chatId", str)                              \
  X(open_conversation_id, "openConversationId", str)     \
  X(operator_, "operator", str)                          \
  X(title, "title", str)                                 \
  X(process_instance_id, "processInstanceId", id)        \
  X(process_code, "processCode", str)                    \
  X(type, "type", str)                                   \
  X(result, "result", str)                               \
  X(staff_id, "staffId", str)                            \
  X(create_time, "createTime", ts)                       \
  X(finish_time, "finishTime", ts)                       \
  X(data_list, "dataList", data_list)                    \
  X(spec_version, "specVersion", str)                    \
  X(headers, "headers", headers)                         \
  X(data, "data", data)                                  \
  X(gmt_create, "gmtCreate", ts)                         \
  X(real_name, "realName", str)                          \
  X(operator_name, "operatorName", str)                  \
  X(action, "action", code)                              \
  X(action_view, "actionView", str)                      \
  X(platform, "platform", code)                          \
  X(platform_view, "platformView", str)                  \
  X(ip_address, "ipAddress", str)                        \
  X(resource, "resource", str)                           \
  X(resource_extension, "resourceExtension", str)        \
  X(resource_size, "resourceSize", i64)                  \
  X(receiver_type, "receiverType", i64)                  \
  X(receiver_type_view, "receiverTypeView", str)         \
  X(receiver_name, "receiverName", str)                  \
  X(operate_module_view, "operateModuleView", str)       \
  X(doc_member_list, "docMemberList", members)           \
  X(doc_receiver_list, "docReceiverList", members)       \
  X(biz_id_s, "biz_id", id)                              \
  X(gmt_create_s, "gmt_create", ts)                      \
  X(ip_address_s, "ip_address", str)                     \
  X(operator_name_s, "operator_name", str)               \
  X(emp_id, "emp_id", id)                                \
  X(browser, "browser", str)                             \
  X(user_check_time, "user_check_time", local_ts)        \
  X(user_latitude, "user_latitude", coord)               \
  X(user_longitude, "user_longitude", coord)             \
  X(location_result_s, "location_result", str)           \
  X(user_address, "user_address", str)                   \
  X(record_id, "record_id", id)                          \
  X(userid, "userid", id)                                \
  X(user_mac_addr, "user_mac_addr", str)                 \
  X(source_type, "source_type", str)                     \
  X(check_type, "check_type", str)                       \
  X(check_time, "checkTime", ts)                         \
  X(latitude, "latitude", coord)                         \
  X(longitude, "longitude", coord)                       \
  X(address, "address", str)                             \
  X(location_result, "locationResult", str)              \
  X(location_method, "locationMethod", str)              \
  X(device_sn, "deviceSN", str)                          \
  X(ts, "ts", ts)                                        \
  X(app, "app", str)                                     \
  X(dst_host, "dstHost", str)                            \
  X(dst_ip, "dstIp", str)                                \
  X(dst_port, "dstPort", i64)                            \
  X(tls_version, "tlsVersion", str)                      \
  X(bytes_out, "bytesOut", i64)                          \
  X(records, "records", i64)

enum class slot : std::uint8_t {
#define DW_ENUM(name, key, kind) name,
  DW_FIELDS(DW_ENUM)
#undef DW_ENUM
  count_
};

constexpr std::size_t k_slots = static_cast<std::size_t>(slot::count_);
static_assert(k_slots <= 128, "seen mask holds 128 slots");

struct slot_info {
  std::string_view key;
  vk kind;
};

constexpr std::array<slot_info, k_slots> k_slot_info = {{
#define DW_INFO(name, key, kind) {key, vk::kind},
    DW_FIELDS(DW_INFO)
#undef DW_INFO
}};

constexpr std::size_t k_max_key = 24;

// Key lookup: a perfect hash over (length, first 16 bytes) picks the only candidate; one
// masked 3-word compare confirms it. No probing, no per-byte loops, one hard-to-predict
// branch (known key or not) per field. The first letter is folded with `| 0x20`, which
// matches exactly `fold()` for table keys (all start with a lower-case ASCII letter):
// X | 0x20 == 'a'..'z' only for that letter in either case.
constexpr std::uint64_t byte_mask(std::size_t n, std::size_t word) noexcept {
  const std::size_t lo = word * 8;
  if (n <= lo) return 0;
  if (n >= lo + 8) return ~std::uint64_t{0};
  return (std::uint64_t{1} << ((n - lo) * 8)) - 1;
}

struct key_masks {
  std::array<std::array<std::uint64_t, 3>, k_max_key + 1> m{};
};
constexpr key_masks make_masks() {
  key_masks k{};
  for (std::size_t n = 0; n <= k_max_key; ++n)
    for (std::size_t w = 0; w < 3; ++w) k.m[n][w] = byte_mask(n, w);
  return k;
}
constexpr key_masks k_masks = make_masks();

// Little-endian word of `s[off, off+8)`, zero past the end (constexpr-friendly).
constexpr std::uint64_t word_of(std::string_view s, std::size_t off) noexcept {
  std::uint64_t w = 0;
  for (std::size_t j = 0; j < 8 && off + j < s.size(); ++j)
    w |= std::uint64_t{static_cast<unsigned char>(s[off + j])} << (8 * j);
  return w;
}

constexpr unsigned k_hash_bits = 9;
constexpr std::size_t k_table = std::size_t{1} << k_hash_bits;

constexpr std::uint32_t key_hash(std::uint64_t w0, std::uint64_t w1, std::size_t n,
                                 std::uint64_t mul) noexcept {
  const std::uint64_t x = w0 ^ ((w1 << 29) | (w1 >> 35)) ^ (n * 0x9E3779B97F4A7C15ull);
  return static_cast<std::uint32_t>((x * mul) >> (64 - k_hash_bits));
}

// Key words in table order, plus one sentinel entry (len 0xFF) that never matches.
struct key_entry {
  std::uint64_t w0 = 0, w1 = 0, w2 = 0;
  std::uint64_t len = 0xFF;
};

struct key_table {
  std::uint64_t mul = 0;
  std::array<std::uint8_t, k_table> index{};
  std::array<key_entry, k_slots + 1> keys{};
};

constexpr key_table make_key_table() {
  key_table t{};
  for (std::size_t i = 0; i < k_slots; ++i) {
    const std::string_view k = k_slot_info[i].key;
    if (k.empty() || k.size() > k_max_key) throw "key length out of range for the lookup table";
    if (!(k[0] >= 'a' && k[0] <= 'z')) throw "table keys must start with a lower-case letter";
    t.keys[i] = {word_of(k, 0), word_of(k, 8), word_of(k, 16), k.size()};
  }
  // Search for a multiplier that maps every key to its own bucket.
  std::uint64_t mul = 0x9FB21C651E98DF25ull;
  for (int attempt = 0; attempt < 100000; ++attempt) {
    mul = mul * 6364136223846793005ull + 1442695040888963407ull;
    const std::uint64_t m = mul | 1;
    std::array<std::uint8_t, k_table> idx{};
    for (auto& e : idx) e = static_cast<std::uint8_t>(k_slots);
    bool clash = false;
    for (std::size_t i = 0; i < k_slots && !clash; ++i) {
      const std::uint32_t h = key_hash(t.keys[i].w0, t.keys[i].w1, t.keys[i].len, m);
      if (idx[h] != k_slots) clash = true;
      idx[h] = static_cast<std::uint8_t>(i);
    }
    if (!clash) {
      t.mul = m;
      t.index = idx;
      return t;
    }
  }
  throw "no perfect hash multiplier found";
}

constexpr key_table k_key_table = make_key_table();

inline std::uint64_t load64(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// The slot for the `n`-byte key at `k`, or count_. Reads k_max_key bytes from `k`:
// callers guarantee they are readable (record padding, or a k_max_key buffer).
inline slot lookup(const char* k, std::size_t n) noexcept {
  static_assert(std::endian::native == std::endian::little, "word-compare lookup assumes little endian");
  if (n - 1 >= k_max_key) return slot::count_;  // n == 0 or n > k_max_key
  const auto& m = k_masks.m[n];
  const std::uint64_t w0 = (load64(k) | 0x20) & m[0];
  const std::uint64_t w1 = load64(k + 8) & m[1];
  const std::uint64_t w2 = load64(k + 16) & m[2];
  const std::uint8_t i = k_key_table.index[key_hash(w0, w1, n, k_key_table.mul)];
  const key_entry& e = k_key_table.keys[i];
  const bool hit = ((e.w0 ^ w0) | (e.w1 ^ w1) | (e.w2 ^ w2) | (e.len ^ n)) == 0;
  return hit ? static_cast<slot>(i) : slot::count_;
}

// True when `p[0, n)` holds a backslash; may read up to 31 bytes past `p + n` (records
// and arena copies of `data` carry k_record_padding = 64 readable bytes). Strings of up
// to 32 bytes — nearly all of them — take one branch-free step.
inline bool has_backslash(const char* p, std::size_t n) noexcept {
#if defined(__SSE2__)
  const __m128i bs = _mm_set1_epi8('\\');
  const auto chunk32 = [&](const char* q) {
    const auto lo = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)), bs)));
    const auto hi = static_cast<std::uint32_t>(_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16)), bs)));
    return std::uint64_t{lo | (hi << 16)};
  };
  std::size_t i = 0;
  for (; n - i > 32; i += 32)
    if (chunk32(p + i)) return true;
  const std::uint64_t live = (std::uint64_t{1} << (n - i)) - 1;
  return (chunk32(p + i) & live) != 0;
#else
  return std::memchr(p, '\\', n) != nullptr;
#endif
}

// json_type (as its underlying value) by a value's first byte; 0 = no JSON value starts so.
static_assert(static_cast<int>(ondemand::json_type::array) != 0 &&
              static_cast<int>(ondemand::json_type::object) != 0 &&
              static_cast<int>(ondemand::json_type::number) != 0 &&
              static_cast<int>(ondemand::json_type::string) != 0 &&
              static_cast<int>(ondemand::json_type::boolean) != 0 &&
              static_cast<int>(ondemand::json_type::null) != 0,
              "json_type values must be non-zero for the byte table");
constexpr std::array<std::uint8_t, 256> make_type_table() {
  std::array<std::uint8_t, 256> t{};
  using jt = ondemand::json_type;
  const auto set = [&t](char c, jt v) { t[static_cast<unsigned char>(c)] = static_cast<std::uint8_t>(v); };
  set('{', jt::object);
  set('[', jt::array);
  set('"', jt::string);
  set('n', jt::null);
  set('t', jt::boolean);
  set('f', jt::boolean);
  set('-', jt::number);
  for (char c = '0'; c <= '9'; ++c) set(c, jt::number);
  return t;
}
constexpr auto k_type_of_byte = make_type_table();

struct slot_value {
  std::string_view s;             // string / label / id
  std::int64_t i = k_absent;      // integer / timestamp (ms) / code
  double d = 0;                   // coordinate
  std::uint32_t n = 0;            // count (lists)
  std::uint32_t first_event = 0;  // data_list: index in `out` of the first element
};

// Every known key of one JSON object level. Only `seen` is reset per record.
struct field_bag {
  std::array<std::uint64_t, 2> seen{};
  std::array<slot_value, k_slots> v;

  void reset() noexcept { seen = {}; }
  bool has(slot s) const noexcept {
    const auto i = static_cast<std::size_t>(s);
    return (seen[i >> 6] >> (i & 63)) & 1u;
  }
  // Marks `s` seen; false if it already was (a duplicate key).
  bool mark(slot s) noexcept {
    const auto i = static_cast<std::size_t>(s);
    const std::uint64_t bit = std::uint64_t{1} << (i & 63);
    if (seen[i >> 6] & bit) return false;
    seen[i >> 6] |= bit;
    return true;
  }
  slot_value& at(slot s) noexcept { return v[static_cast<std::size_t>(s)]; }
  const slot_value& at_const(slot s) const noexcept { return v[static_cast<std::size_t>(s)]; }
  std::string_view str(slot s) const noexcept {
    return has(s) ? v[static_cast<std::size_t>(s)].s : std::string_view{};
  }
  std::int64_t num(slot s) const noexcept {
    return has(s) ? v[static_cast<std::size_t>(s)].i : k_absent;
  }
  double coord(slot s) const noexcept {
    return has(s) ? v[static_cast<std::size_t>(s)].d : std::numeric_limits<double>::quiet_NaN();
  }
  std::uint32_t count(slot s) const noexcept {
    return has(s) ? v[static_cast<std::size_t>(s)].n : 0;
  }
  bool any(std::initializer_list<slot> ss) const noexcept {
    for (slot s : ss)
      if (has(s)) return true;
    return false;
  }
};

std::string_view first_of(std::string_view a, std::string_view b) noexcept {
  return a.empty() ? b : a;
}
std::string_view first_of(std::string_view a, std::string_view b, std::string_view c) noexcept {
  return first_of(first_of(a, b), c);
}
std::int64_t first_ts(std::int64_t a, std::int64_t b) noexcept { return a != k_absent ? a : b; }

// Internal result: a reason, or none. `syntax` errors are classified against the text later.
using result = std::optional<reject_reason>;
constexpr result ok = std::nullopt;

// Any simdjson error seen while walking. The caller turns malformed_json into truncated
// when the text ends early.
reject_reason from_simdjson(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::DEPTH_ERROR: return reject_reason::too_deep;
    case simdjson::UTF8_ERROR: return reject_reason::invalid_utf8;
    case simdjson::INCORRECT_TYPE: return reject_reason::wrong_type;
    default: return reject_reason::malformed_json;
  }
}

enum class level : std::uint8_t { root, headers, data, element };

}  // namespace

struct dingtalk_decoder::impl {
  decode_limits limits;
  ondemand::parser parser;       // the record
  ondemand::parser data_parser;  // Stream-mode `data` given as a JSON string
  field_bag root;
  field_bag inner;
  field_bag element;

  // Per-call context.
  string_arena* arena = nullptr;
  std::vector<normalized_event>* out = nullptr;
  std::size_t out_start = 0;

  explicit impl(decode_limits l) : limits(l), parser(l.max_record_bytes), data_parser(l.max_record_bytes) {}

  // ---- value readers -------------------------------------------------------------

  // A string value as a view into the input (no escapes) or an arena copy. `tok` is the
  // value's raw token: it starts with the opening quote and runs to the next structural
  // character, so only JSON whitespace can follow the closing quote. Strings longer than
  // `max_string_bytes` as encoded are refused unless `bounded` is false (Stream `data`).
  result read_string(ondemand::value& v, std::string_view tok, std::string_view& out_s,
                     bool bounded = true) {
    const char* open = tok.data();
    const char* close = open + tok.size() - 1;
    while (close > open && *close != '"') {
      const char c = *close;
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return reject_reason::malformed_json;
      --close;
    }
    if (close == open || *open != '"') return reject_reason::malformed_json;
    const std::size_t n = static_cast<std::size_t>(close - open - 1);
    if (bounded && n > limits.max_string_bytes) return reject_reason::string_too_long;
    if (!has_backslash(open + 1, n)) {
      out_s = {open + 1, n};
      return ok;
    }
    std::string_view unescaped;
    if (auto e = v.get_string().get(unescaped)) return from_simdjson(e);
    out_s = arena->copy(unescaped);
    return ok;
  }
  result read_string(ondemand::value& v, std::string_view& out_s) {
    return read_string(v, v.raw_json_token(), out_s);
  }

  // The JSON type a value's first byte announces (what `value::type()` computes);
  // false for a byte no value starts with (simdjson's TAPE_ERROR). A table load, not a
  // chain of compares: the first byte varies field to field and predicts badly.
  static bool type_from_byte(char c, ondemand::json_type& t) noexcept {
    const std::uint8_t code = k_type_of_byte[static_cast<unsigned char>(c)];
    t = static_cast<ondemand::json_type>(code);
    return code != 0;
  }

  static result type_of(ondemand::value& v, ondemand::json_type& t) {
    if (auto e = v.type().get(t)) return from_simdjson(e);
    return ok;
  }

  // `null` literal check (anything else starting with 'n' is a syntax error).
  static result expect_null(ondemand::value& v) {
    bool is_null = false;
    if (auto e = v.is_null().get(is_null)) return from_simdjson(e);
    if (!is_null) return reject_reason::malformed_json;
    return ok;
  }

  // An integer JSON number; out-of-range → wrong_type.
  static result read_int(ondemand::value& v, std::int64_t& out_i) {
    if (auto e = v.get_int64().get(out_i)) {
      if (e == simdjson::NUMBER_ERROR) return reject_reason::malformed_json;
      return reject_reason::wrong_type;  // a fraction, or beyond int64
    }
    return ok;
  }

  result read_timestamp(ondemand::value& v, std::string_view tok, ondemand::json_type t,
                        bool macau_local, std::int64_t& ms) {
    ms = k_absent;
    conv c = conv::bad;
    if (t == ondemand::json_type::null) return expect_null(v);
    if (t == ondemand::json_type::number) {
      std::int64_t i = 0;
      const auto e = v.get_int64().get(i);
      if (!e) {
        c = detail::epoch_ms_from_int(i, ms);
      } else if (e == simdjson::INCORRECT_TYPE) {
        double d = 0;
        // 1e400 and 1.2.3 both fail here: either way the timestamp cannot be read.
        if (v.get_double().get(d)) return reject_reason::bad_timestamp;
        c = detail::epoch_ms_from_double(d, ms);
      } else {
        return reject_reason::bad_timestamp;  // out of range, bigint, not a number
      }
    } else if (t == ondemand::json_type::string) {
      std::string_view s;
      if (auto r = read_string(v, tok, s)) return r;
      c = macau_local ? detail::epoch_ms_from_macau_local(s, ms) : detail::epoch_ms_from_string(s, ms);
    } else {
      return reject_reason::wrong_type;
    }
    if (c == conv::bad) return reject_reason::bad_timestamp;
    if (c == conv::absent) ms = k_absent;
    return ok;
  }

  // ---- the walk ------------------------------------------------------------------

  result walk_object(ondemand::object obj, field_bag& bag, level lv) {
    for (auto fr : obj) {
      if (auto e = fr.error()) return from_simdjson(e);
      ondemand::field& f = fr.value_unsafe();  // no copy of the field (checked above)
      ondemand::value& v = f.value();
      // The key runs from after its opening quote to the last quote before the value
      // (only ':' and whitespace lie between), so no scan over the key is needed.
      const char* k = f.key().raw();
      const std::string_view tok = v.raw_json_token();
      const char* end = tok.data() - 1;
      while (*end != '"') --end;
      const auto n = static_cast<std::size_t>(end - k);
      slot s = lookup(k, n);
      if (s == slot::count_) {
        if (!has_backslash(k, n)) continue;  // unknown key: on-demand skips the value
        // Escaped key (`"user\u0049d"`): unescape so it cannot dodge lookup or dedup.
        std::string_view key;
        if (auto e = f.unescaped_key().get(key)) return from_simdjson(e);
        if (key.size() > k_max_key) continue;
        std::array<char, k_max_key> buf{};
        std::memcpy(buf.data(), key.data(), key.size());
        s = lookup(buf.data(), key.size());
        if (s == slot::count_) continue;
      }
      // Fast path for the most common case, a plain string field holding a string: a
      // predictable conditional branch instead of the kind switch's indirect jump.
      if (k_slot_info[static_cast<std::size_t>(s)].kind == vk::str && tok[0] == '"') {
        if (!bag.mark(s)) return reject_reason::malformed_json;  // duplicate key
        slot_value& sv = bag.at(s);
        sv.i = k_absent;
        sv.d = std::numeric_limits<double>::quiet_NaN();
        sv.n = 0;
        if (auto r = read_string(v, tok, sv.s)) return r;
        continue;
      }
      // Same for the next most common: an epoch timestamp given as a JSON integer.
      if (k_slot_info[static_cast<std::size_t>(s)].kind == vk::ts &&
          static_cast<unsigned char>(tok[0] - '0') <= 9) {
        if (!bag.mark(s)) return reject_reason::malformed_json;  // duplicate key
        slot_value& sv = bag.at(s);
        sv.s = {};
        sv.d = std::numeric_limits<double>::quiet_NaN();
        sv.n = 0;
        if (auto r = read_timestamp(v, tok, ondemand::json_type::number, false, sv.i)) return r;
        continue;
      }
      if (auto r = read_field(s, v, tok, bag, lv)) return r;
    }
    return ok;
  }

  result read_field(slot s, ondemand::value& v, std::string_view tok, field_bag& bag, level lv) {
    const vk kind = k_slot_info[static_cast<std::size_t>(s)].kind;
    // Containers that only make sense at some levels are ignored elsewhere.
    if ((kind == vk::headers || kind == vk::data) && lv != level::root) return ok;
    if (kind == vk::data_list && lv != level::root && lv != level::data) return ok;

    if (!bag.mark(s)) return reject_reason::malformed_json;  // duplicate key
    slot_value& sv = bag.at(s);
    sv.s = {};
    sv.i = k_absent;
    sv.d = std::numeric_limits<double>::quiet_NaN();
    sv.n = 0;

    ondemand::json_type t;
    if (!type_from_byte(tok[0], t)) return reject_reason::malformed_json;
    using jt = ondemand::json_type;

    switch (kind) {
      case vk::str:
        if (t == jt::null) return expect_null(v);
        if (t != jt::string) return reject_reason::wrong_type;
        return read_string(v, tok, sv.s);

      case vk::id:
        if (t == jt::null) return expect_null(v);
        if (t == jt::string) return read_string(v, tok, sv.s);
        if (t == jt::number) {
          std::int64_t i = 0;
          if (auto r = read_int(v, i)) return r;
          std::size_t len = 0;
          while (len < tok.size() && (tok[len] == '-' || (tok[len] >= '0' && tok[len] <= '9'))) ++len;
          sv.s = tok.substr(0, len);
          return ok;
        }
        return reject_reason::wrong_type;

      case vk::ts:
      case vk::local_ts:
        return read_timestamp(v, tok, t, kind == vk::local_ts, sv.i);

      case vk::i64: {
        if (t == jt::null) return expect_null(v);
        if (t == jt::number) {
          if (auto r = read_int(v, sv.i)) return r;
        } else if (t == jt::string) {
          std::string_view str;
          if (auto r = read_string(v, tok, str)) return r;
          const conv c = detail::int_from_string(str, sv.i);
          if (c == conv::bad) return reject_reason::wrong_type;
          if (c == conv::absent) sv.i = k_absent;
        } else {
          return reject_reason::wrong_type;
        }
        if (s == slot::dst_port && sv.i != k_absent && (sv.i < 0 || sv.i > 65535))
          return reject_reason::wrong_type;
        return ok;
      }

      case vk::coord: {
        if (t == jt::null) return expect_null(v);
        double d = std::numeric_limits<double>::quiet_NaN();
        if (t == jt::number) {
          if (auto e = v.get_double().get(d)) {
            return e == simdjson::NUMBER_ERROR ? reject_reason::malformed_json
                                               : reject_reason::wrong_type;
          }
        } else if (t == jt::string) {
          std::string_view str;
          if (auto r = read_string(v, tok, str)) return r;
          const conv c = detail::double_from_string(str, d);
          if (c == conv::bad) return reject_reason::wrong_type;
          if (c == conv::absent) return ok;
        } else {
          return reject_reason::wrong_type;
        }
        const bool is_lat = s == slot::latitude || s == slot::user_latitude;
        const double lim = is_lat ? 90.0 : 180.0;
        if (!(d >= -lim && d <= lim)) return reject_reason::wrong_type;
        sv.d = d;
        return ok;
      }

      case vk::users: {
        if (t == jt::null) return expect_null(v);
        if (t == jt::string) {
          sv.n = 1;
          return read_string(v, tok, sv.s);
        }
        if (t != jt::array) return reject_reason::wrong_type;
        ondemand::array arr;
        if (auto e = v.get_array().get(arr)) return from_simdjson(e);
        for (auto er : arr) {
          ondemand::value ev;
          if (auto e = std::move(er).get(ev)) return from_simdjson(e);
          ondemand::json_type et;
          if (auto r = type_of(ev, et)) return r;
          if (et != jt::string) return reject_reason::wrong_type;
          if (sv.n == 0) {
            if (auto r = read_string(ev, sv.s)) return r;
          }
          if (++sv.n > limits.max_array_elements) return reject_reason::too_many_elements;
        }
        return ok;
      }

      case vk::list:
      case vk::members: {
        if (t == jt::null) return expect_null(v);
        if (t != jt::array) {
          if (kind == vk::list && (t == jt::number || t == jt::string)) {
            sv.n = 1;
            return ok;
          }
          return reject_reason::wrong_type;
        }
        ondemand::array arr;
        if (auto e = v.get_array().get(arr)) return from_simdjson(e);
        for (auto er : arr) {
          ondemand::value ev;
          if (auto e = std::move(er).get(ev)) return from_simdjson(e);
          if (++sv.n > limits.max_array_elements) return reject_reason::too_many_elements;
        }
        return ok;
      }

      case vk::code:
        if (t == jt::null) return expect_null(v);
        if (t == jt::number) {
          if (auto r = read_int(v, sv.i)) return r;
          std::size_t len = 0;
          while (len < tok.size() && (tok[len] == '-' || (tok[len] >= '0' && tok[len] <= '9'))) ++len;
          sv.s = tok.substr(0, len);
          sv.n = 1;  // n = 1 marks "numeric code"
          return ok;
        }
        if (t == jt::string) return read_string(v, tok, sv.s);
        return reject_reason::wrong_type;

      case vk::headers: {
        if (t != jt::object) return reject_reason::wrong_type;
        ondemand::object o;
        if (auto e = v.get_object().get(o)) return from_simdjson(e);
        return walk_object(o, bag, level::headers);
      }

      case vk::data: {
        if (t == jt::null) return expect_null(v);
        if (t == jt::object) {
          ondemand::object o;
          if (auto e = v.get_object().get(o)) return from_simdjson(e);
          sv.n = 1;  // n = 1: parsed inline into `inner`
          return walk_object(o, inner, level::data);
        }
        if (t != jt::string) return reject_reason::wrong_type;
        std::string_view str;
        if (auto r = read_string(v, tok, str, /*bounded=*/false)) return r;
        // Needs its own padding before it can be parsed: copy with k_record_padding.
        sv.s = arena->copy(str, k_record_padding);
        return ok;
      }

      case vk::data_list: {
        if (t != jt::array) return reject_reason::wrong_type;
        ondemand::array arr;
        if (auto e = v.get_array().get(arr)) return from_simdjson(e);
        sv.first_event = static_cast<std::uint32_t>(out->size());
        for (auto er : arr) {
          if (sv.n == limits.max_array_elements) return reject_reason::too_many_elements;
          ondemand::value ev;
          if (auto e = std::move(er).get(ev)) return from_simdjson(e);
          ondemand::json_type et;
          if (auto r = type_of(ev, et)) return r;
          if (et != jt::object) return reject_reason::wrong_type;
          ondemand::object o;
          if (auto e = ev.get_object().get(o)) return from_simdjson(e);
          element.reset();
          if (auto r = walk_object(o, element, level::element)) return r;
          fill_element_event(element, out->emplace_back(event_kind::attendance));
          ++sv.n;
        }
        return ok;
      }
    }
    return ok;
  }

  static void fill_element_event(const field_bag& e, normalized_event& ev) {
    ev.user_id = e.str(slot::user_id);
    ev.corp_id = e.str(slot::corp_id);
    ev.event_id = e.str(slot::biz_id);
    ev.ts_ms = e.num(slot::check_time);
    ev.latitude = e.coord(slot::latitude);
    ev.longitude = e.coord(slot::longitude);
    ev.address = e.str(slot::address);
    ev.location_outside = e.str(slot::location_result) == "Outside";
    ev.location_method = e.str(slot::location_method);
    ev.device = e.str(slot::device_sn);
  }

  // ---- documents -----------------------------------------------------------------

  // Validates a value no shape reads (non-object top levels), bounded by the depth scan.
  result validate(ondemand::value v) {
    ondemand::json_type t;
    if (auto r = type_of(v, t)) return r;
    switch (t) {
      case ondemand::json_type::object: {
        ondemand::object o;
        if (auto e = v.get_object().get(o)) return from_simdjson(e);
        for (auto fr : o) {
          ondemand::field f;
          if (auto e = std::move(fr).get(f)) return from_simdjson(e);
          std::string_view k;
          if (auto e = f.unescaped_key().get(k)) return from_simdjson(e);
          if (auto r = validate(f.value())) return r;
        }
        return ok;
      }
      case ondemand::json_type::array: {
        ondemand::array a;
        if (auto e = v.get_array().get(a)) return from_simdjson(e);
        for (auto er : a) {
          ondemand::value ev;
          if (auto e = std::move(er).get(ev)) return from_simdjson(e);
          if (auto r = validate(ev)) return r;
        }
        return ok;
      }
      case ondemand::json_type::number: {
        double d;
        if (v.get_double().get(d)) return reject_reason::malformed_json;
        return ok;
      }
      case ondemand::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return from_simdjson(e);
        return ok;
      }
      case ondemand::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return from_simdjson(e);
        return ok;
      }
      case ondemand::json_type::null:
        return expect_null(v);
    }
    return ok;
  }

  // Parses `text` (followed by k_record_padding readable bytes) into `bag`. A non-object
  // top level that is valid JSON yields `unknown_shape` (or `wrong_type` for Stream data).
  result parse_document(ondemand::parser& p, std::string_view text, field_bag& bag, level lv) {
    const simdjson::padded_string_view json(text.data(), text.size(), text.size() + k_record_padding);
    result r = walk_document(p, json, bag, lv);
    if (r == reject_reason::invalid_utf8) return detail::check_utf8(text).value_or(reject_reason::invalid_utf8);
    if (r == reject_reason::malformed_json) return detail::classify_syntax_error(text);
    return r;
  }

  result walk_document(ondemand::parser& p, const simdjson::padded_string_view& json,
                       field_bag& bag, level lv) {
    ondemand::document doc;
    if (auto e = p.iterate(json).get(doc)) return from_simdjson(e);
    ondemand::json_type t;
    if (auto e = doc.type().get(t)) return from_simdjson(e);
    if (t == ondemand::json_type::object) {
      ondemand::object obj;
      if (auto e = doc.get_object().get(obj)) return from_simdjson(e);
      if (auto r = walk_object(obj, bag, lv)) return r;
    } else if (t == ondemand::json_type::array) {
      ondemand::array arr;
      if (auto e = doc.get_array().get(arr)) return from_simdjson(e);
      for (auto er : arr) {
        ondemand::value ev;
        if (auto e = std::move(er).get(ev)) return from_simdjson(e);
        if (auto r = validate(ev)) return r;
      }
    } else {
      // Scalar top level: the root getters check the whole document.
      simdjson::error_code e = simdjson::SUCCESS;
      switch (t) {
        case ondemand::json_type::number: {
          double d;
          e = doc.get_double().get(d);
          break;
        }
        case ondemand::json_type::string: {
          std::string_view s;
          e = doc.get_string().get(s);
          break;
        }
        case ondemand::json_type::boolean: {
          bool b;
          e = doc.get_bool().get(b);
          break;
        }
        default: {
          bool n = false;
          e = doc.is_null().get(n);
          if (!e && !n) e = simdjson::TAPE_ERROR;
          break;
        }
      }
      if (e) return reject_reason::malformed_json;
    }
    // Anything after the top-level value (`{}{}`, `{} x`) is not one document.
    const char* loc = nullptr;
    if (!doc.current_location().get(loc)) return reject_reason::malformed_json;
    if (t != ondemand::json_type::object) return lv == level::data ? reject_reason::wrong_type
                                                                   : reject_reason::unknown_shape;
    return ok;
  }

  // Stream `data` given as a string: its own document, checked like a record.
  result parse_data_string(std::string_view text) {
    if (detail::is_blank(text)) return ok;  // "data": "" carries nothing
    if (std::memchr(text.data(), 0, text.size()) != nullptr) return reject_reason::malformed_json;
    if (limits.max_depth == 0 || detail::exceeds_depth(text, limits.max_depth - 1))
      return reject_reason::too_deep;
    return parse_document(data_parser, text, inner, level::data);
  }

  // ---- shapes --------------------------------------------------------------------

  // HTTP-push events and Stream envelopes: `h` holds envelope/header fields, `p` the
  // payload (the same bag for HTTP push).
  result build_event(const field_bag& h, const field_bag& p, const raw_record& rec) {
    const std::string_view type = first_of(h.str(slot::event_type), p.str(slot::event_type));
    if (type.empty()) return reject_reason::missing_field;
    const event_kind kind = detail::kind_from_event_type(type);
    const std::string_view corp =
        first_of(h.str(slot::event_corp_id), p.str(slot::corp_id), h.str(slot::corp_id));
    if (kind == event_kind::attendance) return fan_out(h, p, type, corp, rec);

    normalized_event& ev = begin_event(kind);
    ev.type = type;
    ev.corp_id = corp;
    ev.event_id = first_of(h.str(slot::event_id), p.str(slot::event_id),
                           first_of(p.str(slot::process_instance_id), p.str(slot::biz_id)));
    std::int64_t ts = first_ts(p.num(slot::time_stamp), p.num(slot::event_time));
    if (ev.kind == event_kind::approval)
      ts = first_ts(first_ts(p.num(slot::finish_time), p.num(slot::create_time)), ts);
    ts = first_ts(ts, first_ts(h.num(slot::event_born_time), h.num(slot::time_stamp)));
    ev.ts_ms = ts;

    const std::string_view target = p.str(slot::user_id);
    ev.target_user = target;
    ev.target_count = p.count(slot::user_id);
    if (ev.target_count == 0) ev.target_count = p.count(slot::dept_id);
    ev.chat_id = first_of(p.str(slot::chat_id), p.str(slot::open_conversation_id));
    ev.title = p.str(slot::title);

    switch (ev.kind) {
      case event_kind::org_change:
        ev.operator_id = p.str(slot::opt_staff_id);
        ev.user_id = first_of(ev.operator_id, target);
        break;
      case event_kind::chat:
        ev.operator_id = first_of(p.str(slot::operator_), p.str(slot::opt_staff_id));
        ev.user_id = first_of(ev.operator_id, target);
        break;
      case event_kind::approval:
        ev.user_id = first_of(p.str(slot::staff_id), target);
        ev.process_code = p.str(slot::process_code);
        ev.process_status = p.str(slot::type);
        ev.process_result = p.str(slot::result);
        break;
      default:
        ev.operator_id = p.str(slot::opt_staff_id);
        ev.user_id = first_of(p.str(slot::staff_id), p.str(slot::operator_),
                              first_of(ev.operator_id, target));
        break;
    }
    if (ev.ts_ms == k_absent) return reject_reason::missing_field;
    if (ev.corp_id.empty() && ev.user_id.empty()) return reject_reason::missing_field;
    return finish(ev, rec, source_topic::events);
  }

  // attendance_check_record: the dataList elements already sit in `out`; complete them.
  result fan_out(const field_bag& h, const field_bag& p, std::string_view type,
                 std::string_view corp, const raw_record& rec) {
    const std::size_t n = p.count(slot::data_list);
    if (n == 0) return reject_reason::missing_field;
    // Keep only this dataList's elements (a stray root-level dataList may precede them).
    const std::size_t from = p.at_const(slot::data_list).first_event;
    if (from != out_start)
      std::move(out->begin() + static_cast<std::ptrdiff_t>(from),
                out->begin() + static_cast<std::ptrdiff_t>(from + n),
                out->begin() + static_cast<std::ptrdiff_t>(out_start));
    out->resize(out_start + n);
    const std::size_t first = out_start;
    const std::string_view fallback_id =
        first_of(h.str(slot::event_id), p.str(slot::event_id), p.str(slot::biz_id));
    for (std::size_t i = first; i < out->size(); ++i) {
      normalized_event& ev = (*out)[i];
      if (ev.ts_ms == k_absent || ev.user_id.empty()) return reject_reason::missing_field;
      ev.type = type;
      if (ev.corp_id.empty()) ev.corp_id = corp;
      if (ev.event_id.empty()) ev.event_id = fallback_id;
      ev.raw = rec.bytes;
      ev.ref = rec.ref;
      if (ev.ref.topic == source_topic::unknown) ev.ref.topic = source_topic::events;
    }
    return ok;
  }

  // A fresh event of `kind` at the end of `out`, after dropping elements of a dataList
  // that this shape does not use. On a later failure decode() rolls `out` back.
  // Constructed as `normalized_event(kind)` (C++20 parenthesised aggregate init): every
  // other member gets its default initializer once. `emplace_back()` would value-
  // initialise, which zero-fills all ~500 bytes (rep stos) before storing the defaults.
  normalized_event& begin_event(event_kind kind) {
    out->resize(out_start);
    return out->emplace_back(kind);
  }

  result finish(normalized_event& ev, const raw_record& rec, source_topic family) {
    ev.raw = rec.bytes;
    ev.ref = rec.ref;
    if (ev.ref.topic == source_topic::unknown) ev.ref.topic = family;
    return ok;
  }

  static audit_action action_of(const field_bag& b, std::string_view label) {
    audit_action a = detail::action_from_label(label);
    if (a != audit_action::none && a != audit_action::other) return a;
    if (b.has(slot::action) && b.at_const(slot::action).n == 1) return detail::action_from_code(b.num(slot::action));
    return a;
  }

  result build_audit_camel(const field_bag& b, const raw_record& rec) {
    normalized_event& ev = begin_event(event_kind::audit);
    ev.ts_ms = b.num(slot::gmt_create);
    ev.user_id = b.str(slot::user_id);
    if (ev.ts_ms == k_absent || ev.user_id.empty()) return reject_reason::missing_field;
    ev.event_id = b.str(slot::biz_id);
    ev.type = first_of(b.str(slot::action_view), b.str(slot::action));
    const bool code = b.has(slot::action) && b.at_const(slot::action).n == 1;
    ev.action = action_of(b, first_of(b.str(slot::action_view), code ? std::string_view{} : b.str(slot::action)));
    ev.user_name = first_of(b.str(slot::real_name), b.str(slot::operator_name));
    ev.corp_id = b.str(slot::corp_id);
    ev.ip = b.str(slot::ip_address);
    ev.platform = platform_of(b, b.str(slot::platform_view));
    ev.resource = b.str(slot::resource);
    ev.resource_ext = b.str(slot::resource_extension);
    ev.resource_size = b.num(slot::resource_size);
    ev.receiver_type = b.str(slot::receiver_type_view);
    ev.receiver_name = b.str(slot::receiver_name);
    ev.module = b.str(slot::operate_module_view);
    ev.target_count = b.count(slot::doc_receiver_list);
    return finish(ev, rec, source_topic::audit);
  }

  result build_audit_snake(const field_bag& b, const raw_record& rec) {
    normalized_event& ev = begin_event(event_kind::audit);
    ev.ts_ms = b.num(slot::gmt_create_s);
    ev.user_id = b.str(slot::emp_id);
    if (ev.ts_ms == k_absent || ev.user_id.empty()) return reject_reason::missing_field;
    ev.event_id = b.str(slot::biz_id_s);
    const bool code = b.has(slot::action) && b.at_const(slot::action).n == 1;
    ev.type = b.str(slot::action);
    ev.action = action_of(b, code ? std::string_view{} : b.str(slot::action));
    ev.user_name = b.str(slot::operator_name_s);
    ev.corp_id = b.str(slot::corp_id);
    ev.ip = b.str(slot::ip_address_s);
    ev.platform = platform_of(b, b.str(slot::browser));
    ev.resource = b.str(slot::resource);
    ev.resource_ext = b.str(slot::resource_extension);
    ev.resource_size = b.num(slot::resource_size);
    return finish(ev, rec, source_topic::audit);
  }

  // platformView / a string `platform` / a known numeric code / `fallback`.
  std::string_view platform_of(const field_bag& b, std::string_view fallback) {
    if (!b.has(slot::platform)) return fallback;
    const slot_value& pv = b.at_const(slot::platform);
    if (pv.n != 1) return first_of(pv.s, fallback);  // a label
    if (!b.str(slot::platform_view).empty()) return b.str(slot::platform_view);
    const std::string_view name = detail::platform_from_code(pv.i);
    return name.empty() ? pv.s : arena->copy(name);
  }

  result build_getupdatedata(const field_bag& b, const raw_record& rec) {
    normalized_event& ev = begin_event(event_kind::attendance);
    ev.ts_ms = b.num(slot::user_check_time);
    ev.user_id = b.str(slot::userid);
    if (ev.ts_ms == k_absent || ev.user_id.empty()) return reject_reason::missing_field;
    ev.type = b.str(slot::check_type);
    ev.event_id = b.str(slot::record_id);
    ev.corp_id = b.str(slot::corp_id);
    ev.latitude = b.coord(slot::user_latitude);
    ev.longitude = b.coord(slot::user_longitude);
    ev.address = b.str(slot::user_address);
    ev.location_outside = b.str(slot::location_result_s) == "Outside";
    ev.location_method = b.str(slot::source_type);
    ev.device = b.str(slot::user_mac_addr);
    return finish(ev, rec, source_topic::audit);
  }

  result build_flow(const field_bag& b, const raw_record& rec) {
    normalized_event& ev = begin_event(event_kind::flow);
    ev.ts_ms = b.num(slot::ts);
    ev.user_id = b.str(slot::user_id);
    if (ev.ts_ms == k_absent || ev.user_id.empty()) return reject_reason::missing_field;
    ev.type = b.str(slot::app);
    ev.app = ev.type;
    ev.corp_id = b.str(slot::corp_id);
    ev.dst_host = b.str(slot::dst_host);
    ev.dst_ip = b.str(slot::dst_ip);
    ev.tls_version = b.str(slot::tls_version);
    if (b.num(slot::dst_port) != k_absent) ev.dst_port = static_cast<std::int32_t>(b.num(slot::dst_port));
    ev.bytes_out = b.num(slot::bytes_out);
    ev.records = b.num(slot::records);
    return finish(ev, rec, source_topic::flows);
  }

  result decode_record(const raw_record& rec) {
    const std::string_view text = rec.bytes;
    if (text.size() > limits.max_record_bytes) return reject_reason::oversized;
    if (detail::is_blank(text)) return reject_reason::empty;
    if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
        static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
      return reject_reason::malformed_json;
    // UTF-8 is validated by simdjson's stage 1 (UTF8_ERROR); see parse_document.
    bool has_nul = false;
    const std::size_t openers = detail::count_openers(text, has_nul);
    if (has_nul) return reject_reason::malformed_json;
    if (detail::exceeds_depth(text, limits.max_depth, openers)) return reject_reason::too_deep;

    root.reset();
    inner.reset();
    if (auto r = parse_document(parser, text, root, level::root)) return r;

    using s = slot;
    if (root.any({s::headers, s::spec_version})) {
      if (root.has(s::data) && root.at_const(s::data).n == 0 && !root.str(s::data).empty()) {
        if (auto r = parse_data_string(root.str(s::data))) return r;
      }
      return build_event(root, inner, rec);
    }
    if (root.has(s::event_type)) return build_event(root, root, rec);
    if (root.any({s::biz_id_s, s::gmt_create_s, s::emp_id, s::ip_address_s, s::operator_name_s}))
      return build_audit_snake(root, rec);
    if (root.any({s::user_check_time, s::record_id, s::userid, s::user_latitude, s::user_longitude,
                  s::location_result_s, s::user_mac_addr}))
      return build_getupdatedata(root, rec);
    if (root.any({s::gmt_create, s::biz_id, s::action, s::action_view, s::ip_address, s::resource,
                  s::resource_size, s::operate_module_view, s::real_name, s::platform_view,
                  s::doc_member_list, s::doc_receiver_list}))
      return build_audit_camel(root, rec);
    if (root.any({s::dst_host, s::dst_ip, s::dst_port, s::bytes_out, s::tls_version, s::app}))
      return build_flow(root, rec);
    return reject_reason::unknown_shape;
  }
};

dingtalk_decoder::dingtalk_decoder(decode_limits limits) : impl_(std::make_unique<impl>(limits)) {}
dingtalk_decoder::~dingtalk_decoder() = default;
dingtalk_decoder::dingtalk_decoder(dingtalk_decoder&&) noexcept = default;
dingtalk_decoder& dingtalk_decoder::operator=(dingtalk_decoder&&) noexcept = default;

std::optional<reject_reason> dingtalk_decoder::decode(const raw_record& rec, string_arena& arena,
                                                      std::vector<normalized_event>& out) {
  impl& d = *impl_;
  d.arena = &arena;
  d.out = &out;
  d.out_start = out.size();
  result r = d.decode_record(rec);
  if (r) out.resize(d.out_start);  // roll back a partial fan-out
  return r;
}

source_topic guess_topic(std::string_view json) noexcept {
  const auto has = [json](std::string_view key) { return json.find(key) != std::string_view::npos; };
  if (has("\"EventType\"") || has("\"specVersion\"") || has("\"eventType\"")) return source_topic::events;
  if (has("\"gmtCreate\"") || has("\"bizId\"") || has("\"gmt_create\"") || has("\"biz_id\"") ||
      has("\"user_check_time\"") || has("\"actionView\""))
    return source_topic::audit;
  if (has("\"dstHost\"") || has("\"dstIp\"") || has("\"bytesOut\"")) return source_topic::flows;
  return source_topic::unknown;
}

}  // namespace dingwatch
