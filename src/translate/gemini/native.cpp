// Gemini-native request repair: the dialect is the hub's own shape, so this is validation plus repairs.
#include "translate/gemini/native.hpp"

#include <string>

#include <boost/json.hpp>

#include "translate/common/repair.hpp"

namespace gw::translate::gemini {
namespace json = boost::json;

namespace {

error bad_request(std::string message) { return client_error(error_kind::bad_request, std::move(message)); }

std::string quoted_excerpt(std::string_view s) {
  std::string out = "\"";
  out += s.substr(0, 40);
  if (s.size() > 40) out += "...";
  out += '"';
  return out;
}

// Roles only user/model (the upstream answers 400 otherwise); a missing role is the user's, as in the API.
result<void> validate_contents(json::object& request) {
  json::value* cv = request.if_contains("contents");
  if (!cv) return {};
  json::array* contents = cv->if_array();
  if (!contents) return bad_request("contents must be an array");
  for (std::size_t i = 0; i < contents->size(); ++i) {
    const std::string where = "contents[" + std::to_string(i) + "]";
    json::object* content = (*contents)[i].if_object();
    if (!content) return bad_request(where + " must be an object");
    json::value* role = content->if_contains("role");
    if (!role || role->is_null() || (role->is_string() && role->get_string().empty())) {
      (*content)["role"] = "user";
    } else if (!role->is_string()) {
      return bad_request(where + ".role must be a string");
    } else if (role->get_string() != "user" && role->get_string() != "model") {
      std::string msg = where + ".role must be \"user\" or \"model\", got " + quoted_excerpt(role->get_string());
      if (role->get_string() == "system") msg += " (put system prompts in systemInstruction)";
      return bad_request(std::move(msg));
    }
    if (json::value* pv = content->if_contains("parts")) {
      json::array* parts = pv->if_array();
      if (!parts) return bad_request(where + ".parts must be an array");
      for (std::size_t j = 0; j < parts->size(); ++j)
        if (!(*parts)[j].is_object())
          return bad_request(where + ".parts[" + std::to_string(j) + "] must be an object");
    }
  }
  return {};
}

// A string systemInstruction becomes a Content; gemini-cli sends it with role "user".
result<void> normalize_system_instruction(json::object& request) {
  json::value* si = request.if_contains("systemInstruction");
  if (!si) return {};
  if (si->is_null()) {
    request.erase("systemInstruction");
  } else if (si->is_string()) {
    json::object content(request.storage());
    content["role"] = "user";
    json::array parts(request.storage());
    parts.push_back(json::object{{"text", std::move(si->get_string())}});
    content["parts"] = std::move(parts);
    *si = std::move(content);
  } else if (json::object* o = si->if_object()) {
    if (json::value* pv = o->if_contains("parts"); pv && !pv->is_array())
      return bad_request("systemInstruction.parts must be an array");
  } else {
    return bad_request("systemInstruction must be a Content object or a string");
  }
  return {};
}

constexpr std::string_view inner_request_fields[] = {
    "contents", "systemInstruction", "cachedContent", "tools", "toolConfig",
    "labels", "safetySettings", "generationConfig", "session_id"};

bool is_inner_request_field(std::string_view key) {
  for (auto f : inner_request_fields)
    if (f == key) return true;
  return false;
}

}  // namespace

result<json::object> request_to_upstream(json::value body, const native_options& opt) {
  (void)opt;  // see native_options::gemini3
  json::object* request = body.if_object();
  if (!request) return bad_request("request body must be a JSON object");
  normalize_field_names(*request);
  if (auto r = validate_contents(*request); !r) return std::move(r).err();
  if (auto r = normalize_system_instruction(*request); !r) return std::move(r).err();
  strip_thought_parts(*request);
  // Applied whatever opt.gemini3 says: older models ignore the sentinel, and a history replayed against a
  // Gemini 3 model later must not fail for want of it.
  ensure_thought_signatures(*request);

  json::object out(request->storage());
  out.reserve(request->size());
  for (auto& kv : *request)
    if (is_inner_request_field(kv.key())) out.emplace(kv.key(), std::move(kv.value()));
  return out;
}

result<json::array> count_tokens_contents(json::value body) {
  json::object* top = body.if_object();
  if (!top) return bad_request("request body must be a JSON object");

  json::value* gcr = top->if_contains("generateContentRequest");
  if (!gcr) gcr = top->if_contains("generate_content_request");
  json::object request(top->storage());
  if (gcr && !gcr->is_null()) {
    json::object* o = gcr->if_object();
    if (!o) return bad_request("generateContentRequest must be an object");
    request = std::move(*o);
  } else {
    request = std::move(*top);
  }

  normalize_field_names(request);
  if (auto r = validate_contents(request); !r) return std::move(r).err();
  if (auto r = normalize_system_instruction(request); !r) return std::move(r).err();
  strip_thought_parts(request);

  // What generateContent would also be charged for, but Code Assist countTokens cannot take.
  json::array extra(request.storage());
  if (json::value* si = request.if_contains("systemInstruction"); si && si->is_object()) {
    if (json::value* pv = si->get_object().if_contains("parts"); pv && pv->is_array())
      for (auto& p : pv->get_array()) {
        const json::object* part = p.if_object();
        const json::value* thought = part ? part->if_contains("thought") : nullptr;
        if (part && !(thought && thought->is_bool() && thought->get_bool())) extra.push_back(std::move(p));
      }
  }
  if (json::value* tools = request.if_contains("tools"); tools && tools->is_array() && !tools->get_array().empty())
    extra.push_back(json::object{{"text", json::serialize(*tools)}});

  json::array contents(request.storage());
  if (json::value* cv = request.if_contains("contents"); cv && cv->is_array()) contents = std::move(cv->get_array());

  if (!extra.empty()) {
    json::object* first = contents.empty() ? nullptr : contents[0].if_object();
    const json::value* role = first ? first->if_contains("role") : nullptr;
    json::value* first_parts = role && *role == "user" ? first->if_contains("parts") : nullptr;
    if (first_parts && first_parts->is_array()) {
      json::array& parts = first_parts->get_array();
      parts.insert(parts.begin(), extra.begin(), extra.end());
    } else {
      json::object lead(request.storage());
      lead["role"] = "user";
      lead["parts"] = std::move(extra);
      contents.insert(contents.begin(), std::move(lead));
    }
  }
  if (contents.empty()) return bad_request("countTokens request has no contents");
  return contents;
}

}  // namespace gw::translate::gemini
