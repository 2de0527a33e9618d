//! A shop's reminder settings (the store setting `reminders`, overridable by `tailor serve`
//! flags) and the calendar arithmetic they imply: local dates, the daily run time, quiet hours.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde_json::{Map, Value, json};
use tailor_model::{FieldError, Millis};

/// The name of the store setting.
pub const SETTINGS_KEY: &str = "reminders";
/// Most days a restarted scheduler catches up on.
pub const MAX_CATCH_UP_DAYS: i64 = 7;

/// How and when one shop's reminders go out.
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderSettings {
    /// Whether the scheduler creates reminders for this shop.
    pub enabled: bool,
    /// Local time of the daily run.
    pub send_at: Time,
    /// The shop's time zone (IANA name), for dates, the run time and quiet hours.
    pub timezone: String,
    tz: TimeZone,
    /// No delivery between these local times (start, end; may wrap midnight).
    pub quiet_hours: Option<(Time, Time)>,
    /// At most this many messages to one shopper...
    pub max_per_shopper: u32,
    /// ...within this many days.
    pub cap_days: u32,
    /// The sender address.
    pub from: String,
    /// The shop's base URL, for product links without their own URL.
    pub shop_url: String,
    /// Tailor's public base URL, for the unsubscribe link.
    pub public_url: String,
    /// Personalized recommendations added under the due items.
    pub recommendations: usize,
    /// Delivery attempts before a message is given up.
    pub max_attempts: u32,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            send_at: Time::constant(9, 0, 0, 0),
            timezone: "UTC".into(),
            tz: TimeZone::UTC,
            quiet_hours: None,
            max_per_shopper: 1,
            cap_days: 7,
            from: "Shop <reminders@localhost>".into(),
            shop_url: "http://localhost".into(),
            public_url: "http://127.0.0.1:7070".into(),
            recommendations: 4,
            max_attempts: 8,
        }
    }
}

fn err(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError::new(None, field, reason)
}

/// Parses `HH:MM` (24 h).
pub fn parse_time(s: &str, field: &str) -> Result<Time, FieldError> {
    let bad = || {
        err(
            field,
            format!("{s:?} is not a time of day as HH:MM (00:00 to 23:59)"),
        )
    };
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str, field: &str) -> Result<Date, FieldError> {
    let ok = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !ok {
        return Err(err(field, format!("{s:?} is not a date as YYYY-MM-DD")));
    }
    s.parse::<Date>()
        .map_err(|_| err(field, format!("{s:?} is not a calendar date")))
}

/// Looks up an IANA time zone.
pub fn parse_timezone(s: &str, field: &str) -> Result<TimeZone, FieldError> {
    TimeZone::get(s).map_err(|_| {
        err(
            field,
            format!("unknown time zone {s:?}; use an IANA name such as Europe/Berlin or UTC"),
        )
    })
}

