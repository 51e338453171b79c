#pragma once
/// The normalized event model: one shape for every DingTalk record dingwatch reads.
///
/// Decoders (ingest/) turn each input shape — HTTP-push events, Stream-mode envelopes,
/// approval and attendance events, audit-log items in both casings, `getupdatedata`
/// attendance rows and gateway flow records — into `normalized_event`s. Every string
/// field is a `std::string_view` into memory owned by the record batch the event came
/// from (the record bytes, or the batch's string arena for unescaped strings), so an
/// event is valid exactly as long as its batch. Absent strings are empty views, absent
/// numbers are the `k_absent` sentinel, absent coordinates are NaN.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

#include "dingwatch/core/hash.hpp"

namespace dingwatch {

/// Sentinel for an integer field the record did not carry.
inline constexpr std::int64_t k_absent = std::numeric_limits<std::int64_t>::min();

/// The Kafka topic family a record arrived on (or was guessed to belong to offline).
enum class source_topic : std::uint8_t { events, audit, flows, unknown };

/// Coarse kind of a decoded event; detectors switch on it before looking at fields.
enum class event_kind : std::uint8_t {
  org_change,  ///< user_add_org, user_leave_org, org_admin_add, org_dept_* …
  chat,        ///< chat_* events (members, titles, disband …)
  approval,    ///< bpms_instance_change / bpms_task_change
  attendance,  ///< one attendance check (dataList element or getupdatedata row)
  audit,       ///< enterprise audit-log item (ListAuditLog)
  flow,        ///< egress record from the company's gateway
  generic,     ///< any other event type: kept, not rejected
};

/// Canonical audit action, mapped from `action` codes and `actionView` labels.
enum class audit_action : std::uint8_t {
  none,
  view,
  download,
  export_data,
  share,
  upload,
  remove,
  edit,
  print,
  login,
  login_failed,
  permission_change,
  other,
};

/// Where the evidence for an event lives: topic index, partition and offset.
struct event_ref {
  source_topic topic = source_topic::unknown;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

/// One decoded DingTalk event. Trivially copyable; views borrow from the batch.
struct normalized_event {
  event_kind kind = event_kind::generic;
  audit_action action = audit_action::none;
  bool location_outside = false;  ///< attendance `locationResult: Outside`

  std::int64_t ts_ms = k_absent;  ///< event time, epoch milliseconds UTC

  std::string_view type;         ///< EventType / eventType / actionView / flow app
  std::string_view event_id;     ///< eventId / bizId / biz_id / record_id / processInstanceId
  std::string_view corp_id;
  std::string_view user_id;      ///< the acting user (userId, staffId, emp_id, Operator …)
  std::string_view user_name;    ///< realName / operatorName (personal data: mask before quoting)
  std::string_view operator_id;  ///< OptStaffId: who performed an org change on `target_user`
  std::string_view target_user;  ///< first entry of UserId[] for org/chat events
  std::uint32_t target_count = 0;

  // Where and how (audit, attendance).
  std::string_view ip;
  std::string_view platform;  ///< platformView / platform / browser
  std::string_view device;    ///< deviceSN, user_mac_addr

  // What (audit, approval, chat).
  std::string_view resource;  ///< file name or document title
  std::string_view resource_ext;
  std::int64_t resource_size = k_absent;
  std::string_view receiver_type;  ///< receiverTypeView (e.g. 群)
  std::string_view receiver_name;
  std::string_view module;  ///< operateModuleView (e.g. 釘盤)
  std::string_view chat_id;
  std::string_view title;  ///< chat title or approval title
  std::string_view process_code;
  std::string_view process_status;  ///< bpms `type`: start / finish / terminate
  std::string_view process_result;  ///< bpms `result`: agree / refuse

  // Attendance.
  double latitude = std::numeric_limits<double>::quiet_NaN();
  double longitude = std::numeric_limits<double>::quiet_NaN();
  std::string_view address;
  std::string_view location_method;  ///< MAP / WIFI / ATM / USER …

  // Egress flows.
  std::string_view app;  ///< smart_hr_sync, robot_webhook, event_push, file_upload …
  std::string_view dst_host;
  std::string_view dst_ip;
  std::string_view tls_version;
  std::int32_t dst_port = -1;
  std::int64_t bytes_out = k_absent;
  std::int64_t records = k_absent;

  // Jurisdictions: filled by the enrichment step (detectors/jurisdiction.hpp) on the
  // shard thread before detection. Countries are ISO 3166-1 alpha-2 codes and network
  // kinds (isp, mobile, cloud, hosting, anonymizer, private) are static strings; the area
  // name views into the jurisdiction resolver, which outlives the pipeline. Empty: unknown.
  std::string_view source_country;       ///< of `ip`
  std::string_view source_network;       ///< of `ip`
  std::string_view destination_country;  ///< of `dst_ip`, else of `dst_host`
  std::string_view destination_network;  ///< of `dst_ip`, else of `dst_host`
  std::string_view geo_country;          ///< of (latitude, longitude)
  std::string_view geo_area;             ///< the area containing (latitude, longitude)

  std::string_view raw;  ///< the whole original record
  event_ref ref;
  std::int64_t ingest_ms = 0;  ///< set by the pipeline: when the record entered Kafka (or was read)

  /// True when both coordinates are present.
  [[nodiscard]] bool has_location() const noexcept {
    return !std::isnan(latitude) && !std::isnan(longitude);
  }
  /// The key the pipeline shards by: the user the event is about (the target of an org
  /// change, else `user_id`), so one user's events, audit items and org changes meet.
  [[nodiscard]] std::uint64_t shard_key() const noexcept;
};

/// Stable names for logs, metrics labels and JSON.
std::string_view to_string(source_topic t) noexcept;
std::string_view to_string(event_kind k) noexcept;
std::string_view to_string(audit_action a) noexcept;

/// The topic family for a Kafka topic name (`dingtalk.audit` → audit); unknown otherwise.
source_topic topic_from_name(std::string_view name) noexcept;

}  // namespace dingwatch
