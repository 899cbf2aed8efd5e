//! Floats survive write → InfluxDB → JSON → `Series` bit for bit (serde_json's default float
//! parser may be off by one unit in the last place; this crate enables `float_roundtrip`).

mod support;

use influxdb_http::Query;
use rand::{Rng, SeedableRng};
use support::{fresh_db, influx};

#[tokio::test]
async fn floats_round_trip_bit_exact() {
    let Some(server) = influx() else { return };
    let (client, db) = fresh_db(server.url(), "floats").await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut values = vec![
        0.1 + 0.2,
        -0.0,
        89.0,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        1e300,
        -1.5e-300,
        123_456_789.123_456_79,
        2f64.powi(53) + 2.0,
    ];
    while values.len() < 5000 {
        let v = f64::from_bits(rng.random::<u64>());
        if v.is_finite() {
            values.push(v);
        }
    }
    let mut body = String::new();
    for (i, v) in values.iter().enumerate() {
        body.push_str(&format!("f v={v:?} {i}\n"));
    }
    client.write(body.as_bytes()).await.unwrap();
    let series = client
        .query(&db, &Query::new("SELECT v FROM f"))
        .await
        .unwrap();
    let back: Vec<(i64, f64)> = series
        .iter()
        .flat_map(|s| &s.values)
        .map(|row| (row[0].as_i64().unwrap(), row[1].as_f64().unwrap()))
        .collect();
    assert_eq!(back.len(), values.len());
    for (t, v) in back {
        let sent = values[t as usize];
        assert_eq!(
            v.to_bits(),
            sent.to_bits(),
            "point {t}: sent {sent:?}, read {v:?}"
        );
    }
}
