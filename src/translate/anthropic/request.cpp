// Anthropic Messages request -> Gemini GenerateContentRequest (and the count_tokens contents).
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "translate/anthropic/messages.hpp"
#include "translate/anthropic/signature.hpp"
#include "translate/common/schema.hpp"

namespace gw::translate::anthropic {
namespace json = boost::json;

namespace {

// Carries a replayed signature from a thinking block to the functionCall after it, until turns are merged.
constexpr std::string_view signature_marker = "_gw_signature";
// Claude Code's attribution block in `system`: metadata for Anthropic's billing, not an instruction.
constexpr std::string_view billing_header_prefix = "x-anthropic-billing-header:";

error bad(std::string message) { return client_error(error_kind::bad_request, std::move(message)); }

std::string at(std::string_view base, std::size_t i) { return std::string(base) + "[" + std::to_string(i) + "]"; }

const json::value* field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::optional<double> as_number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

std::optional<std::int64_t> as_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX
                                                                                   : static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double()) {
    const double d = v.get_double();
    // In range first: converting a double outside int64 (a client's 1e76) is undefined behaviour.
    if (d >= -0x1p63 && d < 0x1p63 && d == static_cast<double>(static_cast<std::int64_t>(d)))
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

result<std::string_view> string_field(const json::object& o, std::string_view key, const std::string& where,
                                      bool required = true) {
  const json::value* v = field(o, key);
  if (!v) {
    if (required) return bad(where + "." + std::string(key) + ": field required");
    return std::string_view{};
  }
  if (!v->is_string()) return bad(where + "." + std::string(key) + ": must be a string");
  return std::string_view(v->get_string());
}

json::object text_part(std::string_view text) { return json::object{{"text", text}}; }

json::object inline_part(std::string_view mime, std::string_view data) {
  return json::object{{"inlineData", json::object{{"mimeType", mime}, {"data", data}}}};
}

// The contract's remote-media part: the pipeline downloads the URL and replaces the part.
json::object fetch_part(std::string_view url, std::string_view mime_hint) {
  return json::object{{"fileData", json::object{{"fileUri", url}, {"mimeType", mime_hint}}}, {"_gw_fetch", true}};
}

// A "url" source: http(s) is fetched by the pipeline; a data: URI (some clients put one there) is inlined.
result<json::object> url_part(std::string_view url, std::string_view mime_hint, const std::string& where) {
  if (url.starts_with("data:")) {
    const std::size_t comma = url.find(',');
    if (comma == std::string_view::npos) return bad(where + ".url: malformed data URI");
    std::string_view meta = url.substr(5, comma - 5);
    if (!meta.ends_with(";base64")) return bad(where + ".url: only base64 data URIs are supported");
    meta.remove_suffix(7);
    return inline_part(meta.empty() ? mime_hint : meta, url.substr(comma + 1));
  }
  auto scheme_is = [&](std::string_view s) {
    return url.size() > s.size() && std::equal(s.begin(), s.end(), url.begin(), [](char a, char b) {
             return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b);
           });
  };
  if (!scheme_is("http://") && !scheme_is("https://")) return bad(where + ".url: must be an http(s) URL");
  return fetch_part(url, mime_hint);
}

// image / document `source` objects -> one part (or several for a document's `content` source).
result<void> media_parts(const json::object& block, bool document, const std::string& where, json::array& out) {
  const json::value* sv = field(block, "source");
  if (!sv || !sv->is_object()) return bad(where + ".source: field required (an object)");
  const json::object& src = sv->get_object();
  const std::string swhere = where + ".source";
  auto type = string_field(src, "type", swhere);
  if (!type) return std::move(type).err();
  if (*type == "base64") {
    auto mime = string_field(src, "media_type", swhere);
    if (!mime) return std::move(mime).err();
    auto data = string_field(src, "data", swhere);
    if (!data) return std::move(data).err();
    out.push_back(inline_part(*mime, *data));
    return {};
  }
  if (*type == "url") {
    auto url = string_field(src, "url", swhere);
    if (!url) return std::move(url).err();
    auto part = url_part(*url, document ? "application/pdf" : "", swhere);
    if (!part) return std::move(part).err();
    out.push_back(std::move(*part));
    return {};
  }
  if (document && *type == "text") {
    auto data = string_field(src, "data", swhere);
    if (!data) return std::move(data).err();
    if (!data->empty()) out.push_back(text_part(*data));
    return {};
  }
  if (document && *type == "content") {
    const json::value* cv = field(src, "content");
    if (cv && cv->is_string()) {
      if (!cv->get_string().empty()) out.push_back(text_part(cv->get_string()));
      return {};
    }
    if (!cv || !cv->is_array()) return bad(swhere + ".content: must be a string or an array of blocks");
    const json::array& blocks = cv->get_array();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const std::string bwhere = at(swhere + ".content", i);
      const json::object* b = blocks[i].if_object();
      if (!b) return bad(bwhere + ": must be an object");
      auto bt = string_field(*b, "type", bwhere);
      if (!bt) return std::move(bt).err();
      if (*bt == "text") {
        auto t = string_field(*b, "text", bwhere);
        if (!t) return std::move(t).err();
        if (!t->empty()) out.push_back(text_part(*t));
      } else if (*bt == "image") {
        if (auto r = media_parts(*b, false, bwhere, out); !r) return r;
      }
    }
    return {};
  }
  if (*type == "file")
    return bad(swhere + ": file sources (Files API) are not supported by this gateway; send base64 or a URL");
  return bad(swhere + ".type: unsupported source type \"" + std::string(*type) + "\"");
}

