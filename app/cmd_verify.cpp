// dingwatch verify: evidence-log integrity, for an auditor or a court.

#include <fmt/format.h>

#include "dingwatch/sinks/evidence_log.hpp"
#include "verify.hpp"

namespace dingwatch {

int cmd_verify(const std::vector<std::string>& files, std::FILE* out) {
  std::vector<std::filesystem::path> paths(files.begin(), files.end());
  const evidence_report r = verify_evidence(paths);
  if (r.intact()) {
    const std::string span = r.lines == 0 ? std::string("no lines")
                                          : fmt::format("{} .. {}", r.first_timestamp, r.last_timestamp);
    fmt::print(out, "intact: {} file{}, {} line{}, {}, final hash {}\n", r.files, r.files == 1 ? "" : "s", r.lines,
               r.lines == 1 ? "" : "s", span, r.lines == 0 ? std::string(k_genesis_hash) : r.final_hash);
    return 0;
  }
  const std::string where = r.line > 0       ? fmt::format("{}:{}", r.file.string(), r.line)
                            : r.file.empty() ? std::string("verify")
                                             : r.file.string();
  fmt::print(out, "{}: {}: {}; {} good line{} before it\n", where, to_string(r.problem), r.detail, r.lines,
             r.lines == 1 ? "" : "s");
  return 1;
}

}  // namespace dingwatch
