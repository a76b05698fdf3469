//! Charts drawn as SVG on the server and in the browser alike (no script library): a
//! time-series line chart and a horizontal bar chart. Each has a title, a legend, a
//! screen-reader summary and its numbers in `<title>` tooltips.

use leptos::prelude::*;

/// One line of a [`LineChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend text.
    pub label: &'static str,
    /// Tailwind stroke and fill classes of its colour, e.g. `stroke-indigo-600` / `bg-indigo-600`.
    pub stroke: &'static str,
    /// Legend swatch class.
    pub swatch: &'static str,
    /// One value per point (`None`: no data there, e.g. no calls for a latency).
    pub values: Vec<Option<f64>>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

/// A value with a unit, shortened (`1.2k`, `3.5 ms`).
pub fn short(value: f64, unit: &str) -> String {
    let number = if value >= 1_000_000.0 {
        format!("{:.1}M", value / 1_000_000.0)
    } else if value >= 10_000.0 {
        format!("{:.0}k", value / 1_000.0)
    } else if value >= 1_000.0 {
        format!("{:.1}k", value / 1_000.0)
    } else if value.fract() == 0.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    };
    if unit.is_empty() { number } else { format!("{number} {unit}") }
}

/// The smallest "round" number at or above `max` (1, 2, 5 × 10ⁿ), so the axis reads well.
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|&v| v >= max).unwrap_or(max)
}

/// `HH:MM` (UTC) of a Unix-milliseconds time, with the date when `with_date`.
fn clock(t: i64, with_date: bool) -> String {
    chrono::DateTime::from_timestamp_millis(t)
        .map(|t| t.format(if with_date { "%m-%d %H:%M" } else { "%H:%M" }).to_string())
        .unwrap_or_default()
}

/// Lines over time: `times` (Unix ms, one per point) on the x axis.
#[component]
pub fn LineChart(
    /// Heading above the chart.
    title: &'static str,
    /// Unit of the values (`ms`, or empty for counts).
    #[prop(default = "")]
    unit: &'static str,
    /// Start of each point, Unix milliseconds.
    times: Vec<i64>,
    /// The lines.
    lines: Vec<Line>,
    /// `data-testid` of the figure.
    #[prop(default = "chart")]
    testid: &'static str,
) -> impl IntoView {
    let max = lines.iter().flat_map(|l| l.values.iter().flatten()).fold(0.0f64, |a, &b| a.max(b));
    let top = nice_max(max);
    let n = times.len().max(2);
    let x = move |i: usize| LEFT + (WIDTH - LEFT - 4.0) * i as f64 / (n - 1) as f64;
    let y = move |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - v / top);
    let span = times.last().zip(times.first()).map_or(0, |(last, first)| last - first);
    let with_date = span > 86_400_000;
    let (first, last) = (times.first().map(|&t| clock(t, with_date)), times.last().map(|&t| clock(t, with_date)));
    let summary = lines
        .iter()
        .map(|l| {
            let peak = l.values.iter().flatten().fold(0.0f64, |a, &b| a.max(b));
            format!("{}: peak {}", l.label, short(peak, unit))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let paths = lines
        .iter()
        .map(|line| {
            // A path broken where there is no data.
            let mut d = String::new();
            let mut pen_down = false;
            for (i, value) in line.values.iter().enumerate() {
                match value {
                    Some(v) => {
                        d.push_str(&format!("{}{:.1},{:.1} ", if pen_down { "L" } else { "M" }, x(i), y(*v)));
                        pen_down = true;
                    }
                    None => pen_down = false,
                }
            }
            let dots: Vec<_> = line
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i, v)))
                .map(|(i, v)| {
                    let tip = format!("{} {}: {}", clock(times.get(i).copied().unwrap_or(0), with_date), line.label, short(v, unit));
                    view! { <circle cx=format!("{:.1}", x(i)) cy=format!("{:.1}", y(v)) r="2.5" class=format!("{} fill-white", line.stroke) stroke-width="1.5"><title>{tip}</title></circle> }
                })
                .collect();
            view! {
                <path d=d class=format!("{} fill-none", line.stroke) stroke-width="2" stroke-linejoin="round"/>
                {dots}
            }
        })
        .collect_view();
    let legend = lines
        .iter()
        .map(|l| view! { <span class="inline-flex items-center gap-1"><span class=format!("inline-block h-2 w-3 rounded-sm {}", l.swatch)></span>{l.label}</span> })
        .collect_view();
    view! {
        <figure class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid=testid>
            <figcaption class="mb-2 flex items-baseline justify-between">
                <span class="text-sm font-semibold text-slate-800">{title}</span>
                <span class="flex gap-3 text-xs text-slate-600">{legend}</span>
            </figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") class="h-44 w-full" role="img" aria-label=format!("{title}. {summary}")>
                <line x1=LEFT y1=TOP x2=LEFT y2=HEIGHT - BOTTOM class="stroke-slate-300"/>
                <line x1=LEFT y1=HEIGHT - BOTTOM x2=WIDTH y2=HEIGHT - BOTTOM class="stroke-slate-300"/>
                <line x1=LEFT y1=y(top / 2.0) x2=WIDTH y2=y(top / 2.0) class="stroke-slate-100"/>
                <text x=LEFT - 4.0 y=TOP + 8.0 text-anchor="end" class="fill-slate-500 text-[10px]">{short(top, unit)}</text>
                <text x=LEFT - 4.0 y=y(top / 2.0) + 3.0 text-anchor="end" class="fill-slate-500 text-[10px]">{short(top / 2.0, unit)}</text>
                <text x=LEFT - 4.0 y=HEIGHT - BOTTOM text-anchor="end" class="fill-slate-500 text-[10px]">"0"</text>
                <text x=LEFT y=HEIGHT - 6.0 class="fill-slate-500 text-[10px]">{first}</text>
                <text x=WIDTH y=HEIGHT - 6.0 text-anchor="end" class="fill-slate-500 text-[10px]">{last}</text>
                {paths}
            </svg>
        </figure>
    }
}

