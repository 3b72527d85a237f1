// The SQLite store: one connection behind a mutex, prepared statements, WAL, migrations on open.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/clock.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace gw::store {

namespace {

// Database failures are the gateway's problem, not the client's; sqlite's own message goes to the
// detail (it names tables and constraints, never bound values).
error db_error(sqlite3* db, std::string_view what) {
  std::string detail = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "no connection");
  return internal_error("database error", std::move(detail));
}

// A cached prepared statement in use; resets and unbinds it on scope exit so the next user starts clean.
class bound_stmt {
 public:
  explicit bound_stmt(sqlite3_stmt* s) noexcept : s_(s) {}
  bound_stmt(bound_stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  bound_stmt(const bound_stmt&) = delete;
  bound_stmt& operator=(const bound_stmt&) = delete;
  bound_stmt& operator=(bound_stmt&&) = delete;
  ~bound_stmt() {
    if (!s_) return;
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  bound_stmt& bind(int i, std::string_view v) {
    // SQLITE_TRANSIENT: the view may not outlive the call; sqlite copies it.
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  bound_stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  bound_stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  bound_stmt& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }

  int step() noexcept { return sqlite3_step(s_); }

  std::int64_t int64(int col) const noexcept { return sqlite3_column_int64(s_, col); }
  std::string text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }

 private:
  sqlite3_stmt* s_;
};

constexpr const char* credential_columns =
    "id, email, refresh_token, access_token, expiry_ms, scope, token_type, configured_project, project_id, "
    "tier_id, tier_name, state, state_reason, state_url, last_error, source, created_ms, updated_ms";

credentials::credential read_credential(const bound_stmt& s) {
  credentials::credential c;
  c.id = s.int64(0);
  c.email = s.text(1);
  c.refresh_token = s.text(2);
  c.access_token = s.text(3);
  c.expiry_ms = s.int64(4);
  c.scope = s.text(5);
  c.token_type = s.text(6);
  c.configured_project = s.text(7);
  c.project_id = s.text(8);
  c.tier_id = s.text(9);
  c.tier_name = s.text(10);
  // An unknown name can only come from a newer gateway's row; treating it as an error keeps it unused.
  c.st = credentials::state_from_string(s.text(11)).value_or(credentials::state::error);
  c.state_reason = s.text(12);
  c.state_url = s.text(13);
  c.last_error = s.text(14);
  c.source = s.text(15);
  c.created_ms = s.int64(16);
  c.updated_ms = s.int64(17);
  return c;
}

api_key read_key(const bound_stmt& s) {
  api_key k;
  k.id = s.int64(0);
  k.name = s.text(1);
  k.prefix = s.text(2);
  k.hash = s.text(3);
  k.revoked = s.int64(4) != 0;
  k.created_ms = s.int64(5);
  k.revoked_ms = s.int64(6);
  return k;
}

std::optional<std::int64_t> parse_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

class sqlite_store final : public store {
 public:
  explicit sqlite_store(sqlite3* db) noexcept : db_(db) {}
  ~sqlite_store() override {
    for (auto& [sql, s] : stmts_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  result<void> init();

  result<api_key> insert_key(const api_key& k) override;
  result<std::vector<api_key>> list_keys() override;
  result<bool> revoke_key(std::string_view id_or_name) override;
  result<std::int64_t> keys_version() override;

  result<std::int64_t> upsert_credential(const credentials::credential& c) override;
  result<std::vector<credentials::credential>> list_credentials() override;
  result<std::optional<credentials::credential>> get_credential(std::int64_t id) override;
  result<void> update_tokens(std::int64_t id, std::string_view access_token, std::int64_t expiry_ms,
                             std::string_view refresh_token_or_empty) override;
  result<void> update_setup(std::int64_t id, std::string_view project_id, std::string_view tier_id,
                            std::string_view tier_name, std::string_view email_or_empty) override;
  result<void> update_state(std::int64_t id, credentials::state st, std::string_view reason,
                            std::string_view url) override;
  result<bool> remove_credential(std::int64_t id) override;

  result<void> insert_usage(const std::vector<usage_record>& rows) override;

 private:
  // Statements are prepared on first use and kept; the key is the SQL text's address, since every
  // caller passes a string literal.
  result<bound_stmt> prepare(const char* sql);
  result<void> exec(const char* sql);
  // Runs fn inside BEGIN IMMEDIATE .. COMMIT (rolled back when fn fails). IMMEDIATE takes the write
  // lock up front, so two processes never deadlock upgrading a read transaction.
  template <class F>
  auto in_transaction(F&& fn) -> decltype(fn());
  result<void> apply_migrations();
  result<void> bump_keys_version();
  result<void> expect_one_row_changed(std::int64_t id);

  sqlite3* db_;
  std::mutex mu_;
  std::unordered_map<const char*, sqlite3_stmt*> stmts_;
};

result<bound_stmt> sqlite_store::prepare(const char* sql) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) return bound_stmt(it->second);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    sqlite3_finalize(s);
    return db_error(db_, "prepare");
  }
  stmts_.emplace(sql, s);
  return bound_stmt(s);
}

