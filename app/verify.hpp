#pragma once
/// `dingwatch verify FILE|DIR…`: checks the evidence log's hash chain (see
/// dingwatch/sinks/evidence_log.hpp for the line format and what is hashed).

#include <cstdio>
#include <string>
#include <vector>

namespace dingwatch {

/// Verifies the chain across `files` (a directory stands for its evidence files in chain
/// order) and prints one line to `out`:
///
///     intact: 3 files, 1204 lines, 2026-11-25T03:41:07.000Z .. 2026-11-26T09:12:00.000Z, final hash 9f…
///     DIR/evidence-20261125-001.jsonl:17: edited: the content does not match log.hash (…); 1016 good lines before it
///
/// The problem kinds are `edited`, `removed or reordered`, `truncated` and `unreadable`;
/// only the first problem is named. Returns 0 when intact, 1 otherwise.
int cmd_verify(const std::vector<std::string>& files, std::FILE* out);

}  // namespace dingwatch
