#include "dingwatch/core/https_exposer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <prometheus/text_serializer.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace dingwatch {

namespace {

using steady = std::chrono::steady_clock;

// A whole exchange (handshake, request, response) must fit in this; a client that drips
// bytes cannot hold the only serving thread for longer.
constexpr auto k_connection_budget = std::chrono::seconds(5);
constexpr std::size_t k_max_request_bytes = 8192;

std::string openssl_error() {
  std::string text;
  while (const unsigned long e = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    if (!text.empty()) text += "; ";
    text += buf.data();
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

struct addrinfo_deleter {
  void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};

// Binds and listens on HOST:PORT; returns the socket.
int listen_on(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error(fmt::format("metrics: '{}' is not HOST:PORT", address));
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found); rc != 0)
    throw std::runtime_error(fmt::format("metrics: cannot resolve {}: {}", address, ::gai_strerror(rc)));
  std::unique_ptr<addrinfo, addrinfo_deleter> list(found);
  int last_errno = 0;
  for (const addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 16) == 0) return fd;
    last_errno = errno;
    ::close(fd);
  }
  throw std::runtime_error(fmt::format("metrics: cannot listen on {}: {} — is the port in use?", address,
                                       std::strerror(last_errno)));
}

int bound_port(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
}

// Waits until an SSL call that returned `rc` may be retried; false on error or timeout.
bool wait_for_retry(SSL* ssl, int rc, int fd, steady::time_point deadline) {
  const int err = SSL_get_error(ssl, rc);
  if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
  if (left <= 0) return false;
  pollfd p{fd, static_cast<short>(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
  return ::poll(&p, 1, static_cast<int>(left)) == 1;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// The value of header `name` in the request head, or nullopt.
std::optional<std::string_view> header(std::string_view head, std::string_view name) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const std::size_t start = pos + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, end == std::string_view::npos ? end : end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && equals_ignoring_case(line.substr(0, colon), name)) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      return value;
    }
    pos = end;
  }
  return std::nullopt;
}

