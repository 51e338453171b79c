#include "parse_only.hpp"

namespace dingwatch::bench {

namespace {

// Touches every key and scalar of a value; returns a checksum so nothing is optimised away.
std::size_t walk(simdjson::ondemand::value v) {
  using jt = simdjson::ondemand::json_type;
  jt t;
  if (v.type().get(t)) return 0;
  std::size_t sum = 1;
  if (t == jt::object) {
    simdjson::ondemand::object o;
    if (v.get_object().get(o)) return 0;
    for (auto f : o) {
      simdjson::ondemand::field fl;
      if (std::move(f).get(fl)) return 0;
      sum += static_cast<unsigned char>(*fl.key().raw());
      sum += walk(fl.value());
    }
  } else if (t == jt::array) {
    simdjson::ondemand::array a;
    if (v.get_array().get(a)) return 0;
    for (auto e : a) {
      simdjson::ondemand::value ev;
      if (std::move(e).get(ev)) return 0;
      sum += walk(ev);
    }
  } else {
    sum += v.raw_json_token().size();
  }
  return sum;
}

}  // namespace

std::size_t parse_pass(std::span<const raw_record> records, simdjson::ondemand::parser& parser) {
  std::size_t checksum = 0;
  for (const raw_record& r : records) {
    simdjson::ondemand::document doc;
    const simdjson::padded_string_view json(r.bytes.data(), r.bytes.size(), r.bytes.size() + k_record_padding);
    if (parser.iterate(json).get(doc)) continue;
    simdjson::ondemand::object o;
    if (doc.get_object().get(o)) continue;
    for (auto f : o) {
      simdjson::ondemand::field fl;
      if (std::move(f).get(fl)) break;
      checksum += static_cast<unsigned char>(*fl.key().raw());
      checksum += walk(fl.value());
    }
  }
  return checksum;
}

}  // namespace dingwatch::bench
