#include "decode_support.hpp"

#include "dingwatch/core/time.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace dingwatch::detail {

namespace {

constexpr std::int64_t k_min_ms = 946684800000LL;   // 2000-01-01T00:00:00Z
constexpr std::int64_t k_max_ms = 4102444800000LL;  // 2100-01-01T00:00:00Z
constexpr std::int64_t k_min_s = k_min_ms / 1000;
constexpr std::int64_t k_max_s = k_max_ms / 1000;

constexpr bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool contains(std::string_view hay, std::string_view needle) noexcept {
  return hay.find(needle) != std::string_view::npos;
}

bool contains_icase_ascii(std::string_view hay, std::string_view lower_needle) noexcept {
  if (lower_needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + lower_needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    for (; j < lower_needle.size(); ++j) {
      char c = hay[i + j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != lower_needle[j]) break;
    }
    if (j == lower_needle.size()) return true;
  }
  return false;
}

}  // namespace

namespace {

// '[' (0x5B) | 0x20 == '{' (0x7B), and no other byte maps to 0x7B.
std::size_t count_openers_sse2(std::string_view s, bool& has_nul) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t count = 0, i = 0;
#if defined(__SSE2__)
  const __m128i brace = _mm_set1_epi8('{');
  const __m128i bit = _mm_set1_epi8(0x20);
  const __m128i zero = _mm_setzero_si128();
  __m128i nul = zero;
  while (i + 16 <= n) {
    // Byte lanes count down by one per match (cmpeq yields -1); flush before they wrap.
    __m128i acc = zero;
    const std::size_t stop = std::min(n - (n - i) % 16, i + 16 * 255);
    for (; i < stop; i += 16) {
      const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      nul = _mm_or_si128(nul, _mm_cmpeq_epi8(raw, zero));
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_or_si128(raw, bit), brace));
    }
    const __m128i sums = _mm_sad_epu8(acc, zero);
    count += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) +
             static_cast<std::size_t>(_mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums)));
  }
  has_nul = _mm_movemask_epi8(nul) != 0;
#else
  has_nul = false;
#endif
  for (; i < n; ++i) {
    count += (p[i] | 0x20) == '{';
    has_nul |= p[i] == 0;
  }
  return count;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define DW_HAVE_AVX512_SCAN 1
// 64 bytes per step; the tail is a masked load, which never touches bytes past the end.
__attribute__((target("avx512f,avx512bw,popcnt,bmi2"))) std::size_t count_openers_avx512(
    std::string_view s, bool& has_nul) noexcept {
  const char* p = s.data();
  const std::size_t n = s.size();
  const __m512i brace = _mm512_set1_epi8('{');
  const __m512i bit = _mm512_set1_epi8(0x20);
  const __m512i zero = _mm512_setzero_si512();
  std::size_t count = 0, i = 0;
  __mmask64 nul = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i raw = _mm512_loadu_si512(p + i);
    nul |= _mm512_cmpeq_epi8_mask(raw, zero);
    count += static_cast<std::size_t>(
        _mm_popcnt_u64(_mm512_cmpeq_epi8_mask(_mm512_or_si512(raw, bit), brace)));
  }
  if (i < n) {
    const __mmask64 live = _bzhi_u64(~std::uint64_t{0}, static_cast<unsigned>(n - i));
    const __m512i raw = _mm512_maskz_loadu_epi8(live, p + i);
    nul |= _mm512_mask_cmpeq_epi8_mask(live, raw, zero);
    count += static_cast<std::size_t>(
        _mm_popcnt_u64(_mm512_mask_cmpeq_epi8_mask(live, _mm512_or_si512(raw, bit), brace)));
  }
  has_nul = nul != 0;
  return count;
}
#endif

using count_fn = std::size_t (*)(std::string_view, bool&) noexcept;

count_fn pick_count_openers() noexcept {
#if defined(DW_HAVE_AVX512_SCAN)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi2") &&
      __builtin_cpu_supports("popcnt"))
    return count_openers_avx512;
#endif
  return count_openers_sse2;
}

}  // namespace

std::size_t count_openers(std::string_view s, bool& has_nul) noexcept {
  static const count_fn impl = pick_count_openers();  // CPU dispatch, resolved once
  return impl(s, has_nul);
}

