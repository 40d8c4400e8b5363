// Report files: what write_file_atomically does to the thing already at the path (a FIFO, a
// device, a symbolic link, a descriptor link in /proc, a file with its own mode), that it leaves
// no temporary file behind, and that check_output_target agrees with it.
#include "../support/scratch_dir.hpp"
#include "util/errors.hpp"
#include "util/files.hpp"

#include <algorithm>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <thread>
#include <unistd.h>

namespace epochcost {
namespace {

namespace fs = std::filesystem;
using epochcost::testing::ScratchDir;
using epochcost::testing::slurp;

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct stat lstat_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info;
}

// Reads `fd` until its writer hangs up; gives up after `patience_ms` without news, so a writer
// that never comes fails the test instead of hanging it. Linux reports a FIFO's hang-up only
// after a writer has opened it, so an early poll waits rather than ending.
std::string read_until_hangup(int fd, int patience_ms = 5000) {
  std::string text;
  char buffer[65536];
  pollfd reader{fd, POLLIN, 0};
  while (::poll(&reader, 1, patience_ms) > 0) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 && (reader.revents & POLLHUP)) {
      break;
    }
  }
  return text;
}

TEST(Files, AFifoIsWrittenToNotReplaced) {
  const ScratchDir dir;
  const fs::path fifo = dir / "report.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Non-blocking, so that opening it does not wait for the writer; then a thread drains it while
  // the writer fills it: more than a pipe holds, so a writer that does not stream would stall.
  const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::string received;
  std::thread reader([&] { received = read_until_hangup(fd); });
  const std::string report(300000, 'r');
  write_file_atomically(fifo, report);
  reader.join();
  ::close(fd);
  EXPECT_EQ(received.size(), report.size());
  EXPECT_TRUE(S_ISFIFO(lstat_of(fifo).st_mode));
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"report.fifo"}));
  EXPECT_NO_THROW(check_output_target(fifo, "--output"));
}

TEST(Files, APipeNamedThroughProcIsWrittenToLikeDevStdout) {
  // /dev/stdout is a link to /proc/self/fd/1; a pipe's link there reads "pipe:[N]", no path.
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK), 0);
  const fs::path write_end = "/proc/self/fd/" + std::to_string(pipe_fds[1]);
  write_file_atomically(write_end, "report\n");
  ::close(pipe_fds[1]);
  EXPECT_EQ(read_until_hangup(pipe_fds[0]), "report\n");
  ::close(pipe_fds[0]);
}

TEST(Files, ARegularFileNamedThroughProcIsAppendedToNotReplaced) {
  // As `epochcost … --output /dev/stdout >> log` would: the shell's file keeps what it had.
  const ScratchDir dir;
  dir.write("log", "before\n");
  const int fd = ::open((dir / "log").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const ino_t inode = lstat_of(dir / "log").st_ino;
  write_file_atomically("/proc/self/fd/" + std::to_string(fd), "report\n");
  ::close(fd);
  EXPECT_EQ(slurp(dir / "log"), "before\nreport\n");
  EXPECT_EQ(lstat_of(dir / "log").st_ino, inode);
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"log"}));
}

TEST(Files, ACharacterDeviceIsWrittenToNotReplaced) {
  const ScratchDir dir;
  // A private node for the null device (1,3), so that no real system path is involved.
  const fs::path device = dir / "null";
  if (::mknod(device.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) {
    GTEST_SKIP() << "cannot create a device node here (not root?)";
  }
  write_file_atomically(device, "report\n");
  EXPECT_TRUE(S_ISCHR(lstat_of(device).st_mode));
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"null"}));
  EXPECT_NO_THROW(check_output_target(device, "--output"));
}

