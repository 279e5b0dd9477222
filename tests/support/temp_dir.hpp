// A fresh directory under $TMPDIR, removed with everything in it when the object goes.
#pragma once

#include <string>
#include <string_view>

namespace cadenza::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    // Writes `content` to path()/name (creating subdirectories) and returns the full path.
    std::string write(std::string_view name, std::string_view content) const;
    std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

private:
    std::string path_;
};

// Reads a whole file; empty when it does not exist.
std::string read_file(const std::string& path);

} // namespace cadenza::test
