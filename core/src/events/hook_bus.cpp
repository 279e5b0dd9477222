#include <cadenza/hooks.hpp>
#include <cadenza/log.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cxxabi.h>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cadenza {
namespace {

// One registered handler. Shared between the current list and the snapshots fires iterate, so
// removing a handler during a fire only clears `alive`; the closure lives until the last
// snapshot holding it is gone.
struct Slot {
    HookId id;
    int priority;
    std::string owner;
    std::function<HookResult(void*)> handler;
    bool alive = true;
};

using SlotList = std::vector<std::shared_ptr<Slot>>;

struct EventEntry {
    explicit EventEntry(const std::type_info& t) : type(t) {}
    std::type_index type;
    // Copy-on-write: replaced (never mutated) by add and remove, so a fire keeps its snapshot.
    std::shared_ptr<const SlotList> slots = std::make_shared<const SlotList>();
};

struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

std::string demangle(const char* name) {
    int status = 0;
    char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    if (out == nullptr) {
        return name;
    }
    std::string result(out);
    std::free(out); // NOLINT(cppcoreguidelines-no-malloc): __cxa_demangle allocates with malloc
    return result;
}

std::string describe_owner(const std::string& owner) {
    return owner.empty() ? std::string("an anonymous handler") : "module " + owner;
}

// Ids are unique across every bus of the process, so an id alone names one hook (a module's
// unhook() need not know which bus it went to).
HookId next_hook_id() {
    static std::atomic<HookId> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

const Logger& hook_log() {
    static const Logger log("hooks");
    return log;
}

} // namespace

struct HookBus::Impl {
    std::string name;
    // Entries are created by add() only and never erased: firing a name nobody hooked must not
    // grow the map (stanza event names come from remote input), and a name keeps its payload
    // type for the bus's lifetime. Element addresses are stable across rehashing.
    std::unordered_map<std::string, EventEntry, NameHash, std::equal_to<>> events;
    std::unordered_map<HookId, EventEntry*> by_id;

    void check_type(std::string_view event, const EventEntry& entry,
                    const std::type_info& type) const {
        if (entry.type != std::type_index(type)) {
            throw std::logic_error("event '" + std::string(event) + "' on " + name +
                                   " carries payload type " + demangle(entry.type.name()) +
                                   ", not " + demangle(type.name()));
        }
    }
};

HookBus::HookBus(std::string name) : impl_(std::make_unique<Impl>()) {
    impl_->name = std::move(name);
}

HookBus::~HookBus() = default;

HookId HookBus::add_erased(std::string_view event, const std::type_info& type,
                           ErasedHandler handler, int priority, std::string owner) {
    auto it = impl_->events.find(event);
    if (it == impl_->events.end()) {
        it = impl_->events.emplace(std::string(event), EventEntry(type)).first;
    } else {
        impl_->check_type(event, it->second, type);
    }
    EventEntry& entry = it->second;

    auto slot = std::make_shared<Slot>(
        Slot{next_hook_id(), priority, std::move(owner), std::move(handler)});
    auto fresh = std::make_shared<SlotList>(*entry.slots);
    // Ids grow monotonically, so inserting after every equal priority keeps registration order.
    auto pos =
        std::upper_bound(fresh->begin(), fresh->end(), priority,
                         [](int p, const std::shared_ptr<Slot>& s) { return p > s->priority; });
    fresh->insert(pos, slot);
    entry.slots = std::move(fresh);
    impl_->by_id.emplace(slot->id, &entry);
    return slot->id;
}

bool HookBus::remove(HookId id) {
    auto found = impl_->by_id.find(id);
    if (found == impl_->by_id.end()) {
        return false;
    }
    EventEntry& entry = *found->second;
    impl_->by_id.erase(found);

    auto fresh = std::make_shared<SlotList>();
    fresh->reserve(entry.slots->size());
    for (const auto& slot : *entry.slots) {
        if (slot->id == id) {
            slot->alive = false; // a fire iterating an older snapshot skips it from now on
        } else {
            fresh->push_back(slot);
        }
    }
    entry.slots = std::move(fresh);
    return true;
}

HookBus::FireResult HookBus::fire_erased(std::string_view event, const std::type_info& type,
                                         void* payload, bool stop_when_handled) {
    FireResult result;
    auto it = impl_->events.find(event);
    if (it == impl_->events.end()) {
        return result;
    }
    impl_->check_type(event, it->second, type);
    if (it->second.slots->empty()) {
        return result;
    }
    // Holding the snapshot keeps every slot (and its closure) alive even if handlers unhook.
    const std::shared_ptr<const SlotList> snapshot = it->second.slots;
    for (const auto& slot : *snapshot) {
        if (!slot->alive) {
            continue;
        }
        ++result.ran;
        HookResult outcome = HookResult::kPass;
        try {
            outcome = slot->handler(payload);
        } catch (const std::exception& e) {
            hook_log().error("handler of ", describe_owner(slot->owner), " for event '", event,
                             "' on ", impl_->name, " failed: ", e.what());
            continue;
        } catch (...) {
            hook_log().error("handler of ", describe_owner(slot->owner), " for event '", event,
                             "' on ", impl_->name, " failed with a non-standard exception");
            continue;
        }
        if (stop_when_handled && outcome == HookResult::kHandled) {
            hook_log().debug("event '", event, "' on ", impl_->name, " handled by ",
                             describe_owner(slot->owner));
            result.handled = true;
            break;
        }
    }
    return result;
}

bool HookBus::has_handlers(std::string_view event) const {
    return handler_count(event) > 0;
}

std::size_t HookBus::handler_count(std::string_view event) const {
    auto it = impl_->events.find(event);
    return it == impl_->events.end() ? 0 : it->second.slots->size();
}

} // namespace cadenza