struct turn {
  std::string role;  // "user" or "model"
  json::array parts;
};

// The per-request state of the messages walk.
struct converter {
  const std::string& upstream_model;
  function_name_map& names;
  std::map<std::string, std::string, std::less<>> tool_use_names;  // tool_use id -> upstream function name

  // One tool_result block -> a functionResponse part (in `frs`) plus media parts (in `extra`).
  result<void> tool_result(const json::object& b, const std::string& where, json::array& frs, json::array& extra) {
    auto id = string_field(b, "tool_use_id", where);
    if (!id) return std::move(id).err();
    auto it = tool_use_names.find(*id);
    if (it == tool_use_names.end())
      return bad(where + ".tool_use_id: \"" + std::string(*id) + "\" does not match any earlier tool_use block");
    std::string text;
    auto add_text = [&](std::string_view t) {
      if (!text.empty() && !t.empty()) text += '\n';
      text.append(t);
    };
    if (const json::value* cv = field(b, "content")) {
      if (cv->is_string()) {
        add_text(cv->get_string());
      } else if (cv->is_array()) {
        const json::array& blocks = cv->get_array();
        for (std::size_t i = 0; i < blocks.size(); ++i) {
          const std::string bwhere = at(where + ".content", i);
          const json::object* cb = blocks[i].if_object();
          if (!cb) return bad(bwhere + ": must be an object");
          auto bt = string_field(*cb, "type", bwhere);
          if (!bt) return std::move(bt).err();
          if (*bt == "text") {
            auto t = string_field(*cb, "text", bwhere);
            if (!t) return std::move(t).err();
            add_text(*t);
          } else if (*bt == "image" || *bt == "document") {
            // Sent next to the functionResponse, as gemini-cli does for models before Gemini 3.
            if (auto r = media_parts(*cb, *bt == "document", bwhere, extra); !r) return r;
          } else if (*bt == "search_result") {
            if (const json::value* sc = field(*cb, "content"); sc && sc->is_array())
              for (const auto& s : sc->get_array())
                if (const json::object* so = s.if_object())
                  if (const json::value* st = field(*so, "text"); st && st->is_string()) add_text(st->get_string());
          }
        }
      } else {
        return bad(where + ".content: must be a string or an array of blocks");
      }
    }
    bool is_error = false;
    if (const json::value* e = field(b, "is_error")) {
      if (!e->is_bool()) return bad(where + ".is_error: must be a boolean");
      is_error = e->get_bool();
    }
    json::object response;
    response[is_error ? "error" : "output"] = text;
    frs.push_back(json::object{
        {"functionResponse", json::object{{"name", it->second}, {"response", std::move(response)}}}});
    return {};
  }

