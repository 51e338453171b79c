#pragma once
/// The rule engine: one `rule_engine` detector per shard runs a compiled `rule_set`.
///
/// Per event, for each rule that can detect on the event's class (its kind and action,
/// `compiled_rule::admits`), in `rule_set::order` (rules a correlation references first):
/// evaluate what the class leaves of `detection.where` (pattern leaves trigger at most one
/// Hyperscan scan per field per event, with this shard's own scratch; a rule that needs a
/// pattern to match is dropped as soon as the scans show none of its patterns did), then
/// what the class leaves of the exceptions, then the stateful part (docs/rules.md,
/// "Stateful detection"):
///   - `event_count`: ≥ N events per key within T (the key's window restarts after an alert);
///   - `value_count`: ≥ N distinct values of a field per key within T;
///   - `value_sum`: the sum of a number field per key within T reaches N (60 sub-buckets
///     per window);
///   - `temporal` / `temporal_ordered`: every step (another rule's detection, or a macro)
///     matched for the same key within T, in any order / in the listed order;
///   - `baseline`: the key's hourly count (or sum) exceeds its own EWMA baseline for that
///     hour-of-week (or hour-of-day) slot by z·σ or a ratio, after a warm-up;
///   - `first_seen`: a value of a field the key has not shown within the TTL, after a
///     learning period; an event meeting the rule's `teach` condition adds its own field's
///     value silently.
/// A rule "detects" before suppression; correlations see detections of the rules they
/// reference even when those are suppressed or `generate: false`.
/// Alert ids are `make_alert_id(rule, key, window_start)` with window_start the time of
/// the oldest event in the window (the event's own time for stateless rules), so a
/// replay produces the same ids.
///
/// Key fields are read once per event for each distinct key (`by`) of the set; state is
/// found by the key's 64-bit hash (key_table.hpp), so steady state allocates nothing per
/// event. State is bounded per rule and shard: keys are kept in least-recently-touched order;
/// keys idle longer than the rule's TTL (`within`, or `ttl` for baseline/first_seen) are
/// expired from the cold end as new events arrive, and past `max_keys` the coldest keys
/// are evicted. Counters per rule (`rule_stats(i)`, `counters()`) are kept per shard.
/// Suppression (`suppress: {for, by}`) drops alerts of the same rule and suppression key
/// until `for` has passed since the last alert sent, and the next alert sent carries how
/// many were dropped in `alert::suppressed`.
///
/// Hot reload (reloader.hpp): an engine built on a `rule_pack` checks the pack's version
/// at every batch boundary (before a batch's first event, after `on_batch_end`) and adopts
/// a newly published set there, keeping the state of the rules whose id and fingerprint
/// did not change.
///
/// Checkpoints (core/checkpoint.hpp): `save` writes the state of every rule that has any,
/// named by the rule's id and fingerprint; `restore` takes back the state of the rules
/// whose id and fingerprint match the running set (as `adopt` does) and starts the others
/// empty. Both live in engine_checkpoint.cpp.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dingwatch/core/detector.hpp"
#include "dingwatch/core/text_memo.hpp"
#include "dingwatch/detectors/rules/key_table.hpp"
#include "dingwatch/detectors/rules/metrics.hpp"
#include "dingwatch/detectors/rules/rule_set.hpp"

struct hs_scratch;

namespace dingwatch::rules {
class rule_pack;
}

namespace dingwatch::rules {

/// Counters of one engine instance (one shard), summed over its rules.
struct engine_stats {
  std::uint64_t matched = 0;     ///< events that met a rule's `where`
  std::uint64_t excepted = 0;    ///< of those, silenced by an exception
  std::uint64_t alerts = 0;      ///< alerts emitted
  std::uint64_t suppressed = 0;  ///< alerts folded by suppression
  std::uint64_t expired = 0;     ///< keys dropped after their window passed
  std::uint64_t evicted = 0;     ///< keys (or first_seen values) dropped by a cap
};

/// Runs a rule set (or one rule of it) on one shard's events.
class rule_engine final : public detector {
 public:
  /// Runs every rule of `set`, or only rule number `only` (tests: the rules it
  /// references run too, silently, and `only` emits even when `generate: false`).
  /// Counters go to a block attached to `metrics` when given, else a private one.
  explicit rule_engine(std::shared_ptr<const rule_set> set,
                       std::optional<std::size_t> only = std::nullopt,
                       const std::shared_ptr<rule_metrics>& metrics = nullptr);
  /// Runs the pack's current set and follows it: a set published later is adopted at the
  /// next batch boundary.
  rule_engine(std::shared_ptr<const rule_pack> pack, std::shared_ptr<rule_metrics> metrics = nullptr);
  ~rule_engine() override;
  rule_engine(const rule_engine&) = delete;
  rule_engine& operator=(const rule_engine&) = delete;

