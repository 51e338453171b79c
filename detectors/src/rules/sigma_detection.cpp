// Sigma `detection` → native condition: selections (field|modifier maps and
// lists of them), values with wildcards, and the `condition` expression.
//
// The output is a native condition in YAML form ({all: […]}, {any: […]}, {not:
// …}, {FIELD: {op: value, nocase: true}}) that parser.cpp compiles. Value nodes
// are the Sigma file's own nodes (rewritten in place when a wildcard or
// modifier changes their text), so the loader's own checks — numbers, CIDRs,
// Hyperscan compile errors — still point at the Sigma file's line and column.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "dingwatch/detectors/rules/sigma.hpp"
#include "input_limits.hpp"
#include "rule_text.hpp"
#include "sigma_import.hpp"

namespace dingwatch::rules {

namespace {

constexpr std::string_view k_modifiers[] = {"contains", "startswith", "endswith", "re",    "i",      "m",
                                            "s",        "cidr",       "all",      "cased", "exists", "neq",
                                            "gt",       "gte",        "lt",       "lte"};

/// Sigma modifiers that exist but mean nothing for decoded DingTalk fields, with why.
struct unsupported_modifier {
  std::string_view name;
  std::string_view hint;
};
constexpr unsupported_modifier k_unsupported[] = {
    {"windash",
     "it rewrites Windows command-line flags (-x, /x); DingTalk fields carry none: list the spellings you mean as values"},
    {"base64", "DingTalk fields are decoded text: match the text itself"},
    {"base64offset", "DingTalk fields are decoded text: match the text itself"},
    {"utf16le", "DingTalk fields are UTF-8 text: match the text itself"},
    {"utf16be", "DingTalk fields are UTF-8 text: match the text itself"},
    {"utf16", "DingTalk fields are UTF-8 text: match the text itself"},
    {"wide", "DingTalk fields are UTF-8 text: match the text itself"},
    {"expand",
     "placeholders need a conversion pipeline: spell the values out, or use a `lists:` entry in a native rule"},
    {"fieldref", "comparing two fields of one event is not supported"},
    {"minute", "write a native rule with timestamp: {hour_between: [FROM, TO]} or {weekday_in: […]}"},
    {"hour", "write a native rule with timestamp: {hour_between: [FROM, TO]}"},
    {"day", "write a native rule with timestamp: {weekday_in: […]}"},
    {"week", "write a native rule with timestamp: {weekday_in: […]}"},
    {"month", "time modifiers are not supported"},
    {"year", "time modifiers are not supported"},
};

YAML::Node map_node() { return YAML::Node(YAML::NodeType::Map); }

/// {all: [parts]} / {any: [parts]}, or the only part itself.
YAML::Node combine(const char* how, const std::vector<YAML::Node>& parts) {
  if (parts.size() == 1) return parts[0];
  YAML::Node list(YAML::NodeType::Sequence);
  for (const auto& p : parts) list.push_back(p);
  YAML::Node out = map_node();
  out[how] = list;
  return out;
}

YAML::Node negate(const YAML::Node& c) {
  YAML::Node out = map_node();
  out["not"] = c;
  return out;
}

/// Whether case folding can change `s`: ASCII letters, or letters of alphabets
/// with case (code points below U+2E80, fullwidth Latin). CJK text has no case:
/// plain equality then stays a sorted-list lookup instead of a caseless pattern.
bool has_case(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (std::isalpha(c)) return true;
      ++i;
      continue;
    }
    const int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    std::uint32_t cp = c & (len == 4 ? 0x07 : len == 3 ? 0x0F : 0x1F);
    for (int k = 1; k < len && i + static_cast<std::size_t>(k) < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
    if (cp < 0x2E80 || (cp >= 0xFF21 && cp <= 0xFF5A)) return true;
    i += static_cast<std::size_t>(len);
  }
  return false;
}

/// A Sigma string value: literal runs and the wildcards `*` and `?` between them.
struct glob {
  struct piece {
    char wild = 0;  ///< '*' or '?', or 0 for literal text
    std::string text;
  };
  std::vector<piece> pieces;
  bool lead = false,
       trail = false;  ///< a `*` at the start / end (written or implied)

