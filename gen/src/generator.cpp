#include "dingwatch/gen/generator.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

#include "catalog.hpp"
#include "util.hpp"

namespace dingwatch::gen {

using namespace detail;

// ---- identity numbers ---------------------------------------------------------------

char hkid_check(const std::string& s) {
  // s = 1–2 letters + 6 digits. A single letter is padded with a space (value 36).
  int values[8];
  int n = 0;
  if (s.size() == 7) values[n++] = 36;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z')
      values[n++] = c - 'A' + 10;
    else
      values[n++] = c - '0';
    if (n == 8) break;
  }
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += values[i] * (9 - i);
  const int check = (11 - sum % 11) % 11;
  return check == 10 ? 'A' : static_cast<char>('0' + check);
}

char prc_id_check(const std::string& first17) {
  static constexpr int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char map[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17 && i < static_cast<int>(first17.size()); ++i)
    sum += (first17[static_cast<std::size_t>(i)] - '0') * weights[i];
  return map[sum % 11];
}

char macau_bir_check(const std::string& seven) {
  int sum = 0;
  for (int i = 0; i < 7 && i < static_cast<int>(seven.size()); ++i)
    sum += (seven[static_cast<std::size_t>(i)] - '0') * (8 - i);
  const int check = (11 - sum % 11) % 11;
  return check == 10 ? 'X' : static_cast<char>('0' + check);
}

std::string to_json(const incident& inc) {
  std::string s;
  s.reserve(160);
  json_writer w(s);
  w.open()
      .str("id", inc.id)
      .str("family", inc.family)
      .str("kind", inc.kind)
      .str("user_id", inc.user_id)
      .num("start_ms", inc.start_ms)
      .num("end_ms", inc.end_ms)
      .close();
  return s;
}

namespace {

enum topic_ix : std::uint8_t { t_events, t_audit, t_flows };
constexpr std::array<sv, 3> k_topic_names{k_topic_events, k_topic_audit, k_topic_flows};

/// Where an activity happens; decides IP, platform and GPS.
enum class place : std::uint8_t { office, home, macau_mobile, hk, zhuhai, trip };

enum kind_ix : int {
  // excessive_collection
  k_health_file_shared_to_group,
  k_health_form_approval,
  k_health_group_title,
  k_id_numbers_in_title_or_file,
  k_attendance_off_shift_gps,
  k_hr_sync_overwide,
  k_bank_card_in_title_or_file,
  k_passport_number_in_title_or_file,
  k_contact_list_in_title,
  k_personal_register_shared_to_group,
  k_location_tracking_burst,
  // anomalous_access
  k_bulk_download,
  k_off_hours_access,
  k_new_device_and_ip,
  k_impossible_travel,
  k_failed_login_burst,
  k_admin_grant_then_export,
  k_dormant_account_wakeup,
  k_activity_after_leave,
  k_new_country_bulk_download,
  // cross_border
  k_audit_from_foreign_ip,
  k_flow_personal_records_abroad,
  k_smart_hr_sync_enabled_abroad,
  k_robot_webhook_foreign,
  k_event_push_weak_tls,
  k_attendance_outside_macau,
  k_kind_count
};
struct kind_meta {
  sv family;
  sv name;
};
constexpr std::array<kind_meta, k_kind_count> k_kinds{{
    {"excessive_collection", "health_file_shared_to_group"},
    {"excessive_collection", "health_form_approval"},
    {"excessive_collection", "health_group_title"},
    {"excessive_collection", "id_numbers_in_title_or_file"},
    {"excessive_collection", "attendance_off_shift_gps"},
    {"excessive_collection", "hr_sync_overwide"},
    {"excessive_collection", "bank_card_in_title_or_file"},
    {"excessive_collection", "passport_number_in_title_or_file"},
    {"excessive_collection", "contact_list_in_title"},
    {"excessive_collection", "personal_register_shared_to_group"},
    {"excessive_collection", "location_tracking_burst"},
    {"anomalous_access", "bulk_download"},
    {"anomalous_access", "off_hours_access"},
    {"anomalous_access", "new_device_and_ip"},
    {"anomalous_access", "impossible_travel"},
    {"anomalous_access", "failed_login_burst"},
    {"anomalous_access", "admin_grant_then_export"},
    {"anomalous_access", "dormant_account_wakeup"},
    {"anomalous_access", "activity_after_leave"},
    {"anomalous_access", "new_country_bulk_download"},
    {"cross_border", "audit_from_foreign_ip"},
    {"cross_border", "flow_personal_records_abroad"},
    {"cross_border", "smart_hr_sync_enabled_abroad"},
    {"cross_border", "robot_webhook_foreign"},
    {"cross_border", "event_push_weak_tls"},
    {"cross_border", "attendance_outside_macau"},
}};
constexpr std::array<int, 4> k_family_first{0, k_bulk_download, k_audit_from_foreign_ip, k_kind_count};

struct user {
  std::string id, real_name, nick;
  int dept = 0;
  bool bot = false, night = false, roaming = false, commuter = false, part_time = false,
       dormant = false, admin = false, manager = false;
  bool leave_by_incident = false, woken = false;
  int desk_platform = 1, phone_platform = 2;
  std::string desk_sn, phone_sn;
  int office = 0;
  std::string office_ip, home_ip;
  std::int64_t home_lat = 0, home_lon = 0;
  sv home_address;
  int activity_pct = 100;  // activity multiplier ×100
  int start_min = 540, end_min = 1080;
  int part_day_a = 1, part_day_b = 3;
  int night_offset = 0;
  std::int64_t employed_from = std::numeric_limits<std::int64_t>::min();
  std::int64_t employed_until = std::numeric_limits<std::int64_t>::max();
  std::int64_t trip_from_day = -1, trip_until_day = -2;
  int trip_place = 0;
  std::string trip_ip;
  /// Per platform (1 PC … 5 Web): the last audit record on it, for incidents that must
  /// come from a platform new to the person.
  std::array<std::int64_t, 6> platform_last_ms{};
};

struct chat {
  std::string id, ocid, title;
  int dept = -1;
};

struct entry {
  std::int64_t ts;
  std::uint32_t seq;
  std::uint8_t topic;
  std::int32_t inc;
  std::uint32_t koff, klen, voff, vlen;
};

struct att_check {
  std::size_t user;
  std::int64_t ts;
  std::int64_t lat, lon;
  sv address;
  bool outside;
  std::uint8_t method;  // 0 MAP, 1 WIFI, 2 ATM
  bool on_duty;
  std::int32_t inc;     // incident checks are rendered alone
  std::uint32_t order;
};

struct planned {
  int kind;
  std::size_t user;
};

struct day_incident {
  incident label;
  bool published = false;
  bool touched = false;
};

}  // namespace

struct generator::impl {
  options opt;
  std::vector<user> users;
  std::vector<std::size_t> humans_initial;
  std::vector<chat> chats;
  std::size_t hr_bot = 0, eventpush = 0;
  std::array<std::size_t, 3> robots{};
  int next_user_serial = 0;

  // Day buffers.
  std::int64_t day = 0, day0 = 0, first_day = 0;
  int wd = 0;
  std::string buf;
  std::vector<entry> entries;
  std::size_t pos = 0;
  std::uint32_t seq = 0;
  entry cur{};
  std::vector<att_check> att;
  std::vector<day_incident> day_incs;
  std::vector<incident> published;
  std::int64_t now = 0;
  std::uint64_t audit_biz = 33018, snake_biz = 880122, event_counter = 0, record_counter = 0;

  // Scratch strings (reused: no steady-state allocation).
  std::string scratch, res, title, ipbuf, ipbuf2, name_tmp;

  explicit impl(options o) : opt(std::move(o)) {
    if (opt.users < 1) opt.users = 1;
    if (opt.start_ms == 0) {
      const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      opt.start_ms = macau_midnight(macau_day(now_ms) - 7);
    }
    build_company();
    first_day = macau_day(opt.start_ms);
    day = first_day - 1;
    now = opt.start_ms;
    buf.reserve(8u << 20);
  }

  // ---------------------------------------------------------------- company

  static void append_ip(std::string& s, rng& r, const cidr& c) {
    const std::uint32_t size = c.prefix >= 32 ? 1u : (1u << (32 - c.prefix));
    std::uint32_t a = c.base + static_cast<std::uint32_t>(r.below(size));
    if ((a & 0xff) == 0) a |= 1;
    if ((a & 0xff) == 255) a -= 1;
    append_int(s, a >> 24);
    s += '.';
    append_int(s, (a >> 16) & 0xff);
    s += '.';
    append_int(s, (a >> 8) & 0xff);
    s += '.';
    append_int(s, a & 0xff);
  }
  template <std::size_t N>
  static void random_ip(std::string& s, rng& r, const std::array<cidr, N>& nets) {
    s.clear();
    append_ip(s, r, nets[r.below(N)]);
  }

