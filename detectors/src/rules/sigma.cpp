#include "dingwatch/detectors/rules/sigma.hpp"

#include <array>

namespace dingwatch::rules {

namespace {

// The DingTalk payload names (docs/rules.md, "Sigma field names"): what a Sigma author
// reading a raw ListAuditLog item, event subscription or gateway flow would write. Names
// whose raw value differs in kind from the normalized one (`action` is a number, the
// engine's event.action a canonical word) are left out on purpose: the engine name is
// the only spelling for those.
constexpr std::array<sigma_field, 43> k_sigma_fields = {{
    {"userId", field_id::user_id},
    {"staffId", field_id::user_id},
    {"emp_id", field_id::user_id},
    {"Operator", field_id::user_id},
    {"realName", field_id::user_name},
    {"operatorName", field_id::user_name},
    {"operator_name", field_id::user_name},
    {"OptStaffId", field_id::operator_id},
    {"UserId", field_id::target_user},
    {"CorpId", field_id::corp_id},
    {"corpId", field_id::corp_id},
    {"eventCorpId", field_id::corp_id},
    {"EventType", field_id::event_type},
    {"eventType", field_id::event_type},
    {"actionView", field_id::event_type},
    {"eventId", field_id::event_id},
    {"bizId", field_id::event_id},
    {"biz_id", field_id::event_id},
    {"ipAddress", field_id::source_ip},
    {"ip_address", field_id::source_ip},
    {"platformView", field_id::platform},
    {"browser", field_id::platform},
    {"deviceSN", field_id::device},
    {"resource", field_id::file_name},
    {"resourceExtension", field_id::file_extension},
    {"resourceSize", field_id::file_size},
    {"receiverTypeView", field_id::receiver_type},
    {"receiverName", field_id::receiver_name},
    {"operateModuleView", field_id::module},
    {"ChatId", field_id::chat_id},
    {"OpenConversationId", field_id::chat_id},
    {"processCode", field_id::process_code},
    {"latitude", field_id::geo_lat},
    {"longitude", field_id::geo_lon},
    {"address", field_id::location_address},
    {"locationMethod", field_id::location_method},
    {"app", field_id::flow_app},
    {"dstHost", field_id::destination_domain},
    {"dstIp", field_id::destination_ip},
    {"dstPort", field_id::destination_port},
    {"tlsVersion", field_id::tls_version},
    {"bytesOut", field_id::flow_bytes},
    {"records", field_id::flow_records},
}};

}  // namespace

std::span<const sigma_field> sigma_fields() noexcept { return k_sigma_fields; }

const field_info* find_sigma_field(std::string_view name) noexcept {
  if (const field_info* f = find_field(name)) return f;
  for (const auto& s : k_sigma_fields)
    if (s.name == name) return &info(s.field);
  return nullptr;
}

}  // namespace dingwatch::rules