  static glob parse(std::string_view s) {
    glob g;
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
        c = s[++i];
      } else if (c == '*' || c == '?') {
        g.pieces.push_back({c, {}});
        continue;
      }
      if (g.pieces.empty() || g.pieces.back().wild != 0) g.pieces.push_back({});
      g.pieces.back().text += c;
    }
    while (!g.pieces.empty() && g.pieces.front().wild == '*') {
      g.lead = true;
      g.pieces.erase(g.pieces.begin());
    }
    while (!g.pieces.empty() && g.pieces.back().wild == '*') {
      g.trail = true;
      g.pieces.pop_back();
    }
    return g;
  }
  [[nodiscard]] bool literal() const { return pieces.size() == 1 && pieces[0].wild == 0; }
  [[nodiscard]] bool has_wildcard() const {
    return lead || trail ||
           std::any_of(pieces.begin(), pieces.end(), [](const piece& p) { return p.wild != 0; });
  }
  /// A Hyperscan expression: `^…\z` anchors unless a `*` frees that end.
  [[nodiscard]] std::string regex() const {
    std::string out = "(?s)";
    if (!lead) out += '^';
    for (const auto& p : pieces) out += p.wild == '*' ? ".*" : p.wild == '?' ? "." : escape_literal(p.text);
    if (!trail) out += "\\z";
    return out;
  }
};

/// The modifiers of one `field|mod|mod` key.
struct modifiers {
  std::string_view match = "equals";  ///< equals contains startswith endswith re
                                      ///< cidr exists gt gte lt lte
  bool all = false, cased = false, neq = false;
  bool re_i = false, re_m = false, re_s = false;
};

/// What one Sigma value becomes: a native op and its argument (the value's own node).
struct leaf {
  std::string op;
  YAML::Node value;
  bool nocase = false;
  bool rewritten = false;  ///< the node's text was changed
};

class detection_translator {
 public:
  detection_translator(sigma_context& cx, const YAML::Node& detection) : cx_(cx), detection_(detection) {}

  YAML::Node run() {
    if (!detection_.IsMap()) {
      cx_.diags.error(cx_.at(detection_), "`detection` must be a map of search identifiers and a `condition`",
                      "detection: {selection: {EventType: org_admin_add}, condition: selection}");
      return map_node();
    }
    std::optional<YAML::Node> condition;  // (a default YAML::Node counts as defined)
    for (auto it = detection_.begin(); it != detection_.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (key == "condition") {
        condition = it->second;
      } else if (key == "timeframe") {
        cx_.diags.error(
            cx_.at(it->first), "`timeframe` in a detection is Sigma 1 aggregation syntax",
            "write a correlation rule (type: event_count, timespan: …) that references this rule");
      } else {
        names_.push_back(key);
        selections_[key] = {it->first, it->second, std::nullopt, false};
      }
    }
    if (!condition) {
      cx_.diags.error(cx_.at(detection_), "detection has no `condition`",
                      names_.empty() ? std::string("condition: selection")
                                     : fmt::format("e.g. condition: {}", names_.front()));
      return map_node();
    }
    YAML::Node out;
    if (condition->IsSequence()) {  // Sigma 1: a list of conditions, any of them
      std::vector<YAML::Node> parts;
      for (const auto& c : *condition) parts.push_back(expression(c));
      out = parts.empty() ? map_node() : combine("any", parts);
    } else {
      out = expression(*condition);
    }
    for (const auto& name : names_)
      if (!selections_[name].used && !any_failed_)  // after a broken condition, "unused" is noise
        cx_.diags.warning(cx_.at(selections_[name].key),
                          fmt::format("search identifier '{}' is not used in the condition", name),
                          "use it in `condition`, or remove it");
    return out;
  }

 private:
  struct selection {
    YAML::Node key, value;
    std::optional<YAML::Node> translated;  ///< once, on first use
    bool used = false;
  };

  // ---- selections --------------------------------------------------------------

  YAML::Node selection_node(const std::string& name) {
    selection& s = selections_[name];
    s.used = true;
    if (!s.translated) s.translated = translate_selection(s.value);
    return *s.translated;
  }

