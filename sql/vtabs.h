// The sqlite3_module of each overtone virtual table.

#ifndef OVERTONE_SQL_VTABS_H_
#define OVERTONE_SQL_VTABS_H_

#include <sqlite3.h>

#include "overtone/status.h"

namespace overtone::sql {

const sqlite3_module* SeriesModule();
const sqlite3_module* SamplesModule();
const sqlite3_module* SegmentsModule();
const sqlite3_module* MetadataModule();
const sqlite3_module* OverTimeModule();
const sqlite3_module* InstantVectorModule();         // promql_vtabs.cc
const sqlite3_module* RangeFunctionModule();         // promql_vtabs.cc
const sqlite3_module* VectorMatchModule();           // vector_match_vtab.cc
const sqlite3_module* VectorMatchSeriesModule();     // vector_match_vtab.cc
const sqlite3_module* VectorAggregateModule();       // vector_aggregate_vtab.cc
const sqlite3_module* SelectorAggregateModule();     // vector_aggregate_vtab.cc
const sqlite3_module* VectorSeriesModule();          // vector_series_vtab.cc
const sqlite3_module* VectorSourceModule();          // vector_series_vtab.cc
const sqlite3_module* SubqueryWindowModule();        // subquery_window_vtab.cc
const sqlite3_module* SubqueryWindowSeriesModule();  // subquery_window_vtab.cc
const sqlite3_module* StepsModule();                 // steps_vtab.cc
const sqlite3_module* VectorUniqueModule();          // vector_unique_vtab.cc
// The aggregate prom_vector() that packs vector_match()'s operands.
Status RegisterVectorPack(sqlite3* conn);  // vector_match_vtab.cc

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VTABS_H_
