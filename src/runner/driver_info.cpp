#include "driver_info.hpp"

#include <dlfcn.h>

namespace epochcost::runner {
namespace {

void* open_first(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (void* handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL)) return handle;
  }
  return nullptr;
}

} // namespace

std::optional<std::string> nvidia_driver_version() {
  void* nvml = open_first({"libnvidia-ml.so.1", "libnvidia-ml.so"});
  if (!nvml) return std::nullopt;
  using InitFn = int (*)();
  using VersionFn = int (*)(char*, unsigned int);
  auto init = reinterpret_cast<InitFn>(::dlsym(nvml, "nvmlInit_v2"));
  auto version = reinterpret_cast<VersionFn>(::dlsym(nvml, "nvmlSystemGetDriverVersion"));
  auto shutdown = reinterpret_cast<InitFn>(::dlsym(nvml, "nvmlShutdown"));
  std::optional<std::string> result;
  if (init && version && shutdown && init() == 0) {
    char buffer[96] = {};
    if (version(buffer, sizeof buffer) == 0) result = buffer;
    shutdown();
  }
  ::dlclose(nvml);
  return result;
}

std::optional<int> driver_cuda_version() {
  void* cuda = open_first({"libcuda.so.1", "libcuda.so"});
  if (!cuda) return std::nullopt;
  using VersionFn = int (*)(int*);
  auto get = reinterpret_cast<VersionFn>(::dlsym(cuda, "cuDriverGetVersion"));
  int version = 0;
  const bool ok = get && get(&version) == 0 && version > 0;
  ::dlclose(cuda);
  return ok ? std::optional<int>(version) : std::nullopt;
}

std::string cuda_version_string(int version) {
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

} // namespace epochcost::runner
