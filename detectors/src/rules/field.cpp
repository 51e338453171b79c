#include "dingwatch/detectors/rules/field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <iterator>
#include <vector>

#include "dingwatch/core/mask.hpp"
#include "dingwatch/core/time.hpp"

namespace dingwatch::rules {

namespace {

using ft = field_type;

/// DingTalk's receiverTypeView for a group chat (群, 群組), or an English rendering.
bool is_group_receiver(std::string_view type) noexcept {
  if (type.find("群") != std::string_view::npos) return true;
  std::string lower(type.substr(0, 16));
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return lower.find("group") != std::string::npos || lower.find("chat") != std::string::npos;
}
using fm = field_mask;

constexpr std::array<field_info, k_field_count> k_fields = {{
    {"user.id", field_id::user_id, ft::string, fm::none, "user_id (userId, staffId, emp_id, Operator …)"},
    {"user.name", field_id::user_name, ft::string, fm::name, "user_name (realName / operatorName); masked"},
    {"operator.id", field_id::operator_id, ft::string, fm::none, "operator_id (OptStaffId)"},
    {"target.user", field_id::target_user, ft::string, fm::none, "target_user (UserId[0])"},
    {"target.count", field_id::target_count, ft::number, fm::none, "target_count (|UserId|, |docReceiverList|)"},
    {"corp.id", field_id::corp_id, ft::string, fm::none, "corp_id"},
    {"event.kind", field_id::event_kind, ft::string, fm::none, "kind: org_change chat approval attendance audit flow generic"},
    {"event.type", field_id::event_type, ft::string, fm::none, "type (EventType, actionView, flow app)"},
    {"event.action", field_id::event_action, ft::string, fm::none, "action: view download export share upload delete edit print login login_failed permission_change other none"},
    {"event.id", field_id::event_id, ft::string, fm::none, "event_id (eventId, bizId …)"},
    {"event.topic", field_id::event_topic, ft::string, fm::none, "ref.topic: events audit flows unknown"},
    {"timestamp", field_id::timestamp, ft::number, fm::none, "ts_ms (epoch ms, UTC)"},
    {"source.ip", field_id::source_ip, ft::string, fm::none, "ip (ipAddress / ip_address)"},
    {"platform", field_id::platform, ft::string, fm::none, "platform (platformView, browser)"},
    {"device", field_id::device, ft::string, fm::none, "device (deviceSN, user_mac_addr)"},
    {"file.name", field_id::file_name, ft::string, fm::text, "resource (file name or document title); ID numbers masked"},
    {"file.extension", field_id::file_extension, ft::string, fm::none, "resource_ext"},
    {"file.size", field_id::file_size, ft::number, fm::none, "resource_size (bytes)"},
    {"receiver.type", field_id::receiver_type, ft::string, fm::none, "receiver_type (receiverTypeView, e.g. 群)"},
    {"receiver.name", field_id::receiver_name, ft::string, fm::receiver, "receiver_name: a group title, or a person's name (masked)"},
    {"module", field_id::module, ft::string, fm::none, "module (operateModuleView, e.g. 釘盤)"},
    {"chat.id", field_id::chat_id, ft::string, fm::none, "chat_id"},
    {"chat.title", field_id::chat_title, ft::string, fm::text, "title (chat or approval title); ID numbers masked"},
    {"process.code", field_id::process_code, ft::string, fm::none, "process_code"},
    {"process.status", field_id::process_status, ft::string, fm::none, "process_status (start / finish / terminate)"},
    {"process.result", field_id::process_result, ft::string, fm::none, "process_result (agree / refuse)"},
    {"geo.lat", field_id::geo_lat, ft::number, fm::none, "latitude"},
    {"geo.lon", field_id::geo_lon, ft::number, fm::none, "longitude"},
    {"location.outside", field_id::location_outside, ft::boolean, fm::none, "location_outside (locationResult: Outside)"},
    {"location.address", field_id::location_address, ft::string, fm::none, "address"},
    {"location.method", field_id::location_method, ft::string, fm::none, "location_method (MAP / WIFI / ATM)"},
    {"flow.app", field_id::flow_app, ft::string, fm::none, "app (smart_hr_sync, robot_webhook …)"},
    {"destination.domain", field_id::destination_domain, ft::string, fm::none, "dst_host"},
    {"destination.ip", field_id::destination_ip, ft::string, fm::none, "dst_ip"},
    {"destination.port", field_id::destination_port, ft::number, fm::none, "dst_port"},
    {"tls.version", field_id::tls_version, ft::string, fm::none, "tls_version (TLSv1.2 …)"},
    {"flow.bytes", field_id::flow_bytes, ft::number, fm::none, "bytes_out"},
    {"flow.records", field_id::flow_records, ft::number, fm::none, "records (personal-data records carried)"},
    {"source.country", field_id::source_country, ft::string, fm::none, "source_country: ISO code of source.ip (MO, HK, CN …)"},
    {"source.network", field_id::source_network, ft::string, fm::none, "source_network: isp mobile cloud hosting anonymizer private"},
    {"destination.country", field_id::destination_country, ft::string, fm::none, "destination_country: of destination.ip, else destination.domain"},
    {"destination.network", field_id::destination_network, ft::string, fm::none, "destination_network: as source.network"},
    {"geo.country", field_id::geo_country, ft::string, fm::none, "geo_country: the area containing geo.lat/geo.lon"},
    {"geo.area", field_id::geo_area, ft::string, fm::none, "geo_area: that area's name (Macau peninsula …)"},
}};

constexpr bool table_is_indexed() {
  for (std::size_t i = 0; i < k_fields.size(); ++i)
    if (static_cast<std::size_t>(k_fields[i].id) != i) return false;
  return true;
}
static_assert(table_is_indexed(), "k_fields must list field_id values in order");

std::optional<double> int_or_none(std::int64_t v) noexcept {
  if (v == k_absent) return std::nullopt;
  return static_cast<double>(v);
}

template <typename T>
bool parse_int(std::string_view s, T& out) noexcept {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) noexcept {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

std::span<const field_info> fields() noexcept { return k_fields; }

const field_info* find_field(std::string_view name) noexcept {
  for (const auto& f : k_fields)
    if (f.name == name) return &f;
  return nullptr;
}

const field_info& info(field_id id) noexcept { return k_fields[static_cast<std::size_t>(id)]; }

namespace detail {

const std::array<string_member, k_field_count> k_string_members = [] {
  std::array<string_member, k_field_count> t{};
  const auto set = [&](field_id id, string_member m) { t[static_cast<std::size_t>(id)] = m; };
  set(field_id::user_id, &normalized_event::user_id);
  set(field_id::user_name, &normalized_event::user_name);
  set(field_id::operator_id, &normalized_event::operator_id);
  set(field_id::target_user, &normalized_event::target_user);
  set(field_id::corp_id, &normalized_event::corp_id);
  set(field_id::event_type, &normalized_event::type);
  set(field_id::event_id, &normalized_event::event_id);
  set(field_id::source_ip, &normalized_event::ip);
  set(field_id::platform, &normalized_event::platform);
  set(field_id::device, &normalized_event::device);
  set(field_id::file_name, &normalized_event::resource);
  set(field_id::file_extension, &normalized_event::resource_ext);
  set(field_id::receiver_type, &normalized_event::receiver_type);
  set(field_id::receiver_name, &normalized_event::receiver_name);
  set(field_id::module, &normalized_event::module);
  set(field_id::chat_id, &normalized_event::chat_id);
  set(field_id::chat_title, &normalized_event::title);
  set(field_id::process_code, &normalized_event::process_code);
  set(field_id::process_status, &normalized_event::process_status);
  set(field_id::process_result, &normalized_event::process_result);
  set(field_id::location_address, &normalized_event::address);
  set(field_id::location_method, &normalized_event::location_method);
  set(field_id::flow_app, &normalized_event::app);
  set(field_id::destination_domain, &normalized_event::dst_host);
  set(field_id::destination_ip, &normalized_event::dst_ip);
  set(field_id::tls_version, &normalized_event::tls_version);
  set(field_id::source_country, &normalized_event::source_country);
  set(field_id::source_network, &normalized_event::source_network);
  set(field_id::destination_country, &normalized_event::destination_country);
  set(field_id::destination_network, &normalized_event::destination_network);
  set(field_id::geo_country, &normalized_event::geo_country);
  set(field_id::geo_area, &normalized_event::geo_area);
  return t;
}();

std::string_view computed_string_value(const normalized_event& ev, field_id id) noexcept {
  switch (id) {
    case field_id::event_kind: return to_string(ev.kind);
    case field_id::event_action: return to_string(ev.action);
    case field_id::event_topic: return to_string(ev.ref.topic);
    case field_id::location_outside: return ev.location_outside ? "true" : "false";
    default: return {};  // number fields
  }
}

}  // namespace detail

std::optional<double> number_value(const normalized_event& ev, field_id id) noexcept {
  switch (id) {
    case field_id::target_count: return static_cast<double>(ev.target_count);
    case field_id::timestamp: return int_or_none(ev.ts_ms);
    case field_id::file_size: return int_or_none(ev.resource_size);
    case field_id::geo_lat:
      return std::isnan(ev.latitude) ? std::nullopt : std::optional<double>(ev.latitude);
    case field_id::geo_lon:
      return std::isnan(ev.longitude) ? std::nullopt : std::optional<double>(ev.longitude);
    case field_id::location_outside: return ev.location_outside ? 1.0 : 0.0;
    case field_id::destination_port:
      return ev.dst_port < 0 ? std::nullopt : std::optional<double>(ev.dst_port);
    case field_id::flow_bytes: return int_or_none(ev.bytes_out);
    case field_id::flow_records: return int_or_none(ev.records);
    default: return std::nullopt;
  }
}

void append_value(std::string& out, const normalized_event& ev, field_id id) {
  if (info(id).type != field_type::number) {
    out += string_value(ev, id);
    return;
  }
  const auto v = number_value(ev, id);
  if (!v) return;
  if (id == field_id::timestamp) out += iso8601_utc(ev.ts_ms);
  else if (*v == std::floor(*v) && std::fabs(*v) < 9e15)
    fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(*v));
  else
    fmt::format_to(std::back_inserter(out), "{}", *v);
}

std::string display_value(const normalized_event& ev, field_id id, bool masked) {
  const field_info& f = info(id);
  if (f.type != field_type::number && masked) {
    const std::string_view s = string_value(ev, id);
    if (f.mask == field_mask::name && !s.empty()) return mask_name(s);
    if (f.mask == field_mask::text && !s.empty()) return mask_text(s);
    if (f.mask == field_mask::receiver && !s.empty())
      return is_group_receiver(ev.receiver_type) ? mask_text(s) : mask_name(s);
  }
  std::string out;
  append_value(out, ev, id);
  return out;
}

namespace {

template <typename E>
std::vector<std::string_view> names_of(E last) {
  std::vector<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(last); ++c) names.push_back(to_string(static_cast<E>(c)));
  return names;
}

}  // namespace

std::span<const std::string_view> enum_names(field_id id) {
  static const std::vector<std::string_view> kinds = names_of(event_kind::generic);
  static const std::vector<std::string_view> actions = names_of(audit_action::other);
  static const std::vector<std::string_view> topics = names_of(source_topic::unknown);
  switch (id) {
    case field_id::event_kind: return kinds;
    case field_id::event_action: return actions;
    case field_id::event_topic: return topics;
    default: return {};
  }
}

int enum_code(const normalized_event& ev, field_id id) noexcept {
  switch (id) {
    case field_id::event_kind: return static_cast<int>(ev.kind);
    case field_id::event_action: return static_cast<int>(ev.action);
    case field_id::event_topic: return static_cast<int>(ev.ref.topic);
    default: return -1;
  }
}

bool set_field(normalized_event& ev, field_id id, std::string_view v) noexcept {
  switch (id) {
    case field_id::user_id: ev.user_id = v; return true;
    case field_id::user_name: ev.user_name = v; return true;
    case field_id::operator_id: ev.operator_id = v; return true;
    case field_id::target_user: ev.target_user = v; return true;
    case field_id::target_count: return parse_int(v, ev.target_count);
    case field_id::corp_id: ev.corp_id = v; return true;
    case field_id::event_kind:
    case field_id::event_action:
    case field_id::event_topic: {
      const auto names = enum_names(id);
      const auto code = std::find(names.begin(), names.end(), v) - names.begin();
      if (code == std::ssize(names)) return false;
      if (id == field_id::event_kind) ev.kind = static_cast<event_kind>(code);
      else if (id == field_id::event_action) ev.action = static_cast<audit_action>(code);
      else ev.ref.topic = static_cast<source_topic>(code);
      return true;
    }
    case field_id::event_type: ev.type = v; return true;
    case field_id::event_id: ev.event_id = v; return true;
    case field_id::timestamp:
      if (parse_int(v, ev.ts_ms)) return true;
      return parse_macau_local(v.data(), v.size(), ev.ts_ms);
    case field_id::source_ip: ev.ip = v; return true;
    case field_id::platform: ev.platform = v; return true;
    case field_id::device: ev.device = v; return true;
    case field_id::file_name: ev.resource = v; return true;
    case field_id::file_extension: ev.resource_ext = v; return true;
    case field_id::file_size: return parse_int(v, ev.resource_size);
    case field_id::receiver_type: ev.receiver_type = v; return true;
    case field_id::receiver_name: ev.receiver_name = v; return true;
    case field_id::module: ev.module = v; return true;
    case field_id::chat_id: ev.chat_id = v; return true;
    case field_id::chat_title: ev.title = v; return true;
    case field_id::process_code: ev.process_code = v; return true;
    case field_id::process_status: ev.process_status = v; return true;
    case field_id::process_result: ev.process_result = v; return true;
    case field_id::geo_lat: return parse_double(v, ev.latitude);
    case field_id::geo_lon: return parse_double(v, ev.longitude);
    case field_id::location_outside:
      if (v == "true") ev.location_outside = true;
      else if (v == "false") ev.location_outside = false;
      else return false;
      return true;
    case field_id::location_address: ev.address = v; return true;
    case field_id::location_method: ev.location_method = v; return true;
    case field_id::flow_app: ev.app = v; return true;
    case field_id::destination_domain: ev.dst_host = v; return true;
    case field_id::destination_ip: ev.dst_ip = v; return true;
    case field_id::destination_port: return parse_int(v, ev.dst_port);
    case field_id::tls_version: ev.tls_version = v; return true;
    case field_id::flow_bytes: return parse_int(v, ev.bytes_out);
    case field_id::flow_records: return parse_int(v, ev.records);
    case field_id::source_country: ev.source_country = v; return true;
    case field_id::source_network: ev.source_network = v; return true;
    case field_id::destination_country: ev.destination_country = v; return true;
    case field_id::destination_network: ev.destination_network = v; return true;
    case field_id::geo_country: ev.geo_country = v; return true;
    case field_id::geo_area: ev.geo_area = v; return true;
  }
  return false;
}

}  // namespace dingwatch::rules
