#pragma once
// Internal: measures behind the loader's limits on hostile rule files (parser.hpp,
// `load_limits`) that need more than a size or a count: how large an automaton a regex
// asks Hyperscan to build, and how many nodes a YAML tree has once its aliases are
// expanded. Both are shared by the native loader and the Sigma importer.

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "dingwatch/detectors/rules/parser.hpp"

namespace dingwatch::rules {

/// An estimate of the automaton a Hyperscan expression (UTF-8, Unicode classes) compiles
/// to: every atom counted once per repetition its bounded quantifiers allow, alternatives
/// added; an ASCII character or class 1, `.` and negated classes 4, \s 8, \d 16, a
/// Unicode letter class (\w, \p{…}, [[:alpha:]] …) 128. `[0-9]{16}` is 16, `\w{1,10}`
/// 1280, `(a{1,20}){1,20}` 400. Saturates instead of overflowing.
std::uint64_t regex_cost(std::string_view expression);

/// Whether the tree under `root` has at most `max_nodes` nodes, each alias counted at
/// every place it is used (so a "billion laughs" document is refused after `max_nodes`
/// steps, and a self-referencing one too).
bool yaml_nodes_within(const YAML::Node& root, std::size_t max_nodes);

/// The diagnostic for a document over that limit, the same from both loaders.
inline std::string too_many_yaml_nodes(std::size_t max_nodes) {
  return fmt::format("the document has more than {} YAML nodes once its aliases are expanded", max_nodes);
}
inline constexpr std::string_view k_too_many_yaml_nodes_hint =
    "an alias (*name) repeats everything its anchor holds at each use: write the values out, "
    "or share a condition through a macro";

/// Validated patterns are compiled with start-of-match tracking, which multiplies
/// Hyperscan's work on repeats and classes (`\w{1,10}` with it: seconds, then "too large").
inline constexpr std::uint64_t k_start_of_match_cost = 8;

/// A verdict on one more pattern or value: admitted, or refused with the diagnostic to
/// give (`message` empty: refused by a limit already reported).
struct admission {
  bool ok = true;
  std::string message, hint;
};

/// What one load has spent of its limits on patterns and values. The loader asks before
/// it keeps a pattern or expands a list, so what a hostile file asks for is refused
/// before it is built, and each limit is reported once, at the first thing over it.
class load_budget {
 public:
  explicit load_budget(const load_limits& limits) : limits_(limits) {}

  /// One Hyperscan expression for `field` (`written` as the rule wrote it).
  admission pattern(std::string_view field, std::string_view expression, std::string_view written,
                    bool start_of_match);
  /// `count` more values for an operator, once lists are expanded.
  admission values(std::size_t count);

 private:
  struct field_use {
    std::size_t patterns = 0, bytes = 0;
    bool over = false;
  };
  const load_limits& limits_;
  std::map<std::string, field_use, std::less<>> fields_;
  std::uint64_t regex_cost_ = 0;  ///< what the load's patterns add beyond their text
  std::size_t values_ = 0;
  bool regex_over_ = false, values_over_ = false;
};

/// Bounds a recursive descent: counts the depth while in scope.
struct nesting_guard {
  int& depth;
  explicit nesting_guard(int& d) : depth(++d) {}
  ~nesting_guard() { --depth; }
  nesting_guard(const nesting_guard&) = delete;
  nesting_guard& operator=(const nesting_guard&) = delete;
};

}  // namespace dingwatch::rules
