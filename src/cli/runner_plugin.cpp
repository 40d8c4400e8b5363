#include "runner_plugin.hpp"

#include "log/log.hpp"
#include "util/errors.hpp"

#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>

namespace epochcost::cli {

measure::MeasureFunction load_runner() {
  std::filesystem::path path;
  if (const char* explicit_path = std::getenv("EPOCHCOST_RUNNER");
      explicit_path && *explicit_path) {
    path = explicit_path;
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
    throw RuntimeFailure("cannot load the LibTorch runner '" + path.string() + "': " + ::dlerror());
  }
  void* entry = ::dlsym(handle, measure::runner_entry_symbol);
  if (!entry) {
    throw RuntimeFailure("'" + path.string() + "' has no " + measure::runner_entry_symbol +
                         ": it belongs to another epochcost version; rebuild");
  }
  return reinterpret_cast<measure::MeasureFunction>(entry);
}

} // namespace epochcost::cli
