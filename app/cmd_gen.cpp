// `dingwatch gen`: synthetic DingTalk traffic to Kafka or to JSONL files.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "assembly.hpp"
#include "commands.hpp"
#include "dingwatch/ingest/kafka_producer.hpp"
#include "traffic.hpp"

namespace dingwatch {

int cmd_gen(const gen_args& args, shutdown_signal& shutdown) {
  traffic_progress progress;
  if (!args.brokers.empty()) {
    kafka_producer producer({args.brokers, {}});
    emit_traffic(args.traffic,
                 [&](std::string_view topic, std::string_view key, std::string_view value, std::int64_t) {
                   while (!producer.produce(topic, key, value)) producer.poll();
                 },
                 progress, shutdown.token());
    if (!producer.flush(std::chrono::seconds(30))) {
      spdlog::error("not every record was acknowledged by {} within 30 s", args.brokers);
      return 1;
    }
  } else {
    std::filesystem::create_directories(args.out_dir);
    std::map<std::string, std::ofstream, std::less<>> files;
    emit_traffic(args.traffic,
                 [&](std::string_view topic, std::string_view, std::string_view value, std::int64_t) {
                   auto it = files.find(topic);
                   if (it == files.end()) {
                     const auto path = std::filesystem::path(args.out_dir) / fmt::format("{}.jsonl", topic);
                     it = files.emplace(std::string(topic), std::ofstream(path, std::ios::trunc)).first;
                     if (!it->second) throw std::runtime_error(fmt::format("{}: cannot write", path.string()));
                   }
                   it->second.write(value.data(), static_cast<std::streamsize>(value.size())) << '\n';
                 },
                 progress, shutdown.token());
  }
  spdlog::info("generated {} record(s) ({} hostile) to {}", with_commas(progress.produced),
               with_commas(progress.hostile), args.brokers.empty() ? args.out_dir : args.brokers);
  return 0;
}

}  // namespace dingwatch
