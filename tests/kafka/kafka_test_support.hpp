#pragma once
// Helpers for the Kafka tests: unique group ids, fast group timings for the mock
// cluster, and draining a source until a condition holds.

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "dingwatch/core/record.hpp"
#include "dingwatch/ingest/kafka_source.hpp"
#include "dingwatch/ingest/mock_broker.hpp"

namespace dingwatch::test {

/// A group id no other test (or earlier run against the same broker) uses.
std::string unique_group(const std::string& prefix);

/// Consumer options for the mock cluster: `session.timeout.ms=4000`, so a rejoin after a
/// member leaves takes ~3 s instead of 44 s (the mock waits session.timeout.ms − 1 s), yet
/// stays above the mock's fixed 3 s initial-join delay (below it, the mock evicts the
/// joining member and the first join never completes).
kafka_source_options fast_source_options(const mock_broker& broker, std::string group,
                                         std::vector<std::string> topics);
/// The same for a cluster named by its bootstrap list.
kafka_source_options fast_source_options(const std::string& bootstrap, std::string group,
                                         std::vector<std::string> topics);

/// One record copied out of a batch.
struct seen_record {
  std::string topic;
  std::int32_t partition;
  std::int64_t offset;
  std::string key;
  std::string value;
};

/// Polls until `done(all records so far)` or `deadline` passes; returns what was read.
std::vector<seen_record> drain(kafka_source& source, std::chrono::milliseconds deadline,
                               const std::function<bool(const std::vector<seen_record>&)>& done);

/// Next offsets (last + 1 per partition) covering `records`.
std::vector<partition_offset> next_offsets(const std::vector<seen_record>& records,
                                           const std::string& topic_name_owner_hint = {});

/// Polls `done` every 20 ms until it holds or `timeout` passes; returns its last value.
template <class Pred>
bool wait_until(Pred&& done, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

/// The embedded broker in a child process (forked, so create it before any other thread):
/// what it stores is not in this process's memory, for tests that measure that memory.
/// `fill`, if given, runs in the child with the bootstrap list before the constructor
/// returns (e.g. to produce the data, so no producer's buffers stay behind here either).
/// No fault injection (the cluster lives in the child). Killed on destruction.
class forked_broker {
 public:
  explicit forked_broker(mock_broker_options options,
                         const std::function<void(const std::string& bootstrap)>& fill = {});
  ~forked_broker();
  forked_broker(const forked_broker&) = delete;
  forked_broker& operator=(const forked_broker&) = delete;
  [[nodiscard]] const std::string& bootstrap() const noexcept { return bootstrap_; }

 private:
  int pid_ = -1;
  std::string bootstrap_;
};

/// Runs a shell command, returns its stdout and exit status.
std::pair<std::string, int> run(const std::string& command);

}  // namespace dingwatch::test

namespace dingwatch::test {

/// A message read with its headers.
struct topic_message {
  std::int32_t partition;
  std::int64_t offset;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  /// The value of header `name`, or "<missing>".
  [[nodiscard]] std::string header(const std::string& name) const;
};

/// Reads up to `n` messages from all `partitions` of `topic` from the beginning, without a
/// consumer group (no join delay), for at most `deadline`.
std::vector<topic_message> read_topic(const std::string& bootstrap, const std::string& topic,
                                      std::size_t n, std::chrono::milliseconds deadline,
                                      int partitions = 4);

}  // namespace dingwatch::test
