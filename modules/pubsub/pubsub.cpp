// mod_pubsub: a XEP-0060 publish-subscribe service on a component
// (Component "pubsub.example.org" "pubsub"). Options, hooks and features: README.md.
#include "service.hpp"
#include "settings.hpp"

#include <cadenza/cadenza.hpp>
#include <cadenza/services/pubsub.hpp>
#include <cadenza/xmpp.hpp>

#include <memory>

namespace {

using namespace cadenza;
using cadenza::pubsub_module::PubsubService;

constexpr std::string_view kPubsubNs = "http://jabber.org/protocol/pubsub";
constexpr std::string_view kOwnerNs = "http://jabber.org/protocol/pubsub#owner";

void load(Module& module) {
    pubsub_module::Settings settings = pubsub_module::read_settings(module.options(), module.log());
    std::string disco_name = settings.disco_name;
    auto service = std::make_shared<PubsubService>(module, std::move(settings));
    service->start();

    for (std::string_view type : {"get", "set"}) {
        for (std::string_view ns : {kPubsubNs, kOwnerNs}) {
            module.hook<StanzaEvent>(
                iq_event_name(type, "host", ns, "pubsub"),
                [service](StanzaEvent& e) { return service->on_pubsub_iq(e); });
        }
    }
    module.hook<StanzaEvent>(
        iq_event_name("get", "host", "http://jabber.org/protocol/disco#info", "query"),
        [service](StanzaEvent& e) { return service->on_disco_info(e); });
    module.hook<StanzaEvent>(
        iq_event_name("get", "host", "http://jabber.org/protocol/disco#items", "query"),
        [service](StanzaEvent& e) { return service->on_disco_items(e); });
    module.hook<StanzaEvent>("message/host",
                             [service](StanzaEvent& e) { return service->on_message(e); });

    module.add_identity("pubsub", "service", disco_name);
    for (const std::string& feature : PubsubService::features()) {
        module.add_feature(feature);
    }
    module.provide(service);
}

} // namespace

CADENZA_MODULE("pubsub", load, nullptr, nullptr, cadenza::pubsub_module::kOptionNames)
