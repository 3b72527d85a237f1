// Fuzz target: translate::sniff_mime on any bytes (downloaded media is attacker-controlled); it answers only
// the types it documents, and a prefix of the data never reads past its end.
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "fuzz_support.hpp"
#include "translate/common/mime.hpp"

using namespace gw;
namespace json = boost::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::set<std::string, std::less<>> documented = {
      "image/png", "image/jpeg", "image/webp", "image/gif", "image/heic", "image/heif",
      "audio/wav", "audio/mp3", "audio/aac", "audio/ogg", "audio/flac", "audio/mp4",
      "video/mp4", "video/quicktime", "video/webm", "video/mpeg", "application/pdf"};
  // An exact-size heap copy, so ASan sees any read past the end (libFuzzer's buffer is exact too, but this
  // also covers the shorter prefix below).
  auto copy = std::make_unique<char[]>(size ? size : 1);
  if (size) std::memcpy(copy.get(), data, size);
  if (auto m = translate::sniff_mime(std::string_view(copy.get(), size)))
    fuzz::check(documented.contains(*m), "sniff_mime answered an undocumented type", *m);
  const std::size_t half = size / 2;
  auto prefix = std::make_unique<char[]>(half ? half : 1);
  if (half) std::memcpy(prefix.get(), data, half);
  translate::sniff_mime(std::string_view(prefix.get(), half));
  return 0;
}
