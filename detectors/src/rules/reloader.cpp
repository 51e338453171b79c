#include "dingwatch/detectors/rules/reloader.hpp"

#include <map>
#include <string_view>

namespace dingwatch::rules {

set_changes compare_sets(const rule_set& before, const rule_set& after) {
  std::map<std::string_view, std::uint64_t> old;
  for (const auto& r : before.rules) old.emplace(r.id, r.fingerprint);
  set_changes c;
  for (const auto& r : after.rules) {
    const auto it = old.find(r.id);
    if (it != old.end() && it->second == r.fingerprint) ++c.kept;
    else ++c.fresh;
    if (it != old.end()) old.erase(it);
  }
  c.removed = old.size();
  return c;
}

rule_pack::rule_pack(std::vector<std::string> paths, std::shared_ptr<const rule_set> set,
                     load_limits limits)
    : paths_(std::move(paths)), limits_(limits), set_(std::move(set)) {}

std::pair<std::shared_ptr<const rule_set>, std::uint64_t> rule_pack::current() const {
  const std::lock_guard lock(mu_);
  return {set_, version_.load(std::memory_order_relaxed)};
}

void rule_pack::publish(std::shared_ptr<const rule_set> set) {
  const std::lock_guard lock(mu_);
  set_ = std::move(set);
  version_.fetch_add(1, std::memory_order_release);
}

namespace {

void append(diagnostics& into, const diagnostics& from) {
  for (const auto& d : from.list()) {
    if (d.level == diag_level::error) into.error(d.where, d.message, d.hint);
    else into.warning(d.where, d.message, d.hint);
  }
}

/// Loads every pack; publishes them all only when none has an error.
reload_result reload_packs(const std::vector<rule_pack*>& packs) {
  reload_result out;
  out.packs = packs.size();
  std::vector<load_result> loaded;
  loaded.reserve(packs.size());
  for (const auto& p : packs) {
    loaded.push_back(p->load());
    append(out.problems, loaded.back().problems);
  }
  out.ok = !out.problems.has_errors();
  if (!out.ok) return out;
  for (std::size_t i = 0; i < packs.size(); ++i) {
    const auto before = packs[i]->current().first;
    const set_changes c = compare_sets(*before, *loaded[i].rules);
    out.changes.kept += c.kept;
    out.changes.fresh += c.fresh;
    out.changes.removed += c.removed;
    out.rules += loaded[i].rules->rules.size();
    packs[i]->publish(std::move(loaded[i].rules));
  }
  return out;
}

}  // namespace

reload_result rule_pack::reload() { return reload_packs({this}); }

void rule_packs::add(const std::shared_ptr<rule_pack>& pack) {
  const std::lock_guard lock(mu_);
  packs_.push_back(pack);
}

std::vector<std::shared_ptr<rule_pack>> rule_packs::live() const {
  const std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<rule_pack>> out;
  std::erase_if(packs_, [&](const std::weak_ptr<rule_pack>& w) {
    auto p = w.lock();
    if (!p) return true;
    out.push_back(std::move(p));
    return false;
  });
  return out;
}

reload_result rule_packs::reload_all() {
  const std::lock_guard serial(reload_mu_);
  const auto packs = live();  // keeps them alive while reloading
  std::vector<rule_pack*> raw;
  for (const auto& p : packs) raw.push_back(p.get());
  return reload_packs(raw);
}

std::shared_ptr<rule_packs> global_packs() {
  static const auto packs = std::make_shared<rule_packs>();
  return packs;
}

}  // namespace dingwatch::rules
