#include "module_fixture.hpp"

#include "greeter.hpp"
#include "test_events.hpp"

#include "modules/builtin_modules.hpp"

#include <cadenza/events.hpp>

#include <algorithm>

namespace cadenza::testing {
namespace {

using modules::ModuleManager;

// Records "host:module" for every module-loaded / module-unloaded on a bus while it lives.
class ModuleEvents {
public:
    explicit ModuleEvents(HookBus& bus) : bus_(bus) {
        loaded_id_ = bus.observe<events::ModuleLoaded>(
            events::kModuleLoaded, [this](events::ModuleLoaded& e) {
                loaded.push_back(std::string(e.host) + ":" + std::string(e.module));
            });
        unloaded_id_ = bus.observe<events::ModuleUnloaded>(
            events::kModuleUnloaded, [this](events::ModuleUnloaded& e) {
                unloaded.push_back(std::string(e.host) + ":" + std::string(e.module));
            });
    }
    ~ModuleEvents() {
        bus_.remove(loaded_id_);
        bus_.remove(unloaded_id_);
    }
    ModuleEvents(const ModuleEvents&) = delete;
    ModuleEvents& operator=(const ModuleEvents&) = delete;

    std::vector<std::string> loaded;
    std::vector<std::string> unloaded;

private:
    HookBus& bus_;
    HookId loaded_id_ = 0;
    HookId unloaded_id_ = 0;
};

std::vector<int> probe(Host& host) {
    test::Probe p;
    host.events.notify(test::kNoopProbe, p);
    return p.values;
}

using Names = std::vector<std::string>;

class ModuleManagerTest : public ModuleTest {};

TEST_F(ModuleManagerTest, NoopLoadsAndUnloads) {
    config_.global.options["modules_enabled"] = list_value({"noop"});
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    ModuleEvents global(context_->global_events);
    ModuleEvents on_host(host("example.org").events);

    EXPECT_EQ(manager.load_all(), 0U) << log_.dump();
    EXPECT_TRUE(manager.is_loaded(host("example.org"), "noop"));
    EXPECT_EQ(probe(host("example.org")).size(), 1U);
    EXPECT_EQ(global.loaded, Names{"example.org:noop"});
    EXPECT_EQ(on_host.loaded, Names{"example.org:noop"});
    EXPECT_EQ(log_.count(LogLevel::kError), 0U) << log_.dump();

    manager.unload_all();
    EXPECT_FALSE(manager.is_loaded(host("example.org"), "noop"));
    EXPECT_FALSE(host("example.org").events.has_handlers(test::kNoopProbe));
    EXPECT_TRUE(probe(host("example.org")).empty());
    EXPECT_EQ(global.unloaded, Names{"example.org:noop"});
    EXPECT_EQ(on_host.unloaded, Names{"example.org:noop"});
}

TEST_F(ModuleManagerTest, LoadingTwiceIsANoOp) {
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_TRUE(manager.load(host("example.org"), "noop"));
    EXPECT_TRUE(manager.load(host("example.org"), "noop"));
    EXPECT_EQ(host("example.org").events.handler_count(test::kNoopProbe), 1U);
}

TEST_F(ModuleManagerTest, WrongApiVersionIsRefused) {
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_FALSE(manager.load(host("example.org"), "wrong_api"));
    EXPECT_FALSE(manager.is_loaded(host("example.org"), "wrong_api"));
    EXPECT_TRUE(log_.contains(LogLevel::kError,
                              "module 'wrong_api' was built for module API version 999, this "
                              "server has API version 1; rebuild the module against this "
                              "server's headers"))
        << log_.dump();
}

TEST_F(ModuleManagerTest, WrongFingerprintIsRefusedNamingBoth) {
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_FALSE(manager.load(host("example.org"), "wrong_fingerprint"));
    EXPECT_TRUE(log_.contains(LogLevel::kError, "'libc++ c++201703'")) << log_.dump();
    EXPECT_TRUE(log_.contains(LogLevel::kError, "this server as '" CADENZA_BUILD_FINGERPRINT "'"))
        << log_.dump();
}

TEST_F(ModuleManagerTest, FileDefiningAnotherModuleIsRefused) {
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_FALSE(manager.load(host("example.org"), "wrong_name"));
    EXPECT_TRUE(
        log_.contains(LogLevel::kError, "defines module 'something_else', not 'wrong_name'"))
        << log_.dump();
}

TEST_F(ModuleManagerTest, LibraryWithoutEntryPointIsRefused) {
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_FALSE(manager.load(host("example.org"), "no_entry"));
    EXPECT_TRUE(log_.contains(LogLevel::kError,
                              module_file("no_entry") +
                                  " is not a Cadenza module: no cadenza_module_definition symbol"))
        << log_.dump();
}

TEST_F(ModuleManagerTest, FailingLoadLeavesNothingBehind) {
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    ModuleEvents global(context_->global_events);
    int events_before = pending_events();

    EXPECT_FALSE(manager.load(host("example.org"), "failing_load"));
    EXPECT_TRUE(log_.contains(LogLevel::kError, "module 'failing_load' failed to load on host "
                                                "'example.org': deliberate failure"))
        << log_.dump();
    EXPECT_FALSE(manager.is_loaded(host("example.org"), "failing_load"));
    EXPECT_FALSE(host("example.org").events.has_handlers(test::kFailing));
    EXPECT_FALSE(context_->global_events.has_handlers(test::kFailing));
    EXPECT_EQ(context_->router.route("example.org", http::Method::kGet, "/failing/x").outcome,
              http::Router::Outcome::kNotFound);
    EXPECT_EQ(pending_events(), events_before); // its timer is gone
    EXPECT_TRUE(global.loaded.empty());
}

TEST_F(ModuleManagerTest, MissingDependencyIsReported) {
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_FALSE(manager.load(host("example.org"), "missing_dependency"));
    EXPECT_TRUE(
        log_.contains(LogLevel::kError, "module 'does_not_exist' for host 'example.org' not found"))
        << log_.dump();
    EXPECT_TRUE(log_.contains(LogLevel::kError,
                              "module 'missing_dependency' not loaded on host 'example.org': "
                              "its dependency 'does_not_exist' could not be loaded"))
        << log_.dump();
    EXPECT_FALSE(manager.is_loaded(host("example.org"), "missing_dependency"));
}

TEST_F(ModuleManagerTest, DependencyCycleIsDetected) {
    config_.global.options["modules_enabled"] = list_value({"cycle_a", "cycle_b"});
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_EQ(manager.load_all(), 2U);
    EXPECT_TRUE(log_.contains(LogLevel::kError,
                              "dependency cycle on host 'example.org': cycle_a -> cycle_b -> "
                              "cycle_a"))
        << log_.dump();
    EXPECT_FALSE(manager.is_loaded(host("example.org"), "cycle_a"));
    EXPECT_FALSE(manager.is_loaded(host("example.org"), "cycle_b"));
}

TEST_F(ModuleManagerTest, ConsumerGetsProvidersService) {
    config_.global.options["modules_enabled"] = list_value({"consumer"});
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    ModuleEvents global(context_->global_events);

    EXPECT_EQ(manager.load_all(), 0U) << log_.dump();
    EXPECT_TRUE(manager.is_loaded(host("example.org"), "provider"));
    EXPECT_TRUE(manager.is_loaded(host("example.org"), "consumer"));
    EXPECT_EQ(global.loaded, (Names{"example.org:provider", "example.org:consumer"}));

    test::GreetRequest request{"bob", {}};
    EXPECT_TRUE(host("example.org").events.dispatch(test::kGreet, request));
    EXPECT_EQ(request.reply, "hello bob from example.org");
}

TEST_F(ModuleManagerTest, BuiltinNamesLoadNothingAndAreNoError) {
    config_.global.options["modules_enabled"] =
        list_value({"roster", "saslauth", "tls", "disco", "ping", "c2s", "posix", "http"});
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_EQ(manager.load_all(), 0U);
    EXPECT_EQ(log_.count(LogLevel::kError), 0U) << log_.dump();
    EXPECT_FALSE(manager.is_loaded(host("example.org"), "roster"));
    ASSERT_NE(modules::find_builtin_module("muc_mam"), nullptr);
    EXPECT_EQ(modules::find_builtin_module("carbons"), nullptr);
    EXPECT_EQ(modules::find_builtin_module("pubsub"), nullptr);
}

TEST_F(ModuleManagerTest, UnknownModuleIsReportedWithTheSearchedPaths) {
    config_.global.options["modules_enabled"] = list_value({"carbons", "noop"});
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_EQ(manager.load_all(), 1U);
    EXPECT_TRUE(log_.contains(
        LogLevel::kError,
        "module 'carbons' for host 'example.org' not found; searched: " + module_dir_ +
            "/mod_carbons.so, " + module_dir_ + "/carbons/mod_carbons.so, "))
        << log_.dump();
    // The server carries on with the others.
    EXPECT_TRUE(manager.is_loaded(host("example.org"), "noop"));
}

TEST_F(ModuleManagerTest, InvalidModuleNameIsRefused) {
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_FALSE(manager.load(host("example.org"), "../noop"));
    EXPECT_TRUE(log_.contains(LogLevel::kError, "invalid module name '../noop'")) << log_.dump();
}

TEST_F(ModuleManagerTest, ConfiguredModulesFollowProsodysRules) {
    config_.global.options["modules_enabled"] = list_value({"a", "b", "c", "a"});
    config_.global.options["modules_disabled"] = list_value({"b"});
    {
        auto& vh = add_virtual_host("one.example");
        vh.options["modules_enabled"] = list_value({"d", "a", "e"});
        vh.options["modules_disabled"] = list_value({"c"});
    }
    add_virtual_host("two.example");
    {
        auto& comp = add_component("rooms.example", "muc");
        comp.options["modules_enabled"] = list_value({"x", "muc", "b"});
        comp.options["modules_disabled"] = list_value({"x"});
    }
    add_component("bare.example", "");
    {
        auto& comp = add_component("single.example", "pubsub");
        comp.options["modules_enabled"] = string_value("extra"); // one string is a one-item list
    }
    ModuleManager& manager = start();
    EXPECT_EQ(manager.configured_modules(host("one.example")), (Names{"a", "d", "e"}));
    EXPECT_EQ(manager.configured_modules(host("two.example")), (Names{"a", "c"}));
    // Components do not inherit the global list; the global modules_disabled does not apply.
    EXPECT_EQ(manager.configured_modules(host("rooms.example")), (Names{"muc", "b"}));
    EXPECT_EQ(manager.configured_modules(host("bare.example")), Names{});
    EXPECT_EQ(manager.configured_modules(host("single.example")), (Names{"pubsub", "extra"}));
}

TEST_F(ModuleManagerTest, ConfiguredModulesWithWrongTypeThrowConfigError) {
    config_.global.options["modules_enabled"] = ConfigValue(std::int64_t{3});
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    EXPECT_THROW(manager.configured_modules(host("example.org")), ConfigError);
    EXPECT_THROW(manager.load_all(), ConfigError);
}

TEST_F(ModuleManagerTest, UnloadRunsInReverseOrderOfLoading) {
    config_.global.options["modules_enabled"] = list_value({"noop", "consumer"});
    add_virtual_host("example.org");
    ModuleManager& manager = start();
    ModuleEvents global(context_->global_events);
    ASSERT_EQ(manager.load_all(), 0U) << log_.dump();
    EXPECT_EQ(global.loaded,
              (Names{"example.org:noop", "example.org:provider", "example.org:consumer"}));
    manager.unload_all();
    EXPECT_EQ(global.unloaded,
              (Names{"example.org:consumer", "example.org:provider", "example.org:noop"}));
    EXPECT_FALSE(host("example.org").events.has_handlers(test::kGreet));
    EXPECT_EQ(context_->router.route("example.org", http::Method::kGet, "/consumer/hello").outcome,
              http::Router::Outcome::kNotFound);
}

TEST_F(ModuleManagerTest, DestructorUnloadsEverything) {
    config_.global.options["modules_enabled"] = list_value({"noop"});
    add_virtual_host("example.org");
    start();
    ModuleEvents global(context_->global_events);
    ASSERT_EQ(manager_->load_all(), 0U);
    manager_.reset();
    EXPECT_EQ(global.unloaded, Names{"example.org:noop"});
    EXPECT_FALSE(host("example.org").events.has_handlers(test::kNoopProbe));
}

TEST_F(ModuleManagerTest, TwoHostsShareOneLibrary) {
    config_.global.options["modules_enabled"] = list_value({"noop"});
    add_virtual_host("one.example");
    add_virtual_host("two.example");
    ModuleManager& manager = start();
    ModuleEvents global(context_->global_events);
    ASSERT_EQ(manager.load_all(), 0U) << log_.dump();
    EXPECT_EQ(global.loaded, (Names{"one.example:noop", "two.example:noop"}));

    // Each load numbers itself from a counter in the library: one library, consecutive numbers.
    std::vector<int> one = probe(host("one.example"));
    std::vector<int> two = probe(host("two.example"));
    ASSERT_EQ(one.size(), 1U);
    ASSERT_EQ(two.size(), 1U);
    EXPECT_EQ(two[0], one[0] + 1);
    EXPECT_EQ(manager.probe("noop").path, module_file("noop"));
}

TEST_F(ModuleManagerTest, SearchPathsStartWithPluginPathsRelativeToTheConfig) {
    ModuleManager& manager = start();
    ASSERT_GE(manager.search_paths().size(), 2U);
    EXPECT_EQ(manager.search_paths()[0], module_dir_);
    EXPECT_EQ(manager.search_paths()[1], CADENZA_TEST_INSTALLED_MODULE_DIR);
}

TEST_F(ModuleManagerTest, ProbeChecksWithoutLoading) {
    add_virtual_host("example.org");
    ModuleManager& manager = start();

    modules::ProbeResult noop = manager.probe("noop");
    EXPECT_TRUE(noop.ok) << noop.error;
    EXPECT_FALSE(noop.builtin);
    EXPECT_EQ(noop.path, module_file("noop"));
    EXPECT_EQ(noop.options, Names{"noop_greeting"});
    EXPECT_FALSE(manager.is_loaded(host("example.org"), "noop"));
    EXPECT_FALSE(host("example.org").events.has_handlers(test::kNoopProbe));

    modules::ProbeResult roster = manager.probe("roster");
    EXPECT_TRUE(roster.ok);
    EXPECT_TRUE(roster.builtin);

    modules::ProbeResult api = manager.probe("wrong_api");
    EXPECT_FALSE(api.ok);
    EXPECT_NE(api.error.find("API version 999"), std::string::npos) << api.error;

    modules::ProbeResult missing = manager.probe("nope");
    EXPECT_FALSE(missing.ok);
    ASSERT_GE(missing.searched.size(), 2U);
    EXPECT_EQ(missing.searched[0], module_dir_ + "/mod_nope.so");
    EXPECT_EQ(missing.searched[1], module_dir_ + "/nope/mod_nope.so");
    EXPECT_NE(missing.error.find("module 'nope' not found; searched: "), std::string::npos)
        << missing.error;
}

} // namespace
} // namespace cadenza::testing
