#pragma once
/// The evidence log: hash-chained JSONL files, the "independent storage with integrity"
/// that a court can check without trusting dingwatch.
///
/// Files
/// -----
/// `DIR/evidence-YYYYMMDD-NNN.jsonl`: YYYYMMDD is the UTC day the file was opened (wall
/// clock, not alert time: replays write old alerts today), NNN its sequence number within
/// that day from 000 (more digits past 999). A new file starts when the UTC day changes or
/// when the next line would push the file past `max_bytes` (a line larger than `max_bytes`
/// gets a file of its own). Files sort chronologically by (day, sequence).
///
/// Lines
/// -----
/// Each line is one alert:
///
///     line      = canonical-with-log "\n"
///     canonical = to_json(alert)                         ; core's ECS JSON, one object
///     canonical-with-log =
///                 canonical minus its final "}"
///                 + ",\"log\":{\"prev_hash\":\"" PREV "\",\"hash\":\"" HASH "\"}}"
///     HASH      = lower-case hex SHA-256( PREV as its 64 ASCII hex characters
///                                         || the canonical bytes )
///     PREV      = HASH of the line before in the chain (across files), or 64 "0" for
///                 the first line ever written
///
/// So the canonical line is exactly the line as written with the trailing
/// `,"log":{…}` member (always the last member, always the fixed 161-byte form above)
/// removed and the object closed again with "}". Verification recovers it by position,
/// never by re-serialising JSON, so key order and number formatting cannot matter.
///
/// Chain
/// -----
/// The chain continues across rotations: the first line of a file carries the last
/// hash of the file before. On start the sink finds the newest file and reads back to its
/// last good line (complete, newline-terminated, self-consistent hash). If the last line
/// is torn (a crash mid-write) or otherwise bad, the sink logs an error and starts a new
/// file whose first line's prev_hash is the last GOOD hash; it never rewrites or
/// truncates what a previous run left, so `verify` still reports the torn line.
///
/// Durability: `write` returns after write(2) and fsync(2) of the file (and of the
/// directory when a file was created). A batch that fails half way is cut back to the
/// last complete line written and the chain rewound, so a retry continues a clean
/// chain; lines that reached disk before a rotation stay (the retry may repeat those
/// alerts, with the same alert ids).
///
/// One writer per directory: the sink holds an exclusive flock(2) on `DIR/.lock`.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dingwatch/core/sink.hpp"

namespace dingwatch {

/// The hash that precedes the first line ever written: 64 "0".
inline constexpr std::string_view k_genesis_hash =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// Lower-case hex SHA-256 of `prev_hash` (its ASCII characters) followed by `canonical`.
std::string evidence_hash(std::string_view prev_hash, std::string_view canonical);

/// Options of the evidence sink; YAML `{kind: evidence, dir: DIR, max_bytes: N, fsync: B}`.
struct evidence_options {
  std::filesystem::path dir;                   ///< created if missing
  std::uint64_t max_bytes = 64ULL << 20;       ///< rotate before a file would exceed this
  bool fsync = true;                           ///< fsync(2) before `write` returns
  std::function<std::int64_t()> now_ms;        ///< wall clock (UTC epoch ms); tests set it
};

/// Appends alerts to the hash-chained evidence log (see the header comment).
class evidence_log_sink final : public alert_sink {
 public:
  /// Opens DIR, locks it and resumes the chain; throws std::runtime_error naming the
  /// path at fault (unwritable directory, another writer holding the lock).
  explicit evidence_log_sink(evidence_options options);
  ~evidence_log_sink() override;
  evidence_log_sink(const evidence_log_sink&) = delete;
  evidence_log_sink& operator=(const evidence_log_sink&) = delete;

  [[nodiscard]] std::string_view name() const noexcept override { return "evidence"; }
  bool write(std::span<const alert> alerts) override;

  /// The hash of the last line written (what the next line's prev_hash will be).
  [[nodiscard]] const std::string& last_hash() const noexcept { return last_hash_; }
  /// The file currently appended to (empty before the first write).
  [[nodiscard]] const std::filesystem::path& current_file() const noexcept { return path_; }

 private:
  bool open_next(std::int64_t day);
  bool write_segment(const std::string& bytes);
  void close_file();

  evidence_options options_;
  int lock_fd_ = -1;
  int fd_ = -1;
  std::filesystem::path path_;
  std::int64_t day_ = -1;          ///< days since epoch of the open file
  int seq_ = -1;                   ///< its sequence number
  std::uint64_t size_ = 0;         ///< its size in bytes
  bool resume_in_place_ = false;   ///< the newest file may be appended to on first write
  std::string last_hash_;
  std::string buffer_;
};

/// What `verify_evidence` found wrong first.
enum class evidence_problem : std::uint8_t {
  none,
  edited,       ///< the line's hash does not match its content (or the line is malformed)
  removed_or_reordered,  ///< prev_hash is not the previous line's hash
  truncated,    ///< the last line of a file is incomplete
  unreadable,   ///< a file could not be read, or no evidence file was given
};

/// Readable name of a problem ("edited", "removed or reordered", …).
std::string_view to_string(evidence_problem p) noexcept;

/// The outcome of checking a chain.
struct evidence_report {
  evidence_problem problem = evidence_problem::none;
  std::filesystem::path file;  ///< where the first problem is
  std::uint64_t line = 0;      ///< 1-based line in `file` (0: the file as a whole)
  std::string detail;          ///< what exactly did not match

  std::size_t files = 0;       ///< files checked
  std::uint64_t lines = 0;     ///< lines checked and found good
  std::string first_timestamp; ///< `@timestamp` of the first line
  std::string last_timestamp;  ///< `@timestamp` of the last good line
  std::string final_hash;      ///< hash of the last good line

  [[nodiscard]] bool intact() const noexcept { return problem == evidence_problem::none; }
};

/// The evidence files of a directory in chain order (by day, then sequence number).
std::vector<std::filesystem::path> evidence_files(const std::filesystem::path& dir);

/// Checks the chain across `paths` in the order given; a directory stands for its
/// evidence files in chain order. The first line must start from the genesis hash.
/// Stops at the first problem.
evidence_report verify_evidence(const std::vector<std::filesystem::path>& paths);

}  // namespace dingwatch
