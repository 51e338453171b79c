#include "dingwatch/core/mask.hpp"

#include <cctype>

namespace dingwatch {

namespace {

/// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for stray bytes).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

}  // namespace

std::string mask_id(std::string_view id) {
  std::string_view check;
  if (auto open = id.find('('); open != std::string_view::npos && open > 0) {
    check = id.substr(open);
    id = id.substr(0, open);
  }
  if (id.size() <= 2) return std::string(id.size(), '*') + std::string(check);
  std::string out;
  out += id.front();
  out += "****";
  out += id.back();
  out += check;
  return out;
}

std::string mask_phone(std::string_view phone) {
  std::string digits;
  std::string prefix;
  std::size_t i = 0;
  if (!phone.empty() && phone[0] == '+') {
    // Country code: the digits up to the first separator.
    prefix = "+";
    for (i = 1; i < phone.size() && std::isdigit(static_cast<unsigned char>(phone[i])); ++i)
      prefix += phone[i];
    if (prefix.size() > 4) {  // no separator: assume a 3-digit code (853/852) or 2 (86)
      const std::size_t cc = prefix.starts_with("+86") ? 2 : 3;
      digits = prefix.substr(1 + cc);
      prefix.resize(1 + cc);
    }
    prefix += ' ';
  }
  for (; i < phone.size(); ++i)
    if (std::isdigit(static_cast<unsigned char>(phone[i]))) digits += phone[i];
  if (digits.size() < 4) return prefix + std::string(digits.size(), '*');
  std::string masked = digits;
  for (std::size_t k = 1; k + 2 < masked.size(); ++k) masked[k] = '*';
  // Group in fours for readability, as phone numbers are written in Macau.
  std::string out = prefix;
  for (std::size_t k = 0; k < masked.size(); ++k) {
    if (k > 0 && k % 4 == 0) out += ' ';
    out += masked[k];
  }
  return out;
}

std::string mask_name(std::string_view name) {
  std::string out;
  bool word_start = true;
  for (std::size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    const std::size_t len = std::min(utf8_length(c), name.size() - i);
    if (c == ' ') {
      out += ' ';
      word_start = true;
    } else if (word_start) {
      out.append(name.substr(i, len));
      word_start = false;
    } else {
      out += '*';
    }
    i += len;
  }
  return out;
}

std::string mask_email(std::string_view email) {
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0) return mask_id(email);
  std::string out;
  out += email.front();
  out += "***";
  out.append(email.substr(at));
  return out;
}

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
/// ASCII characters that may appear in an e-mail address.
bool is_mail_char(char c) noexcept {
  return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == '-' || c == '+';
}

/// Length of a phone or card number written in groups at `i` — an optional `+` and
/// country code, then groups of 3 or more digits joined by one space or dash, 8 or more
/// digits in all (`+853 6612 3456`, `6612-3456`, `4563 7000 1234 5678`) — or 0. Dates
/// (`2026-11-25`) have 2-digit groups and are not numbers of this kind; a run over 6 digits
/// without `+` before it is left to the identity-number rule.
std::size_t grouped_number(std::string_view text, std::size_t i) noexcept {
  const bool plus = text[i] == '+';
  std::size_t j = plus ? i + 1 : i, end = i, digits = 0, groups = 0;
  while (j < text.size() && is_digit(text[j])) {
    const std::size_t from = j;
    while (j < text.size() && is_digit(text[j])) ++j;
    // The country code after `+` may be short; a group over 6 digits is a number of its own
    // (two phone numbers side by side), unless it follows the country code.
    const std::size_t len = j - from;
    if (!(plus && groups == 0) && (len < 3 || (len > 6 && !(plus && groups == 1)))) break;
    digits += j - from;
    ++groups;
    end = j;
    if (j + 1 < text.size() && (text[j] == ' ' || text[j] == '-') && is_digit(text[j + 1])) ++j;
    else break;
  }
  return (groups >= 2 || (plus && groups >= 1)) && digits >= 8 ? end - i : 0;
}

}  // namespace

std::string mask_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    // An e-mail address: mail characters around an '@'.
    if (text[i] == '@' && !out.empty()) {
      std::size_t from = out.size();
      while (from > 0 && is_mail_char(out[from - 1])) --from;
      std::size_t to = i + 1;
      while (to < text.size() && is_mail_char(text[to])) ++to;
      if (from < out.size() && to > i + 1) {
        const std::string local = out.substr(from);
        out.resize(from);
        out += mask_email(local + std::string(text.substr(i, to - i)));
        i = to;
        continue;
      }
    }
    const bool starts_word = i == 0 || !(is_upper(text[i - 1]) || is_digit(text[i - 1]));
    // A phone or card number in groups: kept as mask_phone keeps phones.
    if (starts_word) {
      if (const std::size_t n = grouped_number(text, i); n > 0) {
        out += mask_phone(text.substr(i, n));
        i += n;
        continue;
      }
    }
    // An identity number: [A-Z]{0,2} digit{6,} ("(" X ")")?, not inside a longer word.
    std::size_t j = i;
    while (j < text.size() && j - i < 2 && is_upper(text[j])) ++j;
    const std::size_t digits_from = j;
    while (j < text.size() && is_digit(text[j])) ++j;
    if (starts_word && j - digits_from >= 6) {
      if (j + 2 < text.size() && text[j] == '(' && text[j + 2] == ')') j += 3;
      out += mask_id(text.substr(i, j - i));
      i = j;
      continue;
    }
    out += text[i++];
  }
  return out;
}

}  // namespace dingwatch
