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
template <typename T>
T load(const char* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
/// The `n` (1–7) bytes at `p` as a little-endian number, from at most two overlapping
/// loads: a `memcpy` of a variable length is a call into libc and a mispredicted branch.
inline std::uint64_t load_short(const char* p, std::size_t n) noexcept {
  if (n >= 4) return load<std::uint32_t>(p) | std::uint64_t{load<std::uint32_t>(p + n - 4)} << (8 * (n - 4));
  const auto byte = [&](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i); };
  return byte(0) | byte(n / 2) | byte(n - 1);
}
}  // namespace detail

/// A fast, well-mixed 64-bit hash of `s`; every bit of the result depends on every byte.
inline std::uint64_t hash64(std::string_view s, std::uint64_t seed = 0) noexcept {
  constexpr std::uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull;
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t h = seed ^ (n * k0);
  while (n >= 8) {
    h = detail::fold_multiply(h ^ detail::load<std::uint64_t>(p), k1);
    p += 8;
    n -= 8;
  }
  // The last 1–7 bytes in little-endian order; from a string of 8 or more, the 8 bytes
  // ending with it, shifted down.
  std::uint64_t tail = 0;
  if (n) tail = s.size() >= 8 ? detail::load<std::uint64_t>(p + n - 8) >> (64 - 8 * n) : detail::load_short(p, n);
  h = detail::fold_multiply(h ^ tail ^ k0, k1 ^ (n << 56));
  return detail::fold_multiply(h, k0 ^ 0x8ebc6af09c88c6e3ull);
}

}  // namespace dingwatch
