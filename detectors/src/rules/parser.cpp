#include "dingwatch/detectors/rules/parser.hpp"

#include <fmt/format.h>
#include <hs/hs.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "dingwatch/core/time.hpp"

#include "input_limits.hpp"
#include "rule_text.hpp"
#include "sigma_import.hpp"

namespace dingwatch::rules {

rule_set::~rule_set() {
  for (auto& d : databases) hs_free_database(d.db);
}

namespace {

namespace fs = std::filesystem;

constexpr unsigned k_hs_flags = HS_FLAG_UTF8 | HS_FLAG_UCP;
/// A leaf without a validator needs one match; a validated leaf needs every match with
/// its start, until one passes the check.
constexpr unsigned k_plain_flags = k_hs_flags | HS_FLAG_SINGLEMATCH;
constexpr unsigned k_validated_flags = k_hs_flags | HS_FLAG_SOM_LEFTMOST;

constexpr std::string_view k_top_keys[] = {"lists", "macros", "holidays", "rules"};
constexpr std::string_view k_rule_keys[] = {"id",      "name",       "family",      "severity",
                                            "pdpa",    "mitre",      "version",     "description",
                                            "message", "detection",  "suppress",    "exceptions",
                                            "tests",   "generate"};
constexpr std::string_view k_detection_keys[] = {"where",      "event_count", "value_count",
                                                 "value_sum",  "temporal",    "temporal_ordered",
                                                 "baseline",   "first_seen",  "max_keys"};
constexpr std::string_view k_stateful_keys[] = {"event_count", "value_count",      "value_sum",
                                                "temporal",    "temporal_ordered", "baseline",
                                                "first_seen"};
constexpr std::string_view k_value_sum_keys[] = {"field", "by", "within", "gte"};
constexpr std::string_view k_temporal_keys[] = {"rules", "by", "within"};
constexpr std::string_view k_baseline_keys[] = {"by", "sum", "slots", "alpha", "warmup", "new_keys",
                                                "z",  "ratio", "min", "ttl"};
constexpr std::string_view k_first_seen_keys[] = {"field", "by", "learn", "ttl", "max_values", "teach"};
constexpr std::string_view k_teach_keys[] = {"where", "field"};
constexpr std::string_view k_event_count_keys[] = {"by", "within", "gte"};
constexpr std::string_view k_value_count_keys[] = {"field", "by", "within", "gte"};
constexpr std::string_view k_suppress_keys[] = {"for", "by"};
constexpr std::string_view k_test_keys[] = {"name", "events", "expect"};
constexpr std::string_view k_ops[] = {"equals", "in",  "prefix", "suffix", "contains",
                                      "regex",  "gt",  "gte",    "lt",     "lte",
                                      "cidr",   "hour_between", "weekday_in", "holiday", "workday",
                                      "exists", "nocase", "validate"};
constexpr std::string_view k_alert_keys[] = {"rule.id",   "user.id",   "user.name",
                                             "corp.id",   "source.ip", "destination.domain",
                                             "destination.ip", "count", "suppressed",
                                             "message",   "severity",  "family",
                                             "source.country", "destination.country"};
constexpr std::string_view k_weekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::vector<std::string_view> field_names() {
  std::vector<std::string_view> v;
  for (const auto& f : fields()) v.push_back(f.name);
  return v;
}

constexpr std::string_view k_file_too_large_hint = "split it into several files: a directory loads all of them";

std::string file_too_large(std::uintmax_t bytes, std::size_t limit) {
  return fmt::format("rule file of {} bytes is over the limit of {} bytes", bytes, limit);
}

struct pattern_request {
  field_id field;
  std::uint32_t leaf;
  std::string expression;
  unsigned flags;
  source_location where;
  std::string written;  ///< as the rule wrote it, for diagnostics
};

struct list_def {
  std::vector<std::string> values;
  source_location where;
};

struct macro_def {
  YAML::Node node;
  std::string file;
  source_location where;
  int state = 0;  ///< 0 not compiled, 1 compiling, 2 done
  std::uint32_t root = 0;
  std::set<field_id> reads;
};

class loader {
 public:
  explicit loader(const load_limits& limits) : limits_(limits), budget_(limits) {}

  load_result run(const std::vector<std::pair<std::string, std::string>>& files) {
    set_ = std::make_unique<rule_set>();
    std::vector<std::pair<std::string, YAML::Node>> docs;
    for (const auto& [name, text] : files) {
      file_ = name;
      if (text.size() > limits_.max_file_bytes) {
        diags_.error({name, 1, 1}, file_too_large(text.size(), limits_.max_file_bytes),
                     std::string(k_file_too_large_hint));
        continue;
      }
      try {
        YAML::Node doc = YAML::Load(text);
        if (!yaml_nodes_within(doc, limits_.max_yaml_nodes)) {
          diags_.error({name, 1, 1}, too_many_yaml_nodes(limits_.max_yaml_nodes), std::string(k_too_many_yaml_nodes_hint));
          continue;
        }
        if (is_sigma_document(doc)) {
          doc = import_sigma(text, name, diags_, limits_);  // docs/rules.md, "Sigma rules"
          // The translation shares a selection's nodes wherever the condition names it.
          if (!yaml_nodes_within(doc, limits_.max_yaml_nodes)) {
            diags_.error({name, 1, 1}, too_many_yaml_nodes(limits_.max_yaml_nodes),
                         "each use of a selection in `condition` repeats it: use `1 of`/`all of` over fewer, larger selections");
            continue;
          }
        }
        if (doc.IsNull()) {
          diags_.warning({name, 0, 0}, "empty rule file", "add a `rules:` list");
          continue;
        }
        if (!doc.IsMap()) {
          diags_.error(at(doc), "a rule file is a map with `lists`, `macros` and `rules`",
                       "start the file with `rules:` followed by a list of rules");
          continue;
        }
        check_keys(doc, k_top_keys, "top-level key");
        docs.emplace_back(name, doc);
      } catch (const YAML::Exception& e) {
        diags_.error({name, e.mark.line + 1, e.mark.column + 1},
                     fmt::format("YAML syntax: {}", e.msg),
                     "check indentation and quoting around this position");
      }
    }
    // Pass 1: lists and macros of every file, so rules anywhere can use them.
    for (const auto& [name, doc] : docs) {
      file_ = name;
      read_lists(doc["lists"]);
      read_macros(doc["macros"]);
      read_holidays(doc["holidays"]);
    }
    std::sort(set_->holidays.begin(), set_->holidays.end(),
              [](const holiday_entry& a, const holiday_entry& b) { return a.day < b.day; });
    // Rule ids of every file first, so correlations can name rules anywhere in the load.
    for (const auto& [name, doc] : docs) {
      const YAML::Node rules = doc["rules"];
      if (!rules || !rules.IsSequence()) continue;
      for (const auto& r : rules)
        if (r.IsMap() && r["id"] && r["id"].IsScalar()) all_ids_.insert(r["id"].Scalar());
    }
    // Pass 2: rules.
    for (const auto& [name, doc] : docs) {
      file_ = name;
      const YAML::Node rules = doc["rules"];
      if (!rules) continue;
      if (!rules.IsSequence()) {
        diags_.error(at(rules), "`rules` must be a list", "write each rule as `- id: …`");
        continue;
      }
      for (const auto& r : rules) {
        if (set_->rules.size() == limits_.max_rules) {
          diags_.error(at(r), fmt::format("more than {} rules in one load", limits_.max_rules),
                       "the rules from here on are not read; load fewer rule files");
          break;
        }
        read_rule(r);
      }
    }
    for (auto& [name, m] : macros_)
      if (m.state == 0) compile_macro_unused(name, m);
    if (calendar_use_ && set_->holidays.empty())
      diags_.warning(*calendar_use_, "`holiday`/`workday` without a holiday calendar in this load: only weekends count",
                     "load the default pack's holidays.yaml too, or add `holidays:` (docs/rules.md)");
    resolve_correlations();
    check_expanded_sizes();
    build_databases();

    load_result result;
    result.files = files.size();
    if (!diags_.has_errors()) {
      set_->database_of_field.assign(fields().size(), -1);
      for (std::size_t i = 0; i < set_->databases.size(); ++i)
        set_->database_of_field[static_cast<std::size_t>(set_->databases[i].field)] =
            static_cast<int>(i);
      for (auto& n : set_->nodes)
        if (n.kind == cond_kind::pattern)
          n.database = static_cast<std::uint32_t>(
              set_->database_of_field[static_cast<std::size_t>(n.field)]);
      classify_rules(*set_);
      compute_fingerprints(*set_);
      result.rules = std::move(set_);
    }
    result.problems = std::move(diags_);
    return result;
  }

