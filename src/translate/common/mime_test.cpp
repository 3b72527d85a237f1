// Tests of MIME sniffing: a tiny valid header of every supported format, and look-alikes that must not pass.
#include "translate/common/mime.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace gw::translate {
namespace {

using namespace std::string_literals;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string ftyp(std::string major, std::initializer_list<std::string> compat) {
  std::string body = major + "\0\0\0\0"s;
  for (auto& c : compat) body += c;
  return be32(static_cast<std::uint32_t>(8 + body.size())) + "ftyp" + body + be32(8) + "mdat";
}

// An MPEG-1 Layer III frame: 128 kbit/s, 44.1 kHz, no padding -> 417 bytes.
std::string mp3_frame() {
  std::string f = "\xFF\xFB\x90\x00"s;
  f.resize(417, '\x55');
  return f;
}

// An ADTS frame (AAC LC, 44.1 kHz, stereo) of `len` bytes.
std::string adts_frame(std::size_t len = 32) {
  std::string f = "\xFF\xF1"s;
  f += static_cast<char>(1 << 6 | 4 << 2);
  f += static_cast<char>(2 << 6 | ((len >> 11) & 3));
  f += static_cast<char>((len >> 3) & 0xFF);
  f += static_cast<char>((len & 7) << 5 | 0x1F);
  f += '\xFC';
  f.resize(len, '\x21');
  return f;
}

std::string id3(std::size_t size) {
  std::string t = "ID3\x04\x00\x00"s;
  t += static_cast<char>((size >> 21) & 0x7F);
  t += static_cast<char>((size >> 14) & 0x7F);
  t += static_cast<char>((size >> 7) & 0x7F);
  t += static_cast<char>(size & 0x7F);
  t.append(size, '\0');
  return t;
}

std::string ogg_page(std::string first_packet) {
  std::string p = "OggS\x00\x02"s;
  p.append(8 + 4 + 4 + 4, '\0');  // granule, serial, sequence, checksum
  p += '\x01';
  p += static_cast<char>(first_packet.size());
  return p + first_packet;
}

std::string ebml(std::string doctype) {
  std::string body = "\x42\x86\x81\x01"s;  // EBMLVersion 1
  body += "\x42\x82"s + static_cast<char>(0x80 | doctype.size()) + doctype;
  body += "\x42\x87\x81\x04"s;  // DocTypeVersion 4
  return "\x1A\x45\xDF\xA3"s + static_cast<char>(0x80 | body.size()) + body + "\x18\x53\x80\x67"s;
}

std::string ts_packets(int n, std::size_t stride = 188, std::size_t prefix = 0) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    std::string p(stride, '\xFF');
    p[prefix] = 0x47;
    p[prefix + 1] = 0x40;
    p[prefix + 2] = 0x00;
    p[prefix + 3] = 0x10;
    s += p;
  }
  return s;
}

std::optional<std::string> none = std::nullopt;

