#include "dingwatch/ingest/secret_ref.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace dingwatch {

namespace {

// Files holding a secret are small; a larger one is almost certainly the wrong file.
constexpr std::uintmax_t k_max_secret_file = 64 * 1024;

bool valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (const char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

secret_value from_env(std::string_view name) {
  if (!valid_env_name(name))
    return {{}, fmt::format("'${{{}}}' is not an environment variable name (letters, digits, _)", name)};
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr) return {{}, fmt::format("environment variable {} is not set", name)};
  return {v, {}};
}

secret_value from_file(std::string_view name, const std::filesystem::path& base_dir) {
  if (name.empty()) return {{}, "'@' must be followed by a file path"};
  std::filesystem::path path(name);
  if (path.is_relative()) path = base_dir / path;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return {{}, fmt::format("cannot read secret file {}: {}", path.string(), ec.message())};
  if (size > k_max_secret_file)
    return {{}, fmt::format("secret file {} is {} bytes; a secret file holds one value (at most {} bytes)",
                            path.string(), size, k_max_secret_file)};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {{}, fmt::format("cannot read secret file {}: {}", path.string(), std::strerror(errno))};
  std::string value{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  return {std::move(value), {}};
}

}  // namespace

secret_value resolve_secret_ref(std::string_view value, const std::filesystem::path& base_dir) {
  if (value.starts_with("$${") || value.starts_with("@@")) return {std::string(value.substr(1)), {}};
  if (value.starts_with("${") && value.ends_with("}"))
    return from_env(value.substr(2, value.size() - 3));
  if (value.starts_with("@")) return from_file(value.substr(1), base_dir);
  return {std::string(value), {}};
}

}  // namespace dingwatch
