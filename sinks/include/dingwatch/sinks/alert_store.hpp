#pragma once
/// The alert store: every alert as one SQLite row, for reports and for history after a
/// restart. YAML `{kind: store, path: FILE}`.
///
/// Schema (version 1, `PRAGMA user_version`):
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
///              alerts_family(family, timestamp_ms), alerts_user(user_id, timestamp_ms)
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

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
