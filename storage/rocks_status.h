// RocksDB's Status as overtone's, for the files of storage/ that call
// RocksDB. A full disk becomes NoSpace, other I/O failures IOError.

#ifndef OVERTONE_STORAGE_ROCKS_STATUS_H_
#define OVERTONE_STORAGE_ROCKS_STATUS_H_

#include <rocksdb/status.h>

#include <string_view>

#include "overtone/status.h"

namespace overtone::storage {

// "<what>: <RocksDB's message>" with the matching code; OK stays OK.
Status FromRocks(const rocksdb::Status& s, std::string_view what);

// What a cursor made while the database is closed (a reopen after a
// storage fault under way) says.
inline Status ClosedStatus() {
  return Status::IOError("the database is closed while it recovers from a storage fault; retry later");
}

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_ROCKS_STATUS_H_
