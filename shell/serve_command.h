// `overtone serve DBDIR [OPTIONS]`: Prometheus remote storage over HTTP
// (remote write, remote read) plus /metrics, /stats, /health and /ready.
//
//   $ overtone serve metrics.db --listen 127.0.0.1:9201 --memory-limit 1GiB
//   overtone: serving metrics.db on http://127.0.0.1:9201 (16 threads)
//
// Options:
//   --listen HOST:PORT          default 127.0.0.1:9201; port 0 picks a free one
//   --port-file FILE            write the bound port there once listening
//   --memory-limit SIZE         bound the whole process: SIZE is divided between
//                               the engine and the server (overtone/memory.h)
//   --max-request-bytes SIZE    largest body accepted as sent (413 above)
//   --max-decompressed-bytes SIZE   largest body once decompressed (413 above)
//   --auth-token-file FILE      require `Authorization: Bearer <token>` (the
//                               file's first line) on everything but /health
//   --overload-status 429|503   the answer when the memory budget is used up
//   --threads N                 worker threads (default: sized to the machine)
//   --sync                      fsync every write (survives power loss)
// SIZE takes binary units: 512MiB, 1G, 64k, or plain bytes (command_line.h).
//
// SIGINT or SIGTERM stop it: no new connections, requests in flight finish,
// the database closes. Exit status 0 then; 1 when the database cannot be
// opened or the address bound; 2 on a usage error.

#ifndef OVERTONE_SHELL_SERVE_COMMAND_H_
#define OVERTONE_SHELL_SERVE_COMMAND_H_

namespace overtone::shell {

// argv[0] is "serve".
int RunServe(int argc, char** argv);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_SERVE_COMMAND_H_
