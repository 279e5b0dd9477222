#include "data_form.hpp"

namespace cadenza::pubsub_module {

std::string SubmittedForm::value(std::string_view var) const {
    auto it = fields.find(var);
    if (it == fields.end() || it->second.empty()) {
        return {};
    }
    return it->second.front();
}

std::optional<SubmittedForm> read_form(Element x) {
    if (!x || x.name() != "x" || x.ns() != kDataFormsNs) {
        return std::nullopt;
    }
    SubmittedForm form;
    form.type = std::string(x.attr("type"));
    for (Element field : x.children("field", kDataFormsNs)) {
        std::vector<std::string>& values = form.fields[std::string(field.attr("var"))];
        for (Element value : field.children("value", kDataFormsNs)) {
            values.push_back(value.text());
        }
    }
    return form;
}

std::optional<bool> parse_form_bool(std::string_view value) {
    if (value == "1" || value == "true") {
        return true;
    }
    if (value == "0" || value == "false") {
        return false;
    }
    return std::nullopt;
}

Element add_form(Element parent, std::string_view type, const std::vector<FormField>& fields,
                 std::string_view title, std::string_view instructions) {
    Element x = parent.add_child("x", kDataFormsNs).set_attr("type", type);
    if (!title.empty()) {
        x.add_child("title", kDataFormsNs).set_text(title);
    }
    if (!instructions.empty()) {
        x.add_child("instructions", kDataFormsNs).set_text(instructions);
    }
    for (const FormField& f : fields) {
        Element field = x.add_child("field", kDataFormsNs).set_attr("var", f.var);
        if (!f.type.empty()) {
            field.set_attr("type", f.type);
        }
        if (!f.label.empty()) {
            field.set_attr("label", f.label);
        }
        for (const std::string& value : f.values) {
            field.add_child("value", kDataFormsNs).set_text(value);
        }
        for (const std::string& option : f.options) {
            field.add_child("option", kDataFormsNs)
                .add_child("value", kDataFormsNs)
                .set_text(option);
        }
    }
    return x;
}

} // namespace cadenza::pubsub_module
