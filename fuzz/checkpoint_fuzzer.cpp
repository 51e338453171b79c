// libFuzzer target for the checkpoint reader (core/checkpoint.hpp) and the rule engine's
// restore (engine_checkpoint.cpp): any file must be refused with a reason or restored,
// and a restored engine must then evaluate events without crashing.
//
// Most random inputs would stop at the checksum, so each input is tried twice: as it is,
// and with the header's payload size and checksum recomputed, so the fuzzer explores the
// payload and the detector state inside it. Every detector state in a decoded file is
// restored into an engine running checkpoint_rules.yaml (every kind of state), which then
// sees a few events touching each rule.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <variant>

#include "dingwatch/core/checkpoint.hpp"
#include "dingwatch/core/hash.hpp"
#include "dingwatch/detectors/rules/engine.hpp"
#include "dingwatch/detectors/rules/parser.hpp"

namespace {

using namespace dingwatch;

std::shared_ptr<const rules::rule_set> load_set() {
  std::ifstream in(DINGWATCH_FUZZ_CHECKPOINT_RULES);
  std::stringstream text;
  text << in.rdbuf();
  auto loaded = rules::load_rules_text(text.str(), DINGWATCH_FUZZ_CHECKPOINT_RULES);
  if (!loaded.ok()) std::abort();
  return loaded.rules;
}

class discard final : public alert_emitter {
 public:
  void emit(alert&&) override {}
};

/// Events for every rule of checkpoint_rules.yaml, for users whose state a seed holds.
void exercise(rules::rule_engine& engine) {
  discard out;
  const std::int64_t t0 = 1'764'000'000'000;
  for (int i = 0; i < 6; ++i) {
    normalized_event ev;
    ev.kind = event_kind::audit;
    ev.corp_id = "c1";
    ev.user_id = i % 2 ? "u1" : "u2";
    ev.ts_ms = t0 + i * 600'000;
    ev.action = i % 3 == 0 ? audit_action::download : i % 3 == 1 ? audit_action::export_data : audit_action::login;
    ev.resource = i % 2 ? "a.xlsx" : "b.xlsx";
    ev.resource_size = 1500;
    ev.ip = i % 2 ? "10.0.0.1" : "10.0.0.2";
    engine.on_event(ev, out);
    if (i == 2) {
      normalized_event grant;
      grant.kind = event_kind::org_change;
      grant.type = "org_admin_add";
      grant.corp_id = "c1";
      grant.target_user = "u1";
      grant.ts_ms = ev.ts_ms;
      engine.on_event(grant, out);
    }
  }
  engine.on_batch_end();
}

void try_file(std::string_view bytes, const std::shared_ptr<const rules::rule_set>& set) {
  auto decoded = decode_checkpoint(bytes);
  if (auto* error = std::get_if<std::string>(&decoded)) {
    if (error->empty()) std::abort();  // refused without a reason
    return;
  }
  for (const auto& shard : std::get<checkpoint>(decoded).shards)
    for (const auto& d : shard) {
      rules::rule_engine engine(set);
      state_reader in(d.bytes);
      engine.restore(in);
      if (!in.ok() && in.error() == nullptr) std::abort();
      exercise(engine);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto set = load_set();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try_file(input, set);
  if (size < k_checkpoint_header_bytes) return 0;
  // The same bytes with a header that matches them.
  std::string fixed(input);
  const std::string_view payload = std::string_view(fixed).substr(k_checkpoint_header_bytes);
  const std::uint64_t n = payload.size(), sum = hash64(payload, k_checkpoint_seed);
  std::memcpy(fixed.data(), k_checkpoint_magic.data(), k_checkpoint_magic.size());
  std::memcpy(fixed.data() + 8, &k_checkpoint_version, 4);
  std::memcpy(fixed.data() + 16, &n, 8);
  std::memcpy(fixed.data() + 24, &sum, 8);
  try_file(fixed, set);
  return 0;
}
