// Security of the running binary: Kafka secrets come from the environment or a file and
// never reach logs, errors or help text; the metrics endpoint is loopback-only by
// default and, when exposed, serves TLS with basic auth (checked with curl against a
// self-signed certificate made by openssl at test time).

#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/process.hpp"

using namespace dingwatch::test;
namespace fs = std::filesystem;

namespace {

// The tests start real commands; an empty rule set keeps them independent of the pack.
constexpr const char* k_no_rules = "--rules=" DINGWATCH_TEST_DATA_DIR "/app/no_rules.yaml";

// Unlikely to occur by chance in any output.
constexpr const char* k_kafka_secret = "s3cr3t-KAFKA-7f41c2d9";
constexpr const char* k_metrics_secret = "s3cr3t-METRICS-91be03aa";

/// A fresh directory under the system temp dir, removed at the end of the test.
struct scratch_dir {
  fs::path path;
  scratch_dir() {
    std::string tmpl = (fs::temp_directory_path() / "dingwatch-security-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path / name);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
};

/// A TCP port nothing listens on right now (the kernel's choice).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// The local address (hex, as in /proc/net/tcp) of the socket listening on `port`, or "".
std::string listening_address(int port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  char want[8];
  std::snprintf(want, sizeof want, "%04X", port);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string slot, local, remote, state;
    f >> slot >> local >> remote >> state;
    if (state == "0A" && local.substr(local.find(':') + 1) == want) return local.substr(0, local.find(':'));
  }
  return {};
}

/// curl's HTTP status for `url` (000 when it could not connect or speak TLS).
std::string http_status(const std::string& url, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"/usr/bin/curl", "-s", "-k", "--max-time", "5", "-o", "/dev/null",
                                   "-w", "%{http_code}"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  return run_to_end(argv, "/dev/null").second;
}

/// Waits (≤ 20 s) until something answers HTTP(S) on `url`.
std::string wait_for_http(const std::string& url, const std::vector<std::string>& extra = {}) {
  std::string code;
  for (int i = 0; i < 80; ++i) {
    code = http_status(url, extra);
    if (code != "000") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return code;
}

bool contains(const std::string& text, const char* what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("a Kafka password from the environment never appears in logs, errors or help", "[app][security]") {
  scratch_dir dir;
  REQUIRE(::setenv("DW_TEST_KAFKA_SECRET", k_kafka_secret, 1) == 0);

  // A full run that talks SASL/SCRAM to the embedded broker, with librdkafka's own
  // debug logging on: every line it or dingwatch writes is captured.
  child_process broker({DINGWATCH_BINARY, "broker", "--partitions", "1"}, "/dev/null");
  const std::string bootstrap = broker.read_line();
  REQUIRE_FALSE(bootstrap.empty());
  const auto cfg = dir.write("run.yaml",
                             "kafka:\n"
                             "  properties:\n"
                             "    security.protocol: SASL_PLAINTEXT\n"
                             "    sasl.mechanism: SCRAM-SHA-512\n"
                             "    sasl.username: dingwatch\n"
                             "    sasl.password: ${DW_TEST_KAFKA_SECRET}\n"
                             "    debug: security,broker,conf\n");
  const auto log = dir.path / "run.log";
  std::string out;
  {
    // The mock broker's SASL handshake never completes, so the run is stopped after a
    // few seconds of connection attempts (a second signal exits at once).
    child_process run({DINGWATCH_BINARY, "run", "-c", cfg.string(), "--brokers", bootstrap, "--no-metrics",
                       "--log-level", "debug", k_no_rules},
                      log.string());
    std::this_thread::sleep_for(std::chrono::seconds(4));
    run.signal(SIGINT);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    run.signal(SIGINT);
    out = run.read_all();
    run.wait();
  }
  const std::string run_log = dir.read("run.log");
  INFO(run_log.substr(0, 2000));
  CHECK(contains(run_log, "sasl.password = [redacted]"));  // librdkafka's config dump ran
  CHECK_FALSE(contains(run_log, k_kafka_secret));
  CHECK_FALSE(contains(out, k_kafka_secret));

  // Refused configurations: a property librdkafka rejects, and a problem elsewhere in the
  // file, both name the key and not the value.
  const auto bad = dir.write("bad.yaml",
                             "kafka:\n"
                             "  properties:\n"
                             "    sasl.passwordx: ${DW_TEST_KAFKA_SECRET}\n");
  auto [bad_rc, bad_out] = run_to_end({DINGWATCH_BINARY, "run", "-c", bad.string(), "--brokers", bootstrap,
                                       "--no-metrics", "--until-idle", "1"},
                                      (dir.path / "bad.log").string());
  const std::string bad_log = dir.read("bad.log");
  INFO(bad_log);
  CHECK(bad_rc != 0);
  CHECK(contains(bad_log, "sasl.passwordx"));
  CHECK_FALSE(contains(bad_log + bad_out, k_kafka_secret));

  const auto half = dir.write("half.yaml",
                              "kafka: {properties: {sasl.password: '${DW_TEST_KAFKA_SECRET}'}}\n"
                              "metrics: {username: prometheus}\n");
  auto [half_rc, half_out] = run_to_end({DINGWATCH_BINARY, "run", "-c", half.string()},
                                        (dir.path / "half.log").string());
  const std::string half_log = dir.read("half.log");
  INFO(half_log);
  CHECK(half_rc != 0);
  CHECK(contains(half_log, "half.yaml:2:"));
  CHECK_FALSE(contains(half_log + half_out, k_kafka_secret));

  auto [help_rc, help] = run_to_end({DINGWATCH_BINARY, "run", "--help"});
  CHECK(help_rc == 0);
  CHECK_FALSE(contains(help, k_kafka_secret));
  ::unsetenv("DW_TEST_KAFKA_SECRET");
}

TEST_CASE("secret references that cannot be resolved name the variable or file",
          "[app][security]") {
  scratch_dir dir;
  ::unsetenv("DW_TEST_UNSET_SECRET");
  const auto unset = dir.write("unset.yaml", "kafka: {properties: {sasl.password: '${DW_TEST_UNSET_SECRET}'}}\n");
  run_to_end({DINGWATCH_BINARY, "run", "-c", unset.string()}, (dir.path / "unset.log").string());
  CHECK(contains(dir.read("unset.log"), "unset.yaml:1:"));
  CHECK(contains(dir.read("unset.log"), "environment variable DW_TEST_UNSET_SECRET is not set"));

  const auto missing = dir.write("missing.yaml", "kafka: {properties: {sasl.password: '@no-such.pass'}}\n");
  run_to_end({DINGWATCH_BINARY, "run", "-c", missing.string()}, (dir.path / "missing.log").string());
  CHECK(contains(dir.read("missing.log"), "cannot read secret file"));
  CHECK(contains(dir.read("missing.log"), "no-such.pass"));

  // (The TLS test below reads its metrics password from a file beside its config.)
}

TEST_CASE("the metrics endpoint binds to loopback for a bare port", "[app][security]") {
  const int port = free_port();
  child_process demo({DINGWATCH_BINARY, "demo", "--metrics", std::to_string(port), "--duration", "30",
                      "--rate", "20", k_no_rules},
                     "/dev/null");
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  REQUIRE(wait_for_http(url) == "200");
  CHECK(listening_address(port) == "0100007F");  // 127.0.0.1, not 0.0.0.0
  demo.signal(SIGINT);
  CHECK(demo.wait() == 0);
}

TEST_CASE("an exposed metrics endpoint refuses scrapes without the right credentials", "[app][security]") {
  scratch_dir dir;
  dir.write("metrics.pass", std::string(k_metrics_secret) + "\n");
  const int port = free_port();
  const auto cfg = dir.write("auth.yaml",
                             "metrics:\n"
                             "  listen: 127.0.0.1:" + std::to_string(port) + "\n"
                             "  username: prometheus\n"
                             "  password: '@metrics.pass'\n");  // beside the config
  child_process demo({DINGWATCH_BINARY, "demo", "-c", cfg.string(), "--duration", "30", "--rate", "20", k_no_rules},
                     (dir.path / "demo.log").string());
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  REQUIRE(wait_for_http(url) == "401");  // no credentials
  CHECK(http_status(url, {"-u", "prometheus:wrong"}) == "401");
  CHECK(http_status(url, {"-u", std::string("someone:") + k_metrics_secret}) == "401");
  CHECK(http_status(url, {"-u", std::string("prometheus:") + k_metrics_secret}) == "200");
  auto [body_rc, body] = run_to_end({"/usr/bin/curl", "-s", "--max-time", "5", "-u",
                                     std::string("prometheus:") + k_metrics_secret, url});
  CHECK(contains(body, "dingwatch_build_info"));
  demo.signal(SIGINT);
  CHECK(demo.wait() == 0);
  CHECK_FALSE(contains(dir.read("demo.log"), k_metrics_secret));
}

namespace {

/// A self-signed certificate for 127.0.0.1 (cert.pem) and its key (key.pem) in `dir`.
void make_certificate(const scratch_dir& dir) {
  auto [rc, out] = run_to_end({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                               (dir.path / "key.pem").string(), "-out", (dir.path / "cert.pem").string(), "-days",
                               "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"},
                              "/dev/null");
  REQUIRE(rc == 0);
}

/// The demo serving metrics as `metrics_yaml` says (a `metrics:` block without `listen`).
child_process demo_with_metrics(const scratch_dir& dir, int port, const std::string& metrics_yaml) {
  const auto cfg = dir.write("metrics.yaml", "metrics:\n  listen: 127.0.0.1:" + std::to_string(port) + "\n" +
                                                 metrics_yaml);
  return child_process({DINGWATCH_BINARY, "demo", "-c", cfg.string(), "--duration", "60", "--rate", "20", k_no_rules},
                       (dir.path / "demo.log").string());
}

}  // namespace

TEST_CASE("metrics over TLS are served only to clients with the right credentials", "[app][security]") {
  scratch_dir dir;
  make_certificate(dir);
  const int port = free_port();
  REQUIRE(::setenv("DW_TEST_METRICS_SECRET", k_metrics_secret, 1) == 0);
  auto demo = demo_with_metrics(dir, port,
                                "  tls_certificate: " + (dir.path / "cert.pem").string() + "\n"  // key in its own file
                                "  tls_key: " + (dir.path / "key.pem").string() + "\n"
                                "  username: prometheus\n"
                                "  password: ${DW_TEST_METRICS_SECRET}\n");
  const std::string https = "https://127.0.0.1:" + std::to_string(port) + "/metrics";
  const std::string ca = (dir.path / "cert.pem").string();
  REQUIRE(wait_for_http(https, {"--cacert", ca}) == "401");  // verified TLS, no credentials
  CHECK(http_status(https, {"--cacert", ca, "-u", "prometheus:wrong"}) == "401");
  CHECK(http_status(https, {"--cacert", ca, "-u", std::string("someone:") + k_metrics_secret}) == "401");
  CHECK(http_status(https, {"--cacert", ca, "-u", std::string("prometheus:") + k_metrics_secret}) == "200");
  auto [body_rc, body] = run_to_end({"/usr/bin/curl", "-s", "--max-time", "5", "--cacert", ca, "-u",
                                     std::string("prometheus:") + k_metrics_secret, https});
  CHECK(contains(body, "dingwatch_build_info"));
  CHECK(contains(body, "dingwatch_events_consumed_total"));
  // Never plain http on that port.
  CHECK(http_status("http://127.0.0.1:" + std::to_string(port) + "/metrics",
                    {"-u", std::string("prometheus:") + k_metrics_secret}) != "200");
  CHECK(http_status("https://127.0.0.1:" + std::to_string(port) + "/other", {"--cacert", ca}) == "404");
  // A client that connects and says nothing does not stop the next scrape.
  {
    child_process idle({"/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-quiet"},
                       "/dev/null");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(http_status(https, {"--cacert", ca, "--max-time", "15", "-u", std::string("prometheus:") + k_metrics_secret}) ==
          "200");
    idle.signal(SIGKILL);
    idle.wait();
  }
  demo.signal(SIGINT);
  CHECK(demo.wait() == 0);
  CHECK(contains(dir.read("demo.log"), "https://127.0.0.1:"));
  CHECK_FALSE(contains(dir.read("demo.log"), k_metrics_secret));
  ::unsetenv("DW_TEST_METRICS_SECRET");
}

TEST_CASE("a metrics password may be given as a crypt(3) hash", "[app][security]") {
  scratch_dir dir;
  make_certificate(dir);
  dir.write("metrics.pem", dir.read("cert.pem") + dir.read("key.pem"));  // certificate and key in one file
  auto [hash_rc, hash] = run_to_end({"/usr/bin/openssl", "passwd", "-6", k_metrics_secret}, "/dev/null");
  REQUIRE(hash_rc == 0);
  dir.write("metrics.hash", hash);
  const int port = free_port();
  auto demo = demo_with_metrics(dir, port,
                                "  tls_certificate: " + (dir.path / "metrics.pem").string() + "\n"
                                "  username: prometheus\n"
                                "  password_hash: '@metrics.hash'\n");
  const std::string https = "https://127.0.0.1:" + std::to_string(port) + "/metrics";
  const std::string ca = (dir.path / "cert.pem").string();
  REQUIRE(wait_for_http(https, {"--cacert", ca}) == "401");
  CHECK(http_status(https, {"--cacert", ca, "-u", "prometheus:" + hash.substr(0, hash.find('\n'))}) == "401");
  CHECK(http_status(https, {"--cacert", ca, "-u", std::string("prometheus:") + k_metrics_secret}) == "200");
  demo.signal(SIGINT);
  CHECK(demo.wait() == 0);

  // A hash crypt(3) does not know stops the start with a reason.
  dir.write("metrics.hash", "$9$not-a-hash\n");
  auto bad = demo_with_metrics(dir, free_port(), "  username: prometheus\n  password_hash: '@metrics.hash'\n");
  CHECK(bad.wait() != 0);
  CHECK(contains(dir.read("demo.log"), "password_hash is not a crypt(3) hash"));
}

TEST_CASE("Prometheus scrapes metrics over TLS with basic auth", "[app][security]") {
  scratch_dir dir;
  make_certificate(dir);
  dir.write("metrics.pass", std::string(k_metrics_secret) + "\n");
  const int port = free_port();
  auto demo = demo_with_metrics(dir, port,
                                "  tls_certificate: " + (dir.path / "cert.pem").string() + "\n"
                                "  tls_key: " + (dir.path / "key.pem").string() + "\n"
                                "  username: prometheus\n  password: '@metrics.pass'\n");
  const int prom_port = free_port();
  const auto prom_cfg = dir.write(
      "prometheus.yml",
      "global: {scrape_interval: 1s}\n"
      "scrape_configs:\n"
      "  - job_name: dingwatch\n"
      "    scheme: https\n"
      "    tls_config: {ca_file: " + (dir.path / "cert.pem").string() + "}\n"
      "    basic_auth: {username: prometheus, password_file: " + (dir.path / "metrics.pass").string() + "}\n"
      "    static_configs: [{targets: ['127.0.0.1:" + std::to_string(port) + "']}]\n");
  child_process prometheus({"/usr/bin/prometheus", "--config.file=" + prom_cfg.string(),
                            "--storage.tsdb.path=" + (dir.path / "data").string(),
                            "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                           (dir.path / "prometheus.log").string());
  // The query answers 1 once a scrape succeeded and dingwatch's own series arrived.
  const std::string query = "http://127.0.0.1:" + std::to_string(prom_port) +
                            "/api/v1/query?query=up%7Bjob%3D%22dingwatch%22%7D%20*%20on()%20dingwatch_build_info";
  std::string answer;
  for (int i = 0; i < 120 && !contains(answer, "\"1\""); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    answer = run_to_end({"/usr/bin/curl", "-s", "--max-time", "2", query}, "/dev/null").second;
  }
  INFO(answer << "\n" << dir.read("prometheus.log"));
  CHECK(contains(answer, "\"1\""));
  prometheus.signal(SIGTERM);
  prometheus.wait();
  demo.signal(SIGINT);
  CHECK(demo.wait() == 0);
  CHECK_FALSE(contains(dir.read("demo.log"), k_metrics_secret));
}
