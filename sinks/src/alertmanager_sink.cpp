#include "dingwatch/sinks/alertmanager_sink.hpp"

#include "config_values.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dingwatch/core/fd_io.hpp"
#include "dingwatch/core/rate_limited_log.hpp"
#include "dingwatch/core/time.hpp"
#include "dingwatch/sinks/registry.hpp"

namespace dingwatch {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::size_t k_chunk = 500;  // alerts per POST when a backlog is delivered
constexpr milliseconds k_first_backoff{1000};

std::int64_t wall_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string errno_text() { return std::strerror(errno); }

bool read_range(int fd, std::uint64_t from, std::uint64_t to, std::string& out) {
  out.resize(to - from);
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(from + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

void fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

/// One spooled line (a JSON object) with `endsAt` added before its closing brace.
void append_with_ends(std::string& body, std::string_view line, std::string_view ends_at) {
  body.append(line.substr(0, line.size() - 1));
  body += R"(,"endsAt":")";
  body += ends_at;
  body += "\"}";
}

std::string line_alert_id(std::string_view line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) return {};
  const auto labels = j.find("labels");
  if (labels == j.end() || !labels->contains("alert_id")) return {};
  return (*labels)["alert_id"].get<std::string>();
}

// --- configuration values ---------------------------------------------------------------

using config_values::parse_duration;
using config_values::parse_size;

}  // namespace

fs::path default_spool_dir() {
  std::error_code ec;
  const fs::path system_dir = "/var/lib/dingwatch/am-spool";
  fs::create_directories(system_dir, ec);
  if (!ec && ::access(system_dir.c_str(), W_OK) == 0) return system_dir;
  return fs::absolute("am-spool", ec);
}

alertmanager_options parse_alertmanager_options(const YAML::Node& config) {
  static const std::set<std::string, std::less<>> known = {
      "kind",    "url",          "spool",         "spool_max",   "resolve_after", "resend_every",
      "runbook_base", "generator_url", "timeout", "retry_every", "max_backoff",   "max_active"};
  alertmanager_options o;
  std::vector<std::string> unknown;
  for (const auto& kv : config) {
    const auto key = kv.first.as<std::string>();
    if (!known.contains(key)) unknown.push_back(fmt::format("{} (line {})", key, kv.first.Mark().line + 1));
  }
  if (!unknown.empty())
    throw std::runtime_error(fmt::format(
        "unknown key(s) {}; hint: the alertmanager sink takes url, spool, spool_max, resolve_after, "
        "resend_every, runbook_base, generator_url, timeout, retry_every, max_backoff, max_active",
        fmt::join(unknown, ", ")));
  if (config["url"]) {
    o.url = config["url"].as<std::string>();
    if (!o.url.starts_with("http://") && !o.url.starts_with("https://"))
      throw std::runtime_error(fmt::format("url: '{}' (line {}) is not an http(s) URL; hint: http://127.0.0.1:9093",
                                           o.url, config["url"].Mark().line + 1));
  }
  if (config["spool"]) o.spool = config["spool"].as<std::string>();
  if (config["spool_max"]) o.spool_max_bytes = parse_size(config["spool_max"], "spool_max");
  if (config["resolve_after"]) o.resolve_after = parse_duration(config["resolve_after"], "resolve_after");
  if (config["resend_every"]) o.resend_every = parse_duration(config["resend_every"], "resend_every");
  if (config["runbook_base"]) o.runbook_base = config["runbook_base"].as<std::string>();
  if (config["generator_url"]) o.generator_url = config["generator_url"].as<std::string>();
  if (config["timeout"]) o.timeout = parse_duration(config["timeout"], "timeout");
  if (config["retry_every"]) o.retry_every = parse_duration(config["retry_every"], "retry_every");
  if (config["max_backoff"]) o.max_backoff = parse_duration(config["max_backoff"], "max_backoff");
  if (config["max_active"]) o.max_active = config["max_active"].as<std::size_t>();
  return o;
}

