#pragma once
/// Decoders for every DingTalk record shape dingwatch reads (see docs and
/// /work/shared/DESIGN.md, "Inputs"). One `dingtalk_decoder` handles all three topic
/// families: it recognises the shape from the keys present, not from the topic.
///
/// ## Pipeline per record (cheap checks first, all error-code based, no exceptions)
///   1. `oversized`  — `bytes.size() > max_record_bytes` (before touching the bytes)
///   2. `empty`      — zero length or only JSON whitespace
///   3. `malformed_json` — UTF-8 BOM prefix (RFC 8259 §8.1: senders MUST NOT add one),
///                     or a raw NUL byte anywhere (never legal JSON)
///   4. `too_deep`   — nesting pre-scan, one SSE2 pass shared with the NUL check: if the
///                     record holds no more `{`/`[` bytes than `max_depth` it cannot be
///                     too deep (the common case); otherwise a string-aware depth scan
///   5. `invalid_utf8` — simdjson's stage 1 validates UTF-8 while indexing; an incomplete
///                     sequence at the very end is reported as `truncated` instead
///   6. simdjson on-demand walk of the top-level object; each known key is decoded with
///      the type its shape allows. Syntax errors are `truncated` when the text ends
///      inside a string or with unclosed brackets, else `malformed_json`. Content after
///      the top-level value is `malformed_json`. A known key that appears twice in one
///      object (after first-letter case folding: `CorpId` ≡ `corpId`) is
///      `malformed_json`: parsers disagree on which copy wins, which lets a sender show
///      a SIEM one user and the downstream system another.
///      While walking, a string field longer than `max_string_bytes` is
///      `string_too_long` and an array with more than `max_array_elements` elements is
///      `too_many_elements` (see `decode_limits`).
///   7. Shape recognition and per-shape required fields (below); valid JSON that fits
///      no shape (`[]`, `42`, `{"foo":1}`) is `unknown_shape`.
///
/// On-demand only validates what it reads: values under keys no shape knows are skipped
/// structurally, so syntax errors *inside* such values may go unnoticed.
///
/// ## Shapes, in recognition order, and their required fields (absent → `missing_field`)
/// | shape | recognised by | required |
/// |---|---|---|
/// | Stream envelope | `specVersion` or `headers` | `headers.eventType` (or `data.eventType`); a timestamp; corp or user |
/// | HTTP-push event | `EventType` | a timestamp (`TimeStamp`/`EventTime`; bpms: `finishTime`/`createTime`); corp (`CorpId`/`corpId`) or a user |
/// |  `attendance_check_record` | (event type) | non-empty `dataList`; per element `userId` and `checkTime` |
/// | audit, snake_case | `biz_id` `gmt_create` `emp_id` `ip_address` `operator_name` | `gmt_create`, `emp_id` |
/// | `getupdatedata` row | `user_check_time` `record_id` `userid` `user_latitude` … | `user_check_time`, `userid` |
/// | audit, camelCase | `bizId` `gmtCreate` `action` `actionView` `ipAddress` `resource` … | `gmtCreate`, `userId` |
/// | flow | `dstHost` `dstIp` `dstPort` `bytesOut` `tlsVersion` `app` | `ts`, `userId` |
///
/// Stream `data` is an object or a JSON string; a string is unescaped into the arena
/// with `k_record_padding` zero bytes and parsed with a second parser. An empty `data`
/// string counts as no data; a `data` string that is not an object is `wrong_type`.
///
/// ## Types
/// Timestamps: a JSON number or a numeric string, epoch ms in [2000-01-01, 2100-01-01);
/// a value in the same range in seconds (10 digits, fractions allowed) is scaled to ms;
/// `0`, `""` and `null` mean absent; anything else is `bad_timestamp`.
/// `getupdatedata`'s `user_check_time` may also be `"yyyy-MM-dd HH:mm:ss"` (optionally
/// `.SSS`) in Asia/Macau local time (UTC+8, no DST). Coordinates: number or numeric
/// string within ±90/±180, `""` is absent, else `wrong_type`. Integers (`resourceSize`,
/// `bytesOut`, `dstPort`, …): number or numeric string fitting int64 (`dstPort` ≤ 65535),
/// else `wrong_type`. `UserId`: array of strings or a single string. Ids (`bizId`,
/// `biz_id`, `eventId`, `record_id`, `processInstanceId`, `emp_id`, `userid`) may be
/// numbers. `dataList`, `docMemberList`, `docReceiverList` must be arrays, `headers` an
/// object; other string fields must be strings or null.
///
/// ## Audit actions
/// The label (`actionView`, or a string `action`) wins when it is recognised; otherwise
/// the numeric `action` code; otherwise `other`. Labels are matched as substrings in
/// Traditional and Simplified Chinese and (case-insensitive) English:
///   登錄失敗/登录失败/登入失敗/login fail → login_failed; 權限/权限/permission → permission_change;
///   導出/导出/匯出/export → export_data; 下載/下载/download → download;
///   上傳/上传/upload → upload; 分享/共享/轉發/转发/share → share; 刪除/删除/delete/remove → remove;
///   打印/列印/print → print; 編輯/编辑/修改/edit/modify → edit;
///   查看/預覽/预览/瀏覽/浏览/打開/打开/view/preview/open → view; 登錄/登录/登入/login → login.
/// Numeric `action` codes (the sample data uses 3 = 分享 and 5 = 下載):
/// | code | action | | code | action |
/// |---|---|---|---|---|
/// | 1 | view (查看) | | 7 | export_data (導出) |
/// | 2 | edit (編輯) | | 8 | print (打印) |
/// | 3 | share (分享) | | 9 | permission_change (權限變更) |
/// | 4 | upload (上傳) | | 10 | login (登錄) |
/// | 5 | download (下載) | | 11 | login_failed (登錄失敗) |
/// | 6 | remove (刪除) | | other | other |
/// Numeric `platform` codes without `platformView`: 1 PC, 2 Android, 3 iOS, 4 Mac, 5 Web
/// (copied into the arena); other codes keep their digits.
///
/// ## Field mapping highlights
/// Org events: `operator_id` = `OptStaffId`, `target_user` = `UserId[0]`, `target_count` =
/// `|UserId|` (or `|DeptId|`), `user_id` = operator, or the target when no operator.
/// Chat: `user_id` = `operator_id` = `Operator`, `chat_id` = `ChatId` or
/// `OpenConversationId`. Approval: `user_id` = `staffId`, `event_id` = `eventId` or
/// `processInstanceId`, `ts_ms` = `finishTime`, else `createTime`, else `TimeStamp`.
/// Attendance fan-out: `event_id` = element `bizId` (else the record's `eventId`/`BizId`),
/// `corp_id` = element `corpId` (else the record's). Audit: `type` = `actionView` (or the
/// string `action`), `user_name` = `realName` else `operatorName`, `target_count` =
/// `|docReceiverList|`. `getupdatedata`: `type` = `check_type`, `device` =
/// `user_mac_addr`, `location_method` = `source_type`. Flow: `type` = `app`.
/// Every view points into `rec.bytes` or into the arena.

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "dingwatch/core/decoder.hpp"
#include "dingwatch/core/event.hpp"
#include "dingwatch/core/record.hpp"
#include "dingwatch/core/reject.hpp"
#include "dingwatch/core/string_arena.hpp"

