#include "live.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <future>
#include <thread>

#include "assembly.hpp"

namespace dingwatch {

run_summary run_live(pipeline& p, const kafka_source& source, std::stop_token stop,
                     const live_options& options) {
  std::stop_source inner;
  std::stop_callback forward(stop, [&] { inner.request_stop(); });
  auto result = std::async(std::launch::async, [&] { return p.run(inner.get_token()); });

  const auto started = std::chrono::steady_clock::now();
  std::uint64_t last_read = 0;
  auto last_tick = started;
  while (result.wait_for(options.status_every) == std::future_status::timeout) {
    const auto& st = p.stats();
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - last_tick).count();
    const std::uint64_t read = st.records_read;
    const auto line = fmt::format(
        "[{:>5.0f}s] {:>8} rec/s | read {:>10} | lag {:>7} | dlq {:>6} | alerts {:>6}",
        std::chrono::duration<double>(now - started).count(),
        with_commas(static_cast<std::uint64_t>((read - last_read) / (dt > 0 ? dt : 1))),
        with_commas(read), with_commas(static_cast<std::uint64_t>(std::max<std::int64_t>(0, source.lag()))),
        with_commas(st.rejected), with_commas(st.alerts));
    const std::string shown = source.ready() ? line : line + " | joining the consumer group…";
    if (options.status_to_terminal)
      std::fprintf(stderr, "%s\n", shown.c_str());
    else
      spdlog::info("{}", shown);
    last_read = read;
    last_tick = now;
    if (options.finished && options.finished(st)) inner.request_stop();
  }
  return result.get();
}

void print_summary(const run_summary& s, std::FILE* out) {
  std::string reasons;
  for (std::size_t i = 0; i < k_reject_reason_count; ++i)
    if (s.rejected_by_reason[i] > 0)
      reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", with_commas(s.rejected_by_reason[i]),
                             to_string(k_all_reject_reasons[i]));
  std::fprintf(out,
               "\n── dingwatch summary ─────────────────────────────────────────\n"
               "  records read      %s in %.1f s (%s rec/s)\n"
               "  decoded           %s records → %s events\n"
               "  dead letters      %s%s\n"
               "  alerts            %s\n"
               "  committed         %s records\n",
               with_commas(s.records_read).c_str(), s.seconds,
               with_commas(static_cast<std::uint64_t>(s.records_read / (s.seconds > 0 ? s.seconds : 1))).c_str(),
               with_commas(s.records_decoded).c_str(), with_commas(s.events).c_str(),
               with_commas(s.rejected).c_str(), reasons.empty() ? "" : (" (" + reasons + ")").c_str(),
               with_commas(s.alerts).c_str(), with_commas(s.records_committed).c_str());
}

}  // namespace dingwatch
