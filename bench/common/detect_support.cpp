#include "detect_support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include "dingwatch/detectors/rules/parser.hpp"
#include "dingwatch/detectors/rules/tooling.hpp"
#include "dingwatch/gen/generator.hpp"

namespace dingwatch::bench {

namespace {

constexpr std::int64_t k_week_ms = 7 * 86'400'000LL;
constexpr std::int64_t k_start_ms = 1'794'758'400'000;  // Mon 2026-11-16 00:00 Macau: fixed, so runs compare

detect_corpus make_corpus() {
  detect_corpus c;
  gen::options o;
  o.start_ms = k_start_ms;
  o.users = static_cast<int>(env_size("DINGWATCH_BENCH_COMPANY", static_cast<std::size_t>(o.users)));
  gen::generator g(o);
  gen::record r;
  std::int64_t offsets[4] = {};
  std::int64_t last_ms = k_start_ms;
  const std::size_t n = env_size("DINGWATCH_BENCH_RECORDS", 20'000);
  for (std::size_t i = 0; i < n; ++i) {
    g.next(r);
    const source_topic topic = topic_from_name(r.topic);
    // Topic names must outlive the batch: the generator's are string literals.
    const char* name = topic == source_topic::events  ? gen::k_topic_events
                       : topic == source_topic::audit ? gen::k_topic_audit
                                                      : gen::k_topic_flows;
    c.batch.add(name, topic, 0, offsets[static_cast<int>(topic)]++, r.key, r.value, r.ts_ms);
    c.bytes += r.value.size();
    last_ms = std::max(last_ms, r.ts_ms);
  }
  c.period_ms = (last_ms - k_start_ms) / k_week_ms * k_week_ms + k_week_ms;
  return c;
}

}  // namespace

std::size_t env_size(const char* name, std::size_t fallback) {
  const char* n = std::getenv(name);
  return n != nullptr ? std::strtoull(n, nullptr, 10) : fallback;
}

const detect_corpus& generated_corpus() {
  static const detect_corpus c = make_corpus();
  return c;
}

const detect_pack& default_pack() {
  static const detect_pack p = [] {
    rules::load_result r = rules::load_rules({rules::default_rules_dir().string()});
    if (!r.ok())
      throw std::runtime_error(fmt::format("default rule pack does not load:\n{}",
                                           rules::format_text(r.problems.list())));
    return detect_pack{r.rules, jurisdiction_resolver::load(jurisdiction_sources::defaults())};
  }();
  return p;
}

decode_stage::decode_stage() { events_.reserve(k_batch_records * 2); }

std::size_t decode_stage::decode(const detect_corpus& c, std::size_t first, std::size_t last,
                                 std::int64_t shift_ms) {
  arena_.reset();
  events_.clear();
  std::size_t rejected = 0;
  const auto records = c.batch.records();
  for (std::size_t i = first; i < last; ++i) {
    const raw_record& rec = records[i];
    const std::size_t before = events_.size();
    if (decoder_.decode(rec, arena_, events_)) {
      ++rejected;
      continue;
    }
    for (std::size_t j = before; j < events_.size(); ++j) {
      normalized_event& ev = events_[j];
      if (ev.ts_ms != k_absent) ev.ts_ms += shift_ms;
      ev.ingest_ms = rec.timestamp_ms + shift_ms;
    }
  }
  return rejected;
}

detect_stage::detect_stage(const detect_pack& pack)
    : enricher_(make_jurisdiction_enricher(pack.resolver, nullptr)()), engine_(pack.rules) {}

void detect_stage::run(std::vector<normalized_event>& events) {
  for (normalized_event& ev : events) {
    enricher_->enrich(ev);
    engine_.on_event(ev, out_);
  }
  enricher_->flush();
  engine_.on_batch_end();
}

void detect_stage::run(std::vector<normalized_event>& events, const std::function<void(bool alerted)>& after) {
  for (normalized_event& ev : events) {
    const std::uint64_t before = out_.alerts;
    enricher_->enrich(ev);
    engine_.on_event(ev, out_);
    after(out_.alerts != before);
  }
  enricher_->flush();
  engine_.on_batch_end();
}

pass_counts decode_pass(const detect_corpus& c, decode_stage& d, std::uint64_t pass) {
  pass_counts n;
  const std::int64_t shift = static_cast<std::int64_t>(pass) * c.period_ms;
  for (std::size_t first = 0; first < c.batch.size(); first += k_batch_records) {
    n.rejected += d.decode(c, first, std::min(first + k_batch_records, c.batch.size()), shift);
    n.events += d.events().size();
  }
  return n;
}

pass_counts detect_pass(const detect_corpus& c, decode_stage& d, detect_stage& s, std::uint64_t pass) {
  pass_counts n;
  const std::int64_t shift = static_cast<std::int64_t>(pass) * c.period_ms;
  for (std::size_t first = 0; first < c.batch.size(); first += k_batch_records) {
    n.rejected += d.decode(c, first, std::min(first + k_batch_records, c.batch.size()), shift);
    n.events += d.events().size();
    s.run(d.events());
  }
  return n;
}

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double>& xs) {
  if (xs.empty()) return 0;
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

spread spread_of(std::vector<double> xs) {
  if (xs.empty()) return {};
  std::sort(xs.begin(), xs.end());
  const auto at = [&](double q) { return xs[static_cast<std::size_t>(q * static_cast<double>(xs.size() - 1) + 0.5)]; };
  return {at(0.5), at(0.25), at(0.75)};
}

}  // namespace dingwatch::bench
