#include "phase_clock.hpp"

#include <chrono>
#include <stdexcept>

#ifdef EPOCHCOST_HAS_CUDA
#include <c10/cuda/CUDAEvent.h>
#endif

namespace epochcost::runner {
namespace {

class SteadyClock final : public PhaseClock {
public:
  void mark() override { points_.push_back(std::chrono::steady_clock::now()); }
  void reserve(std::size_t marks) override { points_.reserve(marks); }
  std::vector<double> read_intervals_s() override {
    std::vector<double> intervals;
    for (std::size_t i = 1; i < points_.size(); ++i) {
      intervals.push_back(std::chrono::duration<double>(points_[i] - points_[i - 1]).count());
    }
    points_.clear();
    return intervals;
  }
  const char* name() const override { return "steady_clock"; }
  bool asynchronous() const override { return false; }

private:
  std::vector<std::chrono::steady_clock::time_point> points_;
};

#ifdef EPOCHCOST_HAS_CUDA
class CudaEventClock final : public PhaseClock {
public:
  void mark() override {
    // Events are reused window after window; creating one per mark would cost a driver call.
    if (used_ == events_.size()) events_.emplace_back(cudaEventDefault);
    events_[used_++].record();
  }
  void reserve(std::size_t marks) override {
    // CUDAEvent creates its driver event lazily, at the first record(): create them here.
    while (events_.size() < marks) {
      events_.emplace_back(cudaEventDefault);
      events_.back().record();
    }
  }
  std::vector<double> read_intervals_s() override {
    std::vector<double> intervals;
    if (used_ > 0) events_[used_ - 1].synchronize();
    for (std::size_t i = 1; i < used_; ++i) {
      intervals.push_back(static_cast<double>(events_[i - 1].elapsed_time(events_[i])) / 1e3);
    }
    used_ = 0;
    return intervals;
  }
  const char* name() const override { return "cuda_event"; }
  bool asynchronous() const override { return true; }

private:
  std::vector<c10::cuda::CUDAEvent> events_;
  std::size_t used_ = 0;
};
#endif

} // namespace

std::unique_ptr<PhaseClock> make_steady_clock() {
  return std::make_unique<SteadyClock>();
}

std::unique_ptr<PhaseClock> make_cuda_event_clock() {
#ifdef EPOCHCOST_HAS_CUDA
  return std::make_unique<CudaEventClock>();
#else
  throw std::logic_error("make_cuda_event_clock: built without CUDA");
#endif
}

} // namespace epochcost::runner
