#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace epochcost {

// Reads a whole text file; a missing or unreadable file is an InputError naming `what` and the
// path.
[[nodiscard]] std::string read_text_file(const std::filesystem::path& path, std::string_view what);

// Creates an empty hidden sibling of `path` (".NAME.tmp-XXXXXX", mode 0600) to be renamed over
// it later, so the rename stays on one file system; returns its path and an open descriptor.
// InputError naming `path` when the directory does not allow it.
struct TemporarySibling {
  std::string path;
  int fd = -1;
};
[[nodiscard]] TemporarySibling create_temporary_sibling(const std::filesystem::path& path);

// Writes through a temporary file in the same directory and renames it over `path`, so a reader
// (or a crash) never sees a half-written report.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

} // namespace epochcost