  result<turn> message(const json::object& m, const std::string& where) {
    auto role = string_field(m, "role", where);
    if (!role) return std::move(role).err();
    const bool assistant = *role == "assistant";
    const bool system = *role == "system";
    if (!assistant && !system && *role != "user")
      return bad(where + ".role: must be \"user\" or \"assistant\", got \"" + std::string(role->substr(0, 40)) + "\"");
    turn t{assistant ? "model" : "user", {}};
    const json::value* cv = m.if_contains("content");
    if (!cv || cv->is_null()) return bad(where + ".content: field required");
    // Claude Code's mid-conversation system messages: kept in place, marked so the model does not take
    // them for something the user typed.
    auto add_text = [&](std::string_view text) {
      if (text.empty()) return;
      if (system) {
        std::string wrapped = "<system-reminder>\n";
        wrapped.append(text).append("\n</system-reminder>");
        t.parts.push_back(text_part(wrapped));
      } else {
        t.parts.push_back(text_part(text));
      }
    };
    if (cv->is_string()) {
      add_text(cv->get_string());
      return t;
    }
    if (!cv->is_array()) return bad(where + ".content: must be a string or an array of content blocks");
    json::array frs, extra;  // a user turn's function responses go first (Gemini pairs them with the calls)
    const json::array& blocks = cv->get_array();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const std::string bwhere = at(where + ".content", i);
      const json::object* b = blocks[i].if_object();
      if (!b) return bad(bwhere + ": must be an object");
      auto type = string_field(*b, "type", bwhere);
      if (!type) return std::move(type).err();
      if (*type == "text") {
        auto text = string_field(*b, "text", bwhere);
        if (!text) return std::move(text).err();
        add_text(*text);
      } else if (*type == "image" || *type == "document") {
        if (auto r = media_parts(*b, *type == "document", bwhere, t.parts); !r) return std::move(r).err();
      } else if (*type == "tool_use") {
        if (!assistant) return bad(bwhere + ": tool_use blocks may only appear in assistant messages");
        auto id = string_field(*b, "id", bwhere);
        if (!id) return std::move(id).err();
        auto name = string_field(*b, "name", bwhere);
        if (!name) return std::move(name).err();
        if (name->empty()) return bad(bwhere + ".name: must not be empty");
        const json::value* input = field(*b, "input");
        if (input && !input->is_object()) return bad(bwhere + ".input: must be an object");
        std::string upstream = names.add(*name);
        tool_use_names[std::string(*id)] = upstream;
        t.parts.push_back(json::object{
            {"functionCall", json::object{{"name", upstream}, {"args", input ? *input : json::object{}}}}});
      } else if (*type == "tool_result") {
        if (assistant) return bad(bwhere + ": tool_result blocks may only appear in user messages");
        if (auto r = tool_result(*b, bwhere, frs, extra); !r) return std::move(r).err();
      } else if (*type == "thinking") {
        // The text is not sent back (thought parts are output-only); the signature is, on the next call.
        if (!assistant) continue;
        if (const json::value* s = field(*b, "signature"); s && s->is_string())
          if (auto sig = decode_signature(s->get_string(), upstream_model))
            t.parts.push_back(json::object{{signature_marker, *sig}});
      } else if (*type == "search_result") {
        if (const json::value* sc = field(*b, "content"); sc && sc->is_array())
          for (const auto& s : sc->get_array())
            if (const json::object* so = s.if_object())
              if (const json::value* st = field(*so, "text"); st && st->is_string()) add_text(st->get_string());
      }
      // redacted_thinking, server tool blocks and types this gateway does not know carry nothing Gemini
      // can use: ignored, as unknown fields are.
    }
    if (!frs.empty()) {
      for (auto& p : t.parts) frs.push_back(std::move(p));
      t.parts = std::move(frs);
    }
    for (auto& p : extra) t.parts.push_back(std::move(p));
    return t;
  }
};

