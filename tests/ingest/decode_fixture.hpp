#pragma once
// Test support for the DingTalk decoders: padded record buffers, one-call decoding,
// sample loading and a check that every view points into the record or the arena.

#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dingwatch/core/event.hpp"
#include "dingwatch/core/record.hpp"
#include "dingwatch/ingest/dingtalk_decoder.hpp"

namespace dingwatch::test {

/// A record's bytes followed by k_record_padding zero bytes, at a stable address.
class padded_record {
 public:
  explicit padded_record(std::string_view bytes, source_topic topic = source_topic::unknown)
      : size_(bytes.size()), data_(new char[bytes.size() + k_record_padding]()) {
    if (!bytes.empty()) std::memcpy(data_.get(), bytes.data(), bytes.size());
    rec_.bytes = {data_.get(), size_};
    rec_.ref = {topic, 3, 42};
  }
  const raw_record& rec() const noexcept { return rec_; }
  std::string_view bytes() const noexcept { return rec_.bytes; }

 private:
  std::size_t size_;
  std::unique_ptr<char[]> data_;
  raw_record rec_;
};

/// The outcome of decoding one record; owns everything the events borrow from.
struct decoded {
  std::unique_ptr<padded_record> record;
  std::unique_ptr<string_arena> arena = std::make_unique<string_arena>(1 << 20);
  std::vector<normalized_event> events;
  std::optional<reject_reason> reason;

  const normalized_event& only() const {
    if (events.size() != 1) throw std::runtime_error("expected exactly one event");
    return events.front();
  }
};

/// Decodes `json` with a fresh decoder.
inline decoded decode_one(std::string_view json, source_topic topic = source_topic::unknown,
                          decode_limits limits = {}) {
  decoded d;
  d.record = std::make_unique<padded_record>(json, topic);
  dingtalk_decoder dec(limits);
  d.reason = dec.decode(d.record->rec(), *d.arena, d.events);
  return d;
}

/// Non-empty lines of a file.
inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

/// Whole file as bytes.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// True when `v` is empty or lies inside [lo, lo + n).
inline bool inside(std::string_view v, const char* lo, std::size_t n) {
  if (v.empty()) return true;
  return v.data() >= lo && v.data() + v.size() <= lo + n;
}

/// Every string view of `ev`, for containment checks.
inline std::vector<std::string_view> views_of(const normalized_event& ev) {
  return {ev.type,          ev.event_id,     ev.corp_id,        ev.user_id,     ev.user_name,
          ev.operator_id,   ev.target_user,  ev.ip,             ev.platform,    ev.device,
          ev.resource,      ev.resource_ext, ev.receiver_type,  ev.receiver_name, ev.module,
          ev.chat_id,       ev.title,        ev.process_code,   ev.process_status,
          ev.process_result, ev.address,     ev.location_method, ev.app,        ev.dst_host,
          ev.dst_ip,        ev.tls_version,  ev.raw};
}

}  // namespace dingwatch::test