fn fmt_time(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

impl ReminderSettings {
    /// The shop's time zone.
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// Sets the time zone by IANA name.
    pub fn set_timezone(&mut self, name: &str) -> Result<(), FieldError> {
        self.tz = parse_timezone(name, "timezone")?;
        self.timezone = name.to_string();
        Ok(())
    }

    /// These settings with the fields of `v` applied; every mistake names its field.
    pub fn merged(&self, v: &Value) -> Result<Self, FieldError> {
        let o: &Map<String, Value> = v
            .as_object()
            .ok_or_else(|| err("body", "must be a JSON object"))?;
        let mut s = self.clone();
        for (k, v) in o {
            let text = || {
                v.as_str()
                    .filter(|x| !x.trim().is_empty() && x.len() <= 500)
                    .ok_or_else(|| err(k, "must be a non-empty string of at most 500 characters"))
            };
            let count = |max: u64| {
                v.as_u64()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| err(k, format!("must be an integer from 1 to {max}")))
            };
            match k.as_str() {
                "enabled" => {
                    s.enabled = v.as_bool().ok_or_else(|| err(k, "must be true or false"))?
                }
                "send_at" => s.send_at = parse_time(text()?, k)?,
                "timezone" => {
                    s.tz = parse_timezone(text()?, k)?;
                    s.timezone = text()?.to_string();
                }
                "quiet_hours" => {
                    s.quiet_hours = match v {
                        Value::Null => None,
                        Value::Object(q) => {
                            let t = |f: &str| {
                                let path = format!("quiet_hours.{f}");
                                q.get(f)
                                    .and_then(Value::as_str)
                                    .ok_or_else(|| err(&path, "is required: HH:MM"))
                                    .and_then(|x| parse_time(x, &path))
                            };
                            Some((t("start")?, t("end")?))
                        }
                        _ => {
                            return Err(err(
                                k,
                                "must be {\"start\": \"HH:MM\", \"end\": \"HH:MM\"} or null",
                            ));
                        }
                    }
                }
                "max_per_shopper" => s.max_per_shopper = count(100)? as u32,
                "cap_days" => s.cap_days = count(365)? as u32,
                "from" => {
                    let f = text()?;
                    if !f.contains('@') {
                        return Err(err(
                            k,
                            "must be an email address, optionally as \"Name <addr>\"",
                        ));
                    }
                    s.from = f.to_string();
                }
                "shop_url" | "public_url" => {
                    let u = text()?.trim_end_matches('/');
                    if !(u.starts_with("http://") || u.starts_with("https://")) {
                        return Err(err(k, "must be an http:// or https:// URL"));
                    }
                    if k == "shop_url" {
                        s.shop_url = u.to_string();
                    } else {
                        s.public_url = u.to_string();
                    }
                }
                "recommendations" => {
                    s.recommendations = v
                        .as_u64()
                        .filter(|n| *n <= 20)
                        .ok_or_else(|| err(k, "must be an integer from 0 to 20"))?
                        as usize
                }
                "max_attempts" => s.max_attempts = count(50)? as u32,
                other => {
                    return Err(err(
                        other,
                        "unknown setting; use enabled, send_at, timezone, quiet_hours, max_per_shopper, cap_days, from, shop_url, public_url, recommendations, max_attempts",
                    ));
                }
            }
        }
        Ok(s)
    }

    /// The settings as JSON (what is stored and shown).
    pub fn to_json(&self) -> Value {
        json!({
            "enabled": self.enabled,
            "send_at": fmt_time(self.send_at),
            "timezone": self.timezone,
            "quiet_hours": self.quiet_hours.map(|(a, b)| json!({"start": fmt_time(a), "end": fmt_time(b)})),
            "max_per_shopper": self.max_per_shopper,
            "cap_days": self.cap_days,
            "from": self.from,
            "shop_url": self.shop_url,
            "public_url": self.public_url,
            "recommendations": self.recommendations,
            "max_attempts": self.max_attempts,
        })
    }

    /// The local date at `t`.
    pub fn local_date(&self, t: Millis) -> Date {
        Timestamp::from_millisecond(t)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.tz.clone())
            .date()
    }

    /// Start of `date` and of the day after, in Unix ms (a DST day may be 23 or 25 hours).
    pub fn day_bounds(&self, date: Date) -> (Millis, Millis) {
        let start = |d: Date| {
            d.to_zoned(self.tz.clone())
                .map_or(0, |z| z.timestamp().as_millisecond())
        };
        let next = date.checked_add(1.day()).unwrap_or(date);
        (start(date), start(next))
    }

    /// When the run of `date` is due.
    pub fn run_time(&self, date: Date) -> Millis {
        date.to_datetime(self.send_at)
            .to_zoned(self.tz.clone())
            .map_or(0, |z| z.timestamp().as_millisecond())
    }

    /// The earliest time at or after `t` outside quiet hours.
    pub fn after_quiet(&self, t: Millis) -> Millis {
        let Some((start, end)) = self.quiet_hours else {
            return t;
        };
        let z = Timestamp::from_millisecond(t)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.tz.clone());
        let now = z.time();
        let quiet = if start <= end {
            now >= start && now < end
        } else {
            now >= start || now < end
        };
        if !quiet {
            return t;
        }
        // The end of this quiet period: today, or tomorrow when it wraps past midnight.
        let day = if start > end && now >= start {
            z.date().checked_add(1.day()).unwrap_or(z.date())
        } else {
            z.date()
        };
        day.to_datetime(end)
            .to_zoned(self.tz.clone())
            .map_or(t, |z| z.timestamp().as_millisecond().max(t))
    }
}

