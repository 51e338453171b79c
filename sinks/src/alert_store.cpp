#include "dingwatch/sinks/alert_store.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "dingwatch/sinks/registry.hpp"

namespace dingwatch {

namespace {

constexpr const char* k_schema = R"sql(
CREATE TABLE IF NOT EXISTS alerts (
  id                  TEXT PRIMARY KEY,
  timestamp_ms        INTEGER NOT NULL,
  rule_id             TEXT NOT NULL,
  rule_name           TEXT,
  family              TEXT,
  severity            TEXT,
  pdpa                TEXT,
  user_id             TEXT,
  user_name           TEXT,
  corp_id             TEXT,
  source_ip           TEXT,
  source_country      TEXT,
  destination_domain  TEXT,
  destination_country TEXT,
  count               INTEGER,
  message             TEXT,
  suppressed          INTEGER,
  json                TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_time   ON alerts(timestamp_ms);
CREATE INDEX IF NOT EXISTS alerts_rule   ON alerts(rule_id, timestamp_ms);
CREATE INDEX IF NOT EXISTS alerts_family ON alerts(family, timestamp_ms);
CREATE INDEX IF NOT EXISTS alerts_user   ON alerts(user_id, timestamp_ms);
)sql";

// Version 2 only adds tables, so migrating a version-1 file is running this.
constexpr const char* k_schema_v2 = R"sql(
CREATE INDEX IF NOT EXISTS alerts_report ON alerts(timestamp_ms, family, severity, rule_id, user_id, pdpa);
CREATE TABLE IF NOT EXISTS pipeline_minutes (
  minute_ms          INTEGER NOT NULL,
  process            TEXT NOT NULL,
  command            TEXT,
  records_read       INTEGER NOT NULL DEFAULT 0,
  records_decoded    INTEGER NOT NULL DEFAULT 0,
  events             INTEGER NOT NULL DEFAULT 0,
  alerts             INTEGER NOT NULL DEFAULT 0,
  rejected           INTEGER NOT NULL DEFAULT 0,
  rejected_by_reason TEXT,
  PRIMARY KEY (minute_ms, process)
);
CREATE TABLE IF NOT EXISTS rule_versions (
  rule_id       TEXT NOT NULL,
  hash          TEXT NOT NULL,
  version       INTEGER,
  name          TEXT,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL,
  PRIMARY KEY (rule_id, hash)
);
PRAGMA user_version = 2;
)sql";

constexpr int k_schema_version = 2;

constexpr const char* k_columns =
    "id, timestamp_ms, rule_id, rule_name, family, severity, pdpa, user_id, user_name, corp_id, source_ip, "
    "source_country, destination_domain, destination_country, count, message, suppressed, json";

constexpr std::array<std::string_view, 9> k_countable = {
    "rule_id", "rule_name", "family", "severity", "user_id", "corp_id", "source_country", "destination_domain",
    "destination_country"};

struct stmt_deleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_deleter>;

std::string text_column(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}

void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

/// The store's error, naming its file and SQLite's message.
[[noreturn]] void fail(sqlite3* db, const std::filesystem::path& path) {
  throw std::runtime_error(fmt::format("alert store {}: {}", path.string(), sqlite3_errmsg(db)));
}

/// A prepared query over [from_ms, to_ms), the two bounds bound as parameters 1 and 2.
stmt_ptr prepare_range(sqlite3* db, const std::filesystem::path& path, const std::string& sql,
                       std::int64_t from_ms, std::int64_t to_ms) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) fail(db, path);
  stmt_ptr s(raw);
  sqlite3_bind_int64(raw, 1, from_ms);
  sqlite3_bind_int64(raw, 2, to_ms);
  return s;
}

