// Fuzzes JID preparation: Jid::parse on arbitrary bytes. Whatever parses must be a fixed point:
// parsing its own string form gives the same JID, with the same parts.
#include <cadenza/jid.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what, std::string_view input, const std::string& detail) {
    std::fprintf(stderr, "jid_fuzz: %s\n  input: '%.*s'\n  %s\n", what,
                 static_cast<int>(input.size()), input.data(), detail.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto jid = cadenza::Jid::parse(input);
    if (!jid) {
        return 0;
    }
    if (jid->domain().empty()) {
        fail("a parsed JID has an empty domain", input, jid->str());
    }
    const std::string text = jid->str();
    auto again = cadenza::Jid::parse(text);
    if (!again) {
        fail("the string form of a parsed JID does not parse", input, text);
    }
    if (*again != *jid) {
        fail("parse(str()) gives another JID", input, text + " -> " + again->str());
    }
    // Building from the prepared parts must give the same JID too.
    auto rebuilt = cadenza::Jid::from_parts(jid->node(), jid->domain(), jid->resource());
    if (!rebuilt || *rebuilt != *jid) {
        fail("from_parts(parts) differs", input, text);
    }
    if (jid->bare().str() != (jid->node().empty() ? jid->domain()
                                                  : jid->node() + "@" + jid->domain())) {
        fail("bare() is not node@domain", input, text);
    }
    return 0;
}
