//! One station's reading at one instant, rounded the way an instrument reports it, and the
//! rules that keep the fields consistent with each other after rounding.

use super::climate::relative_humidity;
use crate::noise::round_f64;

/// What the sky is doing, written as the `condition` string field.
///
/// ```
/// use telegraf_execd_weather::Condition;
/// assert_eq!(Condition::LightRain.as_str(), "light rain");
/// assert!(Condition::HeavyRain.is_precipitation());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Condition {
    /// Few clouds, dry.
    Clear,
    /// Some cloud, dry.
    PartlyCloudy,
    /// Overcast, dry.
    Cloudy,
    /// Saturated air, light wind, dry.
    Fog,
    /// Rain below 2.5 mm/h.
    LightRain,
    /// Rain 2.5–7.6 mm/h.
    Rain,
    /// Rain above 7.6 mm/h.
    HeavyRain,
    /// Snow below 1 mm/h water equivalent.
    LightSnow,
    /// Snow at 1 mm/h or more.
    Snow,
}

impl Condition {
    /// The field value.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_weather::Condition::PartlyCloudy.as_str(), "partly cloudy");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Clear => "clear",
            Condition::PartlyCloudy => "partly cloudy",
            Condition::Cloudy => "cloudy",
            Condition::Fog => "fog",
            Condition::LightRain => "light rain",
            Condition::Rain => "rain",
            Condition::HeavyRain => "heavy rain",
            Condition::LightSnow => "light snow",
            Condition::Snow => "snow",
        }
    }

    /// True for rain and snow.
    ///
    /// ```
    /// assert!(!telegraf_execd_weather::Condition::Fog.is_precipitation());
    /// ```
    pub fn is_precipitation(self) -> bool {
        matches!(
            self,
            Condition::LightRain
                | Condition::Rain
                | Condition::HeavyRain
                | Condition::LightSnow
                | Condition::Snow
        )
    }
}

/// A reading. Units: °C, %, hPa (sea level), m/s, degrees (wind from), mm (in the last hour).
///
/// Invariants (hold on the rounded values): `dew_point <= temperature`; `humidity` is the Magnus
/// humidity of (`temperature`, `dew_point`) to 0.1 %; `precipitation > 0` only if
/// `humidity >= 85` and `pressure_tendency < 0`; `condition` agrees with `precipitation`.
///
/// ```
/// use telegraf_execd_weather::{model::relative_humidity, WeatherModel};
/// let o = WeatherModel::with_default_stations(1).observe(2, 1_700_000_000_000_000_000).unwrap();
/// assert!((o.humidity - relative_humidity(o.temperature, o.dew_point)).abs() <= 0.05 + 1e-9);
/// assert!((0..360).contains(&o.wind_direction));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// Air temperature, °C (0.01).
    pub temperature: f64,
    /// Relative humidity, % (0.1).
    pub humidity: f64,
    /// Sea-level pressure, hPa (0.01).
    pub pressure: f64,
    /// Pressure change over the last 3 hours, hPa (not emitted; explains rain).
    pub pressure_tendency: f64,
    /// Wind speed, m/s (0.1).
    pub wind_speed: f64,
    /// Direction the wind blows from, whole degrees 0..360.
    pub wind_direction: i64,
    /// Precipitation over the last hour, mm (0.1).
    pub precipitation: f64,
    /// Dew point, °C (0.01).
    pub dew_point: f64,
    /// Sky condition.
    pub condition: Condition,
}

/// Rounds to 2 decimals exactly as the float will print (avoids `21.370000000000001`).
fn round2(v: f64) -> f64 {
    round_f64(v * 100.0) / 100.0
}

fn round1(v: f64) -> f64 {
    round_f64(v * 10.0) / 10.0
}

impl Observation {
    /// Assembles a reading from the model's raw quantities, rounding and enforcing the
    /// invariants. `rain_draw` is a uniform [0, 1) draw for the rain rate's randomness.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        temperature: f64,
        dew_point: f64,
        pressure: f64,
        pressure_tendency: f64,
        wind_speed: f64,
        wind_direction: f64,
        cloud: f64,
        front_index: f64,
        rain_draw: f64,
    ) -> Self {
        let temperature = round2(temperature);
        let dew_point = round2(dew_point).min(temperature);
        let humidity = round1(relative_humidity(temperature, dew_point)).min(100.0);
        let pressure_tendency = round2(pressure_tendency);
        let wind_speed = round1(wind_speed);
        let wind_direction = (round_f64(wind_direction) as i64).rem_euclid(360);
        let precipitation = if humidity >= 85.0 && pressure_tendency < -0.3 {
            let wetness = (humidity - 85.0) / 15.0;
            let falling = (-pressure_tendency).min(6.0) / 2.0;
            round1(wetness * falling * (0.4 + front_index) * (0.5 + rain_draw) * 4.0)
        } else {
            0.0
        };
        let condition = if precipitation > 0.0 {
            match (temperature < 0.5, precipitation) {
                (true, p) if p < 1.0 => Condition::LightSnow,
                (true, _) => Condition::Snow,
                (false, p) if p < 2.5 => Condition::LightRain,
                (false, p) if p < 7.6 => Condition::Rain,
                (false, _) => Condition::HeavyRain,
            }
        } else if humidity >= 97.0 && wind_speed < 3.0 {
            Condition::Fog
        } else if cloud > 0.7 {
            Condition::Cloudy
        } else if cloud > 0.35 {
            Condition::PartlyCloudy
        } else {
            Condition::Clear
        };
        Observation {
            temperature,
            humidity,
            pressure: round2(pressure),
            pressure_tendency,
            wind_speed,
            wind_direction,
            precipitation,
            dew_point,
            condition,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_keeps_invariants() {
        let o = Observation::new(10.004, 10.006, 1000.0, -1.0, 3.0, 359.6, 0.5, 0.5, 0.5);
        assert!(o.dew_point <= o.temperature);
        assert_eq!(o.humidity, 100.0);
        assert_eq!(o.wind_direction, 0);
        assert!(o.precipitation > 0.0 && o.condition.is_precipitation());
        let dry = Observation::new(25.0, 5.0, 1020.0, -3.0, 3.0, 10.0, 0.1, 0.0, 0.9);
        assert_eq!(dry.precipitation, 0.0);
        assert_eq!(dry.condition, Condition::Clear);
        let rising = Observation::new(10.0, 10.0, 1000.0, 0.5, 1.0, 10.0, 0.9, 1.0, 0.9);
        assert_eq!(rising.precipitation, 0.0);
        assert_eq!(rising.condition, Condition::Fog);
    }

    #[test]
    fn snow_below_freezing() {
        let o = Observation::new(-3.0, -3.0, 990.0, -4.0, 5.0, 10.0, 1.0, 1.0, 0.9);
        assert!(
            matches!(o.condition, Condition::Snow | Condition::LightSnow),
            "{o:?}"
        );
    }
}
