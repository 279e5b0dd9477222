// The roster groups of one item, as the roster table stores them: a JSON array of strings
// (["Friends","Work"]). JSON rather than a separator because a group name is any XML text,
// newlines included; SQLite's json_each() can also read the column in ad-hoc queries.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::accounts {

// Encodes the names in order; "[]" for none. Names are UTF-8 and copied byte for byte, with
// '"', '\\' and control characters escaped.
std::string encode_groups(const std::vector<std::string>& groups);

// Decodes what encode_groups wrote (and any JSON array of strings, \uXXXX escapes included);
// nullopt when the text is not one.
std::optional<std::vector<std::string>> decode_groups(std::string_view text);

} // namespace cadenza::accounts
