#include "bench/bbob/optuna_client.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace autotune::bbob {

OptunaClient::~OptunaClient() {
  if (to_) {
    std::fputs("quit\n", to_);
    std::fclose(to_);
  }
  if (from_) std::fclose(from_);
  if (pid_ > 0) waitpid(pid_, nullptr, 0);
}

Status OptunaClient::Launch() {
  int down[2], up[2];  // parent -> child, child -> parent
  if (pipe(down) != 0 || pipe(up) != 0) return Status::Internal("pipe failed");
  pid_ = fork();
  if (pid_ < 0) return Status::Internal("fork failed");
  if (pid_ == 0) {
    dup2(down[0], STDIN_FILENO);
    dup2(up[1], STDOUT_FILENO);
    close(down[0]), close(down[1]), close(up[0]), close(up[1]);
    execl(python_.c_str(), python_.c_str(), script_.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  close(down[0]);
  close(up[1]);
  to_ = fdopen(down[1], "w");
  from_ = fdopen(up[0], "r");
  if (!to_ || !from_) return Status::Internal("fdopen failed");
  return Status::Ok();
}

StatusOr<std::string> OptunaClient::Call(const std::string& line) {
  if (pid_ < 0) AT_RETURN_IF_ERROR(Launch());
  std::fputs((line + "\n").c_str(), to_);
  std::fflush(to_);
  std::string reply;
  for (int c; (c = std::fgetc(from_)) != EOF && c != '\n';) reply.push_back(static_cast<char>(c));
  if (reply.empty())
    return Status::Unavailable("the Optuna worker " + script_ + " gave no answer (is optuna installed for " +
                               python_ + "?)");
  if (reply.rfind("error", 0) == 0) return Status::InvalidArgument(reply);
  return reply;
}

Status OptunaClient::Start(const std::string& sampler, int seed, int dim) {
  AT_ASSIGN_OR_RETURN(auto reply,
                      Call("start " + sampler + " " + std::to_string(seed) + " " + std::to_string(dim)));
  return reply == "ok" ? Status::Ok() : Status::Internal("unexpected reply: " + reply);
}

StatusOr<std::vector<double>> OptunaClient::Ask() {
  AT_ASSIGN_OR_RETURN(auto reply, Call("ask"));
  std::istringstream in(reply);
  std::string tag;
  in >> tag;
  if (tag != "x") return Status::Internal("unexpected reply: " + reply);
  std::vector<double> x;
  for (double v; in >> v;) x.push_back(v);
  return x;
}

Status OptunaClient::Tell(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "tell %.17g", value);
  AT_ASSIGN_OR_RETURN(auto reply, Call(buf));
  return reply == "ok" ? Status::Ok() : Status::Internal("unexpected reply: " + reply);
}

}  // namespace autotune::bbob
