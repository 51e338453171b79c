#include "dingwatch/core/event.hpp"

#include <array>

namespace dingwatch {

std::uint64_t normalized_event::shard_key() const noexcept {
  // The user an org change is about (joiner, leaver, new admin) owns it, as the producer's
  // `corp:user` key does: their later activity is correlated with it on the same shard.
  // The corp is left out because audit records do not carry it; user ids are unique
  // within a corp, and a rare cross-corp collision only shares a shard.
  const bool about_target = kind == event_kind::org_change && !target_user.empty();
  return fnv1a(about_target ? target_user : user_id);
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
