//! The Prometheus text exposition format (version 0.0.4): a writer of metric families
//! and samples, and a lock-free latency [`Histogram`] that renders as one.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// The `Content-Type` of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the latency buckets, in microseconds (1 ms … 60 s).
const BOUNDS_US: [u64; 15] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000,
    10_000_000, 30_000_000, 60_000_000,
];

/// A metric family's kind.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Only goes up (resets when the process restarts).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations in cumulative buckets, with their sum and count.
    Histogram,
}

/// An exposition being written.
#[derive(Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    /// Starts the family `name` (its `# HELP` and `# TYPE` lines).
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) -> &mut Self {
        let kind = match kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        };
        let _ = writeln!(
            self.text,
            "# HELP {name} {}\n# TYPE {name} {kind}",
            help.replace('\\', "\\\\").replace('\n', "\\n")
        );
        self
    }

    /// One sample of `name` with `labels` (name, value pairs).
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Into<f64>) -> &mut Self {
        self.text.push_str(name);
        write_labels(&mut self.text, labels, None);
        let value: f64 = value.into();
        let _ = if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e15 {
            writeln!(self.text, " {}", value as i64)
        } else {
            writeln!(self.text, " {value}")
        };
        self
    }

    /// The text.
    pub fn finish(self) -> String {
        self.text
    }
}

fn write_labels(text: &mut String, labels: &[(&str, &str)], le: Option<&str>) {
    if labels.is_empty() && le.is_none() {
        return;
    }
    text.push('{');
    let le = le.map(|le| ("le", le));
    for (i, (name, value)) in labels.iter().copied().chain(le).enumerate() {
        if i > 0 {
            text.push(',');
        }
        let _ = write!(text, "{name}=\"");
        for c in value.chars() {
            match c {
                '\\' => text.push_str("\\\\"),
                '"' => text.push_str("\\\""),
                '\n' => text.push_str("\\n"),
                c => text.push(c),
            }
        }
        text.push('"');
    }
    text.push('}');
}

/// Latencies in fixed buckets (1 ms to 60 s), recorded with two atomic additions.
pub struct Histogram {
    buckets: [AtomicU64; BOUNDS_US.len() + 1],
    sum_us: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self { buckets: std::array::from_fn(|_| AtomicU64::new(0)), sum_us: AtomicU64::new(0) }
    }
}

impl Histogram {
    /// Records one observation of `us` microseconds.
    pub fn observe_us(&self, us: u64) {
        let bucket = BOUNDS_US.iter().position(|&bound| us <= bound).unwrap_or(BOUNDS_US.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// How many observations were recorded.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// Writes the `_bucket`, `_sum` (seconds) and `_count` samples of `name`.
    pub fn write(&self, out: &mut Exposition, name: &str, labels: &[(&str, &str)]) {
        let mut cumulative = 0;
        for (i, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = BOUNDS_US.get(i).map_or_else(|| "+Inf".to_owned(), |us| (*us as f64 / 1e6).to_string());
            out.text.push_str(name);
            out.text.push_str("_bucket");
            write_labels(&mut out.text, labels, Some(&le));
            let _ = writeln!(out.text, " {cumulative}");
        }
        out.sample(&format!("{name}_sum"), labels, self.sum_us.load(Ordering::Relaxed) as f64 / 1e6);
        out.sample(&format!("{name}_count"), labels, cumulative as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_labels_escaped() {
        let histogram = Histogram::default();
        for us in [500, 3_000, 3_000, 90_000_000] {
            histogram.observe_us(us);
        }
        let mut out = Exposition::default();
        out.family("x_seconds", Kind::Histogram, "Latency.");
        histogram.write(&mut out, "x_seconds", &[("api", "a\"b\\c\nd")]);
        let text = out.finish();
        assert!(text.contains("x_seconds_bucket{api=\"a\\\"b\\\\c\\nd\",le=\"0.001\"} 1\n"), "{text}");
        assert!(text.contains("le=\"0.005\"} 3\n"), "{text}");
        assert!(text.contains("le=\"60\"} 3\n"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 4\n"), "{text}");
        assert!(text.contains("x_seconds_count{api=\"a\\\"b\\\\c\\nd\"} 4\n"), "{text}");
        assert!(text.contains("x_seconds_sum{api=\"a\\\"b\\\\c\\nd\"} 90.0065\n"), "{text}");
    }
}
