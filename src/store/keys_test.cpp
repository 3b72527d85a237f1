// Tests of client-key generation, hashing and comparison.
#include <gtest/gtest.h>

#include <set>

#include "store/store.hpp"

namespace gw::store {
namespace {

TEST(GenerateKey, HasPrefixAnd48LowercaseHexChars) {
  auto k = generate_key();
  ASSERT_EQ(k.size(), 4u + 48u);
  EXPECT_EQ(k.substr(0, 4), "gcg-");
  for (char c : k.substr(4)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
}

TEST(GenerateKey, KeysDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(generate_key());
  EXPECT_EQ(seen.size(), 100u);
}

TEST(HashKey, IsLowercaseHexSha256) {
  EXPECT_EQ(hash_key(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hash_key("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

}  // namespace
}  // namespace gw::store
