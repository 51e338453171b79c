#include "dingwatch/core/checkpoint.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "dingwatch/core/fd_io.hpp"
#include "dingwatch/core/hash.hpp"
#include "dingwatch/core/state_io.hpp"

namespace dingwatch {

namespace {

// Bounds for a hostile file (far above anything real: 1024 shards, 64 detectors each).
constexpr std::size_t k_max_shards = 1024;
constexpr std::size_t k_max_detectors = 64;
constexpr std::size_t k_max_name = 256;
constexpr std::size_t k_max_offsets = 1u << 20;
constexpr std::size_t k_max_reasons = 256;

std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

}  // namespace

std::uint64_t checkpoint_counters::rejected() const noexcept {
  std::uint64_t n = 0;
  for (auto r : rejected_by_reason) n += r;
  return n;
}

std::string encode_checkpoint(const checkpoint& c) {
  state_writer payload;
  payload.put(c.written_ms);
  payload.put(c.counters.read);
  payload.put(c.counters.decoded);
  payload.put(c.counters.events);
  payload.put(static_cast<std::uint32_t>(k_reject_reason_count));
  for (std::size_t r = 0; r < k_reject_reason_count; ++r) {
    payload.put_string(to_string(k_all_reject_reasons[r]));
    payload.put(c.counters.rejected_by_reason[r]);
  }
  payload.put(static_cast<std::uint32_t>(c.offsets.size()));
  for (const auto& o : c.offsets) {
    payload.put_string(o.topic);
    payload.put(o.partition);
    payload.put(o.next_offset);
  }
  for (const auto& shard : c.shards) {
    payload.put(static_cast<std::uint32_t>(shard.size()));
    for (const auto& d : shard) {
      payload.put_string(d.name);
      payload.put_section(d.bytes);
    }
  }
  const std::string& body = payload.bytes();
  state_writer header;
  header.put(k_checkpoint_version);
  header.put(static_cast<std::uint32_t>(c.shards.size()));
  header.put(static_cast<std::uint64_t>(body.size()));
  header.put(hash64(body, k_checkpoint_seed));
  std::string file(k_checkpoint_magic);
  file.reserve(k_checkpoint_header_bytes + body.size());
  file += header.bytes();
  file += body;
  return file;
}

std::variant<checkpoint, std::string> decode_checkpoint(std::string_view bytes) {
  if (bytes.size() < k_checkpoint_header_bytes)
    return fmt::format("truncated: {} bytes, shorter than the {}-byte header", bytes.size(),
                       k_checkpoint_header_bytes);
  if (bytes.substr(0, k_checkpoint_magic.size()) != k_checkpoint_magic) return std::string("not a dingwatch checkpoint (bad magic)");
  state_reader h(bytes.substr(k_checkpoint_magic.size(), k_checkpoint_header_bytes - k_checkpoint_magic.size()));
  const auto version = h.get<std::uint32_t>();
  const auto shard_count = h.get<std::uint32_t>();
  const auto size = h.get<std::uint64_t>();
  const auto checksum = h.get<std::uint64_t>();
  if (version != k_checkpoint_version)
    return fmt::format("format version {}, this build reads version {}", version, k_checkpoint_version);
  const std::string_view payload = bytes.substr(k_checkpoint_header_bytes);
  if (size != payload.size())
    return fmt::format("truncated or padded: the header announces {} payload bytes, the file has {}", size,
                       payload.size());
  if (hash64(payload, k_checkpoint_seed) != checksum) return std::string("checksum mismatch (the file is corrupt)");
  if (shard_count == 0 || shard_count > k_max_shards) return fmt::format("shard count {} out of range", shard_count);

  checkpoint c;
  state_reader in(payload);
  c.written_ms = in.get<std::int64_t>();
  c.counters.read = in.get<std::uint64_t>();
  c.counters.decoded = in.get<std::uint64_t>();
  c.counters.events = in.get<std::uint64_t>();
  const std::size_t reasons = in.count(k_max_reasons, 12);
  for (std::size_t i = 0; i < reasons; ++i) {
    const std::string_view name = in.get_string(k_max_name);
    const auto n = in.get<std::uint64_t>();
    for (std::size_t r = 0; r < k_reject_reason_count; ++r)
      if (to_string(k_all_reject_reasons[r]) == name) c.counters.rejected_by_reason[r] = n;
  }
  const std::size_t offsets = in.count(k_max_offsets, 16);
  c.offsets.reserve(offsets);
  for (std::size_t i = 0; i < offsets && in.ok(); ++i) {
    checkpoint::offset o;
    o.topic = std::string(in.get_string(k_max_name));
    o.partition = in.get<std::int32_t>();
    o.next_offset = in.get<std::int64_t>();
    if (o.partition < 0 || o.next_offset < 0) in.fail("negative partition or offset");
    c.offsets.push_back(std::move(o));
  }
  c.shards.resize(in.ok() ? shard_count : 0);
  for (auto& shard : c.shards) {
    const std::size_t n = in.count(k_max_detectors, 12);
    for (std::size_t i = 0; i < n && in.ok(); ++i) {
      detector_state d;
      d.name = std::string(in.get_string(k_max_name));
      d.bytes = std::string(in.get_section());
      shard.push_back(std::move(d));
    }
  }
  if (in.ok() && !in.at_end()) in.fail("bytes after the last shard");
  if (!in.ok()) return fmt::format("malformed payload: {}", in.error());
  return c;
}

std::filesystem::path checkpoint_path(const std::filesystem::path& dir) { return dir / "checkpoint"; }

std::optional<std::string> write_checkpoint(const std::filesystem::path& dir, std::string_view bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fmt::format("cannot create {}: {}", dir.string(), ec.message());
  const auto tmp = dir / "checkpoint.tmp";
  const auto final_path = checkpoint_path(dir);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fmt::format("cannot create {}: {}", tmp.string(), errno_text(errno));
  const bool written = write_all(fd, bytes) && ::fsync(fd) == 0;
  const int write_errno = errno;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return fmt::format("cannot write {}: {}", tmp.string(), errno_text(write_errno));
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return fmt::format("cannot rename {} to {}: {}", tmp.string(), final_path.string(), errno_text(e));
  }
  // The rename is durable once the directory is.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return std::nullopt;
}

checkpoint_load read_checkpoint(const std::filesystem::path& dir, std::uint64_t max_bytes) {
  checkpoint_load r;
  const auto path = checkpoint_path(dir);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) r.error = fmt::format("cannot open: {}", errno_text(errno));
    return r;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    r.error = "not a regular file";
    return r;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    r.error = fmt::format("{} bytes, larger than the {} allowed", st.st_size, max_bytes);
    return r;
  }
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  bytes.resize(got);
  auto decoded = decode_checkpoint(bytes);
  if (auto* e = std::get_if<std::string>(&decoded)) r.error = std::move(*e);
  else r.loaded = std::move(std::get<checkpoint>(decoded));
  return r;
}

}  // namespace dingwatch
