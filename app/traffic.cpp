#include "traffic.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace dingwatch {

namespace {

/// splitmix64: deterministic choices of which records turn hostile, and how.
struct splitmix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

/// Turns a good record into one of the hostile classes the decoders must refuse.
std::string make_hostile(const std::string& good, splitmix& rng) {
  switch (rng.next() % 6) {
    case 0: return good.substr(0, good.size() / 2);                   // truncated
    case 1: return std::string(good).replace(0, 1, "[");              // malformed
    case 2: return std::string(good).insert(good.size() / 2, "\xff\xfe");  // invalid UTF-8
    case 3: return R"({"hello":"world","n":1})";                     // unknown shape
    case 4: return std::string(64, '[') + std::string(64, ']');       // too deep
    default: return "   ";                                           // empty
  }
}

}  // namespace

void emit_traffic(const traffic_args& args, const record_writer& write, traffic_progress& progress,
                  std::stop_token stop) {
  gen::options o;
  o.seed = args.seed;
  o.users = args.users;
  o.incident_rate = args.incident_rate;
  gen::generator g(o);
  splitmix rng{args.seed ^ 0xbadc0ffeeull};

  std::uint64_t total = args.events;
  if (total == 0 && args.rate > 0 && args.duration > 0)
    total = static_cast<std::uint64_t>(args.rate * args.duration);

  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  gen::record rec;
  std::string hostile;
  for (std::uint64_t i = 0; (total == 0 || i < total) && !stop.stop_requested(); ++i) {
    if (args.rate > 0) {
      const auto due = start + std::chrono::duration_cast<clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(i) / args.rate));
      if (due > clock::now()) std::this_thread::sleep_until(due);
    }
    g.next(rec);
    if (args.bad_rate > 0 && rng.uniform() < args.bad_rate) {
      hostile = make_hostile(rec.value, rng);
      write(rec.topic, rec.key, hostile, rec.ts_ms);
      progress.hostile.fetch_add(1, std::memory_order_relaxed);
    } else {
      write(rec.topic, rec.key, rec.value, rec.ts_ms);
    }
    progress.produced.fetch_add(1, std::memory_order_relaxed);
  }

  if (!args.labels.empty()) {
    std::ofstream labels(args.labels, std::ios::trunc);
    if (!labels) throw std::runtime_error(fmt::format("{}: cannot write the labels file", args.labels));
    for (const auto& inc : g.incidents()) labels << gen::to_json(inc) << '\n';
    spdlog::info("wrote {} labelled incident(s) to {}", g.incidents().size(), args.labels);
  }
  progress.done = true;
}

}  // namespace dingwatch
