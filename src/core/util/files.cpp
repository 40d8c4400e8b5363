#include "util/files.hpp"

#include "util/errors.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace epochcost {

std::string read_text_file(const std::filesystem::path& path, std::string_view what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(std::string(what) + " '" + path.string() + "' is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError("cannot open " + std::string(what) + " '" + path.string() +
                     "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TemporarySibling create_temporary_sibling(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  // Built with append rather than "." + name, which trips a false -Wrestrict in GCC 12.
  std::string temporary_name(1, '.');
  temporary_name.append(path.filename().string()).append(".tmp-XXXXXX");
  TemporarySibling sibling{(dir / temporary_name).string(), -1};
  sibling.fd = ::mkstemp(sibling.path.data());
  if (sibling.fd < 0) {
    throw InputError("cannot write '" + path.string() + "': " + std::strerror(errno));
  }
  return sibling;
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  const auto [pattern, fd] = create_temporary_sibling(path);
  const auto fail = [&](const char* step) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    ::unlink(pattern.c_str());
    throw InputError("cannot write '" + path.string() + "' (" + step + "): " + reason);
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    written += static_cast<std::size_t>(n);
  }
  // mkstemp creates 0600; a report is an ordinary file.
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) fail("sync");
  if (::close(fd) != 0) {
    ::unlink(pattern.c_str());
    throw InputError("cannot write '" + path.string() + "': " + std::strerror(errno));
  }
  if (std::rename(pattern.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(pattern.c_str());
    throw InputError("cannot write '" + path.string() + "': " + reason);
  }
}

} // namespace epochcost