bool is_marker(const json::value& p) {
  const json::object* o = p.if_object();
  return o && o->contains(signature_marker);
}
bool is_function_call(const json::value& p) {
  const json::object* o = p.if_object();
  return o && o->contains("functionCall");
}
bool is_function_response(const json::value& p) {
  const json::object* o = p.if_object();
  return o && o->contains("functionResponse");
}

// Consecutive same-role turns become one (Anthropic merges consecutive messages of a role the same way).
std::vector<turn> merge(std::vector<turn> turns) {
  std::vector<turn> out;
  for (auto& t : turns) {
    if (!out.empty() && out.back().role == t.role) {
      for (auto& p : t.parts) out.back().parts.push_back(std::move(p));
    } else {
      out.push_back(std::move(t));
    }
  }
  return out;
}

// Markers -> thoughtSignature on the functionCall after them; a user turn's functionResponses first.
void finish_turn(turn& t) {
  json::array parts;
  if (t.role == "model") {
    std::string pending;
    for (auto& p : t.parts) {
      if (is_marker(p)) {
        pending = p.get_object().at(signature_marker).get_string();
        continue;
      }
      if (is_function_call(p) && !pending.empty()) {
        json::object& part = p.get_object();
        if (!part.contains("thoughtSignature")) part["thoughtSignature"] = pending;
        pending.clear();
      }
      parts.push_back(std::move(p));
    }
  } else {
    json::array rest;
    for (auto& p : t.parts) (is_function_response(p) ? parts : rest).push_back(std::move(p));
    for (auto& p : rest) parts.push_back(std::move(p));
  }
  t.parts = std::move(parts);
}

result<json::object> system_instruction(const json::value& sv) {
  json::array parts;
  auto add = [&](std::string_view text) {
    if (!text.empty() && !text.starts_with(billing_header_prefix)) parts.push_back(text_part(text));
  };
  if (sv.is_string()) {
    add(sv.get_string());
  } else if (sv.is_array()) {
    const json::array& blocks = sv.get_array();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const std::string where = at("system", i);
      const json::object* b = blocks[i].if_object();
      if (!b) return bad(where + ": must be an object");
      auto type = string_field(*b, "type", where);
      if (!type) return std::move(type).err();
      if (*type != "text") return bad(where + ".type: system blocks must be text blocks");
      auto text = string_field(*b, "text", where);
      if (!text) return std::move(text).err();
      add(*text);
    }
  } else {
    return bad("system: must be a string or an array of text blocks");
  }
  if (parts.empty()) return json::object{};
  return json::object{{"role", "user"}, {"parts", std::move(parts)}};
}

struct tools_out {
  json::array tools;
  bool functions = false;
};

result<tools_out> tools(const json::value& tv, function_name_map& names) {
  if (!tv.is_array()) return bad("tools: must be an array");
  json::array decls;
  bool web_search = false;
  std::vector<std::string_view> seen;
  const json::array& list = tv.get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = at("tools", i);
    const json::object* t = list[i].if_object();
    if (!t) return bad(where + ": must be an object");
    auto type = string_field(*t, "type", where, false);
    if (!type) return std::move(type).err();
    if (!type->empty() && *type != "custom") {
      // Server tools. Web search maps to Gemini's own search; the others (bash, text editor, computer use,
      // code execution, web fetch, MCP toolsets) have no Gemini counterpart here and are left out.
      if (type->starts_with("web_search")) web_search = true;
      continue;
    }
    auto name = string_field(*t, "name", where);
    if (!name) return std::move(name).err();
    if (name->empty()) return bad(where + ".name: must not be empty");
    if (std::find(seen.begin(), seen.end(), *name) != seen.end())
      return bad(where + ".name: duplicate tool name \"" + std::string(*name) + "\"");
    seen.push_back(*name);
    const json::value* schema = field(*t, "input_schema");
    if (!schema || !schema->is_object()) return bad(where + ".input_schema: field required (an object)");
    json::object decl;
    decl["name"] = names.add(*name);
    auto desc = string_field(*t, "description", where, false);
    if (!desc) return std::move(desc).err();
    if (!desc->empty()) decl["description"] = *desc;
    decl["parametersJsonSchema"] = clean_schema(*schema, schema_root::function_parameters);
    decls.push_back(std::move(decl));
  }
  tools_out out;
  if (!decls.empty()) {
    out.functions = true;
    out.tools.push_back(json::object{{"functionDeclarations", std::move(decls)}});
  } else if (web_search) {
    // Only alone: mixing Google Search with function declarations is not known to work on Code Assist
    // (gemini-cli never does it), so with client tools present the search tool is dropped.
    out.tools.push_back(json::object{{"googleSearch", json::object{}}});
  }
  return out;
}

