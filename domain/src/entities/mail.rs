//! `mail_outbox`: e-mails waiting for (or done with) delivery.

use sea_orm::entity::prelude::*;

/// One e-mail.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// `smtp` or `log` once delivered.
    pub delivered_via: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
