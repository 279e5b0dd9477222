#include "module_fixture.hpp"

#include "test_events.hpp"

#include "modules/module_context.hpp"

#include <stdexcept>

namespace cadenza::testing {
namespace {

using modules::ModuleContext;
using modules::ModuleManager;

class ModuleContextTest : public ModuleTest {};

// For ModuleContexts made by hand: a host where no other module can be loaded.
class NoModules final : public modules::DependencyResolver {
public:
    Service* resolve(Host& /*host*/, std::string_view module) override {
        throw std::runtime_error("cannot load " + std::string(module));
    }
};

TEST_F(ModuleContextTest, TimersRescheduleStopAndAreFreedAtUnload) {
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    std::vector<int> ticks;
    host("example.org").events.observe<test::Probe>(test::kTick, [&](test::Probe& p) {
        ticks.insert(ticks.end(), p.values.begin(), p.values.end());
    });
    int before = pending_events();

    ASSERT_TRUE(manager.load(host("example.org"), "ticker")) << log_.dump();
    EXPECT_EQ(pending_events(), before + 3);
    ASSERT_TRUE(run_until([&] {
        return ticks.size() == 3 &&
               log_.contains(LogLevel::kError,
                             "timer failed and is stopped: deliberate timer failure");
    })) << log_.dump();
    EXPECT_EQ(ticks, (std::vector<int>{1, 2, 3}));
    // The ticking timer returned nullopt and the throwing one stopped: only the hour is left.
    EXPECT_EQ(pending_events(), before + 1);

    manager.unload_all();
    EXPECT_EQ(pending_events(), before);
}

TEST_F(ModuleContextTest, TimersNeedTheServersLoop) {
    add_virtual_host("example.org");
    ModuleManager& manager = start(/*with_loop=*/false);
    EXPECT_FALSE(manager.load(host("example.org"), "ticker"));
    EXPECT_TRUE(log_.contains(LogLevel::kError, "timers need the server's event loop"))
        << log_.dump();
}

TEST_F(ModuleContextTest, HttpRoutesFollowHttpHostAndHttpPaths) {
    config_.global.options["http_paths"] = map_value({{"consumer", "greetings/"}});
    {
        auto& comp = add_component("c.example.org", "consumer");
        comp.options["http_host"] = string_value("example.org");
    }
    {
        auto& vh = add_virtual_host("own.example");
        vh.options["modules_enabled"] = list_value({"consumer"});
        vh.options["http_paths"] = map_value({{"consumer", "/mine"}});
    }
    ModuleManager& manager = start();
    ASSERT_EQ(manager.load_all(), 0U) << log_.dump();

    auto found = context_->router.route("example.org", http::Method::kGet, "/greetings/hello");
    EXPECT_EQ(found.outcome, http::Router::Outcome::kFound);
    EXPECT_NE(found.owner.find("module 'consumer' on host 'c.example.org'"), std::string::npos)
        << found.owner;
    EXPECT_EQ(
        context_->router.route("c.example.org", http::Method::kGet, "/greetings/hello").outcome,
        http::Router::Outcome::kNotFound);
    EXPECT_EQ(context_->router.route("own.example", http::Method::kGet, "/mine/hello").outcome,
              http::Router::Outcome::kFound);
}

TEST_F(ModuleContextTest, RouteConflictFailsTheSecondModuleNamingBoth) {
    {
        auto& vh = add_virtual_host("example.org");
        vh.options["modules_enabled"] = list_value({"consumer"});
    }
    {
        auto& comp = add_component("c.example.org", "consumer");
        comp.options["http_host"] = string_value("example.org");
    }
    ModuleManager& manager = start();
    EXPECT_EQ(manager.load_all(), 1U);
    EXPECT_TRUE(
        log_.contains(LogLevel::kError, "module 'consumer' failed to load on host 'c.example.org'"))
        << log_.dump();
    EXPECT_TRUE(log_.contains(LogLevel::kError, "module 'consumer' on host 'example.org'"))
        << log_.dump();
    EXPECT_TRUE(manager.is_loaded(host("example.org"), "consumer"));
    EXPECT_FALSE(manager.is_loaded(host("c.example.org"), "consumer"));
    // The failed load hooked test-greet before it mounted: that hook is gone again.
    EXPECT_FALSE(host("c.example.org").events.has_handlers(test::kGreet));
    EXPECT_TRUE(host("example.org").events.has_handlers(test::kGreet));
}

TEST_F(ModuleContextTest, IdentityOptionsAndLogger) {
    config_.global.options["greeting"] = string_value("global");
    {
        auto& vh = add_virtual_host("example.org");
        vh.options["colour"] = string_value("blue");
    }
    start();
    NoModules none;
    ModuleContext module(*context_, host("example.org"), "t", none);
    EXPECT_EQ(module.name(), "t");
    EXPECT_EQ(module.host(), "example.org");
    EXPECT_EQ(module.log().tag(), "example.org:t");
    EXPECT_EQ(module.options().get_string("colour", ""), "blue");
    EXPECT_EQ(module.options().get_string("greeting", ""), "global");
    EXPECT_EQ(module.event_base(), base_);
    EXPECT_EQ(&module.events(), &host("example.org").events);
    EXPECT_EQ(&module.global_events(), &context_->global_events);
    EXPECT_EQ(module.http_path("eventsource"), "/eventsource");
}

TEST_F(ModuleContextTest, ProvideOnlyOnce) {
    add_virtual_host("example.org");
    start();
    NoModules none;
    ModuleContext module(*context_, host("example.org"), "t", none);
    EXPECT_THROW(module.provide(nullptr), std::invalid_argument);
    auto service = std::make_shared<Service>();
    module.provide(service);
    EXPECT_EQ(module.service(), service.get());
    EXPECT_THROW(module.provide(std::make_shared<Service>()), std::logic_error);
    module.release();
    EXPECT_EQ(module.service(), nullptr);
    EXPECT_EQ(service.use_count(), 1);
}

TEST_F(ModuleContextTest, DependsReportsWhatCannotBeLoaded) {
    add_virtual_host("example.org");
    start();
    NoModules none;
    ModuleContext module(*context_, host("example.org"), "t", none);
    EXPECT_THROW(module.depends_service("t"), std::runtime_error);
    EXPECT_THROW(module.depends<Service>("other"), std::runtime_error);
}

TEST_F(ModuleContextTest, UnhookAndReleaseRemoveHooksOnBothBuses) {
    add_virtual_host("example.org");
    start();
    NoModules none;
    ModuleContext module(*context_, host("example.org"), "t", none);
    HookBus& bus = host("example.org").events;
    HookId a = module.observe<test::Probe>("x", [](test::Probe&) {});
    HookId b = module.observe<test::Probe>("x", [](test::Probe&) {});
    module.hook_global<test::Probe>("x", [](test::Probe&) { return HookResult::kPass; });
    EXPECT_NE(a, b);
    EXPECT_EQ(module.hook_count(), 3U);

    module.unhook(a);
    EXPECT_EQ(bus.handler_count("x"), 1U);
    module.unhook(a); // already gone: nothing happens
    EXPECT_EQ(bus.handler_count("x"), 1U);
    EXPECT_EQ(context_->global_events.handler_count("x"), 1U);

    module.release();
    EXPECT_EQ(bus.handler_count("x"), 0U);
    EXPECT_EQ(context_->global_events.handler_count("x"), 0U);
    EXPECT_EQ(module.hook_count(), 0U);
}

TEST_F(ModuleContextTest, TimerCancelledFromItsOwnCallback) {
    add_virtual_host("example.org");
    start();
    NoModules none;
    ModuleContext module(*context_, host("example.org"), "t", none);
    int before = pending_events();
    int runs = 0;
    TimerId id = 0;
    id = module.add_timer(
        std::chrono::milliseconds(0), [&]() -> std::optional<std::chrono::milliseconds> {
            ++runs;
            module.cancel_timer(id);
            return std::chrono::milliseconds(0); // ignored: the timer was cancelled
        });
    ASSERT_TRUE(run_until([&] { return runs > 0; }));
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(module.timer_count(), 0U);
    EXPECT_EQ(pending_events(), before);
}

} // namespace
} // namespace cadenza::testing
