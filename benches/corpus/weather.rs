//! The weather corpus: what the weather plugin writes. 1000 stations, tags `station`, `city`,
//! `country`; seven fields (five floats, an integer, a string); nanosecond timestamps.

use std::fmt::Write;

use super::rng::Rng;

const CITIES: &[(&str, &str, f64)] = &[
    ("Paris", "FR", 12.0),
    ("Lyon", "FR", 13.0),
    ("Berlin", "DE", 10.0),
    ("München", "DE", 9.0),
    ("Zürich", "CH", 9.5),
    ("Kraków", "PL", 8.5),
    ("Reykjavík", "IS", 4.5),
    ("London", "GB", 11.0),
    ("New York", "US", 13.0),
    ("Los Angeles", "US", 18.5),
    ("San Francisco", "US", 14.5),
    ("Mexico City", "MX", 16.5),
    ("São Paulo", "BR", 20.5),
    ("Rio de Janeiro", "BR", 24.0),
    ("Buenos Aires", "AR", 18.0),
    ("Cape Town", "ZA", 17.0),
    ("Nairobi", "KE", 19.0),
    ("Cairo", "EG", 22.5),
    ("Tel Aviv", "IL", 21.0),
    ("Mumbai", "IN", 27.5),
    ("New Delhi", "IN", 25.0),
    ("Kuala Lumpur", "MY", 27.0),
    ("Hong Kong", "HK", 23.5),
    ("Tokyo", "JP", 16.0),
    ("Sydney", "AU", 18.0),
];

const CONDITIONS: &[&str] = &[
    "clear",
    "partly cloudy",
    "overcast",
    "fog",
    "drizzle",
    "light rain",
    "heavy rain",
    "thunderstorm",
    "snow",
    "sleet",
];

const STATIONS: usize = 1000;
const ROUNDS: i64 = 32;
const START_NS: i64 = 1_700_000_000_000_000_000;
const INTERVAL_NS: i64 = 60_000_000_000;

/// About 6 MB: 32 rounds of one reading per station, one minute apart.
pub fn weather() -> String {
    let mut rng = Rng::new(0x5EA7_4E12);
    let mut out = String::with_capacity(7 << 20);
    for round in 0..ROUNDS {
        let ts = START_NS + round * INTERVAL_NS;
        for station in 0..STATIONS {
            let (city, country, mean) = CITIES[station % CITIES.len()];
            let temperature = mean + rng.range(-8.0, 8.0);
            let humidity = rng.range(20.0, 100.0);
            let pressure = rng.range(980.0, 1040.0);
            let wind_speed = rng.range(0.0, 25.0);
            let wind_direction = rng.below(360);
            let precipitation = if rng.below(4) == 0 {
                rng.range(0.0, 12.0)
            } else {
                0.0
            };
            let condition = rng.pick(CONDITIONS);
            writeln!(
                out,
                "weather,city={},country={country},station={country}-{station:04} \
                 temperature={temperature:.2},humidity={humidity:.1},pressure={pressure:.1},\
                 wind_speed={wind_speed:.1},wind_direction={wind_direction}i,\
                 precipitation={precipitation:.2},condition=\"{condition}\" {ts}",
                city.replace(' ', "\\ "),
            )
            .expect("writing to a String");
        }
    }
    out
}
