#pragma once
/// Binary encoding of detector state for checkpoints (checkpoint.hpp).
///
/// Little-endian fixed-width integers, IEEE doubles, and length-prefixed byte strings.
/// The reader never trusts the input: every read is bounds-checked, a failed read sets a
/// sticky error (later reads return zeros and fail too) and `count()` refuses an element
/// count that the remaining bytes could not possibly hold, so a hostile length can
/// neither overrun the buffer nor make a restore allocate more than the file's size.

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "dingwatch/core/event.hpp"

namespace dingwatch {

static_assert(std::endian::native == std::endian::little, "state_io writes the host's byte order");

/// Appends values to a byte string.
class state_writer {
 public:
  template <typename T>
    requires std::is_arithmetic_v<T> || std::is_enum_v<T>
  void put(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
  }
  /// A length (u32) and the bytes.
  void put_string(std::string_view s) {
    put(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void put_ref(const event_ref& r) {
    put(static_cast<std::uint8_t>(r.topic));
    put(r.partition);
    put(r.offset);
  }
  /// Reserves room for a u64 length, to be filled by `end_section` with the bytes
  /// written after it: a reader can skip a section it does not understand.
  [[nodiscard]] std::size_t begin_section() {
    put(std::uint64_t{0});
    return out_.size();
  }
  void end_section(std::size_t start) {
    const std::uint64_t n = out_.size() - start;
    std::memcpy(out_.data() + start - sizeof n, &n, sizeof n);
  }

  /// A section holding `bytes` as they are.
  void put_section(std::string_view bytes) {
    put(static_cast<std::uint64_t>(bytes.size()));
    out_.append(bytes);
  }

  [[nodiscard]] const std::string& bytes() const noexcept { return out_; }
  [[nodiscard]] std::string take() noexcept { return std::move(out_); }

 private:
  std::string out_;
};

/// Reads what a `state_writer` wrote, distrusting every byte.
class state_reader {
 public:
  explicit state_reader(std::string_view in) noexcept : in_(in) {}

  template <typename T>
    requires std::is_arithmetic_v<T>
  T get() noexcept {
    T v{};
    if (!need(sizeof(T))) return v;
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  bool get_bool() noexcept { return get<std::uint8_t>() != 0; }
  /// A string of at most `max` bytes, viewing the input.
  std::string_view get_string(std::size_t max = 1u << 20) noexcept {
    const auto n = get<std::uint32_t>();
    if (n > max) {
      fail("string longer than allowed");
      return {};
    }
    if (!need(n)) return {};
    const std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  event_ref get_ref() noexcept {
    event_ref r;
    const auto topic = get<std::uint8_t>();
    if (topic > static_cast<std::uint8_t>(source_topic::unknown)) fail("unknown topic in an event reference");
    r.topic = static_cast<source_topic>(topic);
    r.partition = get<std::int32_t>();
    r.offset = get<std::int64_t>();
    return r;
  }
  /// An element count (u32), refused when above `max` or when the rest of the input
  /// cannot hold that many elements of at least `min_bytes` each.
  std::size_t count(std::size_t max, std::size_t min_bytes) noexcept {
    const std::size_t n = get<std::uint32_t>();
    if (n > max || (min_bytes > 0 && n > remaining() / min_bytes)) {
      fail("element count out of range");
      return 0;
    }
    return n;
  }
  /// The bytes of a section written by `state_writer::begin_section`/`end_section` (or
  /// `put_section`), viewing the input; this reader moves past them.
  std::string_view get_section() noexcept {
    const auto n = get<std::uint64_t>();
    if (!need(n)) return {};
    const std::string_view s = in_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += s.size();
    return s;
  }

  /// Marks the input bad (the first reason is kept).
  void fail(const char* reason) noexcept {
    if (error_ == nullptr) error_ = reason;
    pos_ = in_.size();
  }
  [[nodiscard]] bool ok() const noexcept { return error_ == nullptr; }
  /// Why the input was refused, or null.
  [[nodiscard]] const char* error() const noexcept { return error_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return in_.size() - pos_; }
  [[nodiscard]] bool at_end() const noexcept { return pos_ == in_.size(); }

 private:
  bool need(std::uint64_t n) noexcept {
    if (error_ != nullptr) return false;
    if (n > remaining()) {
      fail("truncated");
      return false;
    }
    return true;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  const char* error_ = nullptr;
};

}  // namespace dingwatch
