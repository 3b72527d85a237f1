// Streamed responses: recorded Code Assist transcripts replayed (also split at every byte) through the SSE parser,
// the envelope unwrap and the OpenAI stream translator; grammar checks, goldens and §9 B items.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sse/parser.hpp"
#include "translate/openai/chat.hpp"
#include "translate/openai/tool_ids.hpp"
#include "upstream/proto/envelope.hpp"

namespace gw::translate::openai {
namespace {
namespace json = boost::json;

// gw_library points GW_TESTDATA_DIR at the library's first folder (common/), so testdata is found from here.
std::string testdata_dir() { return (std::filesystem::path(__FILE__).parent_path() / "testdata").string(); }

std::string read_file(const std::string& name) {
  std::ifstream f(testdata_dir() + "/" + name, std::ios::binary);
  EXPECT_TRUE(f.good()) << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

response_context context(std::string upstream_model = "gemini-3-flash-preview") {
  response_context c;
  c.model = "gemini-test";
  c.upstream_model = std::move(upstream_model);
  c.id = "chatcmpl-abc";
  c.id_seed = "abc";
  c.created = 1700000000;
  c.stream = true;
  c.include_usage = true;
  c.show_reasoning = true;
  return c;
}

// What the pipeline does with upstream bytes: SSE events -> envelope unwrap -> translator; `cuts` split the bytes.
std::string replay(std::string_view raw, const response_context& ctx, const std::vector<std::size_t>& cuts = {},
                   stream_from_gemini::usage* totals = nullptr) {
  sse::parser p;
  stream_from_gemini s(ctx);
  std::string out, inner;
  bool failed = false;
  auto on_event = [&](const sse::event& ev) {
    if (failed) return;
    auto r = upstream::unwrap_event_text(ev.data, inner);
    if (!r) {
      s.on_error(r.err(), out);
      failed = true;
      return;
    }
    boost::system::error_code ec;
    json::value v = json::parse(inner, ec);
    ASSERT_FALSE(ec);
    s.on_chunk(v.as_object(), out);
  };
  std::size_t prev = 0;
  for (std::size_t c : cuts) {
    p.feed(raw.substr(prev, c - prev), on_event);
    prev = c;
  }
  p.feed(raw.substr(prev), on_event);
  if (!failed) s.on_finish(out);
  if (totals) *totals = s.totals();
  return out;
}

struct parsed_stream {
  std::vector<json::object> chunks;  // every data event but [DONE] and errors
  std::vector<json::object> errors;
  bool done = false;
  int comments = 0;
};

parsed_stream parse_stream(std::string_view out) {
  parsed_stream ps;
  std::size_t pos = 0;
  while (pos < out.size()) {
    const std::size_t end = out.find("\n\n", pos);
    EXPECT_NE(end, std::string_view::npos) << "unterminated event";
    if (end == std::string_view::npos) break;
    const std::string_view ev = out.substr(pos, end - pos);
    pos = end + 2;
    EXPECT_EQ(ev.find('\n'), std::string_view::npos) << "one line per event: " << ev;
    if (ev.starts_with(":")) {
      ++ps.comments;
      continue;
    }
    EXPECT_TRUE(ev.starts_with("data: ")) << ev;  // never an `event:` line
    EXPECT_FALSE(ps.done) << "data after [DONE]";
    const std::string_view data = ev.substr(6);
    if (data == "[DONE]") {
      ps.done = true;
      continue;
    }
    json::object o = json::parse(data).as_object();
    if (o.contains("error"))
      ps.errors.push_back(std::move(o));
    else
      ps.chunks.push_back(std::move(o));
  }
  return ps;
}

// What openai-node's ChatCompletionStream and NextChat need (translation.md §2.1, §2.2).
void check_grammar(const parsed_stream& ps, const response_context& ctx, bool expect_error) {
  struct choice_seen {
    bool role = false, finished = false;
    int next_tool = 0;
  };
  std::map<std::int64_t, choice_seen> seen;
  int usage_chunks = 0;
  for (std::size_t i = 0; i < ps.chunks.size(); ++i) {
    const json::object& c = ps.chunks[i];
    EXPECT_EQ(c.at("id"), json::value(ctx.id));
    EXPECT_EQ(c.at("object"), "chat.completion.chunk");
    EXPECT_EQ(c.at("created"), ctx.created);
    EXPECT_EQ(c.at("model"), json::value(ctx.model));
    const json::array& choices = c.at("choices").as_array();
    if (choices.empty()) {
      ++usage_chunks;
      EXPECT_EQ(i, ps.chunks.size() - 1) << "the usage chunk comes last";
      const json::object& u = c.at("usage").as_object();
      EXPECT_EQ(u.at("total_tokens").as_int64(),
                u.at("prompt_tokens").as_int64() + u.at("completion_tokens").as_int64());
      continue;
    }
    EXPECT_EQ(choices.size(), 1u);
    for (const auto& chv : choices) {
      const json::object& ch = chv.as_object();
      choice_seen& s = seen[ch.at("index").as_int64()];
      EXPECT_FALSE(s.finished) << "delta after finish_reason";
      const json::object& d = ch.at("delta").as_object();
      if (!s.role) {
        EXPECT_EQ(d.at("role"), "assistant") << "first delta of a choice carries the role";
        s.role = true;
      }
      const bool has_content =
          d.contains("content") && d.at("content").is_string() && !d.at("content").as_string().empty();
      const bool has_reasoning = d.contains("reasoning_content");
      EXPECT_FALSE(has_content && has_reasoning) << "content and reasoning_content never share a chunk";
      if (const json::value* tc = d.if_contains("tool_calls")) {
        const json::array& calls = tc->as_array();
        ASSERT_EQ(calls.size(), 1u) << "one tool call per chunk";
        const json::object& call = calls[0].as_object();
        EXPECT_EQ(call.at("index"), s.next_tool++);
        EXPECT_FALSE(call.at("id").as_string().empty());
        EXPECT_EQ(call.at("type"), "function");
        EXPECT_FALSE(call.at("function").at("name").as_string().empty());
        EXPECT_TRUE(json::parse(call.at("function").at("arguments").as_string()).is_object());
      }
      const json::value& fr = ch.at("finish_reason");
      if (!fr.is_null()) {
        const std::set<std::string> valid = {"stop", "length", "tool_calls", "content_filter"};
        EXPECT_TRUE(valid.count(std::string(fr.as_string()))) << fr;
        EXPECT_TRUE(d.empty()) << "the finish chunk has an empty delta";
        s.finished = true;
      }
    }
  }
  if (expect_error) {
    EXPECT_EQ(ps.errors.size(), 1u);
    EXPECT_FALSE(ps.done);
    for (const auto& [i, s] : seen) EXPECT_FALSE(s.finished) << "no fabricated finish_reason after a failure";
    EXPECT_EQ(usage_chunks, 0);
    return;
  }
  EXPECT_TRUE(ps.errors.empty());
  EXPECT_TRUE(ps.done);
  EXPECT_FALSE(seen.empty());
  for (const auto& [i, s] : seen) EXPECT_TRUE(s.finished) << "choice " << i << " has no finish_reason";
  EXPECT_EQ(usage_chunks, ctx.include_usage ? 1 : 0);
}

// Every delta of one kind, per choice, concatenated.
std::string joined(const parsed_stream& ps, std::string_view key, std::int64_t choice = 0) {
  std::string s;
  for (const auto& c : ps.chunks) {
    for (const auto& ch : c.at("choices").as_array()) {
      if (ch.at("index") != choice) continue;
      const json::value* v = ch.at("delta").as_object().if_contains(key);
      if (v && v->is_string()) s += v->as_string();
    }
  }
  return s;
}

std::vector<json::object> tool_calls(const parsed_stream& ps, std::int64_t choice = 0) {
  std::vector<json::object> out;
  for (const auto& c : ps.chunks)
    for (const auto& ch : c.at("choices").as_array())
      if (ch.at("index") == choice)
        if (const json::value* tc = ch.at("delta").as_object().if_contains("tool_calls"))
          for (const auto& t : tc->as_array()) out.push_back(t.as_object());
  return out;
}

std::string finish_of(const parsed_stream& ps, std::int64_t choice = 0) {
  for (const auto& c : ps.chunks)
    for (const auto& ch : c.at("choices").as_array())
      if (ch.at("index") == choice && !ch.at("finish_reason").is_null())
        return std::string(ch.at("finish_reason").as_string());
  return {};
}

const json::object* usage_of(const parsed_stream& ps) {
  for (const auto& c : ps.chunks)
    if (c.at("choices").as_array().empty()) return &c.at("usage").as_object();
  return nullptr;
}

struct transcript {
  const char* file;
  bool error;
};

constexpr transcript transcripts[] = {
    {"text_thoughts.sse", false},   {"function_call_signature.sse", false},
    {"parallel_calls.sse", false},  {"code_execution.sse", false},
    {"grounding.sse", false},       {"max_tokens_thoughts_only.sse", false},
    {"safety.sse", false},          {"prompt_blocked.sse", false},
    {"two_candidates.sse", false},  {"empty_candidates.sse", false},
    {"error_mid_stream.sse", true},
};

TEST(OpenaiStreamFromGemini, EveryTranscriptGivesTheSameOutputSplitAtEveryByte) {
  for (const auto& t : transcripts) {
    const std::string raw = read_file(t.file);
    const response_context ctx = context();
    const std::string whole = replay(raw, ctx);
    for (std::size_t k = 1; k < raw.size(); ++k) {
      ASSERT_EQ(replay(raw, ctx, {k}), whole) << t.file << " split at " << k;
    }
    std::vector<std::size_t> every;
    for (std::size_t k = 1; k < raw.size(); ++k) every.push_back(k);
    EXPECT_EQ(replay(raw, ctx, every), whole) << t.file << " fed byte by byte";
  }
}

TEST(OpenaiStreamFromGemini, EveryTranscriptFollowsTheChunkGrammar) {
  for (bool include_usage : {true, false}) {
    for (bool show : {true, false}) {
      for (const auto& t : transcripts) {
        SCOPED_TRACE(t.file);
        response_context ctx = context();
        ctx.include_usage = include_usage;
        ctx.show_reasoning = show;
        const parsed_stream ps = parse_stream(replay(read_file(t.file), ctx));
        check_grammar(ps, ctx, t.error);
        if (!show) {
          EXPECT_EQ(joined(ps, "reasoning_content"), "");
        }
      }
    }
  }
}

// Goldens: the exact client bytes for each transcript (regenerate with GW_UPDATE_GOLDEN=1, then review the diff).
TEST(OpenaiStreamFromGemini, TranscriptsMatchTheirGoldens) {
  const bool update = std::getenv("GW_UPDATE_GOLDEN") != nullptr;
  for (const auto& t : transcripts) {
    const std::string out = replay(read_file(t.file), context());
    const std::string golden = std::string(t.file).replace(std::string(t.file).size() - 4, 4, ".openai");
    if (update) {
      std::ofstream(testdata_dir() + "/" + golden, std::ios::binary) << out;
      continue;
    }
    EXPECT_EQ(out, read_file(golden)) << t.file;
  }
}

TEST(OpenaiStreamFromGemini, ThoughtsThenTextInSeparateChunks) {
  const parsed_stream ps = parse_stream(replay(read_file("text_thoughts.sse"), context()));
  EXPECT_EQ(joined(ps, "reasoning_content"), "**Planning the answer**\n\nThe user wants a haiku about autumn.");
  EXPECT_EQ(joined(ps, "content"),
            "Crimson leaves descend,\nwhispering to the cold earth — Zürich's first frost.\u00e9");
  EXPECT_EQ(finish_of(ps), "stop");
  const json::object* u = usage_of(ps);
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(*u, json::parse(R"({"prompt_tokens":12,"completion_tokens":63,"total_tokens":75,
    "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":43}})"));
  // the reasoning comes first, each in its own chunk
  EXPECT_TRUE(ps.chunks[1].at("choices").at(0).at("delta").as_object().contains("reasoning_content"));
}

TEST(OpenaiStreamFromGemini, ReasoningIsHiddenUnlessAsked) {
  response_context ctx = context();
  ctx.show_reasoning = false;
  const parsed_stream ps = parse_stream(replay(read_file("text_thoughts.sse"), ctx));
  EXPECT_EQ(joined(ps, "reasoning_content"), "");
  EXPECT_EQ(joined(ps, "content"),
            "Crimson leaves descend,\nwhispering to the cold earth — Zürich's first frost.\u00e9");
}

// §9 B26, F66 (response half)
TEST(OpenaiStreamFromGemini, FunctionCallCarriesItsSignatureInExtraContentAndTheId) {
  const response_context ctx = context("gemini-3-flash-preview");
  const parsed_stream ps = parse_stream(replay(read_file("function_call_signature.sse"), ctx));
  const auto calls = tool_calls(ps);
  ASSERT_EQ(calls.size(), 1u);
  const std::string sig = "CiQBjz1rX0Vx3nYq2m8Hk1fJ5r0c7WZp9tQeL4uA6bN2sD8gHjKlMnOpQrStUvWxYz+/AbCdEfGh==";
  EXPECT_EQ(calls[0].at("function").at("name"), "get_weather");
  EXPECT_EQ(json::parse(calls[0].at("function").at("arguments").as_string()),
            json::parse(R"({"city":"Zürich","unit":"celsius","day":"tomorrow"})"));
  EXPECT_EQ(calls[0].at("extra_content").at("google").at("thought_signature"), json::value(sig));
  const std::string id(calls[0].at("id").as_string());
  EXPECT_TRUE(id.starts_with("call_"));
  for (char c : id) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') << id;
  const auto d = decode_tool_call_id(id, ctx.upstream_model);
  EXPECT_EQ(d.signature, sig);
  EXPECT_TRUE(is_minted_tool_call_id(d.base));
  EXPECT_EQ(finish_of(ps), "tool_calls");
  EXPECT_EQ(joined(ps, "content"), "Let me look up tomorrow's forecast for Zürich.");
}

// §9 B27, B28, F68
TEST(OpenaiStreamFromGemini, ParallelAndSequentialCallsGetOrdinalIndicesAndDistinctIds) {
  const response_context ctx = context("gemini-3-pro-preview");
  const parsed_stream ps = parse_stream(replay(read_file("parallel_calls.sse"), ctx));
  const auto calls = tool_calls(ps);
  ASSERT_EQ(calls.size(), 4u);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].at("index"), static_cast<std::int64_t>(i));
    ids.insert(std::string(calls[i].at("id").as_string()));
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(calls[0].at("extra_content").at("google").at("thought_signature"), "U0lHLWZpcnN0LWNhbGw=");
  for (std::size_t i = 1; i < calls.size(); ++i) EXPECT_FALSE(calls[i].contains("extra_content"));
  EXPECT_EQ(decode_tool_call_id(std::string(calls[0].at("id").as_string()), ctx.upstream_model).signature,
            "U0lHLWZpcnN0LWNhbGw=");
  EXPECT_EQ(calls[2].at("function").at("arguments"), "{}");
  EXPECT_EQ(calls[3].at("function").at("arguments"), "{}");  // no args at all
  EXPECT_EQ(finish_of(ps), "tool_calls");
}

