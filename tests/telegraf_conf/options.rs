//! The Telegraf option lists `telegraf.conf` is checked against, each verified against the
//! Telegraf source named above it (influxdata/telegraf; paths relative to the repository).

/// Agent options. Source: influxdata/telegraf `docs/CONFIGURATION.md`, section "Agent".
pub const AGENT_OPTIONS: &[&str] = &[
    "interval",
    "round_interval",
    "metric_batch_size",
    "metric_buffer_limit",
    "collection_jitter",
    "collection_offset",
    "flush_interval",
    "flush_jitter",
    "precision",
    "debug",
    "quiet",
    "logtarget",
    "logfile",
    "logfile_rotation_interval",
    "logfile_rotation_max_size",
    "logfile_rotation_max_archives",
    "log_with_timezone",
    "hostname",
    "omit_hostname",
    "snmp_translator",
    "statefile",
    "always_include_local_tags",
    "always_include_global_tags",
    "skip_processors_after_aggregators",
    "buffer_strategy",
    "buffer_directory",
];

/// Metric filters for any plugin. Source: `docs/CONFIGURATION.md`, "Metric Filtering".
pub const FILTER_OPTIONS: &[&str] = &[
    "namepass",
    "namepass_separator",
    "namedrop",
    "namedrop_separator",
    "tagpass",
    "tagdrop",
    "metricpass",
    "fieldinclude",
    "fieldexclude",
    "taginclude",
    "tagexclude",
];

/// Options of any input. Source: `docs/CONFIGURATION.md`, "Input Plugins".
pub const INPUT_OPTIONS: &[&str] = &[
    "alias",
    "interval",
    "precision",
    "collection_jitter",
    "collection_offset",
    "name_override",
    "name_prefix",
    "name_suffix",
    "tags",
    "log_level",
];

/// Options of any output. Source: `docs/CONFIGURATION.md`, "Output Plugins"; plus
/// `startup_error_behavior` for plugins that document it
/// (`docs/includes/startup_error_behavior.md`, included by the kafka output README,
/// docs.influxdata.com/telegraf/v1/output-plugins/kafka "Startup error behavior options").
pub const OUTPUT_OPTIONS: &[&str] = &[
    "alias",
    "flush_interval",
    "flush_jitter",
    "metric_batch_size",
    "metric_buffer_limit",
    "name_override",
    "name_prefix",
    "name_suffix",
    "log_level",
];

/// `inputs.execd`. Source: `plugins/inputs/execd/sample.conf` at tag v1.39.1
/// (`stop_on_error` since v1.31.0, PR #15271; `buffer_size` since v1.27.0) plus the
/// influx parser options of `docs/DATA_FORMATS_INPUT.md`.
pub const EXECD_OPTIONS: &[&str] = &[
    "command",
    "environment",
    "signal",
    "restart_delay",
    "buffer_size",
    "stop_on_error",
    "data_format",
    "influx_timestamp_precision",
    "influx_parser_type",
];

/// `processors.execd`. Source: `plugins/processors/execd/sample.conf` (command, environment,
/// restart_delay) and `plugins/processors/execd/execd.go` (`data_format`, default influx, used
/// for both directions; see shared/specs/telegraf-execd.md §2).
pub const PROCESSORS_EXECD_OPTIONS: &[&str] =
    &["command", "environment", "restart_delay", "data_format"];

/// Options of any processor. Source: docs.influxdata.com/telegraf/v1/configuration/plugin-options
/// ("Options for all plugin types": alias, log_level; "Processor plugin options": order).
pub const PROCESSOR_OPTIONS: &[&str] = &["alias", "log_level", "order"];

/// The values `signal` accepts, exactly. Source: `plugins/inputs/execd/sample.conf`.
pub const EXECD_SIGNALS: &[&str] = &["none", "STDIN", "SIGHUP", "SIGUSR1", "SIGUSR2"];

/// `outputs.kafka`. Source: `plugins/outputs/kafka/sample.conf` (master).
pub const KAFKA_OPTIONS: &[&str] = &[
    "brokers",
    "topic",
    "topic_tag",
    "exclude_topic_tag",
    "client_id",
    "version",
    "routing_tag",
    "routing_key",
    "compression_codec",
    "idempotent_writes",
    "required_acks",
    "max_retry",
    "max_message_bytes",
    "producer_timestamp",
    "metric_name_header",
    "enable_tls",
    "tls_ca",
    "tls_cert",
    "tls_key",
    "insecure_skip_verify",
    "keep_alive_period",
    "socks5_enabled",
    "socks5_address",
    "socks5_username",
    "socks5_password",
    "sasl_username",
    "sasl_password",
    "sasl_mechanism",
    "sasl_gssapi_service_name",
    "sasl_gssapi_auth_type",
    "sasl_gssapi_kerberos_config_path",
    "sasl_gssapi_realm",
    "sasl_gssapi_key_tab_path",
    "sasl_gssapi_disable_pafxfast",
    "sasl_access_token",
    "sasl_aws_msk_iam_region",
    "sasl_aws_msk_iam_profile",
    "sasl_aws_msk_iam_role",
    "sasl_aws_msk_iam_session",
    "sasl_extensions",
    "sasl_version",
    "metadata_full",
    "metadata_retry_max",
    "metadata_retry_type",
    "metadata_retry_backoff",
    "metadata_retry_max_duration",
    "data_format",
    "topic_suffix",
    "startup_error_behavior",
];

/// `[outputs.kafka.topic_suffix]`. Source: `plugins/outputs/kafka/sample.conf`.
pub const KAFKA_TOPIC_SUFFIX_OPTIONS: &[&str] = &["method", "keys", "separator"];

/// `outputs.influxdb_v2`. Source: `plugins/outputs/influxdb_v2/sample.conf` (master).
pub const INFLUXDB_V2_OPTIONS: &[&str] = &[
    "urls",
    "local_address",
    "token",
    "organization",
    "bucket",
    "bucket_tag",
    "exclude_bucket_tag",
    "timeout",
    "http_headers",
    "http_proxy",
    "user_agent",
    "content_encoding",
    "influx_uint_support",
    "influx_omit_timestamp",
    "ping_timeout",
    "read_idle_timeout",
    "tls_ca",
    "tls_cert",
    "tls_key",
    "insecure_skip_verify",
    "rate_limit",
    "rate_limit_period",
    "concurrent_writes",
    "data_format",
];

/// Docker secret store options. Source: `plugins/secretstores/docker/sample.conf` (v1.39).
pub const SECRETSTORE_DOCKER_OPTIONS: &[&str] = &["id", "path", "dynamic"];
