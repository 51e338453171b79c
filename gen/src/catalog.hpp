#pragma once
/// Private catalogue of the generator: names, departments, offices, GPS boxes, IP
/// ranges per jurisdiction, destinations, file-name templates, chat titles, processes.

#include <array>
#include <cstdint>
#include <string_view>

namespace dingwatch::gen::detail {

using sv = std::string_view;

// ---- people -------------------------------------------------------------------

inline constexpr std::array<sv, 24> k_cn_surnames{
    "陳", "李", "黃", "張", "梁", "何", "林", "吳", "劉", "鄭", "譚", "麥",
    "周", "郭", "馮", "蔡", "區", "葉", "余", "羅", "高", "關", "蕭", "潘"};
inline constexpr std::array<sv, 32> k_cn_given{
    "大文", "嘉欣", "志明", "美玲", "家豪", "詠詩", "俊傑", "淑儀", "偉強", "慧敏", "子軒",
    "婉婷", "國華", "雅琪", "建華", "曉彤", "浩然", "佩珊", "振邦", "凱琳", "永康", "麗華",
    "文傑", "嘉敏", "少華", "秀英", "錦輝", "倩雯", "德明", "綺雯", "子健", "寶儀"};
inline constexpr std::array<sv, 16> k_pt_first{"Maria",  "João",  "Ana",    "Pedro",
                                               "Sofia",  "Miguel", "Inês",  "Rui",
                                               "Carla",  "Tiago", "Catarina", "Nuno",
                                               "Helena", "Luís",  "Beatriz", "Filipe"};
inline constexpr std::array<sv, 14> k_pt_last{"Fernandes", "da Silva", "Rodrigues", "Sousa",
                                              "Pereira",   "Gomes",    "Lopes",     "Costa",
                                              "Ribeiro",   "Carvalho", "Noronha",   "Senna Fernandes",
                                              "Marques",   "Jorge"};
inline constexpr std::array<sv, 14> k_en_first{"David", "Michelle", "Kevin",  "Jenny", "Mark",
                                               "Grace", "Ryan",     "Angela", "Jose",  "Maricel",
                                               "Tony",  "Karen",    "Alvin",  "Cherry"};
inline constexpr std::array<sv, 10> k_en_last{"Wong", "Chan",  "Smith", "Reyes", "Santos",
                                              "Lee",  "Cruz",  "Taylor", "Leung", "Garcia"};

/// Departments: Chinese name, English slug, weight in the company, night-shift share (%).
struct department {
  sv name;
  sv slug;
  int weight;
  int night_pct;
};
inline constexpr std::array<department, 8> k_departments{{
    {"人力資源部", "hr", 8, 0},
    {"財務部", "finance", 10, 0},
    {"銷售部", "sales", 18, 0},
    {"資訊科技部", "it", 8, 0},
    {"營運部", "operations", 26, 30},
    {"管理層", "management", 5, 0},
    {"診所", "clinic", 9, 35},
    {"行政部", "admin", 16, 0},
}};
enum dept_ix : int { d_hr, d_finance, d_sales, d_it, d_operations, d_management, d_clinic, d_admin };

// ---- places -------------------------------------------------------------------

/// Offices in Macau; coordinates in micro-degrees; NAT egress IPs (Macau ranges).
struct office {
  sv address;
  std::int64_t lat_e6, lon_e6;
  std::array<sv, 2> nat_ips;
};
inline constexpr std::array<office, 4> k_offices{{
    {"澳門新馬路", 22193700, 113541800, {"202.175.3.17", "202.175.3.18"}},        // peninsula
    {"澳門南灣大馬路", 22189200, 113538900, {"202.86.140.21", "202.86.140.22"}},   // peninsula
    {"氹仔海洋花園大馬路", 22156100, 113558600, {"202.175.44.9", "202.175.44.10"}},  // Taipa
    {"路氹城金光大道", 22141900, 113563900, {"60.246.120.33", "60.246.120.34"}},  // Cotai
}};

/// A GPS box (micro-degrees) with an address label.
struct gps_box {
  sv address;
  std::int64_t lat_lo, lat_hi, lon_lo, lon_hi;
};
/// Residential areas in Macau (home points of Macau residents).
inline constexpr std::array<gps_box, 3> k_macau_homes{{
    {"澳門黑沙環", 22205000, 22214000, 113550000, 113556000},
    {"澳門台山", 22208000, 22215000, 113540000, 113547000},
    {"氹仔中心", 22152000, 22160000, 113550000, 113560000},
}};
/// Just across the border: where commuters check in while queuing (locationResult Outside).
inline constexpr std::array<gps_box, 2> k_border_points{{
    {"珠海市拱北口岸", 22222000, 22232000, 113540000, 113556000},
    {"珠海市橫琴口岸", 22120000, 22135000, 113505000, 113525000},
}};
/// Field-work places of roaming sales staff.
inline constexpr std::array<gps_box, 3> k_roaming_points{{
    {"香港中環", 22278000, 22286000, 114152000, 114165000},
    {"香港尖沙咀", 22294000, 22302000, 114168000, 114176000},
    {"珠海市香洲區", 22265000, 22280000, 113555000, 113580000},
}};
/// Far from the border (incident attendance_outside_macau).
inline constexpr std::array<gps_box, 3> k_far_mainland{{
    {"深圳市福田區", 22530000, 22560000, 114030000, 114080000},
    {"廣州市天河區", 23120000, 23140000, 113310000, 113340000},
    {"東莞市南城區", 23000000, 23020000, 113740000, 113760000},
}};

// ---- networks -----------------------------------------------------------------

/// An IPv4 range: base address (host order) and prefix length.
struct cidr {
  std::uint32_t base;
  int prefix;
};
constexpr std::uint32_t ip4(int a, int b, int c, int d) {
  return (static_cast<std::uint32_t>(a) << 24) | (static_cast<std::uint32_t>(b) << 16) |
         (static_cast<std::uint32_t>(c) << 8) | static_cast<std::uint32_t>(d);
}
/// Macau operators (CTM, MTel).
inline constexpr std::array<cidr, 3> k_net_macau{{
    {ip4(202, 175, 0, 0), 16}, {ip4(60, 246, 0, 0), 16}, {ip4(202, 86, 128, 0), 18}}};
/// Macau mobile (CTM): dynamic addresses of phones outside the office.
inline constexpr std::array<cidr, 1> k_net_macau_mobile{{{ip4(60, 246, 0, 0), 16}}};
/// Hong Kong consumer / mobile (PCCW, Netvigator, HGC).
inline constexpr std::array<cidr, 3> k_net_hk{{
    {ip4(112, 118, 0, 0), 16}, {ip4(218, 102, 0, 0), 16}, {ip4(61, 244, 0, 0), 16}}};
/// Mainland consumer broadband / mobile in Guangdong (Zhuhai homes, roaming).
inline constexpr std::array<cidr, 2> k_net_cn_consumer{{
    {ip4(14, 16, 0, 0), 12}, {ip4(113, 64, 0, 0), 11}}};
/// Mainland cloud (Alibaba Cloud Hangzhou/Shanghai, Tencent Cloud Guangzhou).
inline constexpr std::array<cidr, 4> k_net_cn_cloud{{
    {ip4(47, 96, 0, 0), 13}, {ip4(118, 31, 0, 0), 16}, {ip4(120, 55, 0, 0), 16},
    {ip4(139, 199, 0, 0), 16}}};
/// Overseas hosting / VPN / anonymisers (Germany, US, Russia).
inline constexpr std::array<cidr, 3> k_net_overseas_hostile{{
    {ip4(185, 220, 100, 0), 22}, {ip4(45, 33, 0, 0), 16}, {ip4(95, 165, 0, 0), 16}}};
/// Holiday destinations of staff on trips (Portugal MEO, Japan SoftBank, Taiwan HiNet).
struct trip_place {
  sv country;
  cidr net;
};
inline constexpr std::array<trip_place, 3> k_trip_places{{
    {"PT", {ip4(85, 240, 0, 0), 13}}, {"JP", {ip4(126, 0, 0, 0), 8}}, {"TW", {ip4(1, 160, 0, 0), 12}}}};

// ---- destinations of egress flows ----------------------------------------------

struct destination {
  sv host;
  sv ip;
};
inline constexpr destination k_dst_oapi{"oapi.dingtalk.com", "203.119.169.10"};
inline constexpr destination k_dst_space{"space.dingtalk.com", "203.119.169.42"};
inline constexpr destination k_dst_files_mo{"files.example.mo", "202.175.80.20"};
inline constexpr destination k_dst_crm_mo{"hooks.crm.example.mo", "202.175.80.40"};
inline constexpr destination k_dst_ingest{"dingwatch-ingest.example.mo", "202.175.80.5"};
inline constexpr std::array<destination, 2> k_dst_banks_mo{{
    {"corp.bnu.com.mo", "202.175.36.12"}, {"ebanking.icbc.com.mo", "202.86.150.8"}}};
inline constexpr destination k_dst_oss_hz{"oss-cn-hangzhou.aliyuncs.com", "118.31.219.200"};
/// Cross-border destinations (incidents).
inline constexpr std::array<destination, 3> k_dst_abroad_upload{{
    {"oss-cn-hangzhou.aliyuncs.com", "118.31.219.200"},
    {"oss-cn-shenzhen.aliyuncs.com", "120.78.12.34"},
    {"upload.example-crm.cn", "47.98.40.17"}}};
inline constexpr std::array<destination, 2> k_dst_abroad_hr{{
    {"hrsync.oss-cn-shanghai.aliyuncs.com", "106.14.88.21"},
    {"api.example-hr.cn", "47.97.5.120"}}};
inline constexpr std::array<destination, 2> k_dst_abroad_hooks{{
    {"hooks.example-crm.cn", "47.98.40.1"}, {"hooks.example-chat.com", "45.33.71.9"}}};
/// event_push to the right host name but an address not on the allow-list.
inline constexpr std::array<sv, 2> k_ingest_unlisted_ips{"47.242.18.77", "47.242.130.5"};

// ---- documents ------------------------------------------------------------------

/// File-name templates per department. `{Y}` year, `{M}` month, `{D}` yyyy-MM-dd,
/// `{Q}` quarter, `{N}` a 4–6 digit number, `{C}` a client name.
inline constexpr std::array<sv, 9> k_files_hr{
    "{Y}年{M}月排班表.xlsx", "員工手冊 v3.pdf",        "薪酬政策說明-{Y}.pdf",
    "招聘計劃-{Y}.docx",    "Mapa de Férias {Y}.xlsx", "Contrato de Trabalho - modelo.docx",
    "員工通訊錄.xlsx",      "培訓課程安排-{M}月.pptx", "面試評估表_{N}.docx"};
inline constexpr std::array<sv, 9> k_files_finance{
    "{Y}年{M}月財務報表.xlsx", "Invoice_INV{N}.pdf",    "報銷單據_{N}.pdf",
    "Budget FY{Y}.xlsx",       "Balancete {M}-{Y}.xlsx", "銀行對賬單-{M}月.pdf",
    "應收賬款明細.xlsx",       "稅務申報表 M1-{Y}.pdf",  "Payroll calendar {Y}.pdf"};
inline constexpr std::array<sv, 8> k_files_sales{
    "客戶報價單_{N}.pdf",          "Proposta Comercial - {C}.pptx", "Sales Pipeline Q{Q}.xlsx",
    "{C} 合作方案.docx",           "產品目錄{Y}.pdf",               "訂單確認_{N}.pdf",
    "Visit Report {D}.docx",       "客戶聯絡名單.csv"};
inline constexpr std::array<sv, 7> k_files_it{
    "網絡拓撲圖.vsdx", "server-inventory.xlsx", "備份日誌-{D}.log", "VPN設定指南.pdf",
    "Change Request CR-{N}.docx", "軟件授權清單.xlsx", "incident-postmortem-{D}.md"};
inline constexpr std::array<sv, 7> k_files_operations{
    "{Y}年{M}月排班表.xlsx",      "Relatório de Operações {M}-{Y}.docx", "貨倉存貨清單.xlsx",
    "Shift Handover {D}.docx",    "送貨時間表-{D}.xlsx",                 "設備保養記錄.xlsx",
    "SOP 收貨流程.pdf"};
inline constexpr std::array<sv, 6> k_files_management{
    "董事會會議紀錄-{D}.docx", "Plano Estratégico {Y}.pptx", "季度業績報告 Q{Q}.pptx",
    "投資建議書-{C}.pdf",      "管理層週報-{D}.docx",        "Orçamento {Y}.xlsx"};
inline constexpr std::array<sv, 7> k_files_clinic{
    "診所排班表-{M}月.xlsx", "醫療用品採購清單.xlsx", "Protocolo de Higiene.pdf",
    "消毒記錄-{D}.xlsx",     "藥品庫存.xlsx",         "健康講座海報.png",
    "急救培訓簽到表.pdf"};
inline constexpr std::array<sv, 8> k_files_admin{
    "會議紀錄-{D}.docx",    "辦公室座位表.xlsx",     "{Y}年公眾假期安排.pdf",
    "文具採購單_{N}.xlsx",  "年會籌備方案.pptx",     "IMG_{N}.jpg",
    "Screenshot {D}.png",   "健康檢查套餐介紹.pdf"};
inline constexpr std::array<sv, 6> k_files_common{
    "會議紀錄.docx", "IMG_{N}.jpg", "Screenshot {D}.png", "通知-{D}.pdf", "工作計劃-{M}月.xlsx",
    "Apresentação {C}.pptx"};
/// Big benign media files (downloads > 50 MB are normal for these).
inline constexpr std::array<sv, 4> k_files_big{
    "公司宣傳片{Y}.mp4", "Design assets {Q}.zip", "產品培訓錄影-{D}.mp4", "展會照片合集.zip"};
inline constexpr std::array<sv, 8> k_clients{"新濠", "銀河", "Sociedade Cotai", "永利",
                                             "Grand Lisboa", "澳門電力", "CEM", "Hotel Estoril"};

/// Health / medical personal data (incident: excessive collection).
inline constexpr std::array<sv, 7> k_files_health{
    "員工健康申報表-{Y}-{M}.xlsx", "員工體檢報告匯總.xlsx", "病假醫生紙-{NAME}.pdf",
    "Registo de Saúde dos Funcionários.xlsx", "員工體溫記錄-{D}.xlsx", "疫苗接種紀錄.xlsx",
    "員工病歷副本-{NAME}.pdf"};
/// Payment card numbers in file names (incident bank_card_in_title_or_file): `{CARD}` a
/// Luhn-valid card number, `{NAME}` a colleague.
inline constexpr std::array<sv, 6> k_files_card{
    "報銷_{NAME}_信用卡 {CARD}.pdf", "{NAME} 工資卡 {CARD}.jpg",       "Reembolso - cartão {CARD}.pdf",
    "Refund {NAME} - card no {CARD}.pdf", "銀聯卡{CARD} 退款證明.pdf", "信用卡 {CARD} (正面).jpg"};
inline constexpr std::array<sv, 2> k_chat_titles_card{"退款跟進 {NAME} 卡號 {CARD}", "Reembolso {NAME} - cartão {CARD}"};
/// Passport numbers in file names (incident passport_number_in_title_or_file): `{PP}` a
/// Macau, Hong Kong, mainland or Philippine passport number, `{NAME}` a colleague.
inline constexpr std::array<sv, 5> k_files_passport{
    "護照副本_{NAME}_{PP}.pdf", "Passport copy - {NAME} {PP}.jpg", "Cópia do passaporte {PP}.pdf",
    "出差名單 護照號碼 {PP}.xlsx", "護照 {PP} 簽證申請表.pdf"};
inline constexpr std::array<sv, 2> k_chat_titles_passport{"泰國團建 護照登記 {NAME} {PP}",
                                                          "Viagem a Lisboa - passaporte {NAME} {PP}"};
/// Benign look-alikes of card and passport numbers: `{ORDER}` 16–20 digits, `{INVOICE}`
/// four groups of four failing Luhn, `{REF}` four groups of four (passing Luhn one time in
/// ten), `{N8}` eight digits (an e-invoice `E12345678` has a mainland passport's shape).
inline constexpr std::array<sv, 13> k_files_number_lookalike{
    "訂單{ORDER}.pdf",        "順豐運單 SF{ORDER}.pdf",          "信用卡收單結算 INV {INVOICE}.pdf",
    "Payment ref {REF}.pdf", "Cartão de crédito - regulamento.pdf", "信用卡優惠 {Y}年{M}月.pdf",
    "E-Invoice E{N8}.pdf",   "護照續期須知.pdf",                   "出差護照及簽證安排-{M}月.xlsx",
    "Passport renewal - checklist.docx", "報價單_{C}_{MAIL}.pdf", "總機 {LANDLINE} 傳真 {LANDLINE}.pdf",
    "客戶資料 {C} {PHONE} {MAIL}.pdf"};
/// Contact lists (incident contact_list_in_title): what the list is for, then 2–4 people
/// each with a mobile number or a webmail address.
inline constexpr std::array<sv, 6> k_contact_list_purposes{
    "春茗報名", "旅行團緊急聯絡", "家長義工聯絡", "Jantar de Natal - inscrições", "Team building contacts", "羽毛球班報名"};
/// Romanised surnames and webmail domains for generated personal e-mail addresses.
inline constexpr std::array<sv, 10> k_mail_names{"chan", "lee", "wong", "leong", "ho", "lam", "ng", "cheong", "sousa", "costa"};
inline constexpr std::array<sv, 6> k_webmail{"gmail.com", "hotmail.com", "yahoo.com.hk", "qq.com", "163.com", "outlook.com"};
/// Payroll and staff bank details: HR and Finance share them with one person (need to know).
inline constexpr std::array<sv, 3> k_files_payroll{"{Y}年{M}月薪酬表.xlsx", "員工銀行賬戶資料-{M}月.xlsx",
                                                  "Folha de pagamento {M}-{Y}.xlsx"};
/// Registers of other people's personal data (incident personal_register_shared_to_group).
inline constexpr std::array<sv, 7> k_files_register{
    "{Y}年{M}月薪酬表.xlsx", "員工銀行賬戶資料-{M}月.xlsx", "全體員工身份證副本.zip", "Folha de pagamento {M}-{Y}.xlsx",
    "Payslips {Y}-{M}.pdf",  "員工個人資料表.xlsx",        "護照副本合集-出差團.pdf"};
/// Bulk personal-data exports.
inline constexpr std::array<sv, 4> k_files_bulk_export{
    "全體員工資料_導出.xlsx", "客戶資料庫導出.csv", "會員名單全量.csv", "HR_master_export.xlsx"};

// ---- chats, approvals -----------------------------------------------------------

/// Group titles; a customer or supplier group may carry its one contact's mobile number.
inline constexpr std::array<sv, 16> k_chat_titles{
    "全體員工群", "午餐團購群", "年會籌備小組", "IT Helpdesk", "Projecto Cotai", "週末行山群",
    "{DEPT}工作群", "{DEPT}通知群", "Equipa de Operações", "健身打卡群", "健康講座報名",
    "{Y}年{M}月排班通知群", "新同事歡迎群", "Sales Weekly", "客戶跟進 {C} {PHONE}", "Fornecedor {C} - contacto {PHONE}"};
/// Incident chat titles announcing a health registry.
inline constexpr std::array<sv, 5> k_chat_titles_health{
    "員工體溫及病歷登記群", "健康申報登記群", "Registo de Temperatura dos Funcionários",
    "病歷收集群", "員工體檢報告收集群"};

struct process {
  sv code;
  sv name;
  int weight;
};
inline constexpr std::array<process, 6> k_processes{{
    {"PROC-LEAVE", "請假申請", 30},
    {"PROC-EXPENSE", "報銷申請", 25},
    {"PROC-PURCHASE", "採購申請", 15},
    {"PROC-OVERTIME", "加班申請", 12},
    {"PROC-TRAVEL", "出差申請", 10},
    {"PROC-SEAL", "用印申請", 8},
}};

// ---- devices, clients -----------------------------------------------------------

inline constexpr std::array<sv, 6> k_platform_views{"", "PC", "Android", "iOS", "Mac", "Web"};
inline constexpr std::array<sv, 6> k_browsers_pc{"Chrome 131", "Edge 130", "DingTalk 7.6.5 (Windows)",
                                                 "Chrome 130", "Firefox 132", "DingTalk 7.6.0 (Windows)"};
inline constexpr std::array<sv, 3> k_browsers_mac{"Safari 17.6", "DingTalk 7.6.5 (macOS)", "Chrome 131"};
inline constexpr std::array<sv, 2> k_browsers_android{"DingTalk 7.6.5 (Android)", "DingTalk 7.6.0 (Android)"};
inline constexpr std::array<sv, 2> k_browsers_ios{"DingTalk 7.6.5 (iOS)", "DingTalk 7.6.3 (iOS)"};

/// Audit action codes (the decoder uses the same table).
inline constexpr std::array<sv, 12> k_action_views{"",     "查看", "編輯", "分享",
                                                   "上傳", "下載", "導出", "刪除",
                                                   "打印", "登錄", "登錄失敗", "權限變更"};
enum action_code : int {
  a_view = 1, a_edit, a_share, a_upload, a_download, a_export, a_delete, a_print, a_login,
  a_login_failed, a_permission
};

/// PRC resident-id area codes (Guangdong and a few others).
inline constexpr std::array<sv, 6> k_prc_areas{"440402", "440304", "440106", "440104", "350102", "330106"};
/// HKID first letters seen in practice.
inline constexpr std::array<char, 10> k_hkid_letters{'A', 'C', 'D', 'E', 'G', 'H', 'K', 'M', 'P', 'Y'};

}  // namespace dingwatch::gen::detail