TEST(OpenaiStreamFromGemini, RenamedToolsAreReportedUnderTheClientsName) {
  response_context ctx = context();
  ctx.tool_names = {{"read_file", "read file!"}};
  const auto calls = tool_calls(parse_stream(replay(read_file("parallel_calls.sse"), ctx)));
  EXPECT_EQ(calls[0].at("function").at("name"), "read file!");
  EXPECT_EQ(calls[2].at("function").at("name"), "list_dir");
}

TEST(OpenaiStreamFromGemini, CodeExecutionIsRenderedAsFencedBlocks) {
  const parsed_stream ps = parse_stream(replay(read_file("code_execution.sse"), context()));
  EXPECT_EQ(joined(ps, "content"),
            "I'll compute it.\n```python\nprint(sum(range(101)))\n```\n```output\n5050\n```\nThe sum is 5050.");
}

TEST(OpenaiStreamFromGemini, GroundingSourcesAreAppendedAndExposed) {
  const parsed_stream ps = parse_stream(replay(read_file("grounding.sse"), context()));
  EXPECT_EQ(joined(ps, "content"),
            "The 2026 Winter Olympics are held in Milan and Cortina d'Ampezzo, Italy.\n\nSources:\n"
            "1. [olympics.com](https://vertexaisearch.cloud.google.com/grounding-api-redirect/AbC1)\n"
            "2. [wikipedia.org](https://vertexaisearch.cloud.google.com/grounding-api-redirect/XyZ2)\n");
  bool exposed = false;
  for (const auto& c : ps.chunks)
    for (const auto& ch : c.at("choices").as_array())
      if (const json::value* g = ch.at("delta").as_object().if_contains("grounding_metadata"))
        exposed = g->as_object().contains("groundingChunks");
  EXPECT_TRUE(exposed);
  EXPECT_EQ(usage_of(ps)->at("prompt_tokens"), 49);  // toolUsePromptTokenCount counted as prompt
}

