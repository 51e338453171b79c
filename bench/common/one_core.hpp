#pragma once
/// Figure 1 of issue #9: decode + enrich + detect on one core against a simdjson
/// parse-only walk of the same records (#9) and against decode alone (#4).
///
/// Each pass runs one parse-only, one decode and one decode + detect pass over the corpus
/// back to back on the calling thread, timed in that thread's CPU time, so all three see
/// the same neighbours on a shared machine; the figures are ratios per pass, summarised
/// over passes. Engine state persists across passes (times move forward by whole weeks).

#include <cstddef>
#include <vector>

#include "detect_support.hpp"

namespace dingwatch::bench {

/// Throughput ratios (contender / baseline, > 1 = contender faster) of the passes so far.
struct one_core_ratios {
  spread detect_vs_parse;   ///< parse time / (decode + detect) time; target ≥ 0.5
  spread detect_vs_decode;  ///< decode time / (decode + detect) time; target ≥ 0.5 (#4)
  spread decode_vs_parse;   ///< parse time / decode time; target ≥ 0.7 (decode alone)
};

class one_core_pairing {
 public:
  one_core_pairing(const detect_corpus& corpus, const detect_pack& pack);

  /// One parse-only, one decode and one decode + detect pass, back to back.
  void pass();

  [[nodiscard]] one_core_ratios ratios() const;
  [[nodiscard]] std::size_t passes() const noexcept { return pass_; }
  /// Records the decoder refused over every pass (generated records: must stay 0).
  [[nodiscard]] std::size_t rejected() const noexcept { return rejected_; }
  /// Alerts per 1,000 events of the decode + detect passes.
  [[nodiscard]] double alerts_per_1k_events() const noexcept;

 private:
  const detect_corpus& corpus_;
  simdjson::ondemand::parser parser_;
  decode_stage decode_;
  detect_stage detect_;
  std::vector<double> vs_parse_, vs_decode_, decode_vs_parse_;
  std::size_t checksum_ = 0, rejected_ = 0, events_ = 0;
  std::uint64_t pass_ = 0;
};

}  // namespace dingwatch::bench
