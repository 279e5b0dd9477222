// Provides a Greeter service to the modules of its host.
#include "greeter.hpp"

#include <cadenza/cadenza.hpp>

#include <memory>

namespace {

class HostGreeter final : public cadenza::test::Greeter {
public:
    explicit HostGreeter(std::string host) : host_(std::move(host)) {}
    std::string greet(std::string_view who) const override {
        return "hello " + std::string(who) + " from " + host_;
    }

private:
    std::string host_;
};

void load(cadenza::Module& module) {
    module.provide(std::make_shared<HostGreeter>(module.host()));
}

} // namespace

CADENZA_MODULE("provider", load, nullptr, nullptr, nullptr)