/// Ends a transaction: ROLLBACK after a failed step (`ok` false), else COMMIT, itself
/// rolled back and logged when it fails. Resets `s` for its next use.
bool end_transaction(sqlite3* db, sqlite3_stmt* s, const std::filesystem::path& path, bool ok, std::string_view what) {
  sqlite3_reset(s);
  if (ok && sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK) return true;
  if (ok) spdlog::error("alert store {}: commit of {} failed: {}", path.string(), what, sqlite3_errmsg(db));
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return false;
}

}  // namespace

alert_store::alert_store(const std::filesystem::path& path, mode m)
    : path_(path), read_only_(m == mode::read_only) {
  if (!read_only_ && path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  const int flags = (read_only_ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(fmt::format("alert store: cannot open {}: {}", path.string(), msg));
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    if (!read_only_) {
      exec("PRAGMA journal_mode = WAL");
      exec("PRAGMA synchronous = FULL");
      int version = 0;
      select("PRAGMA user_version", {}, [&](const row_view& r) { version = static_cast<int>(r.integer(0)); });
      if (version > k_schema_version)
        throw std::runtime_error(fmt::format("schema version {} is newer than this dingwatch understands ({}); "
                                             "use a newer dingwatch or another file",
                                             version, k_schema_version));
      exec(k_schema);
      exec(k_schema_v2);
      const std::string sql = fmt::format(
          "INSERT OR IGNORE INTO alerts ({}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", k_columns);
      if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &insert_, nullptr) != SQLITE_OK)
        throw std::runtime_error(sqlite3_errmsg(db_));
    }
  } catch (const std::exception& e) {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(fmt::format("alert store: {}: {}", path.string(), e.what()));
  }
}

alert_store::~alert_store() {
  sqlite3_finalize(insert_);
  sqlite3_close(db_);
}

void alert_store::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw std::runtime_error(msg);
  }
}

bool alert_store::write(std::span<const alert> alerts) {
  if (alerts.empty()) return true;
  if (read_only_) return false;
  std::lock_guard lock(mutex_);
  try {
    exec("BEGIN IMMEDIATE");
  } catch (const std::exception& e) {
    spdlog::error("alert store {}: cannot begin a transaction: {}", path_.string(), e.what());
    return false;
  }
  for (const alert& a : alerts) {
    std::string pdpa;
    for (const auto& art : a.pdpa_articles) {
      if (!pdpa.empty()) pdpa += ',';
      pdpa += art;
    }
    sqlite3_stmt* s = insert_;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    bind_text(s, 1, a.id);
    sqlite3_bind_int64(s, 2, a.timestamp_ms);
    bind_text(s, 3, a.rule_id);
    bind_text(s, 4, a.rule_name);
    bind_text(s, 5, to_string(a.family));
    bind_text(s, 6, to_string(a.severity));
    bind_text(s, 7, pdpa);
    bind_text(s, 8, a.user_id);
    bind_text(s, 9, a.user_name);
    bind_text(s, 10, a.corp_id);
    bind_text(s, 11, a.source_ip);
    bind_text(s, 12, a.source_country);
    bind_text(s, 13, a.destination_domain);
    bind_text(s, 14, a.destination_country);
    sqlite3_bind_int64(s, 15, a.count);
    bind_text(s, 16, a.message);
    sqlite3_bind_int64(s, 17, a.suppressed);
    bind_text(s, 18, to_json(a));
    if (sqlite3_step(s) != SQLITE_DONE) {
      spdlog::error("alert store {}: insert of alert {} failed: {}", path_.string(), a.id, sqlite3_errmsg(db_));
      return end_transaction(db_, s, path_, false, "alerts");
    }
  }
  return end_transaction(db_, insert_, path_, true, "alerts");
}

