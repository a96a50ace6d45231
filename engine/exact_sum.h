// ExactSum: the exact sum of a multiset of doubles, with removal.
//
// Why: a window that slides by adding new samples and subtracting evicted
// ones must give the same bits as a sum computed afresh over the window.
// A float sum (plain or Kahan) with subtract-on-evict does not: rounding
// depends on the order of operations. An exact sum has no order: every
// finite double is an integer multiple of 2^-1074, so the accumulator is a
// fixed-point integer of kLimbs * 32 bits whose bit 0 weighs 2^-1074. Add
// and Remove are integer additions (exact, associative, invertible), and
// Value() rounds once, to nearest even. The standing windows
// (standing_windows.h) use it where a float sum is exact too, so that the
// two agree bit for bit.
//
// Layout: limbs_[i] holds the signed digit of weight 2^(32 i - 1074); digits
// are kept in int64 and carried lazily (carry-save), normalized before a
// read and every 2^30 operations. Infinities and NaNs are counted apart.

#ifndef OVERTONE_ENGINE_EXACT_SUM_H_
#define OVERTONE_ENGINE_EXACT_SUM_H_

#include <array>
#include <cstdint>

namespace overtone::engine {

class ExactSum {
 public:
  void Add(double x) { Apply(x, +1); }
  void Remove(double x) { Apply(x, -1); }  // REQUIRES: x was added
  void Clear() { *this = ExactSum(); }

  // The sum rounded to nearest even: ±Inf when it overflows or an infinity
  // was added, NaN with a NaN or both infinities.
  double Value() const;
  // The sum times 2^scale, rounded once (for averages whose sum overflows).
  double ScaledValue(int scale) const;
  // hi = Value(), lo = the rounded remainder: hi + lo carries ~106 bits.
  void Split(double* hi, double* lo) const;
  bool has_nonfinite() const { return nan_ + pos_inf_ + neg_inf_ != 0; }

 private:
  static constexpr int kLimbs = 70;  // 2240 bits: 2098 for doubles, the rest for carries
  void Apply(double x, int sign);
  void Normalize() const;

  mutable std::array<int64_t, kLimbs> limbs_{};
  mutable uint32_t pending_ = 0;  // operations since the last Normalize
  int64_t nan_ = 0, pos_inf_ = 0, neg_inf_ = 0;
};

// The exponent of x's lowest set bit (x = odd * 2^result), for finite
// nonzero x: a sum of values that are all multiples of 2^e, whose absolute
// values add up to less than 2^(53 + e), is exact in every order.
int LowestBitExponent(double x);

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_EXACT_SUM_H_
