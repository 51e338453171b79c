#include "input_limits.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace dingwatch::rules {

namespace {

// Weights from Hyperscan 5.4 compile times (UTF-8 + UCP): a Unicode letter class turns
// into hundreds of byte ranges, digits into dozens, `.` into the four UTF-8 lengths.
constexpr std::uint64_t k_ascii = 1;
constexpr std::uint64_t k_any = 4;
constexpr std::uint64_t k_space = 8;
constexpr std::uint64_t k_digit = 16;
constexpr std::uint64_t k_unicode = 128;
constexpr std::uint64_t k_saturated = std::uint64_t{1} << 40;

std::uint64_t add(std::uint64_t a, std::uint64_t b) { return std::min(a + b, k_saturated); }
std::uint64_t mul(std::uint64_t a, std::uint64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > k_saturated / b ? k_saturated : a * b;
}

/// The weight of the class escape `\c`, 0 when `c` names no class.
std::uint64_t class_escape(char c) {
  if (std::string_view("wWpPX").find(c) != std::string_view::npos) return k_unicode;
  if (c == 'd' || c == 'D') return k_digit;
  if (std::string_view("sShHvVR").find(c) != std::string_view::npos) return k_space;
  return 0;
}

/// Bytes of the UTF-8 sequence led by `c` (1 for ASCII and stray continuation bytes).
std::size_t utf8_length(unsigned char c) {
  if (c >= 0xf0) return 4;
  if (c >= 0xe0) return 3;
  if (c >= 0xc0) return 2;
  return 1;
}

/// Skips a `{…}` argument (\x{…}, \p{…}, \o{…}) starting at `i`, if there is one.
std::size_t skip_braces(std::string_view s, std::size_t i) {
  if (i < s.size() && s[i] == '{') {
    const auto close = s.find('}', i);
    return close == std::string_view::npos ? s.size() : close + 1;
  }
  return i;
}

class estimator {
 public:
  explicit estimator(std::string_view s) : s_(s) {}

  std::uint64_t run() {
    frames_.emplace_back();
    while (i_ < s_.size()) step();
    while (frames_.size() > 1) close_group();  // unbalanced: Hyperscan reports it
    return add(frames_.back().alternatives, frames_.back().sequence);
  }

 private:
  struct frame {
    std::uint64_t alternatives = 0;  ///< the branches before the current `|`
    std::uint64_t sequence = 0;      ///< the current branch
    std::uint64_t last = 0;          ///< the last atom, what a quantifier repeats
  };

  void atom(std::uint64_t cost) {
    frame& f = frames_.back();
    f.sequence = add(f.sequence, cost);
    f.last = cost;
  }

  void close_group() {
    const frame inner = frames_.back();
    frames_.pop_back();
    atom(add(inner.alternatives, inner.sequence));
  }

  void step() {
    const char c = s_[i_];
    switch (c) {
      case '\\': return escape();
      case '[': return char_class();
      case '.': ++i_; return atom(k_any);
      case '(': return open_group();
      case ')':
        ++i_;
        if (frames_.size() > 1) return close_group();
        return atom(k_ascii);
      case '|': {
        ++i_;
        frame& f = frames_.back();
        f.alternatives = add(f.alternatives, f.sequence);
        f.sequence = f.last = 0;
        return;
      }
      case '*': case '+': case '?':
        ++i_;
        if (i_ < s_.size() && (s_[i_] == '?' || s_[i_] == '+')) ++i_;  // lazy, possessive
        return;  // the atom once more at most: its states loop
      case '{': return counted_repeat();
      case '^': case '$':
        ++i_;
        frames_.back().last = 0;
        return;
      default: {
        const std::size_t n = utf8_length(static_cast<unsigned char>(c));
        i_ = std::min(i_ + n, s_.size());
        return atom(n * k_ascii);
      }
    }
  }