result<json::object> tool_config(const json::value& cv, const function_name_map& names, const json::array& tools) {
  if (!cv.is_object()) return bad("tool_choice: must be an object");
  auto type = string_field(cv.get_object(), "type", "tool_choice");
  if (!type) return std::move(type).err();
  json::object fcc;
  if (*type == "auto") {
    fcc["mode"] = "AUTO";
  } else if (*type == "any") {
    fcc["mode"] = "ANY";
  } else if (*type == "none") {
    fcc["mode"] = "NONE";
  } else if (*type == "tool") {
    auto name = string_field(cv.get_object(), "name", "tool_choice");
    if (!name) return std::move(name).err();
    const std::string_view upstream = names.to_upstream(*name);
    bool declared = false;
    for (const auto& t : tools)
      if (const json::value* d = t.get_object().if_contains("functionDeclarations"))
        for (const auto& decl : d->get_array())
          if (decl.get_object().at("name").get_string() == upstream) declared = true;
    if (!declared) return bad("tool_choice.name: no tool named \"" + std::string(*name) + "\" in tools");
    fcc["mode"] = "ANY";
    fcc["allowedFunctionNames"] = json::array{json::string(upstream)};
  } else {
    return bad("tool_choice.type: must be one of auto, any, tool, none");
  }
  return json::object{{"functionCallingConfig", std::move(fcc)}};
}

// thinking {enabled, budget_tokens} / {disabled} / {adaptive} and output_config.effort -> thinkingConfig.
// The budget/level choice is the model-name grammar's, so "(N)", "-nothinking", "-high" mean the same here
// as written after a model name: budgets clamped to the 2.5 model's range, levels for 3.x, nothing for models
// without thinking.
result<void> thinking_config(const json::object& body, const models::model_spec& spec, const models::catalog& cat,
                             json::object& gen) {
  std::string effort;
  if (const json::value* oc = field(body, "output_config")) {
    if (!oc->is_object()) return bad("output_config: must be an object");
    auto e = string_field(oc->get_object(), "effort", "output_config", false);
    if (!e) return std::move(e).err();
    for (char c : *e) effort += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    // Values this gateway does not know (a newer API's) are ignored rather than failing the request.
    if (effort != "minimal" && effort != "low" && effort != "medium" && effort != "high" && effort != "max")
      effort.clear();
  }
  std::optional<bool> include;
  std::string suffix;
  if (const json::value* tv = field(body, "thinking")) {
    if (!tv->is_object()) return bad("thinking: must be an object");
    const json::object& t = tv->get_object();
    auto type = string_field(t, "type", "thinking");
    if (!type) return std::move(type).err();
    if (*type == "enabled") {
      const json::value* bv = field(t, "budget_tokens");
      if (!bv) return bad("thinking.budget_tokens: field required");
      auto budget = as_integer(*bv);
      if (!budget || *budget < 0) return bad("thinking.budget_tokens: must be a non-negative integer");
      include = true;
      suffix = "(" + std::to_string(*budget) + ")";
    } else if (*type == "disabled") {
      include = false;
      suffix = "-nothinking";
    } else if (*type == "adaptive") {
      include = true;
      suffix = effort.empty() ? "(auto)" : "-" + effort;
    } else {
      return bad("thinking.type: must be one of enabled, disabled, adaptive");
    }
  } else if (!effort.empty()) {
    suffix = "-" + effort;
  }
  if (suffix.empty()) return {};
  const models::model_spec s = models::parse(spec.base + suffix, cat);
  if (!s.thinking_budget && !s.thinking_level && !s.include_thoughts) return {};  // no thinking family
  json::object tc;
  if (include) tc["includeThoughts"] = *include;
  if (s.thinking_budget) tc["thinkingBudget"] = *s.thinking_budget;
  if (s.thinking_level) tc["thinkingLevel"] = *s.thinking_level;
  gen["thinkingConfig"] = std::move(tc);
  return {};
}

