// Uses provider's Greeter: answers the test-greet event and GET <base>/hello with it.
#include "greeter.hpp"
#include "test_events.hpp"

#include <cadenza/cadenza.hpp>

namespace {

void load(cadenza::Module& module) {
    // The provider unloads after this module, so the reference stays valid while we are loaded.
    const auto& greeter = module.depends<cadenza::test::Greeter>("provider");
    module.hook<cadenza::test::GreetRequest>(cadenza::test::kGreet,
                                             [&greeter](cadenza::test::GreetRequest& request) {
                                                 request.reply = greeter.greet(request.who);
                                                 return cadenza::HookResult::kHandled;
                                             });
    module.provides_http(
        {"consumer", {{"GET /hello", [&greeter](cadenza::http::Request& req) {
                           req.respond(cadenza::http::Response::text(200, greeter.greet("http")));
                       }}}});
}

} // namespace

CADENZA_MODULE("consumer", load, nullptr, nullptr, nullptr)