result<void> sqlite_store::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string detail = msg ? msg : sqlite3_errmsg(db_);
    sqlite3_free(msg);
    return internal_error("database error", std::move(detail));
  }
  return {};
}

template <class F>
auto sqlite_store::in_transaction(F&& fn) -> decltype(fn()) {
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return std::move(r).err();
  auto out = fn();
  if (!out) {
    (void)exec("ROLLBACK");
    return out;
  }
  if (auto r = exec("COMMIT"); !r) {
    (void)exec("ROLLBACK");
    return std::move(r).err();
  }
  return out;
}

result<void> sqlite_store::init() {
  std::lock_guard lock(mu_);
  // WAL lets readers (e.g. `keys list` from another process) run beside the gateway's writes;
  // synchronous=NORMAL is the documented safe pairing with WAL (a power cut may lose the last
  // commits, never corrupt the file). The busy timeout absorbs a second process's short writes.
  if (sqlite3_busy_timeout(db_, 5000) != SQLITE_OK) return db_error(db_, "busy_timeout");
  {
    auto s = prepare("PRAGMA journal_mode=WAL");
    if (!s) return std::move(s).err();
    if (s->step() != SQLITE_ROW) return db_error(db_, "journal_mode");
    auto mode = s->text(0);
    if (mode != "wal" && mode != "memory") return internal_error("database error", "cannot enable WAL (got " + mode + ")");
  }
  if (auto r = exec("PRAGMA synchronous=NORMAL"); !r) return r;
  if (auto r = exec("PRAGMA foreign_keys=ON"); !r) return r;
  return apply_migrations();
}

result<void> sqlite_store::apply_migrations() {
  std::string ddl(schema_migrations_ddl());
  if (auto r = exec(ddl.c_str()); !r) return r;
  for (const auto& m : migrations()) {
    // Checked inside the write transaction, so two processes opening a new file at once apply each
    // migration exactly once.
    auto r = in_transaction([&]() -> result<void> {
      {
        auto s = prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
        if (!s) return std::move(s).err();
        s->bind(1, m.version);
        int rc = s->step();
        if (rc == SQLITE_ROW) return {};
        if (rc != SQLITE_DONE) return db_error(db_, "schema_migrations");
      }
      std::string sql = migration_sql(m, sql_dialect::sqlite);
      if (auto e = exec(sql.c_str()); !e) {
        auto err = std::move(e).err();
        err.detail = "migration " + std::to_string(m.version) + " (" + std::string(m.name) + "): " + err.detail;
        return err;
      }
      auto ins = prepare("INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?1, ?2, ?3)");
      if (!ins) return std::move(ins).err();
      ins->bind(1, m.version).bind(2, m.name).bind(3, epoch_ms(now_ms()));
      if (ins->step() != SQLITE_DONE) return db_error(db_, "schema_migrations insert");
      return {};
    });
    if (!r) return r;
  }
  return {};
}

result<void> sqlite_store::bump_keys_version() {
  auto s = prepare("UPDATE meta SET value = value + 1 WHERE key = 'keys_version'");
  if (!s) return std::move(s).err();
  if (s->step() != SQLITE_DONE) return db_error(db_, "keys_version");
  return {};
}

result<void> sqlite_store::expect_one_row_changed(std::int64_t id) {
  if (sqlite3_changes(db_) == 0)
    return client_error(error_kind::not_found, "no credential with id " + std::to_string(id));
  return {};
}

// ---- keys

