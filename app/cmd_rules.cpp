// `dingwatch rules check|test`: the rule tooling, on the default pack or given paths.

#include <cstdio>

#include "commands.hpp"
#include "dingwatch/detectors/rules/tooling.hpp"

namespace dingwatch {

int cmd_rules_check(const rules_args& args) { return rules::rules_check(args.paths, args.format, stdout); }

int cmd_rules_test(const rules_args& args) { return rules::rules_test(args.paths, stdout); }

}  // namespace dingwatch