// §9 B29
TEST(OpenaiStreamFromGemini, MaxTokensWithOnlyThoughtsIsLengthWithEmptyContent) {
  const parsed_stream ps = parse_stream(replay(read_file("max_tokens_thoughts_only.sse"), context()));
  EXPECT_EQ(finish_of(ps), "length");
  EXPECT_EQ(joined(ps, "content"), "");
  EXPECT_EQ(usage_of(ps)->at("completion_tokens"), 100);
}

// §9 B30
TEST(OpenaiStreamFromGemini, SafetyAfterPartialTextIsContentFilter) {
  const parsed_stream ps = parse_stream(replay(read_file("safety.sse"), context()));
  EXPECT_EQ(joined(ps, "content"), "Here is the first part of the story. ");
  EXPECT_EQ(finish_of(ps), "content_filter");
}

// §9 B31
TEST(OpenaiStreamFromGemini, BlockedPromptIsOpenerThenContentFilter) {
  response_context ctx = context();
  ctx.include_usage = false;
  EXPECT_EQ(
      replay(read_file("prompt_blocked.sse"), ctx),
      "data: "
      "{\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gemini-test\","
      "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":"
      "null,"
      "\"finish_reason\":null}]}\n\n"
      "data: "
      "{\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gemini-test\","
      "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"content_filter\"}]}\n\n"
      "data: [DONE]\n\n");
}

