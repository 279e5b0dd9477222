#include <cadenza/config.hpp>

#include <cmath>
#include <limits>

namespace cadenza {

std::string SourceLocation::str() const {
    if (file.empty()) {
        return "(default)";
    }
    if (line <= 0) {
        return file;
    }
    return file + ":" + std::to_string(line);
}

double ConfigValue::as_number() const {
    if (type() == Type::kInteger) {
        return static_cast<double>(std::get<std::int64_t>(value_));
    }
    return std::get<double>(value_);
}

std::int64_t ConfigValue::as_integer() const {
    if (type() == Type::kInteger) {
        return std::get<std::int64_t>(value_);
    }
    double d = std::get<double>(value_);
    // Converting a double outside int64's range is undefined behaviour: saturate instead.
    if (std::isnan(d)) {
        return 0;
    }
    if (d >= 0x1p63) {
        return std::numeric_limits<std::int64_t>::max();
    }
    if (d < -0x1p63) {
        return std::numeric_limits<std::int64_t>::min();
    }
    return static_cast<std::int64_t>(d);
}

const char* ConfigValue::type_name(Type t) {
    switch (t) {
    case Type::kBoolean:
        return "boolean";
    case Type::kInteger:
    case Type::kNumber:
        return "number";
    case Type::kString:
        return "string";
    case Type::kTable:
        return "table";
    }
    return "value";
}

} // namespace cadenza