  [[nodiscard]] std::string_view name() const noexcept override { return "rules"; }
  void on_event(const normalized_event& ev, alert_emitter& out) override;
  /// Ends the batch: the next event starts one, and first adopts the pack's newer set if
  /// one was published (one atomic load per batch otherwise).
  void on_batch_end() override;
  /// Writes the per-key state of every rule (windows, sums, correlations, baselines,
  /// first-seen sets, suppression) with the rule's id and fingerprint.
  void save(state_writer& out) const override;
  /// Replaces the state with a saved one: rules matched by id and fingerprint get theirs
  /// back, others start empty. Fails `in` on malformed bytes (then the state is partial:
  /// the caller discards the engine).
  void restore(state_reader& in) override;

  /// Switches to `next` (every rule of it; not for single-rule engines): rules with the
  /// same id and fingerprint keep their state, the others start empty; counters restart
  /// in a new block (totals in `rule_metrics` keep growing). False, with the old set
  /// kept, when Hyperscan scratch cannot be allocated for the new databases.
  bool adopt(std::shared_ptr<const rule_set> next);
  /// The set running now.
  [[nodiscard]] const std::shared_ptr<const rule_set>& set() const noexcept { return set_; }

  /// This instance's counters, summed over its rules.
  [[nodiscard]] engine_stats stats() const noexcept;
  /// The counters of rule number `rule` on this shard.
  [[nodiscard]] rule_totals rule_stats(std::size_t rule) const { return counters_->read(rule); }
  /// This shard's counter block (shared with `rule_metrics` when attached).
  [[nodiscard]] const std::shared_ptr<counter_block>& counters() const noexcept { return counters_; }
  /// Keys currently tracked by rule number `rule` (detection state, not suppression).
  [[nodiscard]] std::size_t tracked_keys(std::size_t rule) const;
  /// Bytes one tracked key of `r` holds at most: its state with the heap it owns (full
  /// windows, every first_seen value) and the table's bookkeeping (docs/rules.md,
  /// "Memory per key").
  [[nodiscard]] static std::size_t bytes_per_key(const compiled_rule& r);