// §9 B34
TEST(OpenaiStreamFromGemini, InterleavedCandidatesAreIndexedChoicesWithUsageOnce) {
  response_context ctx = context();
  ctx.n = 2;
  const parsed_stream ps = parse_stream(replay(read_file("two_candidates.sse"), ctx));
  EXPECT_EQ(joined(ps, "content", 0), "Red is calm.");
  EXPECT_EQ(joined(ps, "content", 1), "Blue is warm.");
  EXPECT_EQ(finish_of(ps, 0), "stop");
  EXPECT_EQ(finish_of(ps, 1), "length");
  ASSERT_NE(usage_of(ps), nullptr);
}

TEST(OpenaiStreamFromGemini, EmptyCandidatesAndPartlessFinishAreHandled) {
  stream_from_gemini::usage totals;
  const parsed_stream ps = parse_stream(replay(read_file("empty_candidates.sse"), context(), {}, &totals));
  EXPECT_EQ(joined(ps, "content"), "Hello");
  EXPECT_EQ(finish_of(ps), "stop");
  EXPECT_EQ(usage_of(ps)->at("prompt_tokens_details").at("cached_tokens"), 2);  // the last usage wins
  EXPECT_EQ(totals.input, 3);
  EXPECT_EQ(totals.output, 1);
  EXPECT_EQ(totals.cached, 2);
}

