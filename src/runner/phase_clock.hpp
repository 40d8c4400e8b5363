#pragma once
// Time points on the device's own timeline. On CUDA they are events recorded on the current
// stream (no synchronisation until the window is read); on the CPU, steady_clock readings.
// Both return seconds as double.
#include <cstddef>
#include <memory>
#include <vector>

namespace epochcost::runner {

class PhaseClock {
public:
  virtual ~PhaseClock() = default;
  virtual void mark() = 0;
  // Makes room for `marks` marks in the next window before it starts, so that no mark inside a
  // window pays for creating one (a driver call for an event).
  virtual void reserve(std::size_t marks) = 0;
  // Waits for the marks recorded so far and returns the differences between consecutive marks;
  // the next window starts empty.
  [[nodiscard]] virtual std::vector<double> read_intervals_s() = 0;
  [[nodiscard]] virtual const char* name() const = 0;
  // Whether marks are read later than the work they time runs (CUDA events): only then does a
  // second window in flight keep the device busy.
  [[nodiscard]] virtual bool asynchronous() const = 0;
};

[[nodiscard]] std::unique_ptr<PhaseClock> make_steady_clock();
// Events are created on the current CUDA device.
[[nodiscard]] std::unique_ptr<PhaseClock> make_cuda_event_clock();

} // namespace epochcost::runner
