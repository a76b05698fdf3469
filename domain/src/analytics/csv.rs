//! A report as CSV (RFC 4180): the time series, or the groups, one row each, with the
//! columns of [`super::Stats`].

use std::fmt::Write as _;

use super::report::{Report, Stats};

const STATS_HEADER: &str = "requests,client_errors,server_errors,throttled,cache_hits,bytes_in,bytes_out,avg_ms,avg_upstream_ms,avg_gateway_ms,p50_ms,p95_ms,p99_ms";

/// Which table of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// One row per step of the time series.
    #[default]
    Series,
    /// One row per group.
    Groups,
}

/// The table as CSV text.
pub fn to_csv(report: &Report, table: Table) -> String {
    let mut out = String::new();
    match table {
        Table::Series => {
            let _ = writeln!(out, "time,{STATS_HEADER}");
            for point in &report.series {
                let time = chrono::DateTime::from_timestamp_millis(point.t).map(|t| t.to_rfc3339()).unwrap_or_default();
                let _ = writeln!(out, "{time},{}", stats_row(&point.stats));
            }
        }
        Table::Groups => {
            let _ = writeln!(out, "key,label,{STATS_HEADER}");
            for group in &report.groups {
                let _ = writeln!(out, "{},{},{}", field(&group.key), field(&group.label), stats_row(&group.stats));
            }
        }
    }
    out
}

fn stats_row(s: &Stats) -> String {
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{}",
        s.requests,
        s.client_errors,
        s.server_errors,
        s.throttled,
        s.cache_hits,
        s.bytes_in,
        s.bytes_out,
        opt(s.avg_ms),
        opt(s.avg_upstream_ms),
        opt(s.avg_gateway_ms),
        opt(s.p50_ms),
        opt(s.p95_ms),
        opt(s.p99_ms)
    )
}

/// A field quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-`
/// or `@` is prefixed with `'` so a spreadsheet does not run it as a formula.
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=cmd()"), "'=cmd()");
    }
}
