#pragma once
#include <ATen/autocast_mode.h>

namespace epochcost::models {

// LibTorch has no RAII autocast guard; this mirrors Python's torch.autocast enter/exit.
class AutocastRegion {
public:
  AutocastRegion(bool enabled, at::DeviceType device_type, at::ScalarType dtype)
      : enabled_(enabled), device_type_(device_type) {
    if (!enabled_) return;
    previous_enabled_ = at::autocast::is_autocast_enabled(device_type_);
    previous_dtype_ = at::autocast::get_autocast_dtype(device_type_);
    at::autocast::set_autocast_enabled(device_type_, true);
    at::autocast::set_autocast_dtype(device_type_, dtype);
    at::autocast::increment_nesting();
  }
  ~AutocastRegion() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(device_type_, previous_enabled_);
    at::autocast::set_autocast_dtype(device_type_, previous_dtype_);
  }
  AutocastRegion(const AutocastRegion&) = delete;
  AutocastRegion& operator=(const AutocastRegion&) = delete;

private:
  bool enabled_;
  at::DeviceType device_type_;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kFloat;
};

} // namespace epochcost::models
