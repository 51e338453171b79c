#include "dingwatch/detectors/jurisdiction.hpp"

#include <fmt/format.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "dingwatch/detectors/rules/tooling.hpp"

namespace dingwatch {

namespace {

// ---- static strings ----------------------------------------------------------------

/// Every two-letter code AA…ZZ, back to back: country views point in here.
constexpr std::array<char, 26 * 26 * 2> k_codes = [] {
  std::array<char, 26 * 26 * 2> a{};
  for (int i = 0; i < 26; ++i)
    for (int j = 0; j < 26; ++j) {
      a[static_cast<std::size_t>((i * 26 + j) * 2)] = static_cast<char>('A' + i);
      a[static_cast<std::size_t>((i * 26 + j) * 2 + 1)] = static_cast<char>('A' + j);
    }
  return a;
}();

constexpr std::array<std::string_view, 6> k_networks{"isp", "mobile", "cloud", "hosting", "anonymizer", "private"};

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

/// Splits one CSV line on commas (no quoting: labels carry no commas).
std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto comma = line.find(',');
    out.push_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) return out;
    line.remove_prefix(comma + 1);
  }
}

using u128 = unsigned __int128;

u128 to_u128(const ip_address& ip) noexcept {
  u128 v = 0;
  for (std::uint8_t b : ip.bytes) v = (v << 8) | b;
  return v;
}

