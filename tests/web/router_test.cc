// The router: placeholders, the rest-of-path placeholder, decoded segments,
// 404 and 405 with Allow.
#include "web/router.h"

#include <gtest/gtest.h>

#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>

namespace autotune::web {
namespace {

Request Make(http::verb method, const std::string& target) {
  Request r(method, target, 11);
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto echo = [this](const std::string& name) {
      return [this, name](const RequestView& r) {
        seen_ = r.path;
        Reply reply;
        reply.body = name;
        return reply;
      };
    };
    router_.Add(http::verb::get, "/", echo("root"));
    router_.Add(http::verb::get, "/api/v1/studies", echo("list"));
    router_.Add(http::verb::post, "/api/v1/studies", echo("submit"));
    router_.Add(http::verb::get, "/api/v1/studies/{id}", echo("study"));
    router_.Add(http::verb::post, "/api/v1/studies/{id}/stop", echo("stop"));
    router_.Add(http::verb::get, "/static/{path*}", echo("static"));
  }

  Reply Route(http::verb method, const std::string& target) {
    request_ = Make(method, target);
    auto url = boost::urls::parse_origin_form(request_.target());
    EXPECT_TRUE(url.has_value()) << target;
    return router_.Dispatch(request_, *url);
  }

  Router router_;
  Request request_;
  std::map<std::string, std::string> seen_;
};

TEST_F(RouterTest, LiteralAndPlaceholderSegmentsMatchAndTheRouteIsNamed) {
  EXPECT_EQ(Route(http::verb::get, "/").body, "root");
  EXPECT_EQ(Route(http::verb::get, "/api/v1/studies").body, "list");
  EXPECT_EQ(Route(http::verb::post, "/api/v1/studies").body, "submit");
  Reply r = Route(http::verb::get, "/api/v1/studies/42?x=1");
  EXPECT_EQ(r.body, "study");
  EXPECT_EQ(r.route, "/api/v1/studies/{id}");
  EXPECT_EQ(seen_.at("id"), "42");
  EXPECT_EQ(Route(http::verb::post, "/api/v1/studies/7/stop").body, "stop");
  EXPECT_EQ(seen_.at("id"), "7");
}

TEST_F(RouterTest, UnknownPathsAre404AndKnownPathsWithAnotherMethod405WithAllow) {
  for (const std::string target :
       {"/api/v1", "/api/v1/studies/", "/api/v1/studies/1/2", "/nothing", "/api/v1/studies/1/stop/x"}) {
    Reply r = Route(http::verb::get, target);
    EXPECT_EQ(r.code(), 404) << target;
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["error"]["code"], "not_found");
    EXPECT_TRUE(r.route.empty());
  }
  Reply r = Route(http::verb::delete_, "/api/v1/studies");
  EXPECT_EQ(r.code(), 405);
  ASSERT_NE(r.Header("Allow"), nullptr);
  EXPECT_EQ(*r.Header("Allow"), "GET, POST");
  r = Route(http::verb::get, "/api/v1/studies/3/stop");
  EXPECT_EQ(r.code(), 405);
  EXPECT_EQ(*r.Header("Allow"), "POST");
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "method_not_allowed");
}

TEST_F(RouterTest, SegmentsArePercentDecodedButAnEncodedSlashIsNoSeparator) {
  EXPECT_EQ(Route(http::verb::get, "/api/v1/studie%73").body, "list");
  EXPECT_EQ(Route(http::verb::get, "/api/v1/studies/a%20b").body, "study");
  EXPECT_EQ(seen_.at("id"), "a b");
  EXPECT_EQ(Route(http::verb::get, "/api/v1/studies%2F1").code(), 404);
  EXPECT_EQ(Route(http::verb::get, "/static/a%2F..%2Fb").code(), 404);
}

TEST_F(RouterTest, TheRestPlaceholderTakesTheRemainingSegments) {
  EXPECT_EQ(Route(http::verb::get, "/static/js/app.js").body, "static");
  EXPECT_EQ(seen_.at("path"), "js/app.js");
  EXPECT_EQ(Route(http::verb::get, "/static/index.html").body, "static");
  EXPECT_EQ(seen_.at("path"), "index.html");
  EXPECT_EQ(Route(http::verb::get, "/static").code(), 404);
}

}  // namespace
}  // namespace autotune::web
