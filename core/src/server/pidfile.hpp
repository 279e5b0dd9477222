// The `pidfile` option: written once the server listens, removed when it stops.
#pragma once

#include <string>

namespace cadenza {

class Pidfile {
public:
    Pidfile() = default;
    // Writes the current pid. Throws std::runtime_error naming the file on failure.
    explicit Pidfile(std::string path);
    ~Pidfile();
    Pidfile(const Pidfile&) = delete;
    Pidfile& operator=(const Pidfile&) = delete;

private:
    std::string path_;
};

} // namespace cadenza