/// `*` matches any run of characters; ASCII case is ignored. No allocation.
bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == lower(text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

/// Collects every problem of a load; thrown together at the end.
class problem_list {
 public:
  void add(std::string_view file, std::size_t line, std::string_view field, const std::string& what) {
    list_.push_back(fmt::format("{}:{}: {}: {}", file, line, field, what));
  }
  void add(std::string what) { list_.push_back(std::move(what)); }
  void throw_if_any() const {
    if (list_.empty()) return;
    throw std::runtime_error(fmt::format("{} problem(s) in the jurisdiction files:\n  {}", list_.size(),
                                         fmt::join(list_, "\n  ")));
  }

 private:
  std::vector<std::string> list_;
};

std::string read_file(const std::filesystem::path& path, problem_list& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.add(fmt::format("{}: cannot read the file", path.string()));
    return {};
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Calls `row(line_number, fields)` for each non-blank, non-comment line except a header
/// whose first field is `header`.
template <class Row>
void each_row(std::string_view text, std::string_view header, Row&& row) {
  std::size_t number = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    const auto fields = split(line);
    if (fields.front() == header) continue;
    row(number, fields);
  }
}

std::optional<double> parse_double(std::string_view s) noexcept {
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::string_view static_country_code(std::string_view code) noexcept {
  if (code.size() != 2) return {};
  const auto up = [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; };
  const char a = up(code[0]), b = up(code[1]);
  if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') return {};
  return {k_codes.data() + ((a - 'A') * 26 + (b - 'A')) * 2, 2};
}

jurisdiction_sources jurisdiction_sources::defaults() {
  const auto dir = rules::default_rules_dir();
  return {dir / "jurisdictions.csv", dir / "jurisdiction_areas.csv", {}};
}

struct jurisdiction_resolver::impl {
  struct row {
    std::string label;
    std::string_view country, network;
  };
  /// One prefix as an address interval; `parent` is the nearest enclosing prefix.
  struct prefix {
    u128 first, last;
    std::uint32_t parent, row;
  };
  struct host_rule {
    std::string pattern;  ///< lower case
    std::size_t literal_chars;
    std::uint32_t row;
  };
  struct area {
    std::string name;
    std::string_view country;
    std::vector<std::pair<double, double>> ring;  ///< (lat, lon)
    double lat_lo, lat_hi, lon_lo, lon_hi;
  };
  static constexpr std::uint32_t k_none = 0xffffffff;

  std::vector<row> rows;
  std::vector<prefix> prefixes;  ///< sorted by first address, enclosing prefixes first
  std::vector<host_rule> hosts;
  std::vector<area> areas;
  std::vector<std::string_view> countries;
  MMDB_s mmdb{};
  bool has_mmdb = false;

  ~impl() {
    if (has_mmdb) MMDB_close(&mmdb);
  }

  jurisdiction from_row(std::uint32_t r) const noexcept {
    return {rows[r].country, rows[r].network, rows[r].label};
  }

  void parse_table(std::string_view text, std::string_view file, problem_list& problems) {
    struct pending {
      cidr c;
      std::size_t line;
      std::uint32_t row;
    };
    std::vector<pending> cidrs;
    each_row(text, "match", [&](std::size_t line, const std::vector<std::string_view>& f) {
      if (f.size() < 3 || f.size() > 4) {
        problems.add(file, line, "row",
                     fmt::format("expected 3 or 4 fields (match,country,label[,network]), found {}", f.size()));
        return;
      }
      bool ok = true;
      const auto country = static_country_code(f[1]);
      if (country.empty()) {
        problems.add(file, line, "country",
                     fmt::format("'{}' is not a two-letter ISO 3166 code (e.g. MO, HK, CN, US)", f[1]));
        ok = false;
      }
      std::string_view network;
      if (f.size() == 4 && !f[3].empty()) {
        const auto it = std::find(k_networks.begin(), k_networks.end(), f[3]);
        if (it == k_networks.end()) {
          problems.add(file, line, "network",
                       fmt::format("'{}' is not one of {}", f[3], fmt::join(k_networks, ", ")));
          ok = false;
        } else {
          network = *it;
        }
      }
      const std::string_view match = f[0];
      const bool looks_ip = match.find('/') != std::string_view::npos || match.find(':') != std::string_view::npos ||
                            ip_address::parse(match).has_value();
      std::optional<cidr> c;
      if (match.empty()) {
        problems.add(file, line, "match", "empty: expected a CIDR (202.175.0.0/16) or a host pattern (*.example.cn)");
        ok = false;
      } else if (looks_ip) {
        c = cidr::parse(match);
        if (!c) {
          problems.add(file, line, "match",
                       fmt::format("'{}' is not a CIDR (202.175.0.0/16, 2001:db8::/32)", match));
          ok = false;
        }
      } else if (match.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_*") !=
                 std::string_view::npos) {
        problems.add(file, line, "match",
                     fmt::format("'{}' is neither a CIDR nor a host pattern (letters, digits, '.', '-', '*')", match));
        ok = false;
      }
      if (!ok) return;
      const auto index = static_cast<std::uint32_t>(rows.size());
      rows.push_back({std::string(f[2]), country, network});
      if (c) {
        cidrs.push_back({*c, line, index});
      } else {
        std::string pattern;
        for (char ch : match) pattern += lower(ch);
        const auto literal = static_cast<std::size_t>(std::count_if(pattern.begin(), pattern.end(), [](char ch) { return ch != '*'; }));
        hosts.push_back({std::move(pattern), literal, index});
      }
    });

    std::sort(cidrs.begin(), cidrs.end(), [](const pending& a, const pending& b) {
      const u128 fa = to_u128(a.c.network), fb = to_u128(b.c.network);
      return fa != fb ? fa < fb : a.c.prefix_bits < b.c.prefix_bits;
    });
    std::vector<std::uint32_t> open;  // enclosing prefixes of the current one
    for (std::size_t i = 0; i < cidrs.size(); ++i) {
      const pending& p = cidrs[i];
      const u128 first = to_u128(p.c.network);
      const u128 span = p.c.prefix_bits == 0 ? ~u128{0} : ((u128{1} << (128 - p.c.prefix_bits)) - 1);
      if (i > 0 && cidrs[i - 1].c.prefix_bits == p.c.prefix_bits && to_u128(cidrs[i - 1].c.network) == first) {
        problems.add(file, p.line, "match", fmt::format("the same prefix as line {}", cidrs[i - 1].line));
        continue;
      }
      while (!open.empty() && prefixes[open.back()].last < first) open.pop_back();
      prefixes.push_back({first, first + span, open.empty() ? k_none : open.back(), p.row});
      open.push_back(static_cast<std::uint32_t>(prefixes.size() - 1));
    }
  }

  void parse_areas(std::string_view text, std::string_view file, problem_list& problems) {
    std::vector<std::pair<std::string, std::size_t>> closed;  // finished areas and their first line
    std::size_t area_line = 0;
    auto finish = [&] {
      if (areas.empty() || areas.back().ring.empty()) return;
      area& a = areas.back();
      if (a.ring.size() < 3) {
        problems.add(file, area_line, "area", fmt::format("'{}' has {} point(s); a polygon needs at least 3", a.name, a.ring.size()));
      }
      closed.emplace_back(a.name, area_line);
    };
    each_row(text, "area", [&](std::size_t line, const std::vector<std::string_view>& f) {
      if (f.size() != 4) {
        problems.add(file, line, "row", fmt::format("expected 4 fields (area,country,lat,lon), found {}", f.size()));
        return;
      }
      const auto country = static_country_code(f[1]);
      const auto lat = parse_double(f[2]);
      const auto lon = parse_double(f[3]);
      bool ok = true;
      if (f[0].empty()) problems.add(file, line, "area", "empty: name the area (e.g. Macau peninsula)"), ok = false;
      if (country.empty())
        problems.add(file, line, "country", fmt::format("'{}' is not a two-letter ISO 3166 code (e.g. MO, HK, CN)", f[1])), ok = false;
      if (!lat || *lat < -90 || *lat > 90)
        problems.add(file, line, "lat", fmt::format("'{}' is not a latitude in degrees (-90 … 90)", f[2])), ok = false;
      if (!lon || *lon < -180 || *lon > 180)
        problems.add(file, line, "lon", fmt::format("'{}' is not a longitude in degrees (-180 … 180)", f[3])), ok = false;
      if (!ok) return;
      if (areas.empty() || areas.back().name != f[0]) {
        finish();
        for (const auto& [name, first] : closed)
          if (name == f[0])
            problems.add(file, line, "area",
                         fmt::format("'{}' continues after other areas (it started on line {}); keep its points together", name, first));
        areas.push_back({std::string(f[0]), country, {}, 90, -90, 180, -180});
        area_line = line;
      } else if (areas.back().country != country) {
        problems.add(file, line, "country",
                     fmt::format("'{}' is {} on line {}; one area has one country", f[0], areas.back().country, area_line));
        return;
      }
      area& a = areas.back();
      a.ring.emplace_back(*lat, *lon);
      a.lat_lo = std::min(a.lat_lo, *lat);
      a.lat_hi = std::max(a.lat_hi, *lat);
      a.lon_lo = std::min(a.lon_lo, *lon);
      a.lon_hi = std::max(a.lon_hi, *lon);
    });
    finish();
  }

  void open_mmdb(const std::filesystem::path& path, problem_list& problems) {
    const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb);
    if (status != MMDB_SUCCESS) {
      problems.add(fmt::format("{}: cannot open the MaxMind DB: {}", path.string(), MMDB_strerror(status)));
      return;
    }
    has_mmdb = true;
  }

  void collect_countries() {
    for (const auto& r : rows) countries.push_back(r.country);
    for (const auto& a : areas) countries.push_back(a.country);
    std::sort(countries.begin(), countries.end());
    countries.erase(std::unique(countries.begin(), countries.end()), countries.end());
  }

  jurisdiction mmdb_lookup(const ip_address& ip) const noexcept {
    if (!has_mmdb) return {};
    sockaddr_storage storage{};
    if (ip.is_v4()) {
      auto* sa = reinterpret_cast<sockaddr_in*>(&storage);
      sa->sin_family = AF_INET;
      std::memcpy(&sa->sin_addr, ip.bytes.data() + 12, 4);
    } else {
      auto* sa = reinterpret_cast<sockaddr_in6*>(&storage);
      sa->sin6_family = AF_INET6;
      std::memcpy(&sa->sin6_addr, ip.bytes.data(), 16);
    }
    int error = 0;
    MMDB_lookup_result_s result =
        MMDB_lookup_sockaddr(const_cast<MMDB_s*>(&mmdb), reinterpret_cast<const sockaddr*>(&storage), &error);
    if (error != MMDB_SUCCESS || !result.found_entry) return {};
    MMDB_entry_data_s data{};
    for (const char* where : {"country", "registered_country"}) {
      if (MMDB_get_value(&result.entry, &data, where, "iso_code", nullptr) == MMDB_SUCCESS && data.has_data &&
          data.type == MMDB_DATA_TYPE_UTF8_STRING)
        return {static_country_code({data.utf8_string, data.data_size}), {}, {}};
    }
    return {};
  }
};

jurisdiction_resolver::jurisdiction_resolver() : impl_(std::make_unique<impl>()) {}
jurisdiction_resolver::~jurisdiction_resolver() = default;

std::shared_ptr<const jurisdiction_resolver> jurisdiction_resolver::load(const jurisdiction_sources& sources) {
  std::shared_ptr<jurisdiction_resolver> r(new jurisdiction_resolver());
  problem_list problems;
  if (!sources.table.empty()) {
    const std::string text = read_file(sources.table, problems);
    r->impl_->parse_table(text, sources.table.string(), problems);
  }
  if (!sources.areas.empty()) {
    const std::string text = read_file(sources.areas, problems);
    r->impl_->parse_areas(text, sources.areas.string(), problems);
  }
  if (!sources.mmdb.empty()) r->impl_->open_mmdb(sources.mmdb, problems);
  problems.throw_if_any();
  r->impl_->collect_countries();
  return r;
}

std::shared_ptr<const jurisdiction_resolver> jurisdiction_resolver::parse(std::string_view table_csv,
                                                                          std::string_view areas_csv,
                                                                          std::string_view name) {
  std::shared_ptr<jurisdiction_resolver> r(new jurisdiction_resolver());
  problem_list problems;
  r->impl_->parse_table(table_csv, name, problems);
  r->impl_->parse_areas(areas_csv, name, problems);
  problems.throw_if_any();
  r->impl_->collect_countries();
  return r;
}

jurisdiction jurisdiction_resolver::of_ip(const ip_address& ip) const noexcept {
  const auto& p = impl_->prefixes;
  const u128 v = to_u128(ip);
  // The last prefix starting at or before `v`; if it does not reach `v`, the nearest
  // enclosing prefix that does (prefixes nest or are disjoint).
  auto it = std::upper_bound(p.begin(), p.end(), v, [](u128 x, const impl::prefix& e) { return x < e.first; });
  if (it != p.begin()) {
    auto i = static_cast<std::uint32_t>(it - p.begin() - 1);
    while (i != impl::k_none && p[i].last < v) i = p[i].parent;
    if (i != impl::k_none) return impl_->from_row(p[i].row);
  }
  return impl_->mmdb_lookup(ip);
}

jurisdiction jurisdiction_resolver::of_ip(std::string_view text) const noexcept {
  const auto ip = ip_address::parse(text);
  return ip ? of_ip(*ip) : jurisdiction{};
}

jurisdiction jurisdiction_resolver::of_host(std::string_view host) const noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty()) return {};
  const impl::host_rule* best = nullptr;
  for (const auto& h : impl_->hosts)
    if ((best == nullptr || h.literal_chars > best->literal_chars) && glob_match(h.pattern, host)) best = &h;
  return best ? impl_->from_row(best->row) : jurisdiction{};
}

