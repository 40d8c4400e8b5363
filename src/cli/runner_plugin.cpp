#include "runner_plugin.hpp"

#include "log/log.hpp"
#include "util/errors.hpp"

#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace epochcost::cli {

namespace {

// A file that cannot serve as the runner is bad input when the user named it (EPOCHCOST_RUNNER)
// and it is no library at all, or a library of something else; a runner that fails to load (its
// LibTorch gone with a deleted venv) is a broken installation however it was found.
[[noreturn]] void unusable_runner(bool users_mistake, const std::string& message) {
  if (users_mistake) throw InputError("EPOCHCOST_RUNNER: " + message);
  throw RuntimeFailure(message);
}

bool is_elf_file(const std::filesystem::path& path) {
  char magic[4] = {};
  std::ifstream(path, std::ios::binary).read(magic, sizeof magic);
  return std::string_view(magic, sizeof magic) == "\x7f"
                                                  "ELF";
}

void* runner_symbol(const char* name) {
  std::filesystem::path path;
  const char* explicit_path = std::getenv("EPOCHCOST_RUNNER");
  const bool named = explicit_path && *explicit_path;
  if (named) {
    path = explicit_path;
    if (!std::filesystem::is_regular_file(path)) {
      throw InputError("EPOCHCOST_RUNNER names '" + path.string() +
                       "', which is not a file; unset it to use the runner next to the "
                       "executable");
    }
  } else {
    std::error_code ec;
    path = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() /
           "libepochcost_runner.so";
  }
  if (!std::filesystem::exists(path)) {
    throw RuntimeFailure("the LibTorch runner '" + path.string() +
                         "' does not exist: this "
                         "epochcost was built without LibTorch. Run scripts/setup.sh (or "
                         "configure with EPOCHCOST_TORCH_PYTHON pointing at a Python with torch)");
  }
  log::debug("loading " + path.string());
  // Kept loaded for the life of the process: LibTorch does not support being unloaded.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    unusable_runner(named && !is_elf_file(path),
                    "cannot load the LibTorch runner '" + path.string() + "': " + ::dlerror());
  }
  void* entry = ::dlsym(handle, name);
  if (!entry) {
    unusable_runner(named, "'" + path.string() + "' has no " + name +
                               ": it is not an epochcost runner of this version" +
                               (named ? "" : "; rebuild"));
  }
  return entry;
}

} // namespace

measure::MeasureFunction load_measure() {
  return reinterpret_cast<measure::MeasureFunction>(runner_symbol(measure::runner_entry_symbol));
}

measure::BatchSearchFunction load_batch_search() {
  return reinterpret_cast<measure::BatchSearchFunction>(
      runner_symbol(measure::batch_search_symbol));
}

} // namespace epochcost::cli
