// Schema cleaning for Gemini's two schema slots, and function-name sanitizing; see schema.hpp for the rules.
#include "translate/common/schema.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <string>

namespace gw::translate {
namespace json = boost::json;

namespace {

constexpr int max_depth = 48;                 // deeper nesting is cut: no client schema needs it, a stack does
constexpr std::size_t max_ref_nodes = 20000;  // schema nodes produced by inlining refs, across one schema

bool one_of(std::string_view k, std::initializer_list<std::string_view> set) noexcept {
  return std::find(set.begin(), set.end(), k) != set.end();
}

// Keywords Code Assist rejects or cannot use in the JSON-Schema slot (§5.3 [Design]); their constraints are
// either expressed otherwise or lost without changing what a valid call looks like.
bool dropped_keyword(std::string_view k) noexcept {
  if (k.starts_with("x-")) return true;
  return one_of(k, {"$schema",
                    "$id",
                    "id",
                    "$comment",
                    "$anchor",
                    "$dynamicRef",
                    "$dynamicAnchor",
                    "$recursiveRef",
                    "$recursiveAnchor",
                    "$vocabulary",
                    "$defs",
                    "definitions",
                    "strict",
                    "examples",
                    "propertyNames",
                    "patternProperties",
                    "if",
                    "then",
                    "else",
                    "not",
                    "contains",
                    "minContains",
                    "maxContains",
                    "dependencies",
                    "dependentRequired",
                    "dependentSchemas",
                    "unevaluatedProperties",
                    "unevaluatedItems",
                    "contentEncoding",
                    "contentMediaType",
                    "contentSchema",
                    "readOnly",
                    "writeOnly",
                    "deprecated"});
}

// Every keyword of JSON Schema (drafts 4 to 2020-12) and of the OpenAPI schema object; a schema node with none
// of these is a candidate bare property map.
bool known_keyword(std::string_view k) noexcept {
  if (k.starts_with("$") || k.starts_with("x-")) return true;
  return dropped_keyword(k) || one_of(k, {"type",
                                          "properties",
                                          "items",
                                          "prefixItems",
                                          "additionalItems",
                                          "additionalProperties",
                                          "required",
                                          "enum",
                                          "const",
                                          "format",
                                          "title",
                                          "description",
                                          "default",
                                          "example",
                                          "anyOf",
                                          "oneOf",
                                          "allOf",
                                          "minimum",
                                          "maximum",
                                          "exclusiveMinimum",
                                          "exclusiveMaximum",
                                          "multipleOf",
                                          "minLength",
                                          "maxLength",
                                          "pattern",
                                          "minItems",
                                          "maxItems",
                                          "uniqueItems",
                                          "minProperties",
                                          "maxProperties",
                                          "nullable",
                                          "propertyOrdering",
                                          "discriminator",
                                          "xml",
                                          "externalDocs"});
}

void add_note(json::object& o, std::string_view note) {
  json::value& d = o["description"];
  if (d.is_string() && !d.get_string().empty()) {
    std::string s(d.get_string());
    s += s.ends_with('.') ? " " : ". ";
    s += note;
    d = s;
  } else {
    d = note;
  }
}

bool type_names(const json::object& o, std::string_view t) {
  const json::value* tv = o.if_contains("type");
  if (!tv) return false;
  if (tv->is_string()) return tv->get_string() == t;
  if (const json::array* a = tv->if_array()) {
    for (const auto& e : *a)
      if (e.is_string() && e.get_string() == t) return true;
  }
  return false;
}

// "required": unique string names, and only declared ones when the schema declares properties.
void prune_required(json::object& o) {
  json::value* rv = o.if_contains("required");
  if (!rv) return;
  const json::object* props = nullptr;
  if (const json::value* pv = o.if_contains("properties")) props = pv->if_object();
  json::array kept;
  if (const json::array* req = rv->if_array()) {
    for (const auto& n : *req) {
      if (!n.is_string()) continue;
      if (props && !props->contains(n.get_string())) continue;
      if (std::find(kept.begin(), kept.end(), n) != kept.end()) continue;
      kept.push_back(n);
    }
  }
  if (kept.empty()) {
    o.erase("required");
  } else {
    *rv = std::move(kept);
  }
}

// A malformed MCP schema that lists properties where the schema should be: no keyword of its own, and every
// value an object that is (or looks like) a schema.
bool is_bare_property_map(const json::object& o) {
  if (o.empty()) return false;
  for (const auto& [k, v] : o) {
    if (known_keyword(k)) return false;
    const json::object* sub = v.if_object();
    if (!sub) return false;
    if (sub->empty()) continue;
    bool looks_like_schema = false;
    for (const auto& [sk, sv] : *sub) looks_like_schema = looks_like_schema || known_keyword(sk);
    if (!looks_like_schema) return false;
  }
  return true;
}

// RFC 6901 pointer in a URI fragment: "#", "#/a/b~1c", with %-escapes.
const json::value* resolve_pointer(const json::value& doc, std::string_view ref) {
  if (!ref.starts_with('#')) return nullptr;
  ref.remove_prefix(1);
  std::string decoded;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (ref[i] == '%' && i + 2 < ref.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int h = hex(ref[i + 1]), l = hex(ref[i + 2]);
      if (h >= 0 && l >= 0) {
        decoded += static_cast<char>(h * 16 + l);
        i += 2;
        continue;
      }
    }
    decoded += ref[i];
  }
  std::string_view p = decoded;
  if (p.empty()) return &doc;
  if (!p.starts_with('/')) return nullptr;  // "#anchor": anchors are not followed
  const json::value* cur = &doc;
  while (!p.empty()) {
    p.remove_prefix(1);
    const std::size_t slash = p.find('/');
    std::string_view raw = p.substr(0, slash);
    p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += raw[i];
      }
    }
    if (const json::object* o = cur->if_object()) {
      cur = o->if_contains(token);
    } else if (const json::array* a = cur->if_array()) {
      std::size_t idx = 0;
      if (token.empty() || token.size() > 9 ||
          !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return nullptr;
      idx = std::stoul(token);
      cur = idx < a->size() ? &(*a)[idx] : nullptr;
    } else {
      return nullptr;
    }
    if (!cur) return nullptr;
  }
  return cur;
}

