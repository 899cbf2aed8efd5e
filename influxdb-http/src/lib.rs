//! influxdb-http
