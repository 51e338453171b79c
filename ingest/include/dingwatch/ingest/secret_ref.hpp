#pragma once
/// Secret references in configuration values, so that passwords and keys need not be
/// written into the configuration file (which is often world-readable or in git):
///
///   value          := '${' NAME '}'   the environment variable NAME (must be set)
///                   | '@' PATH        the contents of the file PATH, one trailing
///                                     newline removed; relative to the config's folder
///                   | '$${' … | '@@' …  a literal value starting with '${' or '@'
///                   | anything else   the value itself
///
/// Errors name the variable or file, never the secret. Used for Kafka properties
/// (`sasl.password`, `ssl.key.password`, …) and the metrics endpoint's password.

#include <filesystem>
#include <string>
#include <string_view>

namespace dingwatch {

/// The outcome of resolving one value: the value, or an error message naming the
/// variable or file (never its contents).
struct secret_value {
  std::string value;
  std::string error;  ///< empty on success

  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Resolves a `${NAME}` or `@PATH` reference (see the grammar above); `base_dir` anchors
/// relative paths. Any other value is returned unchanged.
secret_value resolve_secret_ref(std::string_view value, const std::filesystem::path& base_dir);

}  // namespace dingwatch
