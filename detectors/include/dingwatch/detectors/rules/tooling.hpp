#pragma once
/// What `dingwatch rules check|test` run, and where the default rule pack lives.
///
/// Both take rule paths (files or directories, as `load_rules`); an empty list means
/// `default_rules_dir()`. Exit codes: 0 success, 1 failure (errors found / a test
/// failed), 2 bad usage (unknown format).

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace dingwatch::rules {

/// The default rule pack: `<prefix>/share/dingwatch/rules` next to an installed binary
/// (found from /proc/self/exe), else the source tree's `rules/` (a binary in the build
/// tree).
std::filesystem::path default_rules_dir();

/// Loads and compiles the rules; prints every diagnostic to `out` (`format` "text" or
/// "json") and, for text, a summary line. Returns 0 when there is no error, 1 otherwise,
/// 2 for an unknown format.
int rules_check(const std::vector<std::string>& paths, std::string_view format, std::FILE* out);

/// Loads the rules and runs each rule's embedded `tests` through a fresh engine
/// holding only that rule; prints a pass/fail table (and why each failure failed) to
/// `out`. Returns 0 when every test passes, 1 when one fails or the rules do not load.
int rules_test(const std::vector<std::string>& paths, std::FILE* out);

}  // namespace dingwatch::rules