  diagnostics& diags() { return diags_; }

 private:
  /// Refuses conditions too large once their macros are expanded (`max_condition_nodes`).
  void check_expanded_sizes() {
    const std::vector<std::uint64_t> size =
        expanded_weights(*set_, limits_.max_condition_nodes + 1, [](const cond_node&) -> std::uint64_t { return 1; });
    const auto expanded = [&](std::uint32_t index) -> std::uint64_t {
      return index < size.size() ? size[index] : 1;  // a rule that failed to load has no condition yet
    };
    for (const auto& r : set_->rules) {
      std::uint64_t largest = expanded(r.condition);
      for (const auto e : r.exceptions) largest = std::max(largest, expanded(e));
      for (const auto& st : r.steps)
        if (st.rule < 0) largest = std::max(largest, expanded(st.condition));
      if (largest <= limits_.max_condition_nodes) continue;
      diags_.error(r.where,
                   fmt::format("rule '{}' has a condition of more than {} tests once its macros are expanded",
                               r.id, limits_.max_condition_nodes),
                   "a macro used twice inside a macro used twice… doubles at every level; test the common part "
                   "once, or use a list of values instead of alternatives");
    }
  }

  // ---- helpers ----------------------------------------------------------------

  source_location at(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};
  }

  void check_keys(const YAML::Node& map, std::span<const std::string_view> allowed,
                  std::string_view what) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const auto key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        diags_.error(at(it->first), fmt::format("unknown {} '{}'", what, key),
                     did_you_mean(key, allowed));
    }
  }

  std::optional<std::string> scalar(const YAML::Node& n, std::string_view what) {
    if (!n.IsScalar()) {
      diags_.error(at(n), fmt::format("{} must be a single value", what),
                   n.IsSequence() ? "remove the brackets or dashes" : "write it on one line");
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<std::int64_t> integer(const YAML::Node& n, std::string_view what,
                                      std::int64_t min) {
    const auto s = scalar(n, what);
    if (!s) return std::nullopt;
    std::int64_t v = 0;
    const auto r = std::from_chars(s->data(), s->data() + s->size(), v);
    if (r.ec != std::errc() || r.ptr != s->data() + s->size() || v < min) {
      diags_.error(at(n), fmt::format("{} must be an integer ≥ {}, not '{}'", what, min, *s));
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::int64_t> duration(const YAML::Node& n, std::string_view what) {
    const auto s = scalar(n, what);
    if (!s) return std::nullopt;
    const auto d = parse_duration_text(*s);
    if (!d)
      diags_.error(at(n), fmt::format("{}: '{}' is not a duration", what, *s),
                   "write a positive number followed by s, m, h or d, e.g. 10m or 1h");
    return d;
  }

  const field_info* field(const YAML::Node& n, std::string_view what) {
    const auto s = scalar(n, what);
    if (!s) return nullptr;
    const field_info* f = find_field(*s);
    if (f == nullptr) {
      const auto names = field_names();
      diags_.error(at(n), fmt::format("unknown field '{}'", *s),
                   did_you_mean(*s, names) + " (docs/rules.md lists every field)");
    }
    return f;
  }

  std::vector<field_id> field_list(const YAML::Node& n, std::string_view what) {
    std::vector<field_id> out;
    if (n.IsScalar()) {
      if (const auto* f = field(n, what)) out.push_back(f->id);
      return out;
    }
    if (!n.IsSequence()) {
      diags_.error(at(n), fmt::format("{} must be a list of fields", what), "e.g. [corp.id, user.id]");
      return out;
    }
    for (const auto& e : n)
      if (const auto* f = field(e, what)) out.push_back(f->id);
    return out;
  }

  std::uint32_t add(cond_node n) {
    set_->nodes.push_back(std::move(n));
    return static_cast<std::uint32_t>(set_->nodes.size() - 1);
  }

  std::uint32_t always() { return add({}); }

  /// Whether `a` admits; reports its diagnostic at `where` when it does not.
  bool spend(const admission& a, const YAML::Node& where) {
    if (!a.message.empty()) diags_.error(at(where), a.message, a.hint);
    return a.ok;
  }

  // ---- lists and macros --------------------------------------------------------

  void read_lists(const YAML::Node& n) {
    if (!n) return;
    if (!n.IsMap()) {
      diags_.error(at(n), "`lists` must map names to lists of values",
                   "e.g. lists: {service_accounts: [hr-bot, backup]}");
      return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string name = it->first.Scalar();
      if (lists_.count(name)) {
        diags_.error(at(it->first), fmt::format("list '{}' is defined twice", name),
                     fmt::format("first defined at {}:{}", lists_[name].where.file,
                                 lists_[name].where.line));
        continue;
      }
      list_def def;
      def.where = at(it->first);
      if (!it->second.IsSequence()) {
        diags_.error(at(it->second), fmt::format("list '{}' must be a list of values", name),
                     "write [a, b, c] or one `- value` per line");
      } else {
        const YAML::Node values = it->second;  // a copy: it-> returns a proxy that dies before the loop
        for (const auto& v : values)
          if (const auto s = scalar(v, "a list value")) def.values.push_back(*s);
      }
      lists_[name] = std::move(def);
    }
  }

  void read_macros(const YAML::Node& n) {
    if (!n) return;
    if (!n.IsMap()) {
      diags_.error(at(n), "`macros` must map names to conditions",
                   "e.g. macros: {is_download: {event.action: [download, export]}}");
      return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string name = it->first.Scalar();
      if (macros_.count(name)) {
        diags_.error(at(it->first), fmt::format("macro '{}' is defined twice", name));
        continue;
      }
      if (find_field(name) != nullptr)
        diags_.error(at(it->first), fmt::format("macro '{}' has the name of a field", name),
                     "rename it, e.g. is_" + name);
      macro_def m;
      m.node = it->second;
      m.file = file_;
      m.where = at(it->first);
      macros_[name] = std::move(m);
    }
  }

  /// `holidays: {YYYY-MM-DD: name…}` (Macau dates), shared by every file of the load.
  void read_holidays(const YAML::Node& n) {
    if (!n) return;
    if (!n.IsMap()) {
      diags_.error(at(n), "`holidays` must map dates to names",
                   "e.g. holidays: {2026-10-01: National Day, 2026-12-20: MSAR Establishment Day}");
      return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string date = it->first.Scalar();
      std::int64_t ms = 0;
      const std::string midnight = date + " 00:00:00";
      if (date.size() != 10 || !parse_macau_local(midnight.data(), midnight.size(), ms)) {
        diags_.error(at(it->first), fmt::format("'{}' is not a date", date), "write YYYY-MM-DD, e.g. 2026-10-01");
        continue;
      }
      const auto day = static_cast<std::int32_t>((ms + k_macau_offset_ms) / 86'400'000);
      const auto [first, fresh] = holiday_at_.emplace(day, at(it->first));
      if (!fresh) {
        diags_.error(at(it->first), fmt::format("holiday {} is listed twice", date),
                     fmt::format("first listed at {}:{}:{}", first->second.file, first->second.line,
                                 first->second.column));
        continue;
      }
      std::string name;
      if (it->second.IsScalar()) name = it->second.Scalar();
      else diags_.error(at(it->second), fmt::format("holiday {} needs a name", date), "e.g. 2026-10-01: National Day");
      set_->holidays.push_back({day, std::move(name)});
    }
  }

  std::optional<std::uint32_t> use_macro(const std::string& name, const YAML::Node& ref) {
    const auto it = macros_.find(name);
    if (it == macros_.end()) return std::nullopt;
    macro_def& m = it->second;
    if (m.state == 1) {
      diags_.error(at(ref), fmt::format("macro '{}' is used inside its own definition", name),
                   "a macro may use other macros, but not in a cycle");
      return always();
    }
    if (m.state == 0) {
      m.state = 1;
      const std::string saved_file = file_;
      std::set<field_id>* saved_reads = reads_;
      file_ = m.file;
      reads_ = &m.reads;
      m.root = condition(m.node);
      file_ = saved_file;
      reads_ = saved_reads;
      m.state = 2;
    }
    if (reads_) reads_->insert(m.reads.begin(), m.reads.end());
    return m.root;
  }

  void compile_macro_unused(const std::string& name, macro_def& m) {
    // Unused macros are still checked so their mistakes are reported.
    std::set<field_id>* saved = reads_;
    reads_ = nullptr;
    use_macro(name, m.node);
    reads_ = saved;
    diags_.warning(m.where, fmt::format("macro '{}' is not used by any rule", name));
  }

  std::string macro_hint(const std::string& name) const {
    std::vector<std::string_view> names;
    for (const auto& [k, _] : macros_) names.push_back(k);
    const std::string n = nearest(name, names);
    if (!n.empty()) return fmt::format("did you mean '{}'?", n);
    return "define it under `macros:`, or write a map of field: value";
  }

  // ---- conditions ----------------------------------------------------------------

  std::uint32_t condition(const YAML::Node& n) {
    const nesting_guard guard(depth_);
    if (depth_ > limits_.max_condition_depth) {
      diags_.error(at(n), fmt::format("conditions nest deeper than {} levels", limits_.max_condition_depth),
                   "flatten the condition: a macro, or one `any:`/`all:` list instead of nested ones");
      return always();
    }
    if (!n || n.IsNull()) {
      diags_.error(at(n), "empty condition", "write a map of field: value, or a macro name");
      return always();
    }
    if (n.IsScalar()) {
      if (const auto m = use_macro(n.Scalar(), n)) return *m;
      diags_.error(at(n), fmt::format("'{}' is not a macro", n.Scalar()), macro_hint(n.Scalar()));
      return always();
    }
    if (n.IsSequence()) {
      diags_.error(at(n), "a condition is a map, not a list",
                   "wrap the list in `all:` (every item) or `any:` (at least one)");
      return always();
    }
    std::vector<std::uint32_t> parts;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string key = it->first.Scalar();
      const YAML::Node v = it->second;  // a copy: it-> returns a proxy that dies with this statement
      if (key == "all" || key == "any") {
        cond_node c;
        c.kind = key == "all" ? cond_kind::all : cond_kind::any;
        if (!v.IsSequence() || v.size() == 0) {
          diags_.error(at(v), fmt::format("`{}` takes a non-empty list of conditions", key),
                       fmt::format("{}: [{{event.kind: audit}}, {{…}}]", key));
        } else {
          for (const auto& e : v) c.children.push_back(condition(e));
        }
        parts.push_back(add(std::move(c)));
      } else if (key == "not") {
        cond_node c;
        c.kind = cond_kind::negate;
        c.children.push_back(condition(v));
        parts.push_back(add(std::move(c)));
      } else if (key == "macro") {
        if (const auto s = scalar(v, "macro")) {
          if (const auto m = use_macro(*s, v)) parts.push_back(*m);
          else diags_.error(at(v), fmt::format("no macro named '{}'", *s), macro_hint(*s));
        }
      } else {
        const field_info* f = find_field(key);
        if (f == nullptr) {
          auto names = field_names();
          for (auto k : {"all", "any", "not", "macro"}) names.push_back(k);
          diags_.error(at(it->first), fmt::format("unknown field '{}'", key),
                       did_you_mean(key, names) + " (docs/rules.md lists every field)");
          continue;
        }
        if (reads_) reads_->insert(f->id);
        parts.push_back(matcher(*f, v));
      }
    }
    if (parts.size() == 1) return parts[0];
    cond_node c;
    c.kind = parts.empty() ? cond_kind::always : cond_kind::all;
    c.children = std::move(parts);
    return add(std::move(c));
  }

  /// Values of an op argument: a scalar or a list; `$name` expands a list, and a bare
  /// scalar names a list when `bare_list` (the `in` op).
  std::vector<std::string> values(const YAML::Node& n, bool bare_list, std::string_view op) {
    std::vector<std::string> out;
    auto one = [&](const YAML::Node& e, bool may_be_list) {
      if (!e.IsScalar()) {
        diags_.error(at(e), fmt::format("`{}` values must be plain values", op),
                     "nested lists and maps are not allowed here");
        return;
      }
      const std::string& s = e.Scalar();
      std::string list_name;
      if (s.size() > 1 && s[0] == '$') list_name = s.substr(1);
      else if (may_be_list) list_name = s;
      if (!list_name.empty()) {
        const auto it = lists_.find(list_name);
        if (it != lists_.end()) {
          if (spend(budget_.values(it->second.values.size()), e))
            out.insert(out.end(), it->second.values.begin(), it->second.values.end());
          return;
        }
        if (s[0] == '$' || may_be_list) {
          std::vector<std::string_view> names;
          for (const auto& [k, _] : lists_) names.push_back(k);
          const std::string close = nearest(list_name, names);
          diags_.error(at(e), fmt::format("no list named '{}'", list_name),
                       !close.empty() ? fmt::format("did you mean '{}'?", close)
                       : s[0] != '$'  ? std::string("define it under `lists:`, or write [value] for one value")
                                      : std::string("define it under `lists:`"));
          return;
        }
      }
      if (spend(budget_.values(1), e)) out.push_back(s);
    };
    if (n.IsSequence()) {
      if (n.size() == 0) diags_.error(at(n), fmt::format("`{}` needs at least one value", op));
      for (const auto& e : n) one(e, false);
    } else {
      one(n, bare_list);
    }
    return out;
  }

  std::uint32_t pattern_leaf(const field_info& f, const YAML::Node& where,
                             const std::vector<std::string>& written,
                             const std::vector<std::string>& expressions, unsigned flags,
                             const validator& check = {}) {
    cond_node c;
    c.kind = cond_kind::pattern;
    c.field = f.id;
    c.leaf = set_->leaf_count++;
    flags |= check.active() ? k_validated_flags : k_plain_flags;
    for (std::size_t i = 0; i < expressions.size(); ++i)
      if (spend(budget_.pattern(f.name, expressions[i], written[i], check.active()), where))
        patterns_.push_back({f.id, c.leaf, expressions[i], flags, at(where), written[i]});
    set_->leaves.push_back({f.id, expressions, flags, check});
    return add(std::move(c));
  }

  bool require_type(const field_info& f, const YAML::Node& where, std::string_view op,
                    std::initializer_list<field_type> ok) {
    if (std::find(ok.begin(), ok.end(), f.type) != ok.end()) return true;
    const bool numeric = f.type == field_type::number;
    diags_.error(at(where),
                 fmt::format("`{}` does not apply to {} field '{}'", op,
                             numeric ? "number" : f.type == field_type::boolean ? "boolean" : "string",
                             f.name),
                 numeric ? "numbers take equals, in, gt, gte, lt, lte (and hour_between/weekday_in for timestamp)"
                         : "strings take equals, in, prefix, suffix, contains, regex, cidr, exists");
    return false;
  }

  std::optional<double> number(const std::string& s, const YAML::Node& where) {
    double v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return v;
    diags_.error(at(where), fmt::format("'{}' is not a number", s));
    return std::nullopt;
  }

  std::uint32_t equals_in(const field_info& f, const YAML::Node& arg, bool bare_list,
                          std::string_view op, bool nocase) {
    const auto vals = values(arg, bare_list, op);
    if (f.type == field_type::number) {
      cond_node c;
      c.kind = cond_kind::num_in;
      c.field = f.id;
      for (const auto& v : vals)
        if (const auto d = number(v, arg)) c.numbers.push_back(*d);
      return add(std::move(c));
    }
    if (f.type == field_type::boolean)
      for (const auto& v : vals)
        if (v != "true" && v != "false")
          diags_.error(at(arg), fmt::format("'{}' is not true or false", v),
                       fmt::format("'{}' is a boolean field", f.name));
    if (nocase) {
      std::vector<std::string> exprs;
      for (const auto& v : vals) exprs.push_back("^" + escape_literal(v) + "\\z");
      return pattern_leaf(f, arg, vals, exprs, HS_FLAG_CASELESS);
    }
    if (!enum_names(f.id).empty()) return enum_in(f, arg, vals);
    cond_node c;
    c.kind = cond_kind::str_in;
    c.field = f.id;
    c.strings = vals;
    std::sort(c.strings.begin(), c.strings.end(), shorter_first);
    c.strings.erase(std::unique(c.strings.begin(), c.strings.end()), c.strings.end());
    return add(std::move(c));
  }

  /// `event.kind`, `event.action`, `event.topic`: codes, tested as bits per event.
  std::uint32_t enum_in(const field_info& f, const YAML::Node& arg, const std::vector<std::string>& vals) {
    cond_node c;
    c.kind = cond_kind::enum_in;
    c.field = f.id;
    const auto names = enum_names(f.id);
    for (const auto& v : vals) {
      const auto code = std::find(names.begin(), names.end(), v) - names.begin();
      if (code < std::ssize(names)) {
        c.bits |= 1u << code;
        continue;
      }
      const std::string near = nearest(v, names);
      diags_.warning(at(arg), fmt::format("'{}' is never a value of {}: this test never holds", v, f.name),
                     near.empty() ? fmt::format("{} is one of: {}", f.name, fmt::join(names, " "))
                                  : fmt::format("did you mean '{}'?", near));
    }
    return add(std::move(c));
  }

  std::uint32_t op_node(const field_info& f, const std::string& op, const YAML::Node& arg,
                        bool nocase, const validator& check) {
    if (op == "equals") return equals_in(f, arg, false, op, nocase);
    if (op == "in") return equals_in(f, arg, true, op, nocase);
    if (op == "prefix" || op == "suffix" || op == "contains" || op == "regex") {
      if (!require_type(f, arg, op, {field_type::string})) return always();
      const auto vals = values(arg, false, op);
      std::vector<std::string> exprs;
      for (const auto& v : vals) {
        if (v.empty()) {
          diags_.error(at(arg), fmt::format("`{}` with an empty value matches everything", op),
                       "use `exists: true` to test that a field is present");
          continue;
        }
        if (op == "regex") exprs.push_back(v);
        else if (op == "prefix") exprs.push_back("^" + escape_literal(v));
        else if (op == "suffix") exprs.push_back(escape_literal(v) + "\\z");
        else exprs.push_back(escape_literal(v));
      }
      std::vector<std::string> shown = vals;
      shown.resize(exprs.size());
      if (exprs.size() != vals.size()) shown = exprs;
      return pattern_leaf(f, arg, shown, exprs, nocase ? HS_FLAG_CASELESS : 0, check);
    }
    if (op == "gt" || op == "gte" || op == "lt" || op == "lte") {
      if (!require_type(f, arg, op, {field_type::number})) return always();
      cond_node c;
      c.kind = cond_kind::num_cmp;
      c.field = f.id;
      c.cmp = op == "gt" ? cmp_op::gt : op == "gte" ? cmp_op::gte : op == "lt" ? cmp_op::lt : cmp_op::lte;
      if (const auto s = scalar(arg, op))
        if (const auto d = number(*s, arg)) c.numbers.push_back(*d);
      if (c.numbers.empty()) return always();
      return add(std::move(c));
    }
    if (op == "cidr") {
      if (!require_type(f, arg, op, {field_type::string})) return always();
      cond_node c;
      c.kind = cond_kind::cidr;
      c.field = f.id;
      for (const auto& v : values(arg, false, op)) {
        c.strings.push_back(v);  // as written, for the rule's fingerprint
        if (const auto net = cidr::parse(v)) c.nets.add(*net);
        else diags_.error(at(arg), fmt::format("'{}' is not a CIDR", v),
                          "write an address with a prefix length, e.g. 202.175.0.0/16 or 2001:db8::/32");
      }
      return add(std::move(c));
    }
    if (op == "hour_between" || op == "weekday_in") {
      if (f.id != field_id::timestamp) {
        diags_.error(at(arg), fmt::format("`{}` applies to `timestamp`, not '{}'", op, f.name),
                     fmt::format("write timestamp: {{{}: …}}", op));
        return always();
      }
      cond_node c;
      c.field = f.id;
      if (op == "hour_between") {
        c.kind = cond_kind::hour_between;
        bool ok = arg.IsSequence() && arg.size() == 2;
        if (ok) {
          const auto a = integer(arg[0], "hour_between start", 0);
          const auto b = integer(arg[1], "hour_between end", 0);
          ok = a && b && *a <= 24 && *b <= 24 && *a != *b;
          if (ok) {
            c.from = static_cast<int>(*a);
            c.to = static_cast<int>(*b);
          }
        }
        if (!ok) {
          diags_.error(at(arg), "`hour_between` takes [FROM, TO], two different hours 0–24",
                       "[22, 6] means 22:00 to 05:59 Macau time, across midnight");
          return always();
        }
      } else {
        c.kind = cond_kind::weekday_in;
        for (const auto& v : values(arg, false, op)) {
          std::string lower = v;
          for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          lower = lower.substr(0, 3);
          const auto* w = std::find(std::begin(k_weekdays), std::end(k_weekdays), lower);
          if (w == std::end(k_weekdays)) diags_.error(at(arg), fmt::format("'{}' is not a weekday", v), "use mon, tue, wed, thu, fri, sat, sun");
          else c.mask |= static_cast<std::uint8_t>(1u << (w - std::begin(k_weekdays)));
        }
      }
      return add(std::move(c));
    }
    if (op == "holiday" || op == "workday") {
      if (f.id != field_id::timestamp) {
        diags_.error(at(arg), fmt::format("`{}` applies to `timestamp`, not '{}'", op, f.name),
                     fmt::format("write timestamp: {{{}: true}}", op));
        return always();
      }
      cond_node c;
      c.kind = op == "holiday" ? cond_kind::holiday : cond_kind::workday;
      c.field = f.id;
      if (const auto s = scalar(arg, op)) {
        if (*s == "true" || *s == "false") c.want = *s == "true";
        else diags_.error(at(arg), fmt::format("`{}` takes true or false", op),
                          op == "holiday" ? "holiday: true holds on the public holidays of `holidays:`"
                                          : "workday: false holds on Saturdays, Sundays and holidays");
      }
      calendar_use_ = at(arg);
      return add(std::move(c));
    }
    if (op == "exists") {
      cond_node c;
      c.kind = cond_kind::exists;
      c.field = f.id;
      if (const auto s = scalar(arg, "exists")) {
        if (*s == "true") c.want = true;
        else if (*s == "false") c.want = false;
        else diags_.error(at(arg), "`exists` takes true or false");
      }
      return add(std::move(c));
    }
    diags_.error(at(arg), fmt::format("unknown operator '{}'", op), did_you_mean(op, k_ops));
    return always();
  }

  /// `validate: NAME` or `validate: {range: [MIN, MAX]}`.
  validator read_validator(const YAML::Node& n) {
    validator v;
    const auto names = validator_names();
    const std::string hint = fmt::format("validators: {}; range takes bounds: {{range: [1, 31]}}", fmt::join(names, ", "));
    if (n.IsMap() && n.size() == 1 && n.begin()->first.Scalar() == "range") {
      const YAML::Node b = n.begin()->second;
      std::optional<double> lo, hi;
      if (b.IsSequence() && b.size() == 2 && b[0].IsScalar() && b[1].IsScalar()) {
        lo = number(b[0].Scalar(), b[0]);
        hi = number(b[1].Scalar(), b[1]);
      }
      if (!lo || !hi || *lo > *hi) {
        diags_.error(at(b), "`range` takes [MIN, MAX] with MIN ≤ MAX", "e.g. validate: {range: [1, 31]}");
        return v;
      }
      return {validator_kind::range, *lo, *hi};
    }
    if (!n.IsScalar()) {
      diags_.error(at(n), "`validate` names one validator", hint);
      return v;
    }
    const std::string& name = n.Scalar();
    v.kind = find_validator(name);
    if (v.kind == validator_kind::range) {
      diags_.error(at(n), "validator 'range' needs its bounds", "write validate: {range: [MIN, MAX]}");
      v.kind = validator_kind::none;
    } else if (v.kind == validator_kind::none) {
      const std::string close = nearest(name, names);
      diags_.error(at(n), fmt::format("unknown validator '{}'", name),
                   !close.empty() ? fmt::format("did you mean '{}'? ({})", close, hint) : hint);
    }
    return v;
  }

  std::uint32_t matcher(const field_info& f, const YAML::Node& v) {
    if (v.IsScalar()) return equals_in(f, v, false, "equals", false);
    if (v.IsSequence()) return equals_in(f, v, false, "in", false);
    if (!v.IsMap()) {
      diags_.error(at(v), fmt::format("no value for field '{}'", f.name),
                   "write field: value, field: [a, b] or field: {op: value}");
      return always();
    }
    bool nocase = false;
    if (const YAML::Node n = v["nocase"]) {
      if (const auto s = scalar(n, "nocase")) {
        if (*s == "true") nocase = true;
        else if (*s != "false") diags_.error(at(n), "`nocase` takes true or false");
      }
    }
    validator check;
    const YAML::Node validate_node = v["validate"];
    if (validate_node) check = read_validator(validate_node);
    std::vector<std::uint32_t> parts;
    bool patterns = false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string op = it->first.Scalar();
      if (op == "nocase" || op == "validate") continue;
      if (std::find(std::begin(k_ops), std::end(k_ops), op) == std::end(k_ops)) {
        diags_.error(at(it->first), fmt::format("unknown operator '{}'", op), did_you_mean(op, k_ops));
        continue;
      }
      patterns = patterns || op == "regex" || op == "contains" || op == "prefix" || op == "suffix";
      parts.push_back(op_node(f, op, it->second, nocase, check));
    }
    if (validate_node && !patterns)
      diags_.error(at(validate_node), "`validate` checks what a pattern matched, and this matcher has no pattern",
                   "use it beside regex, contains, prefix or suffix, e.g. {regex: '\\d{18}', validate: prc_id}");
    if (parts.size() == 1) return parts[0];
    if (parts.empty()) {
      diags_.error(at(v), fmt::format("no operator for field '{}'", f.name),
                   "e.g. {contains: word} or {gte: 10}");
      return always();
    }
    cond_node c;
    c.kind = cond_kind::all;
    c.children = std::move(parts);
    return add(std::move(c));
  }

  // ---- rules -------------------------------------------------------------------

  template <typename E, std::size_t N>
  std::optional<E> enum_value(const YAML::Node& n, std::string_view what,
                              const std::array<std::string_view, N>& names) {
    const auto s = scalar(n, what);
    if (!s) return std::nullopt;
    for (std::size_t i = 0; i < N; ++i)
      if (names[i] == *s) return static_cast<E>(i);
    diags_.error(at(n), fmt::format("{} '{}' is not one of {}", what, *s, fmt::join(names, " | ")),
                 did_you_mean(*s, names));
    return std::nullopt;
  }

  void read_rule(const YAML::Node& r) {
    if (!r.IsMap()) {
      diags_.error(at(r), "a rule must be a map", "start it with `- id: …`");
      return;
    }
    check_keys(r, k_rule_keys, "rule key");
    compiled_rule rule;
    rule.where = at(r);
    auto required = [&](const char* key, const char* hint) -> YAML::Node {
      const YAML::Node n = r[key];
      if (!n)
        diags_.error(at(r), fmt::format("rule {}has no `{}`", rule.id.empty() ? "" : "'" + rule.id + "' ", key), hint);
      return n;
    };
    if (const YAML::Node n = required("id", "give every rule a stable id, e.g. id: DW-AA-101")) {
      if (const auto s = scalar(n, "id")) {
        rule.id = *s;
        const auto [it, fresh] = ids_.emplace(*s, at(n));
        if (!fresh)
          diags_.error(at(n), fmt::format("rule id '{}' is used twice", *s),
                       fmt::format("first used at {}:{}:{}", it->second.file, it->second.line,
                                   it->second.column));
      }
    }
    if (const YAML::Node n = required("name", "a short title, e.g. name: Bulk download"))
      if (const auto s = scalar(n, "name")) rule.name = *s;
    if (const YAML::Node n = required("family", "family: excessive_collection | anomalous_access | cross_border"))
      if (const auto v = enum_value<dingwatch::family>(
              n, "family",
              std::array<std::string_view, 3>{"excessive_collection", "anomalous_access", "cross_border"}))
        rule.family = *v;
    if (const YAML::Node n = required("severity", "severity: low | medium | high | critical"))
      if (const auto v = enum_value<dingwatch::severity>(
              n, "severity", std::array<std::string_view, 4>{"low", "medium", "high", "critical"}))
        rule.severity = *v;
    if (const YAML::Node n = required("pdpa", "the PDPA (Law 8/2005) articles at stake, e.g. pdpa: [\"5\", \"7\"]")) {
      if (n.IsSequence() && n.size() > 0) {
        for (const auto& a : n)
          if (const auto s = scalar(a, "a pdpa article")) rule.pdpa.push_back(*s);
      } else {
        diags_.error(at(n), "`pdpa` must be a non-empty list of article numbers", "e.g. pdpa: [\"19\", \"20\"]");
      }
    }
    if (const YAML::Node n = r["mitre"])
      if (const auto s = scalar(n, "mitre")) rule.mitre = *s;
    if (const YAML::Node n = r["version"])
      if (const auto v = integer(n, "version", 1)) rule.version = static_cast<int>(*v);
    if (const YAML::Node n = r["description"])
      if (const auto s = scalar(n, "description")) rule.description = *s;
    if (const YAML::Node n = r["generate"]) {
      if (const auto s = scalar(n, "generate")) {
        if (*s == "true" || *s == "false") rule.generate = *s == "true";
        else diags_.error(at(n), "`generate` takes true or false",
                          "generate: false makes a building block that only feeds correlations");
      }
    }

    std::set<field_id> reads;
    reads_ = &reads;
    if (const YAML::Node d = required("detection", "detection: {where: {event.kind: audit}}")) read_detection(d, rule);
    reads_ = nullptr;
    if (const YAML::Node s = r["suppress"]) read_suppress(s, rule);
    if (const YAML::Node e = r["exceptions"]) {
      if (!e.IsSequence())
        diags_.error(at(e), "`exceptions` must be a list of conditions",
                     "each item silences the rule when it holds, e.g. - user.id: {in: service_accounts}");
      else
        for (const auto& c : e) rule.exceptions.push_back(condition(c));
    }
    for (auto f : rule.by) reads.insert(f);
    for (const auto& st : rule.steps) reads.insert(st.by.begin(), st.by.end());
    if (rule.stateful == stateful_kind::value_count || rule.stateful == stateful_kind::value_sum ||
        rule.stateful == stateful_kind::first_seen ||
        (rule.stateful == stateful_kind::baseline && rule.baseline_sum))
      reads.insert(rule.value_field);
    reads.erase(field_id::timestamp);
    reads.erase(field_id::event_kind);  // implied by the rule
    rule.evidence.assign(reads.begin(), reads.end());

    if (const YAML::Node m = r["message"]) {
      if (const auto s = scalar(m, "message")) read_message(*s, m, rule);
    } else {
      std::string text = "{rule.name}: {user.id} ({count} in {window})";
      switch (rule.stateful) {
        case stateful_kind::none: text = "{rule.name}: {user.id}"; break;
        case stateful_kind::temporal:
        case stateful_kind::temporal_ordered: text = "{rule.name}: {user.id} ({count} steps within {window})"; break;
        case stateful_kind::baseline: text = "{rule.name}: {user.id} ({count} this hour, usually {expected})"; break;
        case stateful_kind::first_seen:
          text = fmt::format("{{rule.name}}: {{user.id}} first seen with {0} {{{0}}}", info(rule.value_field).name);
          break;
        default: break;
      }
      read_message(text, r, rule);
    }
    if (const YAML::Node t = r["tests"]) {
      if (!t.IsSequence())
        diags_.error(at(t), "`tests` must be a list", "- {events: [...], expect: 1}");
      else
        for (const auto& tc : t) read_test(tc, rule);
    } else {
      diags_.warning(rule.where, rule.id.empty() ? std::string("rule has no tests")
                                                 : fmt::format("rule '{}' has no tests", rule.id),
                     "add `tests:` with events that fire it and events that must not");
    }
    set_->rules.push_back(std::move(rule));
  }

  void read_detection(const YAML::Node& d, compiled_rule& rule) {
    if (!d.IsMap()) {
      diags_.error(at(d), "`detection` must be a map", "detection: {where: …, event_count: …}");
      rule.condition = always();
      return;
    }
    check_keys(d, k_detection_keys, "detection key");
    // At most one stateful part.
    YAML::Node s;
    std::string_view kind;
    for (const auto k : k_stateful_keys) {
      const YAML::Node n = d[std::string(k)];
      if (!n) continue;
      if (!kind.empty()) {
        diags_.error(at(n), fmt::format("a rule has one stateful part: `{}` or `{}`, not both", kind, k),
                     "split it into two rules (a correlation can combine them)");
        continue;
      }
      s = n;
      kind = k;
    }
    const bool correlation = kind == "temporal" || kind == "temporal_ordered";
    if (const YAML::Node w = d["where"]) {
      if (correlation)
        diags_.error(at(w), fmt::format("a `{}` rule has no `where`", kind),
                     "its steps are the conditions: name rules or macros under `rules:`");
      rule.condition = condition(w);
    } else {
      if (!correlation)
        diags_.error(at(d), "detection has no `where`", "where: {event.kind: audit, event.action: download}");
      rule.condition = always();
    }
    if (const YAML::Node mk = d["max_keys"])
      if (const auto v = integer(mk, "max_keys", 1)) rule.max_keys = static_cast<std::size_t>(*v);
    if (kind.empty()) return;
    if (!s.IsMap()) {
      diags_.error(at(s), fmt::format("`{}` must be a map", kind), "e.g. {by: [user.id], within: 1h, gte: 30}");
      return;
    }
    rule.by = {field_id::corp_id, field_id::user_id};
    auto read_by = [&] {
      if (const YAML::Node b = s["by"]) rule.by = field_list(b, "by");
    };
    auto read_within = [&](const char* key, bool required, std::string_view example) {
      if (const YAML::Node w = s[key]) {
        if (const auto ms = duration(w, key)) rule.within_ms = *ms;
        rule.within_text = w.IsScalar() ? w.Scalar() : "";
      } else if (required) {
        diags_.error(at(s), fmt::format("no `{}` window", key), fmt::format("e.g. {}: {}", key, example));
      }
    };
    auto read_field = [&](bool numeric) {
      if (const YAML::Node f = s["field"]) {
        if (const auto* fi = field(f, "field")) {
          rule.value_field = fi->id;
          if (numeric && fi->type != field_type::number)
            diags_.error(at(f), fmt::format("`{}` sums numbers; '{}' is a string field", kind, fi->name),
                         "number fields: flow.bytes, flow.records, file.size, target.count …");
        }
      } else {
        diags_.error(at(s), fmt::format("{} has no `field`", kind),
                     numeric ? "the number field summed, e.g. field: flow.records"
                             : "the field whose values are tracked, e.g. field: source.ip");
      }
    };
    auto read_gte = [&](bool bounded) {
      if (const YAML::Node g = s["gte"]) {
        if (const auto v = integer(g, "gte", 1)) rule.threshold = *v;
        if (bounded && rule.threshold > 100'000)
          diags_.error(at(g), "gte above 100000 is not supported", "state per key is bounded by the threshold");
      } else {
        diags_.error(at(s), "no `gte` threshold", "e.g. gte: 30");
      }
    };
    auto real = [&](const char* key, double min, double max, double& out) {
      const YAML::Node n = s[key];
      if (!n) return false;
      const auto t = scalar(n, key);
      if (!t) return false;
      double v = 0;
      const auto r = std::from_chars(t->data(), t->data() + t->size(), v);
      if (r.ec != std::errc() || r.ptr != t->data() + t->size() || v < min || v > max) {
        diags_.error(at(n), fmt::format("{} must be a number in [{}, {}], not '{}'", key, min, max, *t));
        return false;
      }
      out = v;
      return true;
    };

    if (kind == "event_count" || kind == "value_count") {
      rule.stateful = kind == "event_count" ? stateful_kind::event_count : stateful_kind::value_count;
      check_keys(s, kind == "event_count" ? std::span<const std::string_view>(k_event_count_keys)
                                          : std::span<const std::string_view>(k_value_count_keys),
                 fmt::format("{} key", kind));
      read_by();
      read_within("within", true, "1h");
      read_gte(true);
      if (kind == "value_count") read_field(false);
    } else if (kind == "value_sum") {
      rule.stateful = stateful_kind::value_sum;
      check_keys(s, k_value_sum_keys, "value_sum key");
      read_by();
      read_within("within", true, "1d");
      read_gte(false);
      read_field(true);
    } else if (correlation) {
      rule.stateful = kind == "temporal" ? stateful_kind::temporal : stateful_kind::temporal_ordered;
      check_keys(s, k_temporal_keys, fmt::format("{} key", kind));
      read_within("within", true, "1h");
      read_steps(s, rule, kind);
    } else if (kind == "baseline") {
      rule.stateful = stateful_kind::baseline;
      check_keys(s, k_baseline_keys, "baseline key");
      read_by();
      if (const YAML::Node f = s["sum"]) {
        if (const auto* fi = field(f, "sum")) {
          rule.value_field = fi->id;
          rule.baseline_sum = true;
          if (fi->type != field_type::number)
            diags_.error(at(f), fmt::format("`sum` adds numbers; '{}' is a string field", fi->name),
                         "omit `sum` to count events, or name a number field such as file.size");
        }
      }
      if (const YAML::Node n = s["slots"]) {
        if (const auto t = scalar(n, "slots")) {
          if (*t == "hour_of_week") rule.slots = baseline_slots::hour_of_week;
          else if (*t == "hour_of_day") rule.slots = baseline_slots::hour_of_day;
          else diags_.error(at(n), fmt::format("slots '{}' is not hour_of_week | hour_of_day", *t),
                            "hour_of_week: 168 slots (~0.85 KiB per key); hour_of_day: 24 hours × weekday/weekend (~0.4 KiB)");
        }
      }
      real("alpha", 0.001, 1, rule.alpha);
      const bool has_z = real("z", 0.1, 1000, rule.z);
      const bool has_ratio = real("ratio", 1.01, 1e9, rule.ratio);
      if (!has_z && !has_ratio && !s["z"] && !s["ratio"])
        diags_.error(at(s), "baseline needs `z` or `ratio` (or both)",
                     "z: 4 fires above mean + 4σ; ratio: 10 fires above 10 × mean");
      if (!real("min", 0, 1e18, rule.min_value))
        if (!s["min"])
          diags_.error(at(s), "baseline has no `min`",
                       "the least a bucket must reach to fire, e.g. min: 20 (events) or min: 500000000 (bytes)");
      const std::int64_t period = rule.slots == baseline_slots::hour_of_week ? 7 * 86'400'000LL : 86'400'000LL;
      rule.warmup_ms = 3 * period;
      if (const YAML::Node w = s["warmup"]) {
        if (const auto ms = duration(w, "warmup")) {
          rule.warmup_ms = *ms;
          if (*ms < period)
            diags_.error(at(w), fmt::format("warmup {} is shorter than one round of the slots", w.Scalar()),
                         rule.slots == baseline_slots::hour_of_week
                             ? "hour_of_week needs at least 7d (each slot is seen once a week); 14d–21d is better"
                             : "hour_of_day needs at least 1d; 3d–7d is better");
        }
      }
      if (const YAML::Node n = s["new_keys"]) {
        if (const auto t = scalar(n, "new_keys")) {
          if (*t == "quiet") rule.quiet_new_keys = true;
          else if (*t != "warm_up")
            diags_.error(at(n), fmt::format("new_keys '{}' is not warm_up | quiet", *t),
                         "warm_up: a new key learns for `warmup` first; quiet: once the rule has watched for "
                         "`warmup`, a new key's history is taken as zeros and `min` decides");
        }
      }
      rule.within_ms = 35 * 86'400'000LL;
      rule.within_text = "1h";
      if (const YAML::Node t = s["ttl"])
        if (const auto ms = duration(t, "ttl")) rule.within_ms = *ms;
    } else if (kind == "first_seen") {
      rule.stateful = stateful_kind::first_seen;
      check_keys(s, k_first_seen_keys, "first_seen key");
      read_by();
      read_field(false);
      rule.learn_ms = 7 * 86'400'000LL;
      if (const YAML::Node l = s["learn"])
        if (const auto ms = duration(l, "learn")) rule.learn_ms = *ms;
      rule.within_ms = 30 * 86'400'000LL;
      rule.within_text = "30d";
      read_within("ttl", false, "30d");
      if (const YAML::Node m = s["max_values"])
        if (const auto v = integer(m, "max_values", 1)) {
          rule.max_values = static_cast<std::size_t>(*v);
          if (*v > 65536) diags_.error(at(m), "max_values above 65536 is not supported", "state per key is bounded by it");
        }
      if (const YAML::Node t = s["teach"]) read_teach(t, rule);
    }
  }

  /// first_seen `teach: {where: COND, field: FIELD}`: events meeting COND add their FIELD
  /// to the set without alerting. The rule then runs on `any: [where, COND]`.
  void read_teach(const YAML::Node& t, compiled_rule& rule) {
    const char* const hint = "teach: {where: {event.type: user_add_org}, field: target.user}";
    if (!t.IsMap()) {
      diags_.error(at(t), "`teach` must be a map", hint);
      return;
    }
    check_keys(t, k_teach_keys, "teach key");
    const YAML::Node w = t["where"], f = t["field"];
    if (!w || !f) {
      diags_.error(at(t), fmt::format("`teach` has no `{}`", w ? "field" : "where"), hint);
      return;
    }
    // What a teaching event reads is not evidence of the alerts, which it never raises.
    std::set<field_id>* const reads = std::exchange(reads_, nullptr);
    const std::uint32_t taught = condition(w);
    reads_ = reads;
    const field_info* fi = field(f, "field");
    if (fi == nullptr) return;
    cond_node either;
    either.kind = cond_kind::any;
    either.children = {rule.condition, taught};
    rule.condition = add(std::move(either));
    rule.teach = taught;
    rule.teach_field = fi->id;
  }

  /// `rules: [NAME…]` and `by` of a correlation. Names are resolved to rule ids after
  /// every file is read (resolve_correlations); macros are compiled here.
  void read_steps(const YAML::Node& s, compiled_rule& rule, std::string_view kind) {
    const YAML::Node names = s["rules"];
    if (!names || !names.IsSequence() || names.size() < 2) {
      diags_.error(at(names ? names : s), fmt::format("`{}` needs `rules:`, a list of at least two rule ids or macros", kind),
                   "e.g. rules: [org_admin_grant, DW-AA-011]");
      return;
    }
    if (names.size() > k_max_correlation_steps) {
      diags_.error(at(names), fmt::format("a correlation has at most {} steps", k_max_correlation_steps));
      return;
    }
    std::set<std::string> seen;
    for (const auto& n : names) {
      const auto name = scalar(n, "a step");
      if (!name) continue;
      if (!seen.insert(*name).second)
        diags_.error(at(n), fmt::format("step '{}' is listed twice", *name), "name each rule or macro once");
      correlation_step st;
      st.name = *name;
      const bool is_rule = all_ids_.count(*name) > 0;
      const bool is_macro = macros_.count(*name) > 0;
      if (is_rule && is_macro)
        diags_.error(at(n), fmt::format("'{}' is both a rule id and a macro", *name), "rename the macro");
      if (is_rule) {
        st.rule = -2;  // resolved later
        step_refs_.push_back({set_->rules.size(), rule.steps.size(), at(n)});
      } else if (is_macro) {
        st.condition = *use_macro(*name, n);
      } else {
        std::vector<std::string_view> options(all_ids_.begin(), all_ids_.end());
        for (const auto& [k, _] : macros_) options.push_back(k);
        const std::string close = nearest(*name, options);
        diags_.error(at(n), fmt::format("no rule or macro named '{}'", *name),
                     !close.empty() ? fmt::format("did you mean '{}'?", close)
                                    : std::string("a step names a rule id of the load or a macro"));
        st.condition = always();
      }
      rule.steps.push_back(std::move(st));
    }
    // The key of each step: one list for all, or one per step name.
    std::vector<field_id> common = {field_id::corp_id, field_id::user_id};
    const YAML::Node by = s["by"];
    if (by && by.IsMap()) {
      for (auto it = by.begin(); it != by.end(); ++it) {
        const std::string step = it->first.Scalar();
        auto st = std::find_if(rule.steps.begin(), rule.steps.end(),
                               [&](const correlation_step& x) { return x.name == step; });
        if (st == rule.steps.end()) {
          diags_.error(at(it->first), fmt::format("`by` names '{}', which is not a step", step),
                       "the keys of `by` are the names listed under `rules:`");
          continue;
        }
        st->by = field_list(it->second, "by");
      }
      for (auto& st : rule.steps)
        if (st.by.empty())
          diags_.error(at(by), fmt::format("`by` has no key fields for step '{}'", st.name),
                       "with a map, give every step its fields, e.g. {grant: [corp.id, target.user], export: [corp.id, user.id]}");
    } else {
      if (by) common = field_list(by, "by");
      for (auto& st : rule.steps) st.by = common;
    }
    for (const auto& st : rule.steps)
      if (!st.by.empty() && !rule.steps[0].by.empty() && st.by.size() != rule.steps[0].by.size())
        diags_.error(at(by ? by : s), "every step's key must have the same number of fields",
                     "the keys are compared field by field, e.g. target.user with user.id");
    rule.by = rule.steps.back().by;
  }

  /// Correlation steps that name rules: index, no self-reference, no cycle; and the
  /// evaluation order (referenced rules first).
  void resolve_correlations() {
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < set_->rules.size(); ++i) index.emplace(set_->rules[i].id, i);
    for (const auto& ref : step_refs_) {
      auto& rule = set_->rules[ref.rule];
      auto& st = rule.steps[ref.step];
      const auto it = index.find(st.name);
      if (it == index.end()) {  // the rule failed to read; its own errors say why
        st.rule = -1;
        continue;
      }
      if (it->second == ref.rule) {
        diags_.error(ref.where, fmt::format("rule '{}' names itself as a step", rule.id),
                     "a correlation combines other rules");
        st.rule = -1;
        continue;
      }
      st.rule = static_cast<int>(it->second);
    }
    // Depth-first topological order; a cycle is an error at the rule that closes it.
    const std::size_t n = set_->rules.size();
    std::vector<int> mark(n, 0);
    std::vector<std::string> path;
    std::function<void(std::size_t)> visit = [&](std::size_t i) {
      if (mark[i] == 2) return;
      auto& r = set_->rules[i];
      if (mark[i] == 1) {
        diags_.error(r.where, fmt::format("correlation cycle: {} → {}", fmt::join(path, " → "), r.id),
                     "a correlation may reference correlations, but not in a cycle");
        return;
      }
      mark[i] = 1;
      path.push_back(r.id);
      for (auto& st : r.steps)
        if (st.rule >= 0) {
          visit(static_cast<std::size_t>(st.rule));
          if (mark[static_cast<std::size_t>(st.rule)] == 1) st.rule = -1;  // break the cycle
        }
      path.pop_back();
      mark[i] = 2;
      set_->order.push_back(static_cast<std::uint32_t>(i));
    };
    for (std::size_t i = 0; i < n; ++i) visit(i);
  }

  void read_suppress(const YAML::Node& s, compiled_rule& rule) {
    if (!s.IsMap()) {
      diags_.error(at(s), "`suppress` must be a map", "suppress: {for: 1h, by: [user.id]}");
      return;
    }
    check_keys(s, k_suppress_keys, "suppress key");
    if (const YAML::Node f = s["for"]) {
      if (const auto ms = duration(f, "for")) rule.suppress_ms = *ms;
    } else {
      diags_.error(at(s), "suppress has no `for`", "for: 1h");
    }
    if (const YAML::Node b = s["by"]) rule.suppress_by = field_list(b, "by");
    else if (!rule.by.empty()) rule.suppress_by = rule.by;
    else rule.suppress_by = {field_id::corp_id, field_id::user_id};
  }

  void read_message(const std::string& text, const YAML::Node& where, compiled_rule& rule) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t open = text.find('{', pos);
      if (open == std::string::npos) {
        rule.message.push_back({message_part::kind::text, text.substr(pos)});
        break;
      }
      if (open > pos) rule.message.push_back({message_part::kind::text, text.substr(pos, open - pos)});
      const std::size_t close = text.find('}', open);
      if (close == std::string::npos) {
        diags_.error(at(where), "message has a `{` without a closing `}`", "placeholders look like {user.id}");
        return;
      }
      const std::string name = text.substr(open + 1, close - open - 1);
      message_part p;
      if (name == "count") p.what = message_part::kind::count;
      else if (name == "window") p.what = message_part::kind::window;
      else if (name == "rule.id") p.what = message_part::kind::rule_id;
      else if (name == "rule.name") p.what = message_part::kind::rule_name;
      else if (name == "expected") p.what = message_part::kind::expected;
      else if (const auto* f = find_field(name)) {
        p.what = message_part::kind::field;
        p.field = f->id;
      } else {
        auto names = field_names();
        for (auto k : {"count", "window", "rule.id", "rule.name", "expected"}) names.push_back(k);
        diags_.error(at(where), fmt::format("message placeholder '{{{}}}' names no field", name),
                     did_you_mean(name, names));
      }
      rule.message.push_back(std::move(p));
      pos = close + 1;
    }
  }

  void read_test(const YAML::Node& t, compiled_rule& rule) {
    rule_test test;
    test.where = at(t);
    if (!t.IsMap()) {
      diags_.error(at(t), "a test must be a map", "- {events: [...], expect: 1}");
      return;
    }
    check_keys(t, k_test_keys, "test key");
    if (const YAML::Node n = t["name"])
      if (const auto s = scalar(n, "name")) test.name = *s;
    const YAML::Node events = t["events"];
    if (!events || !events.IsSequence()) {
      diags_.error(at(events ? events : t), "a test needs `events:`, a list of events",
                   "each event is a map of fields or a raw DingTalk JSON string");
    } else {
      for (const auto& e : events) {
        test_event ev;
        ev.where = at(e);
        if (e.IsScalar()) {
          ev.json = e.Scalar();
          if (ev.json.empty() || ev.json.front() != '{')
            diags_.error(at(e), "a test event string must be a raw DingTalk JSON object",
                         "quote it with single quotes: '{\"bizId\": …}', or write a map of fields");
        } else if (e.IsMap()) {
          for (auto it = e.begin(); it != e.end(); ++it) {
            const std::string key = it->first.Scalar();
            if (key == "repeat") {
              if (const auto v = integer(it->second, "repeat", 1)) ev.repeat = static_cast<int>(*v);
              continue;
            }
            if (key == "every") {
              if (const auto ms = duration(it->second, "every")) ev.every_ms = *ms;
              continue;
            }
            const field_info* f = find_field(key);
            if (f == nullptr) {
              auto names = field_names();
              names.push_back("repeat");
              names.push_back("every");
              diags_.error(at(it->first), fmt::format("unknown field '{}' in test event", key), did_you_mean(key, names));
              continue;
            }
            const auto v = scalar(it->second, key);
            if (!v) continue;
            normalized_event scratch;
            if (!set_field(scratch, f->id, *v))
              diags_.error(at(it->second), fmt::format("'{}' is not a valid {}", *v, f->name),
                           f->id == field_id::timestamp
                               ? "epoch milliseconds or \"yyyy-MM-dd HH:mm:ss\" (Macau time)"
                               : std::string(f->source));
            ev.fields.emplace_back(f->id, *v);
          }
        } else {
          diags_.error(at(e), "a test event is a map of fields or a raw JSON string");
        }
        test.events.push_back(std::move(ev));
      }
    }
    const YAML::Node x = t["expect"];
    if (!x) {
      diags_.error(at(t), "a test needs `expect:`", "expect: 0 (no alert), expect: 2, or expect: [{user.id: u1}]");
    } else if (x.IsScalar()) {
      if (const auto v = integer(x, "expect", 0)) test.expect_count = static_cast<int>(*v);
    } else if (x.IsSequence()) {
      for (const auto& a : x) {
        std::vector<std::pair<std::string, std::string>> fields;
        if (!a.IsMap()) {
          diags_.error(at(a), "each expected alert is a map of alert fields", "- {user.id: u1, count: 30}");
          continue;
        }
        for (auto it = a.begin(); it != a.end(); ++it) {
          const std::string key = it->first.Scalar();
          if (!key.starts_with("evidence.") &&
              std::find(std::begin(k_alert_keys), std::end(k_alert_keys), key) == std::end(k_alert_keys))
            diags_.error(at(it->first), fmt::format("unknown alert field '{}'", key),
                         did_you_mean(key, k_alert_keys) + " (or evidence.FIELD)");
          if (const auto v = scalar(it->second, key)) fields.emplace_back(key, *v);
        }
        test.expect_alerts.push_back(std::move(fields));
      }
    } else {
      diags_.error(at(x), "`expect` is a number of alerts or a list of expected alerts");
    }
    rule.tests.push_back(std::move(test));
  }

  // ---- Hyperscan -----------------------------------------------------------------

  void build_databases() {
    std::map<field_id, std::vector<const pattern_request*>> by_field;
    for (const auto& p : patterns_) {
      hs_expr_info_t* info = nullptr;
      hs_compile_error_t* err = nullptr;
      const unsigned flags = k_hs_flags | p.flags;
      if (hs_expression_info(p.expression.c_str(), flags, &info, &err) != HS_SUCCESS) {
        diags_.error(p.where, fmt::format("pattern '{}' does not compile: {}", p.written, err->message),
                     "patterns are Hyperscan (PCRE-like) regular expressions over UTF-8; "
                     "backreferences and lookaround are not supported");
        hs_free_compile_error(err);
        continue;
      }
      const bool empty = info->min_width == 0;
      std::free(info);
      if (empty) {
        diags_.error(p.where, fmt::format("pattern '{}' matches the empty string", p.written),
                     "a pattern that matches everything is a mistake; use `exists: true`");
        continue;
      }
      by_field[p.field].push_back(&p);
    }
    if (diags_.has_errors()) return;
    for (const auto& [fid, list] : by_field) {
      std::vector<const char*> exprs;
      std::vector<unsigned> flags, ids;
      std::set<std::uint32_t> leaves;
      for (const auto* p : list) {
        exprs.push_back(p->expression.c_str());
        flags.push_back(k_hs_flags | p->flags);
        ids.push_back(p->leaf);
        leaves.insert(p->leaf);
      }
      hs_database_t* db = nullptr;
      hs_compile_error_t* err = nullptr;
      if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                           &err) != HS_SUCCESS) {
        const int i = err->expression;
        diags_.error(i >= 0 ? list[static_cast<std::size_t>(i)]->where : source_location{},
                     fmt::format("patterns on '{}' do not compile together: {}", info(fid).name,
                                 err->message),
                     "simplify the pattern named here");
        hs_free_compile_error(err);
        continue;
      }
      set_->databases.push_back({fid, db, list.size(), {leaves.begin(), leaves.end()}});
    }
  }

  diagnostics diags_;
  const load_limits& limits_;
  load_budget budget_;  ///< patterns and values spent, against limits_
  int depth_ = 0;                                 ///< condition nesting, for the limit
  std::optional<source_location> calendar_use_;  ///< a `holiday`/`workday` predicate
  std::map<std::int32_t, source_location> holiday_at_;
  std::unique_ptr<rule_set> set_;
  std::string file_;
  std::map<std::string, list_def> lists_;
  std::map<std::string, macro_def> macros_;
  std::map<std::string, source_location> ids_;
  std::vector<pattern_request> patterns_;
  std::set<field_id>* reads_ = nullptr;
  std::set<std::string> all_ids_;  ///< every rule id of the load (pre-scan)
  struct step_ref {
    std::size_t rule, step;
    source_location where;
  };
  std::vector<step_ref> step_refs_;
};

}  // namespace