  static void append_digits(std::string& s, rng& r, int n) {
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + r.below(10));
  }
  static void append_alnum(std::string& s, rng& r, int n) {
    static constexpr char al[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    for (int i = 0; i < n; ++i) s += al[r.below(sizeof al - 1)];
  }
  static void append_hex(std::string& s, std::uint64_t v, int n) {
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = 0; i < n; ++i) {
      s += hex[v & 0xf];
      v >>= 4;
    }
  }

  static void make_device(std::string& s, rng& r, int platform) {
    s.clear();
    switch (platform) {
      case 1: s = "PF"; append_alnum(s, r, 8); break;            // Lenovo-style PC serial
      case 2: s = "R5C"; append_alnum(s, r, 8); break;           // Samsung
      case 3: s = "F2L"; append_alnum(s, r, 9); break;           // iPhone
      case 4: s = "C02"; append_alnum(s, r, 9); break;           // Mac
      default: s = "WEB-"; append_hex(s, r.next(), 12); break;   // browser fingerprint
    }
  }

  std::size_t add_user(rng& r, int dept) {
    user u;
    u.dept = dept;
    // DingTalk-style numeric userId, 16–18 digits starting with 01.
    u.id = "01";
    append_digits(u.id, r, static_cast<int>(r.range(14, 16)));
    const auto origin = r.weighted(std::array<int, 3>{70, 15, 15});
    if (origin == 0) {
      const sv sur = r.pick(std::span<const sv>(k_cn_surnames));
      const sv giv = r.pick(std::span<const sv>(k_cn_given));
      u.real_name.assign(sur).append(giv);
      u.nick.assign(giv);
    } else {
      const bool pt = origin == 1;
      const sv first = pt ? r.pick(std::span<const sv>(k_pt_first)) : r.pick(std::span<const sv>(k_en_first));
      const sv last = pt ? r.pick(std::span<const sv>(k_pt_last)) : r.pick(std::span<const sv>(k_en_last));
      u.real_name.assign(first).append(" ").append(last);
      u.nick.clear();
      for (char c : first) u.nick += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    const department& d = k_departments[static_cast<std::size_t>(dept)];
    u.night = r.below(100) < static_cast<std::uint64_t>(d.night_pct);
    u.roaming = dept == d_sales && r.chance(0.45);
    u.commuter = !u.night && r.chance(0.08);
    u.part_time = !u.night && !u.commuter && r.chance(0.03);
    u.admin = dept == d_it && r.chance(0.5);
    u.desk_platform = r.chance(0.8) ? 1 : 4;
    u.phone_platform = r.chance(0.55) ? 2 : 3;
    if (u.roaming && r.chance(0.5)) u.desk_platform = u.phone_platform;  // phone-first
    make_device(u.desk_sn, r, u.desk_platform);
    make_device(u.phone_sn, r, u.phone_platform);
    u.office = static_cast<int>(r.below(k_offices.size()));
    u.office_ip.assign(k_offices[static_cast<std::size_t>(u.office)].nat_ips[r.below(2)]);
    if (u.commuter) {
      random_ip(u.home_ip, r, k_net_cn_consumer);
      const gps_box& b = k_roaming_points[2];
      u.home_address = b.address;
      u.home_lat = r.range(b.lat_lo, b.lat_hi);
      u.home_lon = r.range(b.lon_lo, b.lon_hi);
    } else {
      random_ip(u.home_ip, r, k_net_macau);
      const gps_box& b = k_macau_homes[r.below(k_macau_homes.size())];
      u.home_address = b.address;
      u.home_lat = r.range(b.lat_lo, b.lat_hi);
      u.home_lon = r.range(b.lon_lo, b.lon_hi);
    }
    u.activity_pct = static_cast<int>(r.range(50, 170));
    u.start_min = static_cast<int>(r.range(8 * 60 + 30, 9 * 60 + 45));
    u.end_min = static_cast<int>(r.range(17 * 60 + 30, 19 * 60));
    u.part_day_a = static_cast<int>(r.range(1, 3));
    u.part_day_b = u.part_day_a + 2;
    u.night_offset = static_cast<int>(r.below(7));
    u.trip_place = static_cast<int>(r.below(k_trip_places.size()));
    users.push_back(std::move(u));
    return users.size() - 1;
  }

  std::size_t add_bot(std::string id, std::string name, int dept) {
    user u;
    u.id = std::move(id);
    u.real_name = name;
    u.nick = std::move(name);
    u.dept = dept;
    u.bot = true;
    u.office_ip = "202.175.80.2";
    users.push_back(std::move(u));
    return users.size() - 1;
  }

  int draw_dept(rng& r) {
    static constexpr auto weights = [] {
      std::array<int, k_departments.size()> w{};
      for (std::size_t i = 0; i < w.size(); ++i) w[i] = k_departments[i].weight;
      return w;
    }();
    return static_cast<int>(r.weighted(weights));
  }

  void build_company() {
    rng r(mix_seed(opt.seed, 0x636f6d70616e79ull));
    users.reserve(static_cast<std::size_t>(opt.users) + 64);
    for (int i = 0; i < opt.users; ++i) {
      const std::size_t ix = add_user(r, draw_dept(r));
      humans_initial.push_back(ix);
    }
    // Managers (one per department when present) and long-absent (dormant) accounts.
    std::array<bool, k_departments.size()> has_mgr{};
    for (auto ix : humans_initial) {
      user& u = users[ix];
      if (!has_mgr[static_cast<std::size_t>(u.dept)] && !u.night) {
        u.manager = true;
        has_mgr[static_cast<std::size_t>(u.dept)] = true;
      }
      if (u.dept == d_management) u.manager = true;
      if (!u.manager && !u.admin && r.chance(0.03)) u.dormant = true;
    }
    // Bots.
    std::string hr_id = "01";
    append_digits(hr_id, r, 8);
    hr_bot = add_bot(hr_id, "hr-bot", d_hr);
    robots[0] = add_bot("robot-sales", "robot-sales", d_sales);
    robots[1] = add_bot("robot-ops", "robot-ops", d_operations);
    robots[2] = add_bot("robot-it", "robot-it", d_it);
    eventpush = add_bot("eventpush", "eventpush", d_it);
    // Chats: company-wide and per department.
    const std::size_t n_chats = std::max<std::size_t>(12, static_cast<std::size_t>(opt.users) / 4);
    for (std::size_t i = 0; i < n_chats; ++i) {
      chat c;
      c.id = "chat";
      append_hex(c.id, r.next(), 8);
      c.ocid = "cid";
      append_alnum(c.ocid, r, 12);
      c.ocid += "==";
      c.dept = i < k_departments.size() ? static_cast<int>(i) : static_cast<int>(r.below(k_departments.size()));
      fill_chat_title(c.title, r, c.dept, macau_day(opt.start_ms));
      if (i == 0) c.title = "全體員工群";
      chats.push_back(std::move(c));
    }
  }

  void fill_chat_title(std::string& out, rng& r, int dept, std::int64_t d) {
    expand(out, r.pick(std::span<const sv>(k_chat_titles)), r, dept, d, {});
  }

  // ---------------------------------------------------------------- text templates

  /// Expands {Y} {M} {D} {Q} {N} {C} {DEPT} {NAME} in `tpl` into `out`.
  void expand(std::string& out, sv tpl, rng& r, int dept, std::int64_t d, sv name) {
    out.clear();
    const civil c = civil_from_days(d);
    for (std::size_t i = 0; i < tpl.size(); ++i) {
      if (tpl[i] != '{') {
        out += tpl[i];
        continue;
      }
      const auto close = tpl.find('}', i);
      const sv tag = tpl.substr(i + 1, close - i - 1);
      i = close;
      if (tag == "Y") append_int(out, c.y);
      else if (tag == "M") append_int(out, c.m);
      else if (tag == "Q") append_int(out, (c.m - 1) / 3 + 1);
      else if (tag == "D") {
        const civil p = civil_from_days(d - static_cast<std::int64_t>(r.below(20)));
        append_int(out, p.y);
        out += '-';
        append_2(out, p.m);
        out += '-';
        append_2(out, p.d);
      } else if (tag == "N") append_digits(out, r, static_cast<int>(r.range(4, 6)));
      else if (tag == "C") out += r.pick(std::span<const sv>(k_clients));
      else if (tag == "DEPT") out += k_departments[static_cast<std::size_t>(dept < 0 ? 0 : dept)].name;
      else if (tag == "NAME") out += name;
      else if (tag == "CARD") card_number(out, r);
      else if (tag == "PP") passport_number(out, r);
      else if (tag == "N8") append_digits(out, r, 8);
      else if (tag == "PHONE") mobile_number(out, r);
      else if (tag == "MAIL") webmail_address(out, r);
      else if (tag == "LANDLINE") {  // a Macau fixed line: 28xx xxxx
        out += "+853 28";
        append_digits(out, r, 2);
        out += ' ';
        append_digits(out, r, 4);
      }
      else if (tag == "ORDER") {  // an order or tracking number: 16–20 digits
        out += static_cast<char>('0' + r.range(1, 9));
        append_digits(out, r, static_cast<int>(r.range(15, 19)));
      } else if (tag == "REF" || tag == "INVOICE") {  // four groups of four digits
        const std::size_t from = out.size();
        for (int g = 0; g < 4; ++g) {
          if (g > 0) out += ' ';
          append_digits(out, r, 4);
        }
        // An invoice number from a card acquirer: looks like a card, fails Luhn.
        if (tag == "INVOICE" && luhn_valid(sv(out).substr(from))) out.back() = static_cast<char>('0' + (out.back() - '0' + 1) % 10);
      }
    }
  }

  /// Luhn (mod 10) over the digits of `s`.
  static bool luhn_valid(sv s) {
    int sum = 0, n = 0;
    for (auto it = s.rbegin(); it != s.rend(); ++it) {
      if (*it < '0' || *it > '9') continue;
      int d = *it - '0';
      if (n++ % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    return sum % 10 == 0;
  }

  /// A personal mobile number as people write it: Macau with or without +853/00853, Hong
  /// Kong with +852, the mainland with +86 or without.
  static void mobile_number(std::string& out, rng& r) {
    const auto four = [&] { append_digits(out, r, 4); };
    switch (r.weighted(std::array<int, 6>{30, 25, 10, 15, 10, 10})) {
      case 0: out += "+853 6"; append_digits(out, r, 3); out += ' '; four(); break;
      case 1: out += '6'; append_digits(out, r, 3); out += ' '; four(); break;
      case 2: out += "00853 6"; append_digits(out, r, 7); break;
      case 3: out += "+852 "; out += static_cast<char>('0' + r.range(5, 9)); append_digits(out, r, 3); out += ' '; four(); break;
      case 4: out += "+86 13"; append_digits(out, r, 1); out += ' '; four(); out += ' '; four(); break;
      default: out += "1"; out += static_cast<char>('0' + r.range(3, 9)); append_digits(out, r, 9); break;
    }
  }

  /// A personal webmail address: a romanised surname, initials and digits.
  static void webmail_address(std::string& out, rng& r) {
    out += r.pick(std::span<const sv>(k_mail_names));
    out += '.';
    out += static_cast<char>('a' + r.below(26));
    out += static_cast<char>('a' + r.below(26));
    if (r.chance(0.5)) append_digits(out, r, 2);
    out += '@';
    out += r.pick(std::span<const sv>(k_webmail));
  }

  /// A passport number of Macau (MA + 7 digits), Hong Kong (H/K + 8), the mainland (E + 8,
  /// E + letter + 7) or the Philippines (P + 7 + letter).
  static void passport_number(std::string& out, rng& r) {
    static constexpr char letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    switch (r.weighted(std::array<int, 5>{35, 25, 15, 15, 10})) {
      case 0: out += "MA"; append_digits(out, r, 7); break;
      case 1: out += r.chance(0.5) ? 'H' : 'K'; append_digits(out, r, 8); break;
      case 2: out += 'E'; append_digits(out, r, 8); break;
      case 3: out += 'E'; out += letters[r.below(sizeof letters - 1)]; append_digits(out, r, 7); break;
      default: out += 'P'; append_digits(out, r, 7); out += letters[r.below(sizeof letters - 1)]; break;
    }
  }

  /// A payment card number with a real brand prefix and length and a valid Luhn check
  /// digit, grouped in fours (space or dash) 60 % of the time.
  static void card_number(std::string& out, rng& r) {
    std::string digits;
    int length = 16;
    switch (r.weighted(std::array<int, 4>{40, 25, 25, 10})) {
      case 0: digits = "4"; break;                                                   // Visa
      case 1: digits = "5"; digits += static_cast<char>('0' + r.range(1, 5)); break;  // Mastercard
      case 2: digits = "62"; length = r.chance(0.5) ? 16 : 19; break;                // UnionPay
      default: digits = "35"; digits += static_cast<char>('0' + r.range(2, 8)); break;  // JCB
    }
    append_digits(digits, r, length - 1 - static_cast<int>(digits.size()));
    digits += '0';
    while (!luhn_valid(digits)) ++digits.back();
    if (!r.chance(0.6)) {
      out += digits;
      return;
    }
    const char sep = r.chance(0.7) ? ' ' : '-';
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && i % 4 == 0) out += sep;
      out += digits[i];
    }
  }

  /// A benign file name for `dept` into `res`.
  void benign_file(rng& r, int dept) {
    std::span<const sv> pool;
    if (r.chance(0.15)) {
      pool = k_files_common;
    } else {
      switch (dept) {
        case d_hr: pool = k_files_hr; break;
        case d_finance: pool = k_files_finance; break;
        case d_sales: pool = k_files_sales; break;
        case d_it: pool = k_files_it; break;
        case d_operations: pool = k_files_operations; break;
        case d_management: pool = k_files_management; break;
        case d_clinic: pool = k_files_clinic; break;
        default: pool = k_files_admin; break;
      }
    }
    expand(res, r.pick(pool), r, dept, day, {});
    // Lookalikes of identity numbers: order numbers and "(1)" copies of downloads.
    if (r.chance(0.01)) {
      res.insert(0, r.chance(0.5) ? "PO-" : "訂單");
      const auto dot = res.rfind('.');
      std::string tail = res.substr(dot);
      res.resize(dot);
      res += '_';
      res += static_cast<char>('0' + r.range(1, 9));
      append_digits(res, r, 6);
      res += '(';
      res += static_cast<char>('0' + r.range(1, 3));
      res += ')';
      res += tail;
    } else if ((dept == d_finance || dept == d_sales || dept == d_admin) && r.chance(0.01)) {
      // Lookalikes of card and passport numbers: order and tracking numbers, card-acquirer
      // invoices, payment references, e-invoices, card and passport words without a number.
      expand(res, r.pick(std::span<const sv>(k_files_number_lookalike)), r, dept, day, {});
    }
  }

  static sv extension_of(sv name) {
    const auto dot = name.rfind('.');
    return dot == sv::npos ? sv{} : name.substr(dot + 1);
  }

  static std::int64_t size_for(rng& r, sv ext) {
    if (ext == "xlsx" || ext == "csv") return r.log_uniform(12'000, 4'000'000);
    if (ext == "pdf") return r.log_uniform(40'000, 8'000'000);
    if (ext == "pptx") return r.log_uniform(800'000, 30'000'000);
    if (ext == "docx" || ext == "md") return r.log_uniform(15'000, 2'000'000);
    if (ext == "jpg" || ext == "png") return r.log_uniform(150'000, 5'000'000);
    if (ext == "mp4" || ext == "zip") return r.log_uniform(40'000'000, 400'000'000);
    if (ext == "log") return r.log_uniform(20'000, 20'000'000);
    return r.log_uniform(10'000, 3'000'000);
  }

  // ---------------------------------------------------------------- emission

  json_writer begin(std::uint8_t topic, sv uid, std::int64_t ts, std::int32_t inc) {
    cur.ts = ts;
    cur.seq = seq++;
    cur.topic = topic;
    cur.inc = inc;
    cur.koff = static_cast<std::uint32_t>(buf.size());
    buf += opt.corp_id;
    buf += ':';
    buf += uid;
    cur.klen = static_cast<std::uint32_t>(buf.size()) - cur.koff;
    cur.voff = static_cast<std::uint32_t>(buf.size());
    if (inc >= 0) touch(inc, ts);
    return json_writer(buf);
  }
  void end() {
    cur.vlen = static_cast<std::uint32_t>(buf.size()) - cur.voff;
    entries.push_back(cur);
  }
  void touch(std::int32_t inc, std::int64_t ts) {
    auto& d = day_incs[static_cast<std::size_t>(inc)];
    if (!d.touched) {
      d.label.start_ms = d.label.end_ms = ts;
      d.touched = true;
    } else {
      d.label.start_ms = std::min(d.label.start_ms, ts);
      d.label.end_ms = std::max(d.label.end_ms, ts);
    }
  }

  std::int64_t clamp_day(std::int64_t ts) const {
    return std::clamp(ts, day0, day0 + k_day - 1);
  }

  void event_id(std::string& s) {
    s.clear();
    append_hex(s, mix_seed(opt.seed, ++event_counter), 10);
  }

  // ---------------------------------------------------------------- events

  /// Writes `"TimeStamp"` as a string or a number and `CorpId`/`corpId`.
  void flat_header(json_writer& w, rng& r, sv type, bool corp_first) {
    w.str("EventType", type);
    if (corp_first) w.str(r.chance(0.7) ? "CorpId" : "corpId", opt.corp_id);
  }
  void flat_ts(json_writer& w, rng& r, std::int64_t ts) {
    if (r.chance(0.6))
      w.num_str("TimeStamp", ts);
    else
      w.num("TimeStamp", ts);
  }

  /// Stream-mode envelope; `data_json` is the inner object (already JSON).
  void stream_envelope(json_writer& w, rng& r, sv type, std::int64_t ts, const std::string& data_json) {
    w.open().str("specVersion", "1.0").str("type", "EVENT").open_object("headers");
    event_id(name_tmp);
    w.str("eventType", type)
        .str("eventId", name_tmp)
        .str("eventCorpId", opt.corp_id)
        .num("eventBornTime", ts)
        .str("eventUnifiedAppId", "a1b2c3")
        .close();
    if (r.chance(0.75)) {
      w.key("data");
      buf += '"';
      append_escaped(buf, data_json);
      buf += '"';
    } else {
      w.raw("data", data_json);
    }
    w.close();
  }

  /// user_add_org / user_leave_org / user_modify_org / org_admin_add.
  void org_event(rng& r, sv type, std::size_t subject, std::size_t optr, std::int64_t ts, std::int32_t inc) {
    const user& s = users[subject];
    const user& o = users[optr];
    if (r.chance(0.3)) {
      scratch.clear();
      json_writer d(scratch);
      d.open().open_array("userId").element_str(s.id).close_array();
      d.str("optStaffId", o.id).num("timeStamp", ts).close();
      auto w = begin(t_events, s.id, ts, inc);
      stream_envelope(w, r, type, ts, scratch);
      end();
      return;
    }
    auto w = begin(t_events, s.id, ts, inc);
    w.open();
    flat_header(w, r, type, true);
    w.open_array("UserId").element_str(s.id).close_array();
    if (type != "user_leave_org" || r.chance(0.5)) w.str("OptStaffId", o.id);
    if (type == "user_add_org" || type == "user_modify_org")
      w.open_array("DeptId").element_num(100 + s.dept).close_array();
    flat_ts(w, r, ts);
    w.close();
    end();
  }

  void chat_event(rng& r, std::size_t op, const chat& c, sv type, std::int64_t ts, std::int32_t inc,
                  sv new_title = {}, int members = 0) {
    const user& o = users[op];
    if (r.chance(0.3)) {
      scratch.clear();
      json_writer d(scratch);
      d.open().str("chatId", c.id).str("openConversationId", c.ocid).str("operator", o.id);
      if (!new_title.empty()) d.str("title", new_title);
      if (members > 0) {
        d.open_array("userId");
        for (int i = 0; i < members; ++i) d.element_str(users[pick_colleague(r, op)].id);
        d.close_array();
      }
      d.num("timeStamp", ts - static_cast<std::int64_t>(r.below(50))).close();
      auto w = begin(t_events, o.id, ts, inc);
      stream_envelope(w, r, type, ts, scratch);
      end();
      return;
    }
    auto w = begin(t_events, o.id, ts, inc);
    w.open();
    flat_header(w, r, type, true);
    w.str("ChatId", c.id).str("OpenConversationId", c.ocid).str("Operator", o.id);
    name_tmp.assign("iP");
    append_alnum(name_tmp, r, 13);
    w.str("OperatorUnionId", name_tmp);
    if (!new_title.empty()) w.str("Title", new_title);
    if (members > 0) {
      w.open_array("UserId");
      for (int i = 0; i < members; ++i) w.element_str(users[pick_colleague(r, op)].id);
      w.close_array();
    }
    flat_ts(w, r, ts);
    w.close();
    end();
  }

  std::size_t pick_colleague(rng& r, std::size_t self) {
    for (int i = 0; i < 8; ++i) {
      const std::size_t ix = humans_initial[r.below(humans_initial.size())];
      if (ix != self) return ix;
    }
    return humans_initial[0];
  }

  void bpms_event(rng& r, std::size_t ui, sv code, sv proc_title, sv status, sv result,
                  std::int64_t create, std::int64_t finish, std::int64_t ts, const std::string& instance,
                  std::int32_t inc) {
    const user& u = users[ui];
    scratch.clear();
    json_writer d(scratch);
    const bool stream = r.chance(0.3);
    d.open();
    if (!stream) d.str("EventType", "bpms_instance_change");
    d.str(stream || r.chance(0.75) ? "corpId" : "CorpId", opt.corp_id)
        .str("processInstanceId", instance)
        .str("processCode", code)
        .str("businessId", "");
    d.str("title", proc_title).str("type", status);
    if (!result.empty()) d.str("result", result);
    d.str("staffId", u.id)
        .str("url", "https://aflow.dingtalk.com/dingtalk/mobile/homepage.htm")
        .num("createTime", create);
    if (finish > 0) d.num("finishTime", finish);
    d.close();
    auto w = begin(t_events, u.id, ts, inc);
    if (stream)
      stream_envelope(w, r, "bpms_instance_change", ts, scratch);
    else
      buf += scratch;
    end();
  }

  void process_instance_id(std::string& s, rng& r) {
    s.clear();
    append_hex(s, r.next(), 8);
    s += '-';
    append_hex(s, r.next(), 4);
    s += "-4";
    append_hex(s, r.next(), 3);
    s += '-';
    append_hex(s, r.next(), 4);
    s += '-';
    append_hex(s, r.next(), 12);
  }

  std::size_t manager_of(std::size_t ui) {
    const int dept = users[ui].dept;
    for (auto ix : humans_initial)
      if (users[ix].manager && users[ix].dept == dept && ix != ui) return ix;
    for (auto ix : humans_initial)
      if (users[ix].manager && users[ix].dept == d_management) return ix;
    return humans_initial[0];
  }

  /// bpms_task_change: the approver finishing their task (flat HTTP-push shape).
  void task_event(rng& r, std::size_t approver, const std::string& instance, sv code, sv proc_title, bool refuse,
                  std::int64_t ts) {
    const user& a = users[approver];
    auto w = begin(t_events, a.id, clamp_day(ts), -1);
    w.open().str("EventType", "bpms_task_change").str("corpId", opt.corp_id);
    w.str("processInstanceId", instance).str("processCode", code).str("title", proc_title);
    w.str("type", "finish").str("result", refuse ? "refuse" : "agree").str("staffId", a.id);
    event_id(name_tmp);
    w.str("activityId", name_tmp).num("createTime", clamp_day(ts) - r.range(60, 3600) * k_sec);
    w.num("finishTime", clamp_day(ts)).close();
    end();
  }

  /// A start/finish approval pair for `ui` starting at ts.
  void approval(rng& r, std::size_t ui, sv code, sv title_text, std::int64_t ts, std::int64_t finish_at,
                bool refuse, std::int32_t inc) {
    std::string inst;
    process_instance_id(inst, r);
    bpms_event(r, ui, code, title_text, "start", {}, ts, 0, ts, inst, inc);
    if (finish_at > 0 && inc < 0) task_event(r, manager_of(ui), inst, code, title_text, refuse,
                                             finish_at - r.range(5, 120) * k_sec);
    if (finish_at > 0)
      bpms_event(r, ui, code, title_text, "finish", refuse ? "refuse" : "agree", ts, finish_at, finish_at, inst,
                 inc);
  }

  // ---------------------------------------------------------------- audit

  struct audit_ctx {
    sv ip;
    int platform;
    sv device;
  };

  void audit(rng& r, std::size_t ui, std::int64_t ts, int action, const audit_ctx& at, sv resource,
             std::int64_t size, int receiver_type, sv receiver_name, std::int32_t inc, bool force_camel = false) {
    user& u = users[ui];
    ts -= ts % 1000;  // ListAuditLog times are whole seconds
    u.platform_last_ms[static_cast<std::size_t>(at.platform)] =
        std::max(u.platform_last_ms[static_cast<std::size_t>(at.platform)], ts);
    const bool snake = !force_camel && r.chance(0.2);
    auto w = begin(t_audit, u.id, ts, inc);
    if (snake) {
      w.open();
      name_tmp.clear();
      append_int(name_tmp, (ts / 1000 - 1700000000) * 10 + static_cast<std::int64_t>(snake_biz++ % 10));
      w.str("biz_id", name_tmp).num("gmt_create", ts).str("ip_address", at.ip).str("operator_name", u.nick);
      w.str("emp_id", u.id);
      sv browser;
      switch (at.platform) {
        case 1: browser = r.pick(std::span<const sv>(k_browsers_pc)); break;
        case 2: browser = r.pick(std::span<const sv>(k_browsers_android)); break;
        case 3: browser = r.pick(std::span<const sv>(k_browsers_ios)); break;
        case 4: browser = r.pick(std::span<const sv>(k_browsers_mac)); break;
        default: browser = "Chrome 131"; break;
      }
      w.str("browser", browser)
          .str("action", k_action_views[static_cast<std::size_t>(action)])
          .str("platform", k_platform_views[static_cast<std::size_t>(at.platform)])
          .str("resource", resource);
      w.close();
      end();
      return;
    }
    w.open().num("action", action).str("actionView", k_action_views[static_cast<std::size_t>(action)]);
    name_tmp.clear();
    append_int(name_tmp, (ts / 1000 - 1600000000) * 100 + static_cast<std::int64_t>(audit_biz++ % 100));
    w.str("bizId", name_tmp).num("gmtCreate", ts).num("gmtModified", ts);
    w.str("operatorName", u.nick).str("realName", u.real_name).str("userId", u.id).str("ipAddress", at.ip);
    w.num("platform", at.platform).str("platformView", k_platform_views[static_cast<std::size_t>(at.platform)]);
    w.str("orgName", "澳門示例貿易有限公司");
    if (action == a_login || action == a_login_failed) w.str("deviceSN", at.device);
    w.str("resource", resource).str("resourceExtension", extension_of(resource)).num("resourceSize", size);
    static constexpr std::array<sv, 4> recv_views{"", "群", "用戶", "鏈接"};
    w.num("receiverType", receiver_type)
        .str("receiverTypeView", recv_views[static_cast<std::size_t>(receiver_type)])
        .str("receiverName", receiver_name);
    int module = 1;
    sv module_view = "釘盤";
    if (action == a_login || action == a_login_failed || action == a_permission) {
      module = 0;
      module_view = "賬號";
    } else if (extension_of(resource) == "docx" && r.chance(0.3)) {
      module = 2;
      module_view = "文檔";
    }
    w.num("operateModule", module).str("operateModuleView", module_view).num("status", action == a_login_failed ? 1 : 0);
    if ((action == a_download || action == a_view) && r.chance(0.3)) {
      w.open_array("docMemberList").element_open();
      w.str("memberName", u.real_name)
          .num("memberType", 1)
          .str("memberTypeView", "用戶")
          .num("permissionRole", 3)
          .str("permissionRoleView", "管理者")
          .close();
      w.close_array();
    }
    if (action == a_share && receiver_type > 0) {
      w.open_array("docReceiverList").element_open();
      w.str("receiverName", receiver_name)
          .num("receiverType", receiver_type)
          .str("receiverTypeView", recv_views[static_cast<std::size_t>(receiver_type)])
          .close();
      w.close_array();
    }
    w.close();
    end();
  }

  /// Benign audit action at `ts` with a random resource.
  void audit_activity(rng& r, std::size_t ui, std::int64_t ts, int action, const audit_ctx& at, std::int32_t inc = -1) {
    const user& u = users[ui];
    if (action == a_login || action == a_login_failed) {
      audit(r, ui, ts, action, at, {}, 0, 0, {}, inc);
      return;
    }
    if (action == a_permission) {
      benign_file(r, u.dept);
      audit(r, ui, ts, action, at, res, size_for(r, extension_of(res)), 2, users[pick_colleague(r, ui)].real_name,
            inc);
      return;
    }
    benign_file(r, u.dept);
    // Need-to-know files, shared with one person (look-alikes): HR handles sick-leave
    // certificates and health forms, HR and Finance the payroll and staff bank details.
    bool need_to_know = u.dept == d_hr && r.chance(0.05);
    if (need_to_know) {
      expand(res, r.pick(std::span<const sv>(k_files_health)), r, u.dept, day, users[pick_colleague(r, ui)].real_name);
    } else if ((u.dept == d_hr || u.dept == d_finance) && r.chance(0.04)) {
      expand(res, r.pick(std::span<const sv>(k_files_payroll)), r, u.dept, day, {});
      need_to_know = true;
    }
    const std::int64_t size = size_for(r, extension_of(res));
    if (action == a_share && need_to_know) {
      audit(r, ui, ts, action, at, res, size, 2, users[manager_of(ui)].real_name, inc, true);
      return;
    }
    if (action == a_share) {
      const auto rt = r.weighted(std::array<int, 3>{50, 45, 5});
      if (rt == 0) {
        const chat& c = chats[r.below(chats.size())];
        audit(r, ui, ts, action, at, res, size, 1, c.title, inc);
      } else if (rt == 1) {
        audit(r, ui, ts, action, at, res, size, 2, users[pick_colleague(r, ui)].real_name, inc);
      } else {
        audit(r, ui, ts, action, at, res, size, 3, {}, inc);
      }
      return;
    }
    audit(r, ui, ts, action, at, res, size, 0, {}, inc);
  }

  // ---------------------------------------------------------------- flows

  void flow(std::size_t ui, std::int64_t ts, sv app, const destination& d, sv tls, std::int64_t bytes,
            std::int64_t records, std::int32_t inc) {
    const user& u = users[ui];
    auto w = begin(t_flows, u.id, ts, inc);
    w.open()
        .num("ts", ts)
        .str("userId", u.id)
        .str("app", app)
        .str("dstHost", d.host)
        .str("dstIp", d.ip)
        .num("dstPort", 443)
        .str("tlsVersion", tls)
        .num("bytesOut", bytes)
        .num("records", records)
        .close();
    end();
  }

  void benign_upload_flow(rng& r, std::size_t ui, std::int64_t ts, std::int64_t bytes) {
    const user& u = users[ui];
    const auto k = r.weighted(std::array<int, 4>{60, 25, 8, 7});
    sv tls = r.chance(0.95) ? "TLSv1.3" : "TLSv1.2";
    if (k == 0) flow(ui, ts, "file_upload", k_dst_space, tls, bytes, 0, -1);
    else if (k == 1) flow(ui, ts, "file_upload", k_dst_files_mo, tls, bytes, 0, -1);
    else if (k == 2) flow(ui, ts, "file_upload", k_dst_oss_hz, "TLSv1.3", bytes, 0, -1);  // lookalike: 0 records
    else if (u.dept == d_hr || u.dept == d_finance)  // payroll / supplier payments to a Macau bank
      flow(ui, ts, "file_upload", k_dst_banks_mo[r.below(2)], "TLSv1.2", bytes, r.range(5, 300), -1);
    else
      flow(ui, ts, "file_upload", k_dst_space, tls, bytes, 0, -1);
  }

  // ---------------------------------------------------------------- attendance

  void check(std::size_t ui, std::int64_t ts, std::int64_t lat, std::int64_t lon, sv addr, bool outside,
             std::uint8_t method, bool on_duty, std::int32_t inc) {
    // Check times are whole seconds; the second within the minute is a stable hash.
    ts = ts - ts % k_min + static_cast<std::int64_t>(mix_seed(ui, static_cast<std::uint64_t>(ts)) % 60) * k_sec;
    att.push_back({ui, clamp_day(ts), lat, lon, addr, outside, method, on_duty, inc,
                   static_cast<std::uint32_t>(att.size())});
  }

  void office_check(rng& r, std::size_t ui, std::int64_t ts, bool on_duty) {
    const user& u = users[ui];
    const office& o = k_offices[static_cast<std::size_t>(u.office)];
    const auto method = static_cast<std::uint8_t>(r.weighted(std::array<int, 3>{60, 30, 10}));
    check(ui, ts, o.lat_e6 + r.range(-400, 400), o.lon_e6 + r.range(-400, 400), o.address, false, method, on_duty, -1);
    // The phone did not get a fix, or the person was unsure it registered: 1–2 retries
    // within three minutes (look-alike of location_tracking_burst).
    if (method == 0 && r.chance(0.04)) {
      const auto retries = r.range(1, 2);
      for (std::int64_t i = 1; i <= retries; ++i)
        check(ui, ts + i * r.range(20, 90) * k_sec, o.lat_e6 + r.range(-400, 400), o.lon_e6 + r.range(-400, 400),
              o.address, false, 0, on_duty, -1);
    }
  }

  void box_check(rng& r, std::size_t ui, std::int64_t ts, const gps_box& b, bool outside, bool on_duty,
                 std::int32_t inc) {
    check(ui, ts, r.range(b.lat_lo, b.lat_hi), r.range(b.lon_lo, b.lon_hi), b.address, outside, 0, on_duty, inc);
  }

  void flush_attendance(rng& r) {
    std::sort(att.begin(), att.end(), [](const att_check& a, const att_check& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.order < b.order;
    });
    std::size_t i = 0;
    while (i < att.size()) {
      const bool solo = att[i].inc >= 0;
      if (r.chance(0.25)) {
        updatedata_row(r, att[i]);
        ++i;
        continue;
      }
      std::size_t n = 1;
      if (!solo) {
        const auto want = 1 + r.weighted(std::array<int, 3>{60, 28, 12});
        while (n < want && i + n < att.size() && att[i + n].inc < 0 && att[i + n].ts - att[i].ts < 10 * k_min) ++n;
      }
      check_record_event(r, i, n);
      i += n;
    }
  }

  void check_record_event(rng& r, std::size_t first, std::size_t n) {
    const att_check& last = att[first + n - 1];
    const std::int64_t ts = clamp_day(last.ts + r.range(200, 20000));
    const user& u0 = users[att[first].user];
    auto w = begin(t_events, u0.id, ts, att[first].inc);
    if (att[first].inc >= 0) touch(att[first].inc, att[first].ts);
    w.open().str("EventType", "attendance_check_record").num("EventTime", ts).str("CorpId", opt.corp_id);
    name_tmp.clear();
    append_int(name_tmp, ts / 1000);
    w.str("BizId", name_tmp);
    event_id(name_tmp);
    w.str("eventId", name_tmp);
    w.open_array("dataList");
    static constexpr std::array<sv, 3> methods{"MAP", "WIFI", "ATM"};
    for (std::size_t k = 0; k < n; ++k) {
      const att_check& c = att[first + k];
      const user& u = users[c.user];
      w.element_open()
          .str("userId", u.id)
          .str("corpId", opt.corp_id)
          .num("checkTime", c.ts)
          .str("address", c.address)
          .fixed("latitude", c.lat / 100, 4)
          .fixed("longitude", c.lon / 100, 4)
          .str("locationResult", c.outside ? "Outside" : "Normal")
          .str("locationMethod", methods[c.method]);
      name_tmp.clear();
      append_hex(name_tmp, mix_seed(c.user, 7), 6);
      w.str("groupId", name_tmp);
      name_tmp.clear();
      append_hex(name_tmp, mix_seed(static_cast<std::uint64_t>(c.ts), c.user), 6);
      w.str("bizId", name_tmp).boolean("checkByUser", c.method != 2);
      if (c.method == 2)
        w.str("deviceSN", "ATM-MO-0" + std::to_string(u.office + 1));
      else
        w.str("deviceSN", u.phone_sn);
      w.close();
    }
    w.close_array().close();
    end();
  }

  void updatedata_row(rng& r, const att_check& c) {
    const user& u = users[c.user];
    const std::int64_t ts = clamp_day(c.ts + r.range(1, 10) * k_min);
    auto w = begin(t_audit, u.id, ts, c.inc);
    if (c.inc >= 0) touch(c.inc, c.ts);
    w.open().key("user_check_time");
    buf += '"';
    append_local_datetime(buf, c.ts);
    buf += '"';
    w.fixed_str("user_latitude", c.lat / 100, 4)
        .fixed_str("user_longitude", c.lon / 100, 4)
        .str("user_accuracy", c.method == 1 ? "15" : "30");
    if (c.method == 1) {
      w.str("user_ssid", "OFFICE-WIFI-" + std::to_string(u.office + 1));
      name_tmp = "a4:5e:60:";
      append_hex(name_tmp, mix_seed(u.office, 3), 2);
      name_tmp += ":1c:0";
      name_tmp += static_cast<char>('0' + u.office);
      w.str("user_mac_addr", name_tmp);
    } else {
      w.str("user_ssid", "").str("user_mac_addr", "");
    }
    static constexpr std::array<sv, 3> sources{"USER", "USER", "ATM"};
    w.str("source_type", sources[c.method])
        .str("check_type", c.on_duty ? "OnDuty" : "OffDuty")
        .str("location_result", c.outside ? "Outside" : "Normal")
        .str("user_address", c.address);
    name_tmp.clear();
    append_int(name_tmp, 99000000 + static_cast<std::int64_t>(record_counter++));
    w.str("record_id", name_tmp).str("userid", u.id).str("corpId", opt.corp_id).close();
    end();
  }

  // ---------------------------------------------------------------- benign day

  audit_ctx ctx_for(const user& u, place p, bool desk) {
    switch (p) {
      case place::office:
        return desk ? audit_ctx{u.office_ip, u.desk_platform, u.desk_sn}
                    : audit_ctx{u.office_ip, u.phone_platform, u.phone_sn};
      case place::home:
        return desk ? audit_ctx{u.home_ip, u.desk_platform, u.desk_sn}
                    : audit_ctx{u.home_ip, u.phone_platform, u.phone_sn};
      case place::trip: return {u.trip_ip, u.phone_platform, u.phone_sn};
      default: return {ipbuf, u.phone_platform, u.phone_sn};  // per-segment IP in ipbuf
    }
  }

  int draw_action(rng& r, const user& u, place p) {
    if (p == place::office) {
      const bool exporter = u.dept == d_hr || u.dept == d_finance || u.dept == d_management;
      const std::array<int, 11> w{40, 18, 8, 8, 12, exporter ? 5 : 2, 3, 3, 4, 1, u.admin ? 2 : 1};
      return static_cast<int>(r.weighted(w)) + 1;
    }
    // Away from the office: mostly reading.
    const std::array<int, 11> w{60, 10, 5, 3, u.commuter ? 3 : 12, 0, 1, 0, 5, 1, 0};
    return static_cast<int>(r.weighted(w)) + 1;
  }

  /// n activities of user `ui` between a and b at `p`.
  void activities(rng& r, std::size_t ui, std::int64_t a, std::int64_t b, int n, place p) {
    if (b <= a || n <= 0) return;
    const user& u = users[ui];
    std::vector<std::int64_t>& times = times_buf;
    times.clear();
    for (int i = 0; i < n; ++i) {
      std::int64_t t = r.range(a, b - 1);
      const std::int64_t tod = t - day0;
      if (tod >= 12 * k_hour + 30 * k_min && tod < 14 * k_hour && !r.chance(0.3)) t = r.range(a, b - 1);
      times.push_back(t);
    }
    std::sort(times.begin(), times.end());
    const bool desk_place = p == place::office || (p == place::home && r.chance(0.3));
    // The first activity of a session is a login (sometimes after a mistyped password).
    {
      const audit_ctx at = ctx_for(u, p, desk_place);
      const std::int64_t t0 = std::max(a, times.front() - r.range(10, 120) * k_sec);
      if (r.chance(0.03)) {
        const auto fails = r.range(1, 4);
        for (std::int64_t f = 0; f < fails; ++f)
          audit_activity(r, ui, clamp_day(t0 - (fails - f) * r.range(8, 40) * k_sec), a_login_failed, at);
      }
      audit_activity(r, ui, t0, a_login, at);
    }
    for (std::int64_t t : times) {
      const audit_ctx at = ctx_for(u, p, desk_place ? r.chance(0.85) : r.chance(0.15));
      const auto channel = r.weighted(std::array<int, 3>{56, 36, 8});
      if (channel == 0) {
        const int action = draw_action(r, u, p);
        audit_activity(r, ui, t, action, at);
        if (action == a_upload && r.chance(0.7)) benign_upload_flow(r, ui, t + r.range(0, 1500), size_for(r, "pdf"));
      } else if (channel == 1) {
        user_event(r, ui, t);
      } else {
        benign_upload_flow(r, ui, t, size_for(r, r.chance(0.5) ? "xlsx" : "jpg"));
      }
    }
  }
  std::vector<std::int64_t> times_buf;

  void user_event(rng& r, std::size_t ui, std::int64_t t) {
    const user& u = users[ui];
    const auto k = r.weighted(std::array<int, 6>{44, 12, 2, 1, 26, u.dept == d_hr ? 10 : 0});
    chat& c = chats[r.below(chats.size())];
    switch (k) {
      case 0: chat_event(r, ui, c, "chat_add_member", t, -1, {}, static_cast<int>(r.range(1, 4))); break;
      case 1: chat_event(r, ui, c, "chat_remove_member", t, -1, {}, 1); break;
      case 2: {
        fill_chat_title(title, r, u.dept, day);
        c.title = title;
        chat_event(r, ui, c, "chat_update_title", t, -1, title);
        break;
      }
      case 3: chat_event(r, ui, c, "chat_disband", t, -1); break;
      case 4: {
        const process& p = k_processes[r.weighted(std::array<int, 6>{30, 25, 15, 12, 10, 8})];
        title.assign(u.real_name).append("提交的");
        // Lookalike: sick leave through the ordinary leave process.
        if (p.code == "PROC-LEAVE" && r.chance(0.25))
          title.append("病假申請");
        else
          title.append(p.name);
        const bool finished = r.chance(0.8);
        const std::int64_t fin = finished ? clamp_day(t + r.range(5, 240) * k_min) : 0;
        approval(r, ui, p.code, title, t, fin, r.chance(0.1), -1);
        break;
      }
      default: org_event(r, "user_modify_org", pick_colleague(r, ui), ui, t, -1); break;
    }
  }

  std::int64_t at_min(int minutes) const { return day0 + static_cast<std::int64_t>(minutes) * k_min; }

  int count_for(const user& u, std::int64_t span_ms, rng& r) {
    const double hours = static_cast<double>(span_ms) / static_cast<double>(k_hour);
    const double mean = 6.5 * hours * u.activity_pct / 100.0;
    return static_cast<int>(mean * r.uniform(0.75, 1.25) + 0.5);
  }

  bool night_works(const user& u, std::int64_t d) const {
    return ((d + u.night_offset) % 7 + 7) % 7 < 5;
  }

  void user_day(rng& r, std::size_t ui) {
    user& u = users[ui];
    if (u.bot) return;
    const std::int64_t day_end = day0 + k_day;
    if (u.employed_from >= day0 && u.employed_from < day_end)
      org_event(r, "user_add_org", ui, hr_operator(r), u.employed_from, -1);
    if (u.employed_until >= day0 && u.employed_until < day_end && !u.leave_by_incident)
      org_event(r, "user_leave_org", ui, hr_operator(r), u.employed_until, -1);
    const std::int64_t from = std::max(day0, u.employed_from);
    const std::int64_t until = std::min(day_end, u.employed_until);
    if (from >= until || u.dormant) return;
    auto clip = [&](std::int64_t& a, std::int64_t& b) {
      a = std::max(a, from);
      b = std::min(b, until);
    };

    // On a trip abroad (holiday in Portugal, Japan, Taiwan): a few reads from the
    // holiday IP with the usual phone, no attendance.
    if (day >= u.trip_from_day && day <= u.trip_until_day) {
      std::int64_t a = at_min(9 * 60), b = at_min(23 * 60);
      clip(a, b);
      activities(r, ui, a, b, static_cast<int>(r.range(0, 4)), place::trip);
      // Now and then a meeting on the trip: a few documents fetched beforehand (look-alike
      // of new_country_bulk_download).
      if (r.chance(0.1) && a < b) {
        const audit_ctx at = ctx_for(u, place::trip, false);
        const std::int64_t s0 = r.range(a, b - 1);
        const auto n = r.range(3, 8);
        for (std::int64_t i = 0; i < n; ++i) audit_activity(r, ui, clamp_day(s0 + r.range(0, 40) * k_min), a_download, at);
      }
      return;
    }
    if (!u.night && r.chance(0.006)) {  // the trip starts tomorrow; today is a normal day
      u.trip_from_day = day + 1;
      u.trip_until_day = day + r.range(3, 7);
      u.trip_place = static_cast<int>(r.below(k_trip_places.size()));
      random_ip(u.trip_ip, r, std::array<cidr, 1>{k_trip_places[static_cast<std::size_t>(u.trip_place)].net});
    }

    if (u.night) {
      // Shift 21:00–07:00: the tail of yesterday's shift and the start of tonight's.
      if (night_works(u, day - 1)) {
        std::int64_t a = day0, b = at_min(7 * 60 + static_cast<int>(r.range(0, 20)));
        clip(a, b);
        if (a < b) {
          activities(r, ui, a, b, count_for(u, b - a, r) / 2, place::office);
          if (r.chance(0.5)) office_check(r, ui, at_min(static_cast<int>(r.range(2 * 60, 5 * 60))), true);  // patrol
          office_check(r, ui, b, false);
        }
      }
      if (night_works(u, day)) {
        std::int64_t a = at_min(21 * 60 - static_cast<int>(r.range(0, 20))), b = day_end;
        clip(a, b);
        if (a < b) {
          office_check(r, ui, a - r.range(1, 10) * k_min, true);
          activities(r, ui, a, b, count_for(u, b - a, r) / 2, place::office);
        }
      }
      return;
    }

    bool works = false;
    std::int64_t a = at_min(u.start_min + static_cast<int>(r.normal() * 12));
    std::int64_t b = at_min(u.end_min + static_cast<int>(r.normal() * 20));
    if (u.part_time) {
      works = (wd == u.part_day_a || wd == u.part_day_b) && r.chance(0.9);
      a = at_min(14 * 60 + static_cast<int>(r.normal() * 10));
    } else if (wd >= 1 && wd <= 5) {
      works = r.chance(0.95);
    } else if (wd == 6) {
      works = r.chance((u.dept == d_sales || u.dept == d_operations) ? 0.3 : 0.1);
      b = at_min(13 * 60 + static_cast<int>(r.normal() * 20));
    }
    if (!works) {
      // Off day: sometimes a glance at the phone from home.
      if (r.chance(wd == 0 ? 0.05 : 0.15)) {
        std::int64_t x = at_min(10 * 60), y = at_min(22 * 60);
        clip(x, y);
        activities(r, ui, x, y, static_cast<int>(r.range(1, 5)), place::home);
      }
      return;
    }
    if (r.chance(0.08)) b = at_min(static_cast<int>(r.range(20 * 60, 22 * 60 + 30)));  // working late
    clip(a, b);
    if (a >= b) return;

    // Attendance on arrival; commuters sometimes check in at the border queue.
    if (u.commuter && r.chance(0.35))
      box_check(r, ui, a - r.range(15, 40) * k_min, k_border_points[r.below(2)], true, true, -1);
    else
      office_check(r, ui, a - r.range(0, 15) * k_min, true);

    const bool roam_day = u.roaming && wd >= 1 && wd <= 5 && r.chance(0.3);
    if (roam_day) {
      // Morning in Macau, ferry/bridge, afternoon in Hong Kong or Zhuhai.
      const std::int64_t leave = std::min(b, at_min(static_cast<int>(r.range(10 * 60, 11 * 60 + 30))));
      activities(r, ui, a, leave, count_for(u, leave - a, r), place::office);
      const std::size_t where = r.below(k_roaming_points.size());
      const std::int64_t arrive = leave + r.range(55, 90) * k_min;
      if (where < 2)
        random_ip(ipbuf, r, k_net_hk);
      else
        random_ip(ipbuf, r, k_net_cn_consumer);
      if (arrive < b) {
        box_check(r, ui, arrive + r.range(5, 60) * k_min, k_roaming_points[where], true, true, -1);
        // Field check-ins (外勤打卡) at each client visit of the afternoon, an hour or more apart.
        const auto visits = r.range(0, 3);
        for (std::int64_t v = 1; v <= visits; ++v)
          if (arrive + v * 70 * k_min < b)
            box_check(r, ui, arrive + v * 70 * k_min + r.range(0, 30) * k_min, k_roaming_points[where], true, true, -1);
        activities(r, ui, arrive, b, count_for(u, b - arrive, r) / 2, where < 2 ? place::hk : place::zhuhai);
      }
    } else {
      activities(r, ui, a, b, count_for(u, b - a, r), place::office);
      // Benign download bursts: sales before a pitch, finance at month end, handovers.
      const double burst_p = (u.dept == d_sales || u.dept == d_finance || u.manager) ? 0.06 : 0.02;
      if (r.chance(burst_p) && b - a > 2 * k_hour) {
        const std::int64_t s = r.range(a, b - 90 * k_min);
        const audit_ctx at = ctx_for(u, place::office, true);
        const auto n = r.range(5, 25);
        const std::int64_t span = r.range(15, 60) * k_min;
        for (std::int64_t i = 0; i < n; ++i) {
          const int act = (u.dept == d_finance && r.chance(0.4)) ? a_export : a_download;
          audit_activity(r, ui, s + r.range(0, span), act, at);
        }
      }
      // Marketing / admin / sales: big media downloads (> 50 MB, benign).
      if ((u.dept == d_admin || u.dept == d_sales) && r.chance(0.03)) {
        expand(res, r.pick(std::span<const sv>(k_files_big)), r, u.dept, day, {});
        audit(r, ui, r.range(a, b), a_download, ctx_for(u, place::office, true), res,
              r.range(55'000'000, 400'000'000), 0, {}, -1);
      }
    }
    office_or_field_checkout(r, ui, b, roam_day);

    // Evening at home (commuters: from their Zhuhai broadband).
    if (r.chance(0.2)) {
      std::int64_t x = at_min(static_cast<int>(r.range(19 * 60 + 30, 21 * 60))), y = at_min(23 * 60 + 30);
      x = std::max(x, b + 30 * k_min);
      clip(x, y);
      activities(r, ui, x, y, static_cast<int>(r.range(1, 6)), place::home);
    }
  }

  void office_or_field_checkout(rng& r, std::size_t ui, std::int64_t b, bool field) {
    if (field) {
      box_check(r, ui, b + r.range(0, 20) * k_min, k_roaming_points[r.below(k_roaming_points.size())], true, false,
                -1);
    } else {
      office_check(r, ui, b + r.range(0, 20) * k_min, false);
    }
  }

  std::size_t hr_operator(rng& r) {
    for (int i = 0; i < 20; ++i) {
      const std::size_t ix = humans_initial[r.below(humans_initial.size())];
      if (users[ix].dept == d_hr && !users[ix].dormant) return ix;
    }
    return humans_initial[0];
  }
  std::size_t it_admin(rng& r) {
    for (int i = 0; i < 40; ++i) {
      const std::size_t ix = humans_initial[r.below(humans_initial.size())];
      if (users[ix].admin && !users[ix].dormant) return ix;
    }
    return humans_initial[0];
  }

  // ---------------------------------------------------------------- company-level

  bool employed(const user& u, std::int64_t t) const { return t >= u.employed_from && t < u.employed_until; }

  void churn(rng& r) {
    // Benign leavers (replaced by a joiner 1–5 days later).
    const std::size_t n = users.size();
    for (std::size_t i = 0; i < n; ++i) {
      user& u = users[i];
      if (u.bot || u.dormant || u.manager || !employed(u, day0) || u.employed_until != std::numeric_limits<std::int64_t>::max())
        continue;
      if (wd >= 1 && wd <= 5 && r.chance(0.0012)) {
        u.employed_until = at_min(static_cast<int>(r.range(16 * 60 + 30, 18 * 60 + 30))) + r.range(0, k_min - 1);
        schedule_replacement(r, i);
      }
    }
  }

  void schedule_replacement(rng& r, std::size_t leaver) {
    const int dept = users[leaver].dept;
    const std::size_t ix = add_user(r, dept);
    user& j = users[ix];
    j.dormant = false;
    j.employed_from = macau_midnight(day + r.range(1, 5)) + r.range(9 * k_hour, 10 * k_hour + 30 * k_min);
    humans_initial.push_back(ix);
  }

  void org_day(rng& r) {
    if (wd == 0 || wd == 6) return;
    // HR profile updates.
    const auto updates = r.range(0, std::max<std::int64_t>(1, opt.users / 50));
    for (std::int64_t i = 0; i < updates; ++i)
      org_event(r, "user_modify_org", pick_colleague(r, 0), hr_operator(r), at_min(static_cast<int>(r.range(9 * 60 + 30, 17 * 60 + 30))) + r.range(0, k_min - 1), -1);
    // IT admin grants without any export afterwards (lookalike of admin_grant_then_export).
    if (r.chance(0.3)) {
      std::size_t target = humans_initial[r.below(humans_initial.size())];
      for (int i = 0; i < 30 && users[target].dept != d_it && !users[target].manager; ++i)
        target = humans_initial[r.below(humans_initial.size())];
      if (employed(users[target], at_min(12 * 60)))
        org_event(r, "org_admin_add", target, it_admin(r), at_min(static_cast<int>(r.range(10 * 60, 17 * 60))) + r.range(0, k_min - 1), -1);
    }
  }

  void bots_day(rng& r) {
    // event_push: dingtalk → our ingest endpoint, allow-listed IP, TLSv1.3.
    for (std::int64_t t = day0 + r.range(0, 3 * k_min); t < day0 + k_day;) {
      const std::int64_t tod = t - day0;
      const bool busy = tod >= 7 * k_hour && tod < 23 * k_hour && wd != 0;
      flow(eventpush, t, "event_push", k_dst_ingest, "TLSv1.3", r.range(900, 24000),
           busy ? r.range(1, 20) : r.range(0, 3), -1);
      t += busy ? r.range(40 * k_sec, 150 * k_sec) : r.range(4 * k_min, 10 * k_min);
    }
    // Robots posting to DingTalk and to the Macau CRM.
    for (std::size_t k = 0; k < robots.size(); ++k) {
      const bool always = k == 1;
      for (std::int64_t t = day0 + r.range(0, 20 * k_min); t < day0 + k_day; t += r.range(8 * k_min, 40 * k_min)) {
        const std::int64_t tod = t - day0;
        if (!always && (tod < 9 * k_hour || tod > 19 * k_hour || wd == 0)) continue;
        if (k == 0 && r.chance(0.5))
          flow(robots[k], t, "robot_webhook", k_dst_crm_mo, "TLSv1.3", r.range(2000, 30000), r.range(1, 20), -1);
        else
          flow(robots[k], t, "robot_webhook", k_dst_oapi, "TLSv1.3", r.range(600, 4000), r.range(0, 2), -1);
      }
    }
    // smart_hr_sync: hourly deltas on workdays, a full sync at 02:00 every night.
    const std::int64_t staff = active_staff();
    flow(hr_bot, at_min(2 * 60) + r.range(0, 300 * k_sec), "smart_hr_sync", k_dst_oapi, "TLSv1.3",
         staff * r.range(3000, 5000), staff + r.range(-3, 3), -1);
    if (wd >= 1 && wd <= 5) {
      for (int h = 8; h <= 20; ++h) {
        const auto rec = r.range(0, 40);
        flow(hr_bot, at_min(h * 60 + 5) + r.range(-120 * k_sec, 120 * k_sec), "smart_hr_sync", k_dst_oapi, "TLSv1.3",
             800 + rec * r.range(3000, 5000), rec, -1);
      }
      // Daily HR directory export by the bot (old snake_case audit shape).
      audit(r, hr_bot, at_min(7 * 60) + r.range(0, 600) * k_sec, a_export, {users[hr_bot].office_ip, 1, {}},
            "全體員工通訊錄.xlsx", staff * 900, 0, {}, -1);
    }
  }

  std::int64_t active_staff() const {
    std::int64_t n = 0;
    for (const auto& u : users)
      if (!u.bot && employed(u, day0 + 12 * k_hour)) ++n;
    return n;
  }

  // ---------------------------------------------------------------- incidents

  std::int32_t new_incident(int kind, std::size_t ui) {
    day_incident d;
    d.label.family = k_kinds[static_cast<std::size_t>(kind)].family;
    d.label.kind = k_kinds[static_cast<std::size_t>(kind)].name;
    d.label.user_id = users[ui].id;
    day_incs.push_back(std::move(d));
    return static_cast<std::int32_t>(day_incs.size() - 1);
  }

  std::vector<planned> plans;

  bool working_weekday() const { return wd >= 1 && wd <= 5; }

  /// A platform `u` has not used in the 31 days before `t` (a first-seen set remembers
  /// 30): Web or the other phone system first, then the other desk system; 0 when an
  /// earlier incident has used all three.
  static int unused_platform(const user& u, std::int64_t t, bool web_first) {
    const int other_phone = u.phone_platform == 2 ? 3 : 2;
    const int other_desk = u.desk_platform == 4 ? 1 : 4;
    const std::array<int, 3> options = web_first ? std::array<int, 3>{5, other_phone, other_desk}
                                                 : std::array<int, 3>{other_phone, 5, other_desk};
    for (const int p : options) {
      const std::int64_t last = u.platform_last_ms[static_cast<std::size_t>(p)];
      if (last == 0 || last < t - 31 * k_day) return p;
    }
    return 0;
  }

  bool planned_today(int kind, std::size_t ui) const {
    return std::any_of(plans.begin(), plans.end(), [&](const planned& p) { return p.kind == kind && p.user == ui; });
  }

  /// Decides the incident for one user-day; may pick another actor. false: not applicable.
  bool plan(rng& r, int kind, std::size_t ui) {
    user& u = users[ui];
    switch (kind) {
      case k_attendance_off_shift_gps:
      case k_off_hours_access:
        if (u.night) return false;
        break;
      case k_attendance_outside_macau:
        if (u.commuter || u.roaming) return false;
        break;
      case k_new_device_and_ip:
        // New to someone who has worked here a week (the first-seen rules' learning time),
        // on a platform they have not used; a joiner's first days have nothing to be new to.
        if (u.employed_from > day0 - 8 * k_day || unused_platform(u, day0, true) == 0) return false;
        break;
      case k_hr_sync_overwide:
      case k_smart_hr_sync_enabled_abroad: ui = hr_bot; break;
      case k_robot_webhook_foreign: ui = robots[r.below(robots.size())]; break;
      case k_event_push_weak_tls: ui = eventpush; break;
      case k_dormant_account_wakeup: {
        if (day - first_day < 3) return false;
        std::size_t found = users.size();
        for (std::size_t i = 0; i < users.size(); ++i) {
          const user& c = users[i];
          if (c.dormant && !c.woken && employed(c, day0)) {
            found = i;
            if (r.chance(0.5)) break;
          }
        }
        if (found == users.size()) return false;
        users[found].woken = true;
        ui = found;
        break;
      }
      case k_activity_after_leave: {
        if (!working_weekday() || u.part_time || u.manager || (day >= u.trip_from_day && day <= u.trip_until_day) ||
            u.employed_until != std::numeric_limits<std::int64_t>::max())
          return false;
        u.employed_until = at_min(static_cast<int>(r.range(14 * 60, 17 * 60))) + r.range(0, k_min - 1);
        u.leave_by_incident = true;
        schedule_replacement(r, ui);
        break;
      }
      default: break;
    }
    // A shared account's incidents do not grow with the staff who draw them: at most one
    // of a kind per account and day, or a large company's bots would repeat one incident
    // within its rule's suppression window and score the repeats as misses.
    if (users[ui].bot && planned_today(kind, ui)) return false;
    plans.push_back({kind, ui});
    return true;
  }

  void plan_incidents(rng& r) {
    plans.clear();
    if (opt.incident_rate <= 0) return;
    const std::size_t n = users.size();
    for (std::size_t i = 0; i < n; ++i) {
      const user& u = users[i];
      if (u.bot || u.dormant || !employed(u, day0 + 12 * k_hour) || u.leave_by_incident) continue;
      // Abroad on holiday: the incident kinds happen at the desk or in Macau.
      if (day >= u.trip_from_day && day <= u.trip_until_day) continue;
      if (!r.chance(opt.incident_rate)) continue;
      for (int attempt = 0; attempt < 8; ++attempt) {
        const auto fam = r.below(3);
        const int kind = k_family_first[fam] + static_cast<int>(r.below(static_cast<std::uint64_t>(k_family_first[fam + 1] - k_family_first[fam])));
        const bool bot_kind = kind == k_hr_sync_overwide || kind == k_smart_hr_sync_enabled_abroad ||
                              kind == k_robot_webhook_foreign || kind == k_event_push_weak_tls;
        if (bot_kind && r.chance(0.5)) continue;  // few bots: keep their share of incidents modest
        if (plan(r, kind, i)) break;
      }
    }
  }

  /// A work-hours instant for incidents.
  std::int64_t work_time(rng& r, int from_min = 9 * 60 + 30, int to_min = 17 * 60 + 30) {
    return at_min(static_cast<int>(r.range(from_min, to_min))) + r.range(0, k_min - 1);
  }

  void id_number(rng& r, std::string& out, sv name) {
    out.clear();
    const auto k = r.weighted(std::array<int, 3>{50, 25, 25});
    if (k == 0) {
      std::string seven;
      char c = 'X';
      while (c == 'X') {
        seven.clear();
        static constexpr char firsts[] = "157";
        seven += firsts[r.below(3)];
        append_digits(seven, r, 6);
        c = macau_bir_check(seven);
      }
      out += seven;
      out += '(';
      out += c;
      out += ')';
    } else if (k == 1) {
      std::string s;
      s += k_hkid_letters[r.below(k_hkid_letters.size())];
      append_digits(s, r, 6);
      const char c = hkid_check(s);
      out += s;
      out += '(';
      out += c;
      out += ')';
    } else {
      std::string s(r.pick(std::span<const sv>(k_prc_areas)));
      append_int(s, r.range(1965, 2003));
      append_2(s, static_cast<int>(r.range(1, 12)));
      append_2(s, static_cast<int>(r.range(1, 28)));
      append_digits(s, r, 3);
      out += s;
      out += prc_id_check(s);
    }
    (void)name;
  }

  /// A personal-data number in a name chosen by `ui`: a file (from `files`) uploaded or
  /// shared to a group, or 30 % of the time a group renamed (from `titles`); `{NAME}` is a
  /// colleague.
  void number_in_name(rng& r, std::size_t ui, std::int32_t inc, std::span<const sv> files, std::span<const sv> titles) {
    const bool group = r.chance(0.3);
    expand(title, r.pick(group ? titles : files), r, users[ui].dept, day, users[pick_colleague(r, ui)].real_name);
    name_file_or_group(r, ui, inc, group, title);
  }

  /// `ui` names a group `text` (`group`), or uploads or shares to a group a file named `text`.
  void name_file_or_group(rng& r, std::size_t ui, std::int32_t inc, bool group, const std::string& text) {
    const user& u = users[ui];
    const std::int64_t t = work_time(r);
    if (group) {
      chat& c = chats[r.below(chats.size())];
      c.title = text;
      chat_event(r, ui, c, "chat_update_title", t, inc, c.title);
      return;
    }
    const audit_ctx desk{u.office_ip, u.desk_platform, u.desk_sn};
    if (r.chance(0.5))
      audit(r, ui, t, a_upload, desk, text, size_for(r, extension_of(text)), 0, {}, inc);
    else
      audit(r, ui, t, a_share, desk, text, size_for(r, extension_of(text)), 1, chats[r.below(chats.size())].title, inc,
            true);
  }

  void render(rng& r, const planned& p) {
    const std::size_t ui = p.user;
    user& u = users[ui];
    const std::int32_t inc = new_incident(p.kind, ui);
    const audit_ctx desk{u.office_ip, u.desk_platform, u.desk_sn};
    switch (p.kind) {
      case k_health_file_shared_to_group: {
        std::int64_t t = work_time(r);
        expand(res, r.pick(std::span<const sv>(k_files_health)), r, u.dept, day, users[pick_colleague(r, ui)].real_name);
        const std::int64_t size = size_for(r, extension_of(res));
        if (r.chance(0.5)) {
          audit(r, ui, t, a_upload, desk, res, size, 0, {}, inc, true);
          t += r.range(1 * k_min, 15 * k_min);
        }
        const auto shares = r.range(1, 3);
        for (std::int64_t i = 0; i < shares; ++i) {
          const chat& c = chats[i == 0 ? 0 : r.below(chats.size())];
          audit(r, ui, t, a_share, desk, res, size, 1, c.title, inc, true);
          t += r.range(1 * k_min, 20 * k_min);
        }
        break;
      }
      case k_health_form_approval: {
        const std::int64_t t = work_time(r);
        const bool bio = r.chance(0.3);
        title.assign(u.real_name).append(bio ? "提交的指紋及人臉識別登記表" : "提交的健康申報表");
        approval(r, ui, bio ? "PROC-BIOMETRIC-ENROL" : "PROC-HEALTH-DECL", title, t,
                 clamp_day(t + r.range(10 * k_min, 180 * k_min)), false, inc);
        break;
      }
      case k_health_group_title: {
        const std::int64_t t = work_time(r);
        chat& c = chats[r.below(chats.size())];
        c.title.assign(r.pick(std::span<const sv>(k_chat_titles_health)));
        chat_event(r, ui, c, "chat_update_title", t, inc, c.title);
        if (r.chance(0.6))
          chat_event(r, ui, c, "chat_add_member", t + r.range(1 * k_min, 30 * k_min), inc, {}, static_cast<int>(r.range(3, 12)));
        break;
      }
      case k_id_numbers_in_title_or_file: {
        const std::int64_t t = work_time(r);
        std::string id;
        id_number(r, id, u.real_name);
        if (r.chance(0.6)) {
          static constexpr std::array<sv, 4> tpls{"身份證副本_{ID}.pdf", "新員工資料 {ID}.docx",
                                                  "BIR {ID} - cópia.jpg", "居民身份證 {ID}.jpg"};
          res.assign(r.pick(std::span<const sv>(tpls)));
          res.replace(res.find("{ID}"), 4, id);
          const int act = r.chance(0.5) ? a_upload : a_share;
          if (act == a_share)
            audit(r, ui, t, act, desk, res, size_for(r, extension_of(res)), 1, chats[r.below(chats.size())].title, inc,
                  true);
          else
            audit(r, ui, t, act, desk, res, size_for(r, extension_of(res)), 0, {}, inc);
        } else {
          chat& c = chats[r.below(chats.size())];
          c.title.assign("入職登記 ").append(users[pick_colleague(r, ui)].real_name).append(" ").append(id);
          chat_event(r, ui, c, "chat_update_title", t, inc, c.title);
        }
        break;
      }
      case k_attendance_off_shift_gps: {
        const std::int64_t t = at_min(static_cast<int>(r.range(2 * 60, 4 * 60 + 50))) + r.range(0, k_min - 1);
        const auto n = r.range(1, 2);
        // At or near home: outside the office's attendance range, so DingTalk records the
        // check as Outside (外勤).
        for (std::int64_t i = 0; i < n; ++i) {
          if (r.chance(0.5))
            check(ui, t + i * r.range(10 * k_min, 40 * k_min), u.home_lat, u.home_lon, u.home_address, true, 0, true, inc);
          else
            check(ui, t + i * r.range(10 * k_min, 40 * k_min), u.home_lat + r.range(-2000, 2000), u.home_lon + r.range(-2000, 2000),
                  u.home_address, true, 0, false, inc);
        }
        break;
      }
      case k_bank_card_in_title_or_file: number_in_name(r, ui, inc, k_files_card, k_chat_titles_card); break;
      case k_passport_number_in_title_or_file:
        number_in_name(r, ui, inc, k_files_passport, k_chat_titles_passport);
        break;
      case k_personal_register_shared_to_group: {
        // Payroll, staff bank details or ID copies shared to a group (80 %) or as a link.
        expand(res, r.pick(std::span<const sv>(k_files_register)), r, u.dept, day, {});
        const std::int64_t t = work_time(r);
        if (r.chance(0.8))
          audit(r, ui, t, a_share, desk, res, size_for(r, extension_of(res)), 1, chats[r.below(chats.size())].title, inc,
                true);
        else
          audit(r, ui, t, a_share, desk, res, size_for(r, extension_of(res)), 3, {}, inc, true);
        break;
      }
      case k_location_tracking_burst: {
        // Continuous location reporting switched on for the person's phone (a supervisor
        // tracking field staff): a GPS check every 4–10 minutes for 1–4 hours of the day,
        // around the office or the person's rounds in Macau.
        std::int64_t t = work_time(r, 9 * 60 + 30, 15 * 60);
        const std::int64_t until = t + r.range(1, 4) * k_hour;
        const gps_box& area = k_macau_homes[r.below(k_macau_homes.size())];
        while (t < until) {
          box_check(r, ui, t, area, true, true, inc);
          t += r.range(4, 10) * k_min;
        }
        break;
      }
      case k_contact_list_in_title: {
        // 2–4 colleagues with their mobile numbers (or webmail addresses) in a group title
        // (70 %) or a sign-up sheet's file name.
        const bool mail = r.chance(0.3);
        title.assign(r.pick(std::span<const sv>(k_contact_list_purposes)));
        const auto people = r.range(2, 4);
        for (std::int64_t i = 0; i < people; ++i) {
          title += i == 0 ? " " : (r.chance(0.5) ? " / " : ", ");
          title += users[pick_colleague(r, ui)].real_name;
          title += ' ';
          if (mail) webmail_address(title, r);
          else mobile_number(title, r);
        }
        const bool group = r.chance(0.7);
        if (!group) title += ".xlsx";
        name_file_or_group(r, ui, inc, group, title);
        break;
      }
      case k_hr_sync_overwide: {
        const std::int64_t t = work_time(r, 9 * 60, 19 * 60);
        const std::int64_t staff = active_staff();
        const auto n = r.range(1, 3);
        for (std::int64_t i = 0; i < n; ++i) {
          const std::int64_t rec = staff * r.range(10, 50);
          flow(ui, t + i * r.range(1 * k_min, 5 * k_min), "smart_hr_sync", k_dst_oapi, "TLSv1.3", rec * r.range(2000, 4000),
               rec, inc);
        }
        break;
      }
      case k_bulk_download: {
        const std::int64_t t = work_time(r, 9 * 60, 20 * 60);
        audit(r, ui, t - r.range(1 * k_min, 5 * k_min), a_login, desk, {}, 0, 0, {}, inc);
        if (r.chance(0.5)) {
          const auto n = r.range(30, 200);
          const std::int64_t span = r.range(5 * k_min, 55 * k_min);
          for (std::int64_t i = 0; i < n; ++i) {
            const int act = r.chance(0.85) ? a_download : a_export;
            benign_file(r, static_cast<int>(r.below(k_departments.size())));
            audit(r, ui, t + r.range(0, span), act, desk, res, size_for(r, extension_of(res)), 0, {}, inc);
          }
        } else {
          res.assign(r.pick(std::span<const sv>(k_files_bulk_export)));
          audit(r, ui, t, a_export, desk, res, r.range(52'000'000, 400'000'000), 0, {}, inc);
        }
        break;
      }
      case k_off_hours_access: {
        const std::int64_t t = at_min(static_cast<int>(r.range(60, 4 * 60 + 10))) + r.range(0, k_min - 1);
        const audit_ctx at{r.chance(0.6) ? sv(u.home_ip) : sv(u.office_ip), r.chance(0.5) ? u.desk_platform : u.phone_platform,
                           u.desk_sn};
        audit(r, ui, t, a_login, at, {}, 0, 0, {}, inc);
        const auto n = r.range(5, 30);
        const std::int64_t span = r.range(20 * k_min, 50 * k_min);
        for (std::int64_t i = 0; i < n; ++i) {
          const int act = i < 3 || r.chance(0.5) ? a_download : a_view;
          benign_file(r, u.dept);
          audit(r, ui, t + r.range(1, span), act, at, res, size_for(r, extension_of(res)), 0, {}, inc);
        }
        break;
      }
      case k_new_device_and_ip: {
        const std::int64_t t = at_min(static_cast<int>(r.range(0, 23 * 60))) + r.range(0, k_min - 1);
        random_ip(ipbuf2, r, k_net_overseas_hostile);
        std::string dev;
        const int platform = unused_platform(u, t, r.chance(0.5));  // plan() made sure of one
        make_device(dev, r, platform);
        const audit_ctx at{ipbuf2, platform, dev};
        audit(r, ui, t, a_login, at, {}, 0, 0, {}, inc);
        const auto n = r.range(2, 10);
        for (std::int64_t i = 0; i < n; ++i) {
          benign_file(r, u.dept);
          audit(r, ui, t + r.range(1 * k_min, 60 * k_min), r.chance(0.6) ? a_download : a_view, at, res,
                size_for(r, extension_of(res)), 0, {}, inc);
        }
        break;
      }
      case k_new_country_bulk_download: {
        // The account, on its usual device, works from a country the person has not been
        // to (a residential proxy, or an insider abroad) and downloads 10–25 files within
        // the hour. Not the country of the person's last trip.
        std::size_t c = r.below(k_trip_places.size());
        if (u.trip_from_day >= 0 && static_cast<int>(c) == u.trip_place) c = (c + 1) % k_trip_places.size();
        random_ip(ipbuf2, r, std::array<cidr, 1>{k_trip_places[c].net});
        const bool phone = r.chance(0.5);
        const audit_ctx at{ipbuf2, phone ? u.phone_platform : u.desk_platform, phone ? u.phone_sn : u.desk_sn};
        const std::int64_t t = at_min(static_cast<int>(r.range(8 * 60, 22 * 60))) + r.range(0, k_min - 1);
        audit(r, ui, t, a_login, at, {}, 0, 0, {}, inc);
        const auto n = r.range(10, 25);
        const std::int64_t span = r.range(15, 50) * k_min;
        for (std::int64_t i = 0; i < n; ++i) {
          benign_file(r, static_cast<int>(r.below(k_departments.size())));
          audit(r, ui, t + r.range(1 * k_min, span), a_download, at, res, size_for(r, extension_of(res)), 0, {}, inc);
        }
        break;
      }
      case k_impossible_travel: {
        const std::int64_t t = work_time(r);
        audit_activity(r, ui, t, a_login, desk, inc);
        audit_activity(r, ui, t + r.range(1 * k_min, 4 * k_min), a_view, desk, inc);
        random_ip(ipbuf2, r, k_net_overseas_hostile);
        const audit_ctx far{ipbuf2, u.desk_platform, u.desk_sn};
        const std::int64_t t2 = t + r.range(5 * k_min, 40 * k_min);
        audit_activity(r, ui, t2, a_login, far, inc);
        const auto n = r.range(1, 4);
        for (std::int64_t i = 0; i < n; ++i)
          audit_activity(r, ui, t2 + r.range(1 * k_min, 20 * k_min), a_download, far, inc);
        break;
      }
      case k_failed_login_burst: {
        const std::int64_t t = at_min(static_cast<int>(r.range(0, 23 * 60))) + r.range(0, k_min - 1);
        if (r.chance(0.5)) random_ip(ipbuf2, r, k_net_overseas_hostile);
        else random_ip(ipbuf2, r, k_net_macau_mobile);
        std::string dev;
        make_device(dev, r, 5);
        const audit_ctx at{ipbuf2, 5, dev};
        const auto n = r.range(10, 40);
        const std::int64_t span = r.range(2 * k_min, 10 * k_min);
        for (std::int64_t i = 0; i < n; ++i) audit(r, ui, t + span * i / n, a_login_failed, at, {}, 0, 0, {}, inc);
        if (r.chance(0.4)) audit(r, ui, t + span + r.range(5 * k_sec, 60 * k_sec), a_login, at, {}, 0, 0, {}, inc);
        break;
      }
      case k_admin_grant_then_export: {
        const std::int64_t t = work_time(r, 9 * 60 + 30, 18 * 60);
        org_event(r, "org_admin_add", ui, it_admin(r), t, inc);
        const std::int64_t s = t + r.range(5 * k_min, 40 * k_min);
        const auto n = r.range(10, 40);
        for (std::int64_t i = 0; i < n; ++i) {
          res.assign(r.chance(0.5) ? r.pick(std::span<const sv>(k_files_bulk_export)) : sv("員工通訊錄.xlsx"));
          audit(r, ui, s + r.range(0, 20 * k_min), a_export, desk, res, r.range(200'000, 60'000'000), 0, {}, inc);
        }
        break;
      }
      case k_dormant_account_wakeup: {
        const std::int64_t t = at_min(static_cast<int>(r.range(8 * 60, 23 * 60))) + r.range(0, k_min - 1);
        random_ip(ipbuf2, r, k_net_macau_mobile);
        const audit_ctx at{ipbuf2, r.chance(0.5) ? 5 : u.desk_platform, u.desk_sn};
        audit(r, ui, t, a_login, at, {}, 0, 0, {}, inc);
        const auto n = r.range(5, 20);
        const std::int64_t span = r.range(30 * k_min, 90 * k_min);
        for (std::int64_t i = 0; i < n; ++i) {
          benign_file(r, static_cast<int>(r.below(k_departments.size())));
          audit(r, ui, t + r.range(1, span), r.chance(0.7) ? a_download : a_view, at, res,
                size_for(r, extension_of(res)), 0, {}, inc);
        }
        break;
      }
      case k_activity_after_leave: {
        const std::int64_t t = u.employed_until;
        org_event(r, "user_leave_org", ui, hr_operator(r), t, inc);
        const std::int64_t s = clamp_day(t + r.range(10 * k_min, 240 * k_min));
        const audit_ctx at{r.chance(0.5) ? sv(u.home_ip) : sv(u.office_ip), u.desk_platform, u.desk_sn};
        audit(r, ui, s, a_login, at, {}, 0, 0, {}, inc);
        const auto n = r.range(3, 15);
        for (std::int64_t i = 0; i < n; ++i) {
          benign_file(r, u.dept);
          audit(r, ui, clamp_day(s + r.range(1 * k_min, 40 * k_min)), r.chance(0.7) ? a_download : a_export, at, res,
                size_for(r, extension_of(res)), 0, {}, inc);
        }
        break;
      }
      case k_audit_from_foreign_ip: {
        const std::int64_t t = at_min(static_cast<int>(r.range(8 * 60, 23 * 60))) + r.range(0, k_min - 1);
        const bool cloud = r.chance(0.8);
        if (cloud) random_ip(ipbuf2, r, k_net_cn_cloud);
        else random_ip(ipbuf2, r, k_net_overseas_hostile);
        const audit_ctx at{ipbuf2, r.chance(0.5) ? 1 : 5, u.desk_sn};
        const auto n = r.range(1, 6);
        for (std::int64_t i = 0; i < n; ++i) {
          benign_file(r, u.dept);
          if (r.chance(0.3)) res.assign(r.pick(std::span<const sv>(k_files_bulk_export)));
          // Files land in a foreign data centre (downloads into a cloud VM) or a register is
          // extracted abroad (exports). Downloads from a VPS or Tor are account misuse: the
          // anomalous-access family's new_device_and_ip.
          const int act = cloud && r.chance(0.7) ? a_download : a_export;
          audit(r, ui, t + r.range(0 * k_min, 30 * k_min), act, at, res, size_for(r, extension_of(res)), 0, {}, inc);
        }
        break;
      }
      case k_flow_personal_records_abroad: {
        const std::int64_t t = work_time(r);
        const destination& d = k_dst_abroad_upload[r.below(k_dst_abroad_upload.size())];
        const auto n = r.range(1, 3);
        for (std::int64_t i = 0; i < n; ++i) {
          const auto rec = r.log_uniform(20, 5000);
          flow(ui, t + i * r.range(1 * k_min, 10 * k_min), "file_upload", d, "TLSv1.3", rec * r.range(300, 2000), rec, inc);
        }
        break;
      }
      case k_smart_hr_sync_enabled_abroad: {
        const std::int64_t t = work_time(r, 9 * 60, 16 * 60);
        const destination& d = k_dst_abroad_hr[r.below(k_dst_abroad_hr.size())];
        const std::int64_t staff = active_staff();
        const auto n = r.range(1, 3);
        for (std::int64_t i = 0; i < n; ++i)
          flow(ui, t + i * k_hour + r.range(-60 * k_sec, 60 * k_sec), "smart_hr_sync", d, "TLSv1.3",
               staff * r.range(3000, 5000), staff + r.range(-3, 3), inc);
        break;
      }
      case k_robot_webhook_foreign: {
        const std::int64_t t = work_time(r);
        const destination& d = k_dst_abroad_hooks[r.below(k_dst_abroad_hooks.size())];
        const auto n = r.range(1, 5);
        for (std::int64_t i = 0; i < n; ++i)
          flow(ui, t + r.range(0 * k_min, 60 * k_min), "robot_webhook", d, "TLSv1.3", r.range(4000, 60000), r.range(5, 200), inc);
        break;
      }
      case k_event_push_weak_tls: {
        const std::int64_t t = at_min(static_cast<int>(r.range(0, 22 * 60))) + r.range(0, k_min - 1);
        const bool weak = r.chance(0.6);
        const destination d{k_dst_ingest.host, weak ? k_dst_ingest.ip : r.pick(std::span<const sv>(k_ingest_unlisted_ips))};
        const auto n = r.range(1, 20);
        const std::int64_t span = r.range(10 * k_min, 60 * k_min);
        for (std::int64_t i = 0; i < n; ++i)
          flow(ui, t + span * i / n, "event_push", d, weak ? "TLSv1.2" : "TLSv1.3", r.range(900, 24000), r.range(1, 20), inc);
        break;
      }
      case k_attendance_outside_macau: {
        const std::int64_t t = at_min(static_cast<int>(r.range(8 * 60, 10 * 60))) + r.range(0, k_min - 1);
        const gps_box& b = k_far_mainland[r.below(k_far_mainland.size())];
        box_check(r, ui, t, b, true, true, inc);
        if (r.chance(0.5)) box_check(r, ui, t + r.range(8 * k_hour, 10 * k_hour), b, true, false, inc);
        break;
      }
      default: break;
    }
  }

  // ---------------------------------------------------------------- day driver

  void generate_day() {
    ++day;
    day0 = macau_midnight(day);
    wd = weekday(day);
    buf.clear();
    entries.clear();
    att.clear();
    day_incs.clear();
    pos = 0;
    seq = 0;
    rng r(mix_seed(opt.seed, static_cast<std::uint64_t>(day) * 2 + 1));
    rng ri(mix_seed(opt.seed ^ 0x696e636964656e74ull, static_cast<std::uint64_t>(day) * 2 + 2));
    churn(r);
    plan_incidents(ri);
    const std::size_t n = users.size();
    for (std::size_t i = 0; i < n; ++i) user_day(r, i);
    org_day(r);
    bots_day(r);
    for (const planned& p : plans) render(ri, p);
    flush_attendance(r);
    std::sort(entries.begin(), entries.end(),
              [](const entry& a, const entry& b) { return a.ts != b.ts ? a.ts < b.ts : a.seq < b.seq; });
    if (day0 < opt.start_ms) {
      const auto it = std::find_if(entries.begin(), entries.end(), [&](const entry& e) { return e.ts >= opt.start_ms; });
      pos = static_cast<std::size_t>(it - entries.begin());
    }
  }

  void next(record& out) {
    while (pos >= entries.size()) generate_day();
    const entry& e = entries[pos++];
    out.topic.assign(k_topic_names[e.topic]);
    out.key.assign(buf, e.koff, e.klen);
    out.value.assign(buf, e.voff, e.vlen);
    out.ts_ms = e.ts;
    now = e.ts;
    if (e.inc >= 0) {
      auto& d = day_incs[static_cast<std::size_t>(e.inc)];
      if (!d.published) {
        d.published = true;
        incident label = d.label;
        label.id = "inc-";
        std::string num = std::to_string(published.size() + 1);
        if (num.size() < 6) label.id.append(6 - num.size(), '0');
        label.id += num;
        published.push_back(std::move(label));
      }
    }
  }
};

generator::generator(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}
generator::~generator() = default;
generator::generator(generator&&) noexcept = default;
generator& generator::operator=(generator&&) noexcept = default;

void generator::next(record& out) { impl_->next(out); }
const std::vector<incident>& generator::incidents() const noexcept { return impl_->published; }
std::int64_t generator::now_ms() const noexcept { return impl_->now; }
const options& generator::config() const noexcept { return impl_->opt; }

}  // namespace dingwatch::gen
