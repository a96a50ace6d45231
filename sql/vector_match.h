// PromQL's vector matching, done once per query in C++: the binary
// operators between two instant vectors evaluated over a range of steps
// (arithmetic, comparisons with and without `bool`, and/or/unless), with
// on(...)/ignoring(...) and group_left/group_right, as Prometheus's engine
// (VectorBinop, VectorAnd/Or/Unless) computes them at each step.
//
// HOW IT WORKS
// Each operand is its distinct series (canonical label-set JSON, see
// labelset_json.h, and the drop_name flag of the translator's CTEs) and its
// points (series, ts, value). Each series' label set is parsed once and its
// match signature (the labels on(...) keeps or ignoring(...) leaves,
// ignoring always leaving out __name__) interned once, so that every step
// is a walk over integer arrays: the points of a step, from both sides
// sorted by ts, and a table from signature to the "one" side's point at that
// step. The result's label sets are built once per pair of series that
// match, not per step.
//
// Errors are Prometheus's: a "one" side with two series of one signature at
// a step ("found duplicate series for the match group ..."), one-to-one
// matching that finds two left series for one right one ("multiple matches
// for labels: many-to-one matching must be explicit ..."), group_x matching
// whose result would hold a label set twice ("... grouping labels must
// ensure unique results").
//
// In SQL (vector_match_vtab.cc) an operand travels as one BLOB that the
// aggregate prom_vector(labelset, drop_name, ts, value) packs: it lives only
// while a statement runs and is never stored, so it is written in the
// machine's own byte order:
//   u32 series count, then per series: u8 drop_name, u32 length, the JSON
//   u32 point count, then per point: u32 series, i64 ts, f64 value

#ifndef OVERTONE_SQL_VECTOR_MATCH_H_
#define OVERTONE_SQL_VECTOR_MATCH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"

namespace overtone::sql {

// An instant vector over a range of steps.
struct VectorOperand {
  struct Series {
    std::string labelset;  // canonical JSON
    bool drop_name = false;
  };
  struct Point {
    uint32_t series;
    int64_t ts;
    double value;  // NaN for SQL's NULL
  };
  std::vector<Series> series;
  std::vector<Point> points;
};

std::string PackVector(const VectorOperand& v);

// The indexes of `points` ordered by ts, those of equal ts in their
// order: what std::stable_sort gives, in linear time when the points come
// as runs by time over shared times (series over the steps of a range).
std::vector<uint32_t> PointsByTime(const std::vector<VectorOperand::Point>& points);
// InvalidArgument for bytes PackVector did not make.
Result<VectorOperand> UnpackVector(std::string_view bytes);

enum class MatchOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,  // arithmetic
  kEq,
  kNe,
  kGt,
  kLt,
  kGe,
  kLe,  // comparisons
  kAnd,
  kOr,
  kUnless,  // set operators
};
enum class MatchCard { kOneToOne, kManyToOne, kOneToMany };

// Names as vector_match() takes them: add sub mul div mod pow atan2 eq ne
// gt lt ge le and or unless; one_to_one many_to_one one_to_many.
Result<MatchOp> ParseMatchOp(std::string_view name);
Result<MatchCard> ParseMatchCard(std::string_view name);

struct MatchSpec {
  MatchOp op = MatchOp::kAdd;
  bool return_bool = false;
  MatchCard card = MatchCard::kOneToOne;
  bool on = false;                   // on(labels), else ignoring(labels)
  std::vector<std::string> labels;   // of on / ignoring
  std::vector<std::string> include;  // of group_left / group_right
};

// `lhs op rhs` at every step either side has points at. The result's series
// come in `series`, each point naming one.
Result<VectorOperand> MatchVectors(const MatchSpec& spec, const VectorOperand& lhs, const VectorOperand& rhs);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VECTOR_MATCH_H_