// "Basic <base64(user:password)>" → (user, password), or nullopt.
std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view value) {
  if (value.size() < 6 || !equals_ignoring_case(value.substr(0, 6), "Basic ")) return std::nullopt;
  std::string_view b64 = value.substr(6);
  while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
  if (b64.empty() || b64.size() % 4 != 0 || b64.size() > 4096) return std::nullopt;
  std::string decoded(b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  std::size_t size = static_cast<std::size_t>(n);  // EVP_DecodeBlock counts the padding as zero bytes
  if (b64.ends_with("==")) size -= 2;
  else if (b64.ends_with("=")) size -= 1;
  decoded.resize(size);
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

std::string response(std::string_view status, std::string_view extra_headers, std::string_view body,
                     bool with_body = true) {
  return fmt::format("HTTP/1.1 {}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n{}", status, body.size(),
                     extra_headers, with_body ? body : std::string_view{});
}

}  // namespace

struct https_exposer::tls_context {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  ~tls_context() { SSL_CTX_free(ctx); }
};

https_exposer::https_exposer(options opts, std::shared_ptr<prometheus::Registry> registry)
    : opts_(std::move(opts)), registry_(std::move(registry)), tls_(std::make_unique<tls_context>()) {
  SSL_CTX* ctx = tls_->ctx;
  if (ctx == nullptr) throw std::runtime_error("metrics: cannot create a TLS context: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  const std::string& key = opts_.key_file.empty() ? opts_.certificate_file : opts_.key_file;
  if (SSL_CTX_use_certificate_chain_file(ctx, opts_.certificate_file.c_str()) != 1)
    throw std::runtime_error(fmt::format("metrics: cannot load the TLS certificate from {}: {}",
                                         opts_.certificate_file, openssl_error()));
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error(fmt::format("metrics: cannot load the TLS private key from {}: {}", key, openssl_error()));
  if (SSL_CTX_check_private_key(ctx) != 1)
    throw std::runtime_error(fmt::format("metrics: the private key in {} does not match the certificate in {}", key,
                                         opts_.certificate_file));
  listen_fd_ = listen_on(opts_.address);
  port_ = bound_port(listen_fd_);
  if (::pipe2(wake_, O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error(fmt::format("metrics: pipe: {}", std::strerror(errno)));
  }
  thread_ = std::thread([this] { serve(); });
}

https_exposer::~https_exposer() {
  const char stop = 1;
  [[maybe_unused]] const auto n = ::write(wake_[1], &stop, 1);
  thread_.join();
  ::close(wake_[0]);
  ::close(wake_[1]);
  ::close(listen_fd_);
}

void https_exposer::serve() {
  // A client that closes early must not kill the process: writes then fail with EPIPE.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  for (;;) {
    std::array<pollfd, 2> p{pollfd{listen_fd_, POLLIN, 0}, pollfd{wake_[0], POLLIN, 0}};
    if (::poll(p.data(), p.size(), -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("metrics: poll failed: {}", std::strerror(errno));
      return;
    }
    if (p[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) continue;  // the client went away, or out of descriptors for now
    serve_connection(fd);
    ::close(fd);
  }
}

void https_exposer::serve_connection(int fd) {
  const auto deadline = steady::now() + k_connection_budget;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(tls_->ctx), &SSL_free);
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) return;
  for (int rc; (rc = SSL_accept(ssl.get())) != 1;)
    if (!wait_for_retry(ssl.get(), rc, fd, deadline)) {
      ERR_clear_error();  // plain http, a wrong CA, a scanner: nothing to report per connection
      return;
    }
  std::string request;
  std::array<char, 2048> buf{};
  while (request.find("\r\n\r\n") == std::string::npos) {
    const int rc = SSL_read(ssl.get(), buf.data(), static_cast<int>(buf.size()));
    if (rc > 0) {
      request.append(buf.data(), static_cast<std::size_t>(rc));
      if (request.size() > k_max_request_bytes) break;  // answered 431 below
    } else if (!wait_for_retry(ssl.get(), rc, fd, deadline)) {
      ERR_clear_error();
      return;
    }
  }
  const std::string out = request.size() > k_max_request_bytes
                              ? response("431 Request Header Fields Too Large", "", "")
                              : respond(request);
  std::size_t sent = 0;
  while (sent < out.size()) {
    const int rc = SSL_write(ssl.get(), out.data() + sent, static_cast<int>(out.size() - sent));
    if (rc > 0) {
      sent += static_cast<std::size_t>(rc);
    } else if (!wait_for_retry(ssl.get(), rc, fd, deadline)) {
      ERR_clear_error();
      return;
    }
  }
  SSL_shutdown(ssl.get());  // close_notify; the client's answer is not awaited
  ERR_clear_error();
}

std::string https_exposer::respond(std::string_view request) const {
  const std::string_view head = request.substr(0, request.find("\r\n\r\n"));
  const std::string_view line = head.substr(0, head.find("\r\n"));
  const auto sp1 = line.find(' ');
  const auto sp2 = line.find(' ', sp1 == std::string_view::npos ? sp1 : sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos)
    return response("400 Bad Request", "", "bad request\n");
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") return response("405 Method Not Allowed", "Allow: GET, HEAD\r\n", "");
  if (target != "/metrics") return response("404 Not Found", "", "not found: try /metrics\n");
  if (opts_.check) {
    const auto auth = header(head, "Authorization");
    const auto credentials = auth ? basic_credentials(*auth) : std::nullopt;
    if (!credentials || !opts_.check(credentials->first, credentials->second))
      return response("401 Unauthorized", "WWW-Authenticate: Basic realm=\"dingwatch\"\r\n", "unauthorized\n");
  }
  const std::string body = prometheus::TextSerializer().Serialize(registry_->Collect());
  return response("200 OK", "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n", body, method == "GET");
}

}  // namespace dingwatch
