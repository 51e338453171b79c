#include "dingwatch/sinks/evidence_log.hpp"

#include "config_values.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "dingwatch/core/time.hpp"
#include "dingwatch/sinks/registry.hpp"

namespace dingwatch {

namespace {

constexpr std::int64_t k_day_ms = 86'400'000;
constexpr std::string_view k_log_open = ",\"log\":{\"prev_hash\":\"";
constexpr std::string_view k_log_mid = "\",\"hash\":\"";
constexpr std::string_view k_log_close = "\"}}";
constexpr std::size_t k_hash_len = 64;
/// `,"log":{"prev_hash":"…","hash":"…"}}`: everything after the canonical line's body.
constexpr std::size_t k_suffix_len =
    k_log_open.size() + k_hash_len + k_log_mid.size() + k_hash_len + k_log_close.size();

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t day_of(std::int64_t ms) { return ms >= 0 ? ms / k_day_ms : (ms - k_day_ms + 1) / k_day_ms; }

bool is_hex_hash(std::string_view s) {
  return s.size() == k_hash_len && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

struct evp_ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~evp_ctx() { EVP_MD_CTX_free(ctx); }
};

/// SHA-256 over the concatenation of `parts`, as lower-case hex.
std::string sha256_hex(std::initializer_list<std::string_view> parts) {
  thread_local evp_ctx holder;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  bool ok = holder.ctx != nullptr && EVP_DigestInit_ex(holder.ctx, EVP_sha256(), nullptr) == 1;
  for (auto p : parts) ok = ok && EVP_DigestUpdate(holder.ctx, p.data(), p.size()) == 1;
  ok = ok && EVP_DigestFinal_ex(holder.ctx, md, &len) == 1;
  if (!ok) throw std::runtime_error("OpenSSL SHA-256 failed");
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = k_hex[md[i] >> 4];
    out[2 * i + 1] = k_hex[md[i] & 15];
  }
  return out;
}

/// A file name `evidence-YYYYMMDD-NNN.jsonl` taken apart.
struct file_key {
  std::int64_t day;
  int seq;
  auto operator<=>(const file_key&) const = default;
};

std::optional<file_key> parse_file_name(std::string_view name) {
  constexpr std::string_view prefix = "evidence-", suffix = ".jsonl";
  if (!name.starts_with(prefix) || !name.ends_with(suffix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  name.remove_suffix(suffix.size());
  if (name.size() < 8 + 1 + 3 || name[8] != '-') return std::nullopt;
  auto digits = [](std::string_view s, long long& v) {
    if (s.empty() || s.size() > 9) return false;
    v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    return true;
  };
  long long ymd = 0, seq = 0;
  if (!digits(name.substr(0, 8), ymd) || !digits(name.substr(9), seq)) return std::nullopt;
  const int y = static_cast<int>(ymd / 10000);
  const unsigned m = static_cast<unsigned>(ymd / 100 % 100), d = static_cast<unsigned>(ymd % 100);
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  return file_key{days_from_civil(y, m, d), static_cast<int>(seq)};
}

std::string file_name(std::int64_t day, int seq) {
  const civil_time c = to_civil(day * k_day_ms);
  return fmt::format("evidence-{:04}{:02}{:02}-{:03}.jsonl", c.year, c.month, c.day, seq);
}

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

/// One physical line of an evidence file, taken apart.
struct line_check {
  enum class status { ok, malformed, hash_mismatch } st = status::malformed;
  std::string_view prev_hash;
  std::string_view hash;
  std::string computed;   ///< hash of prev_hash || canonical (when well-formed)
  std::string timestamp;  ///< `@timestamp`, when present
  std::string why;        ///< for malformed lines
};

/// Checks one line (without its newline) for form and self-consistency; the link to the
/// previous line is the caller's business.
line_check check_line(std::string_view line, simdjson::dom::parser& parser) {
  line_check r;
  if (line.empty()) {
    r.why = "empty line";
    return r;
  }
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size(), true).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    r.why = "not a JSON object";
    return r;
  }
  std::string_view ts;
  if (doc["@timestamp"].get(ts) == simdjson::SUCCESS) r.timestamp = ts;
  if (line.size() < k_suffix_len + 2) {
    r.why = "no log.prev_hash/log.hash member at the end of the line";
    return r;
  }
  const std::size_t p = line.size() - k_suffix_len;
  const std::string_view tail = line.substr(p);
  if (!tail.starts_with(k_log_open) || tail.substr(k_log_open.size() + k_hash_len, k_log_mid.size()) != k_log_mid ||
      !tail.ends_with(k_log_close)) {
    r.why = "no log.prev_hash/log.hash member at the end of the line";
    return r;
  }
  r.prev_hash = tail.substr(k_log_open.size(), k_hash_len);
  r.hash = tail.substr(k_log_open.size() + k_hash_len + k_log_mid.size(), k_hash_len);
  if (!is_hex_hash(r.prev_hash) || !is_hex_hash(r.hash)) {
    r.why = "log.prev_hash or log.hash is not 64 lower-case hex digits";
    return r;
  }
  r.computed = sha256_hex({r.prev_hash, line.substr(0, p), "}"});
  r.st = r.computed == r.hash ? line_check::status::ok : line_check::status::hash_mismatch;
  return r;
}

/// Splits file content into lines; `terminated` tells whether the last one ended in "\n".
std::vector<std::string_view> split_lines(std::string_view content, bool& terminated) {
  std::vector<std::string_view> lines;
  terminated = content.empty() || content.back() == '\n';
  std::size_t start = 0;
  while (start < content.size()) {
    const std::size_t nl = content.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(content.substr(start));
      break;
    }
    lines.push_back(content.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string evidence_hash(std::string_view prev_hash, std::string_view canonical) {
  return sha256_hex({prev_hash, canonical});
}

std::vector<std::filesystem::path> evidence_files(const std::filesystem::path& dir) {
  std::vector<std::pair<file_key, std::filesystem::path>> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    if (auto key = parse_file_name(entry.path().filename().string())) found.emplace_back(*key, entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  for (auto& [_, p] : found) out.push_back(std::move(p));
  return out;
}

// ---------------------------------------------------------------------------- sink

evidence_log_sink::evidence_log_sink(evidence_options options) : options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = system_now_ms;
  if (options_.max_bytes == 0) throw std::runtime_error("evidence log: max_bytes must be positive");
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec)
    throw std::runtime_error(fmt::format("evidence log: cannot create {}: {}", options_.dir.string(), ec.message()));
  const auto lock_path = options_.dir / ".lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (lock_fd_ < 0)
    throw std::runtime_error(
        fmt::format("evidence log: cannot open {}: {}", lock_path.string(), std::strerror(errno)));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    throw std::runtime_error(fmt::format(
        "evidence log: {} is locked by another writer (two writers would fork the hash chain)",
        options_.dir.string()));
  }

  // Resume: the newest file's last good line carries the hash the chain continues from.
  last_hash_ = std::string(k_genesis_hash);
  const auto files = evidence_files(options_.dir);
  if (files.empty()) return;
  const auto newest_key = *parse_file_name(files.back().filename().string());
  day_ = newest_key.day;
  seq_ = newest_key.seq;
  resume_in_place_ = true;
  simdjson::dom::parser parser;
  std::string content;
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    if (!read_file(*it, content)) {
      spdlog::error("evidence log: cannot read {}; the chain continues from the file before it", it->string());
      resume_in_place_ = false;
      continue;
    }
    bool terminated = true;
    const auto lines = split_lines(content, terminated);
    if (!terminated && it == files.rbegin()) resume_in_place_ = false;
    for (std::size_t i = lines.size(); i-- > 0;) {
      const line_check c = check_line(lines[i], parser);
      if (c.st == line_check::status::ok) {
        last_hash_ = std::string(c.hash);
        if (!terminated && i + 1 == lines.size() && it == files.rbegin())
          spdlog::warn("evidence log: {} ends without a newline after line {}; continuing in a new file",
                       it->string(), i + 1);
        else if (!resume_in_place_)
          spdlog::error("evidence log: continuing the hash chain from {}:{} (the last good line) in a new file",
                        it->string(), i + 1);
        return;
      }
      resume_in_place_ = false;
      const bool last = i + 1 == lines.size();
      spdlog::error("evidence log: {}:{} is {} ({}); it is left as is, `dingwatch verify` will report it",
                    it->string(), i + 1,
                    c.st == line_check::status::hash_mismatch ? "altered (hash mismatch)"
                    : last                                    ? "truncated"
                                                              : "malformed",
                    c.st == line_check::status::hash_mismatch ? "log.hash does not match the line" : c.why);
    }
  }
  spdlog::error("evidence log: no good line found in {}; starting a new chain from the genesis hash",
                options_.dir.string());
}

