// Proves unwrap_event_text does not allocate per event in steady state (counts global operator new).
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include <gtest/gtest.h>

#include "upstream/proto/envelope.hpp"

namespace {
std::atomic<long> g_allocations{0};
}

// Replacing the global allocator affects the whole test binary; it only counts and forwards.
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace gw::upstream {
namespace {

TEST(UnwrapEventText, SteadyStateDoesNotAllocate) {
  const std::string events[] = {
      R"({"response": {"candidates": [{"content": {"role": "model","parts": [{"text": "Hello there, this is a chunk of text"}]}}],"usageMetadata": {"trafficType": "ON_DEMAND"}}, "traceId": "55650653afd3c738"})",
      R"({"response": {"candidates": [{"content": {"role": "model","parts": [{"functionCall": {"name": "f","args": {"a": [1, 2, {"b": "c"}]}},"thoughtSignature": "c2ln"}]},"finishReason": "STOP"}],"usageMetadata": {"promptTokenCount": 10,"candidatesTokenCount": 17,"totalTokenCount": 51}}, "traceId": "55650653afd3c738"})",
  };
  std::string out;
  out.reserve(4096);
  for (int i = 0; i < 3; ++i)  // warm up the per-thread arena, parser and serializer
    for (const auto& e : events) ASSERT_TRUE(unwrap_event_text(e, out));
  long before = g_allocations.load();
  for (int i = 0; i < 100; ++i)
    for (const auto& e : events) ASSERT_TRUE(unwrap_event_text(e, out));
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace gw::upstream
