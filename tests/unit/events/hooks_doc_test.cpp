// docs/hooks.md is the catalogue of events: every event the core fires must be listed there.
#include <cadenza/events.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read_catalogue() {
    const char* root = std::getenv("CADENZA_SOURCE_ROOT");
    std::ifstream in(std::string(root != nullptr ? root : ".") + "/docs/hooks.md");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST(HooksCatalogue, ListsEveryCoreEvent) {
    std::string doc = read_catalogue();
    ASSERT_FALSE(doc.empty()) << "docs/hooks.md not found; set CADENZA_SOURCE_ROOT";
    for (std::string_view name :
         {cadenza::events::kModuleLoaded, cadenza::events::kModuleUnloaded,
          cadenza::events::kServerStarted, cadenza::events::kServerStopping}) {
        EXPECT_NE(doc.find("| `" + std::string(name) + "`"), std::string::npos)
            << name << " is missing from the table in docs/hooks.md";
    }
}

} // namespace
