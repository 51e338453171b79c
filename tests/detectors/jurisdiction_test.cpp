// The jurisdiction resolver: longest-prefix match over IPv4 and IPv6, host patterns,
// the Macau polygon, a MaxMind DB built at test time, and diagnostics that name the
// file, line and field.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

#include "dingwatch/detectors/jurisdiction.hpp"

using namespace dingwatch;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_table = R"(# a comment
match,country,label,network
202.175.0.0/16,MO,CTM,isp
202.175.80.0/24,MO,company DMZ,private
202.175.80.5/32,HK,one odd host,hosting
47.96.0.0/13,CN,Alibaba Cloud Hangzhou,cloud
2001:da8::/32,CN,CERNET,isp
2001:da8:8000::/33,SG,a more specific v6 block

*.cn,cn,mainland domain
oss-cn-*.aliyuncs.com,CN,OSS mainland,cloud
*oss-cn-hongkong*.aliyuncs.com,HK,OSS Hong Kong,cloud
*.aliyuncs.com,CN,Alibaba Cloud,cloud
)";

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("dingwatch-jurisdiction-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("the longest IPv4 prefix containing an address decides its jurisdiction", "[jurisdiction]") {
  const auto r = jurisdiction_resolver::parse(k_table);
  CHECK(r->of_ip("202.175.3.17").country == "MO");
  CHECK(r->of_ip("202.175.3.17").label == "CTM");
  CHECK(r->of_ip("202.175.80.9").network == "private");
  CHECK(r->of_ip("202.175.80.5").country == "HK");
  CHECK(r->of_ip("202.175.80.6").label == "company DMZ");    // back to the /24 after the /32
  CHECK(r->of_ip("202.175.255.255").label == "CTM");         // after the nested blocks: the /16
  CHECK(r->of_ip("47.103.255.255").country == "CN");          // last address of the /13
  CHECK_FALSE(r->of_ip("47.104.0.0").known());                // first one after it
  CHECK_FALSE(r->of_ip("8.8.8.8").known());
  CHECK_FALSE(r->of_ip("not an address").known());
}

TEST_CASE("IPv6 addresses resolve by their own longest prefix", "[jurisdiction]") {
  const auto r = jurisdiction_resolver::parse(k_table);
  CHECK(r->of_ip("2001:da8:1::1").country == "CN");
  CHECK(r->of_ip("2001:da8:8000::1").country == "SG");
  CHECK_FALSE(r->of_ip("2001:db8::1").known());
  CHECK(r->of_ip("::ffff:202.175.3.17").country == "MO");  // IPv4-mapped is the same address
}

TEST_CASE("host patterns: the most literal characters win and case is ignored", "[jurisdiction]") {
  const auto r = jurisdiction_resolver::parse(k_table);
  CHECK(r->of_host("oss-cn-shenzhen.aliyuncs.com").label == "OSS mainland");
  CHECK(r->of_host("OSS-CN-HONGKONG.aliyuncs.com").country == "HK");
  CHECK(r->of_host("bucket.oss-cn-hongkong-internal.aliyuncs.com").country == "HK");
  CHECK(r->of_host("ecs.ap-southeast-1.aliyuncs.com").label == "Alibaba Cloud");
  CHECK(r->of_host("api.example.cn.").country == "CN");  // a trailing dot is the same name
  CHECK_FALSE(r->of_host("example.cn.attacker.com").known());
  CHECK_FALSE(r->of_host("").known());
}

TEST_CASE("the shipped areas put Macau's offices inside Macau and the border crossings outside", "[jurisdiction]") {
  const auto r = jurisdiction_resolver::load(jurisdiction_sources::defaults());
  // Offices: peninsula (two), Taipa, Cotai; homes in Areia Preta; Coloane village.
  for (const auto& [lat, lon] : std::vector<std::pair<double, double>>{
           {22.1937, 113.5418}, {22.1892, 113.5389}, {22.1561, 113.5586}, {22.1419, 113.5639},
           {22.2100, 113.5530}, {22.1180, 113.5560}}) {
    INFO(lat << "," << lon);
    CHECK(r->of_point(lat, lon).country == "MO");
  }
  CHECK(r->of_point(22.1937, 113.5418).label == "Macau peninsula");
  CHECK(r->of_point(22.2270, 113.5480).label == "Zhuhai");  // Gongbei border crossing
  CHECK(r->of_point(22.1270, 113.5150).country == "CN");    // Hengqin border crossing
  CHECK(r->of_point(22.2820, 114.1580).country == "HK");    // Central
  CHECK(r->of_point(22.5450, 114.0550).label == "Guangdong");  // Futian, Shenzhen
  CHECK_FALSE(r->of_point(38.72, -9.14).known());             // Lisbon: outside every area
  CHECK_FALSE(r->of_point(std::nan(""), 113.5).known());
}

