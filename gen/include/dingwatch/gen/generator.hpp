#pragma once
/// Deterministic synthetic DingTalk traffic with labelled injected incidents.
///
/// The generator simulates one Macau company (Asia/Macau, UTC+8) day by day: staff in
/// departments with stable ids, names, devices, platforms, office IPs and GPS points;
/// working hours with jitter, lunch dip, Saturdays, night shifts, roaming sales staff,
/// cross-border commuters, trips abroad, joiners and leavers. Each simulated day is
/// rendered into an arena, sorted by event time and handed out one record at a time,
/// so the stream is in non-decreasing simulated time and infinite.
///
/// Records use the exact shapes of `shared/samples/` (HTTP-push flat events, Stream-mode
/// envelopes with `data` as string or object, approvals, `attendance_check_record`,
/// camelCase and snake_case audit items, `getupdatedata` rows, gateway flows).
///
/// Incidents (`incident`) are drawn per user-day with probability `incident_rate` and
/// rendered with the same shapes as benign traffic; benign lookalikes of every incident
/// kind are part of the normal traffic. The private catalogue `gen/src/catalog.hpp` holds
/// the names, IP ranges per jurisdiction, destinations, GPS boxes and file templates.
///
/// Determinism: same `options` (including a non-zero `start_ms`) → byte-identical
/// records and labels. The PRNG is xoshiro256** seeded through splitmix64; no libm or
/// `std::` distributions are used, so output does not depend on the standard library.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dingwatch::gen {

/// What to simulate.
struct options {
  std::uint64_t seed = 1;             ///< PRNG seed; same seed, same stream
  int users = 200;                    ///< company size (human staff; bots come on top)
  double incident_rate = 0.02;        ///< P(a user-day carries one injected incident); 0 = benign only
  std::int64_t start_ms = 0;          ///< simulated start (epoch ms); 0 = 7 days before now, Macau midnight
  std::string corp_id = "ding5f2a9c1e7b3d";  ///< DingTalk corpId written into every record
};

/// One Kafka message.
struct record {
  std::string topic;  ///< "dingtalk.events" | "dingtalk.audit" | "dingtalk.flows"
  std::string key;    ///< "corp:user"
  std::string value;  ///< one JSON object, DingTalk-shaped
  std::int64_t ts_ms = 0;  ///< simulated event time, epoch ms UTC
};

/// Ground truth for one injected incident (one JSON line in `--labels`).
struct incident {
  std::string id;       ///< "inc-000001", numbered in order of first emitted record
  std::string family;   ///< excessive_collection | anomalous_access | cross_border
  std::string kind;     ///< e.g. bulk_download (the list is in generator.cpp, `k_kinds`)
  std::string user_id;  ///< the user (or bot account) the incident's records belong to
  std::int64_t start_ms = 0;  ///< event time of the incident's first record
  std::int64_t end_ms = 0;    ///< event time of its last record
};

/// `{"id":…,"family":…,"kind":…,"user_id":…,"start_ms":…,"end_ms":…}` (one line, no newline).
std::string to_json(const incident&);

/// The traffic generator. Not thread-safe; one instance per producer thread.
class generator {
 public:
  /// Builds the company (users, chats, offices) from `opts.seed`.
  explicit generator(options opts);
  ~generator();
  generator(generator&&) noexcept;
  generator& operator=(generator&&) noexcept;
  generator(const generator&) = delete;
  generator& operator=(const generator&) = delete;

  /// Next record in simulated-time order. Infinite stream; the caller decides how many.
  /// Reuses `out`'s string capacity: no allocation in steady state.
  void next(record& out);

  /// Incidents whose first record has been emitted so far (append-only).
  [[nodiscard]] const std::vector<incident>& incidents() const noexcept;

  /// Simulated clock: event time of the last emitted record (`start_ms` before the first).
  [[nodiscard]] std::int64_t now_ms() const noexcept;

  /// The options in effect (with `start_ms` resolved when it was 0).
  [[nodiscard]] const options& config() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Topic names the generator writes.
inline constexpr const char* k_topic_events = "dingtalk.events";
inline constexpr const char* k_topic_audit = "dingtalk.audit";
inline constexpr const char* k_topic_flows = "dingtalk.flows";

/// Identity-number helpers the generator uses (exposed for tests and detectors' tests).
/// HKID check character for `prefix` (1–2 letters) + 6 digits: '0'–'9' or 'A'.
char hkid_check(const std::string& letters_and_digits);
/// PRC resident id check character (ISO 7064 MOD 11-2) for the first 17 digits.
char prc_id_check(const std::string& first17);
/// Macau BIR check digit as generated here (weights 8..2 over the 7 digits, mod 11;
/// numbers whose remainder gives 10 are never generated). The real algorithm is not
/// public; detectors should rely on the `[157]NNNNNN(N)` format plus context.
char macau_bir_check(const std::string& seven_digits);

}  // namespace dingwatch::gen
