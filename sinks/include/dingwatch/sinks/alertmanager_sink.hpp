#pragma once
/// Alertmanager sink (kind `alertmanager`): alerts become Alertmanager alerts through its
/// API v2 (`POST /api/v2/alerts`), with a disk spool so none is lost while it is down.
///
/// Configuration (one entry of the `sinks:` list):
///
///     - kind: alertmanager
///       url: http://127.0.0.1:9093          # base URL; /api/v2/alerts is appended
///       spool: /var/lib/dingwatch/am-spool  # default; ./am-spool if /var/lib/dingwatch is not writable
///       spool_max: 100MiB                   # bytes, or with KiB/MiB/GiB (KB/MB/GB)
///       resolve_after: 1h                   # endsAt = delivery time + resolve_after
///       resend_every: 20m                   # default resolve_after / 3
///       runbook_base: https://wiki.example.mo/runbooks/   # runbook annotation = base + rule_id
///       generator_url: https://kibana.example.mo/alert/{alert_id}   # optional generatorURL
///       timeout: 5s                         # per HTTP request
///       retry_every: 2s                     # background retry tick
///       max_backoff: 30s                    # cap of the exponential backoff
///       max_active: 10000                   # alerts remembered for re-sending
///
/// Durations take ms, s, m, h or d (a bare number is seconds).
///
/// Each alert becomes
///
///     {"labels": {"alertname": <rule name, or rule id>, "rule_id", "family", "severity",
///                 "pdpa_article": "19,20", "alert_id"},
///      "annotations": {"summary": <message>, "message": <message>, "runbook": <base + rule id>,
///                      "description": <user, source and destination, count and time span>},
///      "startsAt": <alert @timestamp>, "endsAt": <delivery time + resolve_after>,
///      "generatorURL": <optional>}
///
/// Labels with an empty value are left out. `alert_id` makes every dingwatch alert its own
/// Alertmanager alert (routing still groups them by `alertname`, `rule_id`, …).
///
/// Delivery semantics
///
/// - `write` first appends the batch to `SPOOL/spool.jsonl` (one Alertmanager alert per line,
///   without `endsAt`) and fsyncs it; only then does it try to deliver the whole spool,
///   oldest first, one POST per `write` (in chunks of 500 for a large backlog). On success
///   the delivered prefix is cut from the spool. If Alertmanager is unreachable, answers
///   5xx, 408 or 429, or times out, the spool is kept and `write` still returns true: the
///   alerts are durable on disk. `write` returns false only when the spool cannot be
///   written or would outgrow `spool_max` — the pipeline then stalls instead of dropping.
/// - Failed deliveries back off exponentially (1 s doubling up to `max_backoff`). While
///   backing off, retries belong to a background thread that checks every `retry_every`
///   (and is woken by a `write` once the backoff has passed), so delivery resumes as soon
///   as Alertmanager is back, not with the next alert, and an Alertmanager that accepts
///   connections but hangs costs the pipeline one `timeout`, not one per write. A sink
///   created over a non-empty spool (after a crash or restart) delivers it the same way.
/// - A 4xx other than 408/429 means Alertmanager rejected the batch as invalid, which no
///   retry can fix: the batch moves to `SPOOL/rejected.jsonl` (kept, not dropped) and is
///   logged.
/// - `endsAt` is fixed when an alert is first delivered (delivery time + `resolve_after`, so
///   an alert delivered late from the spool still fires for its full window). Writing the
///   same alert id again moves it forward.
/// - Re-sending: dingwatch alerts are point events with no "still active" signal, so an
///   alert counts as active until its `endsAt`. Delivered alerts are remembered (at most
///   `max_active`, those ending soonest evicted first) and re-POSTed with the same `endsAt`
///   every `resend_every` until then. The re-POST is idempotent for Alertmanager and
///   restores alerts an Alertmanager restart lost (it keeps alerts in memory only); at
///   `endsAt` Alertmanager resolves them on its own and the sink forgets them.
/// - Destruction stops the thread and makes one last delivery attempt (bounded by about
///   one `timeout` overall); whatever is left stays spooled for the next start.
///
/// Metrics (when the sink context has a `metrics`): `dingwatch_alertmanager_spooled`
/// (gauge: alerts waiting in the spool) and `dingwatch_alertmanager_posts_total{result="ok|error"}`.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/sink.hpp"

namespace dingwatch {

/// Settings of the Alertmanager sink; see the header comment for the YAML form.
struct alertmanager_options {
  std::string url = "http://127.0.0.1:9093";         ///< base URL of Alertmanager
  std::filesystem::path spool;                       ///< empty: default_spool_dir()
  std::uint64_t spool_max_bytes = 100ULL << 20;      ///< the spool refuses writes beyond this
  std::chrono::milliseconds resolve_after = std::chrono::hours(1);
  std::chrono::milliseconds resend_every{0};         ///< 0: resolve_after / 3
  std::string runbook_base;                          ///< empty: no runbook annotation
  std::string generator_url;                         ///< `{alert_id}` is replaced; empty: none
  std::chrono::milliseconds timeout = std::chrono::seconds(5);
  std::chrono::milliseconds retry_every = std::chrono::seconds(2);
  std::chrono::milliseconds max_backoff = std::chrono::seconds(30);
  std::size_t max_active = 10000;
};

/// `/var/lib/dingwatch/am-spool` if that can be created and written, else `./am-spool`.
std::filesystem::path default_spool_dir();

/// Parses the sink's YAML block; throws std::runtime_error naming the field and a hint.
alertmanager_options parse_alertmanager_options(const YAML::Node& config);

/// Posts alerts to Alertmanager, spooling them to disk first (see the header comment).
class alertmanager_sink final : public alert_sink {
 public:
  /// Opens (creates) the spool directory and locks it against other sinks; throws
  /// std::runtime_error naming the directory if it cannot. `m` may be null.
  explicit alertmanager_sink(alertmanager_options options, metrics* m = nullptr);
  /// Stops the retry thread, tries one last delivery, keeps the rest spooled.
  ~alertmanager_sink() override;
  alertmanager_sink(const alertmanager_sink&) = delete;
  alertmanager_sink& operator=(const alertmanager_sink&) = delete;

  [[nodiscard]] std::string_view name() const noexcept override { return "alertmanager"; }
  /// Spools `alerts` durably, then tries to deliver the spool; false only if the spool
  /// could not be written (I/O error, or `spool_max` reached).
  bool write(std::span<const alert> alerts) override;

  /// Alerts waiting in the spool.
  [[nodiscard]] std::size_t spooled() const;
  /// The spool file (`SPOOL/spool.jsonl`).
  [[nodiscard]] std::filesystem::path spool_file() const;
  /// Alerts remembered for re-sending.
  [[nodiscard]] std::size_t active() const;

  /// The Alertmanager JSON object of one alert, without `endsAt` (as spooled).
  [[nodiscard]] static std::string to_alertmanager_json(const alert& a, const alertmanager_options& o);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dingwatch
