//! Weather stations: where a series comes from, and the built-in set.

use serde::Deserialize;

/// One station. `id` becomes the `station` tag; `city` and `country` are tags too; `name` is
/// descriptive only. Position drives the model: latitude (season, climate), longitude (local
/// solar time), elevation (lapse rate).
///
/// ```
/// use telegraf_execd_weather::Station;
/// let s = Station::new("quito", "Quito Mariscal Sucre", "Quito", "EC", -0.1292, -78.3575, 2400.0);
/// assert!(s.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Station {
    /// Unique id, the `station` tag value (e.g. `paris`).
    pub id: String,
    /// Human-readable name (not emitted).
    #[serde(default)]
    pub name: String,
    /// The `city` tag value.
    pub city: String,
    /// The `country` tag value (ISO 3166 alpha-2 by convention).
    pub country: String,
    /// Degrees north, -90..=90.
    pub latitude: f64,
    /// Degrees east, -180..=180.
    pub longitude: f64,
    /// Metres above sea level, -500..=9000.
    #[serde(default)]
    pub elevation: f64,
}

/// A station that cannot be modelled; the message names the station and the field.
///
/// ```
/// use telegraf_execd_weather::Station;
/// let s = Station::new("x", "", "X", "XX", 95.0, 0.0, 0.0);
/// assert_eq!(s.validate().unwrap_err().to_string(), "station \"x\": latitude 95 is outside -90..=90");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("station {id:?}: {problem}")]
pub struct StationError {
    /// The station's id.
    pub id: String,
    /// What is wrong.
    pub problem: String,
}

impl Station {
    /// Builds a station.
    ///
    /// ```
    /// let s = telegraf_execd_weather::Station::new("a", "A", "A", "AA", 0.0, 0.0, 0.0);
    /// assert_eq!(s.id, "a");
    /// ```
    pub fn new(
        id: &str,
        name: &str,
        city: &str,
        country: &str,
        latitude: f64,
        longitude: f64,
        elevation: f64,
    ) -> Self {
        Station {
            id: id.into(),
            name: name.into(),
            city: city.into(),
            country: country.into(),
            latitude,
            longitude,
            elevation,
        }
    }

    /// Checks ranges and that the tag values are non-empty.
    ///
    /// ```
    /// let s = telegraf_execd_weather::Station::new("a", "", "", "AA", 0.0, 0.0, 0.0);
    /// assert!(s.validate().unwrap_err().to_string().contains("city"));
    /// ```
    pub fn validate(&self) -> Result<(), StationError> {
        let fail = |problem: String| {
            Err(StationError {
                id: self.id.clone(),
                problem,
            })
        };
        for (name, value) in [
            ("id", &self.id),
            ("city", &self.city),
            ("country", &self.country),
        ] {
            if value.trim().is_empty() {
                return fail(format!("{name} must not be empty"));
            }
            if value.ends_with('\\') || value.chars().any(char::is_control) {
                return fail(format!(
                    "{name} {value:?} must not contain control characters or end with a backslash"
                ));
            }
        }
        let ranges = [
            ("latitude", self.latitude, -90.0, 90.0),
            ("longitude", self.longitude, -180.0, 180.0),
            ("elevation", self.elevation, -500.0, 9000.0),
        ];
        for (name, v, lo, hi) in ranges {
            if !(lo..=hi).contains(&v) {
                return fail(format!("{name} {v} is outside {lo}..={hi}"));
            }
        }
        Ok(())
    }
}

/// Validates a station list: each station, at least one, ids unique.
///
/// ```
/// use telegraf_execd_weather::station::{default_stations, validate_stations};
/// let mut s = default_stations();
/// assert!(validate_stations(&s).is_ok());
/// s.push(s[0].clone());
/// assert!(validate_stations(&s).unwrap_err().to_string().contains("duplicate"));
/// ```
pub fn validate_stations(stations: &[Station]) -> Result<(), StationError> {
    if stations.is_empty() {
        return Err(StationError {
            id: String::new(),
            problem: "the station list is empty".into(),
        });
    }
    for (i, s) in stations.iter().enumerate() {
        s.validate()?;
        if stations[..i].iter().any(|o| o.id == s.id) {
            return Err(StationError {
                id: s.id.clone(),
                problem: "duplicate station id".into(),
            });
        }
    }
    Ok(())
}

/// The built-in set: 12 real stations on six continents, both hemispheres, sea level to 1800 m.
///
/// ```
/// let s = telegraf_execd_weather::station::default_stations();
/// assert!(s.len() >= 10);
/// assert!(s.iter().any(|s| s.latitude < 0.0) && s.iter().any(|s| s.latitude > 0.0));
/// ```
pub fn default_stations() -> Vec<Station> {
    [
        (
            "paris",
            "Paris-Montsouris",
            "Paris",
            "FR",
            48.8217,
            2.3378,
            75.0,
        ),
        (
            "london",
            "London Heathrow",
            "London",
            "GB",
            51.4787,
            -0.4614,
            25.0,
        ),
        (
            "reykjavik",
            "Reykjavik",
            "Reykjavik",
            "IS",
            64.1275,
            -21.9028,
            52.0,
        ),
        (
            "new_york",
            "New York Central Park",
            "New York",
            "US",
            40.7789,
            -73.9692,
            40.0,
        ),
        (
            "denver",
            "Denver International",
            "Denver",
            "US",
            39.8466,
            -104.6562,
            1655.0,
        ),
        ("tokyo", "Tokyo", "Tokyo", "JP", 35.6917, 139.7500, 25.0),
        (
            "singapore",
            "Singapore Changi",
            "Singapore",
            "SG",
            1.3502,
            103.9940,
            5.0,
        ),
        (
            "nairobi",
            "Nairobi Dagoretti Corner",
            "Nairobi",
            "KE",
            -1.3019,
            36.7600,
            1798.0,
        ),
        (
            "cape_town",
            "Cape Town International",
            "Cape Town",
            "ZA",
            -33.9648,
            18.6017,
            42.0,
        ),
        (
            "sydney",
            "Sydney Observatory Hill",
            "Sydney",
            "AU",
            -33.8607,
            151.2050,
            39.0,
        ),
        (
            "sao_paulo",
            "Sao Paulo Mirante de Santana",
            "São Paulo",
            "BR",
            -23.4964,
            -46.6200,
            792.0,
        ),
        (
            "buenos_aires",
            "Buenos Aires Observatorio",
            "Buenos Aires",
            "AR",
            -34.5875,
            -58.4836,
            25.0,
        ),
    ]
    .into_iter()
    .map(|(id, name, city, country, lat, lon, elev)| {
        Station::new(id, name, city, country, lat, lon, elev)
    })
    .collect()
}
