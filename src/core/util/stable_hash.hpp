#pragma once
// A 64-bit hash whose value is fixed by this code, not by the standard library it is built with:
// history files compare hashes written by other builds (the identity of a result, a workload, a
// config). It is the MurmurHash2-based function of libstdc++'s std::hash<std::string> (seed
// 0xc70f6907, bytes read little-endian), so the histories recorded with std::hash by earlier
// builds keep their identities.
#include <cstdint>
#include <string_view>

namespace epochcost {

[[nodiscard]] inline std::uint64_t stable_hash(std::string_view text) {
  constexpr std::uint64_t mul = (std::uint64_t{0xc6a4a793} << 32) + 0x5bd1e995;
  constexpr std::uint64_t seed = 0xc70f6907;
  const auto shift_mix = [](std::uint64_t v) { return v ^ (v >> 47); };
  // The `count` bytes at `p` as a little-endian number.
  const auto load = [](const char* p, std::size_t count) {
    std::uint64_t value = 0;
    for (std::size_t i = count; i-- > 0;)
      value = (value << 8) + static_cast<unsigned char>(p[i]);
    return value;
  };
  const std::size_t length = text.size();
  const std::size_t whole = length & ~std::size_t{7};
  std::uint64_t hash = seed ^ (length * mul);
  for (std::size_t at = 0; at < whole; at += 8) {
    hash ^= shift_mix(load(text.data() + at, 8) * mul) * mul;
    hash *= mul;
  }
  if (length % 8 != 0) {
    hash ^= load(text.data() + whole, length % 8);
    hash *= mul;
  }
  return shift_mix(shift_mix(hash) * mul);
}

} // namespace epochcost
