#include "dingwatch/gen/generator_source.hpp"

namespace dingwatch::gen {

poll_status generator_source::poll(record_batch& batch, std::size_t max, std::chrono::milliseconds) {
  std::size_t added = 0;
  while (!done_ && added < max) {
    gen_.next(next_);
    if (next_.ts_ms >= end_ms_) {
      done_ = true;  // the record past the end is dropped: it belongs to the next run
      break;
    }
    const source_topic topic = topic_from_name(next_.topic);
    auto& offset = offsets_[static_cast<std::size_t>(topic)];
    // Topic names must outlive the batch: the generator's are string literals.
    const std::string_view name = topic == source_topic::events  ? k_topic_events
                                  : topic == source_topic::audit ? k_topic_audit
                                                                 : k_topic_flows;
    batch.add(name, topic, 0, offset++, next_.key, next_.value, next_.ts_ms);
    ++added;
  }
  records_ += added;
  if (added > 0) return poll_status::records;
  return done_ ? poll_status::end_of_input : poll_status::idle;
}

}  // namespace dingwatch::gen