std::vector<alert_row> alert_store::alerts_between(std::int64_t from_ms, std::int64_t to_ms) const {
  std::lock_guard lock(mutex_);
  const std::string sql = fmt::format(
      "SELECT {} FROM alerts WHERE timestamp_ms >= ? AND timestamp_ms < ? ORDER BY timestamp_ms, id", k_columns);
  const stmt_ptr s = prepare_range(db_, path_, sql, from_ms, to_ms);
  sqlite3_stmt* raw = s.get();
  std::vector<alert_row> out;
  int rc;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    alert_row r;
    r.id = text_column(raw, 0);
    r.timestamp_ms = sqlite3_column_int64(raw, 1);
    r.rule_id = text_column(raw, 2);
    r.rule_name = text_column(raw, 3);
    r.family = text_column(raw, 4);
    r.severity = text_column(raw, 5);
    r.pdpa = text_column(raw, 6);
    r.user_id = text_column(raw, 7);
    r.user_name = text_column(raw, 8);
    r.corp_id = text_column(raw, 9);
    r.source_ip = text_column(raw, 10);
    r.source_country = text_column(raw, 11);
    r.destination_domain = text_column(raw, 12);
    r.destination_country = text_column(raw, 13);
    r.count = sqlite3_column_int64(raw, 14);
    r.message = text_column(raw, 15);
    r.suppressed = sqlite3_column_int64(raw, 16);
    r.json = text_column(raw, 17);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) fail(db_, path_);
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> alert_store::count_by(std::string_view field, std::int64_t from_ms,
                                                                       std::int64_t to_ms) const {
  // Column names cannot be bound; only names from the fixed list reach the SQL text.
  bool known = false;
  for (auto f : k_countable) known |= f == field;
  if (!known)
    throw std::invalid_argument(
        fmt::format("count_by: '{}' is not a countable field (one of {})", field, fmt::join(k_countable, ", ")));
  std::lock_guard lock(mutex_);
  const std::string sql = fmt::format(
      "SELECT {0}, COUNT(*) AS n FROM alerts WHERE timestamp_ms >= ? AND timestamp_ms < ? "
      "GROUP BY {0} ORDER BY n DESC, {0}",
      field);
  const stmt_ptr s = prepare_range(db_, path_, sql, from_ms, to_ms);
  sqlite3_stmt* raw = s.get();
  std::vector<std::pair<std::string, std::int64_t>> out;
  int rc;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) out.emplace_back(text_column(raw, 0), sqlite3_column_int64(raw, 1));
  if (rc != SQLITE_DONE) fail(db_, path_);
  return out;
}

std::int64_t alert_store::size() const {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM alerts", -1, &raw, nullptr) != SQLITE_OK) fail(db_, path_);
  stmt_ptr s(raw);
  return sqlite3_step(raw) == SQLITE_ROW ? sqlite3_column_int64(raw, 0) : 0;
}

std::string_view row_view::text(int i) const noexcept {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
  return p == nullptr ? std::string_view() : std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i)));
}

std::int64_t row_view::integer(int i) const noexcept { return sqlite3_column_int64(s_, i); }

bool row_view::is_null(int i) const noexcept { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

void alert_store::select(std::string_view sql, std::initializer_list<sql_param> params,
                         const std::function<void(const row_view&)>& row) const {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
    fail(db_, path_);
  const stmt_ptr s(raw);
  int i = 0;
  for (const sql_param& p : params) {
    ++i;
    if (const auto* n = std::get_if<std::int64_t>(&p))
      sqlite3_bind_int64(raw, i, *n);
    else
      bind_text(raw, i, std::get<std::string_view>(p));
  }
  const row_view view(raw);
  int rc;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) row(view);
  if (rc != SQLITE_DONE) fail(db_, path_);
}

bool alert_store::has_table(std::string_view name) const {
  bool found = false;
  select("SELECT name FROM sqlite_master WHERE type = 'table'", {},
         [&](const row_view& r) { found |= r.text(0) == name; });
  return found;
}