result<api_key> sqlite_store::insert_key(const api_key& k) {
  if (k.name.empty()) return client_error(error_kind::bad_request, "a key needs a name");
  if (k.hash.empty()) return client_error(error_kind::bad_request, "a key needs a hash");
  std::lock_guard lock(mu_);
  return in_transaction([&]() -> result<api_key> {
    {
      auto s = prepare("SELECT 1 FROM api_keys WHERE name = ?1");
      if (!s) return std::move(s).err();
      s->bind(1, k.name);
      int rc = s->step();
      if (rc == SQLITE_ROW) return client_error(error_kind::bad_request, "a key named '" + k.name + "' already exists");
      if (rc != SQLITE_DONE) return db_error(db_, "insert_key");
    }
    api_key out = k;
    if (out.created_ms == 0) out.created_ms = epoch_ms(now_ms());
    auto s = prepare(
        "INSERT INTO api_keys (name, prefix, hash, revoked, created_ms, revoked_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!s) return std::move(s).err();
    s->bind(1, out.name).bind(2, out.prefix).bind(3, out.hash).bind(4, out.revoked).bind(5, out.created_ms)
        .bind(6, out.revoked_ms);
    int rc = s->step();
    if (rc == SQLITE_CONSTRAINT)  // the name was checked above, so it is the hash
      return client_error(error_kind::bad_request, "this key already exists");
    if (rc != SQLITE_DONE) return db_error(db_, "insert_key");
    out.id = sqlite3_last_insert_rowid(db_);
    if (auto r = bump_keys_version(); !r) return std::move(r).err();
    return out;
  });
}

result<std::vector<api_key>> sqlite_store::list_keys() {
  std::lock_guard lock(mu_);
  auto s = prepare("SELECT id, name, prefix, hash, revoked, created_ms, revoked_ms FROM api_keys ORDER BY id");
  if (!s) return std::move(s).err();
  std::vector<api_key> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) out.push_back(read_key(*s));
  if (rc != SQLITE_DONE) return db_error(db_, "list_keys");
  return out;
}

result<bool> sqlite_store::revoke_key(std::string_view id_or_name) {
  std::lock_guard lock(mu_);
  return in_transaction([&]() -> result<bool> {
    // A number is an id first; a key may still be named "42", so fall back to the name.
    std::optional<std::int64_t> id;
    bool revoked = false;
    auto find = [&](const char* sql, auto&& bind_value) -> result<void> {
      auto s = prepare(sql);
      if (!s) return std::move(s).err();
      bind_value(*s);
      int rc = s->step();
      if (rc == SQLITE_ROW) {
        id = s->int64(0);
        revoked = s->int64(1) != 0;
      } else if (rc != SQLITE_DONE) {
        return db_error(db_, "revoke_key");
      }
      return {};
    };
    if (auto n = parse_id(id_or_name)) {
      if (auto r = find("SELECT id, revoked FROM api_keys WHERE id = ?1", [&](bound_stmt& s) { s.bind(1, *n); }); !r)
        return std::move(r).err();
    }
    if (!id) {
      if (auto r = find("SELECT id, revoked FROM api_keys WHERE name = ?1",
                        [&](bound_stmt& s) { s.bind(1, id_or_name); });
          !r)
        return std::move(r).err();
    }
    if (!id) return false;
    if (revoked) return true;  // already revoked: keep the first revocation time
    auto s = prepare("UPDATE api_keys SET revoked = 1, revoked_ms = ?2 WHERE id = ?1");
    if (!s) return std::move(s).err();
    s->bind(1, *id).bind(2, epoch_ms(now_ms()));
    if (s->step() != SQLITE_DONE) return db_error(db_, "revoke_key");
    if (auto r = bump_keys_version(); !r) return std::move(r).err();
    return true;
  });
}

result<std::int64_t> sqlite_store::keys_version() {
  std::lock_guard lock(mu_);
  auto s = prepare("SELECT value FROM meta WHERE key = 'keys_version'");
  if (!s) return std::move(s).err();
  int rc = s->step();
  if (rc == SQLITE_ROW) return s->int64(0);
  if (rc == SQLITE_DONE) return std::int64_t{0};
  return db_error(db_, "keys_version");
}

// ---- credentials

