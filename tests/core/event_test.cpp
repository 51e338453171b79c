#include "dingwatch/core/event.hpp"

#include <catch2/catch.hpp>

using namespace dingwatch;

TEST_CASE("an org change shards with the user it is about, not the operator") {
  normalized_event grant;
  grant.kind = event_kind::org_change;
  grant.corp_id = "ding1";
  grant.user_id = "it-admin";
  grant.target_user = "u7";
  normalized_event later;
  later.kind = event_kind::audit;
  later.user_id = "u7";
  CHECK(grant.shard_key() == later.shard_key());
  normalized_event operator_activity;
  operator_activity.kind = event_kind::audit;
  operator_activity.user_id = "it-admin";
  CHECK(grant.shard_key() != operator_activity.shard_key());
}

TEST_CASE("audit items without a corp id shard with the same user's events") {
  normalized_event chat;
  chat.kind = event_kind::chat;
  chat.corp_id = "ding1";
  chat.user_id = "u7";
  normalized_event audit;
  audit.kind = event_kind::audit;
  audit.user_id = "u7";
  CHECK(chat.shard_key() == audit.shard_key());
}
