// Percent-decoding (RFC 3986) of request paths and query strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cadenza::http {

// Decodes %XX escapes in a path. Returns nullopt for a malformed escape ("%4", "%zz") or a
// decoded NUL, which the server answers with 400. '+' stays '+' in paths.
std::optional<std::string> percent_decode_path(std::string_view raw);

// Decodes a query component: '+' is a space, %XX escapes are decoded, malformed escapes are
// kept as they are (browsers send them; rejecting would break forms).
std::string percent_decode_query(std::string_view raw);

// Splits "a=1&b=2&a=3" into decoded (name, value) pairs, in order. "flag" alone gives
// ("flag", ""); empty parts are skipped.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view raw);

} // namespace cadenza::http
