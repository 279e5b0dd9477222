#include "server/pidfile.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace cadenza {

Pidfile::Pidfile(std::string path) : path_(std::move(path)) {
    std::ofstream out(path_, std::ios::trunc);
    if (!out) {
        throw std::runtime_error("cannot write pidfile " + path_ + ": " + std::strerror(errno));
    }
    out << ::getpid() << '\n';
    if (!out.flush()) {
        throw std::runtime_error("cannot write pidfile " + path_ + ": " + std::strerror(errno));
    }
}

Pidfile::~Pidfile() {
    if (!path_.empty()) {
        ::unlink(path_.c_str());
    }
}

} // namespace cadenza
