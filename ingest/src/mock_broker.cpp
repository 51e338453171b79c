#include "dingwatch/ingest/mock_broker.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace dingwatch {

mock_broker::mock_broker(mock_broker_options options) {
  if (options.brokers < 1 || options.partitions < 1) {
    throw std::runtime_error(fmt::format("mock broker: need at least one broker and one partition "
                                         "(got brokers={}, partitions={})",
                                         options.brokers, options.partitions));
  }
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "client.id", "dingwatch-mock-broker", errstr, sizeof errstr);
  // The handle only hosts the cluster; it never connects, so silence "no bootstrap.servers".
  rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr);
  kafka_detail::route_logs_to_spdlog(conf);
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(fmt::format("mock broker: cannot create librdkafka handle: {}", errstr));
  }
  cluster_ = rd_kafka_mock_cluster_new(handle_, options.brokers);
  if (cluster_ == nullptr) {
    rd_kafka_destroy(handle_);
    throw std::runtime_error(
        "mock broker: rd_kafka_mock_cluster_new failed (cannot listen on 127.0.0.1?)");
  }
  for (const auto& topic : options.topics) {
    if (auto err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), options.partitions, 1)) {
      rd_kafka_mock_cluster_destroy(cluster_);
      rd_kafka_destroy(handle_);
      throw std::runtime_error(fmt::format("mock broker: cannot create topic {}: {}", topic,
                                           rd_kafka_err2str(err)));
    }
  }
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

mock_broker::~mock_broker() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

std::map<std::string, std::string> mock_consumer_properties() {
  return {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}, {"fetch.wait.max.ms", "2"}};
}

}  // namespace dingwatch