TEST_CASE("every problem in the jurisdiction files is reported with file, line and field", "[jurisdiction]") {
  const std::string table =
      "match,country,label,network\n"
      "202.175.0.0/33,MO,bad prefix\n"
      "202.175.0.0/16,MAC,bad country\n"
      "60.246.0.0/16,MO,bad network,satellite\n"
      "just,two\n"
      "exa mple.cn,CN,space in a host\n"
      "113.52.0.0/16,MO,first\n"
      "113.52.0.0/16,MO,again\n";
  const std::string areas =
      "area,country,lat,lon\n"
      "Tiny,MO,22.1,113.5\n"
      "Tiny,MO,22.2,113.5\n"
      "Other,MO,22.1,113.6\n"
      "Other,HK,22.2,113.6\n"
      "Other,MO,91,113.5\n"
      "Other,MO,22.3,113.7\n";
  const std::string what = message_of([&] { jurisdiction_resolver::parse(table, areas, "site.csv"); });
  INFO(what);
  CHECK_THAT(what, Catch::Contains("site.csv:2: match: '202.175.0.0/33' is not a CIDR"));
  CHECK_THAT(what, Catch::Contains("site.csv:3: country: 'MAC' is not a two-letter ISO 3166 code"));
  CHECK_THAT(what, Catch::Contains("site.csv:4: network: 'satellite' is not one of isp, mobile, cloud"));
  CHECK_THAT(what, Catch::Contains("site.csv:5: row: expected 3 or 4 fields"));
  CHECK_THAT(what, Catch::Contains("site.csv:6: match: 'exa mple.cn' is neither a CIDR nor a host pattern"));
  CHECK_THAT(what, Catch::Contains("site.csv:8: match: the same prefix as line 7"));
  CHECK_THAT(what, Catch::Contains("site.csv:2: area: 'Tiny' has 2 point(s); a polygon needs at least 3"));
  CHECK_THAT(what, Catch::Contains("site.csv:5: country: 'Other' is MO on line 4; one area has one country"));
  CHECK_THAT(what, Catch::Contains("site.csv:6: lat: '91' is not a latitude"));
  CHECK_THAT(what, Catch::Contains("site.csv:4: area: 'Other' has 2 point(s)"));
  CHECK_THAT(what, Catch::Contains("10 problem(s)"));
}

TEST_CASE("a missing jurisdiction file is named in the error", "[jurisdiction]") {
  jurisdiction_sources s;
  s.table = "/nonexistent/jurisdictions.csv";
  CHECK_THAT(message_of([&] { jurisdiction_resolver::load(s); }),
             Catch::Contains("/nonexistent/jurisdictions.csv: cannot read the file"));
}

TEST_CASE("the shipped table loads and knows Macau, DingTalk and mainland storage", "[jurisdiction]") {
  const auto r = jurisdiction_resolver::load(jurisdiction_sources::defaults());
  CHECK(r->of_ip("202.175.3.17").country == "MO");
  CHECK(r->of_ip("60.246.120.33").country == "MO");
  CHECK(r->of_ip("112.118.33.57").country == "HK");
  CHECK(r->of_ip("203.119.169.10").country == "CN");
  CHECK(r->of_ip("118.31.219.200").network == "cloud");
  CHECK(r->of_host("oapi.dingtalk.com").country == "CN");
  CHECK(r->of_host("hrsync.oss-cn-shanghai.aliyuncs.com").country == "CN");
  CHECK(r->of_host("files.example.mo").country == "MO");
  const auto countries = r->countries();
  CHECK(std::is_sorted(countries.begin(), countries.end()));
  CHECK(std::find(countries.begin(), countries.end(), "MO") != countries.end());
}

