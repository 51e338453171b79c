// Hot reload through the real CLI: `dingwatch run` on the embedded broker, a rules
// directory edited while it runs, SIGHUP (or --watch), and /metrics scraped for
// dingwatch_config_reloads_total{result}.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "support/process.hpp"

using namespace dingwatch::test;
namespace fs = std::filesystem;

namespace {

int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

/// GET /metrics over plain HTTP/1.0; empty when nothing answers.
std::string scrape(int port) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string body;
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
    (void)!::write(s, req.data(), req.size());
    char buf[65536];
    for (ssize_t n; (n = ::read(s, buf, sizeof buf)) > 0;) body.append(buf, static_cast<std::size_t>(n));
  }
  ::close(s);
  return body;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool wait_for(const std::function<bool()>& ok, std::chrono::seconds limit = std::chrono::seconds(40)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return ok();
}

std::string reloads_line(const std::string& result, int n) {
  return "dingwatch_config_reloads_total{result=\"" + result + "\"} " + std::to_string(n);
}

/// A rule that fires on every audit record.
std::string every_audit_rule(const std::string& id) {
  return "rules:\n  - id: " + id +
         "\n    name: every audit record\n    family: anomalous_access\n    severity: low\n"
         "    pdpa: [\"5\"]\n    detection: {where: {event.kind: audit}}\n"
         "    tests: [{events: [{event.kind: audit, user.id: u1}], expect: 1}]\n";
}

void write(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp";
  std::ofstream(tmp) << text;
  fs::rename(tmp, p);  // like an editor's save: the reader never sees half a file
}

void produce(const std::string& bootstrap, const char* seed) {
  auto [code, out] = run_to_end({DINGWATCH_BINARY, "gen", "--brokers", bootstrap, "--events", "400", "--seed", seed},
                                "/dev/null");
  REQUIRE(code == 0);
}

/// A rules directory, a broker and `dingwatch run` on it with metrics and an alert file.
struct running {
  fs::path dir;
  child_process broker{{DINGWATCH_BINARY, "broker", "--partitions", "1"}, "/dev/null"};
  std::string bootstrap = broker.read_line();
  int port = free_port();
  std::unique_ptr<child_process> run;

  running(const std::string& name, bool watch) {
    dir = fs::temp_directory_path() / ("dingwatch-reload-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "rules");
    write(dir / "rules" / "rules.yaml", every_audit_rule("T-OLD"));
    std::vector<std::string> args = {DINGWATCH_BINARY, "run", "--brokers", bootstrap, "--group", name,
                                     "--rules", (dir / "rules").string(), "--threads", "2",
                                     "--metrics", "127.0.0.1:" + std::to_string(port),
                                     "--alerts", (dir / "alerts.jsonl").string(),
                                     "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"};
    if (watch) args.push_back("--watch");
    run = std::make_unique<child_process>(args, (dir / "log.txt").string());
    REQUIRE(wait_for([&] {
      const std::string m = scrape(port);
      return m.find(reloads_line("success", 0)) != std::string::npos &&
             m.find(reloads_line("error", 0)) != std::string::npos;
    }));
    // The watch is set up on the reloader's thread, after the metrics endpoint is up: a file
    // written before that would go unseen.
    if (watch) REQUIRE(wait_for([&] { return log().find("--watch: reloading rules when") != std::string::npos; }));
  }
  ~running() {
    run.reset();
    fs::remove_all(dir);
  }

  [[nodiscard]] std::string alerts() const { return read_file(dir / "alerts.jsonl"); }
  [[nodiscard]] std::string log() const { return read_file(dir / "log.txt"); }
  bool metric(const std::string& result, int n) const {
    return wait_for([&] { return scrape(port).find(reloads_line(result, n)) != std::string::npos; });
  }
};

}  // namespace

TEST_CASE("SIGHUP swaps in edited rules while running; a broken set is rejected, counted and the old set keeps running",
          "[app][reload]") {
  running r("sighup", false);
  produce(r.bootstrap, "1");
  REQUIRE(wait_for([&] { return r.alerts().find("T-OLD") != std::string::npos; }));

  write(r.dir / "rules" / "rules.yaml", every_audit_rule("T-NEW"));
  r.run->signal(SIGHUP);
  REQUIRE(r.metric("success", 1));
  CHECK_THAT(r.log(), Catch::Contains("SIGHUP: rules reloaded"));
  produce(r.bootstrap, "2");
  const bool swapped = wait_for([&] { return r.alerts().find("T-NEW") != std::string::npos; });
  INFO(r.log());
  REQUIRE(swapped);

  std::string broken = every_audit_rule("T-BROKEN");
  broken.replace(broken.find("{event.kind: audit}}"), 12, "{event.knd:");
  write(r.dir / "rules" / "rules.yaml", broken);
  r.run->signal(SIGHUP);
  REQUIRE(r.metric("error", 1));
  const std::string log = r.log();
  CHECK_THAT(log, Catch::Contains("the previous rules keep running"));
  CHECK_THAT(log, Catch::Contains((r.dir / "rules" / "rules.yaml").string() + ":7:25: error: unknown field 'event.knd'"));
  CHECK(scrape(r.port).find(reloads_line("success", 1)) != std::string::npos);

  // The set from the successful reload still runs: new records raise T-NEW, never T-BROKEN.
  const auto before = r.alerts().size();
  produce(r.bootstrap, "3");
  REQUIRE(wait_for([&] { return r.alerts().size() > before; }));
  CHECK(r.alerts().find("T-BROKEN") == std::string::npos);

  r.run->signal(SIGTERM);
  CHECK(r.run->wait() == 0);
}

TEST_CASE("with --watch, a changed rule file in the rules directory is reloaded", "[app][reload]") {
  running r("watch", true);
  write(r.dir / "rules" / "more.yaml", every_audit_rule("T-ADDED"));
  REQUIRE(r.metric("success", 1));
  CHECK_THAT(r.log(), Catch::Contains("a rule file changed: rules reloaded"));
  CHECK_THAT(r.log(), Catch::Contains("2 rule(s); 1 kept their state, 1 new or changed, 0 removed"));
  // Files that are not rule files do not trigger a reload.
  std::ofstream(r.dir / "rules" / "notes.txt") << "not a rule file\n";
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(scrape(r.port).find(reloads_line("success", 1)) != std::string::npos);
  r.run->signal(SIGTERM);
  CHECK(r.run->wait() == 0);
}
