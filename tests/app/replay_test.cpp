#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"

using namespace dingwatch::test;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("dingwatch-test-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("replay of the shared samples decodes every record and flags the downloads from abroad") {
  const std::string samples = DINGWATCH_SAMPLES_DIR;
  auto [code, out] = run_to_end({DINGWATCH_BINARY, "replay", samples + "/events.jsonl",
                                 samples + "/audit.jsonl", samples + "/flows.jsonl"});
  REQUIRE(code == 0);
  const auto lines = lines_of(out);
  REQUIRE(!lines.empty());
  const auto summary = json::parse(lines.back());
  CHECK(summary["read"] == 15);
  CHECK(summary["decoded"] == 15);
  CHECK(summary["events"] == 16);  // attendance dataList fans out to two events
  CHECK(summary["rejected"].empty());
  CHECK(summary["alerts"].get<std::size_t>() == lines.size() - 1);  // one line per alert

  std::map<std::string, json> by_ip;  // the allow-list rule's alerts, by source address
  std::set<std::string> rules_fired;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    auto a = json::parse(lines[i]);
    rules_fired.insert(a["rule"]["id"]);
    if (a["rule"]["id"] == "DW-XB-001") by_ip[a["source"]["ip"]] = a;
  }
  CHECK(by_ip.size() == 2);  // 47.96.12.200 (Hangzhou cloud) and 61.244.1.9 (Hong Kong)
  CHECK(rules_fired.contains("DW-EC-001"));  // the health declaration sheet shared to a group
  REQUIRE(by_ip.contains("47.96.12.200"));
  const auto& a = by_ip["47.96.12.200"];
  CHECK(a["rule"]["id"] == "DW-XB-001");
  CHECK(a["rule"]["family"] == "cross_border");
  const auto articles = a["pdpa"]["articles"].get<std::vector<std::string>>();  // transfer articles first
  CHECK(std::vector<std::string>(articles.begin(), articles.begin() + std::min<std::size_t>(2, articles.size())) ==
        std::vector<std::string>{"19", "20"});
  CHECK(a["user"]["id"] == "0199001122334455");
  CHECK(a["user"]["name"] == "M**** F********");  // masked, never the real name
  CHECK(a["message"].get<std::string>().find("Maria") == std::string::npos);
  CHECK(a["event"]["refs"][0] == "audit/1/2");
  CHECK(a["alert"]["id"].get<std::string>().size() == 32);
}

TEST_CASE("replay keeps every hostile record in the dead-letter file with its reason") {
  const fs::path hostile = fs::path(DINGWATCH_TEST_DATA_DIR) / "hostile";
  std::vector<std::string> argv = {DINGWATCH_BINARY, "replay"};
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(hostile)) {
    argv.push_back(e.path().string());
    ++files;
  }
  REQUIRE(files >= 20);
  const auto dir = temp_dir("hostile");
  const auto dlq = dir / "dlq.jsonl";
  argv.insert(argv.end(), {"--dlq", dlq.string()});
  auto [code, out] = run_to_end(argv, (dir / "stderr").string());
  REQUIRE(code == 0);
  const auto summary = json::parse(lines_of(out).back());
  CHECK(summary["decoded"] == 0);

  std::ifstream in(dlq);
  std::map<std::string, std::size_t> letters_per_file;
  std::size_t letters = 0;
  for (std::string line; std::getline(in, line);) {
    const auto d = json::parse(line);
    const std::string file = fs::path(d["topic"].get<std::string>()).filename().string();
    const std::string expected_reason = file.substr(0, file.find("__"));
    CHECK(d["reason"] == expected_reason);
    CHECK((d.contains("record") || d.contains("record_base64")));
    ++letters_per_file[file];
    ++letters;
  }
  CHECK(letters == summary["read"].get<std::size_t>());  // nothing silently gone
  std::size_t rejected = 0;
  for (const auto& [reason, n] : summary["rejected"].items()) rejected += n.get<std::size_t>();
  CHECK(rejected == letters);
  for (const auto& e : fs::directory_iterator(hostile))
    if (fs::file_size(e.path()) > 0)  // a zero-byte file holds no line, hence no record
      CHECK(letters_per_file[e.path().filename().string()] >= 1);
  fs::remove_all(dir);
}