evidence_log_sink::~evidence_log_sink() {
  close_file();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void evidence_log_sink::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool evidence_log_sink::open_next(std::int64_t day) {
  close_file();
  day = std::max(day, day_);  // a clock stepping back must not sort new files before old ones
  int seq = day == day_ ? seq_ + 1 : 0;
  for (;; ++seq) {
    const auto path = options_.dir / file_name(day, seq);
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ >= 0) {
      path_ = path;
      break;
    }
    if (errno != EEXIST) {
      spdlog::error("evidence log: cannot create {}: {}", path.string(), std::strerror(errno));
      return false;
    }
  }
  day_ = day;
  seq_ = seq;
  size_ = 0;
  if (options_.fsync) fsync_dir(options_.dir);
  return true;
}

bool evidence_log_sink::write_segment(const std::string& bytes) {
  if (bytes.empty()) return true;
  bool ok = write_all(fd_, bytes.data(), bytes.size());
  if (ok && options_.fsync) ok = ::fsync(fd_) == 0;
  if (!ok) {
    spdlog::error("evidence log: writing {} failed: {}", path_.string(), std::strerror(errno));
    // Cut back to the last complete line, so a retry continues a clean chain.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      spdlog::error("evidence log: cannot cut {} back to {} bytes: {}; later lines go to a new file",
                    path_.string(), size_, std::strerror(errno));
      close_file();
    }
    return false;
  }
  size_ += bytes.size();
  return true;
}