bool is_blank(std::string_view s) noexcept {
  for (char c : s)
    if (!is_ws(c)) return false;
  return true;
}

bool exceeds_depth(std::string_view s, std::size_t max_depth) noexcept {
  bool nul = false;
  return exceeds_depth(s, max_depth, count_openers(s, nul));
}

bool exceeds_depth(std::string_view s, std::size_t max_depth, std::size_t openers) noexcept {
  // Fast path: the byte count of openers bounds the depth.
  if (openers <= max_depth) return false;

  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (++depth > max_depth) return true;
        break;
      case '}':
      case ']':
        if (depth) --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

reject_reason classify_syntax_error(std::string_view s) noexcept {
  std::int64_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        if (++i == s.size()) return reject_reason::truncated;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) return reject_reason::malformed_json;
    }
  }
  if (in_string || depth > 0) return reject_reason::truncated;
  return reject_reason::malformed_json;
}

std::optional<reject_reason> check_utf8(std::string_view s) noexcept {
  if (simdjson::validate_utf8(s.data(), s.size())) return std::nullopt;
  // Is the only problem an incomplete sequence at the end (a cut record)?
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
    const unsigned char c = p[n - back];
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    std::size_t need = 0;
    if ((c & 0xE0) == 0xC0) need = 2;
    else if ((c & 0xF0) == 0xE0) need = 3;
    else if ((c & 0xF8) == 0xF0) need = 4;
    if (need > back && simdjson::validate_utf8(s.data(), n - back)) return reject_reason::truncated;
    break;
  }
  return reject_reason::invalid_utf8;
}

conv epoch_ms_from_int(std::int64_t v, std::int64_t& ms) noexcept {
  if (v == 0) return conv::absent;
  if (v >= k_min_s && v < k_max_s) {
    ms = v * 1000;
    return conv::ok;
  }
  if (v >= k_min_ms && v < k_max_ms) {
    ms = v;
    return conv::ok;
  }
  return conv::bad;
}

conv epoch_ms_from_double(double v, std::int64_t& ms) noexcept {
  if (!std::isfinite(v)) return conv::bad;
  if (v == 0) return conv::absent;
  if (v >= static_cast<double>(k_min_s) && v < static_cast<double>(k_max_s)) {
    ms = static_cast<std::int64_t>(std::llround(v * 1000.0));
    return conv::ok;
  }
  if (v >= static_cast<double>(k_min_ms) && v < static_cast<double>(k_max_ms)) {
    ms = static_cast<std::int64_t>(std::llround(v));
    return conv::ok;
  }
  return conv::bad;
}

conv int_from_string(std::string_view s, std::int64_t& v) noexcept {
  if (s.empty()) return conv::absent;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && ptr == s.data() + s.size() ? conv::ok : conv::bad;
}

conv double_from_string(std::string_view s, double& v) noexcept {
  if (s.empty()) return conv::absent;
  const auto [ptr, ec] =
      std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  return ec == std::errc{} && ptr == s.data() + s.size() && std::isfinite(v) ? conv::ok
                                                                            : conv::bad;
}

conv epoch_ms_from_string(std::string_view s, std::int64_t& ms) noexcept {
  if (s.empty()) return conv::absent;
  std::int64_t i = 0;
  switch (int_from_string(s, i)) {
    case conv::ok:
      return epoch_ms_from_int(i, ms);
    case conv::absent:
      return conv::absent;
    case conv::bad:
      break;
  }
  double d = 0;
  if (double_from_string(s, d) == conv::ok) return epoch_ms_from_double(d, ms);
  return conv::bad;
}

conv epoch_ms_from_macau_local(std::string_view s, std::int64_t& ms) noexcept {
  if (s.size() != 19 && s.size() != 23) return epoch_ms_from_string(s, ms);
  std::int64_t v = 0;
  if (!parse_macau_local(s.data(), s.size(), v) || v < k_min_ms || v >= k_max_ms) return conv::bad;
  ms = v;
  return conv::ok;
}

