// Server-sent events over real sockets: a submitted study's events up to its
// end, live pushes, and replay after a reconnect with Last-Event-ID.
#include "tests/web/api_test_util.h"
#include "tests/web/server_test_util.h"

namespace autotune::web::testing {
namespace {

class EventsTest : public ServerTest {
 protected:
  std::unique_ptr<EventStreamReader> Open(std::int64_t study, const std::string& last_event_id = "") {
    auto reader = std::make_unique<EventStreamReader>(url_, ClientOptions{});
    Status s = reader->Open("/api/v1/studies/" + std::to_string(study) + "/events", last_event_id);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return reader;
  }
  // Reads events until one of `kind` (or the deadline); returns them all.
  std::vector<json> ReadUntil(EventStreamReader& r, const std::string& kind, double limit_s = 30) {
    std::vector<json> out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
    while (std::chrono::steady_clock::now() < deadline) {
      auto e = r.Next(0.5);
      EXPECT_TRUE(e.ok()) << e.status().ToString();
      if (!e.ok() || r.closed()) break;
      if (!*e) continue;
      json j = json::parse((*e)->data);
      EXPECT_EQ((*e)->id, std::to_string(j["id"].get<std::int64_t>()));
      out.push_back(j);
      if (j["kind"] == kind) break;
    }
    return out;
  }
  std::int64_t Submit(const std::string& spec) {
    auto r = Client()->Post("/api/v1/studies", spec);
    return Body(r)["id"];
  }
};

TEST_F(EventsTest, ASubmittedStudysEventsRunToItsEnd) {
  Start();
  const std::int64_t id = Submit(RunSpec("runs", 5));
  auto reader = Open(id);
  auto events = ReadUntil(*reader, "study.completed");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front()["kind"], "study.created");
  EXPECT_EQ(events.back()["kind"], "study.completed");
  int trials_completed = 0, segments_started = 0;
  std::int64_t last = 0;
  for (const json& e : events) {
    EXPECT_GT(e["id"].get<std::int64_t>(), last);  // in order, no repeats
    last = e["id"];
    EXPECT_EQ(e["study_id"], id);
    trials_completed += e["kind"] == "trial.completed";
    segments_started += e["kind"] == "segment.started";
  }
  EXPECT_EQ(trials_completed, 5);
  EXPECT_EQ(segments_started, 5);
  // Exactly what the store holds.
  auto stored = *store_->ListEvents(id, 0, 1000);
  ASSERT_EQ(stored.size(), events.size());
  for (std::size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i].id, events[i]["id"]);
}

TEST_F(EventsTest, NewEventsArePushedToAnOpenStreamAsTheyHappen) {
  EventHubOptions hub;
  hub.poll_s = 60;  // no polling: only the engine's notifications can deliver in time
  Start({}, {}, hub);
  const std::int64_t id = Submit(AskTellSpec("a", 10));
  auto reader = Open(id);
  ReadUntil(*reader, "study.created");
  auto client = Client();
  json asked = Body(client->Post("/api/v1/studies/" + std::to_string(id) + "/ask", ""));
  auto started = ReadUntil(*reader, "segment.started", 20);
  ASSERT_FALSE(started.empty());
  EXPECT_EQ(started.back()["trial_id"], asked["trial_id"]);
  Body(client->Post("/api/v1/trials/" + std::to_string(asked["trial_id"].get<int>()) + "/tell",
                    R"({"value": 3})"));
  auto completed = ReadUntil(*reader, "trial.completed", 20);
  ASSERT_FALSE(completed.empty());
  EXPECT_EQ(completed.back()["kind"], "trial.completed");
}

TEST_F(EventsTest, AReconnectWithLastEventIdReplaysWhatItMissedOnceAndInOrder) {
  Start();
  const std::int64_t id = Submit(AskTellSpec("a", 20));
  auto client = Client();
  auto ask_tell = [&](int n) {
    for (int i = 0; i < n; ++i) {
      json t = Body(client->Post("/api/v1/studies/" + std::to_string(id) + "/ask", ""));
      Body(client->Post("/api/v1/trials/" + std::to_string(t["trial_id"].get<int>()) + "/tell",
                        R"({"value": 1})"));
    }
  };
  ask_tell(3);
  auto first = Open(id);
  auto seen = ReadUntil(*first, "never", 3);  // everything so far
  ASSERT_GE(seen.size(), 3u * 4);
  const std::string last_id = std::to_string(seen.back()["id"].get<std::int64_t>());
  first.reset();  // the client goes away
  ask_tell(4);    // events it misses
  auto second = Open(id, last_id);
  auto replayed = ReadUntil(*second, "never", 3);
  auto stored = *store_->ListEvents(id, 0, 1000);
  ASSERT_EQ(seen.size() + replayed.size(), stored.size());
  for (std::size_t i = 0; i < replayed.size(); ++i)
    EXPECT_EQ(replayed[i]["id"], stored[seen.size() + i].id) << "event " << i << " after the reconnect";
  // The query parameter does the same for clients that cannot set headers.
  auto third = std::make_unique<EventStreamReader>(url_, ClientOptions{});
  ASSERT_TRUE(third->Open("/api/v1/studies/" + std::to_string(id) + "/events?after=" + last_id).ok());
  EXPECT_EQ(ReadUntil(*third, "never", 3).size(), replayed.size());
}

TEST_F(EventsTest, AReplayLargerThanTheBacklogLimitGoesOnAsTheClientReads) {
  EventHubOptions hub;
  hub.poll_s = 60;        // no polling: only the stream's own progress moves it on
  hub.batch = 7;          // several reads
  hub.max_backlog = 256;  // less than one batch of events
  Start({}, {}, hub);
  const std::int64_t id = Submit(AskTellSpec("a", 40));
  auto client = Client();
  for (int i = 0; i < 20; ++i) {
    json t = Body(client->Post("/api/v1/studies/" + std::to_string(id) + "/ask", ""));
    Body(client->Post("/api/v1/trials/" + std::to_string(t["trial_id"].get<int>()) + "/tell",
                      R"({"value": 1})"));
  }
  const std::size_t stored = store_->ListEvents(id, 0, 1000)->size();
  auto reader = Open(id);
  std::vector<json> events;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (events.size() < stored && std::chrono::steady_clock::now() < deadline) {
    auto more = ReadUntil(*reader, "never", 1);
    events.insert(events.end(), more.begin(), more.end());
  }
  ASSERT_EQ(events.size(), stored);
  for (std::size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i]["id"], events[i - 1]["id"]);
}

TEST_F(EventsTest, AStreamOfAnUnknownStudyIs404) {
  Start();
  EventStreamReader reader(url_, ClientOptions{});
  Status s = reader.Open("/api/v1/studies/12345/events");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("404"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace autotune::web::testing