TEST(SniffMime, Images) {
  EXPECT_EQ(sniff_mime("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s), "image/png");
  EXPECT_EQ(sniff_mime("\xFF\xD8\xFF\xE0\x00\x10JFIF\0"s), "image/jpeg");
  EXPECT_EQ(sniff_mime("\xFF\xD8\xFF\xE1\x00\x10"
                       "Exif"s),
            "image/jpeg");
  EXPECT_EQ(sniff_mime("GIF87a\x01\x00\x01\x00"s), "image/gif");
  EXPECT_EQ(sniff_mime("GIF89a\x01\x00\x01\x00"s), "image/gif");
  EXPECT_EQ(sniff_mime("RIFF\x24\0\0\0WEBPVP8 "s), "image/webp");
}

TEST(SniffMime, HeicByBrandAndGenericHeif) {
  EXPECT_EQ(sniff_mime(ftyp("heic", {"mif1", "heic"})), "image/heic");
  EXPECT_EQ(sniff_mime(ftyp("heix", {"mif1", "heix"})), "image/heic");
  EXPECT_EQ(sniff_mime(ftyp("mif1", {"mif1", "heic"})), "image/heic");
  EXPECT_EQ(sniff_mime(ftyp("mif1", {"mif1"})), "image/heif");
}

TEST(SniffMime, AvifIsNotAnAcceptedImage) {
  EXPECT_EQ(sniff_mime(ftyp("avif", {"avif", "mif1", "miaf"})), none);
  EXPECT_EQ(sniff_mime(ftyp("mif1", {"mif1", "avif"})), none);
}

TEST(SniffMime, WavFlacOgg) {
  EXPECT_EQ(sniff_mime("RIFF\x24\0\0\0WAVEfmt "s), "audio/wav");
  EXPECT_EQ(sniff_mime("RF64\xFF\xFF\xFF\xFFWAVEds64"s), "audio/wav");
  EXPECT_EQ(sniff_mime("fLaC\x00\x00\x00\x22"s), "audio/flac");
  EXPECT_EQ(sniff_mime(ogg_page("\x01vorbis\0\0\0\0"s)), "audio/ogg");
  EXPECT_EQ(sniff_mime(ogg_page("OpusHead\x01\x02"s)), "audio/ogg");
}

TEST(SniffMime, OggTheoraVideoIsRefused) { EXPECT_EQ(sniff_mime(ogg_page("\x80theora\x03\x02"s)), none); }

TEST(SniffMime, Mp3WithId3Tag) {
  EXPECT_EQ(sniff_mime(id3(20) + mp3_frame() + mp3_frame()), "audio/mp3");
  EXPECT_EQ(sniff_mime(id3(0)), "audio/mp3");  // tag only, audio cut off
}

TEST(SniffMime, Mp3ByFrameSyncConfirmedByNextFrame) {
  EXPECT_EQ(sniff_mime(mp3_frame() + mp3_frame()), "audio/mp3");
  EXPECT_EQ(sniff_mime(mp3_frame()), "audio/mp3");  // a single frame: nothing more to check
  std::string mpeg2 = "\xFF\xF3\x90\x00"s;          // MPEG-2 Layer III, 80 kbit/s, 22.05 kHz -> 261 bytes
  mpeg2.resize(261, '\x55');
  EXPECT_EQ(sniff_mime(mpeg2 + mpeg2), "audio/mp3");
  mpeg2.resize(417, '\x55');  // wrong length: the next "frame" is not where the header says
  EXPECT_NE(sniff_mime(mpeg2 + mpeg2), "audio/mp3");
  mpeg2.resize(261);
  EXPECT_EQ(sniff_mime(mpeg2 + mpeg2), "audio/mp3");
}

TEST(SniffMime, FrameSyncWithoutASecondFrameIsNotMp3) {
  EXPECT_EQ(sniff_mime(mp3_frame() + "abcdefgh"), none);
  EXPECT_EQ(sniff_mime("\xFF\xFB\xF0\x00"s + std::string(500, 'x')), none);  // bad bitrate index
  EXPECT_EQ(sniff_mime("\xFF\xFD\x90\x00"s + std::string(500, 'x')), none);  // Layer II (mp2)
}

TEST(SniffMime, AacAdtsAdifAndBehindId3) {
  EXPECT_EQ(sniff_mime(adts_frame() + adts_frame()), "audio/aac");
  EXPECT_EQ(sniff_mime("ADIF\x00\x00"s), "audio/aac");
  EXPECT_EQ(sniff_mime(id3(10) + adts_frame() + adts_frame()), "audio/aac");
  EXPECT_EQ(sniff_mime(id3(10) + "fLaC\0\0\0\x22"s), "audio/flac");
}

TEST(SniffMime, M4aMp4AndMovByBrand) {
  EXPECT_EQ(sniff_mime(ftyp("M4A ", {"M4A ", "mp42", "isom"})), "audio/mp4");
  EXPECT_EQ(sniff_mime(ftyp("mp42", {"mp42", "isom", "M4A "})), "audio/mp4");
  EXPECT_EQ(sniff_mime(ftyp("isom", {"isom", "iso2", "avc1", "mp41"})), "video/mp4");
  EXPECT_EQ(sniff_mime(ftyp("mp42", {"mp42", "mp41"})), "video/mp4");
  EXPECT_EQ(sniff_mime(ftyp("XAVC", {"XAVC", "mp42", "iso2"})), "video/mp4");
  EXPECT_EQ(sniff_mime(ftyp("qt  ", {"qt  "})), "video/quicktime");
}

TEST(SniffMime, BareQuickTimeAtoms) {
  EXPECT_EQ(sniff_mime(be32(8) + "wide" + be32(100) + "mdat"), "video/quicktime");
  EXPECT_EQ(sniff_mime(be32(200) + "moov" + be32(108) + "mvhd"), "video/quicktime");
}

TEST(SniffMime, ThreeGppIsNotMp4) { EXPECT_EQ(sniff_mime(ftyp("3gp4", {"3gp4", "isom"})), none); }

TEST(SniffMime, WebmButNotMatroska) {
  EXPECT_EQ(sniff_mime(ebml("webm")), "video/webm");
  EXPECT_EQ(sniff_mime(ebml("matroska")), none);
  EXPECT_EQ(sniff_mime("\x1A\x45\xDF\xA3\x80"s), none);  // no DocType: Matroska by default
}

TEST(SniffMime, MpegProgramElementaryAndTransportStreams) {
  EXPECT_EQ(sniff_mime("\x00\x00\x01\xBA\x44\x00\x04\x00"s), "video/mpeg");
  EXPECT_EQ(sniff_mime("\x00\x00\x01\xB3\x16\x00\xF0\x15"s), "video/mpeg");
  EXPECT_EQ(sniff_mime(ts_packets(3)), "video/mpeg");
  EXPECT_EQ(sniff_mime(ts_packets(4, 192, 4)), "video/mpeg");
  EXPECT_EQ(sniff_mime(ts_packets(2)), none);  // two packets are not enough evidence
}

TEST(SniffMime, Pdf) { EXPECT_EQ(sniff_mime("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"s), "application/pdf"); }

TEST(SniffMime, TextHtmlZipAndEmptyAreNotMedia) {
  EXPECT_EQ(sniff_mime(""), none);
  EXPECT_EQ(sniff_mime("hello world"), none);
  EXPECT_EQ(sniff_mime("<!DOCTYPE html><html><body>404 Not Found</body></html>"), none);
  EXPECT_EQ(sniff_mime("{\"error\": \"not found\"}"), none);
  EXPECT_EQ(sniff_mime("PK\x03\x04\x14\x00\x00\x00"s), none);
  EXPECT_EQ(sniff_mime("\x1F\x8B\x08\x00"s), none);  // gzip
  EXPECT_EQ(sniff_mime("RIFF\x24\0\0\0AVI LIST"s), none);
  EXPECT_EQ(sniff_mime("GIF"), none);
  EXPECT_EQ(sniff_mime("\x89PNG"), none);
}

TEST(SniffMime, TextThatLooksLikeAtomsOrSyncBytesIsNotMedia) {
  EXPECT_EQ(sniff_mime("The wide world of sports"), none);
  EXPECT_EQ(sniff_mime("Somemoov and more text"), none);
  std::string g(400, 'a');
  g[0] = g[188] = g[376] = 'G';
  EXPECT_EQ(sniff_mime(g), none);  // 'G' at packet offsets, but text in the header bytes
}

// Downloads get cut off and servers lie: no prefix of a valid header and no random bytes behind a magic number
// may read past the end (run under the sanitizer build to see it).
TEST(SniffMime, TruncatedAndRandomInputIsSafe) {
  std::vector<std::string> samples{ftyp("heic", {"mif1", "heic"}),
                                   ftyp("M4A ", {"M4A "}),
                                   id3(20) + mp3_frame() + mp3_frame(),
                                   adts_frame() + adts_frame(),
                                   ogg_page("\x01vorbis"s),
                                   ebml("webm"),
                                   ts_packets(3),
                                   ts_packets(4, 192, 4),
                                   "RIFF\x24\0\0\0WEBPVP8 "s,
                                   be32(200) + "moov"};
  for (auto& s : samples)
    for (std::size_t n = 0; n <= s.size(); ++n) (void)sniff_mime(std::string_view(s).substr(0, n));
  std::mt19937 rng(42);
  std::vector<std::string> magics{"ID3",
                                  "\x1A\x45\xDF\xA3"s,
                                  "OggS",
                                  "\xFF\xFB"s,
                                  "\xFF\xF1"s,
                                  "\0\0\0\x10"
                                  "ftyp"s,
                                  "G",
                                  "\0\0\0\0moov"s};
  for (int i = 0; i < 20000; ++i) {
    std::string s = magics[rng() % magics.size()];
    std::size_t extra = rng() % 64;
    for (std::size_t k = 0; k < extra; ++k) s += static_cast<char>(rng());
    (void)sniff_mime(s);
  }
}

}  // namespace
}  // namespace gw::translate
