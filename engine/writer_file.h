// DIR/WRITER: who has a database directory open for writing, so that a
// reader beside the writer can name it in the error a refused write gets.
//
// The file holds two lines: the writer's process id, and its
// Options::writer_note ("overtone serve on 127.0.0.1:9201"). The writer
// puts it there once it holds the LOCK file and removes it on close; a file
// left by a writer that was killed names a pid that no longer holds the
// LOCK, and is then ignored: the LOCK file's lock, asked of the operating
// system (storage/lock_file.h), is what says whether anybody writes.

#ifndef OVERTONE_ENGINE_WRITER_FILE_H_
#define OVERTONE_ENGINE_WRITER_FILE_H_

#include <string>

#include "overtone/status.h"

namespace overtone::engine {

// Writes DIR/WRITER for this process (atomically: a temporary file renamed).
// REQUIRES: this process has `dir` open for writing.
Status WriteWriterFile(const std::string& dir, const std::string& note);

// Removes DIR/WRITER if it names this process.
void RemoveWriterFile(const std::string& dir);

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_WRITER_FILE_H_
