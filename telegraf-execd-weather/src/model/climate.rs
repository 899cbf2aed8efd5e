//! Per-station climate constants and the slow physics: temperature cycles, fronts, pressure,
//! wind. Everything here is a pure function of (station key, time in seconds).

use std::f64::consts::PI;

use crate::noise::{floor_i64, hash, mix, smooth, unit, wrap};
use crate::station::Station;

/// Noise channels, one per independent random quantity.
pub(crate) mod channel {
    pub const FRONT: u64 = 1;
    pub const TEMP_SLOW: u64 = 2;
    pub const TEMP_FAST: u64 = 3;
    pub const CLOUD: u64 = 4;
    pub const DEW: u64 = 5;
    pub const PRESSURE_SLOW: u64 = 6;
    pub const PRESSURE_FAST: u64 = 7;
    pub const WIND: u64 = 8;
    pub const WIND_DIR: u64 = 9;
    pub const RAIN: u64 = 10;
    pub const SPIKE: u64 = 11;
    pub const DROPOUT: u64 = 12;
    pub const STATION: u64 = 13;
}

/// Environmental lapse rate, °C per metre.
pub(crate) const LAPSE_RATE: f64 = 0.0065;
const DAY: f64 = 86_400.0;
const HOUR: f64 = 3_600.0;
const YEAR_DAYS: f64 = 365.2425;
/// Day (since 1970-01-01, mod year) of the northern summer's warmest point, ~20 July.
const WARMEST_DAY: f64 = 200.5;
/// Fronts are drawn in windows of this length; most windows hold one.
const FRONT_WINDOW: f64 = 3.5 * DAY;

/// Constants derived once from a station's position and the seed.
#[derive(Debug, Clone)]
pub(crate) struct Climate {
    pub key: u64,
    /// Annual mean temperature at the station's elevation, °C.
    mean_temp: f64,
    /// Half the difference between the warmest and coldest month, °C.
    seasonal_amp: f64,
    /// +1 north, -1 south: the seasonal cycle is reversed south of the equator.
    hemisphere: f64,
    /// Half the clear-sky day/night range, °C.
    diurnal_amp: f64,
    /// Longitude in hours, for local solar time.
    lon_hours: f64,
    /// Typical daily-mean temperature minus dew point, °C.
    dew_depression: f64,
    base_wind: f64,
    prevailing_dir: f64,
}

/// The state of the passing fronts at one instant.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fronts {
    /// 0 far from any front, ~1 at the centre of a strong one.
    pub index: f64,
    /// Pressure drop, hPa (≥ 0).
    pub pressure_drop: f64,
    /// Warm sector before the front (+), cold air behind (−), °C.
    pub temperature: f64,
    /// Wind veer through the front, degrees.
    pub veer: f64,
}

impl Fronts {
    /// Adds the effect at `t` of one front (centre s, width s, depth hPa).
    fn add(&mut self, (centre, width, depth): (f64, f64, f64), t: f64) {
        let x = (t - centre) / width;
        if x.abs() > 4.0 {
            return;
        }
        let g = (-x * x).exp();
        let strength = depth / 22.0;
        self.index += strength * g;
        self.pressure_drop += depth * g;
        self.temperature -= 8.0 * strength * x * g;
        // x/√(1+x²): a tanh-like sigmoid, much cheaper than tanh.
        self.veer += 70.0 * strength * x / (1.0 + x * x).sqrt() * g;
    }
}