namespace dingwatch {

/// Per-record resource limits; breaking one rejects the record with its own reason.
/// They bound what one hostile record can cost: bytes scanned, recursion, the size of
/// any one field a detector or an alert may quote, and the events one record fans out to.
struct decode_limits {
  std::size_t max_record_bytes = 1u << 20;  ///< larger records are `oversized`
  std::size_t max_depth = 32;               ///< deeper nesting is `too_deep`
  /// A string field the decoder reads (as encoded, escapes included) longer than this is
  /// `string_too_long`. Stream-mode `data` strings are documents and count only against
  /// `max_record_bytes`; values under keys no shape knows are skipped, not measured.
  std::size_t max_string_bytes = 64u << 10;
  /// An array the decoder reads (`dataList`, `UserId`, `DeptId`, `docMemberList`,
  /// `docReceiverList`) with more elements is `too_many_elements`; bounds the events
  /// one `dataList` record fans out to.
  std::size_t max_array_elements = 10'000;
};

/// Decodes every DingTalk shape into `normalized_event`s. One per thread; reuses its
/// simdjson parsers, so steady-state decoding does not allocate on the heap.
class dingtalk_decoder final : public record_decoder {
 public:
  /// A decoder enforcing `limits`.
  explicit dingtalk_decoder(decode_limits limits = {});
  ~dingtalk_decoder() override;
  dingtalk_decoder(const dingtalk_decoder&) = delete;
  dingtalk_decoder& operator=(const dingtalk_decoder&) = delete;
  /// Movable (e.g. into a vector of per-shard decoders); a moved-from decoder may only
  /// be destroyed or assigned to.
  dingtalk_decoder(dingtalk_decoder&&) noexcept;
  dingtalk_decoder& operator=(dingtalk_decoder&&) noexcept;

  /// Appends the events of `rec` (several for `dataList`) to `out`; on failure appends
  /// nothing and returns the reason. `rec.bytes` must be followed by `k_record_padding`
  /// readable bytes. Never throws.
  std::optional<reject_reason> decode(const raw_record& rec, string_arena& arena,
                                      std::vector<normalized_event>& out) override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Guess a record's topic family from its shape (offline replay without --topic); unknown if none fits.
/// Looks for characteristic quoted keys only; does not parse or validate.
source_topic guess_topic(std::string_view json) noexcept;

}  // namespace dingwatch
