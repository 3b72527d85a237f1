// Magic-number sniffing of media bytes; see mime.hpp.
#include "translate/common/mime.hpp"

#include <array>
#include <cstdint>

namespace gw::translate {

namespace {

using sv = std::string_view;

std::uint8_t at(sv b, std::size_t i) { return static_cast<std::uint8_t>(b[i]); }

bool has(sv b, std::size_t off, sv magic) {
  return b.size() >= off + magic.size() && b.substr(off, magic.size()) == magic;
}

std::uint32_t be32(sv b, std::size_t i) {
  return std::uint32_t{at(b, i)} << 24 | std::uint32_t{at(b, i + 1)} << 16 | std::uint32_t{at(b, i + 2)} << 8 |
         std::uint32_t{at(b, i + 3)};
}

// MPEG audio Layer III frame header at `off`: its frame length, or 0 when it is not one.
// Only Layer III counts (mp3); Layer I/II (mp1/mp2) are not formats Gemini takes.
std::size_t mp3_frame_length(sv b, std::size_t off) {
  if (b.size() < off + 4) return 0;
  std::uint8_t b1 = at(b, off + 1), b2 = at(b, off + 2);
  if (at(b, off) != 0xFF || (b1 & 0xE0) != 0xE0) return 0;
  int version = (b1 >> 3) & 3;  // 0: MPEG 2.5, 1: reserved, 2: MPEG 2, 3: MPEG 1
  int layer = (b1 >> 1) & 3;    // 1: Layer III
  int bitrate_index = b2 >> 4;
  int rate_index = (b2 >> 2) & 3;
  if (version == 1 || layer != 1 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3) return 0;
  static constexpr std::array<int, 15> v1{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320};
  static constexpr std::array<int, 15> v2{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160};
  static constexpr std::array<std::array<int, 3>, 4> rates{
      {{11025, 12000, 8000}, {0, 0, 0}, {22050, 24000, 16000}, {44100, 48000, 32000}}};
  int kbps = version == 3 ? v1[bitrate_index] : v2[bitrate_index];
  int rate = rates[version][rate_index];
  int padding = (b2 >> 1) & 1;
  int coefficient = version == 3 ? 144000 : 72000;
  return static_cast<std::size_t>(coefficient * kbps / rate + padding);
}

// ADTS (AAC) frame header at `off`: its frame length, or 0.
std::size_t adts_frame_length(sv b, std::size_t off) {
  if (b.size() < off + 7) return 0;
  if (at(b, off) != 0xFF || (at(b, off + 1) & 0xF6) != 0xF0) return 0;  // sync, layer 00
  if (((at(b, off + 2) >> 2) & 0x0F) >= 13) return 0;                   // sampling frequency index
  std::size_t len = (std::size_t{at(b, off + 3)} & 3) << 11 | std::size_t{at(b, off + 4)} << 3 | at(b, off + 5) >> 5;
  return len >= 7 ? len : 0;
}

// A frame sync alone is two bytes of binary; when the data reaches the next frame, it must sync too.
template <class F>
bool frames_chain(sv b, std::size_t off, F frame_length) {
  std::size_t len = frame_length(b, off);
  if (len == 0) return false;
  if (b.size() < off + len + 4) return true;  // a one-frame file: nothing more to check
  return frame_length(b, off + len) != 0;
}

std::optional<std::string> sniff_audio_stream(sv b, std::size_t off) {
  if (frames_chain(b, off, mp3_frame_length)) return "audio/mp3";
  if (frames_chain(b, off, adts_frame_length)) return "audio/aac";
  return std::nullopt;
}

// ID3v2 tag: 10-byte header with a syncsafe size; what follows it decides between mp3, aac and flac.
std::optional<std::string> sniff_id3(sv b) {
  if (b.size() < 10 || at(b, 3) < 2 || at(b, 3) > 4) return std::nullopt;
  for (int i = 6; i < 10; ++i)
    if (at(b, i) & 0x80) return std::nullopt;
  std::size_t size = std::size_t{at(b, 6)} << 21 | std::size_t{at(b, 7)} << 14 | std::size_t{at(b, 8)} << 7 | at(b, 9);
  std::size_t after = 10 + size + ((at(b, 5) & 0x10) ? 10 : 0);
  if (has(b, after, "fLaC")) return "audio/flac";
  if (auto s = sniff_audio_stream(b, after)) return s;
  return "audio/mp3";  // an ID3 tag in front of anything else (padding, a cut-off download) is an mp3 file
}

bool brand_in(sv brand, std::initializer_list<sv> set) {
  for (sv s : set)
    if (brand == s) return true;
  return false;
}

// ISO base media file: the ftyp box's major brand, then its compatible brands, tell the format.
std::optional<std::string> sniff_ftyp(sv b) {
  if (b.size() < 12) return std::nullopt;
  std::size_t box = be32(b, 0);
  if (box == 0 || box > b.size()) box = b.size();  // 0: to end of file; larger: cut off
  if (box < 12) return std::nullopt;
  sv major = b.substr(8, 4);
  bool compat_avif = false, compat_heic = false, compat_m4a = false, compat_mp4 = false;
  for (std::size_t i = 16; i + 4 <= box; i += 4) {
    sv c = b.substr(i, 4);
    compat_avif |= brand_in(c, {"avif", "avis"});
    compat_heic |= brand_in(c, {"heic", "heix", "heim", "heis", "hevc", "hevx"});
    compat_m4a |= brand_in(c, {"M4A ", "M4B ", "M4P "});
    compat_mp4 |= brand_in(c, {"isom", "iso2", "mp41", "mp42", "avc1"});
  }
  if (brand_in(major, {"heic", "heix", "heim", "heis", "hevc", "hevm", "hevs", "hevx"})) return "image/heic";
  if (brand_in(major, {"mif1", "msf1", "heif"})) {
    if (compat_avif) return std::nullopt;  // AVIF is not a Gemini image type
    return compat_heic ? "image/heic" : "image/heif";
  }
  if (brand_in(major, {"M4A ", "M4B ", "M4P ", "F4A ", "F4B "})) return "audio/mp4";
  if (major == "qt  ") return "video/quicktime";
  if (brand_in(major, {"isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9", "mp41", "mp42",
                       "mp71", "avc1", "dash", "M4V ", "M4VH", "M4VP", "F4V ", "F4P ", "mmp4", "MSNV"}))
    return compat_m4a ? "audio/mp4" : "video/mp4";
  // An unfamiliar major brand (a camera maker's) that declares plain MP4 compatibility plays as MP4;
  // 3GPP, AVIF, CR3 and the like do not.
  if (compat_mp4 && !compat_avif && !major.starts_with("3g")) return compat_m4a ? "audio/mp4" : "video/mp4";
  return std::nullopt;
}

// Pre-ftyp QuickTime movies open directly with one of these atoms.
std::optional<std::string> sniff_bare_quicktime(sv b) {
  if (b.size() < 8) return std::nullopt;
  std::uint32_t size = be32(b, 0);
  // The size's top byte below 0x20 keeps text ("The wide ...") out; 0 and 1 mean to-end and 64-bit sizes.
  if (at(b, 0) >= 0x20 || (size > 1 && size < 8)) return std::nullopt;
  sv type = b.substr(4, 4);
  if (type == "wide") return size == 8 ? std::optional<std::string>("video/quicktime") : std::nullopt;
  if (brand_in(type, {"moov", "mdat", "pnot"})) return "video/quicktime";
  return std::nullopt;
}

// EBML variable-length integer at `i`; the ID form keeps its length marker, the size form drops it.
bool read_vint(sv b, std::size_t& i, std::uint64_t& out, bool keep_marker, int max_len) {
  if (i >= b.size()) return false;
  std::uint8_t first = at(b, i);
  int len = 1;
  while (len <= 8 && !(first & (0x80 >> (len - 1)))) ++len;
  if (len > max_len || i + len > b.size()) return false;
  std::uint64_t v = keep_marker ? first : (first & (0xFF >> len));
  for (int k = 1; k < len; ++k) v = v << 8 | at(b, i + k);
  i += len;
  out = v;
  return true;
}

// Matroska and WebM share the EBML header; its DocType element tells them apart.
std::optional<std::string> sniff_ebml(sv b) {
  std::size_t i = 4;
  std::uint64_t header_size = 0;
  if (!read_vint(b, i, header_size, false, 8)) return std::nullopt;
  std::size_t end = header_size < b.size() - i ? i + header_size : b.size();
  while (i < end) {
    std::uint64_t id = 0, size = 0;
    if (!read_vint(b, i, id, true, 4) || !read_vint(b, i, size, false, 8)) return std::nullopt;
    if (size > end - i) return std::nullopt;
    if (id == 0x4282) {  // DocType
      sv doc = b.substr(i, size);
      while (!doc.empty() && doc.back() == '\0') doc.remove_suffix(1);
      if (doc == "webm") return "video/webm";
      return std::nullopt;  // "matroska": Gemini does not take mkv
    }
    i += size;
  }
  return std::nullopt;
}

// Ogg: audio unless the first packet is a Theora video header.
std::optional<std::string> sniff_ogg(sv b) {
  if (b.size() < 27 || at(b, 4) != 0) return std::nullopt;  // stream structure version 0
  std::size_t packet = 27 + std::size_t{at(b, 26)};
  if (has(b, packet, "\x80theora")) return std::nullopt;
  return "audio/ogg";
}

// A byte that plain text (ASCII or UTF-8) never holds.
bool binary_byte(std::uint8_t c) {
  return c <= 0x08 || (c >= 0x0E && c <= 0x1A) || (c >= 0x1C && c <= 0x1F) || c == 0x7F || c == 0xC0 || c == 0xC1 ||
         c >= 0xF5;
}

// MPEG transport stream: 188-byte packets (192 in M2TS), each starting with 0x47 and a non-reserved
// adaptation_field_control. 'G' is a letter, so three packets in a row are required and the first packet must
// hold a byte no text holds (table headers and stuffing are full of 0x00 and 0xFF).
bool transport_stream(sv b, std::size_t first, std::size_t stride) {
  int seen = 0;
  for (std::size_t i = first; i + 4 <= b.size() && seen < 5; i += stride, ++seen)
    if (at(b, i) != 0x47 || ((at(b, i + 3) >> 4) & 3) == 0) return false;
  if (seen < 3) return false;
  for (std::size_t i = first; i < first + stride; ++i)
    if (binary_byte(at(b, i))) return true;
  return false;
}

}  // namespace

std::optional<std::string> sniff_mime(std::string_view b) {
  if (has(b, 0, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (has(b, 0, "\xFF\xD8\xFF")) return "image/jpeg";
  if (has(b, 0, "GIF87a") || has(b, 0, "GIF89a")) return "image/gif";
  if (has(b, 0, "RIFF") && has(b, 8, "WEBP")) return "image/webp";
  if ((has(b, 0, "RIFF") || has(b, 0, "RF64")) && has(b, 8, "WAVE")) return "audio/wav";
  if (has(b, 0, "%PDF-")) return "application/pdf";
  if (has(b, 0, "fLaC")) return "audio/flac";
  if (has(b, 0, "OggS")) return sniff_ogg(b);
  if (has(b, 0, "ID3")) return sniff_id3(b);
  if (has(b, 0, "ADIF")) return "audio/aac";
  if (has(b, 0, "\x1A\x45\xDF\xA3")) return sniff_ebml(b);
  if (has(b, 4, "ftyp")) return sniff_ftyp(b);
  if (has(b, 0, std::string_view("\0\0\x01\xBA", 4)) || has(b, 0, std::string_view("\0\0\x01\xB3", 4)))
    return "video/mpeg";
  if (!b.empty() && at(b, 0) == 0xFF)
    if (auto s = sniff_audio_stream(b, 0)) return s;
  if (transport_stream(b, 0, 188) || transport_stream(b, 4, 192)) return "video/mpeg";
  return sniff_bare_quicktime(b);
}

}  // namespace gw::translate