TEST_CASE("a MaxMind DB answers for addresses the table does not list, and the table wins", "[jurisdiction][mmdb]") {
  if (std::system("perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null") != 0)
    FAIL("Debian's libmaxmind-db-writer-perl is needed to build the test database (scripts/bootstrap.sh)");
  const auto dir = temp_dir("mmdb");
  const auto script = dir / "write.pl";
  std::ofstream(script) << R"(use MaxMind::DB::Writer::Tree;
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version => 6, record_size => 24, database_type => 'dingwatch-test', languages => ['en'],
  description => {en => 'dingwatch test'}, alias_ipv6_to_ipv4 => 1, remove_reserved_networks => 0,
  map_key_type_callback => sub { {country => 'map', registered_country => 'map', iso_code => 'utf8_string'}->{$_[0]} });
$tree->insert_network('8.8.8.0/24', {country => {iso_code => 'US'}});
$tree->insert_network('202.175.3.0/24', {country => {iso_code => 'US'}});
$tree->insert_network('9.9.9.0/24', {registered_country => {iso_code => 'CH'}});
$tree->insert_network('2a00:1450::/32', {country => {iso_code => 'IE'}});
open my $fh, '>:raw', $ARGV[0] or die; $tree->write_tree($fh); close $fh;
)";
  const auto db = dir / "test.mmdb";
  REQUIRE(std::system(("perl " + script.string() + " " + db.string()).c_str()) == 0);
  const auto table = dir / "table.csv";
  std::ofstream(table) << "202.175.0.0/16,MO,CTM,isp\n";

  const auto r = jurisdiction_resolver::load({table, {}, db});
  CHECK(r->of_ip("8.8.8.8").country == "US");
  CHECK(r->of_ip("8.8.8.8").network.empty());
  CHECK(r->of_ip("9.9.9.9").country == "CH");       // registered_country when country is absent
  CHECK(r->of_ip("2a00:1450:4001::1").country == "IE");
  CHECK(r->of_ip("202.175.3.17").country == "MO");  // the operator's table corrects the DB
  CHECK_FALSE(r->of_ip("1.1.1.1").known());
  CHECK_THAT(r->summary(), Catch::Contains("MaxMind DB"));

  jurisdiction_sources broken{table, {}, dir / "table.csv"};
  CHECK_THAT(message_of([&] { jurisdiction_resolver::load(broken); }),
             Catch::Contains("table.csv: cannot open the MaxMind DB"));
  fs::remove_all(dir);
}

TEST_CASE("country codes are upper-cased views into static storage", "[jurisdiction]") {
  const std::string_view a = static_country_code("mo");
  const std::string_view b = static_country_code(std::string("MO"));
  CHECK(a == "MO");
  CHECK(a.data() == b.data());  // the same static bytes, whatever the input's lifetime
  CHECK(static_country_code("M0").empty());
  CHECK(static_country_code("MAC").empty());
}

TEST_CASE("a CIDR prefix holds exactly the addresses that share its first bits, at every length", "[jurisdiction][cidr]") {
  std::mt19937_64 rng(11);
  const auto random_address = [&] {
    ip_address a;
    for (auto& b : a.bytes) b = static_cast<std::uint8_t>(rng());
    return a;
  };
  const auto bit = [](const ip_address& a, int i) { return (a.bytes[i / 8] >> (7 - i % 8)) & 1; };
  for (int len = 0; len <= 128; ++len) {
    const ip_address net = random_address();
    const cidr c{net, len};
    for (int trial = 0; trial < 64; ++trial) {
      // Half the trials copy the network's first bits and may differ right after them.
      ip_address a = random_address();
      if (trial % 2 == 0)
        for (int i = 0; i < len - trial % 3; ++i)
          a.bytes[i / 8] = static_cast<std::uint8_t>((a.bytes[i / 8] & ~(0x80 >> (i % 8))) | (bit(net, i) << (7 - i % 8)));
      bool same = true;
      for (int i = 0; i < len; ++i) same = same && bit(a, i) == bit(net, i);
      INFO("prefix length " << len << ", trial " << trial);
      REQUIRE(c.contains(a) == same);
    }
  }
}
