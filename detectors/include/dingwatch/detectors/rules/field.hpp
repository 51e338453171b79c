#pragma once
/// Rule field names → accessors on `normalized_event`, resolved once at load time.
///
/// A rule names fields in the style of Elastic Common Schema (`user.id`, `source.ip`,
/// `destination.domain` …). The loader turns each name into a `field_id`; detection
/// then reads the event through a `switch` on that id — no string lookups per event.
/// The table (name, type, what it reads, whether it is personal data) is `fields()`,
/// and docs/rules.md reproduces it.
///
/// The jurisdiction fields (`source.country`, `destination.country`, `geo.country` …)
/// read what the enrichment step filled from the jurisdiction table (jurisdiction.hpp).
///
/// Types: `string` fields are views into the event; `number` fields are int64 or double
/// (absent → no value); `boolean` reads as the strings `true`/`false` and the numbers 1/0.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dingwatch/core/event.hpp"

namespace dingwatch::rules {

/// Every field a rule may name.
enum class field_id : std::uint8_t {
  user_id,
  user_name,
  operator_id,
  target_user,
  target_count,
  corp_id,
  event_kind,
  event_type,
  event_action,
  event_id,
  event_topic,
  timestamp,
  source_ip,
  platform,
  device,
  file_name,
  file_extension,
  file_size,
  receiver_type,
  receiver_name,
  module,
  chat_id,
  chat_title,
  process_code,
  process_status,
  process_result,
  geo_lat,
  geo_lon,
  location_outside,
  location_address,
  location_method,
  flow_app,
  destination_domain,
  destination_ip,
  destination_port,
  tls_version,
  flow_bytes,
  flow_records,
  source_country,
  source_network,
  destination_country,
  destination_network,
  geo_country,
  geo_area,
};
inline constexpr std::size_t k_field_count = static_cast<std::size_t>(field_id::geo_area) + 1;

/// The value type of a field.
enum class field_type : std::uint8_t { string, number, boolean };

/// How a field's value is masked when quoted in an alert (PDPA Art. 5 minimization).
enum class field_mask : std::uint8_t {
  none,
  name,  ///< a person's name: `mask_name`
  text,  ///< free text that may quote identity numbers or e-mail addresses: `mask_text`
  receiver,  ///< a group's title (`text`) or, for any other receiver type, a person (`name`)
};

/// One row of the field table.
struct field_info {
  std::string_view name;  ///< as written in rules: `user.id`
  field_id id;
  field_type type;
  field_mask mask;
  std::string_view source;  ///< the `normalized_event` member it reads, for the docs
};

/// The whole table, in documentation order.
std::span<const field_info> fields() noexcept;

/// The row for `name`, or nullptr when no field has that name.
const field_info* find_field(std::string_view name) noexcept;

/// The row for `id`.
const field_info& info(field_id id) noexcept;

namespace detail {
/// Per field: the `normalized_event` member a string field reads as is, or null for fields
/// computed from the event (enums, booleans) and number fields.
using string_member = std::string_view normalized_event::*;
extern const std::array<string_member, k_field_count> k_string_members;
/// `string_value` of a field with no member in `k_string_members`.
std::string_view computed_string_value(const normalized_event& ev, field_id id) noexcept;
}  // namespace detail

/// A string (or boolean) field's value; empty when absent. Number fields return empty.
/// Inline, and a table lookup for most fields: detection reads a few dozen per event.
inline std::string_view string_value(const normalized_event& ev, field_id id) noexcept {
  if (const detail::string_member m = detail::k_string_members[static_cast<std::size_t>(id)]) return ev.*m;
  return detail::computed_string_value(ev, id);
}

/// A number (or boolean) field's value; nothing when absent or a string field.
std::optional<double> number_value(const normalized_event& ev, field_id id) noexcept;

/// The value as text for keys, messages and evidence; masked when `masked` and the
/// field is personal data. Empty when absent.
std::string display_value(const normalized_event& ev, field_id id, bool masked = true);

/// Appends the unmasked display text of the value to `out` (nothing when absent): the
/// allocation-free form of `display_value(ev, id, false)` once `out` has grown.
void append_value(std::string& out, const normalized_event& ev, field_id id);

/// The enumerated fields (`event.kind`, `event.action`, `event.topic`) hold a code: the
/// underlying value of their enum. Their names, indexed by code; empty for every other
/// field.
std::span<const std::string_view> enum_names(field_id id);

/// The code of enumerated field `id` in `ev`, or -1 when `id` is not enumerated.
int enum_code(const normalized_event& ev, field_id id) noexcept;

/// Sets a field from text (test events in rule files). `value` must outlive `ev` for
/// string fields. False when the text does not fit the field's type.
bool set_field(normalized_event& ev, field_id id, std::string_view value) noexcept;

}  // namespace dingwatch::rules
