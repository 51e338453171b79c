#include "one_core.hpp"

namespace dingwatch::bench {

one_core_pairing::one_core_pairing(const detect_corpus& corpus, const detect_pack& pack)
    : corpus_(corpus), detect_(pack) {}

void one_core_pairing::pass() {
  const double t0 = thread_cpu_ns();
  checksum_ += parse_pass(corpus_.batch.records(), parser_);
  const double t1 = thread_cpu_ns();
  rejected_ += decode_pass(corpus_, decode_, pass_).rejected;
  const double t2 = thread_cpu_ns();
  const pass_counts n = detect_pass(corpus_, decode_, detect_, pass_);
  const double t3 = thread_cpu_ns();
  ++pass_;
  rejected_ += n.rejected;
  events_ += n.events;
  vs_parse_.push_back((t1 - t0) / (t3 - t2));
  vs_decode_.push_back((t2 - t1) / (t3 - t2));
  decode_vs_parse_.push_back((t1 - t0) / (t2 - t1));
}

one_core_ratios one_core_pairing::ratios() const {
  return {spread_of(vs_parse_), spread_of(vs_decode_), spread_of(decode_vs_parse_)};
}

double one_core_pairing::alerts_per_1k_events() const noexcept {
  return events_ == 0 ? 0 : 1000.0 * static_cast<double>(detect_.alerts()) / static_cast<double>(events_);
}

}  // namespace dingwatch::bench
