#pragma once
// Alerts and scratch directories for the sink tests.

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "dingwatch/core/alert.hpp"

namespace dingwatch::test {

/// Caps the size of files this process writes (RLIMIT_FSIZE) while it lives: a write(2)
/// past the cap fails with EFBIG (SIGXFSZ is ignored meanwhile), as on a full disk.
class file_size_limit {
 public:
  explicit file_size_limit(std::uintmax_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = old_;
    lim.rlim_cur = static_cast<rlim_t>(bytes);
    ::setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~file_size_limit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  file_size_limit(const file_size_limit&) = delete;
  file_size_limit& operator=(const file_size_limit&) = delete;

 private:
  struct rlimit old_ {};
  void (*old_handler_)(int) = SIG_DFL;
};

/// A fresh directory under the system temp dir, removed with its contents at scope end.
struct scratch_dir {
  std::filesystem::path path;
  explicit scratch_dir(const std::string& name) {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("dingwatch-sinks-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// Alert number `i`: distinct id, time i minutes after 2026-11-25T00:00Z, rotating rules
/// and families.
inline alert make_alert(int i, std::int64_t base_ms = 1'795'564'800'000) {
  static const char* rules[] = {"xb.oss_upload", "aa.night_export", "ec.bulk_hr_sync"};
  static const family families[] = {family::cross_border, family::anomalous_access, family::excessive_collection};
  alert a;
  a.rule_id = rules[i % 3];
  a.rule_name = std::string("rule ") + rules[i % 3];
  a.family = families[i % 3];
  a.severity = i % 2 == 0 ? severity::high : severity::medium;
  a.pdpa_articles = {"19", "20"};
  a.timestamp_ms = base_ms + static_cast<std::int64_t>(i) * 60'000;
  a.first_ms = a.last_ms = a.timestamp_ms;
  a.user_id = "user" + std::to_string(i % 5);
  a.user_name = "Ch** T** M**";
  a.corp_id = "ding0001";
  a.source_ip = "202.175.1." + std::to_string(i % 200);
  a.source_country = "MO";
  a.destination_domain = "oss-cn-hangzhou.aliyuncs.com";
  a.destination_country = "CN";
  a.count = i + 1;
  a.refs = {event_ref{source_topic::flows, 0, i}};
  a.evidence = {{"bytesOut", std::to_string(1000 * i)}};
  a.message = "User uploaded personal data to a server outside Macau (alert " + std::to_string(i) + ")";
  a.id = make_alert_id(a.rule_id, a.user_id, a.timestamp_ms);
  return a;
}

inline std::vector<alert> make_alerts(int from, int n) {
  std::vector<alert> out;
  for (int i = from; i < from + n; ++i) out.push_back(make_alert(i));
  return out;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void spit(const std::filesystem::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

inline std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p, std::ios::binary);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

inline void write_lines(const std::filesystem::path& p, const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  spit(p, s);
}

}  // namespace dingwatch::test