load_result load_rules(const std::vector<std::string>& paths, const load_limits& limits) {
  std::vector<std::pair<std::string, std::string>> files;
  diagnostics early;
  for (const auto& p : paths) {
    std::error_code ec;
    std::vector<fs::path> found;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.is_regular_file() && (e.path().extension() == ".yaml" || e.path().extension() == ".yml"))
          found.push_back(e.path());
      std::sort(found.begin(), found.end());
      if (found.empty())
        early.error({p, 0, 0}, "no rule files (*.yaml, *.yml) in this directory");
    } else if (fs::exists(p, ec)) {
      found.emplace_back(p);
    } else {
      early.error({p, 0, 0}, "no such file or directory", "check the path passed to --rules");
    }
    for (const auto& f : found) {
      if (const auto size = fs::file_size(f, ec); !ec && size > limits.max_file_bytes) {
        early.error({f.string(), 1, 1}, file_too_large(size, limits.max_file_bytes), std::string(k_file_too_large_hint));
        continue;  // not even read
      }
      std::ifstream in(f, std::ios::binary);
      if (!in) {
        early.error({f.string(), 0, 0}, "cannot read the file");
        continue;
      }
      std::ostringstream text;
      text << in.rdbuf();
      files.emplace_back(f.string(), text.str());
    }
  }
  loader l(limits);
  load_result r = l.run(files);
  r.problems.sort();
  if (early.has_errors() || !early.list().empty()) {
    diagnostics merged = std::move(early);
    for (const auto& d : r.problems.list()) {
      if (d.level == diag_level::error) merged.error(d.where, d.message, d.hint);
      else merged.warning(d.where, d.message, d.hint);
    }
    r.problems = std::move(merged);
    if (r.problems.has_errors()) r.rules.reset();
  }
  return r;
}

load_result load_rules_text(std::string_view yaml, std::string_view name, const load_limits& limits) {
  loader l(limits);
  load_result r = l.run({{std::string(name), std::string(yaml)}});
  r.problems.sort();
  return r;
}

}  // namespace dingwatch::rules