// The JSON-Schema-slot pass.
class json_cleaner {
 public:
  explicit json_cleaner(const json::value& doc) : doc_(doc) {}

  json::object clean(const json::value& v, int depth) {
    if (const json::object* o = v.if_object()) return clean_object(*o, depth);
    return {};  // true, or anything that is not a schema: no constraint
  }

 private:
  json::object clean_object(const json::object& o, int depth) {
    json::object out;
    if (depth > max_depth) {
      add_note(out, "Nested too deeply; structure not described.");
      return out;
    }
    if (!refs_.empty() && ++ref_nodes_ > max_ref_nodes) {
      add_note(out, "Structure too large to describe.");
      return out;
    }
    if (const json::value* ref = o.if_contains("$ref"); ref && ref->is_string()) {
      const std::string_view r = ref->get_string();
      const json::value* target = resolve_pointer(doc_, r);
      const std::string name(r.substr(r.rfind('/') == std::string_view::npos ? 0 : r.rfind('/') + 1));
      if (!target) {
        add_note(out, "Reference " + std::string(r) + " not resolved.");
      } else if (std::find(refs_.begin(), refs_.end(), target) != refs_.end()) {
        out["type"] = "object";
        add_note(out, "Recursive: same structure as " + (name.empty() ? std::string("the root") : name) + ".");
      } else {
        refs_.push_back(target);
        out = clean(*target, depth + 1);
        refs_.pop_back();
      }
    } else if (is_bare_property_map(o)) {
      json::object wrapped;
      wrapped["type"] = "object";
      wrapped["properties"] = o;
      return clean_object(wrapped, depth);
    }
    const json::value* items_v = o.if_contains("items");
    const bool tuple = items_v && items_v->is_array();
    for (const auto& [key, v] : o) {
      const std::string_view k = key;
      if (k == "$ref" || dropped_keyword(k)) continue;
      if (k == "properties") {
        const json::object* props = v.if_object();
        if (!props) continue;
        json::object cleaned;
        for (const auto& [name, sub] : *props) {
          if (sub.is_bool() && !sub.get_bool()) continue;  // a property that may not occur: not offered
          cleaned[name] = clean(sub, depth + 1);
        }
        out["properties"] = std::move(cleaned);
      } else if (k == "items") {
        if (tuple) {
          out["prefixItems"] = clean_list(v.get_array(), depth);
        } else if (v.is_object()) {
          out["items"] = clean(v, depth + 1);
        } else if (v.is_bool() && v.get_bool()) {
          out["items"] = json::object();
        }
      } else if (k == "additionalItems") {
        if (!tuple) continue;
        if (v.is_object())
          out["items"] = clean(v, depth + 1);
        else if (v.is_bool())
          out["items"] = v;
      } else if (k == "additionalProperties") {
        if (v.is_bool())
          out[k] = v;
        else if (v.is_object())
          out[k] = clean(v, depth + 1);
      } else if (k == "anyOf" || k == "oneOf" || k == "allOf" || k == "prefixItems") {
        if (const json::array* a = v.if_array()) out[k] = clean_list(*a, depth);
      } else if (k == "const") {
        if (!o.contains("enum")) out["enum"] = json::array{v};
      } else if (k == "required") {
        if (v.is_array()) out[k] = v;
      } else {
        out[k] = v;
      }
    }
    if (!out.contains("type") && out.contains("properties")) out["type"] = "object";
    if (type_names(out, "array") && !out.contains("items") && !out.contains("prefixItems"))
      out["items"] = json::object();
    prune_required(out);
    return out;
  }

