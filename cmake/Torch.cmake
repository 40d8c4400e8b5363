# LibTorch from the PyPI torch wheel. Its location comes from EPOCHCOST_TORCH_PYTHON (the Python
# that holds torch) unless CMAKE_PREFIX_PATH already finds Torch.
#
# The CUDA wheel's TorchConfig.cmake insists on a local CUDA toolkit with nvcc (it stops configure
# with a fatal error otherwise), although nothing here compiles CUDA code. Where no nvcc exists,
# the wheel is imported by hand instead: its headers and libraries, plus the CUDA runtime headers
# of the wheel's own nvidia-cuda-runtime package.
set(EPOCHCOST_TORCH_PYTHON "" CACHE FILEPATH "Python interpreter whose torch package provides LibTorch")
set(EPOCHCOST_TORCH_IMPORT "auto" CACHE STRING "auto | config (TorchConfig.cmake) | manual (no CUDA toolkit needed)")
set_property(CACHE EPOCHCOST_TORCH_IMPORT PROPERTY STRINGS auto config manual)

set(EPOCHCOST_TORCH_HAS_CUDA OFF)
set(EPOCHCOST_CUDA_INCLUDE_DIRS "")

if(EPOCHCOST_TORCH_PYTHON)
  execute_process(
    COMMAND "${EPOCHCOST_TORCH_PYTHON}" -c
      "import os, torch; print(torch.utils.cmake_prefix_path); print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(torch.version.cuda or '')"
    OUTPUT_VARIABLE _torch_facts OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _torch_rc ERROR_QUIET)
  if(NOT _torch_rc EQUAL 0)
    message(WARNING "${EPOCHCOST_TORCH_PYTHON} cannot import torch: building without the runner")
    set(EPOCHCOST_WITH_TORCH OFF)
    return()
  endif()
  string(REPLACE "\n" ";" _torch_facts "${_torch_facts}")
  list(GET _torch_facts 0 _torch_prefix)
  list(GET _torch_facts 1 EPOCHCOST_TORCH_ROOT)
  list(GET _torch_facts 2 _torch_cxx11_abi)
  list(LENGTH _torch_facts _n)
  set(_torch_cuda "")
  if(_n GREATER 3)
    list(GET _torch_facts 3 _torch_cuda)
  endif()
  list(PREPEND CMAKE_PREFIX_PATH "${_torch_prefix}")
endif()

# nvcc decides between the two ways of importing a CUDA build of torch.
if(NOT DEFINED TORCH_CUDA_ARCH_LIST)
  # No GPU to detect here; sm_80 (A100), 8.6 (RTX 30xx, A10), 8.9 (L4, L40S, RTX 40xx), 9.0 (H100/H200).
  set(TORCH_CUDA_ARCH_LIST "8.0;8.6;8.9;9.0")
endif()
find_program(EPOCHCOST_NVCC nvcc HINTS "${CUDAToolkit_ROOT}/bin" "$ENV{CUDA_HOME}/bin" /usr/local/cuda/bin)
# TorchConfig links the toolkit's CUDA runtime. A toolkit of another major version than the
# wheel's (a CUDA 12 box with the cu130 wheel) would put its libcudart.so.12 next to the
# libcudart.so.13 that torch loads: two CUDA runtimes in one process. Such a toolkit is not used.
set(_manual_because "no nvcc")
set(_nvcc_mismatch "")
if(_torch_cuda AND EPOCHCOST_NVCC)
  execute_process(COMMAND "${EPOCHCOST_NVCC}" --version OUTPUT_VARIABLE _nvcc_out ERROR_QUIET)
  set(_nvcc_release "")
  if(_nvcc_out MATCHES "release ([0-9]+\\.[0-9]+)")
    set(_nvcc_release "${CMAKE_MATCH_1}")
  endif()
  string(REGEX MATCH "^[0-9]+" _nvcc_major "${_nvcc_release}")
  string(REGEX MATCH "^[0-9]+" _torch_cuda_major "${_torch_cuda}")
  if(NOT _nvcc_release)
    message(WARNING "${EPOCHCOST_NVCC} --version names no CUDA release; assuming it matches "
                    "torch's CUDA ${_torch_cuda}")
  elseif(NOT _nvcc_major STREQUAL _torch_cuda_major)
    set(_nvcc_mismatch "${EPOCHCOST_NVCC} is CUDA ${_nvcc_release}, torch is built for CUDA ${_torch_cuda}")
    set(_manual_because "${_nvcc_mismatch}, and one process must not load two CUDA runtimes")
  endif()
