#include "dingwatch/detectors/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace dingwatch {

namespace {

/// Dotted-quad IPv4 as inet_pton reads it (four decimal octets ≤ 255, no leading zeros),
/// without copying the text to a C string: addresses are parsed on every audit event.
std::optional<std::array<std::uint8_t, 4>> parse_v4(std::string_view text) noexcept {
  std::array<std::uint8_t, 4> out{};
  std::size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet && (i >= text.size() || text[i++] != '.')) return std::nullopt;
    unsigned v = 0;
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) v = v * 10 + unsigned(text[i++] - '0');
    if (i == start || v > 255 || (text[start] == '0' && i - start > 1)) return std::nullopt;
    out[static_cast<std::size_t>(octet)] = static_cast<std::uint8_t>(v);
  }
  if (i != text.size()) return std::nullopt;
  return out;
}

}  // namespace

std::optional<ip_address> ip_address::parse(std::string_view text) noexcept {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  if (const auto v4 = parse_v4(text)) {
    ip_address ip;
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, v4->data(), 4);
    return ip;
  }
  if (text.find(':') == std::string_view::npos) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  ip_address ip;
  in6_addr v6;
  if (inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  std::memcpy(ip.bytes.data(), &v6, 16);
  return ip;
}

bool ip_address::is_v4() const noexcept {
  static constexpr std::array<std::uint8_t, 12> k_mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes.data(), k_mapped.data(), 12) == 0;
}

std::optional<cidr> cidr::parse(std::string_view text) noexcept {
  const auto slash = text.find('/');
  auto ip = ip_address::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  const int max_bits = ip->is_v4() ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    const auto len = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
    if (ec != std::errc{} || end != len.data() + len.size() || bits < 0 || bits > max_bits)
      return std::nullopt;
  }
  cidr c;
  c.prefix_bits = ip->is_v4() ? bits + 96 : bits;
  c.network = *ip;
  // Clear host bits so `contains` can compare whole bytes.
  for (int i = 0; i < 16; ++i) {
    const int keep = std::max(0, std::min(8, c.prefix_bits - i * 8));
    c.network.bytes[i] &= static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return c;
}

bool cidr::contains(const ip_address& ip) const noexcept {
  // Two 64-bit halves, most significant byte first, compared under the prefix's mask: no
  // call and no branch per byte (allow-lists are tested on every event that has an IP).
  const auto half = [](const ip_address& a, int i) {
    std::uint64_t w;
    std::memcpy(&w, a.bytes.data() + 8 * i, 8);
    return __builtin_bswap64(w);
  };
  const auto mask = [](int bits) -> std::uint64_t {
    return bits <= 0 ? 0 : bits >= 64 ? ~std::uint64_t{0} : ~std::uint64_t{0} << (64 - bits);
  };
  return ((half(ip, 0) ^ half(network, 0)) & mask(prefix_bits)) == 0 &&
         ((half(ip, 1) ^ half(network, 1)) & mask(prefix_bits - 64)) == 0;
}

bool cidr_set::contains(const ip_address& ip) const noexcept {
  for (const auto& c : prefixes_)
    if (c.contains(ip)) return true;
  return false;
}

bool cidr_set::contains(std::string_view text) const noexcept {
  const auto ip = ip_address::parse(text);
  return ip && contains(*ip);
}

}  // namespace dingwatch
