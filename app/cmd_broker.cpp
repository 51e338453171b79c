// `dingwatch broker`: librdkafka's mock cluster as a standalone development broker.

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "commands.hpp"
#include "dingwatch/ingest/mock_broker.hpp"

namespace dingwatch {

int cmd_broker(const broker_args& args, shutdown_signal& shutdown) {
  mock_broker_options o;
  o.partitions = args.partitions;
  if (!args.topics.empty()) o.topics = args.topics;
  mock_broker broker(o);
  // The address first and alone on stdout, so scripts can `read` it.
  std::printf("%s\n", broker.bootstrap().c_str());
  std::fflush(stdout);
  spdlog::info("embedded Kafka broker (librdkafka mock cluster) on {} with {} partition(s) per "
               "topic; keeps ~100k messages per partition; Ctrl-C to stop",
               broker.bootstrap(), o.partitions);
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  auto token = shutdown.token();
  cv.wait(lock, token, [] { return false; });
  spdlog::info("broker stopped");
  return 0;
}

}  // namespace dingwatch