// §9 B33
TEST(OpenaiStreamFromGemini, UpstreamFailureMidStreamEndsWithAnErrorEventOnly) {
  const std::string out = replay(read_file("error_mid_stream.sse"), context());
  const parsed_stream ps = parse_stream(out);
  EXPECT_EQ(joined(ps, "content"), "The first two chunks");
  ASSERT_EQ(ps.errors.size(), 1u);
  const json::object& e = ps.errors[0].at("error").as_object();
  EXPECT_EQ(e.at("type"), "server_error");
  EXPECT_EQ(e.at("message"), "The model is overloaded. Please try again later.");
  EXPECT_TRUE(out.ends_with("\n\n"));
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
  EXPECT_EQ(out.find("finish_reason\":\"stop"), std::string::npos);
}

TEST(OpenaiStreamFromGemini, ConnectionResetAfterTextIsAnErrorNotAStop) {
  stream_from_gemini s(context());
  std::string out;
  s.on_chunk(json::parse(R"({"candidates":[{"content":{"parts":[{"text":"a"}]}}]})").as_object(), out);
  s.on_error(make_error(error_kind::upstream_unavailable, error_source::upstream, "connection reset"), out);
  s.on_finish(out);  // nothing more once failed
  s.heartbeat(out);
  const parsed_stream ps = parse_stream(out);
  check_grammar(ps, context(), true);
  EXPECT_TRUE(s.ended());
}

