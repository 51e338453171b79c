#pragma once
/// A minimal HTTPS server for one page: GET /metrics, the text exposition of a
/// prometheus-cpp registry, over TLS 1.2+ (OpenSSL), optionally behind HTTP basic auth.
///
/// It exists because Debian 12's CivetWeb (prometheus-cpp's server) crashes on the first
/// https request with OpenSSL 3 (see metrics.cpp); plain-http endpoints still use CivetWeb.
/// One thread serves one connection at a time, each bounded in time and size (a scrape
/// every few seconds is the whole workload), and closes it after the response.

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace dingwatch {

class https_exposer {
 public:
  /// Decides a basic-auth pair (user, password); unset = no authentication.
  using credentials_check = std::function<bool(std::string_view user, std::string_view password)>;

  struct options {
    std::string address;           ///< HOST:PORT to bind ([v6]:PORT too); port 0 picks a free one
    std::string certificate_file;  ///< PEM: the certificate (and chain), maybe the key too
    std::string key_file;          ///< PEM private key; empty: read it from certificate_file
    credentials_check check;
  };

  /// Loads the certificate and key and starts listening; throws std::runtime_error naming
  /// the file or the address that failed.
  https_exposer(options opts, std::shared_ptr<prometheus::Registry> registry);
  ~https_exposer();  ///< stops serving (joins the thread)
  https_exposer(const https_exposer&) = delete;
  https_exposer& operator=(const https_exposer&) = delete;

  /// The bound port (the kernel's choice when the address said 0).
  [[nodiscard]] int port() const { return port_; }

 private:
  struct tls_context;
  void serve();
  void serve_connection(int fd);
  [[nodiscard]] std::string respond(std::string_view request) const;

  options opts_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<tls_context> tls_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  ///< written by the destructor to stop serve()
  int port_ = 0;
  std::thread thread_;
};

}  // namespace dingwatch