 private:
  /// `v` emptied, its block kept: what the states' `clear()` hand to their next key.
  template <typename T>
  static std::vector<T> recycled(std::vector<T>& v) noexcept {
    v.clear();
    return std::move(v);
  }
  struct window_state {
    std::vector<std::pair<std::int64_t, event_ref>> events;  ///< sorted by time
    std::vector<std::pair<std::string, std::int64_t>> values;  ///< value_count
    /// Empty, keeping the vectors' blocks for the table's next key (key_table.hpp).
    void clear() noexcept {
      events.clear();
      values.clear();
    }
  };
  struct sum_bucket {
    std::int64_t index = 0;  ///< ts / bucket width
    std::int64_t first_ms = 0, last_ms = 0;
    double sum = 0;
    event_ref ref;  ///< the latest event of the bucket
  };
  struct sum_state {
    std::vector<sum_bucket> buckets;  ///< sorted by index, at most 61
    void clear() noexcept { buckets.clear(); }
  };
  struct corr_hit {
    std::int64_t ts = 0;
    std::uint64_t seq = 0;  ///< arrival order: one event never fills two ordered steps
    event_ref ref;
    std::uint8_t step = 0;
  };
  struct corr_state {
    std::vector<corr_hit> hits;  ///< at most 8 per step, newest kept
    std::int64_t latest_ms = 0;
    void clear() noexcept { *this = corr_state{.hits = recycled(hits), .latest_ms = 0}; }
  };
  struct baseline_state {
    std::int64_t first_hour = 0;  ///< Macau-local hour index of the key's first bucket
    std::int64_t hour = 0;        ///< current bucket
    std::int64_t bucket_first_ms = 0;
    double total = 0;             ///< current bucket's count or sum
    /// The hour just before `hour`, for the trailing-hour test: its total (0 if it had
    /// no events or fired), the first and last second of its events within it, and its
    /// slot's mean and σ before it was folded in.
    float prev_total = 0;
    std::uint16_t prev_first_s = 0, prev_last_s = 0;
    std::uint16_t prev_mean = 0, prev_sigma = 0;
    std::uint16_t last_s = 0;     ///< the current bucket's latest event, seconds into it
    bool alerted = false;         ///< fired for the current bucket already
    std::vector<std::uint16_t> slots;  ///< per slot: log-coded mean, log-coded σ
    void clear() noexcept { *this = baseline_state{.slots = recycled(slots)}; }
  };
  /// A first_seen value is only its hash; the table keeps its last sighting.
  struct seen_mark {};
  struct seen_state {
    std::int64_t first_ms = 0;  ///< when the key was first tracked (learning starts)
    /// Sets of up to `k_listed_values` values (per user: IPs, devices, countries): value
    /// hash and last seen, scanned in full per event, which at this size beats hashing.
    std::vector<std::pair<std::uint64_t, std::int64_t>> values;
    /// Larger sets (users of a company, up to 65,536): looked up by hash, expired and
    /// evicted from their least recently seen end like keys.
    std::unique_ptr<key_table<seen_mark>> many;
    void clear() noexcept { *this = seen_state{.values = recycled(values), .many = nullptr}; }
  };
  /// Above this `max_values` a first_seen set is a `seen_state::many` table.
  static constexpr std::size_t k_listed_values = 64;
  struct suppress_state {
    std::int64_t until_ms = 0;
    std::int64_t folded = 0;
  };
  struct rule_state {
    key_table<window_state> windows;
    key_table<sum_state> sums;
    key_table<corr_state> corr;
    key_table<baseline_state> baselines;
    key_table<seen_state> seen;
    key_table<suppress_state> suppression;
    std::int64_t since_ms = 0;  ///< baseline: the first event the rule saw (0: none yet)
  };
  /// A distinct list of key fields of the set (a rule's `by`, a step's `by`, a
  /// `suppress.by`): its text and hash are read at most once per event.
  struct key_group {
    std::vector<field_id> fields;
    std::uint32_t generation = 0;  ///< event the text below belongs to
    bool complete = false;         ///< every field but corp.id has a value
    std::uint64_t hash = 0;
    std::string text;
  };
  /// The key groups one rule reads.
  struct rule_keys {
    std::uint32_t by = 0;
    std::uint32_t suppress = 0;
    std::vector<std::uint32_t> steps;
  };
  /// What a detection hands to `fire`.
  struct detection {
    std::int64_t window_start = 0;
    std::int64_t count = 1;
    std::int64_t first_ms = 0;
    std::vector<event_ref> refs;
    std::vector<std::pair<std::string, std::string>> evidence;  ///< replaces/extends fields
    std::string expected;  ///< `{expected}`
  };

  struct state_codec;  ///< (de)serializes the state structs above: engine_checkpoint.cpp

  bool eval(std::uint32_t node, const normalized_event& ev);
  bool pattern_matched(const cond_node& n, const normalized_event& ev);
  /// Scans `ev`'s field of database `database` unless this event's scan is done.
  void ensure_scanned(std::uint32_t database, const normalized_event& ev);
  /// Counts `cr`'s rule as matched by `ev`; true, counted as excepted too, when one of
  /// its exceptions holds.
  bool excepted(const class_rule& cr, const normalized_event& ev);
  /// Whether this event's scans of every database `cr`'s pattern requirements name ran.
  bool needs_scanned(const class_rule& cr) const;
  /// Whether one of `cr`'s pattern requirements (`class_rule::needs_count`) is met.
  bool needs_met(const class_rule& cr, const normalized_event& ev);
  /// Marks the leaves of database `database` that match `text`: from the scan memo when
  /// the value was scanned lately, else by a Hyperscan scan (remembered for next time).
  void scan(std::uint32_t database, std::string_view text);
  const key_group& key(std::uint32_t group, const normalized_event& ev);
  /// What the engine holds of rule `index`: its compiled form, counters and state.
  struct rule_refs {
    const compiled_rule& rule;
    rule_counters& counters;
    rule_state& state;
  };
  rule_refs refs(std::size_t index) noexcept;
  /// Marks rule `index` as detected on this event (correlations see it) and decides
  /// whether an alert goes out: nothing when the rule's alerts do not leave the engine or
  /// suppression folds this one (counted there), else how many were folded into it. Only
  /// then is a detection worth building.
  std::optional<std::int64_t> announce(std::size_t index, const normalized_event& ev);
  /// Whether `cr`'s residual (a rule that is not a correlation) holds on `ev`.
  bool holds(const class_rule& cr, const normalized_event& ev);
  /// The steps of correlation `cr` that `ev` is (bit j: step j).
  std::uint32_t step_hits(const class_rule& cr, const normalized_event& ev);
  /// A rule whose residual held: exceptions, then its stateful part.
  void on_rule(const class_rule& cr, const normalized_event& ev, std::int64_t ts, alert_emitter& out);
  void on_counting(std::size_t index, const normalized_event& ev, std::int64_t ts, alert_emitter& out);
  void on_sum(std::size_t index, const normalized_event& ev, std::int64_t ts, alert_emitter& out);
  /// A correlation whose steps `hit_mask` the event is.
  void on_correlation(const class_rule& cr, std::uint32_t hit_mask, const normalized_event& ev, std::int64_t ts,
                      alert_emitter& out);
  void on_baseline(std::size_t index, const normalized_event& ev, std::int64_t ts, alert_emitter& out);
  void on_first_seen(std::size_t index, const normalized_event& ev, std::int64_t ts, alert_emitter& out);
  /// Emits an alert of rule `index` (`announce` let it through, `folded` alerts folded
  /// into it); its id names `key_text`, extended by `|suffix` when `suffix` is not empty.
  void fire(std::size_t index, const normalized_event& ev, std::string_view key_text, std::string_view suffix,
            std::int64_t folded, detection d, alert_emitter& out);
  static int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx);

