//! Tenants, accounts, sessions, tokens, providers, persons and the audit trail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A table whose primary key is `(tenant_id, <key>)`, with `tenant_id`
/// referencing `tenants`. Every tenant-owned table is built by this, so the
/// tenant leads every key.
pub(super) fn tenant_table(name: &str, key: &str) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(Alias::new(name))
        .col(string_len(Alias::new("tenant_id"), 64))
        .col(string_len(Alias::new(key), 64))
        .primary_key(Index::create().col(Alias::new("tenant_id")).col(Alias::new(key)))
        .foreign_key(
            ForeignKey::create()
                .from(Alias::new(name), Alias::new("tenant_id"))
                .to(Alias::new("tenants"), Alias::new("id"))
                .on_delete(ForeignKeyAction::Cascade),
        );
    t
}

/// A reference `(tenant_id, column)` → `(tenant_id, id)` of another tenant table.
pub(super) fn tenant_fk(from: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    fk.from_tbl(Alias::new(from))
        .from_col(Alias::new("tenant_id"))
        .from_col(Alias::new(column))
        .to_tbl(Alias::new(to))
        .to_col(Alias::new("tenant_id"))
        .to_col(Alias::new("id"));
    fk
}

pub(super) fn index(table: &str, name: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(Alias::new(table));
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    i
}

pub(super) fn a(s: &str) -> Alias {
    Alias::new(s)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("tenants"))
                .col(string_len(a("id"), 64).primary_key())
                .col(string(a("name")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            tenant_table("providers", "id")
                .col(string(a("name")))
                .col(string_len_null(a("kind"), 32))
                .col(timestamp_with_time_zone_null(a("archived_at")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            tenant_table("users", "id")
                .col(string_len(a("login"), 64))
                .col(string(a("display_name")))
                .col(string_len(a("role"), 32))
                .col(string_len_null(a("provider_id"), 64))
                .col(string(a("password_hash")))
                .col(boolean(a("active")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut tenant_fk("users", "provider_id", "providers"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("users", "users_login", &["tenant_id", "login"], true)).await?;

        m.create_table(
            tenant_table("api_tokens", "id")
                .col(string_len(a("user_id"), 64))
                .col(string(a("name")))
                .col(string_len(a("secret_sha256"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("expires_at")))
                .col(timestamp_with_time_zone_null(a("revoked_at")))
                .col(timestamp_with_time_zone_null(a("last_used_at")))
                .foreign_key(
                    &mut tenant_fk("api_tokens", "user_id", "users").on_delete(ForeignKeyAction::Cascade).to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("api_tokens", "api_tokens_user", &["tenant_id", "user_id"], false)).await?;

        m.create_table(
            tenant_table("sessions", "secret_sha256")
                .col(string_len(a("user_id"), 64))
                .col(string_len(a("csrf_token"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("expires_at")))
                .foreign_key(
                    &mut tenant_fk("sessions", "user_id", "users").on_delete(ForeignKeyAction::Cascade).to_owned(),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            tenant_table("persons", "id")
                .col(string_len(a("provider_id"), 64))
                .col(string_null(a("given_name")))
                .col(string_null(a("family_name")))
                .col(date_null(a("birth_date")))
                .col(string_len(a("gender"), 16))
                .col(string_len_null(a("nationality"), 2))
                .col(string_len_null(a("residence_status"), 16))
                .col(string_len_null(a("migration_background"), 8))
                .col(string_len_null(a("district_id"), 64))
                .col(string_null(a("municipality")))
                .col(string_len_null(a("household_id"), 64))
                .col(string_len_null(a("single_parent"), 8))
                .col(string_len_null(a("disability"), 8))
                .col(small_integer_null(a("education_isced")))
                .col(string_len_null(a("labour_status"), 32))
                .col(small_integer_null(a("sgb2_months_24")))
                .col(string_len_null(a("homeless"), 8))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut tenant_fk("persons", "provider_id", "providers"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("persons", "persons_provider", &["tenant_id", "provider_id", "id"], false)).await?;
        m.create_index(index("persons", "persons_family_name", &["tenant_id", "family_name"], false)).await?;

        m.create_table(
            tenant_table("person_keys", "person_id")
                .col(blob(a("key")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            tenant_table("audit_log", "id")
                .col(big_integer_null(a("seq")))
                .col(string_len(a("at"), 40))
                .col(string_len(a("actor"), 64))
                .col(string_len(a("action"), 16))
                .col(string_len(a("entity"), 32))
                .col(string_len(a("entity_id"), 128))
                .col(string_len_null(a("person_id"), 64))
                .col(text_null(a("changes")))
                .col(string_len_null(a("address"), 64))
                .col(text_null(a("reason")))
                .col(string_len_null(a("hash"), 64))
                .to_owned(),
        )
        .await?;
        m.create_index(index("audit_log", "audit_log_seq", &["tenant_id", "seq"], true)).await?;
        m.create_index(index("audit_log", "audit_log_entity", &["tenant_id", "entity", "entity_id"], false)).await?;

        m.create_table(
            Table::create()
                .table(a("audit_heads"))
                .col(string_len(a("tenant_id"), 64).primary_key())
                .col(big_integer(a("last_seq")))
                .col(string_len(a("last_hash"), 64))
                .foreign_key(
                    ForeignKey::create()
                        .from(a("audit_heads"), a("tenant_id"))
                        .to(a("tenants"), a("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        crate::backend::append_only_audit_trigger(m).await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Dropping the audit trail is not something a product may offer.
        Err(DbErr::Migration("Die Grundstruktur kann nicht zurückgenommen werden.".into()))
    }
}