audit_action action_from_label(std::string_view l) noexcept {
  if (l.empty()) return audit_action::none;
  // Fast path: the labels DingTalk actually sends, matched whole.
  struct exact {
    std::string_view label;
    audit_action action;
  };
  static constexpr std::array<exact, 22> k_exact = {{
      {"查看", audit_action::view},        {"預覽", audit_action::view},
      {"预览", audit_action::view},        {"下載", audit_action::download},
      {"下载", audit_action::download},    {"導出", audit_action::export_data},
      {"导出", audit_action::export_data}, {"分享", audit_action::share},
      {"共享", audit_action::share},       {"上傳", audit_action::upload},
      {"上传", audit_action::upload},      {"刪除", audit_action::remove},
      {"删除", audit_action::remove},      {"編輯", audit_action::edit},
      {"编辑", audit_action::edit},        {"打印", audit_action::print},
      {"登錄", audit_action::login},       {"登录", audit_action::login},
      {"登錄失敗", audit_action::login_failed}, {"登录失败", audit_action::login_failed},
      {"權限變更", audit_action::permission_change}, {"权限变更", audit_action::permission_change},
  }};
  if (l.size() == 6 || l.size() == 12)
    for (const exact& e : k_exact)
      if (e.label == l) return e.action;
  // Order matters: "登錄失敗" contains "登錄", "修改權限" contains "修改".
  if (contains(l, "登錄失敗") || contains(l, "登录失败") || contains(l, "登入失敗") ||
      contains_icase_ascii(l, "login fail") || contains_icase_ascii(l, "login_fail"))
    return audit_action::login_failed;
  if (contains(l, "權限") || contains(l, "权限") || contains_icase_ascii(l, "permission"))
    return audit_action::permission_change;
  if (contains(l, "導出") || contains(l, "导出") || contains(l, "匯出") ||
      contains_icase_ascii(l, "export"))
    return audit_action::export_data;
  if (contains(l, "下載") || contains(l, "下载") || contains_icase_ascii(l, "download"))
    return audit_action::download;
  if (contains(l, "上傳") || contains(l, "上传") || contains_icase_ascii(l, "upload"))
    return audit_action::upload;
  if (contains(l, "分享") || contains(l, "共享") || contains(l, "轉發") || contains(l, "转发") ||
      contains_icase_ascii(l, "share"))
    return audit_action::share;
  if (contains(l, "刪除") || contains(l, "删除") || contains_icase_ascii(l, "delete") ||
      contains_icase_ascii(l, "remove"))
    return audit_action::remove;
  if (contains(l, "打印") || contains(l, "列印") || contains_icase_ascii(l, "print"))
    return audit_action::print;
  if (contains(l, "編輯") || contains(l, "编辑") || contains(l, "修改") ||
      contains_icase_ascii(l, "edit") || contains_icase_ascii(l, "modify"))
    return audit_action::edit;
  if (contains(l, "查看") || contains(l, "預覽") || contains(l, "预览") || contains(l, "瀏覽") ||
      contains(l, "浏览") || contains(l, "打開") || contains(l, "打开") ||
      contains_icase_ascii(l, "view") || contains_icase_ascii(l, "open"))
    return audit_action::view;
  if (contains(l, "登錄") || contains(l, "登录") || contains(l, "登入") ||
      contains_icase_ascii(l, "login") || contains_icase_ascii(l, "log in"))
    return audit_action::login;
  return audit_action::other;
}

audit_action action_from_code(std::int64_t code) noexcept {
  switch (code) {
    case 1: return audit_action::view;
    case 2: return audit_action::edit;
    case 3: return audit_action::share;
    case 4: return audit_action::upload;
    case 5: return audit_action::download;
    case 6: return audit_action::remove;
    case 7: return audit_action::export_data;
    case 8: return audit_action::print;
    case 9: return audit_action::permission_change;
    case 10: return audit_action::login;
    case 11: return audit_action::login_failed;
    default: return audit_action::other;
  }
}

std::string_view platform_from_code(std::int64_t code) noexcept {
  switch (code) {
    case 1: return "PC";
    case 2: return "Android";
    case 3: return "iOS";
    case 4: return "Mac";
    case 5: return "Web";
    default: return {};
  }
}

event_kind kind_from_event_type(std::string_view t) noexcept {
  if (t.starts_with("chat_")) return event_kind::chat;
  if (t.starts_with("bpms_")) return event_kind::approval;
  if (t == "attendance_check_record") return event_kind::attendance;
  if (t.starts_with("org_") || t.starts_with("label_") ||
      (t.starts_with("user_") && t.ends_with("_org")))
    return event_kind::org_change;
  return event_kind::generic;
}

}  // namespace dingwatch::detail
