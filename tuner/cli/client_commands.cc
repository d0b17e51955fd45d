// submit, stop, ask, tell: the commands that act through a server
// (`--server URL`); a store file has no process to run or serve its studies.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tuner/cli/commands.h"
#include "tuner/cli/render.h"
#include "tuner/cli/source.h"
#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

using nlohmann::json;

int Fail(const Status& s) {
  std::cerr << "autotune: " << s.ToString() << "\n";
  return s.code() == Status::Code::kInvalidArgument || s.code() == Status::Code::kNotFound ? kExitBadInput
                                                                                           : kExitFailed;
}

StatusOr<std::unique_ptr<web::HttpClient>> Connect(const ClientArgs& args) {
  if (args.server.empty()) return Status::InvalidArgument("this command needs --server URL");
  AT_ASSIGN_OR_RETURN(auto url, web::ParseServerUrl(args.server));
  web::ClientOptions options;
  options.token = TokenFor(args.token);
  return std::make_unique<web::HttpClient>(url, options);
}

// POSTs body and returns the answer's JSON (errors as Status).
StatusOr<json> PostJson(web::HttpClient& client, const std::string& target, const std::string& body) {
  AT_ASSIGN_OR_RETURN(auto reply, client.Post(target, body));
  AT_RETURN_IF_ERROR(StatusOfReply(reply));
  json j = json::parse(reply.body, nullptr, false);
  if (j.is_discarded()) return Status::Internal("the server's answer is not JSON");
  return j;
}

// POSTs to /api/v1/studies/<id of --study>/<action> and returns the answer's
// JSON and the study's id.
StatusOr<std::pair<json, std::int64_t>> PostToStudy(const ClientArgs& args, const std::string& action) {
  if (args.study.empty()) return Status::InvalidArgument("--study NAME is required");
  AT_ASSIGN_OR_RETURN(auto client, Connect(args));
  AT_ASSIGN_OR_RETURN(json study, FindStudyJson(*client, args.study));
  const std::int64_t id = study.at("id").get<std::int64_t>();
  AT_ASSIGN_OR_RETURN(json reply,
                      PostJson(*client, "/api/v1/studies/" + std::to_string(id) + "/" + action, ""));
  return std::make_pair(std::move(reply), id);
}

}  // namespace

int SubmitCommand(const ClientArgs& args) {
  std::ifstream in(args.spec_path);
  if (!in) return Fail(Status::InvalidArgument("cannot read spec file '" + args.spec_path + "'"));
  std::stringstream text;
  text << in.rdbuf();
  // Relative paths resolve against the spec's folder here, where the file
  // is; the server receives the canonical spec (absolute paths) and checks
  // the programs on its side.
  SpecParseOptions lenient;
  lenient.check_programs = false;
  auto parsed =
      ParseStudySpec(text.str(), std::filesystem::absolute(args.spec_path).parent_path().string(), lenient);
  if (!parsed.ok()) {
    std::cerr << "autotune: invalid spec " << args.spec_path << ": " << parsed.status().ToString() << "\n";
    return kExitBadInput;
  }
  auto client = Connect(args);
  if (!client.ok()) return Fail(client.status());
  auto reply = PostJson(**client, "/api/v1/studies", parsed->canonical_json);
  if (!reply.ok()) return Fail(reply.status());
  if (args.json) {
    std::cout << reply->dump(2) << "\n";
    return kExitOk;
  }
  const json& r = *reply;
  std::cout << (r.value("created", false) ? "submitted study '" : "study '")
            << r.at("name").get<std::string>() << "' (id " << r.at("id").get<std::int64_t>() << ")"
            << (r.value("created", false) ? "" : " exists with this spec") << ": "
            << r.at("state").get<std::string>() << "\n";
  return kExitOk;
}

int StopCommand(const ClientArgs& args) {
  auto reply = PostToStudy(args, "stop");
  if (!reply.ok()) return Fail(reply.status());
  if (args.json)
    std::cout << reply->first.dump(2) << "\n";
  else
    std::cout << "stopping study '" << args.study << "' (id " << reply->second << ")\n";
  return kExitOk;
}

int AskCommand(const ClientArgs& args) {
  auto reply = PostToStudy(args, "ask");
  if (!reply.ok()) return Fail(reply.status());
  const json& trial = reply->first;
  if (args.json) {
    std::cout << trial.dump(2) << "\n";
    return kExitOk;
  }
  auto params = web::ParamsFromJsonValue(trial.at("params"));
  if (!params.ok()) return Fail(params.status());
  std::cout << "trial " << trial.at("trial_id").get<std::int64_t>() << ": " << ToString(*params) << "\n";
  return kExitOk;
}

int TellCommand(const ClientArgs& args) {
  json body = json::object();
  const int kinds = (args.value ? 1 : 0) + (args.failed ? 1 : 0) + (!args.metrics.empty() ? 1 : 0);
  if (kinds != 1)
    return Fail(Status::InvalidArgument("give one of --value V, --metric NAME=V (with --step), --failed"));
  if (args.step) body["step"] = *args.step;
  if (args.value) body["value"] = *args.value;
  if (args.failed) {
    body["state"] = "failed";
    if (!args.error.empty()) body["error"] = args.error;
  }
  if (!args.metrics.empty()) {
    body["metrics"] = json::object();
    for (const std::string& m : args.metrics) {
      const std::size_t eq = m.find('=');
      char* end = nullptr;
      const double v = eq == std::string::npos ? 0 : std::strtod(m.c_str() + eq + 1, &end);
      if (eq == std::string::npos || eq == 0 || end == m.c_str() + eq + 1 || *end != '\0')
        return Fail(Status::InvalidArgument("--metric takes NAME=NUMBER, not '" + m + "'"));
      body["metrics"][m.substr(0, eq)] = v;
    }
  }
  auto client = Connect(args);
  if (!client.ok()) return Fail(client.status());
  auto reply = PostJson(**client, "/api/v1/trials/" + std::to_string(args.trial_id) + "/tell", body.dump());
  if (!reply.ok()) return Fail(reply.status());
  if (args.json) {
    std::cout << reply->dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "trial " << args.trial_id << ": " << reply->at("state").get<std::string>();
  if (reply->contains("value") && (*reply)["value"].is_number())
    std::cout << ", value " << FormatValue((*reply)["value"].get<double>()) << " at step "
              << reply->at("step").get<std::int64_t>();
  std::cout << "\n";
  return kExitOk;
}

}  // namespace autotune
