//! telegraf-execd-weather