impl Climate {
    pub fn new(station: &Station, seed: u64) -> Self {
        let key = mix(seed ^ crate::noise::fnv1a(&station.id));
        let lat = station.latitude.abs();
        let elevation_km = station.elevation / 1000.0;
        let sea_level_mean = 27.5 - 0.42 * (lat - 15.0).max(0.0);
        let r = |n: i64| unit(hash(key, channel::STATION, n));
        let prevailing_dir = if lat < 30.0 {
            // Trade winds: from the north-east north of the equator, south-east south of it.
            if station.latitude >= 0.0 { 60.0 } else { 120.0 }
        } else if lat < 60.0 {
            260.0 // westerlies
        } else {
            90.0 // polar easterlies
        };
        Climate {
            key,
            mean_temp: sea_level_mean - LAPSE_RATE * station.elevation,
            seasonal_amp: (0.16 * lat).max(0.5),
            hemisphere: if station.latitude >= 0.0 { 1.0 } else { -1.0 },
            diurnal_amp: 4.0 + 1.5 * elevation_km.max(0.0),
            lon_hours: station.longitude / 15.0,
            dew_depression: 3.0 + 3.0 * r(0) + 1.5 * elevation_km.max(0.0),
            base_wind: 2.5 + 2.5 * r(1) + if lat > 40.0 { 1.5 } else { 0.0 },
            prevailing_dir: prevailing_dir + 30.0 * (r(2) - 0.5),
        }
    }

    /// Local solar hour, 0..24.
    pub fn solar_hour(&self, t: f64) -> f64 {
        wrap(t * (1.0 / HOUR) + self.lon_hours, 24.0)
    }

    /// −1 in the depth of winter, +1 at the height of summer, for this hemisphere.
    pub fn season(&self, t: f64) -> f64 {
        self.hemisphere * ((t * (1.0 / DAY) - WARMEST_DAY) * (2.0 * PI / YEAR_DAYS)).cos()
    }

    /// The front drawn in window `j`, if any: (centre s, width s, depth hPa).
    fn front(&self, j: i64) -> Option<(f64, f64, f64)> {
        let h = hash(self.key, channel::FRONT, j);
        if unit(h) >= 0.75 {
            return None; // a quiet spell
        }
        let centre = (j as f64 + 0.15 + 0.7 * unit(mix(h ^ 1))) * FRONT_WINDOW;
        let width = 10.0 * HOUR * (1.0 + unit(mix(h ^ 2)));
        let depth = 6.0 + 16.0 * unit(mix(h ^ 3));
        Some((centre, width, depth))
    }

    /// The fronts' combined effect at `t` and at `earlier` (≤ `t`), drawing each window's front
    /// once. Each instant sums the fronts of its own window and both neighbours.
    pub fn fronts(&self, t: f64, earlier: f64) -> (Fronts, Fronts) {
        let window = floor_i64(t * (1.0 / FRONT_WINDOW));
        let earlier_window = floor_i64(earlier * (1.0 / FRONT_WINDOW));
        let (mut now, mut before) = (Fronts::default(), Fronts::default());
        for j in earlier_window.min(window) - 1..=window + 1 {
            let Some(front) = self.front(j) else { continue };
            if (j - window).abs() <= 1 {
                now.add(front, t);
            }
            if (j - earlier_window).abs() <= 1 {
                before.add(front, earlier);
            }
        }
        (now, before)
    }

    /// Sea-level pressure now and three hours earlier, hPa: a slow bounded random walk, minus
    /// the fronts, plus the semi-diurnal atmospheric tide (peaks near 10:00 and 22:00 solar
    /// time). `fronts_earlier` is [`Climate::fronts`] at `t - 3 h`.
    pub fn pressure_and_3h_before(
        &self,
        t: f64,
        solar_hour: f64,
        fronts: &Fronts,
        fronts_earlier: &Fronts,
    ) -> (f64, f64) {
        let walk = |t: f64| {
            1013.25
                + 7.0 * smooth(self.key, channel::PRESSURE_SLOW, t, 4.0 * DAY)
                + 2.5 * smooth(self.key, channel::PRESSURE_FAST, t, 20.0 * HOUR)
        };
        // Three hours is a quarter of the tide's 12 h period: cos(a - π/2) = sin(a).
        let (sin, cos) = ((solar_hour - 10.0) * (2.0 * PI / 12.0)).sin_cos();
        let now = walk(t) - fronts.pressure_drop + 0.6 * cos;
        let before = walk(t - 3.0 * HOUR) - fronts_earlier.pressure_drop + 0.6 * sin;
        (now, before)
    }

