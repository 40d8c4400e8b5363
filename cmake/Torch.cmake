# LibTorch from the PyPI torch wheel. Its prefix comes from EPOCHCOST_TORCH_PYTHON (the Python that
# holds torch) unless CMAKE_PREFIX_PATH already finds Torch.
set(EPOCHCOST_TORCH_PYTHON "" CACHE FILEPATH "Python interpreter whose torch package provides LibTorch")
if(EPOCHCOST_TORCH_PYTHON)
  execute_process(COMMAND "${EPOCHCOST_TORCH_PYTHON}" -c "import torch; print(torch.utils.cmake_prefix_path)"
                  OUTPUT_VARIABLE _torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _torch_rc ERROR_QUIET)
  if(_torch_rc EQUAL 0)
    list(PREPEND CMAKE_PREFIX_PATH "${_torch_prefix}")
  else()
    message(WARNING "${EPOCHCOST_TORCH_PYTHON} cannot import torch")
  endif()
endif()

# The CUDA wheel's TorchConfig insists on a local CUDA toolkit; its architectures are set here
# because there may be no GPU to detect (sm_80 A100/3090-class, sm_86, sm_89, sm_90 H100/H200).
if(NOT DEFINED TORCH_CUDA_ARCH_LIST)
  set(TORCH_CUDA_ARCH_LIST "8.0;8.6;8.9;9.0")
endif()
if(NOT DEFINED CUDAToolkit_ROOT AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CUDAToolkit_ROOT /usr/local/cuda)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()

find_package(Torch QUIET)
if(NOT Torch_FOUND)
  message(WARNING "LibTorch not found (set EPOCHCOST_TORCH_PYTHON or CMAKE_PREFIX_PATH): "
                  "building without the runner; `epochcost run` will say so.")
  set(EPOCHCOST_WITH_TORCH OFF)
  return()
endif()
message(STATUS "LibTorch: ${Torch_DIR}")

# The wheel bundles fmt 12 headers under its include dir; those must never reach a translation unit
# that also sees Debian's fmt 9 (spdlog). Runner and model code therefore log through epochcost::log.
set(EPOCHCOST_TORCH_HAS_CUDA OFF)
if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
  set(EPOCHCOST_TORCH_HAS_CUDA ON)
endif()
message(STATUS "LibTorch CUDA support: ${EPOCHCOST_TORCH_HAS_CUDA}")
