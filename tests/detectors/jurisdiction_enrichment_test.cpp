// Enrichment: countries on events before detectors run, the rule fields that read them,
// and dingwatch_cross_border_bytes_total with its bounded labels.

#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <prometheus/text_serializer.h>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/pipeline.hpp"
#include "dingwatch/detectors/jurisdiction.hpp"
#include "dingwatch/detectors/rules/field.hpp"
#include "support/fixtures.hpp"

using namespace dingwatch;

namespace {

constexpr std::string_view k_table =
    "202.175.0.0/16,MO,CTM,isp\n"
    "10.0.0.0/8,MO,office,private\n"
    "47.96.0.0/13,CN,Alibaba Cloud Hangzhou,cloud\n"
    "45.33.0.0/16,US,Linode,hosting\n"
    "*.mo,MO,Macau domain\n"
    "oss-cn-*.aliyuncs.com,CN,OSS mainland,cloud\n";
constexpr std::string_view k_areas =
    "Macau,MO,22.22,113.52\nMacau,MO,22.22,113.60\nMacau,MO,22.10,113.60\nMacau,MO,22.10,113.52\n";

normalized_event flow(std::string_view host, std::string_view ip, std::int64_t bytes, std::string_view app) {
  normalized_event ev;
  ev.kind = event_kind::flow;
  ev.dst_host = host;
  ev.dst_ip = ip;
  ev.bytes_out = bytes;
  ev.app = app;
  return ev;
}

/// The value of one series of the cross-border counter, 0 when it does not exist.
double cross_border_bytes(metrics& m, const std::string& country, const std::string& app) {
  for (const auto& family : m.registry()->Collect()) {
    if (family.name != "dingwatch_cross_border_bytes_total") continue;
    for (const auto& metric : family.metric) {
      std::string c, a;
      for (const auto& l : metric.label) (l.name == "destination_country" ? c : a) = l.value;
      if (c == country && a == app) return metric.counter.value;
    }
  }
  return 0;
}

std::size_t cross_border_series(metrics& m) {
  for (const auto& family : m.registry()->Collect())
    if (family.name == "dingwatch_cross_border_bytes_total") return family.metric.size();
  return 0;
}

}  // namespace

TEST_CASE("the per-shard address memo answers exactly as the resolver does", "[jurisdiction][enrich]") {
  const auto r = jurisdiction_resolver::parse(k_table, k_areas);
  ip_jurisdiction_memo memo;
  // 3,000 addresses in four networks, asked in rounds that come back to old ones after
  // others took their entries (512), plus IPv6 and non-addresses.
  std::vector<std::string> texts = {"2001:db8::1", "not an address", "202.175.3.256", "::ffff:202.175.1.1"};
  const char* nets[] = {"202.175", "10.1", "47.97", "45.33"};
  for (int i = 0; i < 3000; ++i) texts.push_back(fmt::format("{}.{}.{}", nets[i % 4], i / 250, i % 250));
  std::size_t checked = 0;
  for (std::size_t stride : {1, 7, 1, 3})
    for (std::size_t i = 0; i < texts.size(); i += stride) {
      const jurisdiction want = r->of_ip(texts[i]);
      const jurisdiction got = memo.of_ip(*r, texts[i]);
      INFO(texts[i]);
      CHECK(got.country == want.country);
      CHECK(got.network == want.network);
      CHECK(got.label == want.label);
      ++checked;
    }
  CHECK(checked > 7000);
  CHECK(memo.of_ip(*r, "47.97.1.1").country == "CN");  // and the memo is not just echoing
  CHECK(memo.of_ip(*r, "202.175.1.1").country == "MO");
}

TEST_CASE("enrichment fills source, destination and position jurisdictions", "[jurisdiction][enrich]") {
  const auto r = jurisdiction_resolver::parse(k_table, k_areas);
  normalized_event audit;
  audit.ip = "47.96.12.200";
  audit.latitude = 22.19;
  audit.longitude = 113.54;
  enrich_jurisdictions(*r, audit);
  CHECK(audit.source_country == "CN");
  CHECK(audit.source_network == "cloud");
  CHECK(audit.geo_country == "MO");
  CHECK(audit.geo_area == "Macau");
  CHECK(audit.destination_country.empty());

  auto by_address = flow("dingwatch-ingest.example.mo", "45.33.1.1", 10, "event_push");
  enrich_jurisdictions(*r, by_address);
  CHECK(by_address.destination_country == "US");  // where the bytes go, whatever the name says
  CHECK(by_address.destination_network == "hosting");

  auto by_name = flow("oss-cn-hangzhou.aliyuncs.com", "", 10, "file_upload");
  enrich_jurisdictions(*r, by_name);
  CHECK(by_name.destination_country == "CN");

  auto through_proxy = flow("oss-cn-hangzhou.aliyuncs.com", "10.1.2.3", 10, "file_upload");
  enrich_jurisdictions(*r, through_proxy);
  CHECK(through_proxy.destination_country == "CN");  // a private hop defers to the name

  auto unknown = flow("example.org", "8.8.8.8", 10, "file_upload");
  enrich_jurisdictions(*r, unknown);
  CHECK(unknown.destination_country.empty());

  normalized_event preset;  // a value set before (a rule test event) is kept
  preset.ip = "47.96.12.200";
  preset.source_country = "HK";
  enrich_jurisdictions(*r, preset);
  CHECK(preset.source_country == "HK");
}

