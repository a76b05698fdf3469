//! The design system shared by the portal, publisher and admin areas: layout, buttons,
//! forms with field errors, tables, charts, empty states, toasts, confirm dialogs,
//! pagination.

pub mod badge;
pub mod button;
pub mod chart;
pub mod confirm_dialog;
pub mod empty_state;
pub mod form;
pub mod guard;
pub mod layout;
pub mod page_header;
pub mod pagination;
pub mod table;
pub mod toast;