/// One bar of a [`BarChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// What it counts.
    pub label: String,
    /// Its value.
    pub value: f64,
    /// Tailwind fill class (`fill-indigo-500`).
    pub fill: &'static str,
}

/// Horizontal bars, longest first as given.
#[component]
pub fn BarChart(
    /// Heading above the chart.
    title: &'static str,
    /// Unit of the values.
    #[prop(default = "")]
    unit: &'static str,
    /// The bars.
    bars: Vec<Bar>,
    /// `data-testid` of the figure.
    #[prop(default = "bars")]
    testid: &'static str,
) -> impl IntoView {
    const ROW: f64 = 22.0;
    const LABEL: f64 = 150.0;
    let max = bars.iter().fold(0.0f64, |a, b| a.max(b.value)).max(1.0);
    let height = (bars.len().max(1) as f64) * ROW;
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, bar)| {
            let top = i as f64 * ROW;
            let width = (WIDTH - LABEL - 60.0) * bar.value / max;
            let label: String = bar.label.chars().take(24).collect();
            let value = short(bar.value, unit);
            view! {
                <g>
                    <title>{format!("{}: {value}", bar.label)}</title>
                    <text x=LABEL - 6.0 y=top + 15.0 text-anchor="end" class="fill-slate-700 text-[11px]">{label}</text>
                    <rect x=LABEL y=top + 4.0 width=format!("{:.1}", width.max(1.0)) height=ROW - 8.0 rx="2" class=bar.fill/>
                    <text x=LABEL + width + 6.0 y=top + 15.0 class="fill-slate-600 text-[11px]">{value}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid=testid>
            <figcaption class="mb-2 text-sm font-semibold text-slate-800">{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {height}") class="w-full" role="img" aria-label=title>{rows}</svg>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers_and_values_read_short() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(130.0), 200.0);
        assert_eq!(nice_max(0.3), 0.5);
        assert_eq!(short(1_234.0, ""), "1.2k");
        assert_eq!(short(2.5, "ms"), "2.50 ms");
        assert_eq!(short(42.0, ""), "42");
    }
}
