#include "kafka_test_support.hpp"

#include <array>
#include <atomic>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace dingwatch::test {

std::string unique_group(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

kafka_source_options fast_source_options(const mock_broker& broker, std::string group,
                                         std::vector<std::string> topics) {
  return fast_source_options(broker.bootstrap(), std::move(group), std::move(topics));
}

kafka_source_options fast_source_options(const std::string& bootstrap, std::string group,
                                         std::vector<std::string> topics) {
  kafka_source_options o;
  o.kafka.brokers = bootstrap;
  o.kafka.extra = {{"session.timeout.ms", "4000"}, {"heartbeat.interval.ms", "400"}};
  if (const char* debug = std::getenv("DINGWATCH_KAFKA_DEBUG")) {
    o.kafka.extra["debug"] = debug;
    spdlog::set_level(spdlog::level::debug);
  }
  if (const char* strategy = std::getenv("DINGWATCH_KAFKA_STRATEGY")) {
    o.kafka.extra["partition.assignment.strategy"] = strategy;
  }
  o.group = std::move(group);
  o.topics = std::move(topics);
  return o;
}

std::vector<seen_record> drain(kafka_source& source, std::chrono::milliseconds deadline,
                               const std::function<bool(const std::vector<seen_record>&)>& done) {
  std::vector<seen_record> out;
  record_batch batch;
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!done(out) && std::chrono::steady_clock::now() < end) {
    batch.clear();
    source.poll(batch, 500, std::chrono::milliseconds(100));
    for (const auto& r : batch.records()) {
      out.push_back({std::string(r.topic_name), r.ref.partition, r.ref.offset, std::string(r.key),
                     std::string(r.bytes)});
    }
  }
  return out;
}

std::vector<partition_offset> next_offsets(const std::vector<seen_record>& records,
                                           const std::string&) {
  // Topic names must be views the source owns; the source matches them by value, so views
  // into these records work while `records` lives.
  std::map<std::pair<std::string_view, std::int32_t>, std::int64_t> next;
  for (const auto& r : records) {
    auto& n = next[{r.topic, r.partition}];
    n = std::max(n, r.offset + 1);
  }
  std::vector<partition_offset> out;
  for (const auto& [tp, offset] : next) out.push_back({tp.first, tp.second, offset});
  return out;
}

forked_broker::forked_broker(mock_broker_options options,
                             const std::function<void(const std::string& bootstrap)>& fill) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("forked_broker: pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("forked_broker: fork failed");
  if (pid_ == 0) {  // the child: serve until killed, never return into the test runner
    ::close(out[0]);
    try {
      mock_broker broker(std::move(options));
      if (fill) fill(broker.bootstrap());
      const std::string line = broker.bootstrap() + "\n";
      if (::write(out[1], line.data(), line.size()) == static_cast<ssize_t>(line.size()))
        for (;;) ::pause();
    } catch (...) {
    }
    ::_exit(1);
  }
  ::close(out[1]);
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') bootstrap_ += c;
  ::close(out[0]);
  if (bootstrap_.empty()) throw std::runtime_error("forked_broker: the child did not start (or fill) a broker");
}

forked_broker::~forked_broker() {
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

std::pair<std::string, int> run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {out, -1};
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

}  // namespace dingwatch::test

namespace dingwatch::test {

std::string topic_message::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "<missing>";
}

std::vector<topic_message> read_topic(const std::string& bootstrap, const std::string& topic,
                                      std::size_t n, std::chrono::milliseconds deadline,
                                      int partitions) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  // A group id is needed for the consumer queue; assign() (no subscribe) never joins it.
  rd_kafka_conf_set(conf, "group.id", unique_group("reader").c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk == nullptr) throw std::runtime_error(errstr);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);

  std::vector<topic_message> out;
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (out.size() < n && std::chrono::steady_clock::now() < end) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      topic_message t{m->partition, m->offset,
                      std::string(static_cast<const char*>(m->key), m->key_len),
                      std::string(static_cast<const char*>(m->payload), m->len), {}};
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        std::size_t size;
        for (std::size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) ==
                                RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          t.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
        }
      }
      out.push_back(std::move(t));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace dingwatch::test
