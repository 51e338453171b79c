#pragma once
/// Stable 64-bit string hashes: the same value on every run, build and machine, so they
/// may name things that outlive a process (alert ids, shard routing, saved state).
///
///   fnv1a   byte at a time: simple, for short values and ids mixed from several parts
///   hash64  eight bytes at a time with a 64×64→128-bit multiply fold (after wyhash),
///           for hot-path keys such as the rule engine's per-key state

#include <cstdint>
#include <cstring>
#include <string_view>

namespace dingwatch {

/// 64-bit FNV-1a: stable across runs and builds, used for routing and alert ids.
constexpr std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 14695981039346656037ull) noexcept {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

namespace detail {
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) noexcept {
  const unsigned __int128 m = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
}
}  // namespace detail

/// A fast, well-mixed 64-bit hash of `s`; every bit of the result depends on every byte.
inline std::uint64_t hash64(std::string_view s, std::uint64_t seed = 0) noexcept {
  constexpr std::uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull;
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t h = seed ^ (n * k0);
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = detail::fold_multiply(h ^ w, k1);
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;
  if (n) std::memcpy(&tail, p, n);  // little-endian order of the last 1–7 bytes
  h = detail::fold_multiply(h ^ tail ^ k0, k1 ^ (n << 56));
  return detail::fold_multiply(h, k0 ^ 0x8ebc6af09c88c6e3ull);
}

}  // namespace dingwatch
