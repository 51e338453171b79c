#include "dingwatch/sinks/file_sinks.hpp"

#include "dingwatch/sinks/registry.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <stdexcept>

namespace dingwatch {

namespace {

std::FILE* open_append(const std::filesystem::path& path) {
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (f == nullptr)
    throw std::runtime_error(fmt::format("cannot open {} for writing: {}", path.string(),
                                         std::strerror(errno)));
  return f;
}

}  // namespace

std::string base64(std::string_view bytes) {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                   (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += k_alphabet[(n >> 6) & 63];
    out += k_alphabet[n & 63];
  }
  if (i < bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? k_alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

jsonl_alert_sink::jsonl_alert_sink(const std::filesystem::path& path, bool sync)
    : file_(open_append(path)), sync_(sync) {}

jsonl_alert_sink::jsonl_alert_sink(std::FILE* borrowed) : file_(borrowed), owned_(false) {}

jsonl_alert_sink::~jsonl_alert_sink() {
  if (owned_) std::fclose(file_);
}

bool jsonl_alert_sink::write(std::span<const alert> alerts) {
  for (const alert& a : alerts) {
    const std::string line = to_json(a);
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
        std::fputc('\n', file_) == EOF)
      return false;
  }
  if (std::fflush(file_) != 0) return false;
  return !sync_ || ::fsync(fileno(file_)) == 0;
}

jsonl_dead_letter_sink::jsonl_dead_letter_sink(const std::filesystem::path& path)
    : file_(open_append(path)) {}

jsonl_dead_letter_sink::jsonl_dead_letter_sink(std::FILE* borrowed) : file_(borrowed), owned_(false) {}

jsonl_dead_letter_sink::~jsonl_dead_letter_sink() {
  if (owned_) std::fclose(file_);
}

void jsonl_dead_letter_sink::write(const dead_letter& d) {
  const raw_record& r = *d.record;
  nlohmann::json j = {{"reason", to_string(d.reason)},
                      {"topic", r.topic_name},
                      {"partition", r.ref.partition},
                      {"offset", r.ref.offset}};
  if (simdjson::validate_utf8(r.bytes.data(), r.bytes.size()))
    j["record"] = r.bytes;
  else
    j["record_base64"] = base64(r.bytes);
  pending_ += j.dump();
  pending_ += '\n';
}

bool jsonl_dead_letter_sink::flush() {
  if (pending_.empty()) return true;
  // stdio drops its buffer when a flush fails, so the lines are kept here until one
  // succeeds; what a failed attempt wrote in part is cut off (regular files) so the retry
  // leaves no torn line.
  struct stat st {};
  const int fd = fileno(file_);
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (std::fwrite(pending_.data(), 1, pending_.size(), file_) == pending_.size() && std::fflush(file_) == 0) {
    pending_.clear();
    return true;
  }
  std::clearerr(file_);
  if (regular && ::ftruncate(fd, st.st_size) != 0)
    spdlog::warn("dead-letter file: cannot cut a partial write back: {}", std::strerror(errno));
  return false;
}

namespace {
const register_sink registration{"file", [](const YAML::Node& config, const sink_context&) {
  if (!config["path"]) throw std::runtime_error("path: missing (the JSONL file to append alerts to)");
  return std::make_unique<jsonl_alert_sink>(config["path"].as<std::string>(),
                                            config["fsync"] && config["fsync"].as<bool>());
}};
}  // namespace

}  // namespace dingwatch
