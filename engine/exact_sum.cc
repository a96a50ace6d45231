#include "engine/exact_sum.h"

#include <bit>
#include <cmath>
#include <limits>
#include <vector>

namespace overtone::engine {
namespace {

constexpr int kBias = 1074;  // bit 0 of the accumulator weighs 2^-1074
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using Digits = std::vector<uint32_t>;  // a magnitude, least significant digit first

bool Bit(const Digits& d, int64_t i) { return i >= 0 && ((d[i / 32] >> (i % 32)) & 1u) != 0; }

bool AnyBitBelow(const Digits& d, int64_t n) {  // any of bits [0, n)
  for (int64_t i = 0; i < n / 32; ++i) {
    if (d[i] != 0) return true;
  }
  return n % 32 != 0 && (d[n / 32] & ((1u << (n % 32)) - 1)) != 0;
}

// ±d * 2^e0 rounded to nearest even, subnormals and overflow included.
double RoundToDouble(const Digits& d, bool negative, int64_t e0) {
  int64_t top = static_cast<int64_t>(d.size()) - 1;
  while (top >= 0 && d[top] == 0) --top;
  if (top < 0) return 0.0;
  int64_t p = top * 32 + (31 - std::countl_zero(d[top]));  // the highest set bit
  // Bits the result may keep: 53, fewer where it is subnormal.
  int64_t keep = std::min<int64_t>(53, std::max<int64_t>(0, p + e0 + 1075));
  int64_t drop = std::max<int64_t>(0, p + 1 - keep);
  uint64_t m = 0;
  for (int64_t i = p; i >= drop; --i) m = (m << 1) | (Bit(d, i) ? 1 : 0);
  if (drop > 0 && Bit(d, drop - 1) && (AnyBitBelow(d, drop - 1) || (m & 1) != 0)) ++m;
  // Far beyond the range ldexp's int exponent covers: saturate first.
  int64_t e = drop + e0;
  if (e > 2000) e = 2000;
  if (e < -3000) e = -3000;
  double r = std::ldexp(static_cast<double>(m), static_cast<int>(e));
  return negative ? -r : r;
}

// Carries every digit into [0, 2^32) except the top one, which keeps the sign.
void Carry(int64_t* limbs, int n) {
  int64_t carry = 0;
  for (int i = 0; i < n - 1; ++i) {
    int64_t v = limbs[i] + carry;
    limbs[i] = v & 0xFFFFFFFF;
    carry = v >> 32;  // arithmetic: floor division
  }
  limbs[n - 1] += carry;
}

}  // namespace

void ExactSum::Apply(double x, int sign) {
  uint64_t bits = std::bit_cast<uint64_t>(x);
  uint64_t exp = (bits >> 52) & 0x7FF;
  uint64_t frac = bits & ((uint64_t{1} << 52) - 1);
  bool negative = (bits >> 63) != 0;
  if (exp == 0x7FF) {
    if (frac != 0) {
      nan_ += sign;
    } else if (negative) {
      neg_inf_ += sign;
    } else {
      pos_inf_ += sign;
    }
    return;
  }
  uint64_t mant = exp != 0 ? frac | (uint64_t{1} << 52) : frac;
  if (mant == 0) return;
  unsigned shift = exp != 0 ? static_cast<unsigned>(exp - 1) : 0;  // weight of mant's bit 0, over 2^-1074
  unsigned __int128 wide = static_cast<unsigned __int128>(mant) << (shift % 32);
  int64_t s = negative ? -sign : sign;
  size_t i = shift / 32;
  limbs_[i] += s * static_cast<int64_t>(wide & 0xFFFFFFFF);
  limbs_[i + 1] += s * static_cast<int64_t>((wide >> 32) & 0xFFFFFFFF);
  limbs_[i + 2] += s * static_cast<int64_t>(wide >> 64);
  if (++pending_ >= (1u << 30)) Normalize();
}

void ExactSum::Normalize() const {
  Carry(limbs_.data(), kLimbs);
  pending_ = 0;
}

namespace {

// The accumulator's value as sign and magnitude.
template <size_t N>
Digits MagnitudeOf(std::array<int64_t, N> limbs, bool* negative) {
  Carry(limbs.data(), static_cast<int>(limbs.size()));
  *negative = limbs.back() < 0;
  if (*negative) {
    for (int64_t& l : limbs) l = -l;
    Carry(limbs.data(), static_cast<int>(limbs.size()));
  }
  Digits d(limbs.size());
  for (size_t i = 0; i < limbs.size(); ++i) d[i] = static_cast<uint32_t>(limbs[i]);
  return d;
}

}  // namespace

double ExactSum::ScaledValue(int scale) const {
  if (nan_ != 0 || (pos_inf_ != 0 && neg_inf_ != 0)) return kNaN;
  if (pos_inf_ != 0) return kInf;
  if (neg_inf_ != 0) return -kInf;
  Normalize();
  bool negative = false;
  Digits d = MagnitudeOf(limbs_, &negative);
  return RoundToDouble(d, negative, int64_t{scale} - kBias);
}

double ExactSum::Value() const { return ScaledValue(0); }

void ExactSum::Split(double* hi, double* lo) const {
  *hi = Value();
  *lo = 0;
  if (!std::isfinite(*hi)) return;
  ExactSum rest = *this;
  rest.Remove(*hi);
  *lo = rest.Value();
}

int LowestBitExponent(double x) {
  uint64_t bits = std::bit_cast<uint64_t>(x);
  int exp = static_cast<int>((bits >> 52) & 0x7FF);
  uint64_t mant = bits & ((uint64_t{1} << 52) - 1);
  if (exp != 0) mant |= uint64_t{1} << 52;
  return std::countr_zero(mant) + (exp != 0 ? exp - 1 : 0) - kBias;
}

}  // namespace overtone::engine