endif()

set(_import "${EPOCHCOST_TORCH_IMPORT}")
if(_import STREQUAL "auto")
  set(_import config)
  if(_torch_cuda AND (NOT EPOCHCOST_NVCC OR _nvcc_mismatch))
    set(_import manual)
  endif()
elseif(_import STREQUAL "config" AND _nvcc_mismatch)
  message(FATAL_ERROR "EPOCHCOST_TORCH_IMPORT=config: ${_nvcc_mismatch}; its libcudart would be "
                      "loaded next to torch's. Point EPOCHCOST_NVCC at a CUDA ${_torch_cuda_major} "
                      "nvcc, or use EPOCHCOST_TORCH_IMPORT=auto or manual")
endif()

if(_import STREQUAL "config")
  if(EPOCHCOST_NVCC AND NOT DEFINED CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_COMPILER "${EPOCHCOST_NVCC}")
    get_filename_component(_cuda_root "${EPOCHCOST_NVCC}" DIRECTORY)
    get_filename_component(CUDAToolkit_ROOT "${_cuda_root}" DIRECTORY)
  endif()
  find_package(Torch QUIET)
  if(NOT Torch_FOUND)
    message(WARNING "LibTorch not found (set EPOCHCOST_TORCH_PYTHON or CMAKE_PREFIX_PATH): "
                    "building without the runner; `epochcost run` will say so.")
    set(EPOCHCOST_WITH_TORCH OFF)
    return()
  endif()
  if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
    set(EPOCHCOST_TORCH_HAS_CUDA ON)
    find_package(CUDAToolkit REQUIRED)
    set(EPOCHCOST_CUDA_INCLUDE_DIRS ${CUDAToolkit_INCLUDE_DIRS})
  endif()
  message(STATUS "LibTorch: ${Torch_DIR} (TorchConfig), CUDA: ${EPOCHCOST_TORCH_HAS_CUDA}")
else()
  if(NOT EPOCHCOST_TORCH_ROOT)
    message(FATAL_ERROR "EPOCHCOST_TORCH_IMPORT=manual needs EPOCHCOST_TORCH_PYTHON")
  endif()
  set(_lib "${EPOCHCOST_TORCH_ROOT}/lib")
  add_library(epochcost_torch INTERFACE)
  target_include_directories(epochcost_torch SYSTEM INTERFACE
    "${EPOCHCOST_TORCH_ROOT}/include" "${EPOCHCOST_TORCH_ROOT}/include/torch/csrc/api/include")
  target_compile_definitions(epochcost_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=${_torch_cxx11_abi})
  target_link_libraries(epochcost_torch INTERFACE "${_lib}/libtorch.so" "${_lib}/libtorch_cpu.so" "${_lib}/libc10.so")
  if(EXISTS "${_lib}/libtorch_cuda.so")
    # --no-as-needed: nothing references libtorch_cuda directly, yet its kernels must register.
    target_link_libraries(epochcost_torch INTERFACE
      -Wl,--no-as-needed "${_lib}/libtorch_cuda.so" "${_lib}/libc10_cuda.so" -Wl,--as-needed)
    file(GLOB _cuda_headers "${EPOCHCOST_TORCH_ROOT}/../nvidia/cu*/include/cuda_runtime_api.h"
                            "${EPOCHCOST_TORCH_ROOT}/../nvidia/cuda_runtime/include/cuda_runtime_api.h")
    if(_cuda_headers)
      list(GET _cuda_headers 0 _cuda_header)
      get_filename_component(EPOCHCOST_CUDA_INCLUDE_DIRS "${_cuda_header}" DIRECTORY)
      set(EPOCHCOST_TORCH_HAS_CUDA ON)
    else()
      message(WARNING "torch is a CUDA build but no CUDA runtime headers were found: the runner "
                      "is built for the CPU only")
    endif()
  endif()
  set(TORCH_LIBRARIES epochcost_torch)
  if(EPOCHCOST_TORCH_IMPORT STREQUAL "manual")
    set(_manual_because "EPOCHCOST_TORCH_IMPORT=manual")
  endif()
  message(STATUS "LibTorch: ${EPOCHCOST_TORCH_ROOT} (imported without TorchConfig: "
                 "${_manual_because}), CUDA: ${EPOCHCOST_TORCH_HAS_CUDA}")
endif()

# The wheel bundles fmt 12 headers under its include dir; those must never reach a translation unit
# that also sees Debian's fmt 9 (spdlog). Runner and model code therefore log through epochcost::log.
