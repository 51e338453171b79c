#pragma once
/// Jurisdictions: which country or region an IP address, a host name or a GPS point is in.
///
/// DingTalk records carry no "data region", so cross-border routing (PDPA Art. 19/20) is
/// inferred from where addresses, hosts and positions are. The resolver answers from
/// three operator-editable sources, loaded once at startup:
///
/// - the **table** (`rules/jurisdictions.csv`), one row per line:
///
///       match,country,label,network
///       202.175.0.0/16,MO,CTM fixed broadband,isp
///       oss-cn-*.aliyuncs.com,CN,Alibaba Cloud OSS (mainland region),cloud
///
///   `match` is a CIDR (IPv4 or IPv6; the longest prefix containing an address wins) or
///   a host pattern (`*` matches any run of characters, case is ignored; of the patterns
///   matching a host, the one with the most literal characters wins, then the earliest).
///   `country` is an ISO 3166-1 alpha-2 code (MO, HK, CN, SG, US …). `network` is
///   optional: `isp`, `mobile`, `cloud`, `hosting`, `anonymizer` or `private`.
/// - the **areas** (`rules/jurisdiction_areas.csv`): polygons, one vertex per line
///   `area,country,lat,lon`; consecutive lines with the same area name form one polygon.
///   A point belongs to the first area (in file order) that contains it.
/// - optionally a **MaxMind DB** (`.mmdb`: GeoIP2/GeoLite2 Country or City, or any DB with
///   `country.iso_code`), consulted for addresses the table does not cover. The table
///   wins, so operators can correct the database.
///
/// Loading collects every problem (file:line, the field, a hint) and throws once.
/// Lookups never allocate or throw. Country codes and network kinds are views into
/// static storage (valid for the whole program); labels and area names are views into
/// the resolver, valid while it lives.

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dingwatch/core/enricher.hpp"
#include "dingwatch/core/text_memo.hpp"
#include "dingwatch/detectors/cidr.hpp"

namespace dingwatch {

class metrics;

/// What the resolver knows about an address, a host or a point; empty views when unknown.
struct jurisdiction {
  std::string_view country;  ///< ISO 3166-1 alpha-2, upper case: "MO", "HK", "CN"
  std::string_view network;  ///< isp | mobile | cloud | hosting | anonymizer | private
  std::string_view label;    ///< the table row's label, or the area's name
  [[nodiscard]] bool known() const noexcept { return !country.empty(); }
};

/// Where the resolver's sources are. Empty paths: no such source.
struct jurisdiction_sources {
  std::filesystem::path table;
  std::filesystem::path areas;
  std::filesystem::path mmdb;

  /// The files shipped with the default rule pack, without a MaxMind DB.
  static jurisdiction_sources defaults();
};

/// IP, host and point → jurisdiction. Immutable once loaded; share it between shards.
class jurisdiction_resolver {
 public:
  /// Loads every source. Throws std::runtime_error listing every problem found.
  static std::shared_ptr<const jurisdiction_resolver> load(const jurisdiction_sources& sources);

  /// Builds from CSV text (tests, embedded tables); `name` stands for the file in errors.
  static std::shared_ptr<const jurisdiction_resolver> parse(std::string_view table_csv,
                                                            std::string_view areas_csv = {},
                                                            std::string_view name = "<text>");

  ~jurisdiction_resolver();
  jurisdiction_resolver(const jurisdiction_resolver&) = delete;
  jurisdiction_resolver& operator=(const jurisdiction_resolver&) = delete;

  /// The jurisdiction of an address: the table's longest prefix, else the MaxMind DB.
  [[nodiscard]] jurisdiction of_ip(const ip_address& ip) const noexcept;
  /// Same, from text; unknown when the text is not an address.
  [[nodiscard]] jurisdiction of_ip(std::string_view text) const noexcept;
  /// The jurisdiction of a host name by the table's host patterns.
  [[nodiscard]] jurisdiction of_host(std::string_view host) const noexcept;
  /// The area containing a GPS point (WGS 84 degrees); unknown outside every area.
  [[nodiscard]] jurisdiction of_point(double lat, double lon) const noexcept;

  /// Every country the table and the areas name, sorted (bounded metric label values).
  [[nodiscard]] std::span<const std::string_view> countries() const noexcept;

  /// Rows, host patterns and areas loaded, for the startup log line.
  [[nodiscard]] std::string summary() const;

 private:
  jurisdiction_resolver();
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Recent `of_ip` answers by address text, for one thread (each shard's enricher has
/// one): users and services keep coming from the same addresses, and parsing one and
/// searching the table costs far more than comparing 16 bytes (core/text_memo.hpp).
class ip_jurisdiction_memo {
 public:
  /// `resolver.of_ip(text)`, from the memo when `text` was asked lately (of the same
  /// resolver: a memo serves one resolver for its lifetime).
  [[nodiscard]] jurisdiction of_ip(const jurisdiction_resolver& resolver, std::string_view text) noexcept {
    return memo_.get(text, [&](std::string_view t) { return resolver.of_ip(t); });
  }

 private:
  text_memo<jurisdiction, 512> memo_;
};

/// Fills the jurisdiction fields of `ev` that are still empty: `source_*` from `ip`,
/// `destination_*` from `dst_ip` (or, when the address is unknown or private, from
/// `dst_host`), `geo_*` from the coordinates. Addresses go through `memo` when given.
/// No allocation.
void enrich_jurisdictions(const jurisdiction_resolver& resolver, normalized_event& ev,
                          ip_jurisdiction_memo* memo = nullptr) noexcept;

/// Apps named in `dingwatch_cross_border_bytes_total{app}`; others count as "other".
std::vector<std::string> default_cross_border_apps();

/// Per-shard enrichers running `enrich_jurisdictions`. With `m`, each also counts the
/// bytes of flows whose destination is known and outside Macau into
/// `dingwatch_cross_border_bytes_total{destination_country, app}` once per batch; the
/// country label is one the resolver's files name (else "other"), the app one of `apps`
/// (else "other"), so the label set stays bounded.
enricher_factory make_jurisdiction_enricher(std::shared_ptr<const jurisdiction_resolver> resolver,
                                            metrics* m,
                                            std::vector<std::string> apps = default_cross_border_apps());

/// A two-letter code as an upper-case view into static storage ("cn" → "CN"); empty
/// when `code` is not two ASCII letters.
std::string_view static_country_code(std::string_view code) noexcept;

}  // namespace dingwatch