TEST_CASE("gen writes one JSONL file per topic and the same traffic for the same seed") {
  const auto a = temp_dir("gen-a");
  const auto b = temp_dir("gen-b");
  for (const auto& dir : {a, b}) {
    auto [code, out] = run_to_end({DINGWATCH_BINARY, "gen", "--events", "5000", "--seed", "42", "--out",
                                   dir.string(), "--labels", (dir / "labels.jsonl").string(),
                                   "--incident-rate", "0.2"});
    REQUIRE(code == 0);
  }
  std::size_t total = 0;
  for (const char* topic : {"dingtalk.events", "dingtalk.audit", "dingtalk.flows"}) {
    const auto file = std::string(topic) + ".jsonl";
    std::ifstream fa(a / file), fb(b / file);
    std::stringstream sa, sb;
    sa << fa.rdbuf();
    sb << fb.rdbuf();
    CHECK(sa.str() == sb.str());
    const auto lines = lines_of(sa.str());
    CHECK(!lines.empty());
    total += lines.size();
  }
  CHECK(total == 5000);
  std::ifstream labels(a / "labels.jsonl");
  std::string first;
  REQUIRE(std::getline(labels, first));
  const auto label = json::parse(first);
  for (const char* key : {"id", "family", "kind", "user_id", "start_ms", "end_ms"}) CHECK(label.contains(key));

  // And the replay of generated traffic decodes all of it.
  auto [code, out] = run_to_end({DINGWATCH_BINARY, "replay", (a / "dingtalk.events.jsonl").string(),
                                 (a / "dingtalk.audit.jsonl").string(), (a / "dingtalk.flows.jsonl").string()});
  REQUIRE(code == 0);
  const auto summary = json::parse(lines_of(out).back());
  CHECK(summary["read"] == 5000);
  CHECK(summary["decoded"] == 5000);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST_CASE("a broken configuration file is refused with every problem and its line") {
  const auto dir = temp_dir("config");
  const auto cfg = dir / "bad.yaml";
  std::ofstream(cfg) << "kafka:\n  brokers: 127.0.0.1:1\n  grup: x\npipeline:\n  threads: many\nfoo: 1\n";
  auto [code, out] = run_to_end({DINGWATCH_BINARY, "run", "-c", cfg.string()}, (dir / "stderr").string());
  CHECK(code == 2);
  std::ifstream err(dir / "stderr");
  std::stringstream text;
  text << err.rdbuf();
  const auto msg = text.str();
  CHECK(msg.find("3 problem(s)") != std::string::npos);
  CHECK(msg.find("bad.yaml:3:3: unknown key 'grup' in kafka") != std::string::npos);
  CHECK(msg.find("bad.yaml:5:12: 'threads' has the wrong type") != std::string::npos);
  CHECK(msg.find("bad.yaml:6:1: unknown key 'foo'") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("the documented example configuration loads and drives a replay") {
  const std::string cfg = std::string(DINGWATCH_TEST_DATA_DIR) + "/../../config/dingwatch.example.yaml";
  auto [code, out] = run_to_end({DINGWATCH_BINARY, "replay", "-c", cfg,
                                 std::string(DINGWATCH_SAMPLES_DIR) + "/audit.jsonl"});
  REQUIRE(code == 0);
  const auto summary = json::parse(lines_of(out).back());
  CHECK(summary["read"] == 4);
  CHECK(summary["alerts"] == 2);
}

TEST_CASE("rules test passes over the shipped rule pack and rules check reports broken files") {
  auto [test_code, test_out] = run_to_end({DINGWATCH_BINARY, "rules", "test"});
  CHECK(test_code == 0);
  CHECK(test_out.find(" 0 failed") != std::string::npos);

  const auto dir = temp_dir("rules");
  std::ofstream(dir / "broken.yaml") << "rules:\n  - id: X-1\n    family: sideways\n";
  auto [code, out] = run_to_end({DINGWATCH_BINARY, "rules", "check", (dir / "broken.yaml").string()});
  CHECK(code != 0);
  CHECK(out.find("broken.yaml:3:") != std::string::npos);  // file:line:column of the bad family
  auto [jcode, jout] = run_to_end({DINGWATCH_BINARY, "rules", "check", "--format", "json", (dir / "broken.yaml").string()});
  CHECK(jcode != 0);
  CHECK_NOTHROW(json::parse(jout));
  fs::remove_all(dir);
}

TEST_CASE("replay with --evidence keeps a chain that verify accepts, and names an edited line") {
  const auto dir = temp_dir("evidence");
  const std::string samples = DINGWATCH_SAMPLES_DIR;
  auto [code, out] = run_to_end({DINGWATCH_BINARY, "replay", samples + "/audit.jsonl", samples + "/events.jsonl",
                                 "--evidence", (dir / "ev").string(), "--store", (dir / "alerts.db").string()});
  REQUIRE(code == 0);
  const auto alerts = json::parse(lines_of(out).back())["alerts"].get<std::size_t>();
  REQUIRE(alerts >= 2);
  auto [ok_code, ok_out] = run_to_end({DINGWATCH_BINARY, "verify", (dir / "ev").string()});
  CHECK(ok_code == 0);
  CHECK(ok_out.starts_with("intact: 1 file, " + std::to_string(alerts) + " lines"));

  // Edit one byte of the second line: verify must name that line.
  fs::path file = fs::directory_iterator(dir / "ev")->path();
  for (const auto& e : fs::directory_iterator(dir / "ev"))
    if (e.path().extension() == ".jsonl") file = e.path();
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  const auto second = content.find('\n') + 1;
  const auto pos = content.find("\"message\":\"", second) + 11;
  content[pos] = content[pos] == 'X' ? 'Y' : 'X';
  std::ofstream(file, std::ios::trunc) << content;
  auto [bad_code, bad_out] = run_to_end({DINGWATCH_BINARY, "verify", (dir / "ev").string()});
  CHECK(bad_code == 1);
  CHECK(bad_out.find(file.filename().string() + ":2: edited") != std::string::npos);
  fs::remove_all(dir);
}
