// The web console's files, embedded in the binary at build time: the pages
// and scripts of web/ and the chart library uPlot's dist files.
// adapters/console/CMakeLists.txt lists them and cmake/embed_files.cmake
// generates their definition (console_assets.cc, in the build tree).

#ifndef OVERTONE_ADAPTERS_CONSOLE_ASSETS_H_
#define OVERTONE_ADAPTERS_CONSOLE_ASSETS_H_

#include <span>
#include <string_view>

namespace overtone::adapters {

struct EmbeddedFile {
  std::string_view name;          // "graph.js": served at /static/graph.js
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // quoted: a digest of the bytes, the same in every build
  std::string_view body;
};

// Every file, in the order the CMake list names them; static storage.
std::span<const EmbeddedFile> ConsoleAssets();

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_CONSOLE_ASSETS_H_
