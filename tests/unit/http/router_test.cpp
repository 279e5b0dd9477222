#include "http/router.hpp"

#include <gtest/gtest.h>

namespace cadenza::http {
namespace {

// A request that is never looked at: the handlers here only say who they are.
class NullRequest final : public Request {
public:
    Method method() const override { return Method::kGet; }
    std::string_view path() const override { return {}; }
    std::string_view base_path() const override { return {}; }
    std::string_view wildcard() const override { return {}; }
    std::string_view query_string() const override { return {}; }
    std::optional<std::string> query(std::string_view) const override { return {}; }
    std::vector<std::string> query_all(std::string_view) const override { return {}; }
    std::optional<std::string_view> header(std::string_view) const override { return {}; }
    std::string_view host() const override { return {}; }
    std::string_view remote_address() const override { return {}; }
    bool secure() const override { return false; }
    std::string_view body() const override { return {}; }
    void respond(Response) override {}
    sse::EventStreamPtr start_event_stream(const sse::StreamOptions&,
                                           std::vector<Header>) override {
        return nullptr;
    }
    bool answered() const override { return false; }
};

// Handlers that say who they are, so a test can see which route won.
Handler tagged(std::string* out, std::string tag) {
    return [out, tag](Request&) { *out = tag; };
}

class RouterTest : public ::testing::Test {
protected:
    // Which route serves the request, by the tag its handler writes ("" when none).
    std::string who(std::string_view host, Method m, std::string_view path) {
        Router::Result r = router.route(host, m, path);
        if (r.outcome != Router::Outcome::kFound) {
            return "";
        }
        hit.clear();
        NullRequest request;
        (*r.handler)(request);
        return hit;
    }

