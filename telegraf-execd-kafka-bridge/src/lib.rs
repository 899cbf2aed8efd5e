//! telegraf-execd-kafka-bridge
