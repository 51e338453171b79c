#pragma once
// A real Alertmanager (Debian's prometheus-alertmanager) on a free loopback port, with a
// temporary storage path, one receiver and gossip disabled; stopped and restarted on the
// same port so tests can take it away under a running sink.

#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/process.hpp"

namespace dingwatch::test {

/// A fresh temporary directory, removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    std::string t = (std::filesystem::temp_directory_path() / "dingwatch-am-XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = t;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// GET `url`; {HTTP status (0 if unreachable), body}.
inline std::pair<long, std::string> http_get(const std::string& url) {
  CURL* c = curl_easy_init();
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char* d, std::size_t s, std::size_t n, void* u) {
    static_cast<std::string*>(u)->append(d, s * n);
    return s * n;
  });
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  return {status, body};
}

/// A port the kernel considers free right now.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

class alertmanager_server {
 public:
  static constexpr const char* k_binary = "/usr/bin/prometheus-alertmanager";

  alertmanager_server() : port_(free_port()) {
    std::ofstream(dir_.path() / "alertmanager.yml") << "route:\n  receiver: blackhole\n"
                                                       "receivers:\n  - name: blackhole\n";
    start();
  }

  /// Starts it (on the same port as before) and waits until /-/ready answers.
  void start() {
    process_.emplace(std::vector<std::string>{
                         k_binary, "--config.file=" + (dir_.path() / "alertmanager.yml").string(),
                         "--storage.path=" + (dir_.path() / "data").string(),
                         "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--cluster.listen-address="},
                     (dir_.path() / "alertmanager.log").string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (http_get(url() + "/-/ready").first != 200) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("alertmanager did not become ready; see " +
                                 (dir_.path() / "alertmanager.log").string());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  /// Stops it (SIGTERM, then waits); its in-memory alerts are gone.
  void stop() {
    if (!process_) return;
    process_->signal(SIGTERM);
    process_->wait();
    process_.reset();
  }

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// GET /api/v2/alerts as JSON (an empty array if unreachable).
  [[nodiscard]] nlohmann::json alerts() const {
    const auto [status, body] = http_get(url() + "/api/v2/alerts");
    if (status != 200) return nlohmann::json::array();
    return nlohmann::json::parse(body);
  }

  /// The listed alert whose `alert_id` label is `id`, or null.
  [[nodiscard]] nlohmann::json find(const std::string& id) const {
    for (const auto& a : alerts())
      if (a["labels"].value("alert_id", "") == id) return a;
    return nullptr;
  }

 private:
  temp_dir dir_;
  int port_;
  std::optional<child_process> process_;
};

/// Polls `done` every 100 ms until it holds or `limit` passes; returns its last value.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace dingwatch::test
