#include "dingwatch/ingest/file_source.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace dingwatch {

jsonl_file_source::jsonl_file_source(std::vector<std::filesystem::path> files,
                                     std::optional<std::string> topic, metrics* m)
    : files_(std::move(files)), topic_(std::move(topic)) {
  for (const auto& f : files_) {
    if (!std::filesystem::is_regular_file(f) && f != "-")
      throw std::runtime_error(fmt::format("{}: no such file", f.string()));
    names_.push_back(topic_ ? *topic_ : f.string());
  }
  if (m != nullptr) consumed_ = &m->consumed(topic_ ? *topic_ : "file");
}

jsonl_file_source::~jsonl_file_source() {
  if (file_ != nullptr && file_ != stdin) std::fclose(file_);
  std::free(buffer_);
}

bool jsonl_file_source::open_next() {
  while (index_ < files_.size()) {
    const auto& path = files_[index_];
    file_ = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (file_ != nullptr) {
      line_ = 0;
      return true;
    }
    throw std::runtime_error(fmt::format("{}: {}", path.string(), std::strerror(errno)));
  }
  return false;
}

poll_status jsonl_file_source::poll(record_batch& batch, std::size_t max, std::chrono::milliseconds) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::size_t added = 0;
  while (added < max) {
    if (file_ == nullptr && !open_next()) break;
    const ssize_t n = ::getline(&buffer_, &buffer_size_, file_);
    if (n < 0) {
      if (file_ != stdin) std::fclose(file_);
      file_ = nullptr;
      ++index_;
      continue;
    }
    ++line_;
    std::string_view line(buffer_, static_cast<std::size_t>(n));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) continue;  // blank lines separate nothing in JSONL
    const std::string& name = names_[index_];
    batch.add(name, topic_ ? topic_from_name(*topic_) : source_topic::unknown,
              static_cast<std::int32_t>(index_), line_, {}, line, now_ms);
    ++added;
  }
  if (consumed_ != nullptr && added > 0) consumed_->Increment(static_cast<double>(added));
  if (added > 0) return poll_status::records;
  return poll_status::end_of_input;
}

void jsonl_file_source::commit(std::span<const partition_offset>) {}

}  // namespace dingwatch
