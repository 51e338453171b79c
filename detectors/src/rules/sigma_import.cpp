// Sigma files → one native rule document: the documents of a file, their
// metadata (title, id, level, tags …) and correlation rules. Selections and
// conditions are sigma_detection.cpp's.
//
// Every Sigma detection rule becomes a native rule whose `where` is a macro
// named `sigma:<id>` holding its condition; counting correlations (event_count,
// value_count, value_sum) use those macros as their `where`, so the base
// condition compiles once. Temporal correlations name the base rules' ids as
// steps. A rule a correlation of the same file references, without `generate:
// true`, becomes a `generate: false` building block and inherits the
// correlation's level and tags when it has none.

#include "sigma_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <type_traits>

#include "input_limits.hpp"
#include "rule_text.hpp"

namespace dingwatch::rules {

namespace {

constexpr std::string_view k_sigma_keys[] = {
    "title",    "id",      "name",      "status",    "description", "references",     "author",  "date",
    "modified", "tags",    "logsource", "detection", "correlation", "falsepositives", "level",   "fields",
    "related",  "license", "taxonomy",  "scope",     "generate",    "tests",          "message", "suppress"};
/// dingwatch extensions copied into the native rule as they are.
constexpr std::string_view k_passthrough[] = {"tests", "message", "suppress"};
constexpr std::string_view k_levels[] = {"informational", "low", "medium", "high", "critical"};
constexpr std::string_view k_severities[] = {"low", "low", "medium", "high", "critical"};
constexpr std::string_view k_statuses[] = {"stable", "test", "experimental", "deprecated", "unsupported"};
constexpr std::string_view k_families[] = {"excessive_collection", "anomalous_access", "cross_border"};
constexpr std::string_view k_services[] = {"audit", "events", "flows"};
constexpr std::string_view k_categories[] = {"org_change", "chat", "approval", "attendance",
                                             "audit",      "flow", "generic"};
constexpr std::string_view k_event_kinds[] = {"org_change", "chat", "approval", "attendance", "generic"};
constexpr std::string_view k_correlation_types[] = {"event_count", "value_count", "value_sum", "temporal",
                                                    "temporal_ordered"};
constexpr std::string_view k_correlation_keys[] = {"type",      "rules",   "group-by", "timespan",
                                                   "condition", "aliases", "generate"};
constexpr std::string_view k_threshold_keys[] = {"gte", "gt", "lt", "lte", "eq", "field"};

YAML::Node map_node() { return YAML::Node(YAML::NodeType::Map); }
YAML::Node seq_node() { return YAML::Node(YAML::NodeType::Sequence); }

bool contains(std::span<const std::string_view> list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

/// One YAML document of the file.
struct document {
  YAML::Node root;
  bool correlation = false;
  bool translate = true;  ///< false: reported, or deliberately not loaded
  std::string id;         ///< the native rule id: Sigma `id`, else `name`
  YAML::Node id_node;
  std::string name;  ///< Sigma `name`, how correlations usually refer to it
  int owner = -1;    ///< the correlation of this file that references it first
  bool generate = true;
  // Metadata from tags and level; empty when not given (then inherited from `owner`).
  std::vector<std::string> pdpa;
  std::string mitre;
  std::string family;
  std::string severity;
};

class importer {
 public:
  importer(std::string_view text, const std::string& file, diagnostics& diags, const load_limits& limits)
      : cx_{file, text, diags, limits} {}

  YAML::Node run() {
    const std::vector<YAML::Node> roots = YAML::LoadAll(std::string(cx_.text));
    for (const auto& r : roots) {
      if (!yaml_nodes_within(r, cx_.limits.max_yaml_nodes)) {
        error(r, too_many_yaml_nodes(cx_.limits.max_yaml_nodes), std::string(k_too_many_yaml_nodes_hint));
        continue;
      }
      read_document(r);
    }
    link_correlations();
    YAML::Node macros = map_node();
    YAML::Node rules = seq_node();
    for (std::size_t i = 0; i < docs_.size(); ++i) {
      document& d = docs_[i];
      if (!d.translate) continue;
      YAML::Node rule = docs_[i].correlation ? correlation_rule(i) : detection_rule(i, macros);
      rules.push_back(native_in_place(d.root, rule));
    }
    YAML::Node out = map_node();
    if (macros.size() > 0) out["macros"] = macros;
    out["rules"] = rules;
    return out;
  }

 private:
  void error(const YAML::Node& n, std::string message, std::string hint = {}) {
    cx_.diags.error(cx_.at(n), std::move(message), std::move(hint));
  }

  std::optional<std::string> scalar(const YAML::Node& n, std::string_view what) {
    if (n.IsScalar()) return n.Scalar();
    error(n, fmt::format("`{}` must be a single value", what));
    return std::nullopt;
  }

  // ---- documents and metadata --------------------------------------------------------

  void read_document(const YAML::Node& r) {
    if (r.IsNull()) return;  // an empty document (a trailing `---`)
    document d;
    d.root = r;
    if (!r.IsMap()) {
      error(r, "a Sigma rule is a map", "start it with title:, id:, logsource: and detection:");
      return;
    }
    d.correlation = static_cast<bool>(r["correlation"]);
    if (r["filter"] && !r["detection"]) {
      error(r["filter"], "Sigma filters are not supported",
            "write the exclusion into the rule: condition: selection and not filter");
      return;
    }
    if (d.correlation && (r["detection"] || r["logsource"]))
      error(r["correlation"], "a document is a detection rule or a correlation rule, not both",
            "split it with `---` into two documents");
    for (auto it = r.begin(); it != r.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (contains(k_sigma_keys, key)) continue;
      // Sigma allows custom attributes; only a near miss of a known key is worth a word.
      const std::string close = nearest(key, k_sigma_keys);
      if (!close.empty())
        cx_.diags.warning(cx_.at(it->first), fmt::format("unknown Sigma key '{}' is ignored", key),
                          fmt::format("did you mean '{}'?", close));
    }
    if (const YAML::Node t = r["title"]; !t)
      error(r, "Sigma rule has no `title`", "title: Bulk download of contact lists");
    else
      (void)scalar(t, "title");
    if (const YAML::Node n = r["name"])
      if (const auto s = scalar(n, "name")) d.name = *s;
    if (const YAML::Node n = r["id"]) {
      if (const auto s = scalar(n, "id")) {
        d.id = *s;
        d.id_node = n;
      }
    } else if (!d.name.empty()) {
      d.id = d.name;
      d.id_node = r["name"];
    }
    if (d.id.empty()) {
      error(r, "Sigma rule has neither `id` nor `name`",
            "give it an id (a UUID) so alerts and correlations can name it");
      d.translate = false;
    }
    // (Two equal ids are the loader's "used twice" error; names are ours to check.)
    for (const auto& other : docs_) {
      if (!d.id.empty() && d.id != d.name && other.name == d.id)
        error(d.id_node, fmt::format("'{}' names two rules of this file", d.id),
              "ids and names must be unique");
      if (!d.name.empty() && d.name != d.id && (other.name == d.name || other.id == d.name))
        error(r["name"], fmt::format("'{}' names two rules of this file", d.name),
              "ids and names must be unique");
    }
    if (const YAML::Node s = r["status"]) {
      if (const auto v = scalar(s, "status")) {
        if (!contains(k_statuses, *v))
          error(s, fmt::format("status '{}' is not one of {}", *v, fmt::join(k_statuses, " | ")),
                did_you_mean(*v, k_statuses));
        else if (*v == "deprecated" || *v == "unsupported") {
          cx_.diags.warning(cx_.at(s), fmt::format("rule '{}' is {}: not loaded", d.id, *v),
                            "Sigma rules with this status are not meant to run");
          d.translate = false;
        }
      }
    }
    if (const YAML::Node l = r["level"]) {
      if (const auto v = scalar(l, "level")) {
        const auto* at = std::find(std::begin(k_levels), std::end(k_levels), *v);
        if (at == std::end(k_levels))
          error(l, fmt::format("level '{}' is not one of {}", *v, fmt::join(k_levels, " | ")),
                did_you_mean(*v, k_levels));
        else
          d.severity = k_severities[at - std::begin(k_levels)];
      }
    }
    read_tags(r["tags"], d);
    docs_.push_back(std::move(d));
  }

  /// `attack.tNNNN[.NNN]` → mitre (the first), `pdpa.artN` → articles, `pdpa.<family>`.
  void read_tags(const YAML::Node& tags, document& d) {
    if (!tags) return;
    if (!tags.IsSequence()) {
      error(tags, "`tags` must be a list", "tags: [attack.collection, attack.t1530, pdpa.art15]");
      return;
    }
    for (const auto& t : tags) {
      const auto s = scalar(t, "a tag");
      if (!s) continue;
      if (s->starts_with("attack.t") && s->size() > 8 && std::isdigit(static_cast<unsigned char>((*s)[8]))) {
        if (d.mitre.empty()) {
          d.mitre = s->substr(7);
          std::transform(d.mitre.begin(), d.mitre.end(), d.mitre.begin(),
                         [](unsigned char c) { return std::toupper(c); });
        }
      } else if (s->starts_with("pdpa.")) {
        const std::string rest = s->substr(5);
        if (rest.starts_with("art") && rest.size() > 3 && std::isdigit(static_cast<unsigned char>(rest[3]))) {
          d.pdpa.push_back(rest.substr(3));
        } else if (contains(k_families, rest)) {
          d.family = rest;
        } else {
          std::vector<std::string_view> options(std::begin(k_families), std::end(k_families));
          options.push_back("art15");
          const std::string close = nearest(rest, options);
          error(
              t, fmt::format("unknown PDPA tag '{}'", *s),
              close.empty() || close == "art15"
                  ? "pdpa tags are pdpa.artN (an article of Law 8/2005, e.g. pdpa.art19) or pdpa.excessive_collection | pdpa.anomalous_access | pdpa.cross_border"
                  : fmt::format("did you mean 'pdpa.{}'?", close));
        }
      }
    }
  }

  /// The document's own value of `get`, else its owner's, transitively.
  template <typename F>
  auto inherited(std::size_t i, F get) const {
    for (int k = static_cast<int>(i), hops = 0; k >= 0 && hops <= static_cast<int>(docs_.size()); ++hops) {
      const auto& v = get(docs_[static_cast<std::size_t>(k)]);
      if (!v.empty()) return v;
      k = docs_[static_cast<std::size_t>(k)].owner;
    }
    return std::remove_cvref_t<decltype(get(docs_[i]))>{};
  }

  /// The index of the rule of this file that `ref` names (by id or name), or -1.
  int find_local(std::string_view ref) const {
    if (ref.empty()) return -1;
    for (std::size_t i = 0; i < docs_.size(); ++i)
      if (docs_[i].id == ref || (!docs_[i].name.empty() && docs_[i].name == ref)) return static_cast<int>(i);
    return -1;
  }

  /// Owners and `generate: false` of the rules correlations of this file reference.
  void link_correlations() {
    for (std::size_t i = 0; i < docs_.size(); ++i) {
      const document& c = docs_[i];
      if (!c.correlation) continue;
      const YAML::Node corr = c.root["correlation"];
      if (!corr.IsMap() || !corr["rules"] || !corr["rules"].IsSequence()) continue;
      const bool generate = flag(c.root["generate"]) || flag(corr["generate"]);
      for (const auto& ref : corr["rules"]) {
        if (!ref.IsScalar()) continue;
        const int k = find_local(ref.Scalar());
        if (k < 0 || static_cast<std::size_t>(k) == i) continue;
        document& target = docs_[static_cast<std::size_t>(k)];
        if (target.owner < 0) target.owner = static_cast<int>(i);
        if (!generate) target.generate = false;
      }
    }
  }

  bool flag(const YAML::Node& n) {
    if (!n) return false;
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) return n.Scalar() == "true";
    error(n, "`generate` takes true or false", "generate: true keeps the referenced rules' own alerts");
    return false;
  }

  /// The native keys every rule has: id, name, family, severity, pdpa, mitre, description …
  YAML::Node common(std::size_t i) {
    const document& d = docs_[i];
    const YAML::Node& r = d.root;
    YAML::Node rule = map_node();
    rule["id"] = d.id_node;
    rule["name"] = r["title"] && r["title"].IsScalar() ? r["title"] : YAML::Node(d.id);
    const std::string family = inherited(i, [](const document& x) -> const std::string& { return x.family; });
    rule["family"] = family.empty() ? "anomalous_access" : family;
    const std::string severity =
        inherited(i, [](const document& x) -> const std::string& { return x.severity; });
    rule["severity"] = severity.empty() ? "medium" : severity;
    const auto pdpa =
        inherited(i, [](const document& x) -> const std::vector<std::string>& { return x.pdpa; });
    if (pdpa.empty())
      error(r["tags"] ? r["tags"] : r, fmt::format("rule '{}' names no PDPA article", d.id),
            "tag it with the articles at stake, e.g. tags: [pdpa.art15, pdpa.art16]");
    YAML::Node articles = seq_node();
    for (const auto& a : pdpa) articles.push_back(a);
    if (pdpa.empty()) articles.push_back("0");  // keeps the loader from repeating the error above
    rule["pdpa"] = articles;
    const std::string mitre = inherited(i, [](const document& x) -> const std::string& { return x.mitre; });
    if (!mitre.empty()) rule["mitre"] = mitre;
    if (const std::string text = description(r); !text.empty()) rule["description"] = text;
    if (!d.generate) rule["generate"] = "false";
    for (const auto key : k_passthrough)
      if (const YAML::Node n = r[std::string(key)]) rule[std::string(key)] = n;
    return rule;
  }

  /// Sigma's description, status and false positives, in that order.
  static std::string description(const YAML::Node& r) {
    std::vector<std::string> parts;
    if (const YAML::Node d = r["description"]; d && d.IsScalar()) parts.push_back(d.Scalar());
    if (const YAML::Node s = r["status"]; s && s.IsScalar())
      parts.push_back(fmt::format("Sigma status: {}.", s.Scalar()));
    if (const YAML::Node f = r["falsepositives"]) {
      std::vector<std::string> items;
      if (f.IsScalar())
        items.push_back(f.Scalar());
      else if (f.IsSequence())
        for (const auto& e : f)
          if (e.IsScalar()) items.push_back(e.Scalar());
      if (!items.empty()) parts.push_back(fmt::format("False positives: {}.", fmt::join(items, "; ")));
    }
    return fmt::format("{}", fmt::join(parts, "\n"));
  }

  /// The document's root map becomes the native rule (so diagnostics about the
  /// rule as a whole point at the document's first line): Sigma keys out, native keys in.
  static YAML::Node native_in_place(YAML::Node root, const YAML::Node& rule) {
    std::vector<std::string> keys;
    for (auto it = root.begin(); it != root.end(); ++it) keys.push_back(it->first.Scalar());
    for (const auto& k : keys) root.remove(k);
    for (auto it = rule.begin(); it != rule.end(); ++it) root[it->first.Scalar()] = it->second;
    return root;
  }

  static std::string macro_name(std::string_view id) { return fmt::format("sigma:{}", id); }

  // ---- detection rules ---------------------------------------------------------------

  YAML::Node detection_rule(std::size_t i, YAML::Node& macros) {
    const document& d = docs_[i];
    YAML::Node rule = common(i);
    std::vector<YAML::Node> parts;
    const bool dingtalk = logsource(d.root["logsource"], d.root, parts);
    if (const YAML::Node det = d.root["detection"]) {
      if (dingtalk) parts.push_back(translate_detection(cx_, det));  // else its fields mean nothing here
    } else {
      error(d.root, "Sigma rule has no `detection`", "detection: {selection: {…}, condition: selection}");
    }
    YAML::Node condition = map_node();
    if (parts.size() == 1) condition = parts[0];
    if (parts.size() > 1) {
      YAML::Node all = seq_node();
      for (const auto& p : parts) all.push_back(p);
      condition["all"] = all;
    }
    macros[macro_name(d.id)] = condition;
    YAML::Node where = map_node();
    where["macro"] = macro_name(d.id);
    YAML::Node detection = map_node();
    detection["where"] = where;
    rule["detection"] = detection;
    return rule;
  }

  /// `logsource`: product dingtalk; `service` and `category` narrow event.kind. False when
  /// the rule is for another product.
  bool logsource(const YAML::Node& ls, const YAML::Node& root, std::vector<YAML::Node>& parts) {
    if (!ls || !ls.IsMap()) {
      error(ls ? ls : root, "Sigma rule has no `logsource` map",
            "logsource: {product: dingtalk, service: audit}");
      return false;
    }
    const YAML::Node product = ls["product"];
    if (!product) {
      error(ls, "logsource has no `product`", "dingwatch runs Sigma rules with logsource.product: dingtalk");
      return false;
    }
    if (const auto p = scalar(product, "product"); !p || *p != "dingtalk") {
      if (p)
        error(product, fmt::format("logsource.product '{}' is not dingtalk", *p),
              "dingwatch reads DingTalk events only; keep other products' rules out of its rule paths");
      return false;
    }
    auto kinds = [&](const YAML::Node& where, std::span<const std::string_view> values) {
      YAML::Node list = seq_node();
      for (const auto v : values) list.push_back(std::string(v));
      YAML::Node c = map_node();
      c["event.kind"] = values.size() == 1 ? where : list;
      parts.push_back(c);
    };
    if (const YAML::Node s = ls["service"]) {
      if (const auto v = scalar(s, "service")) {
        if (*v == "audit")
          kinds(s, std::span<const std::string_view>(&k_categories[4], 1));
        else if (*v == "flows")
          kinds(s, std::span<const std::string_view>(&k_categories[5], 1));
        else if (*v == "events")
          kinds(s, k_event_kinds);
        else
          error(s, fmt::format("logsource.service '{}' is not one of {}", *v, fmt::join(k_services, " | ")),
                did_you_mean(*v, k_services));
      }
    }
    if (const YAML::Node c = ls["category"]) {
      if (const auto v = scalar(c, "category")) {
        if (contains(k_categories, *v)) {
          YAML::Node cond = map_node();
          cond["event.kind"] = c;
          parts.push_back(cond);
        } else {
          error(c, fmt::format("logsource.category '{}' is not an event kind", *v),
                did_you_mean(*v, k_categories));
        }
      }
    }
    return true;
  }

  // ---- correlation rules ----------------------------------------------------------------

  struct step {
    YAML::Node written;  ///< the reference as written
    int local = -1;      ///< the rule of this file it names, or -1 (another file's id)
    std::string id;      ///< the native rule id it resolves to
  };

  YAML::Node correlation_rule(std::size_t i) {
    const document& d = docs_[i];
    YAML::Node rule = common(i);
    const YAML::Node corr = d.root["correlation"];
    YAML::Node detection = map_node();
    rule["detection"] = detection;
    if (!corr.IsMap()) {
      error(
          corr, "`correlation` must be a map",
          "correlation: {type: event_count, rules: [...], group-by: [...], timespan: 1h, condition: {gte: 10}}");
      detection["where"] = map_node();
      return rule;
    }
    for (auto it = corr.begin(); it != corr.end(); ++it)
      if (!contains(k_correlation_keys, it->first.Scalar()))
        error(it->first, fmt::format("unknown correlation key '{}'", it->first.Scalar()),
              did_you_mean(it->first.Scalar(), k_correlation_keys));

    std::string type;
    if (const YAML::Node t = corr["type"]) {
      if (const auto v = scalar(t, "type")) {
        if (contains(k_correlation_types, *v))
          type = *v;
        else
          error(t, fmt::format("correlation type '{}' is not supported", *v),
                fmt::format("{} (value_avg and value_percentile have no engine counterpart)",
                            did_you_mean(*v, k_correlation_types)));
      }
    } else {
      error(corr, "correlation has no `type`",
            "type: event_count | value_count | value_sum | temporal | temporal_ordered");
    }
    const bool temporal = type == "temporal" || type == "temporal_ordered";
    const std::vector<step> steps = read_steps(corr, i, temporal, !temporal && !type.empty());
    const YAML::Node within = timespan(corr);

    if (type.empty()) {
      detection["where"] = map_node();
      return rule;
    }
    YAML::Node body = map_node();
    body["within"] = within;
    if (temporal) {
      YAML::Node names = seq_node();
      for (const auto& s : steps) names.push_back(s.local >= 0 ? YAML::Node(s.id) : s.written);
      body["rules"] = names;
      if (const auto by = group_by(corr, steps, true)) body["by"] = *by;
      temporal_condition(corr, steps.size());
    } else {
      std::vector<YAML::Node> wheres;
      for (const auto& s : steps) {
        YAML::Node w = map_node();
        w["macro"] = macro_name(s.id);
        wheres.push_back(w);
      }
      if (wheres.empty()) {
        detection["where"] = map_node();  // every reference was reported
      } else if (wheres.size() == 1) {
        detection["where"] = wheres[0];
      } else {
        YAML::Node any = seq_node();
        for (const auto& w : wheres) any.push_back(w);
        detection["where"]["any"] = any;
      }
      if (const auto by = group_by(corr, steps, false)) body["by"] = *by;
      threshold(corr, type, body);
    }
    detection[type] = body;
    return rule;
  }

  /// The rules a correlation names. Temporal steps may name any rule id of the load (the
  /// loader resolves them); counting correlations count a detection rule of this file.
  std::vector<step> read_steps(const YAML::Node& corr, std::size_t self, bool temporal, bool counting) {
    std::vector<step> steps;
    const YAML::Node rules = corr["rules"];
    if (!rules || !rules.IsSequence() || rules.size() == 0) {
      error(rules ? rules : corr, "correlation has no `rules` list",
            "rules: [the names or ids of the rules it combines]");
      return steps;
    }
    if (temporal && rules.size() < 2)
      error(rules, "a temporal correlation combines at least two rules",
            "name every rule that must match within the timespan");
    if (rules.size() > 8) error(rules, "a correlation has at most 8 rules");
    for (const auto& r : rules) {
      const auto ref = scalar(r, "a rule reference");
      if (!ref) continue;
      step s{r, find_local(*ref), *ref};
      if (s.local == static_cast<int>(self)) {
        error(r, fmt::format("correlation '{}' references itself", docs_[self].id),
              "a correlation combines other rules");
        continue;
      }
      if (s.local >= 0) {
        const document& target = docs_[static_cast<std::size_t>(s.local)];
        s.id = target.id;
        if (counting && target.correlation) {
          error(r, fmt::format("'{}' is a correlation; counting correlations count events of detection rules", *ref),
                "combine correlations with temporal or temporal_ordered");
          continue;
        }
      } else if (counting) {
        std::vector<std::string_view> local;
        for (const auto& d : docs_) {
          if (!d.id.empty()) local.push_back(d.id);
          if (!d.name.empty()) local.push_back(d.name);
        }
        const std::string close = nearest(*ref, local);
        error(r, fmt::format("no rule named '{}' in this file", *ref),
              close.empty() ? std::string("event_count, value_count and value_sum count events of detection rules "
                                          "of the same file (by name or id): add the rule after `---`")
                            : fmt::format("did you mean '{}'?", close));
        continue;
      }
      steps.push_back(std::move(s));
    }
    return steps;
  }

  YAML::Node timespan(const YAML::Node& corr) {
    const YAML::Node t = corr["timespan"];
    if (!t) {
      error(corr, "correlation has no `timespan`", "timespan: 1h (s, m, h or d)");
      return YAML::Node("1h");
    }
    const auto s = scalar(t, "timespan");
    if (s && parse_duration_text(*s)) return t;
    if (s)
      error(t, fmt::format("timespan '{}' is not a duration", *s),
            "a positive number followed by s, m, h or d, e.g. 90m");
    return YAML::Node("1h");
  }

  /// `group-by` (with `aliases` for temporal kinds): one field list, or one per step.
  std::optional<YAML::Node> group_by(const YAML::Node& corr, const std::vector<step>& steps, bool temporal) {
    const YAML::Node g = corr["group-by"];
    const YAML::Node aliases = corr["aliases"];
    if (!g) {
      error(corr, "correlation has no `group-by`",
            "the fields events must share, e.g. group-by: [corpId, userId]");
      return std::nullopt;
    }
    std::vector<YAML::Node> entries;
    if (g.IsSequence()) {
      for (const auto& e : g) entries.push_back(e);
    } else {
      entries.push_back(g);
    }
    if (aliases && (!temporal || !aliases.IsMap())) {
      error(aliases,
            temporal ? "`aliases` must map alias names to {rule: field}"
                     : "`aliases` apply to temporal correlations",
            "aliases: {target: {admin_grant: UserId, bulk_export: userId}}");
      return std::nullopt;
    }
    auto field_of = [&](const YAML::Node& e) -> std::optional<std::string> {
      if (const auto s = scalar(e, "a group-by field"))
        if (const field_info* f = sigma_field_or_report(cx_, *s, e)) return std::string(f->name);
      return std::nullopt;
    };
    bool uses_alias = false;
    for (const auto& e : entries) uses_alias = uses_alias || (aliases && e.IsScalar() && aliases[e.Scalar()]);
    if (!uses_alias) {
      YAML::Node by = seq_node();
      for (const auto& e : entries)
        if (const auto f = field_of(e)) by.push_back(*f);
      return by;
    }
    YAML::Node by = map_node();
    for (const auto& st : steps) {
      YAML::Node fields = seq_node();
      for (const auto& e : entries) {
        if (!e.IsScalar() || !aliases[e.Scalar()]) {
          if (const auto f = field_of(e)) fields.push_back(*f);
          continue;
        }
        const YAML::Node alias = aliases[e.Scalar()];
        std::optional<YAML::Node> field;
        if (alias.IsMap())
          for (auto it = alias.begin(); it != alias.end(); ++it) {
            const std::string rule_ref = it->first.Scalar();
            if (rule_ref == st.written.Scalar() || (st.local >= 0 && find_local(rule_ref) == st.local))
              field = it->second;
          }
        if (!field) {
          error(alias, fmt::format("alias '{}' has no field for rule '{}'", e.Scalar(), st.written.Scalar()),
                fmt::format("add {}: FIELD under aliases.{}", st.written.Scalar(), e.Scalar()));
          fields.push_back("user.id");  // a stand-in: the error above rejects the set
          continue;
        }
        if (const auto f = field_of(*field)) fields.push_back(*f);
      }
      by[st.id] = fields;
    }
    return by;
  }

  /// `condition` of a counting correlation → gte (and `field` for value_count/value_sum).
  void threshold(const YAML::Node& corr, const std::string& type, YAML::Node& body) {
    const YAML::Node c = corr["condition"];
    if (!c || !c.IsMap()) {
      error(c ? c : corr, fmt::format("a {} correlation needs `condition: {{gte: N}}`", type),
            type == "event_count" ? "condition: {gte: 10}" : "condition: {field: ipAddress, gte: 4}");
      body["gte"] = "1";
      return;
    }
    bool reported = false;
    for (auto it = c.begin(); it != c.end(); ++it) {
      const std::string key = it->first.Scalar();
      reported = reported || key == "lt" || key == "lte" || key == "eq";
      if (!contains(k_threshold_keys, key))
        error(it->first, fmt::format("unknown condition key '{}'", key), did_you_mean(key, k_threshold_keys));
      else if (key == "lt" || key == "lte" || key == "eq")
        error(it->first,
              fmt::format("`{}` is not supported: the engine fires when a count reaches a threshold", key),
              "use gte: N or gt: N");
    }
    if (const YAML::Node n = c["gte"]) {
      body["gte"] = n;
    } else if (const YAML::Node n = c["gt"]) {
      long long v = 0;
      const auto s = scalar(n, "gt");
      const auto r = s ? std::from_chars(s->data(), s->data() + s->size(), v) : std::from_chars_result{};
      if (s && r.ec == std::errc() && r.ptr == s->data() + s->size() && v >= 0) {
        body["gte"] = std::to_string(v + 1);
      } else {
        if (s) error(n, fmt::format("gt must be an integer ≥ 0, not '{}'", *s));
        body["gte"] = "1";
      }
    } else {
      if (!reported) error(c, "condition has no `gte` (or `gt`) threshold", "e.g. gte: 10");
      body["gte"] = "1";
    }
    const YAML::Node f = c["field"];
    if (type == "event_count") {
      if (f)
        error(f, "an event_count correlation counts events, not a field",
              "for distinct values use type: value_count");
      return;
    }
    if (!f) {
      error(c, fmt::format("a {} correlation needs `condition.field`", type),
            type == "value_count" ? "the field whose distinct values are counted, e.g. field: ipAddress"
                                  : "the number field summed, e.g. field: records");
      body["field"] = type == "value_count" ? "user.id" : "flow.records";  // a stand-in, as above
      return;
    }
    if (const auto s = scalar(f, "field"))
      if (const field_info* fi = sigma_field_or_report(cx_, *s, f)) body["field"] = std::string(fi->name);
  }

  /// A temporal correlation fires when every rule matched; a condition may only say so.
  void temporal_condition(const YAML::Node& corr, std::size_t steps) {
    const YAML::Node c = corr["condition"];
    if (!c) return;
    const YAML::Node gte = c.IsMap() ? c["gte"] : YAML::Node();
    const YAML::Node gt = c.IsMap() ? c["gt"] : YAML::Node();
    const bool all = c.IsMap() && c.size() == 1 &&
                     ((gte && gte.IsScalar() && gte.Scalar() == std::to_string(steps)) ||
                      (gt && gt.IsScalar() && gt.Scalar() == std::to_string(steps - 1)));
    if (!all)
      error(c, "a temporal correlation fires when all its rules matched",
            fmt::format("drop `condition`, or write condition: {{gte: {}}}", steps));
  }

  sigma_context cx_;
  std::vector<document> docs_;
};

}  // namespace

source_location sigma_context::at(const YAML::Node& n) const {
  const YAML::Mark m = n.Mark();
  if (m.is_null() || m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

source_location sigma_context::at(const YAML::Node& n, std::size_t offset) const {
  source_location l = at(n);
  const YAML::Mark m = n.Mark();
  if (l.line == 0 || m.pos < 0 || static_cast<std::size_t>(m.pos) >= text.size()) return l;
  const char open = text[static_cast<std::size_t>(m.pos)];
  const std::size_t skip = open == '\'' || open == '"' ? 1 : 0;
  // Only on the scalar's first line: a folded or multi-line scalar keeps its start.
  const std::size_t from = static_cast<std::size_t>(m.pos) + skip;
  const std::size_t eol = text.find('\n', from);
  if (eol != std::string_view::npos && from + offset > eol) return l;
  l.column += static_cast<int>(skip + offset);
  return l;
}

bool is_sigma_document(const YAML::Node& doc) {
  return doc.IsMap() && (doc["logsource"] || doc["detection"] || doc["correlation"]);
}

YAML::Node import_sigma(std::string_view text, const std::string& file, diagnostics& diags,
                        const load_limits& limits) {
  return importer(text, file, diags, limits).run();
}

}  // namespace dingwatch::rules
