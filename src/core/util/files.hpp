#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace epochcost {

// Reads a whole text file; a missing or unreadable file is an InputError naming `what` and the
// path. The file is noted as an input (note_input_file).
[[nodiscard]] std::string read_text_file(const std::filesystem::path& path, std::string_view what);

// Every file this process reads as an input, with what it is ("price catalog"), so that no output
// replaces one: a config names a catalog or an hf_config the user may not think of as read.
// check_output_target and write_file_atomically refuse them.
void note_input_file(const std::filesystem::path& path, std::string_view what);

// Whether two names, either of which may not exist yet, are one file (hard links included).
[[nodiscard]] bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

// Where a write of `path` lands; every writer of a user-named file goes through it. A symbolic
// link is followed, so the link stays a link and its target is replaced. An existing file that is
// not a regular file (a device, a FIFO, a socket), or one named through a /proc descriptor link
// such as /dev/stdout, is written in place: replacing it would destroy a device, cut a reader off
// or drop what a shell redirection appends to.
struct OutputTarget {
  std::filesystem::path path; // symbolic links resolved, unless in_place
  bool in_place = false;
  // An existing regular file's permission bits, kept by its replacement; 0644 for a new file.
  std::filesystem::perms permissions = static_cast<std::filesystem::perms>(0644);
};
[[nodiscard]] OutputTarget resolve_output_target(const std::filesystem::path& path);

// InputError naming `flag` when `path` could not be written later: it is a directory, the
// directory its replacement goes to is missing or not writable, an in-place target is not
// writable, or it is a file read as an input so far. Call it before any expensive work.
void check_output_target(const std::filesystem::path& path, std::string_view flag);

// Creates an empty hidden sibling of `path` (".NAME.tmp-XXXXXX", mode 0600) to be renamed over
// it later, so the rename stays on one file system; returns its path and an open descriptor.
// InputError naming `path` when the directory does not allow it.
struct TemporarySibling {
  std::string path;
  int fd = -1;
};
[[nodiscard]] TemporarySibling create_temporary_sibling(const std::filesystem::path& path);

// A temporary file to hold `target`'s new content until install_temporary: next to the file it
// will replace, or in the temporary directory for an in-place target (which nothing is renamed
// over, and whose directory, /dev for one, may not be writable).
[[nodiscard]] TemporarySibling create_staging_file(const OutputTarget& target);

// Puts a complete, closed temporary file in `target`'s place: renamed over the file it replaces
// (with the kept permission bits), or copied into an in-place target. The temporary file is gone
// afterwards, also when this throws (InputError naming `shown`, the path the user gave).
void install_temporary(const std::string& temporary, const OutputTarget& target,
                       const std::filesystem::path& shown);

// Writes `content` to `path` as resolve_output_target says: a replaced file through a temporary
// file and a rename, so a reader (or a crash) never sees a half-written report; an in-place
// target directly.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

} // namespace epochcost
