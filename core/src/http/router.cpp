#include "http/router.hpp"

#include "http/ows.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace cadenza::http {
namespace {

struct CompiledRoute {
    Method method;
    std::string prefix; // the whole path for an exact route, the literal part for a wildcard
    bool wildcard;
    Handler handler;
};

struct Mount {
    MountId id;
    std::string host;
    std::string base;
    std::string name;
    std::string owner;
    std::vector<CompiledRoute> routes;
};

std::string normalize_base(std::string_view base) {
    std::string out(base);
    if (out.empty() || out.front() != '/') {
        out.insert(out.begin(), '/');
    }
    while (out.size() > 1 && out.back() == '/') {
        out.pop_back();
    }
    return out;
}

std::string join(const std::string& base, const std::string& path) {
    return base == "/" ? path : base + path;
}

// Whether `route` serves `path`, and what its "*" matched. A prefix ending in "/" also matches
// the path without that slash, so "/eventsource" + "/*" serves "/eventsource" itself.
bool matches(const CompiledRoute& route, std::string_view path, std::string_view* wildcard) {
    const std::string& p = route.prefix;
    bool bare = p.size() > 1 && p.back() == '/' && path.size() + 1 == p.size() &&
                path == std::string_view(p).substr(0, p.size() - 1);
    if (!route.wildcard) {
        *wildcard = {};
        return path == p || bare;
    }
    if (bare) {
        *wildcard = {};
        return true;
    }
    if (path.size() >= p.size() && path.compare(0, p.size(), p) == 0) {
        *wildcard = path.substr(p.size());
        return true;
    }
    return false;
}

unsigned method_bit(Method m) {
    return 1U << static_cast<unsigned>(m);
}

} // namespace

RoutePattern parse_route_pattern(std::string_view pattern) {
    auto fail = [&](const char* why) {
        throw std::invalid_argument("invalid route pattern '" + std::string(pattern) + "': " + why);
    };
    std::string_view s = trim_ows(pattern);
    std::size_t space = s.find_first_of(" \t");
    if (space == std::string_view::npos) {
        fail("expected \"<METHOD> <path>\", as \"GET /*\"");
    }
    auto method = parse_method(s.substr(0, space));
    if (!method) {
        fail("unknown method (GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH)");
    }
    std::string_view path = trim_ows(s.substr(space + 1));
    if (path == "*") {
        path = "/*";
    }
    if (path.empty() || path.front() != '/') {
        fail("the path must start with /");
    }
    RoutePattern out;
    out.method = *method;
    std::size_t star = path.find('*');
    if (star != std::string_view::npos) {
        if (star + 1 != path.size()) {
            fail("\"*\" may only end the path");
        }
        out.wildcard = true;
        path.remove_suffix(1);
    }
    out.path = std::string(path);
    return out;
}

struct Router::Impl {
    std::map<std::string, std::vector<std::unique_ptr<Mount>>, std::less<>> hosts;
    std::string default_host;
    MountId next_id = 1;
};

Router::Router() : impl_(std::make_unique<Impl>()) {}
Router::~Router() = default;

std::string Router::normalize_host(std::string_view host) {
    host = trim_ows(host);
    if (!host.empty() && host.front() == '[') {
        std::size_t close = host.find(']');
        if (close != std::string_view::npos) {
            host = host.substr(0, close + 1);
        }
    } else if (std::count(host.begin(), host.end(), ':') == 1) {
        host = host.substr(0, host.find(':'));
    }
    // "example.org." names the same host (a fully qualified name).
    if (host.size() > 1 && host.back() == '.') {
        host.remove_suffix(1);
    }
    std::string out(host);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

MountId Router::mount(std::string_view host, std::string_view base, std::string owner,
                      RouteSet routes) {
    auto m = std::make_unique<Mount>();
    m->host = normalize_host(host);
    m->base = normalize_base(base);
    m->name = std::move(routes.name);
    m->owner = std::move(owner);
    for (auto& r : routes.routes) {
        RoutePattern p = parse_route_pattern(r.pattern);
        m->routes.push_back({p.method, join(m->base, p.path), p.wildcard, std::move(r.handler)});
    }
    auto& mounts = impl_->hosts[m->host];
    for (const auto& other : mounts) {
        if (other->base == m->base) {
            std::string sets =
                other->name == m->name
                    ? "route set '" + m->name + "' of " + other->owner + " and " + m->owner
                    : "route sets '" + other->name + "' of " + other->owner + " and '" + m->name +
                          "' of " + m->owner;
            std::string where = "http://" + m->host + m->base;
            throw RouteConflict(sets + " are both mounted at " + where);
        }
    }
    m->id = impl_->next_id++;
    MountId id = m->id;
    mounts.push_back(std::move(m));
    return id;
}

void Router::unmount(MountId id) {
    for (auto it = impl_->hosts.begin(); it != impl_->hosts.end(); ++it) {
        auto& mounts = it->second;
        auto found =
            std::find_if(mounts.begin(), mounts.end(), [id](const auto& m) { return m->id == id; });
        if (found == mounts.end()) {
            continue;
        }
        mounts.erase(found);
        if (mounts.empty()) {
            impl_->hosts.erase(it);
        }
        return;
    }
}

void Router::set_default_host(std::string_view host) {
    impl_->default_host = normalize_host(host);
}

Router::Result Router::route(std::string_view host, Method method, std::string_view path) const {
    Result result;
    auto it = impl_->hosts.find(normalize_host(host));
    if (it == impl_->hosts.end() && !impl_->default_host.empty()) {
        it = impl_->hosts.find(impl_->default_host);
    }
    if (it == impl_->hosts.end()) {
        return result;
    }

    const Mount* best_mount = nullptr;
    const CompiledRoute* best = nullptr;
    std::string_view best_wildcard;
    auto rank = [&](const Mount& m, const CompiledRoute& r) {
        // Exact over wildcard, then the longer literal, then an explicit HEAD route over GET
        // for HEAD, then the deeper mount.
        return std::make_tuple(!r.wildcard, r.prefix.size(), r.method == method, m.base.size());
    };
    unsigned allowed = 0;
    for (const auto& m : it->second) {
        for (const auto& r : m->routes) {
            std::string_view wildcard;
            if (!matches(r, path, &wildcard)) {
                continue;
            }
            allowed |= method_bit(r.method);
            bool usable =
                r.method == method || (method == Method::kHead && r.method == Method::kGet);
            if (!usable) {
                continue;
            }
            if (best == nullptr || rank(*m, r) > rank(*best_mount, *best)) {
                best = &r;
                best_mount = m.get();
                best_wildcard = wildcard;
            }
        }
    }

    if (best != nullptr) {
        result.outcome = Outcome::kFound;
        result.handler = &best->handler;
        result.mount = best_mount->id;
        result.host = best_mount->host;
        result.base_path = best_mount->base;
        result.wildcard = std::string(best_wildcard);
        result.owner = best_mount->owner;
        return result;
    }
    if (allowed == 0) {
        return result;
    }
    if (allowed & method_bit(Method::kGet)) {
        allowed |= method_bit(Method::kHead);
    }
    result.outcome = Outcome::kMethodNotAllowed;
    result.host = it->first;
    for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kDelete,
                     Method::kOptions, Method::kPatch}) {
        if (allowed & method_bit(m)) {
            if (!result.allow.empty()) {
                result.allow += ", ";
            }
            result.allow += method_name(m);
        }
    }
    return result;
}

} // namespace cadenza::http
