// histogram_quantile(q, v) over an instant vector evaluated at a range of
// steps, done once per query in C++ (the SQL translation groups v's rows by
// label set and step instead): each series' histogram (its labels but `le`)
// and bucket bound (`le` read as Go reads floats) are found once per series,
// then each histogram's buckets at each step go to BucketQuantile
// (engine/classic_histogram.h), as prom_histogram_quantile() does.
//
// A series whose `le` is missing or not a number is left out, and a
// histogram none of whose series has a bucket gives no series, as in
// Prometheus. The result drops __name__ (drop_name set); its series come in
// the order their first bucket came, each one's points in ts order.

#ifndef OVERTONE_SQL_VECTOR_HISTOGRAM_H_
#define OVERTONE_SQL_VECTOR_HISTOGRAM_H_

#include "overtone/status.h"
#include "sql/vector_match.h"

namespace overtone::sql {

Result<VectorOperand> HistogramQuantileVector(double q, const VectorOperand& in);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VECTOR_HISTOGRAM_H_
