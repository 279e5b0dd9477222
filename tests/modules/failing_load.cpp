// Registers one of everything, then throws: the core must release all of it.
#include "test_events.hpp"

#include <cadenza/cadenza.hpp>

#include <stdexcept>

namespace {

class Nothing : public cadenza::Service {};

void load(cadenza::Module& module) {
    using cadenza::test::Probe;
    module.observe<Probe>(cadenza::test::kFailing, [](Probe& p) { p.values.push_back(1); });
    module.hook_global<Probe>(cadenza::test::kFailing, [](Probe& p) {
        p.values.push_back(2);
        return cadenza::HookResult::kPass;
    });
    module.provides_http({"failing", {{"GET /*", [](cadenza::http::Request& req) {
                                           req.respond(cadenza::http::Response::text(200, "x"));
                                       }}}});
    if (module.event_base() != nullptr) {
        module.add_timer(std::chrono::milliseconds(1),
                         [] { return std::optional<std::chrono::milliseconds>(1); });
    }
    module.provide(std::make_shared<Nothing>());
    throw std::runtime_error("deliberate failure");
}

} // namespace

CADENZA_MODULE("failing_load", load, nullptr, nullptr, nullptr)
