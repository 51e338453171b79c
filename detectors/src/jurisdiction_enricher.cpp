// The enrichment step for jurisdictions: countries and network kinds of the addresses,
// hosts and positions in each event, and the cross-border byte counter.

#include <array>
#include <string>
#include <vector>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/detectors/jurisdiction.hpp"

namespace dingwatch {

namespace {

constexpr std::string_view k_macau = "MO";
constexpr std::string_view k_other = "other";

/// Index of a two-letter static code in 0 … 675.
std::size_t code_index(std::string_view code) noexcept {
  return static_cast<std::size_t>((code[0] - 'A') * 26 + (code[1] - 'A'));
}

class jurisdiction_enricher final : public enricher {
 public:
  jurisdiction_enricher(std::shared_ptr<const jurisdiction_resolver> resolver, metrics* m,
                        const std::vector<std::string>& apps)
      : resolver_(std::move(resolver)), m_(m), apps_(apps) {
    if (m_ == nullptr) return;
    countries_.push_back(k_other);  // slot 0
    for (std::string_view c : resolver_->countries()) {
      slot_of_code_[code_index(c)] = static_cast<std::uint16_t>(countries_.size());
      countries_.push_back(c);
    }
    const std::size_t cells = countries_.size() * (apps_.size() + 1);
    bytes_.assign(cells, 0);
    counters_.assign(cells, nullptr);
  }

  void enrich(normalized_event& ev) noexcept override {
    enrich_jurisdictions(*resolver_, ev, &memo_);
    if (m_ == nullptr || ev.kind != event_kind::flow || ev.bytes_out <= 0 || ev.bytes_out == k_absent) return;
    if (ev.destination_country.empty() || ev.destination_country == k_macau) return;
    bytes_[cell(ev.destination_country, ev.app)] += static_cast<std::uint64_t>(ev.bytes_out);
  }

  void flush() noexcept override {
    if (m_ == nullptr) return;
    const std::size_t width = apps_.size() + 1;
    for (std::size_t i = 0; i < bytes_.size(); ++i) {
      if (bytes_[i] == 0) continue;
      if (counters_[i] == nullptr) {
        try {  // first bytes of this pair: register its series (locks the registry, rare)
          counters_[i] = &m_->cross_border_bytes(countries_[i / width],
                                                 i % width < apps_.size() ? std::string_view(apps_[i % width]) : k_other);
        } catch (...) {
          continue;  // keep the bytes for the next flush
        }
      }
      counters_[i]->Increment(static_cast<double>(bytes_[i]));
      bytes_[i] = 0;
    }
  }

 private:
  std::size_t cell(std::string_view country, std::string_view app) const noexcept {
    const std::size_t row = slot_of_code_[code_index(country)];
    std::size_t col = apps_.size();
    for (std::size_t i = 0; i < apps_.size(); ++i)
      if (apps_[i] == app) col = i;
    return row * (apps_.size() + 1) + col;
  }

  std::shared_ptr<const jurisdiction_resolver> resolver_;
  ip_jurisdiction_memo memo_;
  metrics* m_;
  std::vector<std::string> apps_;
  std::vector<std::string_view> countries_;      ///< metric label per slot; 0 = other
  std::array<std::uint16_t, 26 * 26> slot_of_code_{};
  std::vector<std::uint64_t> bytes_;             ///< per (country slot, app): since the last flush
  std::vector<prometheus::Counter*> counters_;
};

}  // namespace

void enrich_jurisdictions(const jurisdiction_resolver& resolver, normalized_event& ev,
                          ip_jurisdiction_memo* memo) noexcept {
  const auto of_ip = [&](std::string_view text) { return memo ? memo->of_ip(resolver, text) : resolver.of_ip(text); };
  if (!ev.ip.empty() && ev.source_country.empty()) {
    const jurisdiction j = of_ip(ev.ip);
    ev.source_country = j.country;
    if (ev.source_network.empty()) ev.source_network = j.network;
  }
  if ((!ev.dst_ip.empty() || !ev.dst_host.empty()) && ev.destination_country.empty()) {
    // The address decides where the bytes go; a name (a storage region, a .cn domain)
    // decides when the address is unknown or only a private hop.
    jurisdiction j = of_ip(ev.dst_ip);
    if (!j.known() || j.network == "private") {
      const jurisdiction by_name = resolver.of_host(ev.dst_host);
      if (by_name.known()) j = by_name;
    }
    ev.destination_country = j.country;
    if (ev.destination_network.empty()) ev.destination_network = j.network;
  }
  if (ev.has_location() && ev.geo_country.empty()) {
    const jurisdiction j = resolver.of_point(ev.latitude, ev.longitude);
    ev.geo_country = j.country;
    if (ev.geo_area.empty()) ev.geo_area = j.label;
  }
}

std::vector<std::string> default_cross_border_apps() {
  return {"smart_hr_sync", "robot_webhook", "event_push", "file_upload"};
}

enricher_factory make_jurisdiction_enricher(std::shared_ptr<const jurisdiction_resolver> resolver, metrics* m,
                                            std::vector<std::string> apps) {
  return [resolver = std::move(resolver), m, apps = std::move(apps)]() -> std::unique_ptr<enricher> {
    return std::make_unique<jurisdiction_enricher>(resolver, m, apps);
  };
}

}  // namespace dingwatch