  YAML::Node translate_selection(const YAML::Node& v) {
    if (v.IsMap()) {
      if (v.size() == 0) {
        cx_.diags.error(cx_.at(v), "empty selection",
                        "a selection maps fields to values: {EventType: org_admin_add}");
        return map_node();
      }
      std::vector<YAML::Node> parts;
      for (auto it = v.begin(); it != v.end(); ++it) parts.push_back(field_condition(it->first, it->second));
      return combine("all", parts);
    }
    if (v.IsSequence() && v.size() > 0) {
      std::vector<YAML::Node> parts;
      for (const auto& e : v) {
        if (e.IsMap()) {
          parts.push_back(translate_selection(e));
        } else {
          cx_.diags.error(cx_.at(e), "keyword searches (values without a field) are not supported",
                          "name the field they are in, e.g. resource|contains: [工資, payroll]");
          parts.push_back(map_node());
        }
      }
      return combine("any", parts);
    }
    cx_.diags.error(cx_.at(v), "a search identifier is a map of fields or a list of such maps",
                    "selection: {EventType: org_admin_add} or selection: [{…}, {…}] (any of them)");
    return map_node();
  }

  /// `field|mods: values` → a native condition.
  YAML::Node field_condition(const YAML::Node& key_node, const YAML::Node& value) {
    const std::string key = key_node.Scalar();
    const std::size_t bar = key.find('|');
    const std::string name = key.substr(0, bar);
    const field_info* f = sigma_field_or_report(cx_, name, key_node);
    modifiers m;
    bool ok = read_modifiers(key_node, key, bar, m);
    if (f == nullptr || !ok) return map_node();

    std::vector<YAML::Node> values;
    if (value.IsSequence()) {
      for (const auto& e : value) values.push_back(e);
      if (values.empty()) {
        cx_.diags.error(cx_.at(value), fmt::format("no value for '{}'", key), "write at least one value");
        return map_node();
      }
    } else if (value.IsScalar() || value.IsNull()) {
      values.push_back(value);
      if (m.all)
        cx_.diags.warning(cx_.at(key_node, bar), "`|all` with a single value has no effect",
                          "`all` makes a list of values AND instead of OR");
    } else {
      cx_.diags.error(cx_.at(value), fmt::format("'{}' takes a value or a list of values", key),
                      "nested maps are not Sigma; write another field of the selection instead");
      return map_node();
    }

    std::vector<leaf> leaves;
    for (const auto& v : values) {
      if (auto l = value_leaf(*f, m, v)) leaves.push_back(std::move(*l));
    }
    if (leaves.empty()) return map_node();

    std::vector<YAML::Node> parts;
    const bool same = std::all_of(leaves.begin(), leaves.end(), [&](const leaf& l) {
      return !l.rewritten && l.op == leaves[0].op && l.nocase == leaves[0].nocase;
    });
    if (!m.all && value.IsSequence() && same && leaves.size() == values.size() && !numeric_op(leaves[0].op) &&
        leaves[0].op != "exists") {
      // The list as written: one native matcher, one pattern leaf for all its values.
      parts.push_back(matcher(*f, leaves[0].op, value, leaves[0].nocase));
    } else {
      for (const auto& l : leaves) parts.push_back(matcher(*f, l.op, l.value, l.nocase));
    }
    YAML::Node out = combine(m.all ? "all" : "any", parts);
    return m.neq ? negate(out) : out;
  }

  static bool numeric_op(std::string_view op) {
    return op == "gt" || op == "gte" || op == "lt" || op == "lte";
  }

  static YAML::Node matcher(const field_info& f, const std::string& op, const YAML::Node& arg, bool nocase) {
    YAML::Node inner = map_node();
    inner[op] = arg;
    if (nocase) inner["nocase"] = "true";
    YAML::Node out = map_node();
    out[std::string(f.name)] = inner;
    return out;
  }

