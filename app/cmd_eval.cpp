// `dingwatch eval`: labelled traffic from the generator through the production decode →
// detect path, alerts scored against the ground truth (precision, recall, F1).

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

#include "assembly.hpp"
#include "commands.hpp"
#include "dingwatch/core/time.hpp"
#include "dingwatch/gen/generator_source.hpp"
#include "dingwatch/gen/score.hpp"

namespace dingwatch {

namespace {

constexpr std::int64_t k_day_ms = 86'400'000;

/// Keeps what scoring needs of every alert.
class scoring_sink final : public alert_sink {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "eval"; }
  bool write(std::span<const alert> alerts) override {
    const std::lock_guard lock(mutex_);  // shards take turns, but be safe across sinks
    for (const alert& a : alerts) alerts_.push_back(gen::to_scored(a));
    return true;
  }
  std::vector<gen::scored_alert> take() {
    const std::lock_guard lock(mutex_);
    return std::move(alerts_);
  }

 private:
  std::mutex mutex_;
  std::vector<gen::scored_alert> alerts_;
};

/// Dead letters only counted: generated records are well-formed unless a bug says otherwise.
class counting_dead_letters final : public dead_letter_sink {
 public:
  void write(const dead_letter&) override { ++count; }
  bool flush() override { return true; }
  std::uint64_t count = 0;
};

std::string percent(double x) { return fmt::format("{:6.1f}%", 100 * x); }

void print_row(std::FILE* out, std::string_view name, const gen::tally& t, bool incidents) {
  if (incidents)
    std::fprintf(out, "  %-24s %7llu %7llu %s %8llu %8llu %s %s\n", std::string(name).c_str(),
                 static_cast<unsigned long long>(t.alerts), static_cast<unsigned long long>(t.true_alerts),
                 percent(t.precision()).c_str(), static_cast<unsigned long long>(t.incidents),
                 static_cast<unsigned long long>(t.detected), percent(t.recall()).c_str(), percent(t.f1()).c_str());
  else
    std::fprintf(out, "  %-24s %7llu %7llu %s\n", std::string(name).c_str(),
                 static_cast<unsigned long long>(t.alerts), static_cast<unsigned long long>(t.true_alerts),
                 percent(t.precision()).c_str());
}

void print_text(std::FILE* out, const eval_args& args, const gen::score& s, std::uint64_t records) {
  std::fprintf(out, "dingwatch eval · seed %llu · %d users × %d days after %d days of learning · incident rate %.3f · %s records\n\n",
               static_cast<unsigned long long>(args.traffic.seed), args.traffic.users, args.days, args.warmup_days,
               args.traffic.incident_rate, with_commas(records).c_str());
  std::fprintf(out, "  %-24s %7s %7s %7s %8s %8s %7s %7s\n", "family", "alerts", "true", "prec", "incid.",
               "found", "recall", "F1");
  for (const auto& [family, t] : s.by_family) print_row(out, family, t, true);
  print_row(out, "all", s.total, true);
  std::fprintf(out, "\n  %-24s %7s %7s %7s\n", "rule", "alerts", "true", "prec");
  for (const auto& [rule, t] : s.by_rule) print_row(out, rule, t, false);
  std::fprintf(out, "\n  %-32s %8s %8s %7s\n", "incident kind", "incid.", "found", "recall");
  for (const auto& [kind, t] : s.by_kind)
    std::fprintf(out, "  %-32s %8llu %8llu %s\n", kind.c_str(), static_cast<unsigned long long>(t.incidents),
                 static_cast<unsigned long long>(t.detected), percent(t.recall()).c_str());
  std::fprintf(out, "\n  false alerts: %llu = %.2f per 10k user-days\n",
               static_cast<unsigned long long>(s.false_alerts), s.false_alerts_per_10k_user_days());
  if (args.explain) {
    for (const auto& a : s.false_examples)
      std::fprintf(out, "  false  %-12s %-22s %s … %s\n", a.rule_id.c_str(), a.user_id.c_str(),
                   iso8601_utc(a.first_ms).c_str(), iso8601_utc(a.last_ms).c_str());
    for (const auto& i : s.missed)
      std::fprintf(out, "  missed %-12s %-32s %-22s %s … %s\n", i.id.c_str(), i.kind.c_str(), i.user_id.c_str(),
                   iso8601_utc(i.start_ms).c_str(), iso8601_utc(i.end_ms).c_str());
  }
}

nlohmann::json tally_json(const gen::tally& t) {
  return {{"alerts", t.alerts},       {"true_alerts", t.true_alerts}, {"precision", t.precision()},
          {"incidents", t.incidents}, {"detected", t.detected},       {"recall", t.recall()},
          {"f1", t.f1()}};
}

void print_json(std::FILE* out, const eval_args& args, const gen::score& s, std::uint64_t records) {
  nlohmann::json j{{"seed", args.traffic.seed},
                   {"users", args.traffic.users},
                   {"days", args.days},
                   {"warmup_days", args.warmup_days},
                   {"incident_rate", args.traffic.incident_rate},
                   {"records", records},
                   {"total", tally_json(s.total)},
                   {"false_alerts", s.false_alerts},
                   {"false_alerts_per_10k_user_days", s.false_alerts_per_10k_user_days()}};
  for (const auto& [k, t] : s.by_family) j["families"][k] = tally_json(t);
  for (const auto& [k, t] : s.by_rule) j["rules"][k] = tally_json(t);
  for (const auto& [k, t] : s.by_kind) j["kinds"][k] = tally_json(t);
  std::fprintf(out, "%s\n", j.dump().c_str());
}

/// Families whose precision or recall is below `floor`, as "family precision 0.83".
std::vector<std::string> below(const gen::score& s, double floor) {
  std::vector<std::string> out;
  for (const auto& [family, t] : s.by_family) {
    if (t.precision() < floor) out.push_back(fmt::format("{} precision {:.3f}", family, t.precision()));
    if (t.recall() < floor) out.push_back(fmt::format("{} recall {:.3f}", family, t.recall()));
  }
  return out;
}

}  // namespace