result<std::int64_t> sqlite_store::upsert_credential(const credentials::credential& c) {
  if (c.refresh_token.empty()) return client_error(error_kind::bad_request, "a credential needs a refresh token");
  std::lock_guard lock(mu_);
  std::int64_t now = epoch_ms(now_ms());
  // Re-importing a file refreshes its tokens and provenance but keeps the row (id, setup, usage
  // history). Fresh tokens cure needs_login; other states have causes new tokens do not fix. A new
  // --project invalidates the project Code Assist chose before, so setup runs again; an import
  // without one keeps what was configured.
  auto s = prepare(
      "INSERT INTO credentials (email, refresh_token, access_token, expiry_ms, scope, token_type, configured_project,"
      " project_id, tier_id, tier_name, state, state_reason, state_url, last_error, source, created_ms, updated_ms)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
      " ON CONFLICT (refresh_token) DO UPDATE SET"
      "  access_token = excluded.access_token,"
      "  expiry_ms = excluded.expiry_ms,"
      "  scope = CASE WHEN excluded.scope <> '' THEN excluded.scope ELSE credentials.scope END,"
      "  token_type = CASE WHEN excluded.token_type <> '' THEN excluded.token_type ELSE credentials.token_type END,"
      "  email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE credentials.email END,"
      "  project_id = CASE WHEN excluded.configured_project <> '' AND"
      "    excluded.configured_project <> credentials.configured_project THEN '' ELSE credentials.project_id END,"
      "  tier_id = CASE WHEN excluded.configured_project <> '' AND"
      "    excluded.configured_project <> credentials.configured_project THEN '' ELSE credentials.tier_id END,"
      "  tier_name = CASE WHEN excluded.configured_project <> '' AND"
      "    excluded.configured_project <> credentials.configured_project THEN '' ELSE credentials.tier_name END,"
      "  configured_project = CASE WHEN excluded.configured_project <> '' THEN excluded.configured_project"
      "    ELSE credentials.configured_project END,"
      "  source = CASE WHEN excluded.source <> '' THEN excluded.source ELSE credentials.source END,"
      "  state_reason = CASE WHEN credentials.state = 'needs_login' THEN '' ELSE credentials.state_reason END,"
      "  state_url = CASE WHEN credentials.state = 'needs_login' THEN '' ELSE credentials.state_url END,"
      "  state = CASE WHEN credentials.state = 'needs_login' THEN 'active' ELSE credentials.state END,"
      "  updated_ms = excluded.updated_ms"
      " RETURNING id");
  if (!s) return std::move(s).err();
  s->bind(1, c.email)
      .bind(2, c.refresh_token)
      .bind(3, c.access_token)
      .bind(4, c.expiry_ms)
      .bind(5, c.scope)
      .bind(6, c.token_type)
      .bind(7, c.configured_project)
      .bind(8, c.project_id)
      .bind(9, c.tier_id)
      .bind(10, c.tier_name)
      .bind(11, credentials::to_string(c.st))
      .bind(12, c.state_reason)
      .bind(13, c.state_url)
      .bind(14, c.last_error)
      .bind(15, c.source)
      .bind(16, c.created_ms ? c.created_ms : now)
      .bind(17, c.updated_ms ? c.updated_ms : now);
  if (s->step() != SQLITE_ROW) return db_error(db_, "upsert_credential");
  std::int64_t id = s->int64(0);
  if (s->step() != SQLITE_DONE) return db_error(db_, "upsert_credential");
  return id;
}

result<std::vector<credentials::credential>> sqlite_store::list_credentials() {
  std::lock_guard lock(mu_);
  static const std::string sql = std::string("SELECT ") + credential_columns + " FROM credentials ORDER BY id";
  auto s = prepare(sql.c_str());
  if (!s) return std::move(s).err();
  std::vector<credentials::credential> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) out.push_back(read_credential(*s));
  if (rc != SQLITE_DONE) return db_error(db_, "list_credentials");
  return out;
}

result<std::optional<credentials::credential>> sqlite_store::get_credential(std::int64_t id) {
  std::lock_guard lock(mu_);
  static const std::string sql = std::string("SELECT ") + credential_columns + " FROM credentials WHERE id = ?1";
  auto s = prepare(sql.c_str());
  if (!s) return std::move(s).err();
  s->bind(1, id);
  int rc = s->step();
  if (rc == SQLITE_DONE) return std::optional<credentials::credential>{};
  if (rc != SQLITE_ROW) return db_error(db_, "get_credential");
  return std::optional<credentials::credential>{read_credential(*s)};
}

result<void> sqlite_store::update_tokens(std::int64_t id, std::string_view access_token, std::int64_t expiry_ms,
                                         std::string_view refresh_token_or_empty) {
  std::lock_guard lock(mu_);
  // Google's refresh answer usually has no refresh_token: keep the one we have.
  auto s = prepare(
      "UPDATE credentials SET access_token = ?2, expiry_ms = ?3,"
      " refresh_token = CASE WHEN ?4 <> '' THEN ?4 ELSE refresh_token END, updated_ms = ?5 WHERE id = ?1");
  if (!s) return std::move(s).err();
  s->bind(1, id).bind(2, access_token).bind(3, expiry_ms).bind(4, refresh_token_or_empty).bind(5, epoch_ms(now_ms()));
  if (s->step() != SQLITE_DONE) return db_error(db_, "update_tokens");
  return expect_one_row_changed(id);
}