    /// Cloud cover 0..1: more near fronts.
    pub fn cloud(&self, t: f64, fronts: &Fronts) -> f64 {
        (0.25 + 0.55 * fronts.index + 0.35 * smooth(self.key, channel::CLOUD, t, 6.0 * HOUR))
            .clamp(0.0, 1.0)
    }

    /// Temperature without the day/night cycle: climate, season, weather noise, fronts.
    pub fn daily_mean_temperature(&self, t: f64, fronts: &Fronts) -> f64 {
        self.mean_temp
            + self.seasonal_amp * self.season(t)
            + 2.5 * smooth(self.key, channel::TEMP_SLOW, t, 2.5 * DAY)
            + 1.0 * smooth(self.key, channel::TEMP_FAST, t, 7.0 * HOUR)
            + fronts.temperature
    }

    /// The day/night offset, °C, from [`diurnal_shape`] of the solar hour, damped by cloud.
    pub fn diurnal(&self, shape: f64, cloud: f64) -> f64 {
        self.diurnal_amp * (1.0 - 0.6 * cloud) * shape
    }

    /// Dew point before it is capped by the temperature: follows the daily mean, moister near
    /// fronts.
    pub fn dew_point(&self, t: f64, daily_mean: f64, fronts: &Fronts) -> f64 {
        daily_mean - self.dew_depression * (1.0 - 0.55 * fronts.index.min(1.0))
            + 1.2 * smooth(self.key, channel::DEW, t, 1.3 * DAY)
    }

    /// Wind speed (m/s) and direction (degrees, from): stronger in the afternoon and with fronts,
    /// veering as a front passes.
    pub fn wind(&self, t: f64, shape: f64, fronts: &Fronts) -> (f64, f64) {
        let daytime = shape.max(0.0);
        let speed = self.base_wind * (0.75 + 0.35 * daytime)
            + 8.0 * fronts.index
            + 1.5 * smooth(self.key, channel::WIND, t, 5.0 * HOUR);
        let dir =
            self.prevailing_dir + 45.0 * smooth(self.key, channel::WIND_DIR, t, DAY) + fronts.veer;
        (speed.max(0.0), wrap(dir, 360.0))
    }
}

/// −1 at 06:00 solar time (around sunrise), +1 at 15:00, smooth in between: a quick morning
/// rise over 9 h and a slow evening/night fall over 15 h.
pub(crate) fn diurnal_shape(solar_hour: f64) -> f64 {
    let h = if solar_hour < 6.0 {
        solar_hour + 24.0
    } else {
        solar_hour
    };
    if h <= 15.0 {
        -(PI * (h - 6.0) / 9.0).cos()
    } else {
        (PI * (h - 15.0) / 15.0).cos()
    }
}

/// Magnus formula coefficients (Alduchov & Eskridge 1996).
const MAGNUS_B: f64 = 17.625;
const MAGNUS_C: f64 = 243.04;

/// Relative humidity (%) from temperature and dew point (°C), by the Magnus formula.
///
/// 100 % when they are equal; always in (0, 100] for `dew_point <= temperature`.
pub fn relative_humidity(temperature: f64, dew_point: f64) -> f64 {
    100.0
        * (MAGNUS_B * dew_point / (MAGNUS_C + dew_point)
            - MAGNUS_B * temperature / (MAGNUS_C + temperature))
            .exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diurnal_shape_extremes() {
        assert!((diurnal_shape(6.0) + 1.0).abs() < 1e-12);
        assert!((diurnal_shape(15.0) - 1.0).abs() < 1e-12);
        assert!((diurnal_shape(5.999) - diurnal_shape(6.001)).abs() < 1e-3);
        for h in 0..240 {
            let v = diurnal_shape(f64::from(h) / 10.0);
            assert!((-1.0..=1.0).contains(&v));
        }
    }

    #[test]
    fn magnus_matches_reference_values() {
        assert!((relative_humidity(20.0, 20.0) - 100.0).abs() < 1e-9);
        // 20 °C with a 10 °C dew point is about 52 % RH.
        let rh = relative_humidity(20.0, 10.0);
        assert!((rh - 52.5).abs() < 1.0, "{rh}");
    }
}
