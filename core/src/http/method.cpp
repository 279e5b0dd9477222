#include <cadenza/http.hpp>

namespace cadenza::http {

const char* method_name(Method method) {
    switch (method) {
    case Method::kGet:
        return "GET";
    case Method::kHead:
        return "HEAD";
    case Method::kPost:
        return "POST";
    case Method::kPut:
        return "PUT";
    case Method::kDelete:
        return "DELETE";
    case Method::kOptions:
        return "OPTIONS";
    case Method::kPatch:
        return "PATCH";
    }
    return "?";
}

std::optional<Method> parse_method(std::string_view name) {
    static constexpr Method kAll[] = {Method::kGet,  Method::kHead,   Method::kPost,
                                      Method::kPut,  Method::kDelete, Method::kOptions,
                                      Method::kPatch};
    for (Method m : kAll) {
        if (name == method_name(m)) {
            return m;
        }
    }
    return std::nullopt;
}

} // namespace cadenza::http
