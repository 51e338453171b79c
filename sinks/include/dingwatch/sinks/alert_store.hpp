#pragma once
/// The alert store: every alert as one SQLite row, for reports and for history after a
/// restart. YAML `{kind: store, path: FILE}`.
///
/// Schema (version 2, `PRAGMA user_version`; a version-1 file is migrated in place by
/// adding the two tables of version 2, its alerts untouched):
///
///     alerts(id TEXT PRIMARY KEY,              -- alert.id; INSERT OR IGNORE: replays de-duplicate
///            timestamp_ms INTEGER NOT NULL,    -- @timestamp, epoch ms UTC
///            rule_id, rule_name, family, severity,
///            pdpa,                             -- PDPA articles, comma-separated ("19,20")
///            user_id, user_name,               -- user_name is already masked
///            corp_id, source_ip, source_country, destination_domain, destination_country,
///            count INTEGER, message, suppressed INTEGER,
///            json TEXT NOT NULL)               -- the full ECS JSON (core's to_json)
///     indexes: alerts_time(timestamp_ms), alerts_rule(rule_id, timestamp_ms),
///              alerts_family(family, timestamp_ms), alerts_user(user_id, timestamp_ms),
///              alerts_report(timestamp_ms, family, severity, rule_id, user_id, pdpa)
///              (v2: covers the weekly report's aggregations, so they never read the
///              wide rows with their JSON; a v1 file gets it when first opened for writing)
///     pipeline_minutes(minute_ms, process,      -- PRIMARY KEY; minute start, epoch ms UTC
///            command,                          -- run, demo or replay
///            records_read, records_decoded, events, alerts, rejected INTEGER,
///            rejected_by_reason TEXT)          -- JSON object {"malformed_json": 3, …}
///            -- what one process did in one wall-clock minute (the weekly report's
///            -- pipeline health: throughput, dead letters, minutes without a row = down)
///     rule_versions(rule_id, hash,              -- PRIMARY KEY; hash of the rule's YAML
///            version INTEGER, name, first_seen_ms, last_seen_ms)
///            -- each rule content loaded at a startup (the report's "what changed")
///
/// Durability: WAL journal with `synchronous=FULL`. With WAL, NORMAL only fsyncs at
/// checkpoints, so a power cut can lose transactions that already returned; the
/// pipeline commits Kafka offsets as soon as `write` returns, so such alerts would be
/// lost for good. FULL fsyncs the WAL on every commit — one fsync per batch, the same
/// price the evidence log pays. Each `write` is one transaction.
///
/// Concurrency: `write` is called from one thread at a time; the query functions may be
/// called from other threads (a mutex serialises them on this connection), and other
/// processes may read the file while the sink writes (WAL readers do not block it).

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "dingwatch/core/reject.hpp"
#include "dingwatch/core/sink.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace dingwatch {

/// One stored alert, as the columns hold it.
struct alert_row {
  std::string id;
  std::int64_t timestamp_ms = 0;
  std::string rule_id, rule_name, family, severity;
  std::string pdpa;  ///< comma-separated articles
  std::string user_id, user_name, corp_id;
  std::string source_ip, source_country, destination_domain, destination_country;
  std::int64_t count = 0;
  std::string message;
  std::int64_t suppressed = 0;
  std::string json;  ///< the full ECS JSON
};

/// What one process's pipeline did in one wall-clock minute (counter deltas).
struct pipeline_minute {
  std::int64_t minute_ms = 0;  ///< start of the minute, epoch ms UTC
  std::string process;         ///< e.g. "host:pid"; rows of one minute add up per process
  std::string command;         ///< run, demo or replay
  std::uint64_t records_read = 0, records_decoded = 0, events = 0, alerts = 0, rejected = 0;
  std::array<std::uint64_t, k_reject_reason_count> rejected_by_reason{};
};

/// One rule as loaded at a startup: its content hash tells edits apart.
struct rule_version {
  std::string id, name;
  int version = 1;
  std::string hash;  ///< hex digest of the rule's YAML
};

/// A parameter of `select`: an integer or a text.
using sql_param = std::variant<std::int64_t, std::string_view>;

/// One result row of `select`, valid only inside the callback.
class row_view {
 public:
  explicit row_view(sqlite3_stmt* s) noexcept : s_(s) {}
  /// Column `i` as text (empty for NULL).
  [[nodiscard]] std::string_view text(int i) const noexcept;
  /// Column `i` as an integer (0 for NULL).
  [[nodiscard]] std::int64_t integer(int i) const noexcept;
  /// True when column `i` is NULL.
  [[nodiscard]] bool is_null(int i) const noexcept;

 private:
  sqlite3_stmt* s_;
};

/// An SQLite file of alerts; also a sink (kind `store`).
class alert_store final : public alert_sink {
 public:
  enum class mode : std::uint8_t { read_write, read_only };

  /// Opens (and in read_write mode creates and migrates) the database; throws
  /// std::runtime_error naming the path and SQLite's message.
  explicit alert_store(const std::filesystem::path& path, mode m = mode::read_write);
  ~alert_store() override;
  alert_store(const alert_store&) = delete;
  alert_store& operator=(const alert_store&) = delete;

  [[nodiscard]] std::string_view name() const noexcept override { return "store"; }
  /// Inserts the batch in one transaction (alerts whose id is stored already are
  /// skipped); returns after the commit is durable. False on any SQLite error (rolled back).
  bool write(std::span<const alert> alerts) override;

  /// Alerts with from_ms <= timestamp_ms < to_ms, by time then id.
  [[nodiscard]] std::vector<alert_row> alerts_between(std::int64_t from_ms, std::int64_t to_ms) const;

  /// Number of alerts per value of `field` with from_ms <= timestamp_ms < to_ms, most
  /// frequent first (ties by value). `field` is one of rule_id, rule_name, family,
  /// severity, user_id, corp_id, source_country, destination_domain,
  /// destination_country; anything else throws std::invalid_argument.
  [[nodiscard]] std::vector<std::pair<std::string, std::int64_t>> count_by(std::string_view field,
                                                                          std::int64_t from_ms,
                                                                          std::int64_t to_ms) const;

  /// Total rows stored.
  [[nodiscard]] std::int64_t size() const;

  /// Runs one read-only query (reports): `params` are bound as ?1, ?2 … and `row` is
  /// called for each result row. Throws std::runtime_error naming the file and SQLite's
  /// message (a bad query is a programming error, not a runtime condition).
  void select(std::string_view sql, std::initializer_list<sql_param> params,
              const std::function<void(const row_view&)>& row) const;

  /// True when the file has table `name` (a version-1 file opened read-only has not
  /// been migrated and lacks the version-2 tables).
  [[nodiscard]] bool has_table(std::string_view name) const;

  /// Adds one minute of pipeline counters (added to a row already stored for the same
  /// minute and process). False on an SQLite error, logged.
  bool write_pipeline_minute(const pipeline_minute& m);

  /// Records the rules loaded at `now_ms`: a new (id, hash) gets first_seen = now, every
  /// one gets last_seen = now. One transaction. False on an SQLite error, logged.
  bool record_rule_versions(std::span<const rule_version> rules, std::int64_t now_ms);

  /// The underlying connection (for ad-hoc report queries); guard with your own care.
  [[nodiscard]] sqlite3* handle() const noexcept { return db_; }

 private:
  void exec(const char* sql) const;

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  bool read_only_ = false;
  mutable std::mutex mutex_;
};

}  // namespace dingwatch
