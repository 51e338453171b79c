#include "bench_steady.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/pipeline.hpp"
#include "dingwatch/ingest/dingtalk_decoder.hpp"
#include "dingwatch/ingest/kafka_source.hpp"
#include "dingwatch/ingest/mock_broker.hpp"
#include "footprint.hpp"
#include "kafka_ingest.hpp"

extern char** environ;

namespace dingwatch {

namespace {

using steady_clock = std::chrono::steady_clock;

/// This binary run as a child (`dingwatch broker`, `dingwatch gen`), stderr silenced;
/// stdout captured when asked. Stopped with SIGTERM (both commands shut down cleanly).
class child {
 public:
  child(const std::vector<std::string>& args, bool capture_stdout) {
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::vector<std::string> argv{self};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    int fds[2] = {-1, -1};
    if (capture_stdout && ::pipe(fds) != 0) throw std::runtime_error("bench: pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    if (capture_stdout) {
      posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
      posix_spawn_file_actions_addclose(&actions, fds[0]);
    } else {
      posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    }
    const int rc = posix_spawn(&pid_, self.c_str(), &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (capture_stdout) {
      ::close(fds[1]);
      out_ = fds[0];
    }
    if (rc != 0) throw std::runtime_error(fmt::format("bench: cannot start {} {}", self, args.front()));
  }
  ~child() {
    stop();
    if (out_ >= 0) ::close(out_);
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  /// The first line of stdout, waiting up to `timeout`; empty when none came.
  std::string first_line(std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = steady_clock::now() + timeout;
    while (steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c;
      if (::read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return {};
  }

  /// True once the child has exited.
  bool exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && !exited(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

/// A histogram's cumulative bucket counts and their upper bounds (+Inf last).
struct histogram_snapshot {
  std::vector<double> bounds;
  std::vector<double> cumulative;
};

histogram_snapshot snapshot(prometheus::Histogram& h) {
  const prometheus::ClientMetric c = h.Collect();
  histogram_snapshot s;
  for (const auto& b : c.histogram.bucket) {
    s.bounds.push_back(b.upper_bound);
    s.cumulative.push_back(static_cast<double>(b.cumulative_count));
  }
  return s;
}

/// The q-quantile of the observations between two snapshots, interpolated linearly inside
/// its bucket (as Prometheus' histogram_quantile does). Sets `beyond` when it falls in the
/// +Inf bucket (the value is then the largest finite bound).
double quantile(const histogram_snapshot& from, const histogram_snapshot& to, double q, bool& beyond) {
  beyond = false;
  const std::size_t n = to.cumulative.size();
  if (n == 0 || from.cumulative.size() != n) return 0;
  const double total = to.cumulative[n - 1] - from.cumulative[n - 1];
  if (total <= 0) return 0;
  const double rank = q * total;
  double below = 0, lower = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double count = to.cumulative[i] - from.cumulative[i];
    if (count >= rank) {
      if (std::isinf(to.bounds[i])) {
        beyond = true;
        return lower;
      }
      return count == below ? to.bounds[i] : lower + (to.bounds[i] - lower) * (rank - below) / (count - below);
    }
    below = count;
    lower = to.bounds[i];
  }
  return lower;
}

/// Least-squares slope of `ys` (MiB) sampled once per second, in MiB per minute.
double slope_per_minute(const std::vector<double>& ys) {
  const double n = static_cast<double>(ys.size());
  if (ys.size() < 2) return 0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < ys.size(); ++i) {
    const double x = static_cast<double>(i);
    sx += x;
    sy += ys[i];
    sxx += x * x;
    sxy += x * ys[i];
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60.0;
}

double rss_mib() { return static_cast<double>(bench::rss_bytes()) / (1024.0 * 1024.0); }

}  // namespace

steady_result run_steady(const steady_options& o, const std::function<void(const std::string&)>& progress,
                         std::stop_token interrupt) {
  const auto wait_until = [&](steady_clock::time_point t) {
    while (steady_clock::now() < t) {
      if (interrupt.stop_requested()) throw std::runtime_error("interrupted");
      std::this_thread::sleep_for(std::min<steady_clock::duration>(t - steady_clock::now(), std::chrono::milliseconds(100)));
    }
  };
  child broker({"broker", "--partitions", std::to_string(o.partitions)}, true);
  const std::string brokers = broker.first_line(std::chrono::seconds(30));
  if (brokers.empty()) throw std::runtime_error("bench: the broker child printed no address");

  metrics m;
  kafka_source_options so;
  so.kafka = {brokers, mock_consumer_properties()};
  so.group = fmt::format("dingwatch-bench-steady-{}", steady_clock::now().time_since_epoch().count());
  so.topics = default_input_topics();
  kafka_source source(so, &m);
  dingtalk_decoder decoder;
  pipeline p(bench::app_pipeline_options(0), source, decoder, bench::app_detectors(), {}, nullptr, &m);
  std::stop_source stop;
  std::jthread consumer([&] { p.run(stop.get_token()); });
  struct stop_pipeline {  // on every exit path, before `consumer` joins
    std::stop_source& s;
    ~stop_pipeline() { s.request_stop(); }
  } stopper{stop};

  // One record first: paced traffic starts once the group has joined and fetches.
  {
    child prime({"gen", "--brokers", brokers, "--events", "1", "--seed", "7"}, false);
    const auto deadline = steady_clock::now() + std::chrono::seconds(60);
    while (p.stats().records_read.load() == 0) {
      if (steady_clock::now() > deadline) throw std::runtime_error("bench: the pipeline read nothing from the broker in 60 s");
      wait_until(steady_clock::now() + std::chrono::milliseconds(50));
    }
  }
  const auto total = o.warmup + o.duration + std::chrono::seconds(30);  // stopped before it ends
  child gen({"gen", "--brokers", brokers, "--rate", fmt::format("{:.0f}", o.rate), "--duration",
             std::to_string(total.count())},
            false);
  progress(fmt::format("paced producer started at {:.0f} rec/s; warming up for {} s", o.rate, o.warmup.count()));
  wait_until(steady_clock::now() + o.warmup);

  const histogram_snapshot h0 = snapshot(m.alert_latency_seconds());
  const std::uint64_t read0 = p.stats().records_read.load();
  const auto t0 = steady_clock::now();
  std::vector<double> rss{rss_mib()};
  for (long s = 1; s <= o.duration.count(); ++s) {
    wait_until(t0 + std::chrono::seconds(s));
    rss.push_back(rss_mib());
    if (s % 10 == 0 || s == o.duration.count())
      progress(fmt::format("steady {:>4}/{} s: {:.0f} rec/s consumed, lag {}, RSS {:.1f} MiB", s, o.duration.count(),
                           static_cast<double>(p.stats().records_read.load() - read0) / static_cast<double>(s),
                           source.lag(), rss.back()));
  }
  const double elapsed = std::chrono::duration<double>(steady_clock::now() - t0).count();
  const histogram_snapshot h1 = snapshot(m.alert_latency_seconds());

  steady_result r;
  r.records = p.stats().records_read.load() - read0;
  r.rate_reached = static_cast<double>(r.records) / elapsed;
  r.lag_end = source.lag();
  r.alerts = static_cast<std::uint64_t>(h1.cumulative.empty() ? 0 : h1.cumulative.back() - h0.cumulative.back());
  bool beyond50 = false;
  r.p50_seconds = quantile(h0, h1, 0.50, beyond50);
  r.p99_seconds = quantile(h0, h1, 0.99, r.p99_beyond_buckets);
  r.rss_start_mib = rss.front();
  r.rss_end_mib = rss.back();
  r.rss_max_mib = *std::max_element(rss.begin(), rss.end());
  r.rss_slope_mib_per_min = slope_per_minute(rss);
  gen.stop();
  return r;
}

}  // namespace dingwatch
