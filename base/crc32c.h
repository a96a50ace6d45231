// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), as used
// by segment checksums and by Prometheus's remote-read frame format.
// Pure: bytes in, checksum out.

#ifndef OVERTONE_BASE_CRC32C_H_
#define OVERTONE_BASE_CRC32C_H_

#include <cstdint>
#include <string_view>

namespace overtone {

// Extends `crc` (the CRC of the bytes before `data`; 0 to start) over `data`.
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);
// The same computed with tables, as on a CPU without SSE4.2's crc32.
uint32_t Crc32cExtendPortable(uint32_t crc, std::string_view data);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

}  // namespace overtone

#endif  // OVERTONE_BASE_CRC32C_H_