  bool read_modifiers(const YAML::Node& key_node, const std::string& key, std::size_t bar, modifiers& m) {
    bool ok = true;
    std::vector<std::string_view> kinds;
    for (std::size_t pos = bar; pos != std::string::npos && pos < key.size();) {
      const std::size_t next = key.find('|', pos + 1);
      const std::string mod =
          key.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
      const auto where = cx_.at(key_node, pos + 1);
      pos = next;
      const auto* known = std::find(std::begin(k_modifiers), std::end(k_modifiers), mod);
      if (known == std::end(k_modifiers)) {
        const auto* u = std::find_if(std::begin(k_unsupported), std::end(k_unsupported),
                                     [&](const unsupported_modifier& x) { return x.name == mod; });
        if (u != std::end(k_unsupported))
          cx_.diags.error(where, fmt::format("modifier '{}' is not supported", mod), std::string(u->hint));
        else
          cx_.diags.error(where,
                          fmt::format("unknown modifier '{}'", mod.empty() ? std::string("(empty)") : mod),
                          did_you_mean(mod, k_modifiers));
        ok = false;
        continue;
      }
      if (mod == "all")
        m.all = true;
      else if (mod == "cased")
        m.cased = true;
      else if (mod == "neq")
        m.neq = true;
      else if (mod == "i" || mod == "m" || mod == "s") {
        if (kinds.empty() || kinds.back() != "re") {
          cx_.diags.error(where, fmt::format("modifier '{}' only follows `re`", mod),
                          fmt::format("write field|re|{}", mod));
          ok = false;
        }
        (mod == "i" ? m.re_i : mod == "m" ? m.re_m : m.re_s) = true;
      } else {
        kinds.push_back(*known);
        if (kinds.size() == 2) {
          cx_.diags.error(
              where, fmt::format("modifiers '{}' and '{}' cannot be combined", kinds[0], mod),
              "a value is matched one way: contains, startswith, endswith, re, cidr, exists or a comparison");
          ok = false;
        }
        m.match = *known;
      }
    }
    if (m.neq && m.match != "equals") {
      cx_.diags.error(cx_.at(key_node, bar), fmt::format("`neq` cannot be combined with `{}`", m.match),
                      "write `not` in the condition instead");
      ok = false;
    }
    return ok;
  }

  /// One value → (op, node). Null when the value was reported.
  std::optional<leaf> value_leaf(const field_info& f, const modifiers& m, YAML::Node v) {
    const std::string_view match = m.match;
    if (v.IsNull()) {
      if (match != "equals") {
        cx_.diags.error(cx_.at(v), fmt::format("`{}` needs a value, not null", match));
        return std::nullopt;
      }
      v = "false";  // `field: null`: the field is absent
      return leaf{"exists", v, false, true};
    }
    if (!v.IsScalar()) {
      cx_.diags.error(cx_.at(v), "a value must be a plain value", "nested lists and maps are not Sigma values");
      return std::nullopt;
    }
    const std::string text = v.Scalar();
    if (match == "exists") {
      if (text != "true" && text != "false") {
        cx_.diags.error(cx_.at(v), "`exists` takes true or false");
        return std::nullopt;
      }
      return leaf{"exists", v, false, false};
    }
    if (match == "cidr" || numeric_op(match)) return leaf{std::string(match), v, false, false};
    if (match == "re") {
      std::string expr = text;
      if (m.re_s) expr = "(?s)" + expr;
      if (m.re_m) expr = "(?m)" + expr;
      const bool rewritten = expr != text;
      if (rewritten) v = expr;
      return leaf{"regex", v, m.re_i, rewritten};
    }
    // equals / contains / startswith / endswith, with Sigma wildcards.
    if (f.type != field_type::string) {
      if (match != "equals")
        return leaf{std::string(match), v, false, false};  // the loader names the type mismatch
      if (glob::parse(text).has_wildcard()) {
        cx_.diags.error(cx_.at(v),
                        fmt::format("wildcards apply to string fields; '{}' is a {} field", f.name,
                                    f.type == field_type::number ? "number" : "boolean"),
                        "numbers compare with field|gte: N, field|lt: N …");
        return std::nullopt;
      }
      return leaf{"equals", v, false, false};
    }
    glob g = glob::parse(text);
    if (match == "contains" || match == "endswith") g.lead = true;
    if (match == "contains" || match == "startswith") g.trail = true;
    if (g.pieces.empty()) {
      // '' is an empty (absent) field; '*' (or contains '') any value.
      const bool any = g.lead || g.trail;
      if (any && match != "equals")
        return leaf{std::string(match == "contains"     ? "contains"
                                : match == "startswith" ? "prefix"
                                                        : "suffix"),
                    v, false, false};  // the loader reports "matches everything"
      v = any ? "true" : "false";
      return leaf{"exists", v, false, true};
    }
    std::string op;
    std::string out;
    if (g.literal()) {
      out = g.pieces[0].text;
      op = g.lead && g.trail ? "contains" : g.lead ? "suffix" : g.trail ? "prefix" : "equals";
      if (out.front() == '$') {  // the loader reads `$name` as a list: say the
                                 // literal as a pattern
        out = (g.lead ? "" : "^") + escape_literal(out) + (g.trail ? "" : "\\z");
        op = "regex";
      }
    } else {
      out = g.regex();
      op = "regex";
    }
    const bool nocase = !m.cased && has_case(text);
    const bool rewritten = out != text;
    if (rewritten) v = out;
    return leaf{op, v, nocase, rewritten};
  }

