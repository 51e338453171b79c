#pragma once
/// Alerts as one readable line each on a terminal (the demo's view).

#include <cstdio>

#include "dingwatch/core/sink.hpp"

namespace dingwatch {

/// Prints `to_line(alert)` per alert, coloured by severity when `out` is a terminal.
class console_sink final : public alert_sink {
 public:
  explicit console_sink(std::FILE* out = stdout);
  [[nodiscard]] std::string_view name() const noexcept override { return "console"; }
  bool write(std::span<const alert> alerts) override;

 private:
  std::FILE* out_;
  bool colour_;
};

}  // namespace dingwatch