TEST(Files, ASymbolicLinkIsFollowedAndStaysALink) {
  const ScratchDir dir;
  fs::create_directory(dir / "links");
  fs::create_directory(dir / "reports");
  dir.write("reports/r.json", "old\n");
  // A relative link, resolved from the link's own directory, through a second link.
  fs::create_symlink("../reports/r.json", dir / "links" / "hop.json");
  fs::create_symlink("hop.json", dir / "links" / "r.json");
  write_file_atomically(dir / "links" / "r.json", "new\n");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir / "links" / "r.json")));
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir / "links" / "hop.json")));
  EXPECT_EQ(slurp(dir / "reports" / "r.json"), "new\n");
  EXPECT_EQ(names_in(dir / "links"), (std::vector<std::string>{"hop.json", "r.json"}));
  EXPECT_EQ(names_in(dir / "reports"), (std::vector<std::string>{"r.json"}));

  // A dangling link creates its target, as a shell redirection would.
  fs::create_symlink("../reports/fresh.json", dir / "links" / "fresh.json");
  write_file_atomically(dir / "links" / "fresh.json", "fresh\n");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir / "links" / "fresh.json")));
  EXPECT_EQ(slurp(dir / "reports" / "fresh.json"), "fresh\n");
}

TEST(Files, AReplacedFileKeepsItsPermissionsAndANewOneIs0644) {
  const ScratchDir dir;
  dir.write("private.json", "old\n");
  ASSERT_EQ(::chmod((dir / "private.json").c_str(), 0600), 0);
  write_file_atomically(dir / "private.json", "new\n");
  EXPECT_EQ(slurp(dir / "private.json"), "new\n");
  EXPECT_EQ(lstat_of(dir / "private.json").st_mode & 07777, 0600u);
  write_file_atomically(dir / "fresh.json", "new\n");
  EXPECT_EQ(lstat_of(dir / "fresh.json").st_mode & 07777, 0644u);
}

TEST(Files, AFailedWriteLeavesTheTargetAndNoTemporaryFile) {
  const ScratchDir dir;
  fs::create_directory(dir / "out.json");
  dir.write("out.json/keep", "kept\n");
  EXPECT_THROW(write_file_atomically(dir / "out.json", "x"), InputError);
  EXPECT_THROW(write_file_atomically(dir / "missing" / "out.json", "x"), InputError);
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"out.json"}));
  EXPECT_EQ(slurp(dir / "out.json" / "keep"), "kept\n");
}

TEST(Files, CheckOutputTargetAgreesWithTheWriter) {
  const ScratchDir dir;
  fs::create_directory(dir / "sub");
  fs::create_symlink("sub", dir / "to-sub");
  fs::create_symlink("missing/r.json", dir / "dangling.json");
  fs::create_symlink("sub/r.json", dir / "ok.json");
  EXPECT_NO_THROW(check_output_target(dir / "new.json", "--output"));
  EXPECT_NO_THROW(check_output_target(dir / "ok.json", "--output"));
  const auto message = [](const fs::path& path) {
    try {
      check_output_target(path, "--output");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message(dir / "sub"), "--output: '" + (dir / "sub").string() + "' is a directory");
  EXPECT_EQ(message(dir / "to-sub"),
            "--output: '" + (dir / "to-sub").string() + "' is a directory");
  // The replacement goes next to the link's target, so that is the directory that must exist.
  EXPECT_EQ(message(dir / "dangling.json"),
            "--output: directory '" + (dir / "missing").string() + "' does not exist");
  EXPECT_EQ(message(dir / "nope" / "r.json"),
            "--output: directory '" + (dir / "nope").string() + "' does not exist");
  dir.write("plain", "x");
  EXPECT_EQ(message(dir / "plain" / "r.json"),
            "--output: '" + (dir / "plain").string() + "' is not a directory");
  fs::create_symlink("loop", dir / "loop");
  EXPECT_NE(message(dir / "loop").find("too many levels of symbolic links"), std::string::npos)
      << message(dir / "loop");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"dangling.json", "loop", "ok.json",
                                                            "plain", "sub", "to-sub"}));
}

} // namespace
} // namespace epochcost
