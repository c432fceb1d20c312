// A small, fully specified random number generator (splitmix64): a seed
// gives the same numbers with any standard library, where std::
// distributions are implementation-defined. For synthetic cohorts and
// benchmarks, never for secrets.
#ifndef REGISTRY_CORE_RANDOM_H_
#define REGISTRY_CORE_RANDOM_H_

#include <cstddef>
#include <cstdint>

namespace registry {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return (Next() >> 11) * (1.0 / 9007199254740992.0); }
  int Between(int low, int high) {  // inclusive
    return low +
           static_cast<int>(Next() % static_cast<uint64_t>(high - low + 1));
  }
  bool Chance(double p) { return Uniform() < p; }
  template <typename T, size_t N>
  const T& Pick(const T (&choices)[N]) {
    return choices[Next() % N];
  }

 private:
  uint64_t state_;
};

}  // namespace registry

#endif  // REGISTRY_CORE_RANDOM_H_
