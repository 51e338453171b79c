#include "dingwatch/core/event.hpp"

#include <array>

namespace dingwatch {

std::uint64_t normalized_event::shard_key() const noexcept {
  return fnv1a(user_id, fnv1a(":", fnv1a(corp_id)));
}

std::string_view to_string(source_topic t) noexcept {
  constexpr std::array<std::string_view, 4> names = {"events", "audit", "flows", "unknown"};
  return names[static_cast<std::size_t>(t)];
}

std::string_view to_string(event_kind k) noexcept {
  constexpr std::array<std::string_view, 7> names = {"org_change", "chat", "approval", "attendance",
                                                     "audit",      "flow", "generic"};
  return names[static_cast<std::size_t>(k)];
}

std::string_view to_string(audit_action a) noexcept {
  constexpr std::array<std::string_view, 13> names = {
      "none",  "view",  "download", "export", "share",        "upload",           "delete",
      "edit",  "print", "login",    "login_failed", "permission_change", "other"};
  return names[static_cast<std::size_t>(a)];
}

source_topic topic_from_name(std::string_view name) noexcept {
  if (name.ends_with("events")) return source_topic::events;
  if (name.ends_with("audit")) return source_topic::audit;
  if (name.ends_with("flows")) return source_topic::flows;
  return source_topic::unknown;
}

}  // namespace dingwatch
