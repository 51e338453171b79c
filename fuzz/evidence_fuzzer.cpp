// libFuzzer target for the evidence-log verifier (`verify_evidence`): a tampered or
// garbage log must be reported as a problem with a line number, never crash the
// verifier. The verifier reads files, so each input is written to one temporary file
// (cheap on tmpfs; the line checks are what this exercises).

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "dingwatch/sinks/evidence_log.hpp"

namespace {

std::filesystem::path scratch_file() {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("dingwatch-fuzz-evidence-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / "evidence-20260101-000.jsonl";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file = scratch_file();
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const dingwatch::evidence_report r = dingwatch::verify_evidence({file});
  // A file that does not verify must point at the problem.
  if (!r.intact() && r.problem != dingwatch::evidence_problem::unreadable && r.line == 0) std::abort();
  return 0;
}
