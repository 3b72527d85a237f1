// Tool-call ids: minting, and the signature carried inside an id surviving a round trip.
#include "translate/openai/tool_ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace gw::translate::openai {
namespace {

TEST(OpenaiToolCallIds, MintedIdsAreDistinctStableAndShapedLikeOpenais) {
  std::set<std::string> ids;
  for (int choice = 0; choice < 3; ++choice)
    for (int n = 0; n < 50; ++n) ids.insert(mint_tool_call_id("seed", choice, n));
  EXPECT_EQ(ids.size(), 150u);
  EXPECT_EQ(mint_tool_call_id("seed", 0, 0), mint_tool_call_id("seed", 0, 0));
  EXPECT_NE(mint_tool_call_id("seed", 0, 0), mint_tool_call_id("other", 0, 0));
  for (const auto& id : ids) EXPECT_TRUE(is_minted_tool_call_id(id)) << id;
  EXPECT_FALSE(is_minted_tool_call_id("call_1"));
  EXPECT_FALSE(is_minted_tool_call_id("toolu_0123456789012345678901234"));
  EXPECT_FALSE(is_minted_tool_call_id("call_01234567890123456789012-"));
}

TEST(OpenaiToolCallIds, SignatureRoundTripsThroughTheIdForTheSameModel) {
  for (std::string sig : {"CiQBjz1rX0Vx3nYq2m8Hk1fJ5r0c7WZp9tQeL4uA6bN2sD8gHjKl+/==", "QUJD", "QUI=", "A", "a+b/c"}) {
    const std::string id = encode_tool_call_id("call_base", sig, "gemini-3-flash-preview");
    EXPECT_TRUE(id.starts_with("call_base__gsig_"));
    for (char c : id) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') << id;
    const auto d = decode_tool_call_id(id, "gemini-3-flash-preview");
    EXPECT_EQ(d.base, "call_base");
    EXPECT_EQ(d.signature, sig);
    EXPECT_TRUE(d.tagged);
    EXPECT_FALSE(d.foreign);
  }
}

TEST(OpenaiToolCallIds, AnotherModelsSignatureIsDropped) {
  const std::string id = encode_tool_call_id("call_base", "U0lH", "gemini-3-flash-preview");
  const auto d = decode_tool_call_id(id, "gemini-3-pro-preview");
  EXPECT_EQ(d.base, "call_base");
  EXPECT_TRUE(d.signature.empty());
  EXPECT_TRUE(d.foreign);
}

TEST(OpenaiToolCallIds, PlainAndMangledIds) {
  EXPECT_EQ(encode_tool_call_id("call_x", "", "m"), "call_x");
  const auto plain = decode_tool_call_id("call_x", "m");
  EXPECT_EQ(plain.base, "call_x");
  EXPECT_FALSE(plain.tagged);
  const auto cut = decode_tool_call_id("call_x__gsig_12", "m");  // truncated by a relay
  EXPECT_EQ(cut.base, "call_x");
  EXPECT_TRUE(cut.signature.empty());
  const auto litellm = decode_tool_call_id("call_x__thought__QUJD+/=", "m");
  EXPECT_EQ(litellm.base, "call_x");
  EXPECT_EQ(litellm.signature, "QUJD+/=");
}

}  // namespace
}  // namespace gw::translate::openai
