// The service `provider` offers and `consumer` uses, shared by the test modules and the tests.
#pragma once

#include <cadenza/module.hpp>

#include <string>
#include <string_view>

namespace cadenza::test {

class Greeter : public Service {
public:
    virtual std::string greet(std::string_view who) const = 0;
};

} // namespace cadenza::test
