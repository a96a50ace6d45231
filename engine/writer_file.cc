#include "engine/writer_file.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include "overtone/database.h"
#include "storage/store.h"

namespace overtone::engine {
namespace {

std::string WriterPath(const std::string& dir) { return (std::filesystem::path(dir) / "WRITER").string(); }

// The pid and note in DIR/WRITER; pid 0 when there is no readable file.
struct WriterRecord {
  int64_t pid = 0;
  std::string note;
};

WriterRecord ReadWriterFile(const std::string& dir) {
  WriterRecord r;
  std::ifstream in(WriterPath(dir));
  std::string pid;
  if (!std::getline(in, pid) || !std::getline(in, r.note)) return {};
  try {
    r.pid = std::stoll(pid);
  } catch (const std::exception&) {
    return {};
  }
  return r;
}

}  // namespace

Status WriteWriterFile(const std::string& dir, const std::string& note) {
  const std::string path = WriterPath(dir);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << ::getpid() << "\n" << note << "\n";
    out.close();
    if (!out) return Status::IOError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot rename " + tmp + " to " + path + ": " + ec.message());
  return Status::OK();
}

void RemoveWriterFile(const std::string& dir) {
  if (ReadWriterFile(dir).pid != ::getpid()) return;
  std::error_code ec;
  std::filesystem::remove(WriterPath(dir), ec);  // best effort: a stale file is ignored anyway
}

}  // namespace overtone::engine

namespace overtone {

std::string DescribeWriter(const std::string& dir) {
  const int64_t pid = storage::Store::WriterPid((std::filesystem::path(dir) / "rocksdb").string());
  if (pid == 0) return "";
  engine::WriterRecord record = engine::ReadWriterFile(dir);
  std::string who = record.pid == pid && !record.note.empty() ? record.note : "a process";
  return who + " (pid " + std::to_string(pid) + ")";
}

}  // namespace overtone
