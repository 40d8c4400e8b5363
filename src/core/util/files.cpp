#include "util/files.hpp"

#include "util/errors.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <linux/magic.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <vector>

namespace epochcost {
namespace {

namespace fs = std::filesystem;

// Linux's MAXSYMLINKS: a longer chain is taken for a loop, as open(2) takes it.
constexpr int max_symlink_hops = 40;

fs::path directory_of(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

// A link in /proc/<pid>/fd names an open file description, not a path: its text may be
// "pipe:[123]", or the name of a file that is gone or was opened for appending.
bool is_on_procfs(const fs::path& dir) {
  struct statfs info {};
  return ::statfs(dir.c_str(), &info) == 0 && info.f_type == PROC_SUPER_MAGIC;
}

// A name or permission the user chose is bad input (exit 2); a full disk or an I/O error is the
// machine's failure (exit 4), which a rerun elsewhere may not share.
[[noreturn]] void cannot_write(const fs::path& shown, const std::string& reason, int error = 0) {
  const std::string message = "cannot write '" + shown.string() + "': " + reason;
  switch (error) {
  case 0:
  case EACCES:
  case EPERM:
  case EROFS:
  case ENOENT:
  case ENOTDIR:
  case EISDIR:
  case ELOOP:
  case ENAMETOOLONG:
  case ETXTBSY: throw InputError(message);
  default: throw RuntimeFailure(message);
  }
}

[[noreturn]] void cannot_write(const fs::path& shown, int error) {
  cannot_write(shown, std::strerror(error), error);
}

// Retries short and interrupted writes; false with errno set on failure.
bool write_all(int fd, std::string_view content) {
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

void write_in_place(const OutputTarget& target, std::string_view content, const fs::path& shown) {
  int fd = -1;
  do {
    // Without O_CREAT or O_TRUNC: the file exists and is not ours to recreate. Blocks on a FIFO
    // until it has a reader, as any writer would.
    fd = ::open(target.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) cannot_write(shown, errno);
  struct stat info {};
  // A regular file reached through /dev/stdout is a shell's redirection: append as a write to
  // the descriptor would (a fresh open starts at offset 0). Not for block devices, whose end is
  // their size.
  const bool appends = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
  if ((appends && ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_APPEND) != 0) ||
      !write_all(fd, content)) {
    const int error = errno;
    ::close(fd);
    cannot_write(shown, error);
  }
  if (::close(fd) != 0) cannot_write(shown, errno);
}

} // namespace

namespace {

struct InputFile {
  fs::path path;
  std::string what;
};

std::vector<InputFile>& input_files() {
  static std::vector<InputFile> files;
  return files;
}

void check_not_an_input(const fs::path& path, std::string_view flag) {
  for (const auto& input : input_files()) {
    std::error_code ec;
    if (!fs::is_regular_file(input.path, ec) || !same_file(path, input.path)) continue;
    throw InputError((flag.empty() ? "" : std::string(flag) + ": ") + "'" + path.string() +
                     "' is the " + input.what + " '" + input.path.string() +
                     "', which this command reads; choose another name");
  }
}

} // namespace

void note_input_file(const fs::path& path, std::string_view what) {
  input_files().push_back({path, std::string(what)});
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  std::error_code ec_a, ec_b;
  // Absolute first: weakly_canonical leaves a relative name of a file yet to be written as it
  // is, so "out.svg" and "./out.svg" would differ.
  const auto canonical_a = fs::weakly_canonical(fs::absolute(a), ec_a);
  const auto canonical_b = fs::weakly_canonical(fs::absolute(b), ec_b);
  return !ec_a && !ec_b && canonical_a == canonical_b;
}

namespace {

// A whole file of text, bounded; what read_text_file reads without noting it as an input.
std::string read_bounded(const fs::path& path, std::string_view what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(std::string(what) + " '" + path.string() + "' is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError("cannot open " + std::string(what) + " '" + path.string() +
                     "': " + std::strerror(errno));
  }
  // Configs, price lists and results are kilobytes; a bound turns /dev/zero or a mistaken
  // multi-gigabyte file into an error instead of an endless read.
  constexpr std::size_t max_text_bytes = std::size_t{64} << 20;
  std::string text;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_text_bytes) {
      throw InputError(std::string(what) + " '" + path.string() + "' is larger than " +
                       std::to_string(max_text_bytes >> 20) + " MiB; not a " + std::string(what) +
                       " epochcost reads");
    }
  }
  return text;
}

} // namespace