bool evidence_log_sink::write(std::span<const alert> alerts) {
  if (alerts.empty()) return true;
  const std::int64_t today = day_of(options_.now_ms());
  if (fd_ < 0 && resume_in_place_ && day_ >= today) {
    // The newest file ended on a good, complete line: keep appending to it.
    const auto path = options_.dir / file_name(day_, seq_);
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    struct stat st{};
    if (fd_ >= 0 && ::fstat(fd_, &st) == 0) {
      path_ = path;
      size_ = static_cast<std::uint64_t>(st.st_size);
    } else {
      close_file();
    }
  }
  resume_in_place_ = false;
  if (fd_ < 0 || today > day_) {
    if (!open_next(today)) return false;
  }

  std::string hash = last_hash_;
  buffer_.clear();
  for (const alert& a : alerts) {
    const std::string canonical = to_json(a);
    std::string next = evidence_hash(hash, canonical);
    const std::size_t line_size = canonical.size() - 1 + k_suffix_len + 1;
    if (size_ + buffer_.size() > 0 && size_ + buffer_.size() + line_size > options_.max_bytes) {
      if (!write_segment(buffer_)) return false;
      last_hash_ = hash;
      buffer_.clear();
      if (!open_next(today)) return false;
    }
    buffer_.append(canonical, 0, canonical.size() - 1);
    buffer_ += k_log_open;
    buffer_ += hash;
    buffer_ += k_log_mid;
    buffer_ += next;
    buffer_ += k_log_close;
    buffer_ += '\n';
    hash = std::move(next);
  }
  if (!write_segment(buffer_)) return false;
  last_hash_ = std::move(hash);
  return true;
}

// ---------------------------------------------------------------------------- verify