  void open_group() {
    ++i_;
    if (i_ < s_.size() && s_[i_] == '?') {  // (?:…) (?i) (?i:…) (?<name>…) (?#…)
      while (i_ < s_.size() && s_[i_] != ':' && s_[i_] != ')' && s_[i_] != '>') ++i_;
      if (i_ < s_.size() && s_[i_] == ')') {  // options only, or a comment
        ++i_;
        return;
      }
      if (i_ < s_.size()) ++i_;
    }
    frames_.emplace_back();
  }

  /// `{n}`, `{m,}`, `{m,n}`: the last atom repeated; anything else is a literal `{`.
  void counted_repeat() {
    std::size_t j = i_ + 1;
    auto number = [&](std::uint64_t& out) {
      const std::size_t start = j;
      out = 0;
      while (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j])))
        out = std::min<std::uint64_t>(out * 10 + static_cast<unsigned>(s_[j++] - '0'), k_saturated);
      return j > start;
    };
    std::uint64_t low = 0, high = 0;
    bool valid = number(low);
    bool open = false;
    if (valid && j < s_.size() && s_[j] == ',') {
      ++j;
      open = !number(high);
    } else {
      high = low;
    }
    valid = valid && j < s_.size() && s_[j] == '}';
    if (!valid) {
      ++i_;
      return atom(k_ascii);
    }
    i_ = j + 1;
    frame& f = frames_.back();
    const std::uint64_t times = open ? add(low, 1) : std::max(low, high);
    // The atom is already counted once in the sequence.
    f.sequence = add(f.sequence - f.last, mul(f.last, times));
    f.last = mul(f.last, times);
  }

  void escape() {
    if (i_ + 1 >= s_.size()) {
      ++i_;
      return atom(k_ascii);
    }
    const char c = s_[i_ + 1];
    i_ += 2;
    if (c == 'p' || c == 'P') {
      if (i_ < s_.size() && s_[i_] != '{') ++i_;  // \pL
      i_ = skip_braces(s_, i_);
      return atom(k_unicode);
    }
    if (const auto w = class_escape(c)) return atom(w);
    if (c == 'N') return atom(k_any);
    if (std::string_view("bBAzZGEK").find(c) != std::string_view::npos) {  // assertions
      frames_.back().last = 0;
      return;
    }
    if (c == 'x' || c == 'o') {
      i_ = skip_braces(s_, i_);
      while (c == 'x' && i_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      return atom(k_ascii);
    }
    if (c == 'c') {
      if (i_ < s_.size()) ++i_;
      return atom(k_ascii);
    }
    if (c == 'Q') {  // \Q…\E: literal text
      const auto end = s_.find("\\E", i_);
      const std::size_t stop = end == std::string_view::npos ? s_.size() : end;
      std::uint64_t n = stop - i_;
      i_ = end == std::string_view::npos ? s_.size() : end + 2;
      if (n == 0) return;
      frame& f = frames_.back();
      f.sequence = add(f.sequence, n - 1);
      return atom(k_ascii);  // a quantifier repeats the last character only
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      return atom(k_ascii);
    }
    const std::size_t n = utf8_length(static_cast<unsigned char>(c));  // an escaped character
    i_ = std::min(i_ + n - 1, s_.size());
    return atom(n * k_ascii);
  }

  void char_class() {
    std::size_t j = i_ + 1;
    bool negated = false, wide = false;
    std::uint64_t weight = k_ascii;
    if (j < s_.size() && s_[j] == '^') {
      negated = true;
      ++j;
    }
    if (j < s_.size() && s_[j] == ']') ++j;  // a leading ] is a member
    while (j < s_.size() && s_[j] != ']') {
      const char c = s_[j];
      if (c == '\\' && j + 1 < s_.size()) {
        const char e = s_[j + 1];
        j += 2;
        if (e == 'p' || e == 'P') {
          if (j < s_.size() && s_[j] != '{') ++j;
          j = skip_braces(s_, j);
          weight = std::max(weight, k_unicode);
        } else if (const auto w = class_escape(e)) {
          weight = std::max(weight, w);
        } else if (e == 'x' || e == 'o') {
          j = skip_braces(s_, j);
        }
      } else if (c == '[' && j + 1 < s_.size() && s_[j + 1] == ':') {  // [:alpha:], Unicode under UCP
        const auto end = s_.find(":]", j + 2);
        j = end == std::string_view::npos ? s_.size() : end + 2;
        weight = std::max(weight, k_unicode);
      } else {
        if (static_cast<unsigned char>(c) >= 0x80) wide = true;
        ++j;
      }
    }
    i_ = std::min(j + 1, s_.size());
    atom(std::max(weight, negated || wide ? k_any : k_ascii));
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::vector<frame> frames_;
};

}  // namespace