result<void> generation_config(const json::object& body, const models::model_spec& spec, const models::catalog& cat,
                               bool require_max_tokens, json::object& gen) {
  if (const json::value* mv = field(body, "max_tokens")) {
    auto n = as_integer(*mv);
    if (!n || *n < 1) return bad("max_tokens: must be a positive integer");
    std::int64_t max = *n;
    // Claude Code asks for up to 64000; a model's own ceiling is the most it can give anyway.
    if (const models::model_info* info = cat.find(spec.base); info && info->output_token_limit > 0)
      max = std::min(max, info->output_token_limit);
    gen["maxOutputTokens"] = max;
  } else if (require_max_tokens) {
    return bad("max_tokens: field required");
  }
  if (const json::value* sv = field(body, "stop_sequences")) {
    if (!sv->is_array()) return bad("stop_sequences: must be an array of strings");
    json::array stops;
    for (const auto& s : sv->get_array()) {
      if (!s.is_string()) return bad("stop_sequences: must be an array of strings");
      stops.push_back(s);
    }
    if (!stops.empty()) gen["stopSequences"] = std::move(stops);
  }
  struct num { std::string_view from, to; };
  for (const num n : {num{"temperature", "temperature"}, num{"top_p", "topP"}}) {
    if (const json::value* v = field(body, n.from)) {
      auto d = as_number(*v);
      if (!d) return bad(std::string(n.from) + ": must be a number");
      gen[n.to] = *v;
    }
  }
  if (const json::value* v = field(body, "top_k")) {
    auto k = as_integer(*v);
    if (!k || *k < 0) return bad("top_k: must be a non-negative integer");
    gen["topK"] = *k;
  }
  return thinking_config(body, spec, cat, gen);
}

std::string id_chars(std::string_view id) {
  std::string out;
  for (char c : id)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') out += c;
  return out.empty() ? std::string("0") : out;
}

struct translation {
  json::object request;
  models::model_spec spec;
  response_context ctx;
  bool stream = false;
};