std::string_view to_string(evidence_problem p) noexcept {
  switch (p) {
    case evidence_problem::none: return "intact";
    case evidence_problem::edited: return "edited";
    case evidence_problem::removed_or_reordered: return "removed or reordered";
    case evidence_problem::truncated: return "truncated";
    case evidence_problem::unreadable: return "unreadable";
  }
  return "?";
}

evidence_report verify_evidence(const std::vector<std::filesystem::path>& paths) {
  evidence_report r;
  std::vector<std::filesystem::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      auto in_dir = evidence_files(p);
      if (in_dir.empty()) {
        r.problem = evidence_problem::unreadable;
        r.file = p;
        r.detail = "no evidence-YYYYMMDD-NNN.jsonl files in this directory";
        return r;
      }
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.push_back(p);
    }
  }
  if (files.empty()) {
    r.problem = evidence_problem::unreadable;
    r.detail = "no evidence files given";
    return r;
  }

  simdjson::dom::parser parser;
  std::string expected(k_genesis_hash);
  std::string content;
  auto fail = [&](evidence_problem what, const std::filesystem::path& file, std::uint64_t line, std::string detail) {
    r.problem = what;
    r.file = file;
    r.line = line;
    r.detail = std::move(detail);
    return r;
  };
  for (std::size_t f = 0; f < files.size(); ++f) {
    const auto& file = files[f];
    if (!read_file(file, content))
      return fail(evidence_problem::unreadable, file, 0, fmt::format("cannot read: {}", std::strerror(errno)));
    ++r.files;
    bool terminated = true;
    const auto lines = split_lines(content, terminated);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::uint64_t n = i + 1;
      const bool last = i + 1 == lines.size();
      const line_check c = check_line(lines[i], parser);
      if (c.st == line_check::status::malformed) {
        if (last)
          return fail(evidence_problem::truncated, file, n,
                      fmt::format("the last line is incomplete ({}{}): a write was cut short or the file truncated",
                                  c.why, terminated ? "" : ", no final newline"));
        return fail(evidence_problem::edited, file, n, fmt::format("the line is malformed: {}", c.why));
      }
      if (c.st == line_check::status::hash_mismatch)
        return fail(evidence_problem::edited, file, n,
                    fmt::format("the content does not match log.hash (it hashes to {}, log.hash is {})",
                                c.computed, c.hash));
      if (c.prev_hash != expected) {
        std::string detail;
        if (r.lines == 0)
          detail = fmt::format(
              "the chain does not start at the genesis hash (log.prev_hash is {}): lines or files before this one "
              "are missing, or the files are out of order",
              c.prev_hash);
        else if (i == 0)
          detail = fmt::format(
              "the first line of this file does not continue {} (expected log.prev_hash {}, found {}): lines or a "
              "whole file are missing between them, or the files are out of order",
              files[f - 1].filename().string(), expected, c.prev_hash);
        else
          detail = fmt::format(
              "log.prev_hash does not match the previous line's log.hash (expected {}, found {}): a line before "
              "this one was removed, or lines were reordered",
              expected, c.prev_hash);
        return fail(evidence_problem::removed_or_reordered, file, n, std::move(detail));
      }
      expected = std::string(c.hash);
      if (r.lines == 0) r.first_timestamp = c.timestamp;
      r.last_timestamp = c.timestamp;
      r.final_hash = expected;
      ++r.lines;
    }
  }
  return r;
}

namespace {
const register_sink registration{"evidence", [](const YAML::Node& config, const sink_context&) {
  if (!config["dir"])
    throw std::runtime_error("dir: missing (the directory of the hash-chained evidence-*.jsonl files)");
  evidence_options o;
  o.dir = config["dir"].as<std::string>();
  if (config["max_bytes"]) o.max_bytes = config_values::parse_size(config["max_bytes"], "max_bytes");
  if (config["fsync"]) o.fsync = config["fsync"].as<bool>();
  return std::make_unique<evidence_log_sink>(std::move(o));
}};
}  // namespace

}  // namespace dingwatch