bool alert_store::write_pipeline_minute(const pipeline_minute& m) {
  std::string reasons = "{";
  for (std::size_t i = 0; i < k_reject_reason_count; ++i)
    if (m.rejected_by_reason[i] > 0)
      reasons += fmt::format("{}\"{}\":{}", reasons.size() > 1 ? "," : "", to_string(k_all_reject_reasons[i]),
                             m.rejected_by_reason[i]);
  reasons += '}';
  // A process writes each minute once, so a conflict means the same process name in the
  // same minute (a restart reusing the pid): the counters add up, and json_patch keeps
  // the reasons of both (the newer count wins for a reason present in both).
  constexpr const char* sql =
      "INSERT INTO pipeline_minutes (minute_ms, process, command, records_read, records_decoded, events, alerts, "
      "rejected, rejected_by_reason) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (minute_ms, process) DO UPDATE SET "
      "records_read = records_read + excluded.records_read, records_decoded = records_decoded + "
      "excluded.records_decoded, events = events + excluded.events, alerts = alerts + excluded.alerts, "
      "rejected = rejected + excluded.rejected, rejected_by_reason = CASE WHEN excluded.rejected > 0 THEN "
      "json_patch(rejected_by_reason, excluded.rejected_by_reason) ELSE rejected_by_reason END";
  std::lock_guard lock(mutex_);
  sqlite3_stmt* raw = nullptr;
  if (read_only_ || sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) {
    spdlog::error("alert store {}: cannot record pipeline minute: {}", path_.string(),
                  read_only_ ? "opened read-only" : sqlite3_errmsg(db_));
    return false;
  }
  const stmt_ptr s(raw);
  sqlite3_bind_int64(raw, 1, m.minute_ms);
  bind_text(raw, 2, m.process);
  bind_text(raw, 3, m.command);
  const std::array<std::uint64_t, 5> counts = {m.records_read, m.records_decoded, m.events, m.alerts, m.rejected};
  for (std::size_t i = 0; i < counts.size(); ++i)
    sqlite3_bind_int64(raw, static_cast<int>(4 + i), static_cast<std::int64_t>(counts[i]));
  bind_text(raw, 9, reasons);
  if (sqlite3_step(raw) != SQLITE_DONE) {
    spdlog::error("alert store {}: cannot record pipeline minute: {}", path_.string(), sqlite3_errmsg(db_));
    return false;
  }
  return true;
}

bool alert_store::record_rule_versions(std::span<const rule_version> rules, std::int64_t now_ms) {
  constexpr const char* sql =
      "INSERT INTO rule_versions (rule_id, hash, version, name, first_seen_ms, last_seen_ms) VALUES (?,?,?,?,?,?) "
      "ON CONFLICT (rule_id, hash) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, version = excluded.version, "
      "name = excluded.name";
  std::lock_guard lock(mutex_);
  sqlite3_stmt* raw = nullptr;
  if (read_only_ || sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) {
    spdlog::error("alert store {}: cannot record rule versions: {}", path_.string(),
                  read_only_ ? "opened read-only" : sqlite3_errmsg(db_));
    return false;
  }
  const stmt_ptr s(raw);
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    spdlog::error("alert store {}: cannot record rule versions: {}", path_.string(), sqlite3_errmsg(db_));
    return false;
  }
  for (const rule_version& r : rules) {
    sqlite3_reset(raw);
    bind_text(raw, 1, r.id);
    bind_text(raw, 2, r.hash);
    sqlite3_bind_int64(raw, 3, r.version);
    bind_text(raw, 4, r.name);
    sqlite3_bind_int64(raw, 5, now_ms);
    sqlite3_bind_int64(raw, 6, now_ms);
    if (sqlite3_step(raw) != SQLITE_DONE) {
      spdlog::error("alert store {}: cannot record rule {}: {}", path_.string(), r.id, sqlite3_errmsg(db_));
      return end_transaction(db_, raw, path_, false, "rule versions");
    }
  }
  return end_transaction(db_, raw, path_, true, "rule versions");
}

namespace {
const register_sink registration{"store", [](const YAML::Node& config, const sink_context&) {
  if (!config["path"]) throw std::runtime_error("path: missing (the SQLite file to store alerts in)");
  return std::make_unique<alert_store>(config["path"].as<std::string>());
}};
}  // namespace

}  // namespace dingwatch
