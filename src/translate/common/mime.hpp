// MIME type of downloaded media from its leading bytes (magic numbers), limited to the types Gemini takes inline.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace gw::translate {

// The MIME type of `bytes` when they start like one of the supported media formats, nullopt otherwise.
// Images: image/png, image/jpeg, image/webp, image/gif, image/heic (HEVC brands; image/heif for the generic
// mif1/msf1 brands, AVIF excluded). Audio: audio/wav, audio/mp3 (ID3 tag or a Layer III frame sync confirmed by
// the next frame), audio/aac (ADTS or ADIF, also behind an ID3 tag), audio/ogg (not Theora video), audio/flac,
// audio/mp4 (m4a brands). Video: video/mp4, video/quicktime (qt brand or a bare moov/wide atom), video/webm
// (Matroska with DocType "webm"; plain mkv is refused), video/mpeg (program stream, elementary stream, or a
// transport stream with repeated 0x47 syncs). Documents: application/pdf.
// The names are the ones Gemini documents; the server's Content-Type is never trusted.
std::optional<std::string> sniff_mime(std::string_view bytes);

}  // namespace gw::translate