TEST_CASE("rules name the jurisdiction fields and read what enrichment filled", "[jurisdiction][fields]") {
  for (std::string_view name : {"source.country", "source.network", "destination.country",
                                "destination.network", "geo.country", "geo.area"}) {
    INFO(name);
    const auto* f = rules::find_field(name);
    REQUIRE(f != nullptr);
    CHECK(f->type == rules::field_type::string);
    CHECK(&rules::info(f->id) == f);
  }
  const auto r = jurisdiction_resolver::parse(k_table, k_areas);
  auto ev = flow("x.example.mo", "47.96.1.1", 100, "robot_webhook");
  enrich_jurisdictions(*r, ev);
  CHECK(rules::string_value(ev, rules::find_field("destination.country")->id) == "CN");
  CHECK(rules::display_value(ev, rules::find_field("destination.network")->id) == "cloud");
  normalized_event test_event;
  CHECK(rules::set_field(test_event, rules::find_field("geo.country")->id, "HK"));
  CHECK(test_event.geo_country == "HK");
}

TEST_CASE("bytes of flows leaving Macau are counted by destination country and app, with bounded labels",
          "[jurisdiction][metrics]") {
  const auto r = jurisdiction_resolver::parse(k_table, k_areas);
  metrics m;
  auto enricher = make_jurisdiction_enricher(r, &m, {"file_upload", "robot_webhook"})();
  auto events = std::vector<normalized_event>{
      flow("oss-cn-hangzhou.aliyuncs.com", "", 1000, "file_upload"),
      flow("oss-cn-hangzhou.aliyuncs.com", "", 500, "file_upload"),
      flow("hooks.example.com", "45.33.71.9", 70, "robot_webhook"),
      flow("hooks.example.com", "45.33.71.9", 30, "a_new_app_nobody_listed"),
      flow("files.example.mo", "202.175.80.20", 9999, "file_upload"),  // stays in Macau
      flow("example.org", "8.8.8.8", 9999, "file_upload"),             // unknown: not counted
      flow("oss-cn-hangzhou.aliyuncs.com", "", 0, "file_upload"),      // nothing sent
  };
  for (auto& ev : events) enricher->enrich(ev);
  CHECK(cross_border_series(m) == 0);  // counted locally until the batch ends
  enricher->flush();
  CHECK(cross_border_bytes(m, "CN", "file_upload") == 1500);
  CHECK(cross_border_bytes(m, "US", "robot_webhook") == 70);
  CHECK(cross_border_bytes(m, "US", "other") == 30);
  CHECK(cross_border_series(m) == 3);
  enricher->flush();  // nothing new: nothing added
  CHECK(cross_border_bytes(m, "CN", "file_upload") == 1500);
}

TEST_CASE("a country the table does not name is counted as other", "[jurisdiction][metrics]") {
  const auto r = jurisdiction_resolver::parse(k_table, k_areas);
  metrics m;
  auto enricher = make_jurisdiction_enricher(r, &m)();
  auto ev = flow("h", "", 10, "file_upload");
  ev.destination_country = "JP";  // as a MaxMind DB would answer
  enricher->enrich(ev);
  enricher->flush();
  CHECK(cross_border_bytes(m, "other", "file_upload") == 10);
}

namespace {

/// Marks events so the test can see enrichment ran first, and counts flushes.
class marking_enricher final : public enricher {
 public:
  explicit marking_enricher(std::atomic<int>& flushes) : flushes_(flushes) {}
  void enrich(normalized_event& ev) noexcept override { ev.source_country = "MO"; }
  void flush() noexcept override { ++flushes_; }

 private:
  std::atomic<int>& flushes_;
};

/// Emits one alert per event that arrived enriched.
class enriched_only final : public detector {
 public:
  std::string_view name() const noexcept override { return "enriched_only"; }
  void on_event(const normalized_event& ev, alert_emitter& out) override {
    if (ev.source_country != "MO") return;
    alert a;
    a.rule_id = "TEST-ENRICHED";
    a.id = make_alert_id(a.rule_id, ev.user_id, ev.ref.offset);
    a.source_country = ev.source_country;
    out.emit(std::move(a));
  }
};

}  // namespace

TEST_CASE("the pipeline enriches every event on its shard before the detectors see it", "[jurisdiction][pipeline]") {
  test::memory_source source({"u1,a", "u2,b", "u3,c", "u4,d"}, 2);
  test::csv_decoder decoder;
  test::recording_sink sink;
  std::atomic<int> flushes{0};
  pipeline_options o;
  o.shards = 2;
  o.batch_size = 2;
  o.enrich = [&] { return std::make_unique<marking_enricher>(flushes); };
  detector_factory detectors = [] {
    std::vector<std::unique_ptr<detector>> v;
    v.push_back(std::make_unique<enriched_only>());
    return v;
  };
  pipeline p(o, source, decoder, detectors, {&sink}, nullptr, nullptr);
  const auto summary = p.run();
  CHECK(summary.events == 4);
  CHECK(sink.alerts().size() == 4);
  CHECK(flushes == 2 * 2);  // once per batch on each shard
}
