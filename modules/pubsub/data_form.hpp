// The little of XEP-0004 (data forms) pubsub needs: reading a submitted form's values and
// writing forms of fields.
#pragma once

#include <cadenza/stanza.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::pubsub_module {

inline constexpr std::string_view kDataFormsNs = "jabber:x:data";

// A form as received: its type and every field's values (FORM_TYPE included).
struct SubmittedForm {
    std::string type; // submit, cancel, form, result
    std::map<std::string, std::vector<std::string>, std::less<>> fields;

    // The FORM_TYPE value, "" when absent.
    std::string form_type() const { return value("FORM_TYPE"); }
    // The first value of a field, "" when the field or its value is absent.
    std::string value(std::string_view var) const;
    bool has(std::string_view var) const { return fields.find(var) != fields.end(); }
};

// Reads <x xmlns='jabber:x:data'/>; nullopt when `x` is null or not a data form.
std::optional<SubmittedForm> read_form(Element x);

// XEP-0004 booleans: "1"/"true" and "0"/"false"; nullopt for anything else.
std::optional<bool> parse_form_bool(std::string_view value);

struct FormField {
    std::string var;
    std::string type; // hidden, text-single, boolean, list-single, jid-single, jid-multi...
    std::string label;
    std::vector<std::string> values;
    std::vector<std::string> options; // for list-single
};

// Appends <x xmlns='jabber:x:data' type='{type}'> with the fields to `parent`; returns it.
Element add_form(Element parent, std::string_view type, const std::vector<FormField>& fields,
                 std::string_view title = {}, std::string_view instructions = {});

} // namespace cadenza::pubsub_module
