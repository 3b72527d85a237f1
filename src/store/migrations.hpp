// The schema as an ordered list of migrations, written once for both SQLite and PostgreSQL.
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace gw::store {

enum class sql_dialect { sqlite, postgres };

// One schema step. Each is applied once, in its own transaction, and recorded in schema_migrations.
// Versions are never reused or edited once released: a change is a new migration.
struct migration {
  int version;
  std::string_view name;
  std::string_view sql;  // portable SQL; "{id_pk}" marks an auto-increment 64-bit primary key
};

std::span<const migration> migrations() noexcept;

// The migration's SQL for one database (placeholders replaced). Statements are separated by ';'.
std::string migration_sql(const migration& m, sql_dialect d);

// The bookkeeping table itself, created before any migration runs.
std::string_view schema_migrations_ddl() noexcept;

}  // namespace gw::store
