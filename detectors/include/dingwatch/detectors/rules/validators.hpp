#pragma once
/// Validators: checks run on the text a pattern matched, so that strings which only look
/// like identity or card numbers do not fire.
///
/// A pattern matcher may name one (`file.name: {regex: '…', validate: prc_id}`); the leaf
/// then counts as matched only when at least one of its matches validates. Hyperscan
/// reports the start of such matches (`HS_FLAG_SOM_LEFTMOST`), and the validator sees
/// exactly the matched span:
///
///   - `luhn`: 12–19 digits (spaces and dashes between them ignored) whose Luhn (mod 10)
///     check holds — bank cards. Text before the first digit and after the last (the
///     boundaries the pattern matched) is ignored;
///   - `prc_id`: an 18-character PRC resident id: 17 digits and an ISO 7064 MOD 11-2
///     check character (0–9 or X), first digit 1–9, and a real birth date
///     (YYYYMMDD in characters 7–14, year 1900–2099);
///   - `hkid`: a Hong Kong identity card number, one or two letters, six digits and a
///     check character (0–9 or A, mod 11), with or without the brackets: `A123456(3)`;
///   - `macau_id`: a Macau resident id (BIR) in the written form `[157]NNNNNN(N)`. Its
///     check algorithm is not public, so only the first digit, the digit count and the
///     brackets are checked — pair it with context in the rule;
///   - `range: [MIN, MAX]`: the number in the matched text (one run of digits with at most
///     one decimal point; the text around it is ignored, a second number fails) is
///     within [MIN, MAX].
///
/// Validators run on the hot path: no allocation, no exceptions.

#include <cstdint>
#include <span>
#include <string_view>

namespace dingwatch::rules {

/// Which check a validator runs.
enum class validator_kind : std::uint8_t { none, luhn, prc_id, hkid, macau_id, range };

/// A validator and its arguments (`range` only).
struct validator {
  validator_kind kind = validator_kind::none;
  double min = 0, max = 0;  ///< range: inclusive bounds

  [[nodiscard]] bool active() const noexcept { return kind != validator_kind::none; }
  friend bool operator==(const validator&, const validator&) = default;
};

/// The names a rule may write (`luhn`, `prc_id`, `hkid`, `macau_id`, `range`).
std::span<const std::string_view> validator_names() noexcept;

/// The kind named `name`, or `none` when no validator has that name.
validator_kind find_validator(std::string_view name) noexcept;

/// The name of `kind` as rules write it.
std::string_view to_string(validator_kind kind) noexcept;

/// Whether `text` (exactly the matched span) passes `v`. `none` always passes.
bool validate(const validator& v, std::string_view text) noexcept;

}  // namespace dingwatch::rules