int cmd_eval(const eval_args& args, shutdown_signal& shutdown) {
  gen::options go;
  go.seed = args.traffic.seed;
  go.users = args.traffic.users;
  go.incident_rate = args.traffic.incident_rate;
  const std::string start = args.start.size() == 10 ? args.start + " 00:00:00" : args.start;
  if (!parse_macau_local(start.data(), start.size(), go.start_ms))
    throw std::runtime_error(fmt::format("--start: expected a Macau date yyyy-MM-dd [HH:mm:ss], got '{}'", args.start));
  const std::int64_t scored_from = go.start_ms;
  go.start_ms -= args.warmup_days * k_day_ms;
  gen::generator g(go);
  gen::generator_source source(g, scored_from + args.days * k_day_ms);

  dingtalk_decoder decoder(make_limits(args.cfg));
  sink_set sinks;
  sinks.add_configured(args.cfg, {});
  auto scoring = std::make_unique<scoring_sink>();
  scoring_sink& scored = *scoring;
  sinks.alerts.push_back(std::move(scoring));
  counting_dead_letters dead;

  spdlog::info("eval: {} users × {} days from {} (Macau) after {} days of learning, seed {}", go.users, args.days,
               args.start, args.warmup_days, go.seed);
  pipeline p(make_pipeline_options(args.cfg), source, decoder, make_detectors(args.cfg), sinks.alert_pointers(),
             &dead, nullptr);
  const run_summary run = p.run(shutdown.token());
  if (shutdown.token().stop_requested()) return 130;
  if (dead.count > 0) spdlog::warn("eval: {} generated records were rejected by the decoders", dead.count);

  gen::score_options so;
  so.slack_ms = args.slack_ms;
  so.user_days = static_cast<double>(args.traffic.users) * args.days;
  so.keep_examples = args.explain ? SIZE_MAX : 0;
  // Only what ends after the warm-up is scored: baselines and first-seen sets learn first,
  // as they would in the weeks after a deployment.
  auto alerts = scored.take();
  std::erase_if(alerts, [&](const gen::scored_alert& a) { return a.last_ms < scored_from; });
  auto incidents = g.incidents();
  std::erase_if(incidents, [&](const gen::incident& i) { return i.end_ms < scored_from; });
  const gen::score s = gen::score_alerts(alerts, incidents, so);
  if (args.format == "json")
    print_json(stdout, args, s, run.records_read);
  else
    print_text(stdout, args, s, run.records_read);
  std::fflush(stdout);

  if (args.fail_under > 0) {
    const auto failing = below(s, args.fail_under);
    for (const auto& f : failing) std::fprintf(stderr, "eval: %s is below %.2f\n", f.c_str(), args.fail_under);
    if (!failing.empty()) return 1;
  }
  return 0;
}

}  // namespace dingwatch