  // ---- the condition expression ------------------------------------------------

  struct token {
    std::string text;
    std::size_t pos = 0;
  };

  YAML::Node expression(const YAML::Node& cond) {
    if (!cond.IsScalar() || cond.Scalar().empty()) {
      cx_.diags.error(cx_.at(cond), "`condition` must be an expression",
                      "e.g. condition: selection and not filter, or 1 of selection_*");
      return map_node();
    }
    cond_ = cond;
    tokens_.clear();
    next_ = 0;
    const std::string& s = cond.Scalar();
    for (std::size_t i = 0; i < s.size();) {
      const char c = s[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '(' || c == ')' || c == '|') {
        tokens_.push_back({std::string(1, c), i});
        ++i;
      } else {
        const std::size_t start = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '(' &&
               s[i] != ')' && s[i] != '|')
          ++i;
        tokens_.push_back({s.substr(start, i - start), start});
      }
    }
    failed_ = false;
    YAML::Node out = or_expr();
    if (!failed_ && next_ < tokens_.size()) unexpected(tokens_[next_]);
    any_failed_ = any_failed_ || failed_;
    return failed_ ? map_node() : out;
  }

  void unexpected(const token& t) {
    if (t.text == "|")
      fail(t, "`|` aggregations (count() by …) are Sigma 1 syntax",
           "write a correlation rule: {type: event_count, rules: [this rule's name], group-by: […], "
           "timespan: 1h, condition: {gte: N}}");
    else if (t.text == "AND" || t.text == "OR" || t.text == "NOT")
      fail(t, fmt::format("unexpected '{}' in the condition", t.text), "operators are lowercase: and, or, not");
    else
      fail(t, fmt::format("unexpected '{}' in the condition", t.text),
           "combine search identifiers with and, or, not and parentheses");
  }

  void fail(const token& t, std::string message, std::string hint) {
    if (failed_) return;
    failed_ = true;
    cx_.diags.error(cx_.at(cond_, t.pos), std::move(message), std::move(hint));
  }

  const token* peek() const { return next_ < tokens_.size() ? &tokens_[next_] : nullptr; }
  bool accept(std::string_view word) {
    if (const token* t = peek(); t && t->text == word) {
      ++next_;
      return true;
    }
    return false;
  }

  YAML::Node or_expr() {
    std::vector<YAML::Node> parts{and_expr()};
    while (!failed_ && accept("or")) parts.push_back(and_expr());
    return combine("any", parts);
  }

  YAML::Node and_expr() {
    std::vector<YAML::Node> parts{unary()};
    while (!failed_ && accept("and")) parts.push_back(unary());
    return combine("all", parts);
  }

  YAML::Node unary() {
    // Parentheses and `not` recurse: bounded, so a hostile condition cannot exhaust the stack.
    const nesting_guard guard(depth_);
    if (depth_ > cx_.limits.max_condition_depth) {
      const token* t = peek();
      fail(t ? *t : token{"", cond_.Scalar().size()},
           fmt::format("the condition nests deeper than {} levels", cx_.limits.max_condition_depth),
           "flatten it: fewer parentheses and `not`s, or `1 of selection_*` / `all of selection_*`");
      return map_node();
    }
    if (accept("not")) return negate(unary());
    return primary();
  }

  YAML::Node primary() {
    const token* t = peek();
    if (t == nullptr) {
      const std::size_t end = cond_.Scalar().size();
      fail({"", end}, "the condition ends too early", "a search identifier or `(` is missing at the end");
      return map_node();
    }
    const token tok = *t;
    ++next_;
    if (tok.text == "(") {
      YAML::Node inner = or_expr();
      if (!accept(")") && !failed_) {
        const token* n = peek();
        fail(n ? *n : token{"", cond_.Scalar().size()}, "missing `)`", "every `(` needs its `)`");
      }
      return inner;
    }
    if (tok.text == "|") {
      unexpected(tok);
      return map_node();
    }
    if (tok.text == ")" || tok.text == "and" || tok.text == "or" || tok.text == "of") {
      fail(tok, fmt::format("unexpected '{}' in the condition", tok.text),
           "a search identifier, `not`, `(` or `1 of`/`all of` goes here");
      return map_node();
    }
    if (tok.text == "near") {
      fail(tok, "`near` is not supported", "write a temporal correlation rule over two rules");
      return map_node();
    }
    if (const token* n = peek(); n && n->text == "of") {
      ++next_;
      return quantified(tok);
    }
    if (tok.text.find('*') != std::string::npos) {
      fail(tok, fmt::format("'{}' is a pattern; patterns follow `1 of` or `all of`", tok.text),
           fmt::format("write 1 of {} (any) or all of {}", tok.text, tok.text));
      return map_node();
    }
    if (!selections_.count(tok.text)) {
      std::vector<std::string_view> options(names_.begin(), names_.end());
      std::string hint = did_you_mean(tok.text, options);
      if (tok.text == "AND" || tok.text == "OR" || tok.text == "NOT")
        hint = "operators are lowercase: and, or, not";
      fail(tok, fmt::format("no search identifier named '{}'", tok.text), std::move(hint));
      return map_node();
    }
    return selection_node(tok.text);
  }

  YAML::Node quantified(const token& count) {
    const bool all = count.text == "all";
    if (!all && count.text != "1") {
      fail(count, fmt::format("'{} of' is not supported", count.text), "write `1 of` (any) or `all of`");
      return map_node();
    }
    const token* t = peek();
    if (t == nullptr) {
      fail({"", cond_.Scalar().size()}, fmt::format("`{} of` needs a pattern or `them`", count.text),
           "e.g. 1 of selection_*");
      return map_node();
    }
    const token target = *t;
    ++next_;
    std::vector<std::string> matched;
    for (const auto& n : names_) {
      const bool hit = target.text == "them" ? !n.starts_with("_") : glob_match(target.text, n);
      if (hit) matched.push_back(n);
    }
    if (matched.empty()) {
      fail(target, fmt::format("no search identifier matches '{}'", target.text),
           names_.empty() ? std::string("define search identifiers under `detection`")
                          : fmt::format("identifiers: {}", fmt::join(names_, ", ")));
      return map_node();
    }
    std::vector<YAML::Node> parts;
    for (const auto& n : matched) parts.push_back(selection_node(n));
    return combine(all ? "all" : "any", parts);
  }

  /// `sel_*` against an identifier: `*` is any run of characters.
  static bool glob_match(std::string_view pattern, std::string_view name) {
    // Greedy with one backtrack point: linear in practice, never exponential.
    std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
    while (n < name.size()) {
      if (p < pattern.size() && pattern[p] != '*' && pattern[p] == name[n]) {
        ++p;
        ++n;
      } else if (p < pattern.size() && pattern[p] == '*') {
        star = p++;
        mark = n;
      } else if (star != std::string_view::npos) {
        p = star + 1;
        n = ++mark;
      } else {
        return false;
      }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
  }

  sigma_context& cx_;
  int depth_ = 0;  ///< condition nesting, for limits.max_condition_depth
  YAML::Node detection_;
  std::vector<std::string> names_;  ///< search identifiers in written order
  std::map<std::string, selection> selections_;
  YAML::Node cond_;
  std::vector<token> tokens_;
  std::size_t next_ = 0;
  bool failed_ = false;  ///< one error per condition: the rest would be noise
  bool any_failed_ = false;
};

}  // namespace

YAML::Node translate_detection(sigma_context& cx, const YAML::Node& detection) {
  return detection_translator(cx, detection).run();
}

const field_info* sigma_field_or_report(sigma_context& cx, std::string_view name, const YAML::Node& where,
                                        std::size_t offset) {
  if (const field_info* f = find_sigma_field(name)) return f;
  std::vector<std::string_view> names;
  for (const auto& f : fields()) names.push_back(f.name);
  for (const auto& s : sigma_fields()) names.push_back(s.name);
  std::string hint = nearest(name, names);
  if (const field_info* f = hint.empty() ? nullptr : find_sigma_field(hint); f && f->name != hint)
    hint = fmt::format("did you mean '{}' ({})?", hint, f->name);
  else if (!hint.empty())
    hint = fmt::format("did you mean '{}'?", hint);
  else
    hint = "Sigma fields are the engine's names (user.id) or DingTalk's (userId)";
  cx.diags.error(cx.at(where, offset), fmt::format("unknown field '{}'", name),
                 hint + " (docs/rules.md lists both)");
  return nullptr;
}

}  // namespace dingwatch::rules