jurisdiction jurisdiction_resolver::of_point(double lat, double lon) const noexcept {
  if (std::isnan(lat) || std::isnan(lon)) return {};
  for (const auto& a : impl_->areas) {
    if (lat < a.lat_lo || lat > a.lat_hi || lon < a.lon_lo || lon > a.lon_hi) continue;
    // Ray casting: count the edges a ray from the point towards +lon crosses.
    bool inside = false;
    for (std::size_t i = 0, j = a.ring.size() - 1; i < a.ring.size(); j = i++) {
      const auto [lat_i, lon_i] = a.ring[i];
      const auto [lat_j, lon_j] = a.ring[j];
      if ((lat_i > lat) != (lat_j > lat) && lon < (lon_j - lon_i) * (lat - lat_i) / (lat_j - lat_i) + lon_i)
        inside = !inside;
    }
    if (inside) return {a.country, {}, a.name};
  }
  return {};
}

std::span<const std::string_view> jurisdiction_resolver::countries() const noexcept { return impl_->countries; }

std::string jurisdiction_resolver::summary() const {
  return fmt::format("{} prefixes, {} host patterns, {} areas, {} countries{}", impl_->prefixes.size(),
                     impl_->hosts.size(), impl_->areas.size(), impl_->countries.size(),
                     impl_->has_mmdb ? ", MaxMind DB" : "");
}

}  // namespace dingwatch
