#include "dingwatch/gen/score.hpp"

#include <catch2/catch.hpp>

using namespace dingwatch::gen;

namespace {

incident make_incident(std::string family, std::string kind, std::string user, std::int64_t start,
                       std::int64_t end) {
  return {"inc", std::move(family), std::move(kind), std::move(user), start, end};
}

scored_alert make_alert(std::string rule, std::string family, std::string user, std::int64_t first,
                        std::int64_t last) {
  return {std::move(rule), std::move(family), std::move(user), first, last};
}

}  // namespace

TEST_CASE("an alert of the same family and user overlapping the incident is a true positive") {
  const std::vector<incident> incs{make_incident("anomalous_access", "bulk_download", "u1", 1000, 2000)};
  const auto s = score_alerts({make_alert("R1", "anomalous_access", "u1", 1500, 2500)}, incs, {});
  CHECK(s.by_family.at("anomalous_access").true_alerts == 1);
  CHECK(s.by_family.at("anomalous_access").detected == 1);
  CHECK(s.by_kind.at("bulk_download").recall() == 1.0);
  CHECK(s.false_alerts == 0);
}

TEST_CASE("another user, another family or a disjoint time is a false alert and a miss") {
  const std::vector<incident> incs{make_incident("anomalous_access", "bulk_download", "u1", 1000, 2000)};
  const std::vector<scored_alert> alerts{make_alert("R1", "anomalous_access", "u2", 1500, 1500),
                                         make_alert("R2", "cross_border", "u1", 1500, 1500),
                                         make_alert("R3", "anomalous_access", "u1", 2001, 3000)};
  const auto s = score_alerts(alerts, incs, {0, 2.0, 20});
  CHECK(s.false_alerts == 3);
  CHECK(s.total.precision() == 0.0);
  CHECK(s.by_family.at("anomalous_access").recall() == 0.0);
  REQUIRE(s.missed.size() == 1);
  CHECK(s.false_alerts_per_10k_user_days() == Approx(15'000.0));
  CHECK(s.by_rule.at("R2").alerts == 1);
  CHECK(s.by_family.at("cross_border").precision() == 0.0);
  CHECK(s.by_family.at("cross_border").recall() == 1.0);  // nothing to find there
}

TEST_CASE("slack widens the incident on both sides") {
  const std::vector<incident> incs{make_incident("cross_border", "robot_webhook_foreign", "u1", 1000, 2000)};
  const std::vector<scored_alert> alerts{make_alert("R1", "cross_border", "u1", 2500, 2600),
                                         make_alert("R1", "cross_border", "u1", 400, 600)};
  CHECK(score_alerts(alerts, incs, {0, 0, 20}).total.true_alerts == 0);
  const auto s = score_alerts(alerts, incs, {500, 0, 20});
  CHECK(s.total.true_alerts == 2);
  CHECK(s.by_rule.at("R1").precision() == 1.0);
}

TEST_CASE("precision counts alerts and recall counts incidents") {
  const std::vector<incident> incs{make_incident("excessive_collection", "k", "u1", 0, 10),
                                   make_incident("excessive_collection", "k", "u2", 0, 10)};
  const std::vector<scored_alert> alerts{make_alert("R", "excessive_collection", "u1", 5, 5),
                                         make_alert("R", "excessive_collection", "u1", 6, 6),
                                         make_alert("R", "excessive_collection", "u3", 6, 6)};
  const auto s = score_alerts(alerts, incs, {});
  const tally& t = s.by_family.at("excessive_collection");
  CHECK(t.precision() == Approx(2.0 / 3.0));
  CHECK(t.recall() == Approx(0.5));
  CHECK(t.f1() == Approx(2 * (2.0 / 3.0) * 0.5 / (2.0 / 3.0 + 0.5)));
}
