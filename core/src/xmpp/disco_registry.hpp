// What a host answers to XEP-0030 disco#info and disco#items when no module answers itself:
// the features, identities and items the core and the host's modules added. Each entry keeps
// its owner so a module's entries go when it unloads.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::xmpp {

struct DiscoIdentity {
    std::string category;
    std::string type;
    std::string name;
};

struct DiscoItem {
    std::string jid;
    std::string name;
};

class DiscoRegistry {
public:
    void add_feature(std::string var, std::string owner) {
        features_.push_back({std::move(var), std::move(owner)});
    }
    void add_identity(DiscoIdentity identity, std::string owner) {
        identities_.push_back({std::move(identity), std::move(owner)});
    }
    void add_item(DiscoItem item, std::string owner) {
        items_.push_back({std::move(item), std::move(owner)});
    }
    void remove_owner(std::string_view owner) {
        auto by_owner = [owner](const auto& e) { return e.owner == owner; };
        std::erase_if(features_, by_owner);
        std::erase_if(identities_, by_owner);
        std::erase_if(items_, by_owner);
    }

    // Sorted and de-duplicated, as XEP-0030 asks.
    std::vector<std::string> features() const {
        std::vector<std::string> out;
        for (const auto& f : features_) {
            out.push_back(f.value);
        }
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }
    std::vector<DiscoIdentity> identities() const {
        std::vector<DiscoIdentity> out;
        for (const auto& i : identities_) {
            out.push_back(i.value);
        }
        return out;
    }
    std::vector<DiscoItem> items() const {
        std::vector<DiscoItem> out;
        for (const auto& i : items_) {
            out.push_back(i.value);
        }
        return out;
    }

private:
    template <typename T> struct Owned {
        T value;
        std::string owner;
    };
    std::vector<Owned<std::string>> features_;
    std::vector<Owned<DiscoIdentity>> identities_;
    std::vector<Owned<DiscoItem>> items_;
};

} // namespace cadenza::xmpp
