#pragma once
/// Diagnostics for rule files: every problem found while loading, like a compiler's.
///
/// The loader never stops at the first problem: it records each one with its file,
/// line and column (1-based), what is wrong and a hint, and keeps going. Printed as
///
///     rules/bulk.yaml:12:7: error: unknown field 'user.nmae'
///       hint: did you mean 'user.name'?
///
/// or, with `format_json`, as a JSON array of {file, line, column, severity, message, hint}.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dingwatch::rules {

/// How bad a problem is: errors reject the rule set, warnings do not.
enum class diag_level { error, warning };

/// Where in a rule file something is; line and column are 1-based, 0 when unknown.
struct source_location {
  std::string file;
  int line = 0;
  int column = 0;
};

/// One problem.
struct diagnostic {
  diag_level level = diag_level::error;
  source_location where;
  std::string message;
  std::string hint;  ///< may be empty
};

/// The problems of one load, in the order found.
class diagnostics {
 public:
  /// Records an error.
  void error(source_location where, std::string message, std::string hint = {});
  /// Records a warning.
  void warning(source_location where, std::string message, std::string hint = {});

  /// Orders by file, line and column (stable), as a reader goes through the files.
  void sort();

  [[nodiscard]] bool has_errors() const noexcept { return errors_ > 0; }
  [[nodiscard]] std::size_t error_count() const noexcept { return errors_; }
  [[nodiscard]] std::size_t warning_count() const noexcept { return list_.size() - errors_; }
  [[nodiscard]] const std::vector<diagnostic>& list() const noexcept { return list_; }

 private:
  std::vector<diagnostic> list_;
  std::size_t errors_ = 0;
};

/// `file:line:col: error: message` lines, each followed by an indented `hint:` line.
std::string format_text(std::span<const diagnostic> list);

/// A JSON array of {file, line, column, severity, message, hint}.
std::string format_json(std::span<const diagnostic> list);

/// `" (did you mean 'x'?)"`-style suggestion: the candidate nearest to `word` by edit
/// distance, or empty when none is close.
std::string nearest(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace dingwatch::rules
