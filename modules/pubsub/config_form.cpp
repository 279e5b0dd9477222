#include "config_form.hpp"

#include <charconv>
#include <ctime>

namespace cadenza::pubsub_module {
namespace {

std::string form_bool(bool value) {
    return value ? "1" : "0";
}

// One known field applied to `config`: true when applied, false for an invalid value.
bool apply_field(std::string_view var, const std::string& value, NodeConfig& config,
                 std::int64_t max_items_limit) {
    auto set_bool = [&value](bool& target) {
        auto parsed = parse_form_bool(value);
        if (parsed) {
            target = *parsed;
        }
        return parsed.has_value();
    };
    if (var == "pubsub#title") {
        config.title = value;
        return true;
    }
    if (var == "pubsub#access_model") {
        auto model = parse_access_model(value);
        if (model) {
            config.access_model = *model;
        }
        return model.has_value();
    }
    if (var == "pubsub#publish_model") {
        auto model = parse_publish_model(value);
        if (model) {
            config.publish_model = *model;
        }
        return model.has_value();
    }
    if (var == "pubsub#max_items") {
        if (value == "max") {
            config.max_items = max_items_limit;
            return true;
        }
        std::int64_t n = -1;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || n < 0 ||
            n > max_items_limit) {
            return false;
        }
        config.max_items = n;
        return true;
    }
    if (var == "pubsub#persist_items") {
        return set_bool(config.persist_items);
    }
    if (var == "pubsub#notify_retract") {
        return set_bool(config.notify_retract);
    }
    if (var == "pubsub#notify_delete") {
        return set_bool(config.notify_delete);
    }
    if (var == "pubsub#deliver_payloads") {
        return set_bool(config.deliver_payloads);
    }
    return true; // not ours: ignored
}

} // namespace

void add_config_form(Element parent, const NodeConfig& config, std::int64_t max_items_limit) {
    std::vector<FormField> fields;
    fields.push_back({"FORM_TYPE", "hidden", {}, {std::string(kNodeConfigFormType)}, {}});
    fields.push_back(
        {"pubsub#title", "text-single", "A friendly name for the node", {config.title}, {}});
    fields.push_back({"pubsub#access_model",
                      "list-single",
                      "Who may subscribe and retrieve items",
                      {std::string(pubsub::access_model_name(config.access_model))},
                      {"open", "presence", "roster", "authorize", "whitelist"}});
    fields.push_back({"pubsub#publish_model",
                      "list-single",
                      "Who may publish",
                      {std::string(pubsub::publish_model_name(config.publish_model))},
                      {"publishers", "subscribers", "open"}});
    fields.push_back({"pubsub#max_items",
                      "text-single",
                      "Items to keep (at most " + std::to_string(max_items_limit) + ")",
                      {std::to_string(config.max_items)},
                      {}});
    fields.push_back({"pubsub#persist_items",
                      "boolean",
                      "Persist items to storage",
                      {form_bool(config.persist_items)},
                      {}});
    fields.push_back({"pubsub#notify_retract",
                      "boolean",
                      "Notify subscribers when items are removed",
                      {form_bool(config.notify_retract)},
                      {}});
    fields.push_back({"pubsub#notify_delete",
                      "boolean",
                      "Notify subscribers when the node is deleted",
                      {form_bool(config.notify_delete)},
                      {}});
    fields.push_back({"pubsub#deliver_payloads",
                      "boolean",
                      "Deliver payloads with event notifications",
                      {form_bool(config.deliver_payloads)},
                      {}});
    add_form(parent, "form", fields);
}

std::optional<std::string> apply_config_form(const SubmittedForm& form, NodeConfig& config,
                                             std::int64_t max_items_limit) {
    NodeConfig updated = config;
    for (const auto& [var, values] : form.fields) {
        if (var == "FORM_TYPE") {
            continue;
        }
        std::string value = values.empty() ? std::string() : values.front();
        if (!apply_field(var, value, updated, max_items_limit)) {
            std::string error = "invalid value '";
            error.append(value).append("' for ").append(var);
            return error;
        }
    }
    config = updated; // all or nothing
    return std::nullopt;
}

bool preconditions_met(const SubmittedForm& form, const NodeConfig& config,
                       std::int64_t max_items_limit) {
    for (const auto& [var, values] : form.fields) {
        if (var == "FORM_TYPE") {
            continue;
        }
        NodeConfig wanted = config;
        std::string value = values.empty() ? std::string() : values.front();
        if (!apply_field(var, value, wanted, max_items_limit) || !same_config(wanted, config)) {
            return false;
        }
    }
    return true;
}

void add_meta_data_form(Element parent, const NodeState& node) {
    std::vector<std::string> owners;
    std::vector<std::string> publishers;
    for (const auto& [jid, affiliation] : node.affiliations) {
        if (affiliation == Affiliation::kOwner) {
            owners.push_back(jid);
        } else if (affiliation == Affiliation::kPublisher) {
            publishers.push_back(jid);
        }
    }
    std::vector<FormField> fields;
    fields.push_back({"FORM_TYPE", "hidden", {}, {std::string(kMetaDataFormType)}, {}});
    fields.push_back({"pubsub#title", "text-single", {}, {node.config.title}, {}});
    fields.push_back({"pubsub#creator", "jid-single", {}, {node.creator}, {}});
    fields.push_back(
        {"pubsub#creation_date", "text-single", {}, {xep82_datetime(node.created_at)}, {}});
    fields.push_back({"pubsub#owner", "jid-multi", {}, owners, {}});
    fields.push_back({"pubsub#publisher", "jid-multi", {}, publishers, {}});
    fields.push_back({"pubsub#access_model",
                      "list-single",
                      {},
                      {std::string(pubsub::access_model_name(node.config.access_model))},
                      {}});
    fields.push_back({"pubsub#publish_model",
                      "list-single",
                      {},
                      {std::string(pubsub::publish_model_name(node.config.publish_model))},
                      {}});
    add_form(parent, "result", fields);
}

std::string xep82_datetime(std::int64_t seconds) {
    auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return {buffer, n};
}

} // namespace cadenza::pubsub_module
