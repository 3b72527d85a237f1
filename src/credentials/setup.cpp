// Project discovery decisions; see setup.hpp. Mirrors gemini-cli's setup.ts step by step.
#include "credentials/setup.hpp"

#include <boost/json.hpp>

namespace gw::credentials {
namespace json = boost::json;

namespace {
std::string str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
const json::object* obj(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}
const json::array* arr(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}
json::object metadata(std::string_view project) {
  json::object m{{"ideType", "IDE_UNSPECIFIED"}, {"platform", "PLATFORM_UNSPECIFIED"}, {"pluginType", "GEMINI"}};
  if (!project.empty()) m["duetProject"] = project;
  return m;
}
// The ineligible tiers' messages joined, as gemini-cli's IneligibleTierError does.
std::string ineligible_reasons(const json::array& tiers, std::string* url, std::string* code) {
  std::string out;
  for (auto& t : tiers) {
    if (!t.is_object()) continue;
    auto& o = t.get_object();
    std::string msg = str(o, "reasonMessage");
    if (msg.empty()) msg = str(o, "validationErrorMessage");
    if (msg.empty()) msg = str(o, "reasonCode");
    if (!out.empty()) out += "; ";
    out += msg;
    if (code && code->empty()) *code = str(o, "reasonCode");
    if (url && url->empty()) *url = str(o, "validationUrl");
  }
  return out;
}
}  // namespace

std::string load_code_assist_body(std::string_view configured_project) {
  json::object body;
  if (!configured_project.empty()) body["cloudaicompanionProject"] = configured_project;
  body["metadata"] = metadata(configured_project);
  return json::serialize(body);
}

load_decision decide_after_load(const json::object& res, std::string_view configured_project) {
  load_decision d;
  const json::object* current = obj(res, "currentTier");
  const json::array* ineligible = arr(res, "ineligibleTiers");

  // A tier that needs a human to verify the account comes first (gemini-cli raises ValidationRequiredError).
  if (!current && ineligible) {
    for (auto& t : *ineligible) {
      if (!t.is_object()) continue;
      auto& o = t.get_object();
      if (str(o, "reasonCode") == "VALIDATION_REQUIRED" && !str(o, "validationUrl").empty()) {
        d.fail_state = state::validation_required;
        d.reason = str(o, "reasonMessage");
        if (d.reason.empty()) d.reason = "Google requires this account to be verified";
        d.url = str(o, "validationUrl");
        return d;
      }
    }
  }

  if (current) {
    std::string project = str(res, "cloudaicompanionProject");
    if (project.empty()) project = std::string(configured_project);
    const json::object* paid = obj(res, "paidTier");
    d.tier_id = paid ? str(*paid, "id") : std::string();
    d.tier_name = paid ? str(*paid, "name") : std::string();
    if (d.tier_id.empty()) {
      d.tier_id = str(*current, "id");
      d.tier_name = str(*current, "name");
    }
    if (d.tier_id.empty()) d.tier_id = "standard-tier";
    if (!project.empty()) {
      d.act = load_decision::action::use_project;
      d.project_id = std::move(project);
      return d;
    }
    if (ineligible && !ineligible->empty()) {
      std::string code;
      d.fail_state = state::ineligible;
      d.reason = ineligible_reasons(*ineligible, &d.url, &code);
      return d;
    }
    d.fail_state = state::needs_project;
    d.reason = "This account requires a Google Cloud project: import it with --project ID";
    return d;
  }

  // Not onboarded: pick the default allowed tier, or a synthetic legacy tier.
  const json::object* tier = nullptr;
  if (auto* allowed = arr(res, "allowedTiers")) {
    for (auto& t : *allowed)
      if (t.is_object() && t.get_object().if_contains("isDefault") &&
          t.get_object().at("isDefault").is_bool() && t.get_object().at("isDefault").get_bool())
        tier = &t.get_object();
  }
  // Individual accounts after 2026-06-18: nothing allowed, only ineligible tiers (UNSUPPORTED_CLIENT).
  if (!tier && ineligible && !ineligible->empty()) {
    std::string code;
    d.fail_state = state::ineligible;
    d.reason = ineligible_reasons(*ineligible, &d.url, &code);
    if (!code.empty()) d.reason = code + ": " + d.reason;
    return d;
  }
  d.act = load_decision::action::onboard;
  d.tier_id = tier ? str(*tier, "id") : "legacy-tier";
  d.tier_name = tier ? str(*tier, "name") : "";
  if (d.tier_id.empty()) d.tier_id = "legacy-tier";
  d.free_tier = d.tier_id == "free-tier";
  return d;
}

std::string onboard_user_body(const load_decision& d, std::string_view configured_project) {
  json::object body;
  body["tierId"] = d.tier_id;
  if (d.free_tier) {
    body["metadata"] = metadata({});  // the free tier uses a Google-managed project: sending one fails
  } else {
    if (!configured_project.empty()) body["cloudaicompanionProject"] = configured_project;
    body["metadata"] = metadata(configured_project);
  }
  return json::serialize(body);
}

result<operation_status> parse_operation(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object())
    return make_error(error_kind::upstream_protocol, error_source::upstream, "onboarding answer is not JSON");
  auto& o = v.get_object();
  operation_status s;
  s.name = str(o, "name");
  if (auto* d = o.if_contains("done"); d && d->is_bool()) s.done = d->get_bool();
  if (auto* e = obj(o, "error")) s.error = str(*e, "message");
  if (auto* r = obj(o, "response")) {
    if (auto* p = r->if_contains("cloudaicompanionProject")) {
      if (p->is_object()) s.project_id = str(p->get_object(), "id");
      else if (p->is_string()) s.project_id = std::string(p->get_string());
    }
  }
  return s;
}

}  // namespace gw::credentials