  json::array clean_list(const json::array& a, int depth) {
    json::array out;
    for (const auto& e : a) {
      if (e.is_bool() && !e.get_bool()) continue;  // a branch nothing matches
      out.push_back(clean(e, depth + 1));
    }
    return out;
  }

  const json::value& doc_;
  std::vector<const json::value*> refs_;  // targets being expanded, to cut cycles
  std::size_t ref_nodes_ = 0;
};

// The Schema proto's fields (§5.1); everything else is an "Unknown name" 400 in the `parameters` slot.
bool proto_field(std::string_view k) noexcept {
  return one_of(k, {"type",      "format",    "title",      "description", "nullable",      "enum",
                    "maxItems",  "minItems",  "properties", "required",    "minProperties", "maxProperties",
                    "minLength", "maxLength", "pattern",    "example",     "anyOf",         "propertyOrdering",
                    "default",   "items",     "minimum",    "maximum"});
}

bool is_null_schema(const json::value& v) {
  const json::object* o = v.if_object();
  if (!o) return false;
  const json::value* t = o->if_contains("type");
  if (t && t->is_string()) return t->get_string() == "null";
  if (t && t->is_array()) {
    const json::array& a = t->get_array();
    return !a.empty() && std::all_of(a.begin(), a.end(), [](const json::value& e) { return e == "null"; });
  }
  if (const json::value* e = o->if_contains("enum"); e && e->is_array()) {
    const json::array& a = e->get_array();
    return !a.empty() && std::all_of(a.begin(), a.end(), [](const json::value& x) { return x.is_null(); });
  }
  return false;
}

// Merges `from` into `into`: properties and required are united, any other keyword is taken when absent.
void merge_into(json::object& into, const json::object& from) {
  for (const auto& [k, v] : from) {
    if (k == "properties" && v.is_object()) {
      json::value& p = into["properties"];
      if (!p.is_object()) p = json::object();
      for (const auto& [name, sub] : v.get_object())
        if (!p.get_object().contains(name)) p.get_object()[name] = sub;
    } else if (k == "required" && v.is_array()) {
      json::value& r = into["required"];
      if (!r.is_array()) r = json::array();
      for (const auto& n : v.get_array()) r.get_array().push_back(n);
    } else if (!into.contains(k)) {
      into[k] = v;
    }
  }
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return u;
}