    Router router;
    std::string hit;
};

TEST(RoutePattern, Parses) {
    auto p = parse_route_pattern("GET /*");
    EXPECT_EQ(p.method, Method::kGet);
    EXPECT_EQ(p.path, "/");
    EXPECT_TRUE(p.wildcard);
    p = parse_route_pattern("POST /publish");
    EXPECT_EQ(p.method, Method::kPost);
    EXPECT_EQ(p.path, "/publish");
    EXPECT_FALSE(p.wildcard);
    p = parse_route_pattern("GET /nodes/*");
    EXPECT_EQ(p.path, "/nodes/");
    EXPECT_TRUE(p.wildcard);
    p = parse_route_pattern("OPTIONS *");
    EXPECT_EQ(p.method, Method::kOptions);
    EXPECT_EQ(p.path, "/");
    EXPECT_TRUE(p.wildcard);
}

TEST(RoutePattern, RejectsBadPatternsNamingThem) {
    for (const char* bad :
         {"GET", "/x", "get /x", "FETCH /x", "GET x", "GET /a*b", "GET /*/x", ""}) {
        try {
            parse_route_pattern(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("'" + std::string(bad) + "'"), std::string::npos)
                << e.what();
        }
    }
}

TEST(NormalizeHost, LowerCasePortsAndBrackets) {
    EXPECT_EQ(Router::normalize_host("Example.ORG:5280"), "example.org");
    EXPECT_EQ(Router::normalize_host("example.org"), "example.org");
    EXPECT_EQ(Router::normalize_host("example.org."), "example.org");
    EXPECT_EQ(Router::normalize_host("[::1]:5280"), "[::1]");
    EXPECT_EQ(Router::normalize_host("[FE80::1]"), "[fe80::1]");
    EXPECT_EQ(Router::normalize_host("127.0.0.1:80"), "127.0.0.1");
    EXPECT_EQ(Router::normalize_host(""), "");
}

TEST_F(RouterTest, WildcardMountMatchesBaseAndBelow) {
    router.mount("example.org", "/eventsource", "A",
                 {"eventsource", {{"GET /*", tagged(&hit, "es")}}});
    for (const char* path :
         {"/eventsource", "/eventsource/", "/eventsource/node", "/eventsource/a/b%20c"}) {
        EXPECT_EQ(who("example.org", Method::kGet, path), "es") << path;
    }
    EXPECT_EQ(who("example.org", Method::kGet, "/eventsourcex"), "");
    EXPECT_EQ(who("example.org", Method::kGet, "/other"), "");
    EXPECT_EQ(who("example.org", Method::kGet, "/"), "");
}

TEST_F(RouterTest, WildcardIsTheRawRemainder) {
    router.mount("example.org", "/eventsource", "A",
                 {"eventsource", {{"GET /*", tagged(&hit, "es")}}});
    auto r = router.route("example.org", Method::kGet, "/eventsource/a/b%20c");
    EXPECT_EQ(r.wildcard, "a/b%20c");
    EXPECT_EQ(r.base_path, "/eventsource");
    EXPECT_EQ(r.host, "example.org");
    EXPECT_EQ(r.owner, "A");
    EXPECT_EQ(router.route("example.org", Method::kGet, "/eventsource").wildcard, "");
    EXPECT_EQ(router.route("example.org", Method::kGet, "/eventsource/").wildcard, "");
}

TEST_F(RouterTest, ExactRoutes) {
    router.mount(
        "h", "/api", "A",
        {"api", {{"GET /status", tagged(&hit, "status")}, {"GET /", tagged(&hit, "index")}}});
    EXPECT_EQ(who("h", Method::kGet, "/api/status"), "status");
    EXPECT_EQ(who("h", Method::kGet, "/api/status/x"), "");
    EXPECT_EQ(who("h", Method::kGet, "/api/"), "index");
    EXPECT_EQ(who("h", Method::kGet, "/api"), "index"); // base + "/" serves the base itself
    EXPECT_EQ(who("h", Method::kGet, "/api/other"), "");
}

TEST_F(RouterTest, ExactBeatsWildcardThenLongerPrefix) {
    router.mount("h", "/es", "A",
                 {"es",
                  {{"GET /*", tagged(&hit, "any")},
                   {"GET /nodes/*", tagged(&hit, "nodes")},
                   {"GET /nodes/special", tagged(&hit, "special")}}});
    EXPECT_EQ(who("h", Method::kGet, "/es/x"), "any");
    EXPECT_EQ(who("h", Method::kGet, "/es/nodes/x"), "nodes");
    EXPECT_EQ(who("h", Method::kGet, "/es/nodes"), "nodes");
    EXPECT_EQ(who("h", Method::kGet, "/es/nodes/special"), "special");
    EXPECT_EQ(who("h", Method::kGet, "/es/nodes/special/more"), "nodes");
    EXPECT_EQ(router.route("h", Method::kGet, "/es/nodes/a/b").wildcard, "a/b");
}

TEST_F(RouterTest, DeeperMountWinsOverRootWildcard) {
    router.mount("h", "/", "root", {"root", {{"GET /*", tagged(&hit, "root")}}});
    router.mount("h", "/eventsource", "es", {"eventsource", {{"GET /*", tagged(&hit, "es")}}});
    EXPECT_EQ(who("h", Method::kGet, "/"), "root");
    EXPECT_EQ(who("h", Method::kGet, "/anything/else"), "root");
    EXPECT_EQ(who("h", Method::kGet, "/eventsource/n"), "es");
    EXPECT_EQ(router.route("h", Method::kGet, "/anything/else").wildcard, "anything/else");
    EXPECT_EQ(router.route("h", Method::kGet, "/x").base_path, "/");
}

TEST_F(RouterTest, RootMountExactRoute) {
    router.mount(
        "h", "/", "root",
        {"root", {{"GET /", tagged(&hit, "index")}, {"GET /favicon.ico", tagged(&hit, "icon")}}});
    EXPECT_EQ(who("h", Method::kGet, "/"), "index");
    EXPECT_EQ(who("h", Method::kGet, "/favicon.ico"), "icon");
    EXPECT_EQ(who("h", Method::kGet, "/x"), "");
}

TEST_F(RouterTest, CustomBasePathsAsHttpPathsGives) {
    // http_paths = { eventsource = "/streams/es/" }: trailing slash and missing slash are fine.
    router.mount("h", "/streams/es/", "A", {"eventsource", {{"GET /*", tagged(&hit, "es")}}});
    router.mount("h", "muc", "B", {"muc_eventsource", {{"GET /*", tagged(&hit, "muc")}}});
    EXPECT_EQ(who("h", Method::kGet, "/streams/es/node"), "es");
    EXPECT_EQ(router.route("h", Method::kGet, "/streams/es/node").base_path, "/streams/es");
    EXPECT_EQ(who("h", Method::kGet, "/muc/room"), "muc");
    EXPECT_EQ(who("h", Method::kGet, "/eventsource/node"), "");
}

TEST_F(RouterTest, MethodNotAllowedListsAllow) {
    router.mount(
        "h", "/es", "A",
        {"es", {{"GET /*", tagged(&hit, "get")}, {"POST /publish", tagged(&hit, "post")}}});
    auto r = router.route("h", Method::kDelete, "/es/publish");
    EXPECT_EQ(r.outcome, Router::Outcome::kMethodNotAllowed);
    EXPECT_EQ(r.allow, "GET, HEAD, POST");
    r = router.route("h", Method::kPost, "/es/other");
    EXPECT_EQ(r.outcome, Router::Outcome::kMethodNotAllowed);
    EXPECT_EQ(r.allow, "GET, HEAD");
    // A GET on the POST-only exact path falls to the wildcard GET.
    EXPECT_EQ(who("h", Method::kGet, "/es/publish"), "get");
    EXPECT_EQ(who("h", Method::kPost, "/es/publish"), "post");
    EXPECT_EQ(router.route("h", Method::kGet, "/nothing").outcome, Router::Outcome::kNotFound);
}

TEST_F(RouterTest, AllowHasOptionsOnlyWhenARouteHasIt) {
    router.mount("h", "/a", "A", {"a", {{"POST /x", tagged(&hit, "p")}}});
    EXPECT_EQ(router.route("h", Method::kGet, "/a/x").allow, "POST");
    router.mount("h", "/b", "B",
                 {"b", {{"PUT /x", tagged(&hit, "p")}, {"OPTIONS /x", tagged(&hit, "o")}}});
    EXPECT_EQ(router.route("h", Method::kGet, "/b/x").allow, "PUT, OPTIONS");
    EXPECT_EQ(who("h", Method::kOptions, "/b/x"), "o");
}

TEST_F(RouterTest, HeadIsServedByGetUnlessAHeadRouteExists) {
    router.mount("h", "/a", "A", {"a", {{"GET /x", tagged(&hit, "get")}}});
    EXPECT_EQ(who("h", Method::kHead, "/a/x"), "get");
    router.mount("h", "/b", "B",
                 {"b", {{"GET /x", tagged(&hit, "get")}, {"HEAD /x", tagged(&hit, "head")}}});
    EXPECT_EQ(who("h", Method::kHead, "/b/x"), "head");
    EXPECT_EQ(who("h", Method::kGet, "/b/x"), "get");
}

TEST_F(RouterTest, VirtualHostsAreSeparate) {
    router.mount("a.example", "/es", "A", {"es", {{"GET /*", tagged(&hit, "a")}}});
    router.mount("b.example", "/es", "B", {"es", {{"GET /*", tagged(&hit, "b")}}});
    EXPECT_EQ(who("a.example", Method::kGet, "/es/x"), "a");
    EXPECT_EQ(who("B.Example:5280", Method::kGet, "/es/x"), "b");
    EXPECT_EQ(who("c.example", Method::kGet, "/es/x"), "");
    EXPECT_EQ(who("", Method::kGet, "/es/x"), "");
}

TEST_F(RouterTest, MountHostIsNormalisedToo) {
    router.mount("Example.ORG", "/es", "A", {"es", {{"GET /*", tagged(&hit, "a")}}});
    EXPECT_EQ(who("example.org:443", Method::kGet, "/es/x"), "a");
    EXPECT_EQ(router.route("EXAMPLE.org", Method::kGet, "/es/x").host, "example.org");
}

TEST_F(RouterTest, Ipv6Hosts) {
    router.mount("[::1]", "/es", "A", {"es", {{"GET /*", tagged(&hit, "v6")}}});
    EXPECT_EQ(who("[::1]:5280", Method::kGet, "/es/x"), "v6");
    EXPECT_EQ(who("[::1]", Method::kGet, "/es/x"), "v6");
    EXPECT_EQ(who("[::2]", Method::kGet, "/es/x"), "");
}

TEST_F(RouterTest, DefaultHostServesUnknownHosts) {
    router.mount("main.example", "/es", "A", {"es", {{"GET /*", tagged(&hit, "main")}}});
    router.mount("other.example", "/x", "B", {"x", {{"GET /*", tagged(&hit, "other")}}});
    EXPECT_EQ(who("unknown.example", Method::kGet, "/es/n"), "");
    router.set_default_host("Main.Example");
    EXPECT_EQ(who("unknown.example", Method::kGet, "/es/n"), "main");
    EXPECT_EQ(who("", Method::kGet, "/es/n"), "main"); // no Host header
    EXPECT_EQ(router.route("unknown.example", Method::kGet, "/es/n").host, "main.example");
    // A known host does not fall back for paths it lacks.
    EXPECT_EQ(who("other.example", Method::kGet, "/es/n"), "");
    router.set_default_host("");
    EXPECT_EQ(who("unknown.example", Method::kGet, "/es/n"), "");
}

TEST_F(RouterTest, ConflictNamesBothOwners) {
    router.mount("example.org", "/eventsource", "pubsub_eventsource on pubsub.example.org",
                 {"eventsource", {{"GET /*", tagged(&hit, "a")}}});
    try {
        router.mount("Example.org", "/eventsource/", "muc_eventsource on rooms.example.org",
                     {"eventsource", {{"GET /*", tagged(&hit, "b")}}});
        FAIL() << "no conflict";
    } catch (const RouteConflict& e) {
        EXPECT_STREQ(e.what(),
                     "route set 'eventsource' of pubsub_eventsource on pubsub.example.org and "
                     "muc_eventsource on rooms.example.org are both mounted at "
                     "http://example.org/eventsource");
    }
    // The first mount is untouched.
    EXPECT_EQ(who("example.org", Method::kGet, "/eventsource/x"), "a");
    // The same base on another host is no conflict.
    EXPECT_NO_THROW(router.mount("other.org", "/eventsource", "C", {"eventsource", {}}));
}

TEST_F(RouterTest, BadPatternLeavesRouterUnchanged) {
    EXPECT_THROW(
        router.mount("h", "/a", "A", {"a", {{"GET /ok", tagged(&hit, "ok")}, {"BAD", {}}}}),
        std::invalid_argument);
    EXPECT_EQ(router.route("h", Method::kGet, "/a/ok").outcome, Router::Outcome::kNotFound);
    EXPECT_NO_THROW(router.mount("h", "/a", "A", {"a", {{"GET /ok", tagged(&hit, "ok")}}}));
}

TEST_F(RouterTest, UnmountRemovesAndFreesTheBase) {
    MountId a = router.mount("h", "/es", "A", {"es", {{"GET /*", tagged(&hit, "a")}}});
    MountId b = router.mount("h", "/x", "B", {"x", {{"GET /*", tagged(&hit, "b")}}});
    EXPECT_NE(a, b);
    EXPECT_EQ(router.route("h", Method::kGet, "/es/n").mount, a);
    router.unmount(a);
    EXPECT_EQ(who("h", Method::kGet, "/es/n"), "");
    EXPECT_EQ(who("h", Method::kGet, "/x/n"), "b");
    EXPECT_NO_THROW(router.mount("h", "/es", "C", {"es", {{"GET /*", tagged(&hit, "c")}}}));
    EXPECT_EQ(who("h", Method::kGet, "/es/n"), "c");
    router.unmount(12345); // unknown: nothing happens
}

} // namespace
} // namespace cadenza::http
