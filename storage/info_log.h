// RocksDB's info log (the LOG file in the database directory), written so
// that a full or failing disk can never stop the process.
//
// Why not RocksDB's own: its logger writes through a WritableFileWriter,
// which remembers a failed write; the next line logged (RocksDB logs every
// background error it meets, so the next failed write logs one) trips the
// assertion `sync_without_flush_called_` in Debian's build, which keeps
// assertions on, and aborts the process. This one writes each line with one
// write(2) and drops a line it cannot write: the log is for people, and a
// lost line costs nothing that matters.

#ifndef OVERTONE_STORAGE_INFO_LOG_H_
#define OVERTONE_STORAGE_INFO_LOG_H_

#include <memory>
#include <string>

namespace rocksdb {
class Logger;
}  // namespace rocksdb

namespace overtone::storage {

// A logger appending to DIR/LOG. A writer (rotate = true) first renames an
// existing LOG to LOG.old, replacing the one before; read-only openers
// append to the LOG there is, if there is one.
std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& dir, bool rotate);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_INFO_LOG_H_