/// A date as `YYYY-MM-DD`.
pub fn date_string(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_name_the_bad_field() {
        let s = ReminderSettings::default()
            .merged(&json!({"send_at": "07:30", "timezone": "Europe/Berlin",
                            "quiet_hours": {"start": "21:00", "end": "08:00"}, "max_per_shopper": 2}))
            .unwrap();
        assert_eq!(s.send_at, Time::constant(7, 30, 0, 0));
        assert_eq!(s.to_json()["quiet_hours"]["end"], "08:00");
        let again = ReminderSettings::default().merged(&s.to_json()).unwrap();
        assert_eq!(again, s);
        for (body, field) in [
            (json!({"send_at": "25:00"}), "send_at"),
            (json!({"send_at": "9:00"}), "send_at"),
            (json!({"timezone": "Mars/Olympus"}), "timezone"),
            (
                json!({"quiet_hours": {"start": "21:00"}}),
                "quiet_hours.end",
            ),
            (json!({"max_per_shopper": 0}), "max_per_shopper"),
            (json!({"from": "nobody"}), "from"),
            (json!({"colour": "red"}), "colour"),
            (json!([]), "body"),
        ] {
            let e = ReminderSettings::default().merged(&body).unwrap_err();
            assert_eq!(e.field, field, "{body}");
        }
    }

    #[test]
    fn dates_are_checked_strictly() {
        assert_eq!(
            date_string(parse_date("2026-02-28", "date").unwrap()),
            "2026-02-28"
        );
        for bad in [
            "2026-02-30",
            "2026-2-28",
            "28.02.2026",
            "",
            "２０２６-02-28",
            "2026-02-28T00",
        ] {
            assert_eq!(parse_date(bad, "date").unwrap_err().field, "date", "{bad}");
        }
    }

    #[test]
    fn local_days_run_times_and_quiet_hours_follow_the_time_zone() {
        let mut s = ReminderSettings::default();
        s.set_timezone("Europe/Berlin").unwrap();
        s.quiet_hours = Some((Time::constant(21, 0, 0, 0), Time::constant(8, 0, 0, 0)));
        let d = parse_date("2026-03-29", "d").unwrap(); // DST starts: a 23-hour day
        let (a, b) = s.day_bounds(d);
        assert_eq!(b - a, 23 * 3_600_000);
        assert_eq!(s.local_date(a), d);
        assert_eq!(s.local_date(b - 1), d);
        // 09:00 in Berlin on 2026-01-15 is 08:00 UTC.
        let jan = parse_date("2026-01-15", "d").unwrap();
        let run = s.run_time(jan);
        assert_eq!(run, s.day_bounds(jan).0 + 9 * 3_600_000);
        assert_eq!(s.after_quiet(run), run);
        // 22:00 local is quiet until 08:00 the next day; 03:00 until 08:00 the same day.
        let night = s.day_bounds(jan).0 + 22 * 3_600_000;
        assert_eq!(s.after_quiet(night), s.day_bounds(jan).1 + 8 * 3_600_000);
        let early = s.day_bounds(jan).0 + 3 * 3_600_000;
        assert_eq!(s.after_quiet(early), s.day_bounds(jan).0 + 8 * 3_600_000);
    }
}