result<translation> translate(json::value& body, const models::catalog& cat, const alias_table& aliases,
                              const request_env& env, bool count_only) {
  json::object* top = body.if_object();
  if (!top) return bad("request body must be a JSON object");
  const json::object& b = *top;

  auto model = string_field(b, "model", "body");
  if (!model) return bad("model: field required (a string)");
  if (model->empty()) return bad("model: must not be empty");
  translation out;
  out.spec = models::parse(aliases.resolve(*model), cat);
  out.ctx.model = std::string(*model);
  out.ctx.upstream_model = out.spec.upstream;

  if (const json::value* sv = field(b, "stream")) {
    if (!sv->is_bool()) return bad("stream: must be a boolean");
    out.stream = sv->get_bool();
  }
  out.ctx.stream = out.stream;
  std::string id = id_chars(env.id);
  if (id.starts_with("msg_")) id.erase(0, 4);
  out.ctx.message_id = "msg_" + id;
  out.ctx.tool_id_prefix = "toolu_" + id + "_";

  function_name_map names;
  json::array tool_list;
  bool functions = false;
  if (const json::value* tv = field(b, "tools")) {
    auto t = tools(*tv, names);
    if (!t) return std::move(t).err();
    tool_list = std::move(t->tools);
    functions = t->functions;
  }

  if (const json::value* sv = field(b, "system")) {
    auto si = system_instruction(*sv);
    if (!si) return std::move(si).err();
    if (!si->empty()) out.request["systemInstruction"] = std::move(*si);
  }

  const json::value* mv = field(b, "messages");
  if (!mv || !mv->is_array()) return bad("messages: field required (an array)");
  converter conv{out.spec.upstream, names, {}};
  std::vector<turn> turns;
  const json::array& msgs = mv->get_array();
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const std::string where = at("messages", i);
    const json::object* m = msgs[i].if_object();
    if (!m) return bad(where + ": must be an object");
    auto t = conv.message(*m, where);
    if (!t) return std::move(t).err();
    turns.push_back(std::move(*t));
  }
  // Merge first (a split assistant message's thinking block and its tool_use meet again), then place the
  // signatures, drop what is left empty, and merge the neighbours that became adjacent.
  turns = merge(std::move(turns));
  for (auto& t : turns) finish_turn(t);
  std::erase_if(turns, [](const turn& t) { return t.parts.empty(); });
  turns = merge(std::move(turns));
  json::array contents;
  for (auto& t : turns) {
    finish_turn(t);  // re-run for merged user turns: functionResponses first again
    contents.push_back(json::object{{"role", t.role}, {"parts", std::move(t.parts)}});
  }
  if (contents.empty()) return bad("messages: at least one message with content is required");
  out.request["contents"] = std::move(contents);

  if (!tool_list.empty()) out.request["tools"] = tool_list;
  if (const json::value* cv = field(b, "tool_choice"); cv && functions) {
    auto tc = tool_config(*cv, names, tool_list);
    if (!tc) return std::move(tc).err();
    out.request["toolConfig"] = std::move(*tc);
  }

  json::object gen;
  if (auto r = generation_config(b, out.spec, cat, !count_only, gen); !r) return std::move(r).err();
  if (!gen.empty()) out.request["generationConfig"] = std::move(gen);

  out.ctx.tool_names = std::move(names);
  return out;
}

}  // namespace

result<translated> to_gemini(json::value body, const models::catalog& cat, const alias_table& aliases,
                             const request_env& env) {
  auto t = translate(body, cat, aliases, env, false);
  if (!t) return std::move(t).err();
  translated out;
  out.request = std::move(t->request);
  out.spec = std::move(t->spec);
  out.ctx = std::move(t->ctx);
  out.stream = t->stream;
  return out;
}

}  // namespace gw::translate::anthropic

namespace gw::translate::anthropic {

result<count_tokens_request> count_tokens_contents(json::value body, const models::catalog& cat,
                                                   const alias_table& aliases) {
  auto t = translate(body, cat, aliases, request_env{}, true);
  if (!t) return std::move(t).err();
  json::object& req = t->request;
  // What generateContent would also be charged for but Code Assist countTokens cannot take.
  json::array extra;
  if (json::value* si = req.if_contains("systemInstruction"))
    for (auto& p : si->get_object().at("parts").get_array()) extra.push_back(std::move(p));
  if (json::value* tools = req.if_contains("tools")) extra.push_back(text_part(json::serialize(*tools)));
  json::array contents = std::move(req.at("contents").get_array());
  if (!extra.empty()) {
    json::object& first = contents[0].get_object();
    if (first.at("role") == "user") {
      json::array& parts = first.at("parts").get_array();
      parts.insert(parts.begin(), extra.begin(), extra.end());
    } else {
      contents.insert(contents.begin(), json::object{{"role", "user"}, {"parts", std::move(extra)}});
    }
  }
  count_tokens_request out;
  out.spec = std::move(t->spec);
  out.contents = std::move(contents);
  return out;
}

std::string render_count_tokens(std::int64_t input_tokens) {
  return "{\"input_tokens\":" + std::to_string(input_tokens) + "}";
}

}  // namespace gw::translate::anthropic
