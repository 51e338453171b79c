#pragma once
/// IP addresses and CIDR sets (IPv4 and IPv6) for allow-lists and jurisdiction tables.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace dingwatch {

/// An IPv4 or IPv6 address; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d).
struct ip_address {
  std::array<std::uint8_t, 16> bytes{};

  /// Parses dotted IPv4 or textual IPv6; nothing on malformed input. No allocation.
  static std::optional<ip_address> parse(std::string_view text) noexcept;
  [[nodiscard]] bool is_v4() const noexcept;
  friend bool operator==(const ip_address&, const ip_address&) = default;
};

/// One prefix: `202.175.0.0/16`, `2001:db8::/32`.
struct cidr {
  ip_address network;
  int prefix_bits = 0;  ///< over the 128-bit mapped form

  /// Parses `addr/len` (or a bare address as a host route); nothing on error.
  static std::optional<cidr> parse(std::string_view text) noexcept;
  [[nodiscard]] bool contains(const ip_address& ip) const noexcept;
};

/// A set of prefixes with linear lookup: allow-lists are short. (The jurisdiction
/// table, which is long, uses a sorted interval map instead.)
class cidr_set {
 public:
  void add(const cidr& c) { prefixes_.push_back(c); }
  [[nodiscard]] bool contains(const ip_address& ip) const noexcept;
  /// Parses and checks `text`; false when it is not an IP address or not in the set.
  [[nodiscard]] bool contains(std::string_view text) const noexcept;
  [[nodiscard]] bool empty() const noexcept { return prefixes_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return prefixes_.size(); }

 private:
  std::vector<cidr> prefixes_;
};

}  // namespace dingwatch