std::string read_text_file(const std::filesystem::path& path, std::string_view what) {
  note_input_file(path, what);
  return read_bounded(path, what);
}

OutputTarget resolve_output_target(const fs::path& path) {
  struct stat info {};
  const bool exists = ::stat(path.c_str(), &info) == 0; // through any links
  if (exists && !S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode)) return {path, true};
  fs::path resolved = path;
  for (int hops = 0;; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(resolved, ec))) break;
    if (hops == max_symlink_hops) cannot_write(path, "too many levels of symbolic links");
    if (is_on_procfs(directory_of(resolved))) return {path, true};
    const fs::path link = fs::read_symlink(resolved, ec);
    if (ec) cannot_write(path, ec.message());
    resolved = link.is_absolute() ? link : directory_of(resolved) / link;
  }
  OutputTarget target{resolved, false};
  if (exists && S_ISREG(info.st_mode))
    target.permissions = static_cast<fs::perms>(info.st_mode & 0777);
  return target;
}

void check_output_target(const fs::path& path, std::string_view flag) {
  const std::string prefix = std::string(flag) + ": ";
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw InputError(prefix + "'" + path.string() + "' is a directory");
  }
  check_not_an_input(path, flag);
  OutputTarget target;
  try {
    target = resolve_output_target(path);
  } catch (const InputError& e) {
    throw InputError(prefix + e.what());
  }
  if (target.in_place) {
    if (::access(path.c_str(), W_OK) != 0) {
      throw InputError(prefix + "'" + path.string() + "' is not writable");
    }
    return;
  }
  const fs::path dir = directory_of(target.path);
  if (!fs::is_directory(dir, ec)) {
    throw InputError(prefix + (fs::exists(dir, ec)
                                   ? "'" + dir.string() + "' is not a directory"
                                   : "directory '" + dir.string() + "' does not exist"));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    throw InputError(prefix + "directory '" + dir.string() + "' is not writable");
  }
}

TemporarySibling create_temporary_sibling(const fs::path& path) {
  // Built with append rather than "." + name, which trips a false -Wrestrict in GCC 12.
  std::string temporary_name(1, '.');
  temporary_name.append(path.filename().string()).append(".tmp-XXXXXX");
  TemporarySibling sibling{(directory_of(path) / temporary_name).string(), -1};
  sibling.fd = ::mkstemp(sibling.path.data());
  if (sibling.fd < 0) cannot_write(path, errno);
  return sibling;
}

TemporarySibling create_staging_file(const OutputTarget& target) {
  if (!target.in_place) return create_temporary_sibling(target.path);
  std::error_code ec;
  const fs::path temporary_dir = fs::temp_directory_path(ec); // TMPDIR, else /tmp
  if (ec) cannot_write(target.path, "no directory for a staging file: " + ec.message());
  return create_temporary_sibling(temporary_dir / target.path.filename());
}

void install_temporary(const std::string& temporary, const OutputTarget& target,
                       const fs::path& shown) {
  const auto fail = [&](const char* step, int error) {
    ::unlink(temporary.c_str());
    cannot_write(shown, std::string(step) + ": " + std::strerror(error), error);
  };
  if (target.in_place) {
    std::string content;
    try {
      content = read_bounded(temporary, "temporary file");
    } catch (const InputError& e) {
      ::unlink(temporary.c_str());
      cannot_write(shown, std::string("reading its staged copy: ") + e.what(), EIO);
    }
    ::unlink(temporary.c_str());
    write_in_place(target, content, shown);
    return;
  }
  const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced =
      fd >= 0 && ::fchmod(fd, static_cast<mode_t>(target.permissions)) == 0 && ::fsync(fd) == 0;
  const int error = errno;
  if (fd >= 0) ::close(fd);
  if (!synced) fail("sync", error);
  if (std::rename(temporary.c_str(), target.path.c_str()) != 0) fail("rename", errno);
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  check_not_an_input(path, "");
  const OutputTarget target = resolve_output_target(path);
  if (target.in_place) {
    write_in_place(target, content, path);
    return;
  }
  const auto [temporary, fd] = create_staging_file(target);
  const bool written = write_all(fd, content);
  const int write_error = errno;
  if (::close(fd) != 0 || !written) {
    const int error = written ? errno : write_error;
    ::unlink(temporary.c_str());
    cannot_write(path, error);
  }
  install_temporary(temporary, target, path);
}

} // namespace epochcost