result<void> sqlite_store::update_setup(std::int64_t id, std::string_view project_id, std::string_view tier_id,
                                        std::string_view tier_name, std::string_view email_or_empty) {
  std::lock_guard lock(mu_);
  auto s = prepare(
      "UPDATE credentials SET project_id = ?2, tier_id = ?3, tier_name = ?4,"
      " email = CASE WHEN ?5 <> '' THEN ?5 ELSE email END, updated_ms = ?6 WHERE id = ?1");
  if (!s) return std::move(s).err();
  s->bind(1, id).bind(2, project_id).bind(3, tier_id).bind(4, tier_name).bind(5, email_or_empty)
      .bind(6, epoch_ms(now_ms()));
  if (s->step() != SQLITE_DONE) return db_error(db_, "update_setup");
  return expect_one_row_changed(id);
}

result<void> sqlite_store::update_state(std::int64_t id, credentials::state st, std::string_view reason,
                                        std::string_view url) {
  std::lock_guard lock(mu_);
  // last_error keeps the latest reason the credential left service, so the operator still sees why
  // after it recovered.
  auto s = prepare(
      "UPDATE credentials SET state = ?2, state_reason = ?3, state_url = ?4,"
      " last_error = CASE WHEN ?2 <> 'active' AND ?3 <> '' THEN ?3 ELSE last_error END, updated_ms = ?5"
      " WHERE id = ?1");
  if (!s) return std::move(s).err();
  s->bind(1, id).bind(2, credentials::to_string(st)).bind(3, reason).bind(4, url).bind(5, epoch_ms(now_ms()));
  if (s->step() != SQLITE_DONE) return db_error(db_, "update_state");
  return expect_one_row_changed(id);
}

result<bool> sqlite_store::remove_credential(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto s = prepare("DELETE FROM credentials WHERE id = ?1");
  if (!s) return std::move(s).err();
  s->bind(1, id);
  if (s->step() != SQLITE_DONE) return db_error(db_, "remove_credential");
  return sqlite3_changes(db_) > 0;
}

// ---- usage

result<void> sqlite_store::insert_usage(const std::vector<usage_record>& rows) {
  if (rows.empty()) return {};
  std::lock_guard lock(mu_);
  // One transaction per batch: one fsync for the lot instead of one per row.
  return in_transaction([&]() -> result<void> {
    for (const auto& u : rows) {
      auto s = prepare(
          "INSERT INTO usage (key_id, credential_id, dialect, model, upstream_model, status, input_tokens,"
          " output_tokens, thinking_tokens, cached_tokens, latency_ms, ttft_ms, at_ms)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
      if (!s) return std::move(s).err();
      s->bind(1, u.key_id)
          .bind(2, u.credential_id)
          .bind(3, u.dialect)
          .bind(4, u.model)
          .bind(5, u.upstream_model)
          .bind(6, u.status)
          .bind(7, u.input_tokens)
          .bind(8, u.output_tokens)
          .bind(9, u.thinking_tokens)
          .bind(10, u.cached_tokens)
          .bind(11, u.latency_ms)
          .bind(12, u.ttft_ms)
          .bind(13, u.at_ms ? u.at_ms : epoch_ms(now_ms()));
      if (s->step() != SQLITE_DONE) return db_error(db_, "insert_usage");
    }
    return {};
  });
}

// Creates the file (and its directory) owner-only before SQLite opens it: it holds refresh tokens.
// SQLite gives its -wal and -shm files the database file's permissions.
result<void> prepare_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(path);
  if (p.has_parent_path() && !fs::exists(p.parent_path(), ec)) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) return internal_error("cannot create the data directory", p.parent_path().string() + ": " + ec.message());
    fs::permissions(p.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return internal_error("cannot open the database file", path + ": " + std::strerror(errno));
  // An existing file may have been created looser (by hand, by an old version): tighten it.
  int rc = ::fchmod(fd, 0600);
  int saved = errno;
  ::close(fd);
  if (rc != 0) return internal_error("cannot set the database file's mode", path + ": " + std::strerror(saved));
  return {};
}

}  // namespace

result<std::unique_ptr<store>> open_sqlite(const std::string& path) {
  bool in_memory = path == ":memory:";
  if (!in_memory) {
    if (auto r = prepare_file(path); !r) return std::move(r).err();
  }
  sqlite3* db = nullptr;
  // NOMUTEX: the store's own mutex already serializes every use of the connection.
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    auto e = internal_error("cannot open the database", path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close_v2(db);
    return e;
  }
  sqlite3_extended_result_codes(db, 0);
  auto s = std::make_unique<sqlite_store>(db);
  if (auto r = s->init(); !r) return std::move(r).err();
  return std::unique_ptr<store>(std::move(s));
}

}  // namespace gw::store
