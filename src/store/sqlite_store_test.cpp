// Tests of the SQLite store against a real database file in a fresh temporary directory per test.
#include <sqlite3.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/migrations.hpp"
#include "store/store.hpp"

namespace gw::store {
namespace {

namespace fs = std::filesystem;
using credentials::credential;
using credentials::state;

class SqliteStore : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "gw-store-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "data" / "gateway.db").string();  // "data" does not exist yet: open creates it
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<store> open() {
    auto r = open_sqlite(path_);
    EXPECT_TRUE(r) << (r ? "" : r.err().message + " / " + r.err().detail);
    return r ? std::move(r).value() : nullptr;
  }

  // Reads one integer with a separate connection, to check what is really on disk.
  std::int64_t query_int(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::int64_t v = -1;
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
  }

  static api_key make_key(const std::string& name) {
    auto secret = generate_key();
    api_key k;
    k.name = name;
    k.prefix = secret.substr(0, 8);
    k.hash = hash_key(secret);
    return k;
  }

  static credential make_cred(const std::string& refresh) {
    credential c;
    c.refresh_token = refresh;
    c.access_token = "ya29.first";
    c.expiry_ms = 1000;
    c.scope = "openid";
    c.email = "a@example.com";
    c.source = "oauth_creds.json";
    return c;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(SqliteStore, OpenCreatesDirectoryAndOwnerOnlyFile) {
  auto s = open();
  ASSERT_TRUE(s);
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_EQ(::stat((dir_ / "data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0);
}

TEST_F(SqliteStore, OpenTightensAnExistingLooseFile) {
  { auto s = open(); }
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  auto s = open();
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(SqliteStore, UsesWal) {
  auto s = open();
  ASSERT_TRUE(s);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "wal");
  sqlite3_finalize(q);
  sqlite3_close(db);
}

TEST_F(SqliteStore, MigrationsApplyOnceAcrossOpens) {
  {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->insert_key(make_key("kept")));
  }
  auto again = open();
  ASSERT_TRUE(again);
  auto n = static_cast<std::int64_t>(migrations().size());
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM schema_migrations"), n);
  EXPECT_EQ(query_int("SELECT MAX(version) FROM schema_migrations"), migrations().back().version);
  auto keys = again->list_keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);  // the data survived the second open
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM meta WHERE key = 'keys_version'"), 1);
}

TEST_F(SqliteStore, InMemoryDatabaseWorks) {
  auto r = open_sqlite(":memory:");
  ASSERT_TRUE(r);
  EXPECT_TRUE((*r)->insert_key(make_key("m")));
}

TEST_F(SqliteStore, InsertAndListKeys) {
  auto s = open();
  auto a = make_key("alice");
  auto ins = s->insert_key(a);
  ASSERT_TRUE(ins);
  EXPECT_GT(ins->id, 0);
  EXPECT_GT(ins->created_ms, 0);
  ASSERT_TRUE(s->insert_key(make_key("bob")));
  auto keys = s->list_keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].name, "alice");
  EXPECT_EQ((*keys)[0].hash, a.hash);
  EXPECT_EQ((*keys)[0].prefix, a.prefix);
  EXPECT_EQ((*keys)[0].id, ins->id);
  EXPECT_FALSE((*keys)[0].revoked);
  EXPECT_EQ((*keys)[1].name, "bob");
}

TEST_F(SqliteStore, DuplicateKeyNameIsAClearBadRequest) {
  auto s = open();
  ASSERT_TRUE(s->insert_key(make_key("alice")));
  auto dup = s->insert_key(make_key("alice"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.err().kind, error_kind::bad_request);
  EXPECT_NE(dup.err().message.find("alice"), std::string::npos);
  EXPECT_NE(dup.err().message.find("already exists"), std::string::npos);
  EXPECT_EQ(s->list_keys()->size(), 1u);
}

TEST_F(SqliteStore, DuplicateHashIsRejected) {
  auto s = open();
  auto a = make_key("a");
  ASSERT_TRUE(s->insert_key(a));
  auto b = a;
  b.name = "b";
  auto r = s->insert_key(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::bad_request);
  EXPECT_EQ(r.err().message.find(a.hash), std::string::npos);
}

TEST_F(SqliteStore, KeyWithoutNameOrHashIsRejected) {
  auto s = open();
  auto k = make_key("");
  EXPECT_FALSE(s->insert_key(k));
  k.name = "x";
  k.hash.clear();
  EXPECT_FALSE(s->insert_key(k));
}

TEST_F(SqliteStore, RevokeKeyById) {
  auto s = open();
  auto k = s->insert_key(make_key("alice"));
  ASSERT_TRUE(k);
  auto r = s->revoke_key(std::to_string(k->id));
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  auto keys = s->list_keys();
  ASSERT_TRUE((*keys)[0].revoked);
  EXPECT_GT((*keys)[0].revoked_ms, 0);
}

TEST_F(SqliteStore, RevokeKeyByName) {
  auto s = open();
  ASSERT_TRUE(s->insert_key(make_key("alice")));
  ASSERT_TRUE(s->insert_key(make_key("bob")));
  auto r = s->revoke_key("bob");
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  auto keys = s->list_keys();
  EXPECT_FALSE((*keys)[0].revoked);
  EXPECT_TRUE((*keys)[1].revoked);
}

TEST_F(SqliteStore, RevokeKeyWithNumericNameFallsBackToName) {
  auto s = open();
  ASSERT_TRUE(s->insert_key(make_key("alice")));  // id 1
  ASSERT_TRUE(s->insert_key(make_key("777")));    // id 2, named like a number
  auto r = s->revoke_key("777");
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  auto keys = s->list_keys();
  EXPECT_FALSE((*keys)[0].revoked);
  EXPECT_TRUE((*keys)[1].revoked);
}

TEST_F(SqliteStore, RevokeUnknownKeyReturnsFalse) {
  auto s = open();
  auto r = s->revoke_key("nobody");
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  auto n = s->revoke_key("12345");
  ASSERT_TRUE(n);
  EXPECT_FALSE(*n);
}

TEST_F(SqliteStore, KeysVersionBumpsOnInsertAndRevokeOnly) {
  auto s = open();
  auto v0 = s->keys_version();
  ASSERT_TRUE(v0);
  ASSERT_TRUE(s->insert_key(make_key("alice")));
  auto v1 = *s->keys_version();
  EXPECT_GT(v1, *v0);
  ASSERT_TRUE(*s->revoke_key("alice"));
  auto v2 = *s->keys_version();
  EXPECT_GT(v2, v1);
  EXPECT_TRUE(*s->revoke_key("alice"));  // already revoked: nothing changes
  EXPECT_EQ(*s->keys_version(), v2);
  EXPECT_FALSE(s->insert_key(make_key("alice")));  // failed insert
  EXPECT_EQ(*s->keys_version(), v2);
  ASSERT_TRUE(s->upsert_credential(make_cred("1//r")));  // credentials are not keys
  EXPECT_EQ(*s->keys_version(), v2);
}

TEST_F(SqliteStore, KeysVersionIsSeenByAnotherConnection) {
  auto a = open();
  auto b = open();
  auto before = *b->keys_version();
  ASSERT_TRUE(a->insert_key(make_key("alice")));
  EXPECT_GT(*b->keys_version(), before);
}

TEST_F(SqliteStore, UpsertInsertsThenReimportUpdatesAndKeepsId) {
  auto s = open();
  auto c = make_cred("1//refresh-a");
  c.configured_project = "proj-1";
  auto id = s->upsert_credential(c);
  ASSERT_TRUE(id);
  EXPECT_GT(*id, 0);
  ASSERT_TRUE(s->update_setup(*id, "proj-1", "standard-tier", "Standard", ""));

  auto again = make_cred("1//refresh-a");
  again.access_token = "ya29.second";
  again.expiry_ms = 2000;
  again.source = "reimport.json";
  again.email.clear();  // an import that does not know the email does not erase it
  auto id2 = s->upsert_credential(again);
  ASSERT_TRUE(id2);
  EXPECT_EQ(*id2, *id);

  auto list = s->list_credentials();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  const auto& got = (*list)[0];
  EXPECT_EQ(got.id, *id);
  EXPECT_EQ(got.access_token, "ya29.second");
  EXPECT_EQ(got.expiry_ms, 2000);
  EXPECT_EQ(got.source, "reimport.json");
  EXPECT_EQ(got.email, "a@example.com");
  EXPECT_EQ(got.configured_project, "proj-1");  // kept: the re-import named no project
  EXPECT_EQ(got.project_id, "proj-1");          // setup kept
  EXPECT_EQ(got.tier_id, "standard-tier");
}

TEST_F(SqliteStore, UpsertWithNewProjectUpdatesItAndClearsSetup) {
  auto s = open();
  auto c = make_cred("1//r");
  auto id = *s->upsert_credential(c);
  ASSERT_TRUE(s->update_setup(id, "auto-proj", "free-tier", "Free", ""));
  c.configured_project = "my-proj";
  ASSERT_EQ(*s->upsert_credential(c), id);
  auto got = **s->get_credential(id);
  EXPECT_EQ(got.configured_project, "my-proj");
  EXPECT_EQ(got.project_id, "");  // setup runs again for the new project
  EXPECT_EQ(got.tier_id, "");
}

TEST_F(SqliteStore, UpsertResetsNeedsLoginButNotOtherStates) {
  auto s = open();
  auto a = *s->upsert_credential(make_cred("1//a"));
  auto b = *s->upsert_credential(make_cred("1//b"));
  ASSERT_TRUE(s->update_state(a, state::needs_login, "invalid_grant", ""));
  ASSERT_TRUE(s->update_state(b, state::disabled, "operator", ""));
  ASSERT_EQ(*s->upsert_credential(make_cred("1//a")), a);
  ASSERT_EQ(*s->upsert_credential(make_cred("1//b")), b);
  auto ga = **s->get_credential(a);
  EXPECT_EQ(ga.st, state::active);
  EXPECT_EQ(ga.state_reason, "");
  EXPECT_EQ(ga.last_error, "invalid_grant");  // history stays
  EXPECT_EQ((**s->get_credential(b)).st, state::disabled);
}

TEST_F(SqliteStore, UpsertStoresEveryField) {
  auto s = open();
  credential c = make_cred("1//every");
  c.token_type = "Bearer";
  c.configured_project = "cp";
  c.project_id = "pid";
  c.tier_id = "tid";
  c.tier_name = "tname";
  c.st = state::validation_required;
  c.state_reason = "verify";
  c.state_url = "https://example.com/verify";
  c.last_error = "le";
  c.created_ms = 11;
  c.updated_ms = 12;
  auto id = *s->upsert_credential(c);
  auto got = **s->get_credential(id);
  EXPECT_EQ(got.email, c.email);
  EXPECT_EQ(got.refresh_token, c.refresh_token);
  EXPECT_EQ(got.access_token, c.access_token);
  EXPECT_EQ(got.expiry_ms, c.expiry_ms);
  EXPECT_EQ(got.scope, c.scope);
  EXPECT_EQ(got.token_type, c.token_type);
  EXPECT_EQ(got.configured_project, c.configured_project);
  EXPECT_EQ(got.project_id, c.project_id);
  EXPECT_EQ(got.tier_id, c.tier_id);
  EXPECT_EQ(got.tier_name, c.tier_name);
  EXPECT_EQ(got.st, c.st);
  EXPECT_EQ(got.state_reason, c.state_reason);
  EXPECT_EQ(got.state_url, c.state_url);
  EXPECT_EQ(got.last_error, c.last_error);
  EXPECT_EQ(got.source, c.source);
  EXPECT_EQ(got.created_ms, 11);
  EXPECT_EQ(got.updated_ms, 12);
}

TEST_F(SqliteStore, UpsertWithoutRefreshTokenIsRejected) {
  auto s = open();
  credential c;
  EXPECT_FALSE(s->upsert_credential(c));
}

TEST_F(SqliteStore, GetUnknownCredentialIsEmpty) {
  auto s = open();
  auto r = s->get_credential(99);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_value());
}

TEST_F(SqliteStore, UpdateTokensKeepsRefreshTokenWhenEmpty) {
  auto s = open();
  auto id = *s->upsert_credential(make_cred("1//orig"));
  ASSERT_TRUE(s->update_tokens(id, "ya29.new", 5000, ""));
  auto got = **s->get_credential(id);
  EXPECT_EQ(got.access_token, "ya29.new");
  EXPECT_EQ(got.expiry_ms, 5000);
  EXPECT_EQ(got.refresh_token, "1//orig");
  ASSERT_TRUE(s->update_tokens(id, "ya29.newer", 6000, "1//rotated"));
  got = **s->get_credential(id);
  EXPECT_EQ(got.refresh_token, "1//rotated");
  EXPECT_EQ(got.access_token, "ya29.newer");
}

TEST_F(SqliteStore, UpdatesOfUnknownCredentialAreNotFound) {
  auto s = open();
  auto t = s->update_tokens(42, "x", 1, "");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.err().kind, error_kind::not_found);
  EXPECT_FALSE(s->update_setup(42, "p", "t", "n", ""));
  EXPECT_FALSE(s->update_state(42, state::error, "r", ""));
}

TEST_F(SqliteStore, UpdateSetupKeepsEmailWhenEmpty) {
  auto s = open();
  auto id = *s->upsert_credential(make_cred("1//r"));
  ASSERT_TRUE(s->update_setup(id, "proj-9", "free-tier", "Gemini Code Assist for individuals", ""));
  auto got = **s->get_credential(id);
  EXPECT_EQ(got.project_id, "proj-9");
  EXPECT_EQ(got.tier_id, "free-tier");
  EXPECT_EQ(got.tier_name, "Gemini Code Assist for individuals");
  EXPECT_EQ(got.email, "a@example.com");
  EXPECT_TRUE(got.setup_done());
  ASSERT_TRUE(s->update_setup(id, "proj-9", "free-tier", "x", "b@example.com"));
  EXPECT_EQ((**s->get_credential(id)).email, "b@example.com");
}

TEST_F(SqliteStore, UpdateStateStoresReasonAndUrl) {
  auto s = open();
  auto id = *s->upsert_credential(make_cred("1//r"));
  ASSERT_TRUE(s->update_state(id, state::validation_required, "verify your account", "https://accounts.google.com/v"));
  auto got = **s->get_credential(id);
  EXPECT_EQ(got.st, state::validation_required);
  EXPECT_EQ(got.state_reason, "verify your account");
  EXPECT_EQ(got.state_url, "https://accounts.google.com/v");
  EXPECT_FALSE(got.usable());
  ASSERT_TRUE(s->update_state(id, state::active, "", ""));
  got = **s->get_credential(id);
  EXPECT_EQ(got.st, state::active);
  EXPECT_EQ(got.state_reason, "");
  EXPECT_EQ(got.state_url, "");
  EXPECT_EQ(got.last_error, "verify your account");
}

TEST_F(SqliteStore, RemoveCredential) {
  auto s = open();
  auto id = *s->upsert_credential(make_cred("1//r"));
  auto r = s->remove_credential(id);
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  EXPECT_TRUE(s->list_credentials()->empty());
  auto again = s->remove_credential(id);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  // Ids are not reused after a delete.
  EXPECT_GT(*s->upsert_credential(make_cred("1//other")), id);
}

TEST_F(SqliteStore, InsertUsageStoresEveryRow) {
  auto s = open();
  std::vector<usage_record> rows;
  for (int i = 0; i < 3; ++i) {
    usage_record u;
    u.key_id = 1;
    u.credential_id = 2;
    u.dialect = "openai";
    u.model = "gemini-2.5-pro";
    u.upstream_model = "gemini-2.5-pro";
    u.status = 200;
    u.input_tokens = 10 + i;
    u.output_tokens = 20;
    u.thinking_tokens = 5;
    u.cached_tokens = 1;
    u.latency_ms = 100;
    u.ttft_ms = 50;
    u.at_ms = 1000 + i;
    rows.push_back(u);
  }
  ASSERT_TRUE(s->insert_usage(rows));
  ASSERT_TRUE(s->insert_usage({}));
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM usage"), 3);
  EXPECT_EQ(query_int("SELECT SUM(input_tokens) FROM usage"), 33);
  EXPECT_EQ(query_int("SELECT MAX(at_ms) FROM usage WHERE key_id = 1 AND status = 200 AND ttft_ms = 50"), 1002);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'usage_key_at'"), 1);
}

TEST_F(SqliteStore, ConcurrentUseFromFourThreadsHasNoErrors) {
  auto s = open();
  ASSERT_TRUE(s);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto tag = std::to_string(t) + "-" + std::to_string(i);
        if (!s->insert_key(make_key("k" + tag))) ++failures;
        auto id = s->upsert_credential(make_cred("1//" + tag));
        if (!id) {
          ++failures;
          continue;
        }
        if (!s->update_tokens(*id, "ya29." + tag, i, "")) ++failures;
        usage_record u;
        u.key_id = t;
        u.credential_id = *id;
        u.dialect = "gemini";
        if (!s->insert_usage({u})) ++failures;
        if (!s->list_keys() || !s->list_credentials() || !s->keys_version()) ++failures;
        if (i % 5 == 0 && !s->revoke_key("k" + tag)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(s->list_keys()->size(), 200u);
  EXPECT_EQ(s->list_credentials()->size(), 200u);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM usage"), 200);
  EXPECT_EQ(*s->keys_version(), 200 + 40);
}

}  // namespace
}  // namespace gw::store