std::uint64_t regex_cost(std::string_view expression) { return estimator(expression).run(); }

bool yaml_nodes_within(const YAML::Node& root, std::size_t max_nodes) {
  // Depth first with an explicit stack: an alias loop or a deep tree costs steps, not stack.
  std::vector<YAML::Node> pending{root};
  std::size_t seen = 0;
  while (!pending.empty()) {
    const YAML::Node n = pending.back();
    pending.pop_back();
    if (++seen > max_nodes) return false;
    if (n.IsSequence()) {
      for (const auto& child : n) pending.push_back(child);
    } else if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it) {
        pending.push_back(it->first);
        pending.push_back(it->second);
      }
    }
    if (pending.size() > max_nodes) return false;
  }
  return true;
}

admission load_budget::pattern(std::string_view field, std::string_view expression, std::string_view written,
                                bool start_of_match) {
  if (expression.size() > limits_.max_pattern_bytes)
    return {false,
            fmt::format("pattern of {} bytes is over the limit of {} bytes", expression.size(), limits_.max_pattern_bytes),
            "split it into several shorter patterns (a list of values), or match a shorter part"};
  const std::uint64_t cost = regex_cost(expression) * (start_of_match ? k_start_of_match_cost : 1);
  if (cost > limits_.max_regex_cost)
    return {false,
            fmt::format("pattern '{}' is too complex: it expands to about {} automaton states, over the limit of {}",
                        written, cost, limits_.max_regex_cost),
            start_of_match ? "a validated pattern counts 8 times (its matches need their start): "
                             "bound repeats tighter, e.g. [0-9]{18} rather than \\d{1,100}"
                           : "bound repeats tighter and prefer ASCII classes: [0-9] rather than \\d, "
                             "[A-Za-z0-9_] rather than \\w"};
  auto it = fields_.find(field);
  if (it == fields_.end()) it = fields_.emplace(std::string(field), field_use{}).first;
  field_use& use = it->second;
  if (use.over) return {false, {}, {}};
  use.bytes += expression.size();
  if (++use.patterns > limits_.max_patterns_per_field || use.bytes > limits_.max_pattern_bytes_per_field) {
    use.over = true;
    return {false,
            use.patterns > limits_.max_patterns_per_field
                ? fmt::format("more than {} patterns on '{}' in one load", limits_.max_patterns_per_field, field)
                : fmt::format("patterns on '{}' exceed {} bytes in one load", field, limits_.max_pattern_bytes_per_field),
            "merge values into fewer patterns, or move exact values to `in:` (a sorted list, no pattern)"};
  }
  if (regex_over_) return {false, {}, {}};
  regex_cost_ += cost > expression.size() ? cost - expression.size() : 0;
  if (regex_cost_ > limits_.max_regex_cost_per_load) {
    regex_over_ = true;
    return {false,
            fmt::format("the patterns of this load expand to more than {} automaton states beyond their text",
                        limits_.max_regex_cost_per_load),
            "bound repeats tighter and prefer ASCII classes, or load fewer rules"};
  }
  return {};
}

admission load_budget::values(std::size_t count) {
  if (values_over_) return {false, {}, {}};
  values_ += count;
  if (values_ <= limits_.max_values) return {};
  values_over_ = true;
  return {false, fmt::format("more than {} values in one load once lists are expanded", limits_.max_values),
          "each `$list` use copies the whole list: test it once in a macro and use the macro"};
}

}  // namespace dingwatch::rules
