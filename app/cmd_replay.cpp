// `dingwatch replay`: the same decoders and detectors over JSONL files, no Kafka.

#include <spdlog/spdlog.h>

#include <cstdio>

#include "assembly.hpp"
#include "commands.hpp"
#include "dingwatch/ingest/file_source.hpp"
#include "dingwatch/sinks/file_sinks.hpp"
#include "report_runtime.hpp"

namespace dingwatch {

int cmd_replay(const replay_args& args, shutdown_signal& shutdown) {
  std::vector<std::filesystem::path> files(args.files.begin(), args.files.end());
  jsonl_file_source source(files, args.topic);
  dingtalk_decoder decoder(make_limits(args.cfg));
  const config& cfg = args.cfg;
  sink_set sinks;
  sinks.add_configured(cfg, {});
  if (cfg.alerts_file.empty()) sinks.alerts.push_back(std::make_unique<jsonl_alert_sink>(stdout));
  // Dead letters are never dropped: to the --dlq file, or to stderr as JSON lines.
  if (cfg.dlq_file.empty())
    sinks.dead_letters = std::make_unique<jsonl_dead_letter_sink>(stderr);
  else
    sinks.dead_letters = std::make_unique<jsonl_dead_letter_sink>(cfg.dlq_file);

  pipeline p(make_pipeline_options(cfg), source, decoder, make_detectors(cfg), sinks.alert_pointers(),
             sinks.dead_letters.get(), nullptr);
  const run_summary s = p.run(shutdown.token());
  report_runtime(cfg, "replay", false).finish(s);  // one pipeline minute and the rule versions
  std::printf("%s\n", s.to_json().c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace dingwatch