  void size_for_set();
  void index_rules();
  void follow_pack();

  std::shared_ptr<const rule_set> set_;
  std::shared_ptr<const rule_pack> pack_;  ///< followed for hot reload, or null
  std::uint64_t pack_version_ = 0;
  bool in_batch_ = false;  ///< between a batch's first event and its end
  std::shared_ptr<rule_metrics> metrics_;
  std::vector<std::uint32_t> active_;  ///< rules run, in evaluation order
  /// Per event class: the active rules that admit it (`rule_set::by_class`).
  std::array<std::vector<class_rule>, k_event_classes> dispatch_;
  std::vector<bool> emits_;            ///< per rule: alerts leave the engine
  std::vector<key_group> keys_;
  /// Addresses parsed for cidr tests, by text: they repeat within an event and across events.
  text_memo<std::optional<ip_address>, 256> ip_memo_;
  std::vector<rule_keys> rule_keys_;   ///< per rule
  hs_scratch* scratch_ = nullptr;
  std::uint32_t generation_ = 0;
  std::uint64_t seq_ = 0;
  std::vector<std::uint32_t> leaf_seen_;  ///< leaf → generation it last matched
  std::vector<std::uint32_t> db_scanned_;  ///< database → generation it was last scanned
  /// database → the leaves its scan of this event matched (bit i: `leaves[i]`), for
  /// databases of at most 64 leaves.
  std::vector<std::uint64_t> db_matched_;
  /// Scan results by value, `k_scan_memo` entries per database, direct-mapped by the
  /// value's 64-bit hash (as keys are: two values share an entry's result only if their
  /// hashes collide). Values repeat — a group's title, a shared file's name, a webhook's
  /// domain — and a scan costs hundreds of instructions and a dozen cache misses in the
  /// database, a lookup one hash. `matched` has bit i for the database's `leaves[i]`;
  /// databases of more than 64 leaves are always scanned.
  struct scan_memo_entry {
    std::uint64_t hash = 0;  ///< 0: empty (stored hashes have their low bit set)
    std::uint64_t matched = 0;
  };
  /// 1,024 entries (16 KiB per database): over a generated stream of 200,000 records,
  /// 256 entries missed 11 % of lookups, 1,024 miss 6 %, 2,048 5 %.
  static constexpr std::size_t k_scan_memo = 1024;
  std::vector<scan_memo_entry> scan_memo_;
  std::vector<std::uint32_t> detected_;   ///< rule → generation it last detected
  std::vector<rule_state> state_;
  std::string value_;  ///< scratch: the text of a value_count / first_seen value
  std::string alert_key_;  ///< scratch: the key text an alert id names
  std::string_view scan_text_;  ///< the field being scanned, for validators
  std::shared_ptr<counter_block> counters_;
};

/// A per-shard factory: every call builds a fresh engine sharing `set`, its counters
/// attached to `metrics` when given.
detector_factory make_rule_factory(std::shared_ptr<const rule_set> set,
                                   std::shared_ptr<rule_metrics> metrics = nullptr);

/// A per-shard factory of engines following `pack` (hot reload).
detector_factory make_rule_factory(std::shared_ptr<const rule_pack> pack,
                                   std::shared_ptr<rule_metrics> metrics = nullptr);

}  // namespace dingwatch::rules
