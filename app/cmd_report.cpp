// `dingwatch report`: the weekly anomaly summary from the alert store, as HTML,
// Markdown or JSON, written to a file whose path it prints.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "commands.hpp"
#include "dingwatch/report/model.hpp"
#include "dingwatch/report/render.hpp"
#include "dingwatch/report/writer.hpp"

namespace dingwatch {

namespace {

report::period choose_period(const report_args& args, std::int64_t now_ms) {
  using report::k_day_ms;
  if (!args.from.empty() && !args.to.empty()) return report::period_from_dates(args.from, args.to);
  if (!args.from.empty()) {  // a week starting there
    const auto from = report::parse_macau_date(args.from);
    if (!from) throw std::invalid_argument("--from '" + args.from + "': expected a date like 2026-11-23");
    return {*from, *from + 7 * k_day_ms};
  }
  if (!args.to.empty()) {  // the week ending there
    const auto to = report::parse_macau_date(args.to);
    if (!to) throw std::invalid_argument("--to '" + args.to + "': expected a date like 2026-11-29");
    return {*to - 6 * k_day_ms, *to + k_day_ms};
  }
  return report::last_full_days(now_ms);
}

}  // namespace

int cmd_report(const report_args& args) {
  const auto lang = report::parse_language(args.lang);
  const auto fmt = report::parse_format(args.format);
  if (!lang) {
    std::fprintf(stderr, "report: --lang '%s': expected zh-Hant, pt or en\n", args.lang.c_str());
    return 2;
  }
  if (!fmt) {
    std::fprintf(stderr, "report: --format '%s': expected html, md or json\n", args.format.c_str());
    return 2;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(args.store, ec)) {
    std::fprintf(stderr,
                 "report: --store %s: no such alert store (run, demo and replay create one with --store FILE "
                 "or outputs.store)\n",
                 args.store.c_str());
    return 2;
  }
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  report::report_options o;
  try {
    o.span = choose_period(args, now);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "report: %s\n", e.what());
    return 2;
  }
  o.generated_ms = now;
  const alert_store store(args.store, alert_store::mode::read_only);
  const report::report_model model = report::build_report(store, o);
  const std::string content = report::render(model, *fmt, *lang);
  if (args.out == "-") {
    std::fwrite(content.data(), 1, content.size(), stdout);
    return 0;
  }
  std::filesystem::path out = args.out.empty() ? std::filesystem::path(report::report_file_name(o.span, *fmt))
                                               : std::filesystem::path(args.out);
  if (std::filesystem::is_directory(out, ec)) out /= report::report_file_name(o.span, *fmt);
  report::write_file(out, content);
  std::printf("%s\n", out.string().c_str());
  if (model.empty())
    std::fprintf(stderr, "report: no alerts between %s and %s (Macau time); the report says so\n",
                 report::macau_date(o.span.from_ms).c_str(), report::macau_date(o.span.to_ms - report::k_day_ms).c_str());
  return 0;
}

}  // namespace dingwatch