bool format_allowed(std::string_view type, std::string_view format) {
  if (type == "STRING") return format == "enum" || format == "date-time";
  if (type == "NUMBER") return format == "float" || format == "double";
  if (type == "INTEGER") return format == "int32" || format == "int64";
  return false;
}

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

// The OpenAPI-subset pass, over a schema already through json_cleaner (no refs, no bare maps, no const).
json::object to_proto(json::object w, int depth) {
  if (depth > max_depth) return {};
  // allOf: every branch must hold, so its keywords join the parent.
  if (json::value* all = w.if_contains("allOf")) {
    json::array branches = all->is_array() ? std::move(all->get_array()) : json::array();
    w.erase("allOf");
    for (const auto& b : branches)
      if (b.is_object()) merge_into(w, b.get_object());
  }
  bool nullable = false;
  if (json::value* tv = w.if_contains("type"); tv && tv->is_array()) {
    std::vector<std::string> types;
    for (const auto& t : tv->get_array()) {
      if (!t.is_string()) continue;
      if (t.get_string() == "null")
        nullable = true;
      else
        types.emplace_back(t.get_string());
    }
    if (types.empty()) {
      w.erase("type");
    } else {
      *tv = types.front();
      if (types.size() > 1) {
        std::string note = "Accepts: ";
        for (std::size_t i = 0; i < types.size(); ++i) note += (i ? " | " : "") + types[i];
        add_note(w, note + ".");
      }
    }
  } else if (tv && tv->is_string() && tv->get_string() == "null") {
    w.erase("type");
    nullable = true;
  }
  // anyOf / oneOf: null branches become nullable; one remaining branch joins the parent.
  json::array branches;
  for (std::string_view key : {"anyOf", "oneOf"}) {
    if (json::value* bv = w.if_contains(key)) {
      if (bv->is_array())
        for (auto& b : bv->get_array()) branches.push_back(std::move(b));
      w.erase(key);
    }
  }
  json::array kept;
  for (auto& b : branches) {
    if (is_null_schema(b))
      nullable = true;
    else if (b.is_object())
      kept.push_back(std::move(b));
  }
  if (kept.size() == 1) {
    merge_into(w, kept.front().get_object());
    if (nullable) w["nullable"] = true;
    return to_proto(std::move(w), depth + 1);
  }
  if (!kept.empty()) {
    json::array converted;
    for (auto& b : kept) converted.push_back(to_proto(std::move(b.get_object()), depth + 1));
    w["anyOf"] = std::move(converted);
  }
  if (json::value* ev = w.if_contains("enum")) {
    json::array values;
    if (const json::array* a = ev->if_array()) {
      for (const auto& e : *a) {
        if (e.is_null())
          nullable = true;
        else
          values.push_back(json::value(scalar_text(e)));
      }
    }
    if (values.empty()) {
      w.erase("enum");
    } else {
      *ev = std::move(values);
      w["type"] = "STRING";
    }
  }
  if (json::value* tv = w.if_contains("type")) {
    if (tv->is_string())
      *tv = upper(tv->get_string());
    else
      w.erase("type");
  }
  const std::string type = w.contains("type") ? std::string(w["type"].get_string()) : std::string();
  if (json::value* fv = w.if_contains("format")) {
    if (!fv->is_string() || !format_allowed(type, fv->get_string())) {
      if (fv->is_string()) add_note(w, "Format: " + std::string(fv->get_string()) + ".");
      w.erase("format");
    }
  }
  for (std::string_view key : {"exclusiveMinimum", "exclusiveMaximum", "multipleOf"}) {
    if (const json::value* v = w.if_contains(key); v && v->is_number())
      add_note(w, std::string(key) + ": " + json::serialize(*v) + ".");
  }
  if (const json::value* pi = w.if_contains("prefixItems"); pi && !w.contains("items")) {
    if (pi->is_array() && !pi->get_array().empty()) w["items"] = pi->get_array().front();
  }
  if (json::value* iv = w.if_contains("items")) {
    if (iv->is_object())
      *iv = to_proto(std::move(iv->get_object()), depth + 1);
    else
      w.erase("items");
  }
  if (type == "ARRAY" && !w.contains("items")) w["items"] = json::object();
  if (json::value* pv = w.if_contains("properties")) {
    if (pv->is_object() && !pv->get_object().empty()) {
      for (auto& [name, sub] : pv->get_object())
        sub = sub.is_object() ? to_proto(std::move(sub.get_object()), depth + 1) : json::object();
    } else {
      w.erase("properties");
    }
  }
  prune_required(w);
  if (!w.contains("properties")) w.erase("required");  // the proto checks names against properties
  if (json::value* rv = w.if_contains("required")) {
    // A nullable property may be sent as null, which the proto does not allow for a required field.
    // at(), not operator[]: Boost.JSON's operator[] may rehash even for a present key, which would leave rv
    // dangling.
    const json::object& props = w.at("properties").get_object();
    json::array req;
    for (const auto& n : rv->get_array()) {
      const json::object* sub = props.at(n.get_string()).if_object();
      const json::value* nl = sub ? sub->if_contains("nullable") : nullptr;
      if (!(nl && nl->is_bool() && nl->get_bool())) req.push_back(n);
    }
    if (req.empty())
      w.erase("required");
    else
      *rv = std::move(req);
  }
  if (nullable) w["nullable"] = true;
  json::object out;
  for (auto& [k, v] : w)
    if (proto_field(k)) out[k] = std::move(v);
  return out;
}

