#pragma once
/// Checkpoints: every shard's detector state as of one consistent cut of the input, with
/// the per-partition offsets that cut covers (docs/architecture.md, "Crash safety").
///
/// File format (all integers little-endian):
///
///     header   magic "DWCKPT\r\n" (8 bytes) · u32 format version (k_checkpoint_version)
///              · u32 shard count · u64 payload size · u64 checksum = hash64(payload, k_checkpoint_seed)
///     payload  i64 written at (epoch ms)
///              · counters: u64 read · u64 decoded · u64 events · u32 n · n × (string reason · u64 rejected)
///              · u32 n · n × (string topic · i32 partition · i64 next offset)
///              · per shard: u32 n · n × (string detector name · u64 size · that many bytes)
///
/// A detector's bytes are its own (`detector::save`); the rule engine's name every rule
/// with its id and fingerprint (engine.hpp). Files are written to `<dir>/checkpoint.tmp`,
/// fsync'ed, renamed over `<dir>/checkpoint` and the directory fsync'ed: a crash leaves
/// either the old checkpoint or the new one, never a torn file.
///
/// Reading distrusts the file: a wrong magic, another format version, a size or checksum
/// mismatch, or any length out of bounds is refused with a reason a person can act on.

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dingwatch/core/reject.hpp"

namespace dingwatch {

inline constexpr std::string_view k_checkpoint_magic{"DWCKPT\r\n", 8};
inline constexpr std::uint32_t k_checkpoint_version = 1;
inline constexpr std::uint64_t k_checkpoint_seed = 0x64776b7074313031ull;
/// Bytes before the payload.
inline constexpr std::size_t k_checkpoint_header_bytes = 8 + 4 + 4 + 8 + 8;

/// One shard's detectors, in the order the factory builds them.
struct detector_state {
  std::string name;
  std::string bytes;
};

/// Input accounting as of the cut, summed over every process that contributed to it.
struct checkpoint_counters {
  std::uint64_t read = 0;
  std::uint64_t decoded = 0;
  std::uint64_t events = 0;
  std::array<std::uint64_t, k_reject_reason_count> rejected_by_reason{};
  [[nodiscard]] std::uint64_t rejected() const noexcept;
};

/// A checkpoint in memory.
struct checkpoint {
  struct offset {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t next_offset = 0;
  };
  std::int64_t written_ms = 0;
  checkpoint_counters counters;
  std::vector<offset> offsets;                   ///< the cut: next offset per partition
  std::vector<std::vector<detector_state>> shards;  ///< per shard
};

/// Serializes `c` into the file format above.
std::string encode_checkpoint(const checkpoint& c);

/// Parses a whole file's bytes; the error says what is wrong ("checksum mismatch",
/// "format version 7, this build reads 1", …).
std::variant<checkpoint, std::string> decode_checkpoint(std::string_view bytes);

/// The checkpoint file in `dir`.
std::filesystem::path checkpoint_path(const std::filesystem::path& dir);

/// Writes an encoded checkpoint to `dir` atomically (temp file, fsync, rename, fsync of
/// the directory), creating `dir` if needed. Returns an error message, or nothing.
std::optional<std::string> write_checkpoint(const std::filesystem::path& dir, std::string_view encoded);

/// What `read_checkpoint` found.
struct checkpoint_load {
  std::optional<checkpoint> loaded;  ///< set when a valid checkpoint was read
  std::string error;                 ///< why the file was refused (empty: none, or no file)
};

/// Reads `dir`'s checkpoint. No file is not an error (first start). Files larger than
/// `max_bytes` are refused without being read.
checkpoint_load read_checkpoint(const std::filesystem::path& dir,
                                std::uint64_t max_bytes = std::uint64_t{8} << 30);

}  // namespace dingwatch