// §9 H79
TEST(OpenaiStreamFromGemini, HeartbeatIsAnSseComment) {
  stream_from_gemini s(context());
  std::string out;
  s.heartbeat(out);
  EXPECT_EQ(out, ": keep-alive\n\n");
  s.on_chunk(json::parse(R"({"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP"}]})").as_object(),
             out);
  s.heartbeat(out);
  s.on_finish(out);
  const std::size_t before = out.size();
  s.heartbeat(out);
  EXPECT_EQ(out.size(), before);  // nothing after [DONE]
  const parsed_stream ps = parse_stream(out);
  EXPECT_EQ(ps.comments, 2);
  check_grammar(ps, context(), false);
}

// §9 B22, B23
TEST(OpenaiStreamFromGemini, SimpleTextStreamIsExactlyOpenerContentFinishUsageDone) {
  for (bool include_usage : {true, false}) {
    response_context ctx = context();
    ctx.include_usage = include_usage;
    stream_from_gemini s(ctx);
    std::string out;
    s.on_chunk(
        json::parse(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hello"}]},"finishReason":"STOP"}],
      "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2,"thoughtsTokenCount":3,"totalTokenCount":10}})")
            .as_object(),
        out);
    s.on_finish(out);
    const std::string head =
        R"(data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,"model":"gemini-test",)";
    std::string expected =
        head +
        R"("choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]})"
        "\n\n" +
        head +
        R"("choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]})"
        "\n\n" +
        head +
        R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})"
        "\n\n";
    if (include_usage)
      expected += head +
                  R"("choices":[],"usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10,)"
                  R"("prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":3}}})"
                  "\n\n";
    expected += "data: [DONE]\n\n";
    EXPECT_EQ(out, expected);
  }
}

// §9 B24, B25
TEST(OpenaiStreamFromGemini, ThoughtAndTextInOneChunkGoToSeparateChunksReasoningFirst) {
  stream_from_gemini s(context());
  std::string out;
  s.on_chunk(
      json::parse(
          R"({"candidates":[{"content":{"parts":[{"text":"think","thought":true},{"text":"Hel"},{"text":"lo"}]}}]})")
          .as_object(),
      out);
  s.on_finish(out);
  const parsed_stream ps = parse_stream(out);
  check_grammar(ps, context(), false);
  EXPECT_EQ(ps.chunks[1].at("choices").at(0).at("delta"), json::parse(R"({"reasoning_content":"think"})"));
  EXPECT_EQ(joined(ps, "content"), "Hello");
}

TEST(OpenaiStreamFromGemini, UsageChunkHasZerosWhenUpstreamSentNone) {
  stream_from_gemini s(context());
  std::string out;
  s.on_finish(out);
  const parsed_stream ps = parse_stream(out);
  check_grammar(ps, context(), false);
  EXPECT_EQ(usage_of(ps)->at("total_tokens"), 0);
}

TEST(OpenaiStreamFromGemini, SignatureOnAThoughtPartBeforeTheCallRidesOnTheFirstCall) {
  const response_context ctx = context();
  stream_from_gemini s(ctx);
  std::string out;
  s.on_chunk(
      json::parse(
          R"({"candidates":[{"content":{"parts":[{"text":"hmm","thought":true,"thoughtSignature":"VEhPVUdIVA=="}]}}]})")
          .as_object(),
      out);
  s.on_chunk(
      json::parse(
          R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"a","args":{}}},{"functionCall":{"name":"b","args":{}}}]},"finishReason":"STOP"}]})")
          .as_object(),
      out);
  s.on_finish(out);
  const auto calls = tool_calls(parse_stream(out));
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].at("extra_content").at("google").at("thought_signature"), "VEhPVUdIVA==");
  EXPECT_FALSE(calls[1].contains("extra_content"));
}

TEST(OpenaiStreamFromGemini, GeminiCallIdsAreKept) {
  stream_from_gemini s(context());
  std::string out;
  s.on_chunk(
      json::parse(
          R"({"candidates":[{"content":{"parts":[{"functionCall":{"id":"fc-77","name":"a","args":{"x":1}}}]},"finishReason":"STOP"}]})")
          .as_object(),
      out);
  s.on_finish(out);
  EXPECT_EQ(tool_calls(parse_stream(out))[0].at("id"), "fc-77");
}

}  // namespace
}  // namespace gw::translate::openai
