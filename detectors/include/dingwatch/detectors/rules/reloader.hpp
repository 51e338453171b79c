#pragma once
/// Hot reload of rule packs: load and compile a new rule set off the hot path, then let
/// every shard's engine switch to it at its next batch boundary.
///
/// A `rule_pack` is what one `kind: rules` detector loads: its paths and the compiled set
/// its engines run now. `reload()` loads the paths again on the caller's thread (parsing,
/// Hyperscan compilation: the expensive part) and, only when the load has no error,
/// publishes the new set — one mutex-guarded pointer swap and a version bump. Engines
/// compare the version once per batch (before a batch's first event, one atomic load) and
/// adopt the new set there: the state of every rule whose id and `fingerprint` are
/// unchanged moves over (windows, baselines, first-seen sets, suppression); new or
/// changed rules start empty; removed rules' state is dropped. A load with errors
/// publishes nothing: the old set keeps running and the diagnostics say why.
///
/// The `rules` detector kind registers its packs with `global_packs()`, so the app can
/// reload every pack of the process on SIGHUP or when a rule file changes:
///
///     const rules::reload_result r = rules::global_packs()->reload_all();
///     if (!r.ok) log(rules::format_text(r.problems.list()));   // old rules still run

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dingwatch/detectors/rules/parser.hpp"

namespace dingwatch::rules {

/// How the rules of a new set relate to the set they replace.
struct set_changes {
  std::size_t kept = 0;     ///< same id and fingerprint: state carries over
  std::size_t fresh = 0;    ///< new ids, or the same id with another definition
  std::size_t removed = 0;  ///< ids only the old set had
};

/// Compares two sets rule by rule (id, then fingerprint).
set_changes compare_sets(const rule_set& before, const rule_set& after);

/// What a reload did.
struct reload_result {
  bool ok = false;       ///< the new set(s) loaded and were published
  diagnostics problems;  ///< every diagnostic of the load (warnings too)
  std::size_t packs = 0;
  std::size_t rules = 0;  ///< rules now running (when ok)
  set_changes changes;
};

/// The rules one `rules` detector runs, replaceable while its engines run.
class rule_pack {
 public:
  rule_pack(std::vector<std::string> paths, std::shared_ptr<const rule_set> set,
            load_limits limits = {});

  /// The rule files and directories this pack loads.
  [[nodiscard]] const std::vector<std::string>& paths() const noexcept { return paths_; }
  /// Bumped by every publish; cheap to poll.
  [[nodiscard]] std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }
  /// The set running now and its version.
  [[nodiscard]] std::pair<std::shared_ptr<const rule_set>, std::uint64_t> current() const;

  /// Loads the paths again (on the caller's thread) without publishing.
  [[nodiscard]] load_result load() const { return load_rules(paths_, limits_); }
  /// Makes `set` the pack's set; engines switch at their next batch boundary.
  void publish(std::shared_ptr<const rule_set> set);
  /// `load()`, then `publish()` when the load has no error. Never throws.
  reload_result reload();

 private:
  std::vector<std::string> paths_;
  load_limits limits_;
  mutable std::mutex mu_;
  std::shared_ptr<const rule_set> set_;
  std::atomic<std::uint64_t> version_{1};
};

/// The rule packs of a process. Holds them weakly: a pack lives as long as its engines.
class rule_packs {
 public:
  /// Registers a pack.
  void add(const std::shared_ptr<rule_pack>& pack);
  /// The packs still alive.
  [[nodiscard]] std::vector<std::shared_ptr<rule_pack>> live() const;
  /// Reloads every live pack, all or nothing: when any pack's load has an error, none
  /// is published. Thread-safe; concurrent reloads run one after the other.
  reload_result reload_all();

 private:
  mutable std::mutex mu_;
  mutable std::vector<std::weak_ptr<rule_pack>> packs_;
  std::mutex reload_mu_;
};

/// The process-wide registry the `rules` detector kind adds its packs to.
std::shared_ptr<rule_packs> global_packs();

}  // namespace dingwatch::rules