std::string alertmanager_sink::to_alertmanager_json(const alert& a, const alertmanager_options& o) {
  nlohmann::json labels = nlohmann::json::object();
  auto label = [&](const char* k, std::string_view v) {
    if (!v.empty()) labels[k] = v;
  };
  label("alertname", a.rule_name.empty() ? a.rule_id : a.rule_name);
  label("rule_id", a.rule_id);
  label("family", to_string(a.family));
  label("severity", to_string(a.severity));
  label("pdpa_article", fmt::format("{}", fmt::join(a.pdpa_articles, ",")));
  label("alert_id", a.id);

  std::string description;
  auto part = [&](std::string text) {
    if (!description.empty()) description += "; ";
    description += text;
  };
  if (!a.user_id.empty())
    part(a.user_name.empty() ? fmt::format("user {}", a.user_id) : fmt::format("user {} ({})", a.user_id, a.user_name));
  if (!a.corp_id.empty()) part(fmt::format("corp {}", a.corp_id));
  if (!a.source_ip.empty())
    part(a.source_country.empty() ? fmt::format("source {}", a.source_ip)
                                  : fmt::format("source {} ({})", a.source_ip, a.source_country));
  if (!a.destination_domain.empty() || !a.destination_ip.empty()) {
    std::string d = a.destination_domain.empty() ? a.destination_ip : a.destination_domain;
    if (!a.destination_country.empty()) d += fmt::format(" ({})", a.destination_country);
    part("destination " + d);
  }
  if (a.count > 1 && a.first_ms > 0)
    part(fmt::format("{} events from {} to {}", a.count, iso8601_utc(a.first_ms), iso8601_utc(a.last_ms)));
  if (!a.refs.empty())
    part(fmt::format("evidence {}/{}@{}", to_string(a.refs.front().topic), a.refs.front().partition,
                     a.refs.front().offset));

  nlohmann::json annotations = {{"summary", a.message}, {"message", a.message}};
  if (!description.empty()) annotations["description"] = description;
  if (!o.runbook_base.empty()) annotations["runbook"] = o.runbook_base + a.rule_id;

  nlohmann::json j = {{"labels", std::move(labels)},
                      {"annotations", std::move(annotations)},
                      {"startsAt", iso8601_utc(a.timestamp_ms > 0 ? a.timestamp_ms : wall_ms())}};
  if (!o.generator_url.empty()) {
    std::string url = o.generator_url;
    if (const auto p = url.find("{alert_id}"); p != std::string::npos) url.replace(p, 10, a.id);
    j["generatorURL"] = url;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// --- the sink -----------------------------------------------------------------------------

struct alertmanager_sink::impl {
  enum class post_result { ok, retry, rejected };

  alertmanager_options o;
  std::string post_url;
  fs::path dir;
  fs::path spool_path;
  fs::path rejected_path;
  int lock_fd = -1;

  // The spool file; appends and cuts hold spool_mutex, HTTP never does.
  mutable std::mutex spool_mutex;
  int spool_fd = -1;
  std::uint64_t spool_bytes = 0;
  std::size_t spool_count = 0;

  // Delivery: the HTTP handle, backoff and the active set, under deliver_mutex.
  std::timed_mutex deliver_mutex;
  CURL* curl = nullptr;
  std::string response;
  milliseconds backoff{0};
  std::atomic<std::int64_t> next_attempt_ns{0};  // steady clock; 0 = now
  std::atomic<bool> healthy{true};  // the last request reached Alertmanager
  steady::time_point next_resend{};
  struct active_alert {
    std::string line;  // the spooled JSON object, without endsAt
    std::int64_t ends_ms;
    std::string ends_at;
  };
  std::unordered_map<std::string, active_alert> active;
  std::atomic<std::size_t> active_size{0};

  // The retry thread.
  std::mutex wake_mutex;
  std::condition_variable wake_cv;
  bool stop = false;
  std::atomic<bool> stopping{false};  // ends a long backlog delivery early
  bool wake = false;
  std::thread thread;

  prometheus::Gauge* spooled_gauge = nullptr;
  prometheus::Counter* posts_ok = nullptr;
  prometheus::Counter* posts_error = nullptr;
  rate_limited_log log{std::chrono::seconds(30)};

  explicit impl(alertmanager_options options, metrics* m) : o(std::move(options)) {
    static std::once_flag curl_once;
    std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

    post_url = o.url;
    while (post_url.ends_with('/')) post_url.pop_back();
    if (!post_url.ends_with("/api/v2/alerts")) post_url += "/api/v2/alerts";
    if (o.resend_every.count() <= 0) o.resend_every = std::max(o.resolve_after / 3, milliseconds(1000));

    dir = o.spool.empty() ? default_spool_dir() : o.spool;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      throw std::runtime_error(fmt::format("spool: cannot create {}: {}", dir.string(), ec.message()));
    spool_path = dir / "spool.jsonl";
    rejected_path = dir / "rejected.jsonl";

    lock_fd = ::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (lock_fd < 0)
      throw std::runtime_error(fmt::format("spool: cannot open {}: {}", (dir / "lock").string(), errno_text()));
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(lock_fd);
      throw std::runtime_error(fmt::format(
          "spool: {} is in use by another alertmanager sink; hint: give each sink its own spool directory",
          dir.string()));
    }
    try {
      open_spool();
      curl = curl_easy_init();
      if (curl == nullptr) throw std::runtime_error("alertmanager sink: curl_easy_init failed");
    } catch (...) {
      if (spool_fd >= 0) ::close(spool_fd);
      ::close(lock_fd);
      throw;
    }

    if (m != nullptr) {
      auto& reg = *m->registry();
      spooled_gauge = &prometheus::BuildGauge()
                           .Name("dingwatch_alertmanager_spooled")
                           .Help("Alerts waiting in the Alertmanager sink's disk spool")
                           .Register(reg)
                           .Add({});
      auto& posts = prometheus::BuildCounter()
                        .Name("dingwatch_alertmanager_posts_total")
                        .Help("POST requests to Alertmanager's /api/v2/alerts, by result")
                        .Register(reg);
      posts_ok = &posts.Add({{"result", "ok"}});
      posts_error = &posts.Add({{"result", "error"}});
    }
    update_gauge();
    if (spool_count > 0)
      spdlog::info("alertmanager sink: {} alert(s) spooled in {} from an earlier run; delivering to {}",
                   spool_count, spool_path.string(), post_url);
    thread = std::thread([this] { run(); });
  }

  ~impl() {
    {
      std::lock_guard lock(wake_mutex);
      stop = true;
      stopping = true;
    }
    wake_cv.notify_all();
    if (thread.joinable()) thread.join();
    {
      std::lock_guard lock(deliver_mutex);
      if (spooled() > 0) deliver_spool(steady::now() + o.timeout);  // bounded last attempt
    }
    if (const auto left = spooled(); left > 0)
      spdlog::warn("alertmanager sink: {} alert(s) stay spooled in {}; they are delivered when the sink next starts",
                   left, spool_path.string());
    if (curl != nullptr) curl_easy_cleanup(curl);
    if (spool_fd >= 0) ::close(spool_fd);
    if (lock_fd >= 0) ::close(lock_fd);  // releases the flock
  }

  // --- spool --------------------------------------------------------------------------

  /// Opens the spool, drops a torn last line (a crash mid-append: that write never
  /// returned true, so the pipeline re-sends it) and counts the alerts waiting.
  void open_spool() {
    spool_fd = ::open(spool_path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (spool_fd < 0)
      throw std::runtime_error(fmt::format("spool: cannot open {}: {}", spool_path.string(), errno_text()));
    struct stat st{};
    if (::fstat(spool_fd, &st) != 0)
      throw std::runtime_error(fmt::format("spool: cannot stat {}: {}", spool_path.string(), errno_text()));
    std::string data;
    if (st.st_size > 0 && !read_range(spool_fd, 0, static_cast<std::uint64_t>(st.st_size), data))
      throw std::runtime_error(fmt::format("spool: cannot read {}: {}", spool_path.string(), errno_text()));
    const auto last_nl = data.rfind('\n');
    const std::uint64_t good = last_nl == std::string::npos ? 0 : last_nl + 1;
    if (good < data.size()) {
      spdlog::warn("alertmanager sink: dropping a torn last line ({} bytes) of {}", data.size() - good,
                   spool_path.string());
      if (::ftruncate(spool_fd, static_cast<off_t>(good)) != 0 || ::fsync(spool_fd) != 0)
        throw std::runtime_error(fmt::format("spool: cannot repair {}: {}", spool_path.string(), errno_text()));
    }
    spool_bytes = good;
    spool_count = static_cast<std::size_t>(std::count(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(good), '\n'));
    fsync_dir(dir);
  }

  std::size_t spooled() const {
    std::lock_guard lock(spool_mutex);
    return spool_count;
  }

  void update_gauge() {
    if (spooled_gauge != nullptr) spooled_gauge->Set(static_cast<double>(spooled()));
  }

  /// Appends `lines` (n alerts) and fsyncs; false (and nothing appended) on failure.
  bool append(const std::string& lines, std::size_t n) {
    std::lock_guard lock(spool_mutex);
    if (spool_bytes + lines.size() > o.spool_max_bytes) {
      log.warn("am-full", fmt::format("alertmanager sink: spool {} is full ({} alerts, {} bytes, limit {}); "
                                      "refusing new alerts until {} accepts the backlog",
                                      spool_path.string(), spool_count, spool_bytes, o.spool_max_bytes, post_url));
      return false;
    }
    if (!write_all(spool_fd, lines) || ::fdatasync(spool_fd) != 0) {
      log.warn("am-io", fmt::format("alertmanager sink: cannot append to {}: {}", spool_path.string(), errno_text()));
      if (::ftruncate(spool_fd, static_cast<off_t>(spool_bytes)) != 0) {
        // The file now may end in a partial line; open_spool repairs that on the next start.
      }
      return false;
    }
    spool_bytes += lines.size();
    spool_count += n;
    return true;
  }

  /// Removes the first `bytes` (n alerts) of the spool, which were delivered or rejected.
  void cut(std::uint64_t bytes, std::size_t n) {
    std::lock_guard lock(spool_mutex);
    if (bytes >= spool_bytes) {
      if (::ftruncate(spool_fd, 0) != 0 || ::fsync(spool_fd) != 0) {
        log.warn("am-io", fmt::format("alertmanager sink: cannot truncate {}: {} (alerts will be re-sent)",
                                      spool_path.string(), errno_text()));
        return;
      }
      spool_bytes = 0;
      spool_count = 0;
      return;
    }
    // Alerts were appended during the POST: rewrite the rest atomically.
    std::string rest;
    const fs::path tmp = dir / "spool.jsonl.tmp";
    int fd = -1;
    const bool ok = read_range(spool_fd, bytes, spool_bytes, rest) &&
                    (fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) >= 0 &&
                    write_all(fd, rest) && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!ok || ::rename(tmp.c_str(), spool_path.c_str()) != 0) {
      log.warn("am-io", fmt::format("alertmanager sink: cannot rewrite {}: {} (alerts will be re-sent)",
                                    spool_path.string(), errno_text()));
      return;
    }
    fsync_dir(dir);
    ::close(spool_fd);
    spool_fd = ::open(spool_path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (spool_fd < 0) spdlog::error("alertmanager sink: cannot reopen {}: {}", spool_path.string(), errno_text());
    spool_bytes -= bytes;
    spool_count -= n;
  }

  /// Keeps what Alertmanager refused as invalid (no retry can fix it) beside the spool.
  void keep_rejected(std::string_view lines) {
    const int fd = ::open(rejected_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0 || !write_all(fd, lines) || ::fsync(fd) != 0)
      spdlog::error("alertmanager sink: cannot keep rejected alerts in {}: {}", rejected_path.string(), errno_text());
    if (fd >= 0) ::close(fd);
  }

  // --- HTTP ---------------------------------------------------------------------------

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* out = static_cast<std::string*>(user);
    if (out->size() < 4096) out->append(data, std::min(size * n, 4096 - out->size()));
    return size * n;
  }

  post_result post(const std::string& body, std::string& error) {
    response.clear();
    curl_easy_reset(curl);
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, post_url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &impl::on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    post_result result = post_result::ok;
    if (rc != CURLE_OK) {
      error = curl_easy_strerror(rc);
      result = post_result::retry;
    } else if (status >= 200 && status < 300) {
      result = post_result::ok;
    } else {
      error = fmt::format("HTTP {}: {}", status, response);
      result = (status >= 400 && status < 500 && status != 408 && status != 429) ? post_result::rejected
                                                                                 : post_result::retry;
    }
    if (result == post_result::ok) {
      if (posts_ok != nullptr) posts_ok->Increment();
    } else if (posts_error != nullptr) {
      posts_error->Increment();
    }
    return result;
  }

  void succeeded() {
    backoff = milliseconds(0);
    next_attempt_ns = 0;
    healthy = true;
  }

  void failed() {
    backoff = backoff.count() == 0 ? k_first_backoff : std::min(backoff * 2, o.max_backoff);
    backoff = std::min(backoff, o.max_backoff);
    next_attempt_ns = (steady::now() + backoff).time_since_epoch().count();
    healthy = false;
  }

  bool may_attempt() const { return steady::now().time_since_epoch().count() >= next_attempt_ns.load(); }

  // --- delivery (deliver_mutex held) ---------------------------------------------------

  /// Sends the spool oldest first; true when it is empty afterwards. Stops early (keeping
  /// the rest, without counting a failure) at `deadline` or when the sink is stopping.
  bool deliver_spool(steady::time_point deadline = steady::time_point::max()) {
    std::string data;
    {
      std::lock_guard lock(spool_mutex);
      if (spool_bytes == 0) return true;
      if (!read_range(spool_fd, 0, spool_bytes, data)) {
        log.warn("am-io", fmt::format("alertmanager sink: cannot read {}: {}", spool_path.string(), errno_text()));
        return false;
      }
    }
    std::vector<std::string_view> lines;
    for (std::string_view rest = data; !rest.empty();) {
      const auto nl = rest.find('\n');
      lines.push_back(rest.substr(0, nl));
      rest.remove_prefix(nl + 1);
    }

    std::uint64_t done_bytes = 0;
    std::size_t done = 0;
    bool ok = true;
    std::string error;
    while (done < lines.size()) {
      if (done > 0 && (steady::now() > deadline || (stopping && deadline == steady::time_point::max()))) {
        cut(done_bytes, done);
        update_gauge();
        return false;
      }
      const std::size_t n = std::min(k_chunk, lines.size() - done);
      const std::int64_t ends_ms = wall_ms() + o.resolve_after.count();
      const std::string ends_at = iso8601_utc(ends_ms);
      std::string body = "[";
      std::uint64_t bytes = 0;
      for (std::size_t i = done; i < done + n; ++i) {
        if (i > done) body += ',';
        append_with_ends(body, lines[i], ends_at);
        bytes += lines[i].size() + 1;
      }
      body += ']';
      const auto result = post(body, error);
      if (result == post_result::retry) {
        ok = false;
        break;
      }
      if (result == post_result::ok) {
        for (std::size_t i = done; i < done + n; ++i) remember(lines[i], ends_ms, ends_at);
      } else {
        spdlog::error("alertmanager sink: {} refused {} alert(s) as invalid ({}); kept in {}", post_url, n, error,
                      rejected_path.string());
        keep_rejected(std::string_view(data).substr(done_bytes, bytes));
      }
      done_bytes += bytes;
      done += n;
    }
    if (done > 0) cut(done_bytes, done);
    update_gauge();
    if (ok) {
      if (backoff.count() > 0)
        spdlog::info("alertmanager sink: {} reachable again; spooled alerts delivered", post_url);
      succeeded();
    } else {
      failed();
      const auto left = spooled();
      log.warn("am-down", fmt::format("alertmanager sink: {} unreachable ({}); {} alert(s) spooled in {}, "
                                      "retrying in {} ms",
                                      post_url, error, left, spool_path.string(), backoff.count()));
    }
    return ok;
  }

  void remember(std::string_view line, std::int64_t ends_ms, const std::string& ends_at) {
    std::string id = line_alert_id(line);
    if (id.empty()) return;
    active[std::move(id)] = active_alert{std::string(line), ends_ms, ends_at};
    if (active.size() > o.max_active) {
      // Forget the tenth that ends soonest (amortised; Alertmanager still resolves them).
      std::vector<std::int64_t> ends;
      ends.reserve(active.size());
      for (const auto& [k, v] : active) ends.push_back(v.ends_ms);
      const std::size_t drop = std::max<std::size_t>(active.size() - o.max_active, active.size() / 10);
      std::nth_element(ends.begin(), ends.begin() + static_cast<std::ptrdiff_t>(drop - 1), ends.end());
      const std::int64_t cutoff = ends[drop - 1];
      std::erase_if(active, [&](const auto& kv) { return kv.second.ends_ms <= cutoff; });
    }
    active_size = active.size();
  }

  /// Re-POSTs the alerts still before their endsAt, with that same endsAt.
  bool resend_active() {
    const std::int64_t now = wall_ms();
    std::erase_if(active, [&](const auto& kv) { return kv.second.ends_ms <= now; });
    active_size = active.size();
    std::string body;
    std::size_t n = 0;
    std::string error;
    auto flush = [&] {
      if (n == 0) return true;
      body += ']';
      const auto result = post(body, error);
      body.clear();
      n = 0;
      if (result == post_result::retry) return false;
      if (result == post_result::rejected)
        log.warn("am-resend", fmt::format("alertmanager sink: re-sent alerts refused: {}", error));
      return true;
    };
    for (const auto& [id, a] : active) {
      body += n == 0 ? '[' : ',';
      append_with_ends(body, a.line, a.ends_at);
      if (++n == k_chunk && !flush()) {
        failed();
        return false;
      }
    }
    if (!flush()) {
      failed();
      return false;
    }
    return true;
  }

  // --- the retry thread ----------------------------------------------------------------

  void run() {
    next_resend = steady::now() + o.resend_every;
    for (;;) {
      if (may_attempt() && (spooled() > 0 || steady::now() >= next_resend)) {
        std::lock_guard lock(deliver_mutex);
        if (spooled() > 0 && may_attempt()) deliver_spool();
        if (steady::now() >= next_resend && may_attempt() && spooled() == 0) {
          if (resend_active()) next_resend = steady::now() + o.resend_every;
        }
      }
      std::unique_lock lock(wake_mutex);
      wake_cv.wait_for(lock, o.retry_every, [&] { return stop || wake; });
      if (stop) return;
      wake = false;
    }
  }

  void poke() {
    {
      std::lock_guard lock(wake_mutex);
      wake = true;
    }
    wake_cv.notify_all();
  }
};

alertmanager_sink::alertmanager_sink(alertmanager_options options, metrics* m)
    : impl_(std::make_unique<impl>(std::move(options), m)) {}

alertmanager_sink::~alertmanager_sink() = default;

bool alertmanager_sink::write(std::span<const alert> alerts) {
  if (alerts.empty()) return true;
  std::string lines;
  for (const alert& a : alerts) {
    lines += to_alertmanager_json(a, impl_->o);
    lines += '\n';
  }
  if (!impl_->append(lines, alerts.size())) return false;
  impl_->update_gauge();
  if (!impl_->healthy) {
    // Backing off: the retry thread owns the retries, so an Alertmanager that hangs costs
    // the pipeline one timeout, not one per write. A write after the backoff wakes it.
    if (impl_->may_attempt()) impl_->poke();
    return true;
  }
  // The retry thread may be mid-request; wait for it at most one request's time.
  std::unique_lock lock(impl_->deliver_mutex, impl_->o.timeout);
  if (lock.owns_lock())
    impl_->deliver_spool();
  else
    impl_->poke();  // still busy (a long backlog): it delivers this batch right after
  return true;
}

std::size_t alertmanager_sink::spooled() const { return impl_->spooled(); }

fs::path alertmanager_sink::spool_file() const { return impl_->spool_path; }

std::size_t alertmanager_sink::active() const { return impl_->active_size.load(); }

namespace {
const register_sink registration{"alertmanager", [](const YAML::Node& config, const sink_context& context) {
  return std::make_unique<alertmanager_sink>(parse_alertmanager_options(config), context.m);
}};
}  // namespace

}  // namespace dingwatch
