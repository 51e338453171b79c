#pragma once
/// The parse-only baseline shared by the decode and detect benchmarks: simdjson on-demand
/// over every record, touching every key and the raw token of every scalar, so the parser
/// does all the work a decoder would make it do and nothing more.

#include <simdjson.h>

#include <cstddef>
#include <span>

#include "dingwatch/core/record.hpp"

namespace dingwatch::bench {

/// One parse-only pass over `records`; returns a checksum so nothing is optimised away.
std::size_t parse_pass(std::span<const raw_record> records, simdjson::ondemand::parser& parser);

}  // namespace dingwatch::bench
