#include "dingwatch/report/messages.hpp"

#include <array>

namespace dingwatch::report {

namespace {

struct entry {
  msg id;
  std::string_view zh, pt, en;
};

// One row per message, in enum order (checked below). Chinese is Traditional, as used
// in Macau; Portuguese follows Macau's legal usage (LPDP, RAEM).
constexpr std::array<entry, static_cast<std::size_t>(msg::count_)> k_catalogue = {{
    {msg::title, "個人資料保護每週異常摘要", "Resumo semanal de anomalias na protecção de dados pessoais",
     "Weekly personal data protection anomaly summary"},
    {msg::law, "澳門《個人資料保護法》（第8/2005號法律）", "Lei da Protecção de Dados Pessoais de Macau (Lei n.º 8/2005)",
     "Macau Personal Data Protection Act (Law 8/2005)"},
    {msg::period, "期間：{} 至 {}（澳門時間），對比 {} 至 {}", "Período: {} a {} (hora de Macau), comparado com {} a {}",
     "Period: {} to {} (Macau time), compared with {} to {}"},
    {msg::generated, "於 {}（澳門時間）由 dingwatch 警報庫產生。",
     "Gerado em {} (hora de Macau) a partir do arquivo de alertas do dingwatch.",
     "Generated {} (Macau time) from the dingwatch alert store."},
    {msg::empty_period, "本期間沒有任何警報記錄，無需審查。", "Não foi registado nenhum alerta neste período: nada a rever.",
     "No alerts were recorded in this period: nothing to review."},
    {msg::sec_headline, "重點數字", "Números principais", "Headline numbers"},
    {msg::sec_daily, "每日警報（按類別）", "Alertas por dia e por família", "Alerts per day by family"},
    {msg::sec_articles, "按條文劃分的警報", "Alertas por artigo da LPDP", "Alerts by PDPA article"},
    {msg::sec_rules, "最常觸發的規則", "Regras mais accionadas", "Top rules"},
    {msg::sec_users, "風險分數最高的用戶", "Utilizadores com maior pontuação de risco", "Top users by risk score"},
    {msg::sec_transfers, "跨境傳輸", "Transferências para fora de Macau", "Cross-border transfers"},
    {msg::sec_incidents, "重要事件（嚴重及高）", "Incidentes relevantes (críticos e altos)",
     "Notable incidents (critical and high)"},
    {msg::sec_health, "處理管線狀況", "Estado do processamento", "Pipeline health"},
    {msg::sec_rule_changes, "規則變更", "Alterações às regras", "What changed in the rules"},
    {msg::headline_alerts, "警報", "Alertas", "Alerts"},
    {msg::headline_high, "嚴重或高", "Críticos ou altos", "Critical or high"},
    {msg::headline_users, "涉及用戶", "Utilizadores envolvidos", "Users involved"},
    {msg::headline_records, "傳出澳門的記錄", "Registos enviados para fora de Macau", "Records sent out of Macau"},
    {msg::previous_value, "上一期：{}", "período anterior: {}", "previous period: {}"},
    {msg::change_new, "新增", "novo", "new"},
    {msg::change_none, "無變化", "sem alteração", "no change"},
    {msg::col_day, "日期", "Dia", "Day"},
    {msg::col_family, "類別", "Família", "Family"},
    {msg::col_article, "條文", "Artigo", "Article"},
    {msg::col_rule, "規則", "Regra", "Rule"},
    {msg::col_name, "名稱", "Nome", "Name"},
    {msg::col_severity, "嚴重程度", "Gravidade", "Severity"},
    {msg::col_alerts, "警報", "Alertas", "Alerts"},
    {msg::col_previous, "上一期", "Anterior", "Previous"},
    {msg::col_change, "變化", "Variação", "Change"},
    {msg::col_user, "用戶", "Utilizador", "User"},
    {msg::col_score, "風險分數", "Pontuação", "Score"},
    {msg::col_by_severity, "嚴重/高/中/低", "Crít./alta/média/baixa", "Crit./high/med./low"},
    {msg::col_rules, "規則數", "Regras", "Rules"},
    {msg::col_country, "國家或地區", "País ou região", "Country or region"},
    {msg::col_app, "應用", "Aplicação", "Application"},
    {msg::col_bytes, "數據量", "Volume", "Volume"},
    {msg::col_records, "記錄", "Registos", "Records"},
    {msg::col_destination, "目的地", "Destino", "Destination"},
    {msg::col_first_seen, "首次出現", "Visto pela primeira vez", "First seen"},
    {msg::col_time, "時間", "Hora", "Time"},
    {msg::col_alert_id, "警報編號", "N.º do alerta", "Alert id"},
    {msg::col_evidence, "證據", "Prova", "Evidence"},
    {msg::col_reason, "原因", "Motivo", "Reason"},
    {msg::col_count, "數量", "Quantidade", "Count"},
    {msg::col_total, "合計", "Total", "Total"},
    {msg::col_what, "變更", "Alteração", "Change"},
    {msg::col_version, "版本", "Versão", "Version"},
    {msg::risk_explained,
     "風險分數 = 該用戶本期所有警報的嚴重程度權重之和（嚴重 10、高 6、中 3、低 1）。姓名按儲存時的遮蔽形式顯示。",
     "Pontuação de risco = soma dos pesos de gravidade dos alertas do utilizador no período (crítica 10, alta 6, "
     "média 3, baixa 1). Os nomes aparecem mascarados, tal como foram guardados.",
     "Risk score = the sum of the severity weights of the user's alerts in the period (critical 10, high 6, "
     "medium 3, low 1). Names are masked, as stored."},
    {msg::transfers_explained,
     "數據量及記錄數取自本期跨境警報所附的證據（flow.bytes、flow.records）；目的地國家或地區未能確定時顯示為「未知」。",
     "Volume e registos segundo a prova anexa aos alertas transfronteiriços do período (flow.bytes, flow.records); "
     "\"desconhecido\" quando o país de destino não pôde ser determinado.",
     "Volume and records as evidenced by the period's cross-border alerts (flow.bytes, flow.records); "
     "\"unknown\" where the destination country could not be determined."},
    {msg::new_destinations, "本期首次出現的目的地", "Destinos vistos pela primeira vez neste período",
     "Destinations first seen in this period"},
    {msg::no_new_destinations, "本期沒有新的目的地。", "Nenhum destino novo neste período.",
     "No new destinations in this period."},
    {msg::no_transfers, "本期沒有跨境傳輸警報。", "Nenhum alerta de transferência para fora de Macau neste período.",
     "No cross-border transfer alerts in this period."},
    {msg::no_incidents, "本期沒有嚴重或高的警報。", "Nenhum alerta crítico ou alto neste período.",
     "No critical or high alerts in this period."},
    {msg::incidents_shown, "顯示 {} 宗，共 {} 宗；其餘見警報庫。", "Mostram-se {} de {}; os restantes estão no arquivo de alertas.",
     "Showing {} of {}; the rest are in the alert store."},
    {msg::no_data, "沒有數據", "Sem dados", "No data"},
    {msg::unknown, "未知", "desconhecido", "unknown"},
    {msg::other_app, "（非網關流量）", "(fora do gateway)", "(not a gateway flow)"},
    {msg::health_not_recorded, "本期沒有處理管線的記錄（dingwatch 未以警報庫運行）。",
     "Não há registo do processamento neste período (o dingwatch não correu com o arquivo de alertas).",
     "No pipeline activity was recorded for this period (dingwatch did not run with this alert store)."},
    {msg::health_records, "讀取記錄", "Registos lidos", "Records read"},
    {msg::health_decoded, "成功解碼", "Registos descodificados", "Records decoded"},
    {msg::health_events, "事件", "Eventos", "Events"},
    {msg::health_alerts, "產生警報", "Alertas emitidos", "Alerts raised"},
    {msg::health_dead_letters, "拒收記錄（死信佇列）", "Registos rejeitados (fila de mensagens mortas)",
     "Rejected records (dead-letter queue)"},
    {msg::health_uptime, "運行 {} 分鐘（共 {} 分鐘）；停機 {} 分鐘，{} 次，最長 {} 分鐘。",
     "Em funcionamento {} de {} minutos; parado {} minutos em {} interrupção(ões), a mais longa de {} minutos.",
     "Running {} of {} minutes; down {} minutes in {} outage(s), the longest {} minutes."},
    {msg::health_no_downtime, "運行 {} 分鐘（共 {} 分鐘），沒有停機。", "Em funcionamento {} de {} minutos, sem interrupções.",
     "Running {} of {} minutes, no downtime."},
    {msg::dead_letters_none, "沒有拒收記錄。", "Nenhum registo rejeitado.", "No rejected records."},
    {msg::rules_not_recorded, "此警報庫沒有規則版本的記錄。", "Este arquivo de alertas não regista versões de regras.",
     "This alert store does not record rule versions."},
    {msg::rules_unchanged, "本期規則沒有變更。", "Nenhuma alteração às regras neste período.",
     "No rule changes in this period."},
    {msg::rule_added, "新增", "adicionada", "added"},
    {msg::rule_changed, "修改", "alterada", "changed"},
    {msg::rule_removed, "移除", "removida", "removed"},
    {msg::chart_daily, "每日警報數量，按類別堆疊", "Número de alertas por dia, empilhados por família",
     "Alerts per day, stacked by family"},
    {msg::chart_articles, "各條文的警報數量", "Número de alertas por artigo", "Alerts per article"},
    {msg::chart_transfers, "傳出澳門的記錄，按國家或地區", "Registos enviados para fora de Macau, por país ou região",
     "Records sent out of Macau, by country or region"},
}};

constexpr bool catalogue_in_order() {
  for (std::size_t i = 0; i < k_catalogue.size(); ++i)
    if (static_cast<std::size_t>(k_catalogue[i].id) != i) return false;
  return true;
}
static_assert(catalogue_in_order(), "k_catalogue must list msg values in enum order");

constexpr std::string_view pick(language l, const entry& e) noexcept {
  switch (l) {
    case language::zh_hant: return e.zh;
    case language::pt: return e.pt;
    case language::en: break;
  }
  return e.en;
}

struct named {
  std::string_view name;
  entry e;
};

constexpr std::array<named, 3> k_families = {{
    {"excessive_collection", {msg::count_, "過度收集", "Recolha excessiva", "Excessive collection"}},
    {"anomalous_access", {msg::count_, "異常存取", "Acesso anómalo", "Anomalous access"}},
    {"cross_border", {msg::count_, "跨境傳輸", "Transferência transfronteiriça", "Cross-border routing"}},
}};

constexpr std::array<named, 4> k_severities = {{
    {"critical", {msg::count_, "嚴重", "crítica", "critical"}},
    {"high", {msg::count_, "高", "alta", "high"}},
    {"medium", {msg::count_, "中", "média", "medium"}},
    {"low", {msg::count_, "低", "baixa", "low"}},
}};

// Law 8/2005: Art. 5 data quality, 7 sensitive data, 15/16 security of processing,
// 19/20 transfers outside the MSAR (principles, derogations).
constexpr std::array<named, 6> k_articles = {{
    {"5", {msg::count_, "第5條 — 資料的質量", "Art. 5.º — Qualidade dos dados", "Art. 5 — Data quality"}},
    {"7", {msg::count_, "第7條 — 敏感資料的處理", "Art. 7.º — Tratamento de dados sensíveis",
           "Art. 7 — Processing of sensitive data"}},
    {"15", {msg::count_, "第15條 — 處理的安全性", "Art. 15.º — Segurança do tratamento",
            "Art. 15 — Security of processing"}},
    {"16", {msg::count_, "第16條 — 特別的安全措施", "Art. 16.º — Medidas especiais de segurança",
            "Art. 16 — Special security measures"}},
    {"19", {msg::count_, "第19條 — 資料轉移到澳門以外：原則", "Art. 19.º — Transferência para fora da RAEM: princípios",
            "Art. 19 — Transfers outside Macau: principles"}},
    {"20", {msg::count_, "第20條 — 資料轉移到澳門以外：例外", "Art. 20.º — Transferência para fora da RAEM: derrogações",
            "Art. 20 — Transfers outside Macau: derogations"}},
}};

template <std::size_t N>
std::string_view lookup(const std::array<named, N>& table, language l, std::string_view name,
                        std::string_view fallback) noexcept {
  for (const auto& n : table)
    if (n.name == name) return pick(l, n.e);
  return fallback;
}

}  // namespace

std::optional<language> parse_language(std::string_view c) noexcept {
  if (c == "zh-Hant" || c == "zh" || c == "zh-MO" || c == "zh-TW" || c == "zh-HK") return language::zh_hant;
  if (c == "pt" || c == "pt-PT" || c == "pt-MO") return language::pt;
  if (c == "en") return language::en;
  return std::nullopt;
}

std::string_view code(language l) noexcept {
  return pick(l, {msg::count_, "zh-Hant", "pt", "en"});
}

std::string_view text(language l, msg m) noexcept { return pick(l, k_catalogue[static_cast<std::size_t>(m)]); }

std::string_view family_label(language l, std::string_view family) noexcept {
  return lookup(k_families, l, family, family);
}

std::string_view severity_label(language l, std::string_view severity) noexcept {
  return lookup(k_severities, l, severity, severity);
}

std::string_view article_title(language l, std::string_view article) noexcept {
  return lookup(k_articles, l, article, {});
}

std::string_view article_number_pattern(language l) noexcept {
  return pick(l, {msg::count_, "第{}條", "Art. {}.º", "Art. {}"});
}

std::string_view weekday_short(language l, int weekday) noexcept {
  static constexpr std::array<entry, 7> k_days = {{
      {msg::count_, "日", "dom", "Sun"}, {msg::count_, "一", "seg", "Mon"}, {msg::count_, "二", "ter", "Tue"},
      {msg::count_, "三", "qua", "Wed"}, {msg::count_, "四", "qui", "Thu"}, {msg::count_, "五", "sex", "Fri"},
      {msg::count_, "六", "sáb", "Sat"},
  }};
  return pick(l, k_days[static_cast<std::size_t>(weekday % 7)]);
}

}  // namespace dingwatch::report
