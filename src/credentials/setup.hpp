// Project discovery decisions (pure): what gemini-cli's setup does with loadCodeAssist / onboardUser
// answers (upstream-code-assist.md §4.3), so the I/O side only sends and waits.
#pragma once
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "credentials/credential.hpp"

namespace gw::credentials {

struct load_decision {
  enum class action { use_project, onboard, fail };
  action act = action::fail;
  std::string project_id;  // use_project
  std::string tier_id;     // use_project: the user's tier; onboard: the tier to onboard to
  std::string tier_name;
  bool free_tier = false;  // onboard: free tier sends no project
  state fail_state = state::error;  // fail
  std::string reason;
  std::string url;
};

// Body of loadCodeAssist; the configured project is sent as gemini-cli sends GOOGLE_CLOUD_PROJECT.
std::string load_code_assist_body(std::string_view configured_project);
load_decision decide_after_load(const boost::json::object& load_response, std::string_view configured_project);

std::string onboard_user_body(const load_decision& d, std::string_view configured_project);

struct operation_status {
  bool done = false;
  std::string name;        // operations/... when not done
  std::string project_id;  // response.cloudaicompanionProject.id when done
  std::string error;       // operation error message, if the operation failed
};
result<operation_status> parse_operation(std::string_view body);

}  // namespace gw::credentials
