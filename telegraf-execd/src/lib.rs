//! telegraf-execd
