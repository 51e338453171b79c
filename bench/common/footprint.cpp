#include "footprint.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string_view>

#include "counting_new.hpp"
#include "dingwatch/detectors/rules/parser.hpp"
#include "dingwatch/detectors/rules/tooling.hpp"

namespace dingwatch::bench {

namespace {

constexpr std::int64_t k_state_start_ms = 1'794'880'800'000;  // Tue 2026-11-17 10:00 Macau
constexpr std::int64_t k_state_span_ms = 5 * 60'000;

std::string_view kind_name(rules::stateful_kind k) {
  using rules::stateful_kind;
  switch (k) {
    case stateful_kind::none: return "stateless";
    case stateful_kind::event_count: return "event_count";
    case stateful_kind::value_count: return "value_count";
    case stateful_kind::value_sum: return "value_sum";
    case stateful_kind::temporal: return "temporal";
    case stateful_kind::temporal_ordered: return "temporal_ordered";
    case stateful_kind::baseline: return "baseline";
    case stateful_kind::first_seen: return "first_seen";
  }
  return "other";
}

/// The default pack loaded afresh with every rule's key cap lifted above `users`.
detect_pack uncapped_pack(std::size_t users) {
  rules::load_result r = rules::load_rules({rules::default_rules_dir().string()});
  if (!r.ok()) throw std::runtime_error("default rule pack does not load");
  // The set is built mutable by the loader and shared as const; this copy is ours alone.
  auto& set = const_cast<rules::rule_set&>(*r.rules);
  for (auto& rule : set.rules) rule.max_keys = users + 1;
  return {r.rules, default_pack().resolver};
}

}  // namespace

std::int64_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

namespace {

/// One pass over the corpus in pipeline batches, its allocations charged by event.
allocation_count counted_pass(const detect_corpus& corpus, decode_stage& d, detect_stage* s, std::uint64_t pass) {
  allocation_count n;
  const std::uint64_t alerts_before = s != nullptr ? s->alerts() : 0;
  // Each event's allocations, charged to the alerts when it raised one.
  std::uint64_t mark = 0;
  const auto after_event = [&](bool alerted) {
    const std::uint64_t now = heap_now().allocations;
    if (alerted) {
      ++n.alert_events;
      n.alert_allocations += now - mark;
    }
    mark = now;
  };
  const heap_counts before = heap_now();
  const std::int64_t shift = static_cast<std::int64_t>(pass) * corpus.period_ms;
  for (std::size_t first = 0; first < corpus.batch.size(); first += k_batch_records) {
    d.decode(corpus, first, std::min(first + k_batch_records, corpus.batch.size()), shift);
    n.events += d.events().size();
    mark = heap_now().allocations;
    if (s != nullptr) s->run(d.events(), after_event);
  }
  n.allocations = heap_now().allocations - before.allocations;
  n.records = corpus.batch.size();
  n.alerts = s != nullptr ? s->alerts() - alerts_before : 0;
  return n;
}

}  // namespace

allocation_count count_allocations(const detect_corpus& corpus, bool detect, std::uint64_t passes,
                                   std::uint64_t max_warmup) {
  decode_stage d;
  detect_stage s(default_pack());
  detect_stage* stage = detect ? &s : nullptr;
  std::uint64_t pass = 0;
  // Warm up until a whole pass is quiet: every table, buffer and window block has
  // reached the largest size this traffic asks of it.
  std::uint64_t warmup = 0;
  while (warmup < max_warmup) {
    const allocation_count w = counted_pass(corpus, d, stage, pass++);
    ++warmup;
    if (warmup >= 2 && w.allocations == w.alert_allocations) break;
  }
  allocation_count n;
  n.warmup_passes = warmup;
  for (std::uint64_t i = 0; i < passes; ++i) {
    const allocation_count p = counted_pass(corpus, d, stage, pass++);
    n.allocations += p.allocations;
    n.events += p.events;
    n.records += p.records;
    n.alerts += p.alerts;
    n.alert_events += p.alert_events;
    n.alert_allocations += p.alert_allocations;
  }
  return n;
}

state_per_user measure_state_per_user(const detect_corpus& corpus, std::size_t users, std::size_t events_per_user) {
  decode_stage d;
  d.decode(corpus, 0, std::min(k_batch_records, corpus.batch.size()), 0);
  const std::vector<normalized_event> templates = d.events();  // views into `d` and `corpus`, kept alive
  const detect_pack pack = uncapped_pack(users);

  std::vector<normalized_event> batch;
  batch.reserve(k_batch_records);
  std::vector<std::string> ids(k_batch_records);
  const heap_counts heap_before = heap_now();
  const std::int64_t rss_before = rss_bytes();
  detect_stage s(pack);
  const auto flush = [&] {
    s.run(batch);
    batch.clear();
  };
  for (std::size_t u = 0; u < users; ++u) {
    const std::int64_t ts =
        k_state_start_ms + static_cast<std::int64_t>(u) * k_state_span_ms / static_cast<std::int64_t>(users);
    for (std::size_t j = 0; j < events_per_user; ++j) {
      if (batch.size() == k_batch_records) flush();
      std::string& id = ids[batch.size()];
      id = fmt::format("01{:014}", u);  // a DingTalk-style 16-character user id
      normalized_event ev = templates[(u * events_per_user + j) % templates.size()];
      ev.user_id = id;
      ev.ts_ms = ev.ingest_ms = ts;
      batch.push_back(ev);
    }
  }
  flush();
  const heap_counts heap_after = heap_now();
  const std::int64_t rss_after = rss_bytes();

  state_per_user r;
  r.users = users;
  const auto per_user = [&](double v) { return v / static_cast<double>(users); };
  std::size_t keys = 0, accounted = 0;
  for (std::size_t i = 0; i < pack.rules->rules.size(); ++i) {
    const rules::compiled_rule& rule = pack.rules->rules[i];
    const std::size_t k = s.engine().tracked_keys(i);
    keys += k;
    accounted += k * rules::rule_engine::bytes_per_key(rule);
    if (k > 0) r.keys_by_kind[std::string(kind_name(rule.stateful))] += per_user(static_cast<double>(k));
  }
  r.tracked_keys = per_user(static_cast<double>(keys));
  r.accounted_bytes = per_user(static_cast<double>(accounted));
  r.heap_bytes = per_user(static_cast<double>(heap_after.live_bytes - heap_before.live_bytes));
  r.rss_bytes = per_user(static_cast<double>(rss_after - rss_before));
  r.evicted = s.engine().stats().evicted;
  r.expired = s.engine().stats().expired;
  return r;
}

}  // namespace dingwatch::bench
