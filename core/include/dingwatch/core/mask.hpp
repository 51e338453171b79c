#pragma once
/// Masking of personal data quoted in alerts and logs (PDPA Art. 5 minimization).
///
/// Masks keep just enough for an analyst to tell two values apart and to find the
/// record in DingTalk, never enough to re-identify a person from the alert alone.

#include <string>
#include <string_view>

namespace dingwatch {

/// ID numbers: first and last character kept, check digit in brackets kept.
/// `1234567(8)` → `1****7(8)`, `110101199003074258` → `1****8`.
std::string mask_id(std::string_view id);

/// Phone numbers: country code, first and last two digits kept.
/// `+853 6612 3412` → `+853 6*** **12`.
std::string mask_phone(std::string_view phone);

/// Person names: first UTF-8 character of each word kept.
/// `陳大文` → `陳**`, `Maria Fernandes` → `M**** F********`.
std::string mask_name(std::string_view name);

/// E-mail addresses: first character of the local part and the domain kept.
/// `maria.f@example.mo` → `m***@example.mo`.
std::string mask_email(std::string_view email);

/// Free text (file names, chat titles): every identity-number-like run — up to two
/// capital letters, 6 or more digits, an optional bracketed check character — is masked
/// with `mask_id`, every phone or card number written in groups (`+853 6612 3456`,
/// `4563 7000 1234 5678`: 8 or more digits in groups of 3 or more, or after a `+`) with
/// `mask_phone`, and every e-mail address with `mask_email`; the rest is kept.
/// `身份證副本_110101199003077774.pdf` → `身份證副本_1****4.pdf`.
std::string mask_text(std::string_view text);

}  // namespace dingwatch
