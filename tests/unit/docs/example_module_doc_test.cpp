// docs/modules.md shows mod_example in full; this keeps the page and the built module equal.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read_source(const std::string& relative) {
    const char* root = std::getenv("CADENZA_SOURCE_ROOT");
    std::ifstream in(std::string(root ? root : ".") + "/" + relative);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST(Docs, ModulesPageShowsTheExampleModuleExactly) {
    std::string doc = read_source("docs/modules.md");
    std::string code = read_source("tests/support/example_module/example.cpp");
    ASSERT_FALSE(doc.empty());
    ASSERT_FALSE(code.empty());
    auto section = doc.find("## A complete module");
    ASSERT_NE(section, std::string::npos);
    auto begin = doc.find("```cpp\n", section);
    ASSERT_NE(begin, std::string::npos);
    begin += 7;
    auto end = doc.find("```", begin);
    ASSERT_NE(end, std::string::npos);
    EXPECT_EQ(doc.substr(begin, end - begin), code)
        << "docs/modules.md and tests/support/example_module/example.cpp differ";
}

} // namespace