void fix_root(json::object& s, bool proto) {
  if (!s.contains("type")) s["type"] = proto ? "OBJECT" : "object";
  if (!proto && s.size() == 1 && s["type"] == "object") s["properties"] = json::object();
}

}  // namespace

json::object clean_schema(const json::value& schema, schema_root root) {
  json_cleaner c(schema);
  json::object out = c.clean(schema, 0);
  if (root == schema_root::function_parameters) fix_root(out, false);
  return out;
}

json::object clean_schema_openapi(const json::value& schema, schema_root root) {
  json::object out = to_proto(clean_schema(schema, root), 0);
  if (root == schema_root::function_parameters) fix_root(out, true);
  return out;
}

bool is_valid_function_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(name[0]) && name[0] != '_') return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return alpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '-';
  });
}

std::string sanitize_function_name(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == ':' || c == '-';
    if (ok) {
      out += static_cast<char>(c);
    } else {
      out += '_';
      if (c >= 0xC0) {  // one '_' per UTF-8 sequence: skip its continuation bytes
        while (i + 1 < name.size() && (static_cast<unsigned char>(name[i + 1]) & 0xC0) == 0x80) ++i;
      }
    }
  }
  if (out.empty() || !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= 'A' && out[0] <= 'Z') || out[0] == '_'))
    out.insert(out.begin(), '_');
  if (out.size() > 64) out.resize(64);
  return out;
}

std::string function_name_map::add(std::string_view client_name) {
  for (const auto& [c, u] : names_)
    if (c == client_name) return u;
  auto taken = [&](std::string_view u) {
    return std::any_of(names_.begin(), names_.end(), [&](const auto& p) { return p.second == u; });
  };
  std::string base =
      is_valid_function_name(client_name) ? std::string(client_name) : sanitize_function_name(client_name);
  std::string candidate = base;
  for (int n = 2; taken(candidate); ++n) {
    const std::string suffix = "_" + std::to_string(n);
    candidate = base.substr(0, 64 - suffix.size()) + suffix;
  }
  names_.emplace_back(std::string(client_name), candidate);
  return candidate;
}

std::string_view function_name_map::to_client(std::string_view upstream_name) const noexcept {
  for (const auto& [c, u] : names_)
    if (u == upstream_name) return c;
  return upstream_name;
}

std::string_view function_name_map::to_upstream(std::string_view client_name) const noexcept {
  for (const auto& [c, u] : names_)
    if (c == client_name) return u;
  return client_name;
}

bool function_name_map::identity() const noexcept {
  return std::all_of(names_.begin(), names_.end(), [](const auto& p) { return p.first == p.second; });
}

}  // namespace gw::translate
