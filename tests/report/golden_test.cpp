// Golden tests: the fixed alert store (report_fixture.hpp) rendered in every format and
// language must equal tests/golden/report/report.<lang>.<ext> byte for byte.
//
// After an intended change, regenerate the goldens and review the diff:
//
//     DINGWATCH_UPDATE_GOLDENS=1 ctest --test-dir build -L report_tests -R golden
//     git diff tests/golden/report/

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dingwatch/report/render.hpp"
#include "report_fixture.hpp"

using namespace dingwatch;
using namespace dingwatch::report;

TEST_CASE("every format and language renders the fixed alert set exactly like its golden file") {
  const auto dir = test::fresh_dir("golden");
  test::write_fixture(dir / "alerts.db");
  const alert_store store(dir / "alerts.db", alert_store::mode::read_only);
  const report_model model = build_report(store, test::fixture_options());
  const bool update = std::getenv("DINGWATCH_UPDATE_GOLDENS") != nullptr;
  for (const auto l : {language::zh_hant, language::pt, language::en}) {
    for (const auto f : {format::html, format::markdown, format::json}) {
      const std::filesystem::path golden =
          std::filesystem::path(DINGWATCH_GOLDEN_DIR) / ("report." + std::string(code(l)) + "." + std::string(extension(f)));
      const std::string actual = render(model, f, l);
      INFO(golden.string() << " (DINGWATCH_UPDATE_GOLDENS=1 regenerates it)");
      if (update) std::ofstream(golden, std::ios::binary) << actual;
      std::ifstream in(golden, std::ios::binary);
      REQUIRE(in.good());
      std::stringstream expected;
      expected << in.rdbuf();
      CHECK(actual == expected.str());
    }
  }
  std::filesystem::remove_all(dir);
}
